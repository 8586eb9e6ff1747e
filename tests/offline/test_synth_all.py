"""`synth --all` renders every stack file of a project, a line each, and fails naming a refused stack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from karpenter.offline import facts
from karpenter.offline.cli import main
from karpenter.offline.project_folder import stack_names
from tests.conftest import ROOT, make_project


def _project(folder: Path, stacks: dict[str, dict[str, object]]) -> Path:
    folder.mkdir(exist_ok=True)
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(ROOT / name, folder / name)
    for stack, config in stacks.items():
        (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return folder


ATTACH = {"aws:region": "eu-west-1", "karpenter:clusterName": "prod", "karpenter:amiAlias": "al2023@v20250920"}


def _note(stack: str) -> str:
    return facts.sample_cluster_note(stack)


def test_the_stacks_are_the_stack_files_beside_pulumi_yaml(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.eu-west.yaml", "Pulumi..yaml", "notes.yaml"):
        (tmp_path / name).write_text("")
    assert stack_names(tmp_path) == ["eu-west", "prod"]


def test_every_stack_renders_into_a_folder_of_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path / "project", {"prod": ATTACH, "staging": {**ATTACH, "karpenter:clusterName": "stg"}})
    out = tmp_path / "out"
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"prod     ok       51 resources (eu-west-1) in {out}/prod/",
        f"         {_note('prod')}",
        f"staging  ok       51 resources (eu-west-1) in {out}/staging/",
        f"         {_note('staging')}",
    ]
    assert sorted(path.name for path in out.iterdir()) == ["prod", "staging"]
    assert (out / "staging" / "helm" / "karpenter.values.yaml").read_text().count("clusterName: stg") == 1


def test_a_refused_stack_is_named_and_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = {**ATTACH, "karpenter:nodePools": {"cpu": {"capacityTypes": ["spot", "preemptible"]}}}
    project = _project(tmp_path / "project", {"bad": bad, "good": ATTACH})
    out = tmp_path / "out"
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "bad   refused  karpenter:nodePools.cpu.capacityTypes[1]: 'preemptible' is not one of spot, on-demand, "
        "reserved",
        f"good  ok       51 resources (eu-west-1) in {out}/good/",
        f"      {_note('good')}",
    ]
    assert captured.err == "\n1 of 2 stacks refused\n"
    assert sorted(path.name for path in out.iterdir()) == ["good"]


def test_no_stack_files_is_nothing_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, {})
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out == f"no stack files (Pulumi.<stack>.yaml) in {project}\n"


def test_a_stack_file_whose_name_pulumi_refuses_is_listed_and_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Pulumi CLI accepts stack names matching ^[A-Za-z0-9_.-]{1,100}$ (pulumi/pulumi
    pkg/backend/diy/backend.go, validateStackName: "stack names may only contain alphanumeric, hyphens,
    underscores, or periods")."""
    project = _project(tmp_path / "project", {"prod@east 1": ATTACH})
    out = tmp_path / "out"
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "prod@east 1  refused  Pulumi.prod@east 1.yaml: 'prod@east 1' is not a stack name the Pulumi CLI accepts: "
        "letters, digits, hyphens, underscores and periods only, at most 100 characters; rename the file",
    ]
    assert captured.err == "\n1 of 1 stacks refused\n"
    assert not out.exists()


def test_the_output_of_a_stack_file_that_no_longer_exists_is_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "project", {"prod": ATTACH, "old": ATTACH})
    out = tmp_path / "out"
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 0
    (project / "Pulumi.old.yaml").unlink()
    capsys.readouterr()
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"prod  ok       51 resources (eu-west-1) in {out}/prod/",
        f"      {_note('prod')}",
        f"removed {out}/old/: Pulumi.old.yaml no longer exists",
    ]
    assert sorted(path.name for path in out.iterdir()) == ["prod"]


def test_a_folder_synth_did_not_write_is_kept_and_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path / "project", {"prod": ATTACH})
    out = tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "todo.txt").write_text("mine\n")
    (out / "README.txt").write_text("mine too\n")
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"kept {out}/notes/: Pulumi.notes.yaml no longer exists, but synth did not write this folder "
        "(no .karpenter-synth marker)"
    )
    assert (out / "notes" / "todo.txt").read_text() == "mine\n"
    assert (out / "README.txt").read_text() == "mine too\n"


def test_the_output_of_a_refused_stack_is_kept_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path / "project", {"prod": ATTACH})
    out = tmp_path / "out"
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 0
    before = (out / "prod" / "resources.json").read_text()
    bad = {**ATTACH, "karpenter:nodePools": {"cpu": {"capacityTypes": ["preemptible"]}}}
    (project / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": bad}))
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 2
    assert "removed" not in capsys.readouterr().out
    assert (out / "prod" / "resources.json").read_text() == before


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_worker_processes_write_what_one_process_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example stacks, the tests' runbook and created-cluster stacks and a refused one, rendered in
    one process and in two workers: the same folders byte for byte, the same lines, the same status."""
    project = make_project(
        tmp_path / "project",
        {"refused": {**ATTACH, "karpenter:nodePools": {"cpu": {"capacityTypes": ["preemptible"]}}}},
        fixtures=("runbook", "create"),
    )
    for example in ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(example, project / example.name)
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        status = main(["synth", "--all", "--jobs", jobs, "--project-dir", str(project), "--out", str(out)])
        captured = capsys.readouterr()
        runs[jobs] = (status, captured.out.replace(str(out), "<out>"), captured.err, _files(out))
    status, lines, err, files = runs["1"]
    assert runs["2"] == runs["1"]
    assert status == 2
    assert err == f"\n1 of {len(stack_names(project))} stacks refused\n"
    assert "  refused  karpenter:nodePools.cpu.capacityTypes[0]: 'preemptible'" in lines
    assert [line.split()[0] for line in lines.splitlines() if not line.startswith(" ")] == stack_names(project)
    assert "runbook/manifests/karpenter-config.yaml" in files


@pytest.mark.parametrize("argv", [["--stack", "dev", "--jobs", "2"], ["--all", "--jobs", "0"]])
def test_jobs_is_a_positive_number_for_all_stacks(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["synth", *argv])
    assert exited.value.code == 2
    assert "--jobs" in capsys.readouterr().err
