"""Node classes, pools with every NodePool v1 field, and NodeOverlays through real Helm: what the
config says reaches the manifests, and every manifest passes the upstream CRD schemas and CEL rules."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from karpenter.config.loading import parse_stack_config
from karpenter.config.stack_config import StackConfig
from karpenter.kubernetes.pool_values import karpenter_config_values
from karpenter.offline.chart_render import lint_chart, render_chart, validate_values
from tests.conftest import settings_for
from tests.kubernetes.test_karpenter_config_chart import (  # noqa: F401 - crds is a fixture
    PROFILE,
    ZONES,
    Crds,
    Manifest,
    assert_acceptable,
    cel_problems,
    crds,
    of_kind,
    render,
    requirement,
)

KMS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NODE_CONFIG = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      maxPods: 50\n"
TOML = '[settings.kernel]\nlockdown = "integrity"\n'
EFA = [
    {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"},
    {"networkCardIndex": 1, "deviceIndex": 0, "interfaceType": "efa-only"},
]
# Every new key at least once: named classes on both families, overrides of the implicit classes,
# static, reserved and time-sliced pools, budgets, requirements and overlays.
EVERYTHING: dict[str, Any] = {
    "clusterName": "dev",
    "controller": {"spotToSpotConsolidation": True},
    "nodeClasses": {
        "gpu": {"rootVolume": {"size": "300Gi", "iops": 6000, "throughput": 500}, "tags": {"team": "ml"}},
        "training": {
            "amiSelectorTerms": [{"name": "al2023-ami-*", "owner": "amazon"}, {"tags": {"team": "ml"}}],
            "amiFamily": "al2023",
            "capacityReservationSelectorTerms": [{"id": "cr-0123456789abcdef0"}],
            "placementGroupSelector": {"name": "training"},
            "networkInterfaces": EFA,
            "instanceStorePolicy": "RAID0",
            "subnetSelectorTerms": [{"id": "subnet-0a1b2c3d4e5f6a7b1"}],
            "securityGroupSelectorTerms": [{"name": "training-nodes"}],
            "associatePublicIPAddress": False,
            "detailedMonitoring": True,
            "userData": NODE_CONFIG,
        },
        "br": {
            "amiAlias": "bottlerocket@v1.40.0",
            "rootVolume": {"size": "100Gi", "kmsKeyId": KMS_KEY},
            "kubelet": {
                "maxPods": 110,
                "systemReserved": {"cpu": "100m", "memory": "200Mi"},
                "evictionHard": {"memory.available": "5%"},
                "evictionSoft": {"memory.available": "10%"},
                "evictionSoftGracePeriod": {"memory.available": "1m"},
                "evictionMaxPodGracePeriod": 60,
                "imageGCHighThresholdPercent": 85,
                "imageGCLowThresholdPercent": 70,
                "clusterDNS": ["10.100.0.10"],
            },
            "userData": TOML,
            "metadataOptions": {"httpPutResponseHopLimit": 2},
            "tags": {"team": "platform"},
        },
    },
    "nodePools": {
        "cpu": {
            "nodeClass": "br",
            "capacityTypes": ["spot", "on-demand"],
            "requirements": [
                {"key": "karpenter.k8s.aws/instance-family", "operator": "Exists", "minValues": 5},
                {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gte", "values": ["4"]},
            ],
            "startupTaints": [{"key": "example.com/agent-not-ready", "effect": "NoSchedule"}],
            "terminationGracePeriod": "2h",
            "disruption": {
                "consolidationPolicy": "Balanced",
                "budgets": [
                    {"nodes": "10%"},
                    {"nodes": 0, "reasons": ["Underutilized"], "schedule": "0 8 * * mon-fri", "duration": "10h"},
                ],
            },
        },
        "warm": {"nodeClass": "br", "replicas": 2, "labels": {"example.com/pool": "warm"}},
        "training": {
            "gpu": True,
            "nodeClass": "training",
            "capacityTypes": ["reserved"],
            "zones": ["eu-west-1a"],
            "instanceFamilies": ["p5"],
            "requirements": [
                {"key": "karpenter.k8s.aws/capacity-reservation-type", "operator": "In", "values": ["capacity-block"]}
            ],
        },
        "inference": {
            "gpu": True,
            "instanceFamilies": ["g6"],
            "gpuSharing": {"timeSlicing": {"replicas": 4}},
            "weight": 20,
        },
    },
    "nodeOverlays": {
        "savings-plan": {
            "requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7g"]}],
            "priceAdjustment": "-27%",
            "weight": 10,
        },
        "fpga": {"capacity": {"example.com/fpga": 1}},
    },
}


def _config(settings: dict[str, Any]) -> StackConfig:
    return parse_stack_config(settings_for(settings))


@pytest.fixture(scope="module")
def everything_values() -> dict[str, Any]:
    return karpenter_config_values(_config(EVERYTHING), instance_profile_name=PROFILE, zones=ZONES)


@pytest.fixture(scope="module")
def everything(everything_values: dict[str, Any]) -> list[Manifest]:
    return render(everything_values)


def test_every_new_setting_renders_manifests_the_upstream_crds_accept(everything: list[Manifest], crds: Crds) -> None:  # noqa: F811
    assert sorted((m["kind"], m["metadata"]["name"]) for m in everything) == [
        ("EC2NodeClass", "br"),
        ("EC2NodeClass", "default"),
        ("EC2NodeClass", "gpu"),
        ("EC2NodeClass", "training"),
        ("NodeOverlay", "fpga"),
        ("NodeOverlay", "inference-time-slicing-16gpu"),
        ("NodeOverlay", "inference-time-slicing-1gpu"),
        ("NodeOverlay", "inference-time-slicing-2gpu"),
        ("NodeOverlay", "inference-time-slicing-4gpu"),
        ("NodeOverlay", "inference-time-slicing-8gpu"),
        ("NodeOverlay", "savings-plan"),
        ("NodePool", "cpu"),
        ("NodePool", "inference"),
        ("NodePool", "training"),
        ("NodePool", "warm"),
    ]
    assert {m["apiVersion"] for m in everything if m["kind"] == "NodeOverlay"} == {"karpenter.sh/v1alpha1"}
    assert_acceptable(everything, crds)


def test_a_class_with_selected_amis_reservations_placement_and_efa_renders_them_as_the_crd_names_them(
    everything: list[Manifest],
) -> None:
    spec = of_kind(everything, "EC2NodeClass")["training"]["spec"]
    assert spec["amiFamily"] == "AL2023"
    assert spec["amiSelectorTerms"] == [{"name": "al2023-ami-*", "owner": "amazon"}, {"tags": {"team": "ml"}}]
    assert spec["capacityReservationSelectorTerms"] == [{"id": "cr-0123456789abcdef0"}]
    assert spec["placementGroupSelector"] == {"name": "training"}
    assert spec["networkInterfaces"] == EFA
    assert spec["instanceStorePolicy"] == "RAID0"
    assert spec["subnetSelectorTerms"] == [{"id": "subnet-0a1b2c3d4e5f6a7b1"}]
    assert spec["securityGroupSelectorTerms"] == [{"name": "training-nodes"}]
    assert spec["associatePublicIPAddress"] is False and spec["detailedMonitoring"] is True
    assert spec["userData"] == NODE_CONFIG
    # A class GPU pools use gets the GPU root volume size unless it names one.
    [root] = spec["blockDeviceMappings"]
    assert root["ebs"]["volumeSize"] == "200Gi"


def test_a_bottlerocket_class_encrypts_both_volumes_with_its_key_and_keeps_kubelet_user_data_and_imds(
    everything: list[Manifest],
) -> None:
    spec = of_kind(everything, "EC2NodeClass")["br"]["spec"]
    assert spec["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/xvda",
            "ebs": {
                "volumeSize": "4Gi",
                "volumeType": "gp3",
                "encrypted": True,
                "kmsKeyID": KMS_KEY,
                "deleteOnTermination": True,
            },
        },
        {
            "deviceName": "/dev/xvdb",
            "rootVolume": True,
            "ebs": {
                "volumeSize": "100Gi",
                "volumeType": "gp3",
                "encrypted": True,
                "kmsKeyID": KMS_KEY,
                "deleteOnTermination": True,
            },
        },
    ]
    assert spec["kubelet"] == EVERYTHING["nodeClasses"]["br"]["kubelet"]
    assert spec["userData"] == TOML
    assert spec["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpProtocolIPv6": "disabled",
        "httpPutResponseHopLimit": 2,
        "httpTokens": "required",
    }
    assert spec["tags"] == {"team": "platform"}


def test_an_implicit_class_takes_its_overrides_and_keeps_its_defaults(everything: list[Manifest]) -> None:
    classes = of_kind(everything, "EC2NodeClass")
    [gpu_root] = classes["gpu"]["spec"]["blockDeviceMappings"]
    assert gpu_root["ebs"] == {
        "volumeSize": "300Gi",
        "volumeType": "gp3",
        "iops": 6000,
        "throughput": 500,
        "encrypted": True,
        "deleteOnTermination": True,
    }
    assert classes["gpu"]["spec"]["amiSelectorTerms"] == [{"alias": "al2023@latest"}]
    # `default` is rendered as it always was, though no pool here uses it.
    assert "kubelet" not in classes["default"]["spec"] and classes["default"]["spec"]["metadataOptions"]["httpTokens"]


def test_pool_fields_reach_the_nodepool(everything: list[Manifest]) -> None:
    pools = of_kind(everything, "NodePool")
    cpu = pools["cpu"]["spec"]
    assert cpu["disruption"] == {
        "consolidationPolicy": "Balanced",
        "consolidateAfter": "1m",
        "budgets": [
            {"nodes": "10%"},
            {"nodes": "0", "reasons": ["Underutilized"], "schedule": "0 8 * * mon-fri", "duration": "10h"},
        ],
    }
    assert cpu["template"]["spec"]["terminationGracePeriod"] == "2h"
    assert cpu["template"]["spec"]["startupTaints"] == [{"key": "example.com/agent-not-ready", "effect": "NoSchedule"}]
    assert cpu["template"]["spec"]["nodeClassRef"]["name"] == "br"
    assert requirement(pools["cpu"], "karpenter.k8s.aws/instance-family") == {
        "key": "karpenter.k8s.aws/instance-family",
        "operator": "Exists",
        "minValues": 5,
    }
    assert requirement(pools["cpu"], "karpenter.k8s.aws/instance-cpu")["operator"] == "Gte"
    assert requirement(pools["training"], "karpenter.sh/capacity-type")["values"] == ["reserved"]
    assert requirement(pools["training"], "karpenter.k8s.aws/capacity-reservation-type")["values"] == ["capacity-block"]
    assert pools["inference"]["spec"]["weight"] == 20


def test_a_static_pool_renders_replicas_with_a_nodes_limit_and_no_weight(everything: list[Manifest]) -> None:
    warm = of_kind(everything, "NodePool")["warm"]["spec"]
    assert warm["replicas"] == 2
    assert warm["limits"] == {"nodes": "2"}
    assert "weight" not in warm


def test_overlays_render_requirements_price_capacity_and_weight(everything: list[Manifest]) -> None:
    overlays = of_kind(everything, "NodeOverlay")
    assert overlays["savings-plan"]["spec"] == {
        "weight": 10,
        "requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7g"]}],
        "priceAdjustment": "-27%",
    }
    assert overlays["fpga"]["spec"] == {"requirements": [], "capacity": {"example.com/fpga": "1"}}


# --- what the CEL checks catch ----------------------------------------------------------------------


def _static(m: Manifest) -> None:
    m["spec"]["replicas"] = 2


NODEPOOL_BREAKAGES: dict[str, Callable[[Manifest], None]] = {
    "static-with-cpu-limit": lambda m: (_static(m), m["spec"].update(limits={"cpu": "10", "nodes": "2"})),
    "static-with-weight": lambda m: (_static(m), m["spec"].update(weight=10)),
    "budget-schedule-without-duration": lambda m: m["spec"]["disruption"]["budgets"][1].pop("duration"),
}
EC2NODECLASS_BREAKAGES: dict[str, Callable[[Manifest], None]] = {
    "ami-id-with-name": lambda m: m["spec"]["amiSelectorTerms"][0].update(id="ami-0123456789abcdef0"),
    "reservation-id-with-owner": lambda m: m["spec"]["capacityReservationSelectorTerms"][0].update(
        ownerID="111122223333"
    ),
    "placement-group-name-and-id": lambda m: m["spec"]["placementGroupSelector"].update(id="pg-0123456789abcdef0"),
    "efa-without-primary": lambda m: m["spec"]["networkInterfaces"].pop(0),
    "two-efa-on-a-card": lambda m: m["spec"]["networkInterfaces"].append(
        {"networkCardIndex": 1, "deviceIndex": 1, "interfaceType": "efa-only"}
    ),
    "security-group-name-with-tags": lambda m: m["spec"]["securityGroupSelectorTerms"][0].update(tags={"a": "b"}),
}
KUBELET_BREAKAGES: dict[str, Callable[[Manifest], None]] = {
    "image-gc-low-above-high": lambda k: k.update(imageGCLowThresholdPercent=90),
    "soft-without-grace-period": lambda k: k.pop("evictionSoftGracePeriod"),
    "grace-period-without-soft": lambda k: k.pop("evictionSoft"),
    "unknown-reserved-resource": lambda k: k["systemReserved"].update(gpu="1"),
    "negative-reserved": lambda k: k["systemReserved"].update(memory="-1Gi"),
    "unknown-signal": lambda k: k["evictionHard"].update({"memory.free": "1%"}),
}
NODEOVERLAY_BREAKAGES: dict[str, Callable[[Manifest], None]] = {
    "price-and-adjustment": lambda m: m["spec"].update(price="0.5"),
    "cpu-capacity": lambda m: m["spec"].update(capacity={"cpu": "4"}),
    "placement-group-label": lambda m: m["spec"]["requirements"].append(
        {"key": "karpenter.k8s.aws/placement-group-id", "operator": "Exists"}
    ),
    "not-in-without-values": lambda m: m["spec"]["requirements"].append(
        {"key": "node.kubernetes.io/instance-type", "operator": "NotIn", "values": []}
    ),
}


@pytest.mark.parametrize(
    ("kind", "name", "breakage"),
    [
        *(("NodePool", "cpu", b) for b in NODEPOOL_BREAKAGES.values()),
        *(("EC2NodeClass", "training", b) for b in EC2NODECLASS_BREAKAGES.values()),
        *(("EC2NodeClass", "br", lambda m, b=b: b(m["spec"]["kubelet"])) for b in KUBELET_BREAKAGES.values()),
        *(("NodeOverlay", "savings-plan", b) for b in NODEOVERLAY_BREAKAGES.values()),
    ],
    ids=[*NODEPOOL_BREAKAGES, *EC2NODECLASS_BREAKAGES, *KUBELET_BREAKAGES, *NODEOVERLAY_BREAKAGES],
)
def test_cel_checks_catch_what_the_api_server_would_refuse_in_the_new_fields(
    everything: list[Manifest],
    crds: Crds,  # noqa: F811
    kind: str,
    name: str,
    breakage: Callable[[Manifest], None],
) -> None:
    broken = copy.deepcopy(of_kind(everything, kind)[name])
    assert cel_problems(broken, crds) == []
    breakage(broken)
    assert cel_problems(broken, crds)


# --- chart hygiene --------------------------------------------------------------------------------


def test_helm_lint_is_clean_with_every_new_value(everything_values: dict[str, Any]) -> None:
    report = lint_chart(everything_values)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def _with(values: dict[str, Any], path: tuple[str, ...], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    bad = copy.deepcopy(values)
    node = bad
    for part in path:
        node = node[part]
    change(node)
    return bad


SCHEMA_REFUSALS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], None], str]] = {
    "kubelet-typo": (("nodeClasses", "br", "kubelet"), lambda k: k.update(maxPod=10), "maxPod"),
    "root-volume-unencrypted": (("nodeClasses", "br", "rootVolume"), lambda v: v.update(encrypted=False), "encrypted"),
    "alias-and-terms": (
        ("nodeClasses", "br"),
        lambda c: c.update(amiSelectorTerms=[{"id": "ami-0123456789abcdef0"}], amiFamily="Bottlerocket"),
        "nodeClasses/br",
    ),
    "subnet-ids-and-terms": (
        ("nodeClasses", "training"),
        lambda c: c.update(subnetIds=["subnet-0a1b2c3d4e5f6a7b2"]),
        "nodeClasses/training",
    ),
    "budget-typo": (("nodePools", "cpu", "disruption", "budgets", 0), lambda b: b.update(node="1"), "node"),
    "replicas-with-weight": (("nodePools", "warm"), lambda p: p.update(weight=3), "nodePools/warm"),
    "overlay-typo": (("nodeOverlays", "fpga"), lambda o: o.update(prices="1"), "prices"),
    "overlay-price-and-adjustment": (
        ("nodeOverlays", "savings-plan"),
        lambda o: o.update(price="1"),
        "nodeOverlays/savings-plan",
    ),
    "startup-taint-typo": (
        ("nodePools", "cpu", "startupTaints", 0),
        lambda t: t.update(efect="NoSchedule"),
        "efect",
    ),
}


@pytest.mark.parametrize(("path", "change", "named"), SCHEMA_REFUSALS.values(), ids=SCHEMA_REFUSALS.keys())
def test_values_schema_refuses_misspelt_or_contradictory_new_values_and_names_them(
    everything_values: dict[str, Any], path: tuple[str, ...], change: Callable[[dict[str, Any]], None], named: str
) -> None:
    validate_values(everything_values)
    with pytest.raises(ValueError, match=named):
        validate_values(_with(everything_values, path, change))


def test_rendering_the_new_fields_is_deterministic(everything_values: dict[str, Any]) -> None:
    again = karpenter_config_values(_config(EVERYTHING), instance_profile_name=PROFILE, zones=ZONES)
    assert json.dumps(again) == json.dumps(everything_values)
    first = render_chart(everything_values, release_name="karpenter-config", namespace="kube-system")
    assert first == render_chart(again, release_name="karpenter-config", namespace="kube-system")
    assert list(yaml.safe_load_all(first))


def test_rendering_refuses_values_the_schema_refuses_with_the_same_words_as_validating_them(
    everything_values: dict[str, Any],
) -> None:
    """The render leaves the schema check to Helm's own render (which checks values.schema.json as an
    install does, prefixing its refusal with "values don't meet the specifications of the schema(s)");
    the refusal reads as validate_values' does, naming the value."""
    refused = _with(everything_values, (), lambda values: values.update(clusterName=5))
    with pytest.raises(ValueError) as validated:
        validate_values(refused)
    with pytest.raises(ValueError) as rendered:
        render_chart(refused, release_name="karpenter-config", namespace="kube-system")
    assert str(rendered.value) == str(validated.value)
    assert str(rendered.value).startswith("karpenter-config values refused: ")
    assert "/clusterName" in str(rendered.value)
