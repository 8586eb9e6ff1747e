"""Stack config: defaults, the dev example, and bad values refused with the key named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.values import CapacityType, Identity, NodeAccess
from tests.conftest import ROOT, fixture_settings, settings_for


def test_defaults_fill_everything_but_the_cluster_name() -> None:
    config = parse_stack_config({"karpenter:clusterName": "prod"})
    assert config.version == "1.14.1"
    assert config.namespace == "kube-system"
    assert config.identity is Identity.IRSA
    assert config.node_access is NodeAccess.AUTO
    assert config.interruption is True
    assert config.controller.replicas == 2
    assert config.controller.resources.requests.cpu == "1"
    assert config.controller.resources.requests.memory == "1Gi"
    assert list(config.node_pools) == ["cpu"]


def test_runbook_stack_mirrors_the_runbook_provisioners() -> None:
    config = parse_stack_config(fixture_settings("runbook"))
    assert list(config.node_pools) == ["cpu", "gpu"]
    for pool in config.node_pools.values():
        assert pool.capacity_types == [CapacityType.SPOT, CapacityType.ON_DEMAND]
        assert pool.zones == ["eu-west-1a", "eu-west-1b"]
    assert config.node_pools["gpu"].gpu is True
    assert fixture_settings("runbook")["aws:region"] == "eu-west-1"


BAD_CONFIGS = [
    ({"clusterNmae": "dev"}, "karpenter:clusterNmae: unknown key; allowed keys are clusterName,"),
    ({"clusterName": None}, "karpenter:clusterName: required key is missing"),
    ({"clusterName": "a" * 101}, "karpenter:clusterName: 'aaaa"),
    ({"clusterName": "-dev"}, "karpenter:clusterName: '-dev' is not an EKS cluster name"),
    ({"version": "v1.14.1"}, "karpenter:version: 'v1.14.1' is not a Karpenter 1.x version"),
    ({"version": "0.37.0"}, "karpenter:version: '0.37.0' is not a Karpenter 1.x version"),
    ({"namespace": "Kube_System"}, "karpenter:namespace: 'Kube_System' is not a DNS label"),
    ({"identity": "kiam"}, "karpenter:identity: 'kiam' is not one of irsa, pod-identity"),
    ({"nodeAccess": "both"}, "karpenter:nodeAccess: 'both' is not one of auto, access-entry, aws-auth"),
    ({"subnetIds": ["subnet-12"]}, "karpenter:subnetIds[0]: 'subnet-12' is not a subnet id"),
    ({"interruption": "maybe"}, "karpenter:interruption: 'maybe' is not one of true, false"),
    ({"spotServiceLinkedRole": "delete"}, "karpenter:spotServiceLinkedRole: 'delete' is not one of ensure, skip"),
    ({"controller": {"replicas": 0}}, "karpenter:controller.replicas: 0 must be a number ≥ 1"),
    ({"controller": {"replica": 2}}, "karpenter:controller.replica: unknown key"),
    (
        {"controller": {"resources": {"requests": {"cpu": "lots"}}}},
        "karpenter:controller.resources.requests.cpu: 'lots' is not a Kubernetes quantity",
    ),
    ({"nodePools": {"CPU": {}}}, "karpenter:nodePools.CPU: 'CPU' is not a DNS label"),
    (
        {"nodePools": {"cpu": {"capacityTypes": ["spot", "preemptible"]}}},
        "karpenter:nodePools.cpu.capacityTypes[1]: 'preemptible' is not one of spot, on-demand, reserved",
    ),
    ({"nodePools": {"cpu": {"capacityTypes": []}}}, "karpenter:nodePools.cpu.capacityTypes: "),
    (
        {"nodePools": {"cpu": {"zones": ["eu-west"]}}},
        "karpenter:nodePools.cpu.zones[0]: 'eu-west' is not an availability zone",
    ),
    (
        {"nodePools": {"cpu": {"limits": {"cpu": "-4"}}}},
        "karpenter:nodePools.cpu.limits.cpu: '-4' is not a Kubernetes quantity ≥ 0",
    ),
    (
        {"nodePools": {"gpu": {"taints": [{"key": "nvidia.com/gpu", "effect": "NoPlease"}]}}},
        "karpenter:nodePools.gpu.taints[0].effect: 'NoPlease' is not one of NoSchedule, PreferNoSchedule, NoExecute",
    ),
    (
        {"nodePools": {"cpu": {"disruption": {"consolidateAfter": "5 minutes"}}}},
        "karpenter:nodePools.cpu.disruption.consolidateAfter: '5 minutes' is not a duration",
    ),
    ({"nodePools": {"cpu": {"capacityType": ["spot"]}}}, "karpenter:nodePools.cpu.capacityType: unknown key"),
    ({"nodePools": {"cpu": {"expireAfter": "30d"}}}, "karpenter:nodePools.cpu.expireAfter: '30d' is not a duration"),
    ({"nodePools": {}}, "karpenter:nodePools: "),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_CONFIGS, ids=[m.split(":")[1] for _, m in BAD_CONFIGS])
def test_bad_config_is_refused_naming_the_key(overrides: dict, message: str) -> None:
    # Every case starts from a valid config; None removes a key.
    config = {key: value for key, value in {"clusterName": "dev", **overrides}.items() if value is not None}
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(settings_for(config))
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_structured_values_arrive_as_json_text_like_the_cli_sends_them() -> None:
    settings = settings_for({"clusterName": "dev", "nodePools": {"a": {"weight": 10}}, "interruption": False})
    assert settings["karpenter:interruption"] == "false"
    config = parse_stack_config(settings)
    assert config.interruption is False
    assert config.node_pools["a"].weight == 10


STACK_HEAD = "config:\n  aws:region: eu-west-1\n  karpenter:clusterName: dev\n  karpenter:nodePools:\n"


def _cli(tmp_path: Path, stack_text: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m karpenter synth` in a project whose only stack is `stack_text`."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("__main__.py", "Pulumi.yaml"):
        (project / name).write_text((ROOT / name).read_text())
    (project / "Pulumi.bad.yaml").write_text(stack_text)
    command = [sys.executable, "-m", "karpenter", "synth", "--stack", "bad", "--project-dir", str(project)]
    return subprocess.run(
        [*command, "--out", str(tmp_path / "out"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_synth_refuses_bad_config_without_traceback_or_output(tmp_path: Path) -> None:
    stack = STACK_HEAD + "    cpu:\n      capacityTypes: [preemptible]\n"
    result = _cli(tmp_path, stack)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "error: karpenter:nodePools.cpu.capacityTypes[0]: 'preemptible' is not one of spot, on-demand, reserved"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_synth_refuses_a_zone_no_subnet_covers_without_output(tmp_path: Path) -> None:
    stack = STACK_HEAD + "    cpu:\n      zones: [eu-west-1a, eu-west-1d]\n"
    result = _cli(tmp_path, stack)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("error: karpenter:nodePools.cpu.zones[1]: 'eu-west-1d' is not one of")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
