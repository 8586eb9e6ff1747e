"""Synth loads the SDKs' service packages name by name.

A service package of pulumi_aws or pulumi_kubernetes imports every module it holds when first
touched: `aws.ec2.Tag` costs all of ec2's modules, some seven hundred, though the program uses one
class and three functions of it, and that import alone was a fifth of a one-stack synth. The SDKs'
generator writes such a package's `__init__` as nothing but re-exports (`from .tag import *`, one
line per module). A package written so is loaded here without running those lines: each name is
imported from its own module when first asked for, and is the very object the full import binds
(tests/offline/test_lazy_packages.py). A package written any other way is imported as it is, and
so is every package when `install` was not called: `pulumi up` never calls it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

PREFIXES = ("pulumi_aws.", "pulumi_kubernetes.", "pulumi_eks.")

_REEXPORT = re.compile(r"from \.([A-Za-z_]\w*) import \*")
_SUBMODULE = re.compile(r"from \. import ([A-Za-z_]\w*)")
# The other lines the generator writes into such an `__init__`.
_INERT = re.compile(r"import builtins as _builtins|import typing|from \.+ import _utilities")
_CAPITAL = re.compile(r"(?<=[a-z0-9])([A-Z])")


@dataclass(frozen=True)
class Reexports:
    """A package `__init__` that only re-exports: its own imports (which bind a few names too, such as
    `_utilities`), then each module in order and whether all its names are re-exported (else the
    module itself is bound)."""

    imports: str
    steps: tuple[tuple[str, bool], ...]


def reexports(init_source: str) -> Reexports | None:
    """The `__init__`'s imports and steps; None for an `__init__` that does anything else."""
    imports: list[str] = []
    steps: list[tuple[str, bool]] = []
    for raw in init_source.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _INERT.fullmatch(line):
            imports.append(line)
        elif found := _REEXPORT.fullmatch(line):
            steps.append((found.group(1), True))
        elif found := _SUBMODULE.fullmatch(line):
            steps.append((found.group(1), False))
        else:
            return None
    return Reexports("\n".join(imports), tuple(steps))


def _likely_modules(name: str) -> list[str]:
    """Where the generator puts `name`: `TagArgs` and `Tag` in `tag`, `get_subnet_output` in `get_subnet`,
    `Release` in `Release`."""
    base = name.removesuffix("ArgsDict").removesuffix("Args").removesuffix("_output")
    return list(dict.fromkeys([name, _CAPITAL.sub(r"_\1", base).lower()]))


def _exported(module: ModuleType) -> Sequence[str]:
    """The names `from module import *` binds."""
    names = getattr(module, "__all__", None)
    return names if names is not None else [key for key in vars(module) if not key.startswith("_")]


class _PackageLoader(importlib.machinery.SourceFileLoader):
    """Executes none of the package's `__init__`; its names are found on first use."""

    def __init__(self, fullname: str, path: str, init: Reexports) -> None:
        super().__init__(fullname, path)
        self.init = init

    def exec_module(self, module: ModuleType) -> None:
        exec(compile(self.init.imports, self.path, "exec"), module.__dict__)
        steps = self.init.steps
        package = module.__name__
        reexported = [name for name, star in steps if star]
        # Input types and enums live in these, not in a module named after them.
        shared = [name for name in reexported if name.startswith("_")]

        def __getattr__(name: str) -> object:  # noqa: N807 (a module's attribute hook, PEP 562)
            for candidate in dict.fromkeys([*_likely_modules(name), *shared]):
                if candidate in reexported:
                    loaded = importlib.import_module(f"{package}.{candidate}")
                    if name in _exported(loaded):
                        value = getattr(loaded, name)
                        setattr(module, name, value)
                        return value
            if any(name == step for step, _ in steps):
                return importlib.import_module(f"{package}.{name}")
            if name.startswith("__"):
                raise AttributeError(name)
            _load_all(module, steps)
            try:
                return module.__dict__[name]
            except KeyError:
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

        def __dir__() -> list[str]:  # noqa: N807
            if "__getattr__" in module.__dict__:
                _load_all(module, steps)
            return sorted(module.__dict__)

        module.__dict__.update(__getattr__=__getattr__, __dir__=__dir__)


def _load_all(module: ModuleType, steps: tuple[tuple[str, bool], ...]) -> None:
    """What the package's `__init__` does, in its order: for a name no one module is known for."""
    del module.__dict__["__getattr__"]
    for name, star in steps:
        loaded = importlib.import_module(f"{module.__name__}.{name}")
        if star:
            for key in _exported(loaded):
                setattr(module, key, getattr(loaded, key))


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(PREFIXES):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.submodule_search_locations or not spec.origin:
            return spec
        with open(spec.origin, encoding="utf-8") as init:
            found = reexports(init.read())
        if found is not None:
            spec.loader = _PackageLoader(fullname, spec.origin, found)
        return spec


def install() -> None:
    """From now on, in this process and those it forks, such packages load name by name."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def is_lazy(package: ModuleType) -> bool:
    return isinstance(getattr(package.__spec__, "loader", None), _PackageLoader)
