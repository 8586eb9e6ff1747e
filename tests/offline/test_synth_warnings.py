"""Synth prints what the config allows but weakens (relaxed instance metadata) as WARNING lines naming
the key, in the summary of one stack and under the stack's line with --all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pulumi
import pytest
import yaml

from karpenter import Karpenter
from karpenter.offline import facts, program
from karpenter.offline.cli import main
from tests.conftest import ROOT, Run, facts_with, settings_for

RELAXED = {
    "aws:region": "eu-west-1",
    "karpenter:clusterName": "prod",
    "karpenter:amiAlias": "al2023@v20250920",
    "karpenter:nodeClasses": {"legacy": {"metadataOptions": {"httpTokens": "optional"}}},
    "karpenter:nodePools": {"cpu": {"nodeClass": "legacy"}},
}
WARNING = (
    "WARNING: karpenter:nodeClasses.legacy.metadataOptions.httpTokens: optional lets IMDSv1 answer without a session "
    "token, so a request forged through any pod or proxy can read the node role's credentials"
)


def _project(folder: Path, stacks: dict[str, dict[str, object]]) -> Path:
    folder.mkdir()
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(ROOT / name, folder / name)
    for stack, config in stacks.items():
        (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return folder


def test_the_summary_of_one_stack_ends_with_its_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path / "project", {"prod": RELAXED})
    out = tmp_path / "out"
    assert main(["synth", "--stack", "prod", "--project-dir", str(project), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.out.endswith(f"\n\n{WARNING}\n\nwritten to {out}/\n")
    assert printed.err == ""


def test_all_stacks_print_each_warning_under_its_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = {"aws:region": "eu-west-1", "karpenter:clusterName": "plain", "karpenter:amiAlias": "al2023@v20250920"}
    project = _project(tmp_path / "project", {"plain": plain, "prod": RELAXED})
    out = tmp_path / "out"
    assert main(["synth", "--all", "--project-dir", str(project), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"plain  ok       51 resources (eu-west-1) in {out}/plain/",
        f"       {facts.sample_cluster_note('plain')}",
        f"prod   ok       51 resources (eu-west-1) in {out}/prod/",
        f"       {facts.sample_cluster_note('prod')}",
        f"       {WARNING}",
    ]


def test_the_component_logs_each_warning_for_pulumi_preview_and_up(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[tuple[str, str]] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, resource=None, **_: logged.append((message, resource)))
    run(
        {
            "amiAlias": RELAXED["karpenter:amiAlias"],
            "nodeClasses": RELAXED["karpenter:nodeClasses"],
            "nodePools": RELAXED["karpenter:nodePools"],
        }
    )
    [(message, resource)] = logged
    assert message == WARNING.removeprefix("WARNING: ")
    assert isinstance(resource, Karpenter)


UNREAD = (
    "WARNING: kubernetes:namespace: nothing reads it: the program's Kubernetes resources go through its own "
    "provider, whose kubeconfig it builds for the stack's cluster and which takes no kubernetes: settings; did you "
    "mean karpenter:namespace?"
)


def test_synth_prints_a_warning_for_a_key_no_provider_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = {
        "aws:region": "eu-west-1",
        "karpenter:clusterName": "prod",
        "karpenter:amiAlias": "al2023@v20250920",
        "kubernetes:namespace": "karpenter",
    }
    project = _project(tmp_path / "project", {"prod": stack})
    out = tmp_path / "out"
    assert main(["synth", "--stack", "prod", "--project-dir", str(project), "--out", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"\n\n{UNREAD}\n\nwritten to {out}/\n")


def test_the_program_logs_a_warning_for_a_key_no_provider_reads_for_pulumi_preview(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged: list[tuple[str, object]] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, resource=None, **_: logged.append((message, resource)))
    settings = {
        **settings_for({"clusterName": "dev", "amiAlias": "al2023@v20250920"}),
        "kubernetes:namespace": "karpenter",
    }
    result = program.run_program("test", settings, facts_with())
    # The stack's own warning, not the component's: it is about the stack file.
    assert logged == [(UNREAD.removeprefix("WARNING: "), None)]
    assert result.warnings == [UNREAD]
