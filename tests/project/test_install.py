"""The install: `make synth` installs what synth needs (requirements-synth.txt) and nothing of the test and
audit tools, which `make test`, `make lint` and the other development targets add once (requirements-dev.txt).
Each install is redone only when its requirements change."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_project

REQUIREMENTS = ("requirements.txt", "requirements-synth.txt", "requirements-dev.txt")
# Present in every virtualenv python -m venv makes, and loaded at start-up by its .pth file.
_EVERY_VENV = {"setuptools"}


def _pins(name: str) -> dict[str, str]:
    """The distributions a requirements file pins itself, by normalized name."""
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r "):
            distribution, _, version = line.partition("==")
            pins[re.sub(r"\[.*\]", "", distribution).lower().replace("_", "-")] = version
    return pins


def _includes(name: str) -> list[str]:
    return re.findall(r"^-r (\S+)$", (ROOT / name).read_text(), re.MULTILINE)


def test_each_requirements_file_includes_the_one_below_it_and_pins_nothing_twice() -> None:
    assert _includes("requirements-dev.txt") == ["requirements-synth.txt"]
    assert _includes("requirements-synth.txt") == ["requirements.txt"]
    assert _includes("requirements.txt") == []
    pinned = [set(_pins(name)) for name in REQUIREMENTS]
    assert all(not (a & b) for i, a in enumerate(pinned) for b in pinned[i + 1 :])
    # Synth renders the local chart with Helm's SDK; the Pulumi CLI, which installs requirements.txt, never does.
    assert "helm-python-sdk" in _pins("requirements-synth.txt")


def _make(folder: Path, *targets: str) -> list[str]:
    """The commands `make -n` would run there: what it would install, without installing anything."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", *targets, "PYTHON=python3"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The Makefile and requirements files in a folder of their own, with no venv yet."""
    for name in ("Makefile", *REQUIREMENTS):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _installs(commands: list[str]) -> list[str]:
    return [re.sub(r".* -r ", "-r ", c) for c in commands if " -m pip install " in c]


def _stamp(folder: Path, *stamps: str) -> None:
    """A venv as an earlier run left it: its python, and the stamps of the installs done, newer than the files."""
    (folder / "venv" / "bin").mkdir(parents=True)
    (folder / "venv" / "bin" / "python").write_text("")
    for stamp in stamps:
        (folder / "venv" / stamp).write_text("")
    later = max(p.stat().st_mtime for p in folder.iterdir() if p.is_file()) + 10
    for stamp in stamps:
        os.utime(folder / "venv" / stamp, (later, later))


def test_the_first_make_synth_says_what_it_does_and_installs_only_what_synth_needs(checkout: Path) -> None:
    commands = _make(checkout, "synth")
    assert _installs(commands) == ["-r requirements-synth.txt"]
    assert "--quiet" not in " ".join(commands)
    said = [c for c in commands if c.startswith("echo ")]
    assert said[0] == 'echo "==> creating the virtualenv venv/ with python3"'
    assert said[1].startswith('echo "==> installing what synth needs into venv/ (requirements-synth.txt')
    assert commands.index(said[0]) < commands.index("python3 -m venv venv") < commands.index(said[1])


@pytest.mark.parametrize("target", ["test", "lint", "typecheck", "unit", "workflows", "install"])
def test_the_development_targets_add_the_test_and_audit_tools_once_after_synth(checkout: Path, target: str) -> None:
    _stamp(checkout, ".installed-synth")
    assert _installs(_make(checkout, target)) == ["-r requirements-dev.txt"]
    installed = checkout / "venv" / ".installed-dev"
    installed.write_text("")
    later = (checkout / "venv" / ".installed-synth").stat().st_mtime + 10
    os.utime(installed, (later, later))
    assert _installs(_make(checkout, target)) == []


def test_a_fresh_checkouts_make_test_installs_synth_then_the_tools(checkout: Path) -> None:
    assert _installs(_make(checkout, "test")) == ["-r requirements-synth.txt", "-r requirements-dev.txt"]


def test_a_change_of_the_programs_requirements_reinstalls_both(checkout: Path) -> None:
    _stamp(checkout, ".installed-synth", ".installed-dev")
    assert _installs(_make(checkout, "synth", "lint")) == []
    later = (checkout / "venv" / ".installed-dev").stat().st_mtime + 10
    os.utime(checkout / "requirements.txt", (later, later))
    assert _installs(_make(checkout, "lint")) == ["-r requirements-synth.txt", "-r requirements-dev.txt"]


def _dev_only_modules() -> set[str]:
    """Top-level modules of the distributions requirements-dev.txt adds to synth's."""
    added = set(_pins("requirements-dev.txt")) - _EVERY_VENV
    return {
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if any(d.lower().replace("_", "-") in added for d in distributions)
    }


_SYNTH_IMPORTS = """
import json, sys
from karpenter.offline.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({name.partition(".")[0] for name in sys.modules})}))
"""


def test_synth_runs_without_any_test_or_audit_tool(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", fixtures=("runbook",))
    done = subprocess.run(
        [sys.executable, "-c", _SYNTH_IMPORTS, "synth", "--all", "--project-dir", str(project)]
        + ["--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["code"] == 0
    assert "helm_python" in report["modules"]
    assert _dev_only_modules() & set(report["modules"]) == set()
