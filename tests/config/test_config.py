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
    (
        {"clusterNmae": "dev"},
        "karpenter:clusterNmae: unknown key; allowed keys are clusterName, cluster, version, namespace, identity, "
        "nodeAccess, subnetIds, interruption, spotServiceLinkedRole, createOidcProvider, adopt, controller, "
        "nodePools, nodeClasses, nodeOverlays, amiAlias, helmValues, synthFacts",
    ),
    ({"clusterName": None}, "karpenter:clusterName: required key is missing"),
    ({"clusterName": "a" * 101}, f"karpenter:clusterName: '{'a' * 101}' is longer than 100 characters"),
    (
        {"clusterName": "-dev"},
        "karpenter:clusterName: '-dev' is not an EKS cluster name (letters, digits, - and _, starting with a "
        "letter or digit)",
    ),
    ({"version": "v1.14.1"}, "karpenter:version: 'v1.14.1' is not a Karpenter 1.x version like 1.14.1"),
    ({"version": "0.37.0"}, "karpenter:version: '0.37.0' is not a Karpenter 1.x version like 1.14.1"),
    (
        {"namespace": "Kube_System"},
        "karpenter:namespace: 'Kube_System' is not a DNS label (lower-case letters, digits and -, at most 63)",
    ),
    ({"identity": "kiam"}, "karpenter:identity: 'kiam' is not one of irsa, pod-identity"),
    ({"nodeAccess": "both"}, "karpenter:nodeAccess: 'both' is not one of auto, access-entry, aws-auth"),
    (
        {"subnetIds": ["subnet-12"]},
        "karpenter:subnetIds[0]: 'subnet-12' is not a subnet id like subnet-0123456789abcdef0",
    ),
    ({"subnetIds": []}, "karpenter:subnetIds: give at least one subnet, none twice"),
    (
        {"subnetIds": ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b1"]},
        "karpenter:subnetIds: give at least one subnet, none twice",
    ),
    ({"interruption": "maybe"}, "karpenter:interruption: 'maybe' is not one of true, false"),
    ({"spotServiceLinkedRole": "delete"}, "karpenter:spotServiceLinkedRole: 'delete' is not one of ensure, skip"),
    (
        {"amiAlias": "al2@latest"},
        "karpenter:amiAlias: 'al2@latest' is not an AMI alias such as al2023@latest or bottlerocket@v1.40.0",
    ),
    (
        # The CRD allows an alias of at most 30 characters.
        {"amiAlias": "al2023@" + "1" * 24},
        f"karpenter:amiAlias: 'al2023@{'1' * 24}' is not an AMI alias such as al2023@latest or bottlerocket@v1.40.0",
    ),
    ({"controller": {"replicas": 0}}, "karpenter:controller.replicas: 0 must be a number ≥ 1"),
    (
        {"controller": {"replica": 2}},
        "karpenter:controller.replica: unknown key; allowed keys are replicas, resources, spotToSpotConsolidation",
    ),
    (
        {"controller": {"resources": {"requests": {"cpu": "lots"}}}},
        "karpenter:controller.resources.requests.cpu: 'lots' is not a Kubernetes quantity ≥ 0 such as 100, 500m "
        "or 64Gi",
    ),
    (
        {"nodePools": {"CPU": {}}},
        "karpenter:nodePools.CPU: 'CPU' is not a DNS label (lower-case letters, digits and -, at most 63)",
    ),
    (
        {"nodePools": {"cpu": {"capacityTypes": ["spot", "preemptible"]}}},
        "karpenter:nodePools.cpu.capacityTypes[1]: 'preemptible' is not one of spot, on-demand, reserved",
    ),
    ({"nodePools": {"cpu": {"weight": "heavy"}}}, "karpenter:nodePools.cpu.weight: 'heavy' is not a whole number"),
    ({"nodePools": {"cpu": {"weight": 1.5}}}, "karpenter:nodePools.cpu.weight: 1.5 is not a whole number"),
    ({"nodePools": {"cpu": {"weight": [1]}}}, "karpenter:nodePools.cpu.weight: [1] is not a whole number"),
    ({"interruption": "maybe"}, "karpenter:interruption: 'maybe' is not one of true, false"),
    ({"interruption": [True]}, "karpenter:interruption: [True] is not one of true, false"),
    (
        {"nodePools": {"": {}}},
        "karpenter:nodePools.: '' is not a valid name: String should have at least 1 character",
    ),
    (
        {"nodePools": {"cpu": {"instanceCategories": ["C5"]}}},
        "karpenter:nodePools.cpu.instanceCategories[0]: 'C5' has the wrong form",
    ),
    (
        {"nodePools": {"cpu": {"labels": {"team": "a" * 64}}}},
        f"karpenter:nodePools.cpu.labels: '{'a' * 64}' is not a Kubernetes label value",
    ),
    (
        {"nodePools": {"cpu": {"zones": ["eu-west-1a", "eu-west-1a"]}}},
        "karpenter:nodePools.cpu.zones: values must not repeat",
    ),
    (
        {"nodePools": {"cpu": {"capacityTypes": []}}},
        "karpenter:nodePools.cpu.capacityTypes: give at least one entry; it is empty",
    ),
    (
        {"nodePools": {"cpu": {"zones": ["eu-west"]}}},
        "karpenter:nodePools.cpu.zones[0]: 'eu-west' is not an availability zone like eu-west-1a",
    ),
    (
        {"nodePools": {"cpu": {"limits": {"cpu": "-4"}}}},
        "karpenter:nodePools.cpu.limits.cpu: '-4' is not a Kubernetes quantity ≥ 0 such as 100, 500m or 64Gi",
    ),
    (
        {"nodePools": {"gpu": {"taints": [{"key": "nvidia.com/gpu", "effect": "NoPlease"}]}}},
        "karpenter:nodePools.gpu.taints[0].effect: 'NoPlease' is not one of NoSchedule, PreferNoSchedule, NoExecute",
    ),
    (
        {"nodePools": {"cpu": {"taints": [{"key": "bad key", "effect": "NoSchedule"}]}}},
        "karpenter:nodePools.cpu.taints[0].key: 'bad key' is not a Kubernetes label key",
    ),
    (
        {"nodePools": {"cpu": {"taints": [{"key": "team", "value": "a" * 64, "effect": "NoSchedule"}]}}},
        f"karpenter:nodePools.cpu.taints[0].value: '{'a' * 64}' is not a Kubernetes label value",
    ),
    (
        {"nodePools": {"cpu": {"labels": {"karpenter.sh/team": "ml"}}}},
        "karpenter:nodePools.cpu.labels: 'karpenter.sh/team' is in a domain Kubernetes or Karpenter reserve "
        "(kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws)",
    ),
    (
        # A subdomain of a reserved domain is reserved too.
        {"nodePools": {"cpu": {"labels": {"node.kubernetes.io/role": "x"}}}},
        "karpenter:nodePools.cpu.labels: 'node.kubernetes.io/role' is in a domain Kubernetes or Karpenter reserve "
        "(kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws)",
    ),
    (
        # The CRD reads a key without '/' whole, and Karpenter's domains by a plain suffix.
        {"nodePools": {"cpu": {"labels": {"karpenter.k8s.aws": "x"}}}},
        "karpenter:nodePools.cpu.labels: 'karpenter.k8s.aws' is in a domain Kubernetes or Karpenter reserve "
        "(kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws)",
    ),
    (
        {"nodePools": {"cpu": {"labels": {"examplekarpenter.sh/team": "x"}}}},
        "karpenter:nodePools.cpu.labels: 'examplekarpenter.sh/team' is in a domain Kubernetes or Karpenter reserve "
        "(kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws)",
    ),
    (
        {"nodePools": {"cpu": {"labels": {"-bad": "x"}}}},
        "karpenter:nodePools.cpu.labels: '-bad' is not a Kubernetes label key",
    ),
    (
        {"nodePools": {"cpu": {"labels": {"team": "-ml-"}}}},
        "karpenter:nodePools.cpu.labels: '-ml-' is not a Kubernetes label value",
    ),
    (
        {"nodePools": {"cpu": {"disruption": {"consolidateAfter": "5 minutes"}}}},
        "karpenter:nodePools.cpu.disruption.consolidateAfter: '5 minutes' is not a duration such as 30s, 5m or "
        "720h, or Never",
    ),
    (
        {"nodePools": {"cpu": {"capacityType": ["spot"]}}},
        "karpenter:nodePools.cpu.capacityType: unknown key; allowed keys are gpu, nodeClass, capacityTypes, zones, "
        "architectures, instanceCategories, instanceFamilies, minInstanceGeneration, limits, labels, taints, "
        "weight, expireAfter, disruption, requirements, startupTaints, terminationGracePeriod, replicas, gpuSharing, "
        "maxHourlyCost, retired",
    ),
    (
        {"nodePools": {"cpu": {"expireAfter": "30d"}}},
        "karpenter:nodePools.cpu.expireAfter: '30d' is not a duration such as 30s, 5m or 720h, or Never",
    ),
    ({"nodePools": {}}, "karpenter:nodePools: give at least one entry; it is empty"),
    (
        {
            "cluster": {
                "create": True,
                "vpcId": "vpc-0a1b2c3d4e5f6a7b8",
                "subnetIds": ["subnet-0a1b2c3d4e5f6a7b1"],
                "systemNodeGroup": {"minSize": 3, "desiredSize": 2, "maxSize": 3},
            }
        },
        "karpenter:cluster.systemNodeGroup: need minSize ≤ desiredSize ≤ maxSize, got 3 ≤ 2 ≤ 3",
    ),
    (
        {
            "cluster": {
                "create": True,
                "vpcId": "vpc-0a1b2c3d4e5f6a7b8",
                "subnetIds": ["subnet-0a1b2c3d4e5f6a7b1"],
                "systemNodeGroup": {"minSize": 1, "desiredSize": 4, "maxSize": 3},
            }
        },
        "karpenter:cluster.systemNodeGroup: need minSize ≤ desiredSize ≤ maxSize, got 1 ≤ 4 ≤ 3",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_CONFIGS, ids=[m.split(":")[1] for _, m in BAD_CONFIGS])
def test_bad_config_is_refused_naming_the_key(overrides: dict, message: str) -> None:
    # Every case starts from a valid config; None removes a key.
    config = {key: value for key, value in {"clusterName": "dev", **overrides}.items() if value is not None}
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(settings_for(config))
    assert str(refused.value) == message


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


def test_the_neighbours_of_refused_values_are_accepted() -> None:
    config = parse_stack_config(
        settings_for(
            {
                "clusterName": "a" * 100,
                "amiAlias": "al2023@" + "1" * 23,
                "subnetIds": ["subnet-0a1b2c3d4e5f6a7b1"],
                "nodePools": {
                    "cpu": {
                        # A key without a prefix is no domain's, whatever dots it has.
                        "labels": {"example.com/team": "ml", "team": "a" * 63, "k8s.io": "name-only"},
                        "taints": [{"key": "example.com/team", "value": "a" * 63, "effect": "NoSchedule"}],
                    }
                },
            }
        )
    )
    assert len(config.ami_alias) == 30
    assert config.node_pools["cpu"].labels == {"example.com/team": "ml", "team": "a" * 63, "k8s.io": "name-only"}


@pytest.mark.parametrize(
    ("key", "first"),
    [
        ("nodePools.cpu.capacityTypes", "nodePools"),
        ("cluster.subnetIds[0]", "cluster"),
        ("controller.cpu", "controller"),
    ],
)
def test_a_flat_dotted_key_is_refused_saying_to_nest_it_or_use_path(key: str, first: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(settings_for({"clusterName": "dev", key: "x"}))
    assert str(refused.value) == (
        f"karpenter:{key}: a flat key with dots in its name; nest it under karpenter:{first}, "
        "or use `pulumi config set --path`"
    )


def test_a_dotted_key_under_no_known_key_is_refused_as_unknown() -> None:
    with pytest.raises(ConfigError, match=r"^karpenter:nodePool\.cpu: unknown key; allowed keys are clusterName,"):
        parse_stack_config(settings_for({"clusterName": "dev", "nodePool.cpu": "x"}))


def test_a_version_that_arrives_as_a_number_is_refused_saying_to_quote_it() -> None:
    """The Pulumi CLI hands structured config over as JSON, where YAML's unquoted 1.30 is already 1.3."""
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(settings_for({"clusterName": "dev", "cluster": {"kubernetesVersion": 1.3}}))
    assert str(refused.value) == 'karpenter:cluster.kubernetesVersion: 1.3 is a number; quote it, e.g. "1.30"'
