"""Synth runs the policy pack's rules over what it registered and rendered, with the pack's own code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from karpenter.guardrails.rules import RULES
from karpenter.kubernetes import pool_values
from karpenter.offline import program, report
from karpenter.offline.cli import main
from karpenter.offline.verdicts import guardrail_violations
from tests.conftest import ROOT, Run

UNBOUNDED_POOL = """---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: batch
spec:
  template:
    spec:
      requirements:
        - key: karpenter.k8s.aws/instance-category
          operator: In
          values: [c]
"""


def _subjects(result: program.SynthResult) -> list[tuple[str, str, dict]]:
    return [(r.type, r.name, r.inputs) for r in result.resources]


def test_a_stack_with_cpu_and_gpu_pools_breaks_no_guardrail(run: Run) -> None:
    result = run({"nodePools": {"cpu": {}, "gpu": {"gpu": True}}})
    rendered = report.rendered_files(result)
    assert "kind: NodePool" in rendered["manifests/karpenter-config.yaml"]
    assert guardrail_violations(_subjects(result), rendered) == []


def test_an_unencrypted_queue_is_named_with_its_policy() -> None:
    queue = ("aws:sqs/queue:Queue", "interruption-queue", {"name": "dev-karpenter"})
    assert guardrail_violations([queue], {}) == [
        "guardrail interruption-queue-encrypted: interruption-queue: queue dev-karpenter is not encrypted at rest; "
        "set sqsManagedSseEnabled: true or a kmsMasterKeyId"
    ]


def test_a_rendered_node_pool_without_limits_is_named_with_its_policy() -> None:
    assert guardrail_violations([], {"manifests/karpenter-config.yaml": UNBOUNDED_POOL}) == [
        "guardrail node-pools-have-limits: batch: NodePool batch has no limits; without them one unschedulable "
        "pod can grow the pool without bound"
    ]
    # Only manifests are read as Kubernetes objects; a values file is not one.
    assert guardrail_violations([], {"helm/karpenter-config.values.yaml": UNBOUNDED_POOL}) == []


def test_a_passrole_on_star_is_named_with_its_policy() -> None:
    document = {"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
    policy = ("aws:iam/policy:Policy", "controller-extra", {"policy": json.dumps(document)})
    assert guardrail_violations([policy], {}) == [
        "guardrail no-passrole-on-star: controller-extra: policy, Statement[0] grants iam:PassRole (via iam:PassRole) "
        'on Resource "*"; list the ARNs of the roles it may pass instead'
    ]


def test_the_pack_and_synth_share_one_rule_list() -> None:
    sys.path.insert(0, str(ROOT / "policy"))
    try:
        import karpenter_guardrails  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "policy"))
    assert [policy.name for policy in karpenter_guardrails.POLICIES] == [rule.name for rule in RULES]
    assert [policy.description for policy in karpenter_guardrails.POLICIES] == [rule.description for rule in RULES]


def test_the_rules_load_with_the_standard_library_alone() -> None:
    # The policy pack's venv has pulumi and pulumi-policy only.
    heavy = ["pulumi", "pulumi_aws", "pulumi_kubernetes", "pydantic", "yaml", "helm_python"]
    code = f"import sys, karpenter.guardrails.rules; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_synth_refuses_a_render_that_breaks_a_guardrail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A regression that drops the GPU taint from the pool values must stop synth, not reach a cluster.
    monkeypatch.setattr(pool_values, "pool_taints", lambda pool: [])
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    stack = {"aws:region": "eu-west-1", "karpenter:clusterName": "dev", "karpenter:nodePools": {"gpu": {"gpu": True}}}
    (tmp_path / "Pulumi.gpu.yaml").write_text(yaml.safe_dump({"config": stack}))
    out = tmp_path / "out"
    assert main(["synth", "--stack", "gpu", "--project-dir", str(tmp_path), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "error: guardrail gpu-pools-are-tainted: karpenter-config: values.nodePools.gpu can launch GPU instances "
        "(karpenter.k8s.aws/instance-category In ['g', 'p']; karpenter.k8s.aws/instance-gpu-manufacturer In "
        "['nvidia']; a nvidia.com/gpu limit) but has no nvidia.com/gpu taint with effect NoSchedule or NoExecute, "
        "so pods that need no GPU can land on GPU nodes (and 1 more)\n"
    )
    assert not out.exists()
