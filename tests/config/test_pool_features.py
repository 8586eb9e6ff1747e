"""Pools with the NodePool v1 fields a team needs (node classes, budgets, requirements, startup taints,
static capacity, reserved capacity, GPU sharing), NodeOverlays and the feature gates they need: each
refusal pinned by its exact message, and the neighbours it lets through."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.node_class_choice import pool_node_class
from karpenter.config.stack_config import StackConfig
from tests.conftest import settings_for

RESERVATIONS = {"capacityReservationSelectorTerms": [{"id": "cr-0123456789abcdef0"}]}
SHARED_GPUS = {"gpu": True, "gpuSharing": {"timeSlicing": {"replicas": 4}}}


def _parsed(pools: dict[str, Any], **more: Any) -> StackConfig:
    return parse_stack_config(settings_for({"clusterName": "dev", "nodePools": pools, **more}))


def _refusal(pools: dict[str, Any], **more: Any) -> str:
    with pytest.raises(ConfigError) as refused:
        _parsed(pools, **more)
    return str(refused.value)


# --- node classes and capacity reservations ---------------------------------------------------


def test_a_pool_naming_an_unknown_node_class_is_refused_naming_both_keys() -> None:
    assert _refusal({"cpu": {"nodeClass": "arm"}}, nodeClasses={"big": {}}) == (
        "karpenter:nodePools.cpu.nodeClass: 'arm' is not a key of karpenter:nodeClasses (node classes: default, gpu, "
        "big); define it there or name one of those"
    )


@pytest.mark.parametrize(
    ("pools", "classes", "expected"),
    [
        pytest.param({"cpu": {}}, {}, "default", id="cpu-pool-default"),
        pytest.param({"gpu": {"gpu": True}}, {}, "gpu", id="gpu-pool-gpu"),
        pytest.param({"cpu": {"nodeClass": "big"}}, {"big": {}}, "big", id="named-class"),
        pytest.param({"cpu": {"nodeClass": "gpu"}}, {}, "gpu", id="implicit-gpu-class-by-name"),
    ],
)
def test_each_pool_launches_with_its_named_or_implicit_node_class(
    pools: dict[str, Any], classes: dict[str, Any], expected: str
) -> None:
    [pool] = _parsed(pools, nodeClasses=classes).node_pools.values()
    assert pool_node_class(pool) == expected


def test_reserved_capacity_on_a_class_that_selects_no_reservations_is_refused_naming_the_class() -> None:
    assert _refusal(
        {"p5": {"gpu": True, "nodeClass": "training", "capacityTypes": ["reserved"]}},
        nodeClasses={"training": {}},
    ) == (
        "karpenter:nodePools.p5.capacityTypes[0]: 'reserved' needs a node class that selects capacity reservations, "
        "and node class 'training' sets no karpenter:nodeClasses.training.capacityReservationSelectorTerms; add them "
        "there, or use spot or on-demand"
    )


@pytest.mark.parametrize(
    ("pools", "classes"),
    [
        pytest.param(
            {"p5": {"gpu": True, "nodeClass": "training", "capacityTypes": ["reserved"]}},
            {"training": RESERVATIONS},
            id="named-class-with-reservations",
        ),
        pytest.param(
            {"cpu": {"capacityTypes": ["reserved", "on-demand"]}},
            {"default": {"capacityReservationSelectorTerms": [{"tags": {"team": "ml"}, "ownerID": "111122223333"}]}},
            id="implicit-class-with-reservations-by-tags",
        ),
    ],
)
def test_reserved_capacity_is_accepted_once_the_pools_class_selects_reservations(
    pools: dict[str, Any], classes: dict[str, Any]
) -> None:
    config = _parsed(pools, nodeClasses=classes)
    assert "reservedCapacity" in config.feature_gates_in_use()


# --- disruption ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disruption", "message"),
    [
        pytest.param(
            {"budgets": [{"nodes": "10%", "schedule": "0 9 * * mon-fri"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].duration: a schedule and a duration go together (when the "
            "budget starts, and for how long); add duration",
            id="schedule-without-duration",
        ),
        pytest.param(
            {"budgets": [{"nodes": "10%", "duration": "8h"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].schedule: a schedule and a duration go together (when the "
            "budget starts, and for how long); add schedule",
            id="duration-without-schedule",
        ),
        pytest.param(
            {"budgets": [{"nodes": "110%"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].nodes: '110%' is not a node count or a percentage such as "
            "10%",
            id="percent-above-100",
        ),
        pytest.param(
            {"budgets": [{"nodes": "0", "schedule": "0 9 * *", "duration": "8h"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].schedule: a cron schedule has five fields (minute hour "
            "day-of-month month day-of-week), not 4",
            id="four-cron-fields",
        ),
        pytest.param(
            {"budgets": [{"nodes": "0", "schedule": "0 24 * * *", "duration": "8h"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].schedule: '24' is out of the hour field's range (0-23)",
            id="hour-24",
        ),
        pytest.param(
            {"budgets": [{"nodes": "0", "schedule": "CRON_TZ=Europe/Paris 0 9 * * *", "duration": "8h"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].schedule: time zones are not supported; the schedule is "
            "in UTC",
            id="time-zone",
        ),
        pytest.param(
            {"budgets": [{"nodes": "0", "schedule": "@fortnightly", "duration": "8h"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].schedule: '@fortnightly' is not one of @annually, "
            "@yearly, @monthly, @weekly, @daily, @midnight, @hourly",
            id="unknown-macro",
        ),
        pytest.param(
            {"budgets": [{"nodes": "0", "schedule": "@daily", "duration": "30s"}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].duration: '30s' is not a duration in hours and minutes, "
            "such as 30m, 8h or 1h30m",
            id="duration-in-seconds",
        ),
        pytest.param(
            {"budgets": [{"nodes": "1", "reasons": ["Expired"]}]},
            "karpenter:nodePools.cpu.disruption.budgets[0].reasons[0]: 'Expired' is not one of Underutilized, Empty, "
            "Drifted",
            id="unknown-reason",
        ),
        pytest.param(
            {"consolidationPolicy": "Sometimes"},
            "karpenter:nodePools.cpu.disruption.consolidationPolicy: 'Sometimes' is not one of WhenEmpty, "
            "WhenEmptyOrUnderutilized, Balanced",
            id="unknown-policy",
        ),
    ],
)
def test_disruption_settings_the_crd_refuses_are_refused(disruption: dict[str, Any], message: str) -> None:
    assert _refusal({"cpu": {"disruption": disruption}}) == message


@pytest.mark.parametrize(
    "disruption",
    [
        pytest.param({"consolidationPolicy": "Balanced"}, id="balanced"),
        pytest.param({"budgets": [{"nodes": 5}]}, id="count-as-number"),
        pytest.param({"budgets": [{"nodes": "100%"}, {"nodes": "0", "reasons": ["Drifted"]}]}, id="reasons"),
        pytest.param(
            {"budgets": [{"nodes": "0", "schedule": "*/30 8-17 1,15 jan-jun mon-fri", "duration": "1h30m"}]},
            id="cron-lists-ranges-steps-names",
        ),
        pytest.param({"budgets": [{"nodes": "0", "schedule": "@weekly", "duration": "24h"}]}, id="macro"),
    ],
)
def test_disruption_settings_within_the_crd_are_accepted(disruption: dict[str, Any]) -> None:
    parsed = _parsed({"cpu": {"disruption": disruption}}).node_pools["cpu"].disruption
    assert len(parsed.budgets or []) == len(disruption.get("budgets", []))
    assert parsed.consolidation_policy == disruption.get("consolidationPolicy")


# --- requirements, startup taints, grace period -------------------------------------------------


@pytest.mark.parametrize(
    ("requirement", "message"),
    [
        pytest.param(
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'kubernetes.io/arch' is already required by architectures; "
            "set it there",
            id="arch-from-architectures",
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["5"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.k8s.aws/instance-generation' is already required "
            "by minInstanceGeneration; set it there",
            id="generation-from-min-instance-generation",
        ),
        pytest.param(
            {"key": "kubernetes.io/os", "operator": "In", "values": ["windows"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'kubernetes.io/os' is already required by the stack, which "
            "launches Linux nodes only; set it there",
            id="os",
        ),
        pytest.param(
            {"key": "kubernetes.io/hostname", "operator": "Exists"},
            "karpenter:nodePools.cpu.requirements[0].key: 'kubernetes.io/hostname' is restricted: every node has its "
            "own, so no pool can require one",
            id="hostname",
        ),
        pytest.param(
            {"key": "karpenter.sh/nodepool", "operator": "In", "values": ["cpu"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.sh/nodepool' is restricted: Karpenter sets it "
            "to the pool's own name",
            id="nodepool-label",
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-colour", "operator": "Exists"},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.k8s.aws/instance-colour' is in a domain "
            "Kubernetes or Karpenter reserve (kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws) and is none of "
            "the well-known labels Karpenter knows; use a well-known label, or a label of your own domain",
            id="unknown-aws-label",
        ),
        pytest.param(
            {"key": "node.kubernetes.io/instance-type", "operator": "In"},
            "karpenter:nodePools.cpu.requirements[0].values: In needs at least one value",
            id="in-without-values",
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-local-nvme", "operator": "Exists", "values": ["100"]},
            "karpenter:nodePools.cpu.requirements[0].values: Exists takes no values; remove them",
            id="exists-with-values",
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gt", "values": ["4", "8"]},
            'karpenter:nodePools.cpu.requirements[0].values: Gt takes one whole number ≥ 0, such as ["4"]',
            id="gt-two-values",
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Lte", "values": ["four"]},
            'karpenter:nodePools.cpu.requirements[0].values: Lte takes one whole number ≥ 0, such as ["4"]',
            id="lte-not-a-number",
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-size", "operator": "In", "values": ["large", "xlarge"], "minValues": 3},
            "karpenter:nodePools.cpu.requirements[0].minValues: 3 is more than the 2 values In lists; list at least 3 "
            "or lower minValues",
            id="min-values-above-values",
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "Gt", "values": [0]},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.k8s.aws/instance-gpu-count' lets in GPU "
            "instances, which this pool would launch without the nvidia.com/gpu taint; set gpu: true on the pool, or "
            "require instances without GPUs",
            id="gpu-count-on-cpu-pool",
        ),
        pytest.param(
            {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["m7i.large", "g5.xlarge"]},
            "karpenter:nodePools.cpu.requirements[0].values: 'g5.xlarge' lets in GPU instances, which this pool would "
            "launch without the nvidia.com/gpu taint; set gpu: true on the pool, or require instances without GPUs",
            id="gpu-instance-type-on-cpu-pool",
        ),
        pytest.param(
            {"key": "Team", "operator": "Maybe", "values": ["a"]},
            "karpenter:nodePools.cpu.requirements[0].operator: 'Maybe' is not one of In, NotIn, Exists, "
            "DoesNotExist, Gt, Lt, Gte, Lte",
            id="unknown-operator",
        ),
    ],
)
def test_requirements_the_crd_refuses_or_the_pool_already_sets_are_refused(
    requirement: dict[str, Any], message: str
) -> None:
    assert _refusal({"cpu": {"requirements": [requirement]}}) == message


@pytest.mark.parametrize(
    ("pool", "requirement"),
    [
        pytest.param({}, {"key": "karpenter.k8s.aws/instance-family", "operator": "Exists", "minValues": 5}, id="fam"),
        pytest.param({}, {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "DoesNotExist"}, id="no-gpus"),
        pytest.param({}, {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gte", "values": [8]}, id="gte"),
        pytest.param({}, {"key": "topology.k8s.aws/zone-id", "operator": "NotIn", "values": ["euw1-az3"]}, id="az"),
        pytest.param({}, {"key": "example.com/team", "operator": "In", "values": ["ml"]}, id="own-label"),
        pytest.param(
            {"gpu": True},
            {"key": "karpenter.k8s.aws/instance-gpu-name", "operator": "In", "values": ["l4", "a10g"]},
            id="gpu-name-on-gpu-pool",
        ),
        pytest.param(
            {"gpu": True, "capacityTypes": ["reserved"], "nodeClass": "gpu"},
            {"key": "karpenter.k8s.aws/capacity-reservation-type", "operator": "In", "values": ["capacity-block"]},
            id="capacity-block-label",
        ),
    ],
)
def test_requirements_on_well_known_or_own_labels_are_accepted_and_rendered_as_given(
    pool: dict[str, Any], requirement: dict[str, Any]
) -> None:
    config = _parsed({"p": {**pool, "requirements": [requirement]}}, nodeClasses={"gpu": RESERVATIONS})
    [parsed] = config.node_pools["p"].requirements
    assert parsed.key == requirement["key"]
    assert parsed.values == [str(value) for value in requirement.get("values", [])]


def test_startup_taints_and_termination_grace_period_follow_the_crd_patterns() -> None:
    assert _refusal({"cpu": {"terminationGracePeriod": "Never"}}) == (
        "karpenter:nodePools.cpu.terminationGracePeriod: 'Never' is not a duration such as 30s, 15m or 24h (s, m, "
        "h; no Never)"
    )
    assert _refusal({"cpu": {"startupTaints": [{"key": "not ready", "effect": "NoSchedule"}]}}) == (
        "karpenter:nodePools.cpu.startupTaints[0].key: 'not ready' is not a Kubernetes label key"
    )
    pool = _parsed(
        {"cpu": {"terminationGracePeriod": "1h30m", "startupTaints": [{"key": "x.io/agent", "effect": "NoExecute"}]}}
    ).node_pools["cpu"]
    assert pool.termination_grace_period == "1h30m"
    assert [t.key for t in pool.startup_taints] == ["x.io/agent"]


# --- static pools -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        pytest.param(
            {"replicas": 2, "weight": 10},
            "karpenter:nodePools.warm.weight: a static pool (replicas) takes no weight in Karpenter 1.14; remove "
            "weight",
            id="weight",
        ),
        pytest.param(
            {"replicas": 2, "limits": {"cpu": "100", "nodes": "4"}},
            "karpenter:nodePools.warm.limits.cpu: a static pool (replicas) takes only a nodes limit; remove cpu, or "
            "leave limits out for nodes: 2",
            id="cpu-limit",
        ),
        pytest.param(
            {"replicas": 3, "limits": {"nodes": 2}},
            "karpenter:nodePools.warm.limits.nodes: 2 is fewer than the 3 replicas the pool keeps; raise it to 3 or "
            "more",
            id="nodes-limit-below-replicas",
        ),
        pytest.param(
            {"replicas": -1},
            "karpenter:nodePools.warm.replicas: -1 must be a number ≥ 0",
            id="negative",
        ),
    ],
)
def test_static_pools_the_crd_refuses_are_refused(pool: dict[str, Any], message: str) -> None:
    assert _refusal({"warm": pool}) == message


@pytest.mark.parametrize(
    ("pool", "limits"),
    [
        pytest.param({"replicas": 2}, {"nodes": "2"}, id="limits-default-to-the-replicas"),
        pytest.param({"replicas": 0}, {"nodes": "0"}, id="scaled-to-zero"),
        pytest.param({"replicas": 2, "limits": {"nodes": 5}}, {"nodes": "5"}, id="room-to-grow"),
        pytest.param({"replicas": 2, "limits": {"nodes": 2}}, {"nodes": "2"}, id="limit-equal-to-replicas"),
        pytest.param({"gpu": True, "replicas": 1}, {"nodes": "1"}, id="gpu-pool-without-gpu-limit"),
    ],
)
def test_static_pools_keep_only_a_nodes_limit(pool: dict[str, Any], limits: dict[str, str]) -> None:
    config = _parsed({"warm": pool})
    assert config.node_pools["warm"].rendered_limits() == limits
    assert config.feature_gates_in_use() == {"staticCapacity": "nodePools.warm.replicas"}


# --- GPU sharing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pools", "more", "message"),
    [
        pytest.param(
            {"cpu": {"gpuSharing": {"timeSlicing": {"replicas": 4}}}},
            {},
            "karpenter:nodePools.cpu.gpuSharing: shares NVIDIA GPUs, and this pool has no gpu: true; set it, or "
            "remove gpuSharing",
            id="cpu-pool",
        ),
        pytest.param(
            {"inference": {**SHARED_GPUS, "gpuSharing": {"timeSlicing": {"replicas": 1}}}},
            {},
            "karpenter:nodePools.inference.gpuSharing.timeSlicing.replicas: 1 must be a number ≥ 2",
            id="one-replica",
        ),
        pytest.param(
            {"inference": {**SHARED_GPUS, "labels": {"nvidia.com/device-plugin.config": "mine"}}},
            {},
            "karpenter:nodePools.inference.labels.nvidia.com/device-plugin.config: picks the device plugin config, "
            "which gpuSharing sets for this pool; remove the label",
            id="own-plugin-config-label",
        ),
        pytest.param(
            {"inference": SHARED_GPUS},
            {"amiAlias": "bottlerocket@latest"},
            "karpenter:nodePools.inference.gpuSharing: time-slicing is set through the NVIDIA device plugin this stack "
            "installs on AL2023 nodes, and node class 'gpu' is bottlerocket (from karpenter:amiAlias), whose own "
            "plugin this stack does not configure; use an al2023 node class",
            id="implicit-bottlerocket-class",
        ),
        pytest.param(
            {"inference": {**SHARED_GPUS, "nodeClass": "br"}},
            {"nodeClasses": {"br": {"amiAlias": "bottlerocket@v1.40.0"}}},
            "karpenter:nodePools.inference.gpuSharing: time-slicing is set through the NVIDIA device plugin this stack "
            "installs on AL2023 nodes, and node class 'br' is bottlerocket (from karpenter:nodeClasses.br), whose own "
            "plugin this stack does not configure; use an al2023 node class",
            id="named-bottlerocket-class",
        ),
        pytest.param(
            {"inference": SHARED_GPUS},
            {"nodeOverlays": {"inference-time-slicing-4gpu": {"priceAdjustment": "-10%"}}},
            "karpenter:nodeOverlays.inference-time-slicing-4gpu: names starting inference-time-slicing- are the "
            "overlays karpenter:nodePools.inference.gpuSharing renders; choose another name",
            id="overlay-name-taken",
        ),
        pytest.param(
            {"cpu": {}, "inference": SHARED_GPUS},
            {"nodeOverlays": {"inference-time-slicing-8gpu": {"priceAdjustment": "-10%"}}},
            "karpenter:nodeOverlays.inference-time-slicing-8gpu: names starting inference-time-slicing- are the "
            "overlays karpenter:nodePools.inference.gpuSharing renders; choose another name",
            id="overlay-name-taken-past-a-pool-that-shares-nothing",
        ),
    ],
)
def test_gpu_sharing_that_cannot_reach_the_device_plugin_is_refused(
    pools: dict[str, Any], more: dict[str, Any], message: str
) -> None:
    assert _refusal(pools, **more) == message


def test_gpu_sharing_on_an_al2023_class_needs_the_node_overlay_gate() -> None:
    config = _parsed(
        {"inference": SHARED_GPUS}, amiAlias="bottlerocket@latest", nodeClasses={"gpu": {"amiAlias": "al2023@latest"}}
    )
    assert config.feature_gates_in_use() == {"nodeOverlay": "nodePools.inference.gpuSharing"}


# --- NodeOverlays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        pytest.param(
            {},
            "karpenter:nodeOverlays.discount: sets nothing; give price, priceAdjustment or capacity",
            id="nothing",
        ),
        pytest.param(
            {"price": "0.5", "priceAdjustment": "-10%"},
            "karpenter:nodeOverlays.discount.priceAdjustment: give price or priceAdjustment, not both",
            id="price-and-adjustment",
        ),
        pytest.param(
            {"priceAdjustment": "-110%"},
            "karpenter:nodeOverlays.discount.priceAdjustment: '-110%' is not a price change such as -20%, +10% or "
            "-0.05 (a cut is at most -100%)",
            id="cut-above-100-percent",
        ),
        pytest.param(
            {"price": "-1"},
            "karpenter:nodeOverlays.discount.price: '-1' is not a price such as 0.25 or 3",
            id="negative-price",
        ),
        pytest.param(
            {"capacity": {"memory": "1Gi"}},
            "karpenter:nodeOverlays.discount.capacity.memory: an overlay adds extended resources only, and memory is "
            "EC2's to report; remove it",
            id="memory",
        ),
        pytest.param(
            {"capacity": {"nvidia.com/gpu": "8"}},
            "karpenter:nodeOverlays.discount.capacity.nvidia.com/gpu: GPU capacity follows "
            "karpenter:nodePools.<pool>.gpuSharing, which renders the overlays the device plugin agrees with; use that",
            id="gpus",
        ),
        pytest.param(
            {"capacity": {"fpga": "1"}},
            "karpenter:nodeOverlays.discount.capacity.fpga: not a Kubernetes resource name. Standard names are cpu, "
            "memory, ephemeral-storage, pods, hugepages-<size>; extended resources are domain-qualified, such as "
            "nvidia.com/gpu",
            id="unqualified-resource",
        ),
        pytest.param(
            {"capacity": {"nodes": "1"}},
            "karpenter:nodeOverlays.discount.capacity.nodes: not an extended resource (domain/name, such as "
            "example.com/fpga) or hugepages-<size>",
            id="node-count",
        ),
        pytest.param(
            {
                "priceAdjustment": "-10%",
                "requirements": [{"key": "karpenter.k8s.aws/placement-group-id", "operator": "Exists"}],
            },
            "karpenter:nodeOverlays.discount.requirements[0].key: 'karpenter.k8s.aws/placement-group-id' is in a "
            "domain Kubernetes or Karpenter reserve (kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws) and is "
            "none of the well-known labels Karpenter knows; use a well-known label, or a label of your own domain",
            id="label-only-pools-know",
        ),
        pytest.param(
            {
                "priceAdjustment": "-10%",
                "requirements": [{"key": "node.kubernetes.io/instance-type", "operator": "NotIn"}],
            },
            "karpenter:nodeOverlays.discount.requirements[0].values: NotIn needs at least one value",
            id="not-in-without-values",
        ),
        pytest.param(
            {"priceAdjustment": "-10%", "weight": 10001},
            "karpenter:nodeOverlays.discount.weight: 10001 must be a number ≤ 10000",
            id="weight",
        ),
        pytest.param(
            {
                "priceAdjustment": "-10%",
                "requirements": [
                    {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7g"], "minValues": 1}
                ],
            },
            "karpenter:nodeOverlays.discount.requirements[0].minValues: unknown key; allowed keys are key, operator, "
            "values",
            id="min-values",
        ),
    ],
)
def test_node_overlays_the_crd_refuses_or_that_do_nothing_are_refused(overlay: dict[str, Any], message: str) -> None:
    assert _refusal({"cpu": {}}, nodeOverlays={"discount": overlay}) == message


@pytest.mark.parametrize(
    "overlay",
    [
        pytest.param({"priceAdjustment": "-20%"}, id="discount-everywhere"),
        pytest.param({"priceAdjustment": "+0.05", "weight": 10}, id="absolute-increase"),
        pytest.param({"priceAdjustment": "-100%"}, id="free"),
        pytest.param({"price": "0.25"}, id="price"),
        pytest.param({"capacity": {"example.com/fpga": 1, "hugepages-2Mi": "100Mi"}}, id="extended-resources"),
        pytest.param(
            {
                "priceAdjustment": "-27%",
                "requirements": [
                    {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7g", "c7g"]},
                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
                    {"key": "karpenter.sh/nodepool", "operator": "In", "values": ["cpu"]},
                ],
            },
            id="savings-plan-for-some-families-of-a-pool",
        ),
    ],
)
def test_node_overlays_within_the_crd_are_accepted_and_need_the_node_overlay_gate(overlay: dict[str, Any]) -> None:
    config = _parsed({"cpu": {}}, nodeOverlays={"discount": overlay})
    assert config.feature_gates_in_use() == {"nodeOverlay": "nodeOverlays.discount"}


# --- feature gates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            {
                "nodePools": {"warm": {"replicas": 2}},
                "helmValues": {"settings": {"featureGates": {"staticCapacity": False}}},
            },
            "karpenter:helmValues.settings.featureGates.staticCapacity: false turns off StaticCapacity, which "
            "karpenter:nodePools.warm.replicas needs; remove it",
            id="static-capacity",
        ),
        pytest.param(
            {
                "nodePools": {"cpu": {}},
                "nodeOverlays": {"discount": {"priceAdjustment": "-10%"}},
                "helmValues": {"settings": {"featureGates": {"nodeOverlay": False}}},
            },
            "karpenter:helmValues.settings.featureGates.nodeOverlay: false turns off NodeOverlay, which "
            "karpenter:nodeOverlays.discount needs; remove it",
            id="node-overlay",
        ),
        pytest.param(
            {
                "nodePools": {"inference": SHARED_GPUS},
                "helmValues": {"settings": {"featureGates": {"nodeOverlay": False}}},
            },
            "karpenter:helmValues.settings.featureGates.nodeOverlay: false turns off NodeOverlay, which "
            "karpenter:nodePools.inference.gpuSharing needs; remove it",
            id="gpu-sharing-overlays",
        ),
        pytest.param(
            {
                "nodePools": {"cpu": {"capacityTypes": ["reserved"]}},
                "nodeClasses": {"default": RESERVATIONS},
                "helmValues": {"settings": {"featureGates": {"reservedCapacity": False}}},
            },
            "karpenter:helmValues.settings.featureGates.reservedCapacity: false turns off ReservedCapacity, which "
            "karpenter:nodePools.cpu.capacityTypes needs; remove it",
            id="reserved-capacity",
        ),
        pytest.param(
            {
                "nodePools": {"cpu": {}},
                "nodeClasses": {"training": RESERVATIONS},
                "helmValues": {"settings": {"featureGates": {"reservedCapacity": False}}},
            },
            "karpenter:helmValues.settings.featureGates.reservedCapacity: false turns off ReservedCapacity, which "
            "karpenter:nodeClasses.training.capacityReservationSelectorTerms needs; remove it",
            id="class-selecting-reservations",
        ),
        pytest.param(
            {
                "controller": {"spotToSpotConsolidation": True},
                "helmValues": {"settings": {"featureGates": {"spotToSpotConsolidation": False}}},
            },
            "karpenter:helmValues.settings.featureGates.spotToSpotConsolidation: false turns off "
            "SpotToSpotConsolidation, which karpenter:controller.spotToSpotConsolidation needs; remove it",
            id="spot-to-spot",
        ),
    ],
)
def test_helm_values_turning_off_a_gate_the_stack_uses_are_refused_naming_both_keys(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(settings_for({"clusterName": "dev", **config}))
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("config", "gates"),
    [
        pytest.param({}, {}, id="nothing-used"),
        pytest.param(
            {"helmValues": {"settings": {"featureGates": {"staticCapacity": False, "nodeRepair": True}}}},
            {},
            id="gates-of-nothing-used-are-the-users",
        ),
        pytest.param(
            {
                "nodePools": {"warm": {"replicas": 1}},
                "helmValues": {"settings": {"featureGates": {"staticCapacity": True}}},
            },
            {"staticCapacity": "nodePools.warm.replicas"},
            id="gate-turned-on-twice",
        ),
        pytest.param(
            {"controller": {"spotToSpotConsolidation": True}},
            {"spotToSpotConsolidation": "controller.spotToSpotConsolidation"},
            id="spot-to-spot",
        ),
    ],
)
def test_gates_follow_what_the_stack_uses_and_leave_the_rest_to_helm_values(
    config: dict[str, Any], gates: dict[str, str]
) -> None:
    assert parse_stack_config(settings_for({"clusterName": "dev", **config})).feature_gates_in_use() == gates


def test_a_family_requirement_is_refused_only_where_instance_families_already_set_one() -> None:
    requirement = {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["c7i"]}
    with pytest.raises(ConfigError) as refused:
        _parsed({"cpu": {"instanceFamilies": ["c7i"], "requirements": [requirement]}})
    assert str(refused.value) == (
        "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.k8s.aws/instance-family' is already required by "
        "instanceFamilies; set it there"
    )
    assert len(_parsed({"cpu": {"requirements": [requirement]}}).node_pools["cpu"].requirements) == 1
