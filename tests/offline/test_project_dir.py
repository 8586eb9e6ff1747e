"""Every command reads the stack files beside Pulumi.yaml, and synth and diff run __main__.py: a folder
without them is one line and exit 2, before anything is read, run or written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from karpenter.offline.cli import main
from tests.conftest import ROOT

COMMANDS = {
    "synth": ["synth", "--stack", "dev"],
    "synth --all": ["synth", "--all"],
    "diff": ["diff", "--stack", "dev"],
    "facts": ["facts", "--stack", "dev"],
    "doctor": ["doctor", "--stack", "dev"],
    "convert": ["convert", "--karpenter-values", "k.yaml", "--config-values", "c.yaml", "--stack", "dev"],
    "drain-legacy": ["drain-legacy", "--stack", "dev", "--dry-run"],
}
_WHAT_TO_DO = "run in the folder of Pulumi.yaml and __main__.py, or name it with --project-dir"


def _stacks_only(folder: Path) -> Path:
    """A folder with a stack file and nothing of the program, as a user's folder of stack files might be."""
    folder.mkdir()
    (folder / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n  karpenter:clusterName: dev\n")
    return folder


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_folder_without_the_program_is_one_line_and_exit_2_for_every_command(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _stacks_only(tmp_path / "stacks")
    assert main([*command, "--project-dir", str(project)]) == 2
    assert capsys.readouterr() == (
        "",
        f"error: {project} holds no Pulumi.yaml and no __main__.py, so it is not the program's folder; {_WHAT_TO_DO}\n",
    )
    assert sorted(path.name for path in project.iterdir()) == ["Pulumi.dev.yaml"]


def test_a_folder_with_pulumi_yaml_but_no_program_names_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _stacks_only(tmp_path / "stacks")
    (project / "Pulumi.yaml").write_text("name: karpenter\nruntime: python\n")
    assert main(["synth", "--stack", "dev", "--project-dir", str(project), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"error: {project} holds no __main__.py, so it is not the program's folder; {_WHAT_TO_DO}\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_there_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    assert main(["doctor", "--stack", "dev", "--project-dir", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"error: {missing} is not a folder; run in the program's folder or name it with --project-dir\n"
    )


def test_synth_run_from_another_folder_says_so_without_a_traceback(tmp_path: Path) -> None:
    folder = _stacks_only(tmp_path / "stacks")
    done = subprocess.run(
        [sys.executable, "-m", "karpenter", "synth", "--stack", "dev"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: {folder} holds no Pulumi.yaml and no __main__.py, so it is not the program's folder; {_WHAT_TO_DO}\n"
    )
