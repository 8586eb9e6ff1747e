"""The package installs with pip: a wheel of it ships the chart, and an installed copy finds the
chart from any folder a program runs in. Offline: pip builds and installs without an index."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import karpenter
from karpenter.charts.digest import chart_digest
from tests.conftest import ROOT

CHART = ROOT / "karpenter" / "charts" / "karpenter-config"
CATALOG = ROOT / "karpenter" / "catalog" / "data"
# What the build reads: the package metadata, the README it names, and the package.
BUILD_INPUTS = ("pyproject.toml", "README.md", "karpenter")

FIND_THE_CHART = """
import json, os, karpenter
from karpenter.charts import CONFIG_CHART_DIR
import karpenter
from karpenter.charts.digest import chart_digest
from karpenter.kubernetes.releases import config_chart_path
from karpenter import ClusterInputs, Karpenter, KarpenterArgs, StackConfig
from karpenter.catalog.snapshot import load_region
path = config_chart_path()
offered = len(load_region("eu-west-1").types)
found = os.path.isfile(os.path.join(path, "Chart.yaml"))
digest = chart_digest(CONFIG_CHART_DIR)
print(json.dumps({"package": karpenter.__file__, "chart": path, "found": found, "digest": digest, "offered": offered}))
"""


def require_wheel_builds(setuptools_version: str, wheel_installed: bool) -> None:
    """Stop unless setuptools builds wheels here (70.1 or later, or with the `wheel` package):
    a failure in CI, whose fresh venv has the pinned setuptools (a skip there would pass unnoticed),
    a skip with the reason anywhere else, such as a venv made before the pin."""
    major, minor = (int(part) for part in setuptools_version.split(".")[:2])
    if (major, minor) >= (70, 1) or wheel_installed:
        return
    missing = (
        f"setuptools {setuptools_version} builds no wheels without the wheel package; "
        "`make install` installs the pinned setuptools"
    )
    if os.environ.get("CI"):
        pytest.fail(missing)
    pytest.skip(missing)


def _pip(*args: str, cwd: Path) -> None:
    command = [sys.executable, "-m", "pip", *args, "--no-index", "--disable-pip-version-check", "-q"]
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)


def test_the_wheel_ships_the_chart_and_the_catalog_and_an_installed_copy_finds_the_chart_from_another_folder(
    tmp_path: Path,
) -> None:
    require_wheel_builds(importlib.metadata.version("setuptools"), importlib.util.find_spec("wheel") is not None)
    # A copy, so that the build's egg-info and build/ folders stay out of the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source), cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob(f"pulumi_karpenter_eks-{karpenter.__version__}-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())
    chart_files = {path.relative_to(ROOT).as_posix() for path in CHART.rglob("*") if path.is_file()}
    assert {"karpenter/charts/karpenter-config/values.schema.json", "karpenter/py.typed"} <= names
    assert chart_files <= names, f"missing from the wheel: {sorted(chart_files - names)}"
    assert "karpenter/guardrails/rules.py" in names
    catalog_files = {path.relative_to(ROOT).as_posix() for path in CATALOG.rglob("*.json.gz")}
    assert {"karpenter/catalog/data/types.json.gz", "karpenter/catalog/data/regions/eu-west-1.json.gz"} <= catalog_files
    assert catalog_files <= names, f"missing from the wheel: {sorted(catalog_files - names)}"
    assert not [name for name in names if name.startswith("tests/") or "__pycache__" in name]

    site = tmp_path / "site"
    _pip("install", "--no-deps", "--target", str(site), str(wheel), cwd=tmp_path)
    program = tmp_path / "program"
    program.mkdir()
    found = subprocess.run(
        [sys.executable, "-c", FIND_THE_CHART],
        cwd=program,
        env={**os.environ, "PYTHONPATH": str(site)},
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(found.stdout)
    assert report["package"] == str(site / "karpenter" / "__init__.py")
    # Relative to the folder the program runs in, as Helm is given it.
    assert report["chart"] == "../site/karpenter/charts/karpenter-config"
    assert report["found"] is True
    # The chart in site-packages is the chart of the checkout: no upgrade for installing it.
    assert report["digest"] == chart_digest(CHART)
    # The installed copy reads its own snapshot.
    assert report["offered"] > 500


def test_a_venv_that_cannot_build_wheels_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="setuptools 65.5.0 builds no wheels"):
        require_wheel_builds("65.5.0", wheel_installed=False)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="setuptools 65.5.0 builds no wheels"):
        require_wheel_builds("65.5.0", wheel_installed=False)
    require_wheel_builds("65.5.0", wheel_installed=True)
    require_wheel_builds("70.1.0", wheel_installed=False)


def test_runtime_dependencies_admit_the_pinned_versions_up_to_the_next_major() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name] = version
    expected = [f"{name}>={version},<{int(version.split('.')[0]) + 1}" for name, version in pins.items()]
    assert project["dependencies"] == expected
    assert project["requires-python"] == ">=3.11"
