"""Synth's output folder: it replaces only a folder it wrote itself, refuses any other before the
program runs, and swaps a finished output in whole, so a failed write changes nothing."""

from __future__ import annotations

import errno
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from karpenter.offline import errors, output_folder, program, stale_outputs
from karpenter.offline.cli import main
from tests.conftest import ROOT

_OWN = "synth writes only into a folder of its own, such as build/synth/<stack>"


def _result() -> program.SynthResult:
    return program.SynthResult(stack="test", region="eu-west-1", preview=False, resources=[], outputs={"a": 1})


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def _refusal(out: Path, project_dir: Path) -> str:
    with pytest.raises(errors.SynthError) as refused:
        output_folder.check_output_folder(out, project_dir)
    return str(refused.value)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text("name: karpenter\n")
    return folder


@pytest.fixture
def previous(tmp_path: Path, project: Path) -> Path:
    """An output folder as an earlier synth left it."""
    out = tmp_path / "synth" / "dev"
    output_folder.write(_result(), out, {"iam/removed-policy.json": "{}\n"}, project)
    return out


def _temporary_folders(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".synth-"))


def test_a_new_nested_folder_is_created_with_the_marker(tmp_path: Path, project: Path) -> None:
    out = tmp_path / "a" / "b" / "dev"
    output_folder.write(_result(), out, {"helm/karpenter.values.yaml": "x: 1\n"}, project)
    assert _files(out) == {
        ".karpenter-synth": (
            "Written by `python -m karpenter synth`, which replaces this whole folder on its next run.\n"
        ),
        "helm/karpenter.values.yaml": "x: 1\n",
        "outputs.json": '{\n  "a": 1\n}\n',
        "pools.json": "{}\n",
        "resources.json": "[]\n",
    }
    assert _temporary_folders(out.parent) == []


def test_an_empty_folder_is_used(tmp_path: Path, project: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    output_folder.write(_result(), out, None, project)
    assert sorted(_files(out)) == [".karpenter-synth", "outputs.json", "pools.json", "resources.json"]


def test_a_previous_output_is_replaced_whole(previous: Path, project: Path) -> None:
    assert (previous / "iam" / "removed-policy.json").exists()
    output_folder.write(_result(), previous, None, project)
    assert sorted(_files(previous)) == [".karpenter-synth", "outputs.json", "pools.json", "resources.json"]
    assert _temporary_folders(previous.parent) == []


def test_a_folder_without_the_marker_is_refused_and_kept(tmp_path: Path, project: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me\n")
    message = (
        f"--out {notes.resolve()}: the folder holds files synth did not write (no .karpenter-synth marker); "
        "choose an empty or new folder"
    )
    assert _refusal(notes, project) == message
    with pytest.raises(errors.SynthError, match=f"^{re.escape(message)}$"):
        output_folder.write(_result(), notes, None, project)
    assert _files(notes) == {"todo.txt": "keep me\n"}
    assert _temporary_folders(tmp_path) == []


def test_a_folder_holding_only_hidden_files_is_not_empty(tmp_path: Path, project: Path) -> None:
    out = tmp_path / "repo"
    (out / ".git").mkdir(parents=True)
    assert _refusal(out, project) == (
        f"--out {out.resolve()}: the folder holds files synth did not write (no .karpenter-synth marker); "
        "choose an empty or new folder"
    )


def test_the_project_folder_is_refused_even_with_a_marker(project: Path) -> None:
    (project / ".karpenter-synth").write_text("")
    assert _refusal(project, project) == f"--out {project.resolve()}: the project folder or one of its parents; {_OWN}"


def test_a_parent_of_the_project_folder_is_refused(tmp_path: Path, project: Path) -> None:
    assert (
        _refusal(tmp_path, project) == f"--out {tmp_path.resolve()}: the project folder or one of its parents; {_OWN}"
    )


def test_a_folder_inside_the_project_is_accepted(project: Path) -> None:
    out = project / "build" / "synth" / "dev"
    assert output_folder.check_output_folder(out, project) == out.resolve()
    assert not (project / "build").exists()


def test_the_filesystem_root_is_refused(project: Path) -> None:
    assert _refusal(Path("/"), project) == f"--out /: the filesystem root; {_OWN}"


def test_the_home_folder_and_its_parents_are_refused(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "users" / "me"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert _refusal(home, project) == f"--out {home.resolve()}: the home folder or one of its parents; {_OWN}"
    users = home.parent
    assert _refusal(users, project) == f"--out {users.resolve()}: the home folder or one of its parents; {_OWN}"
    assert output_folder.check_output_folder(home / "synth", project) == (home / "synth").resolve()


def test_a_file_is_refused_as_the_output_folder(tmp_path: Path, project: Path) -> None:
    out = tmp_path / "resources.json"
    out.write_text("[]\n")
    assert _refusal(out, project) == f"--out {out.resolve()}: a file, not a folder; choose a new or empty folder"
    assert out.read_text() == "[]\n"


def test_a_folder_below_a_file_is_refused_naming_the_file(tmp_path: Path, project: Path) -> None:
    blocker = tmp_path / "build"
    blocker.write_text("")
    out = blocker / "synth" / "dev"
    assert _refusal(out, project) == (
        f"--out {out.resolve()}: {blocker.resolve()} is a file, not a folder; choose another place"
    )


def test_a_write_that_raises_leaves_the_previous_output_and_no_temporary_folder(previous: Path, project: Path) -> None:
    before = _files(previous)
    not_text: Any = None
    with pytest.raises(TypeError, match="not NoneType"):
        output_folder.write(_result(), previous, {"helm/karpenter.values.yaml": not_text}, project)
    assert _files(previous) == before
    assert _temporary_folders(previous.parent) == []


def test_a_full_disk_is_one_line_and_leaves_the_previous_output(
    previous: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(previous)
    original = Path.write_text

    def disk_full_at_outputs(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name == "outputs.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full_at_outputs)
    with pytest.raises(errors.SynthError) as refused:
        output_folder.write(_result(), previous, None, project)
    assert (
        str(refused.value) == f"--out {previous.resolve()}: writing failed, nothing replaced: No space left on device"
    )
    monkeypatch.undo()
    assert _files(previous) == before
    assert _temporary_folders(previous.parent) == []


def test_a_failed_swap_puts_the_previous_output_back(
    previous: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(previous)
    original = Path.rename

    def new_output_cannot_move(self: Path, target: Any) -> Path:
        if self.name.startswith(".synth-") and not self.name.endswith(".old"):
            raise OSError(errno.EBUSY, "Device or resource busy")
        return original(self, target)

    monkeypatch.setattr(Path, "rename", new_output_cannot_move)
    with pytest.raises(errors.SynthError) as refused:
        output_folder.write(_result(), previous, None, project)
    assert (
        str(refused.value) == f"--out {previous.resolve()}: writing failed, nothing replaced: Device or resource busy"
    )
    monkeypatch.undo()
    assert _files(previous) == before
    assert _temporary_folders(previous.parent) == []


def test_a_refused_folder_is_refused_before_the_program_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def must_not_run(*args: Any, **kwargs: Any) -> program.SynthResult:
        raise AssertionError("the program ran for a refused folder")

    monkeypatch.setattr(program, "run_program", must_not_run)
    assert main(["synth", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(ROOT)]) == 2
    assert (
        capsys.readouterr().err == f"error: --out {ROOT.resolve()}: the project folder or one of its parents; {_OWN}\n"
    )


def test_the_command_line_refuses_the_current_folder_in_one_line_with_exit_code_2(project: Path) -> None:
    shutil.copy(ROOT / "__main__.py", project / "__main__.py")
    done = subprocess.run(
        [sys.executable, "-m", "karpenter", "synth", "--stack", "dev", "--out", "."],
        cwd=project,
        env={"PYTHONPATH": str(ROOT), "HOME": str(project.parent / "home")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"error: --out {project.resolve()}: the project folder or one of its parents; {_OWN}\n"
    assert sorted(p.name for p in project.iterdir()) == ["Pulumi.yaml", "__main__.py"]


def test_stale_outputs_spare_current_stacks_links_files_and_a_runs_own_staging(tmp_path: Path, project: Path) -> None:
    out = tmp_path / "synth"
    for stack in ("prod", "old"):
        output_folder.write(_result(), out / stack, None, project)
    elsewhere = tmp_path / "elsewhere"
    output_folder.write(_result(), elsewhere, None, project)
    (out / "linked").symlink_to(elsewhere, target_is_directory=True)
    (out / ".synth-abc").mkdir()
    (out / "notes.txt").write_text("mine\n")
    assert stale_outputs.remove_stale_outputs(out, ["prod"]) == [
        f"removed {out}/old/: Pulumi.old.yaml no longer exists"
    ]
    assert sorted(p.name for p in out.iterdir()) == [".synth-abc", "linked", "notes.txt", "prod"]
    assert (elsewhere / output_folder.SYNTH_MARKER).is_file()


def test_stale_outputs_of_a_folder_that_is_not_there_are_none(tmp_path: Path) -> None:
    assert stale_outputs.remove_stale_outputs(tmp_path / "nothing", ["prod"]) == []
