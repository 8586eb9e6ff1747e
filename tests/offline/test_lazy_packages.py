"""Synth loads the SDKs' service packages name by name (karpenter/offline/lazy_packages.py): each name
must be the very object the package's own `__init__` binds, and the names the program uses must load
without the rest of their package."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from karpenter.offline.lazy_packages import reexports
from karpenter.offline.sdk_classes import USED
from tests.conftest import ROOT

# Every package the program takes a name from, as lazily loaded ones.
PACKAGES = (
    "pulumi_aws.cloudwatch",
    "pulumi_aws.ec2",
    "pulumi_aws.eks",
    "pulumi_aws.iam",
    "pulumi_aws.sqs",
    "pulumi_kubernetes.helm.v3",
)

_NAMES = """
import importlib, json, sys
{setup}
def key(value):
    if type(value).__name__ == "module":
        return ["module", value.__name__]
    return [getattr(value, "__module__", None), getattr(value, "__qualname__", None) or repr(value)]
found = {{}}
for package in {packages!r}:
    module = importlib.import_module(package)
    # pulumi_aws binds its service packages with a lazy loader that runs `__init__` on first use.
    assert module._utilities
    names = {names}
    found[package] = {{}}
    for name in names:
        try:
            found[package][name] = key(getattr(module, name))
        except Stop:
            found[package][name] = "whole package"
print(json.dumps(found))
"""
_EAGER = "class Stop(Exception): pass"
# No name may need the whole package's `__init__` here: those a module of their own cannot give are
# reported, and checked again in the run that lets the package load whole.
_LAZY_BY_NAME = """
from karpenter.offline import lazy_packages
class Stop(Exception): pass
def stop(module, steps):
    raise Stop
lazy_packages._load_all = stop
lazy_packages.install()
"""
_LAZY = """
from karpenter.offline import lazy_packages
class Stop(Exception): pass
lazy_packages.install()
"""


def _names(setup: str, names: str, packages: tuple[str, ...] = PACKAGES) -> dict[str, dict[str, object]]:
    code = _NAMES.format(setup=setup, packages=packages, names=names)
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def eager() -> dict[str, dict[str, object]]:
    return _names(_EAGER, "[name for name in vars(module) if not name.startswith('__')]")


def test_every_name_of_a_lazily_loaded_package_is_the_object_its_own_import_binds(
    eager: dict[str, dict[str, object]],
) -> None:
    wanted = {package: sorted(names) for package, names in eager.items()}
    by_name = _names(_LAZY_BY_NAME, f"{wanted!r}[package]")
    whole = _names(_LAZY, f"{wanted!r}[package]")
    assert sum(len(names) for names in eager.values()) > 1000
    for package, names in eager.items():
        resolved = {name: found for name, found in by_name[package].items() if found != "whole package"}
        assert resolved == {name: names[name] for name in resolved}, package
        assert whole[package] == names, package


def test_the_names_the_program_uses_load_without_the_rest_of_their_package() -> None:
    code = f"""
import json, sys
from karpenter.offline import lazy_packages, sdk_classes
lazy_packages.install()
sdk_classes.load({USED!r})
print(json.dumps({{
    "lazy": {{p: "__getattr__" in vars(sys.modules[p]) for p in {PACKAGES!r}}},
    "modules": sorted(name for name in sys.modules if name.startswith("pulumi_aws.ec2.")),
}}))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(run.stdout)
    assert found["lazy"] == dict.fromkeys(PACKAGES, True)
    assert found["modules"] == [
        "pulumi_aws.ec2._enums",
        "pulumi_aws.ec2._inputs",
        "pulumi_aws.ec2.get_security_group",
        "pulumi_aws.ec2.get_subnet",
        "pulumi_aws.ec2.outputs",
        "pulumi_aws.ec2.tag",
    ]


def test_an_init_that_does_more_than_reexport_is_imported_as_it_is() -> None:
    generated = "# coding=utf-8\nimport builtins as _builtins\nfrom .. import _utilities\nimport typing\n"
    found = reexports(generated + "from ._enums import *\nfrom .tag import *\nfrom . import outputs\n")
    assert found is not None
    assert found.steps == (("_enums", True), ("tag", True), ("outputs", False))
    assert found.imports == "import builtins as _builtins\nfrom .. import _utilities\nimport typing"
    assert reexports(generated + "from .tag import *\n_utilities.register(resource_modules='[]')\n") is None
    assert reexports(generated + "from .tag import Tag\n") is None
    assert reexports(generated + "if typing.TYPE_CHECKING:\n    import pulumi_aws.ec2\n") is None


def test_synth_on_its_own_command_line_loads_packages_by_name_and_the_test_process_does_not() -> None:
    """So that the tests that render in this process compare the lazy loading with the plain one."""
    import pulumi_aws.ec2

    from karpenter.offline.lazy_packages import is_lazy

    code = "import sys, runpy; sys.argv = ['karpenter', '--help']\n"
    code += "try:\n    runpy.run_module('karpenter', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    code += "import pulumi_aws.ec2\nfrom karpenter.offline.lazy_packages import is_lazy\n"
    code += "print(is_lazy(sys.modules['pulumi_aws.ec2']))"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == "True"
    assert not is_lazy(pulumi_aws.ec2)
