"""Offline synth: the files it writes, their stability, and the mock engine it relies on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from karpenter.config.errors import ConfigError
from karpenter.offline import errors, monitor, output_folder, program
from karpenter.offline import facts as offline_facts
from karpenter.offline.cli import main
from tests.conftest import ROOT, Run, make_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", fixtures=("runbook",))


def _synth(project: Path, out: Path, *extra: str) -> int:
    return main(["synth", "--stack", "runbook", "--project-dir", str(project), "--out", str(out), *extra])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_synth_writes_resources_policies_and_outputs(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _synth(project, tmp_path / "dev") == 0
    files = _files(tmp_path / "dev")
    resources = json.loads(files["resources.json"])
    assert {"urn", "type", "name", "custom", "parent", "dependencies", "inputs", "options"} == set(resources[0])
    assert resources[0]["type"] == "karpenter:stack:Karpenter"
    assert "iam/node-role.json" in files
    assert "iam/controller-role.json" in files
    assert "iam/controller-NodeLifecycle.json" in files
    assert "iam/interruption-queue-policy.json" in files
    assert json.loads(files["iam/node-role.json"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    table = capsys.readouterr().out
    assert "stack runbook (eu-west-1)" in table
    assert "aws:iam/role:Role" in table


def test_synth_output_is_byte_identical_from_process_to_process(project: Path, tmp_path: Path) -> None:
    # Two interpreters with different hash salts: anything keyed on Python's hash() would differ.
    for seed in ("1", "2"):
        command = [sys.executable, "-m", "karpenter", "synth", "--stack", "runbook", "--project-dir", str(project)]
        done = subprocess.run(
            [*command, "--out", str(tmp_path / seed)],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    first, second = _files(tmp_path / "1"), _files(tmp_path / "2")
    assert "resources.json" in first and "manifests/karpenter-config.yaml" in first
    assert first == second


def test_synth_replaces_stale_files_from_an_earlier_run(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dev"
    (out / "iam").mkdir(parents=True)
    (out / "iam" / "removed-policy.json").write_text("{}")
    (out / output_folder.SYNTH_MARKER).write_text("")
    assert _synth(project, out) == 0
    assert not (out / "iam" / "removed-policy.json").exists()


def test_resources_are_listed_in_the_order_the_program_declares_them(run: Run) -> None:
    names = [r.name for r in run().resources]
    assert names.index("karpenter") < names.index("node") < names.index("node-role")
    assert names.index("node-role") < names.index("node-instance-profile")
    assert names.index("node-instance-profile") < names.index("controller-role")


def test_dependencies_include_edges_implied_by_output_inputs(run: Run) -> None:
    """The recording monitor sees what MockResourceArgs hides: parents and dependency edges."""
    result = run()
    attachment = result.named("controller-NodeLifecycle-attachment")
    assert result.named("controller-role").urn in attachment.dependencies
    assert result.named("controller-NodeLifecycle").urn in attachment.dependencies
    assert attachment.parent == result.named("controller").urn


def test_preview_writes_computed_values_as_such(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    assert _synth(project, out, "--preview") == 0
    resources = json.loads((out / "resources.json").read_text())
    (entry,) = [r for r in resources if r["type"] == "aws:eks/accessEntry:AccessEntry"]
    assert entry["inputs"]["principalArn"] == monitor.COMPUTED


def _project_with_facts(tmp_path: Path, facts_text: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    (project / "facts.yaml").write_text(facts_text)
    (project / "Pulumi.facts.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  karpenter:clusterName: legacy\n  karpenter:synthFacts: facts.yaml\n"
    )
    return project


def test_a_stack_can_name_its_own_cluster_facts_file(tmp_path: Path) -> None:
    facts = offline_facts.sample_facts("eu-west-1").model_dump(by_alias=True)
    facts["authenticationMode"] = "CONFIG_MAP"
    facts["subnets"] = facts["subnets"][:1]
    project = _project_with_facts(tmp_path, json.dumps(facts))
    result = program.run_program("facts", program.stack_settings("facts", project), project_dir=project)
    assert result.outputs["nodeAccess"] == "aws-auth"
    assert result.outputs["subnetIds"] == [facts["subnets"][0]["id"]]


def test_a_bad_facts_file_is_refused_naming_the_key(tmp_path: Path) -> None:
    facts = offline_facts.sample_facts("eu-west-1").model_dump(by_alias=True)
    facts["authenticationMode"] = "OPEN"
    project = _project_with_facts(tmp_path, json.dumps(facts))
    with pytest.raises(ConfigError, match=r"^karpenter:synthFacts: .*facts.yaml: authenticationMode: "):
        program.run_program("facts", program.stack_settings("facts", project), project_dir=project)


def test_secret_config_values_are_refused_by_name_offline(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  karpenter:clusterName:\n    secure: v1:abc\n")
    with pytest.raises(errors.SynthError, match=r"^karpenter:clusterName: a secret value"):
        program.stack_settings("s", tmp_path)
