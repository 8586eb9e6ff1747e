"""A stack checked against the built-in sample cluster says so, and how to describe its own cluster instead."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from karpenter.config.errors import ConfigError
from karpenter.offline import facts as offline_facts
from karpenter.offline import program
from karpenter.offline.cli import main
from tests.conftest import ROOT, Run, make_project, settings_for

VPC = "vpc-0a1b2c3d4e5f6a7b8"
KNOWN = "subnet-0a1b2c3d4e5f6a7b1"
UNKNOWN = "subnet-0fffffffffffffff0"
NEW_CLUSTER = {"clusterName": "prod", "cluster": {"create": True, "vpcId": VPC, "subnetIds": [KNOWN, UNKNOWN]}}
HINT = (
    "offline synth checked this against its built-in sample cluster; describe your cluster in a facts file "
    "(`python -m karpenter facts --stack <stack>` reads one from the account) and name it in karpenter:synthFacts"
)


def test_a_subnet_that_cannot_be_read_is_refused_naming_its_key(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run(NEW_CLUSTER)
    assert str(refused.value) == (
        f"karpenter:cluster.subnetIds[1]: subnet {UNKNOWN!r} cannot be read: no matching EC2 Subnet found: "
        f"{UNKNOWN} (id)"
    )


def test_a_stack_checked_against_the_sample_cluster_says_how_to_describe_its_own() -> None:
    with pytest.raises(ConfigError) as refused:
        program.run_program("prod", settings_for(NEW_CLUSTER))
    assert str(refused.value) == (
        f"karpenter:cluster.subnetIds[1]: subnet {UNKNOWN!r} cannot be read: no matching EC2 Subnet found: "
        f"{UNKNOWN} (id) ({HINT})"
    )


def test_config_errors_of_their_own_get_no_hint() -> None:
    with pytest.raises(ConfigError) as refused:
        program.run_program("prod", settings_for({"clusterName": "prod", "identity": "kiam"}))
    assert str(refused.value) == "karpenter:identity: 'kiam' is not one of irsa, pod-identity"


def test_a_stack_with_its_own_facts_file_gets_no_hint(tmp_path: Path) -> None:
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    facts = offline_facts.sample_facts("eu-west-1").model_dump(by_alias=True)
    (tmp_path / "facts.yaml").write_text(json.dumps(facts))
    settings = settings_for({**NEW_CLUSTER, "synthFacts": "facts.yaml"})
    with pytest.raises(ConfigError) as refused:
        program.run_program("prod", settings, project_dir=tmp_path)
    assert HINT not in str(refused.value)
    assert str(refused.value).startswith("karpenter:cluster.subnetIds[1]: ")


NOTE = (
    "NOTE: rendered against synth's built-in sample cluster, not yours; describe yours in a facts file "
    "(`python -m karpenter facts --stack prod` reads one from the account) and name it in karpenter:synthFacts"
)
ATTACH = {"aws:region": "eu-west-1", "karpenter:clusterName": "prod", "karpenter:amiAlias": "al2023@v20250920"}


def test_synth_says_under_its_heading_that_it_rendered_against_the_sample_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "project", {"prod": ATTACH})
    assert main(["synth", "--stack", "prod", "--project-dir", str(project), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["stack prod (eu-west-1), deployment: 51 resources", NOTE]


def test_synth_of_a_stack_with_its_own_facts_file_says_nothing_of_a_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "project", {"prod": {**ATTACH, "karpenter:synthFacts": "facts.yaml"}})
    facts = offline_facts.sample_facts("eu-west-1").model_dump(by_alias=True)
    (project / "facts.yaml").write_text(json.dumps(facts))
    assert main(["synth", "--stack", "prod", "--project-dir", str(project), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("stack prod (eu-west-1), deployment: 51 resources\n\n")
    assert "sample" not in printed
