"""What a pool's limits let it cost per hour at on-demand prices: for each limit, the limit times the
dearest price per unit of it among the pool's types; the smallest of those, plus one node of its
dearest type (Karpenter checks limits against the nodes it already has, so a launch may run past
them). maxHourlyCost refuses limits above it, naming the one to lower and to what."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.catalog.instance_types import InstanceType, RegionCatalog
from karpenter.catalog.label_requirements import LabelRequirement, compatible, requirement, type_requirement
from karpenter.catalog.labels import node_labels
from karpenter.catalog.pool_candidates import PoolInput, TypeIndex, pool_candidates
from karpenter.catalog.pool_cost import cost_ceiling, generation_warning, overlap_warnings
from karpenter.catalog.snapshot import instance_types, load_region
from karpenter.config.errors import ConfigError
from tests.catalog.test_pool_launchable import plan


def _type(name: str, vcpus: int, gpus: int = 0, current: bool = True) -> InstanceType:
    family, size = name.split(".")
    return InstanceType(
        name=name,
        family=family,
        category=family[0],
        generation=int(family[1]),
        size=size,
        architecture="amd64",
        vcpus=vcpus,
        memory_mib=vcpus * 4096,
        gpu_count=gpus,
        gpu_manufacturer="nvidia" if gpus else None,
        gpu_name="l4" if gpus else None,
        current_generation=current,
    )


SMALL, LARGE, OLD = _type("m9.large", 2), _type("m9.4xlarge", 16), _type("m3.large", 2, current=False)
GPU = _type("g9.xlarge", 4, gpus=1)
CATALOG = RegionCatalog(
    region="xx-east-1",
    types={t.name: t for t in (SMALL, LARGE, OLD, GPU)},
    zones={"xx-east-1a": frozenset({"m9.large", "m9.4xlarge", "m3.large", "g9.xlarge"})},
    prices={"m9.large": 0.1, "m9.4xlarge": 1.6, "m3.large": 0.2, "g9.xlarge": 1.0},
)
INDEX = TypeIndex(list(CATALOG.types.values()), node_labels)


def _pool(name: str, families: list[str], limits: dict[str, float], **more: Any) -> PoolInput:
    requirement = {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": families}
    return PoolInput(name, [("instanceFamilies", requirement)], limits=limits, **more)


def test_the_ceiling_is_the_tightest_limit_at_the_dearest_price_per_unit_plus_one_dearest_node() -> None:
    pool = _pool("cpu", ["m9"], {"cpu": 32.0, "nodes": 10.0})
    ceiling = cost_ceiling(pool, pool_candidates(pool, CATALOG, INDEX).types, CATALOG.prices)
    # cpu: 32 × 1.6/16 = 3.2; nodes: 10 × 1.6 = 16; plus one m9.4xlarge at 1.6.
    assert (ceiling.usd_per_hour, ceiling.limit, ceiling.overshoot_type) == (pytest.approx(4.8), "cpu", "m9.4xlarge")


def test_a_type_without_a_limited_resource_leaves_that_limit_unbounded() -> None:
    pool = _pool("mixed", ["m9", "g9"], {"cpu": 32.0, "nvidia.com/gpu": 1.0})
    ceiling = cost_ceiling(pool, pool_candidates(pool, CATALOG, INDEX).types, CATALOG.prices)
    # GPU-less m9 fill the pool without touching the GPU limit; the cpu limit binds: 32 × 1.0/4 + 1.6.
    assert (ceiling.usd_per_hour, ceiling.limit) == (pytest.approx(9.6), "cpu")
    only_gpus = _pool("gpus", ["m9"], {"nvidia.com/gpu": 1.0})
    assert (
        cost_ceiling(only_gpus, pool_candidates(only_gpus, CATALOG, INDEX).types, CATALOG.prices).usd_per_hour is None
    )


def test_one_ceiling_recomputed_by_hand_from_the_catalog() -> None:
    report = plan({"gpu": {"gpu": True, "instanceFamilies": ["g6"], "limits": {"cpu": "192", "nvidia.com/gpu": "8"}}})
    catalog = load_region("us-east-1")
    g6 = [t for t in catalog.types.values() if t.family == "g6"]
    per_cpu = max(catalog.prices[t.name] / t.vcpus for t in g6)
    per_gpu = max(catalog.prices[t.name] / t.gpu_count for t in g6)
    dearest = max(catalog.prices[t.name] for t in g6)
    by_hand = min(192 * per_cpu, 8 * per_gpu) + dearest
    assert report.as_data()["gpu"]["maxHourlyCostUSD"] == round(by_hand, 4)
    assert report.as_data()["gpu"]["instanceTypes"] == sorted(t.name for t in g6)


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        pytest.param(
            {"maxHourlyCost": 50, "limits": {"cpu": "1000", "memory": "4000Gi", "nvidia.com/gpu": "16"}},
            "karpenter:nodePools.gpu.limits.nvidia.com/gpu: 16 lets the pool cost up to $67.70/h on demand, more than "
            "maxHourlyCost $50/h; lower it to 10 or less, or raise maxHourlyCost",
            id="limit-to-lower",
        ),
        pytest.param(
            {"maxHourlyCost": 10},
            "karpenter:nodePools.gpu.maxHourlyCost: $10/h is less than one g6.48xlarge ($13.35/h on demand), and a "
            "launch may run one node past the limits; raise it, or keep the pool off its dearest types",
            id="one-node-too-dear",
        ),
    ],
)
def test_limits_that_may_cost_more_than_max_hourly_cost_are_refused(pool: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        plan({"gpu": {"gpu": True, "instanceFamilies": ["g6"], **pool}})
    assert str(refused.value) == message


def test_the_lowered_limit_the_refusal_names_is_accepted() -> None:
    limits = {"cpu": "1000", "memory": "4000Gi", "nvidia.com/gpu": "10"}
    accepted = plan({"gpu": {"gpu": True, "instanceFamilies": ["g6"], "maxHourlyCost": 50, "limits": limits}})
    assert accepted.pools["gpu"].ceiling.usd_per_hour <= 50


def test_pools_of_one_weight_that_share_types_are_warned_about() -> None:
    pools = [_pool("a", ["m9"], {"cpu": 64.0}), _pool("b", ["m9", "g9"], {"cpu": 64.0})]
    found = {p.name: pool_candidates(p, CATALOG, INDEX) for p in pools}
    assert overlap_warnings(pools, found) == [
        "WARNING: karpenter:nodePools.b.weight: b and a have no weight and may launch the same instance types (such "
        "as m9.large), so Karpenter picks either for a pod both accept; give the one to prefer a higher weight"
    ]
    weighted = [pools[0], _pool("b", ["m9"], {"cpu": 64.0}, weight=10)]
    assert overlap_warnings(weighted, found) == []


def test_a_pool_of_only_previous_generation_types_is_warned_about() -> None:
    old = _pool("old", ["m3"], {"cpu": 64.0})
    assert generation_warning(old, pool_candidates(old, CATALOG, INDEX)) == (
        "WARNING: karpenter:nodePools.old: every instance type it may launch is previous generation (m3), which AWS "
        "offers less of and prices higher; allow current-generation families"
    )
    new = _pool("new", ["m3", "m9"], {"cpu": 64.0})
    assert generation_warning(new, pool_candidates(new, CATALOG, INDEX)) is None


def test_families_aws_still_sells_as_current_are_not_warned_about_whatever_the_data_says() -> None:
    """The copy of AWS's DescribeInstanceTypes data the catalog is generated from (moto 5.2.5's
    instance_types.json.gz) marks m5, c5, r5, g5, m6i, r6i, r7g, r7gd and c6gn `CurrentGeneration:
    false`, which the Amazon EC2 User Guide's "Previous generation instances" does not list; a warning
    needs both to agree."""
    eu = load_region("eu-west-1")
    assert not eu.types["m5.large"].current_generation
    m5 = _pool("m5", ["m5"], {"cpu": 64.0})
    index = TypeIndex(list(eu.types.values()), node_labels)
    assert generation_warning(m5, pool_candidates(m5, eu, index)) is None


INDEX_QUESTIONS = [
    ("karpenter.k8s.aws/instance-category", requirement("In", ["c", "m"])),
    ("karpenter.k8s.aws/instance-category", requirement("NotIn", ["g", "p"])),
    ("karpenter.k8s.aws/instance-cpu", requirement("Gt", ["7"])),
    ("karpenter.k8s.aws/instance-gpu-count", requirement("Exists")),
    ("karpenter.k8s.aws/instance-gpu-count", requirement("DoesNotExist")),
    ("karpenter.k8s.aws/instance-gpu-name", requirement("In", ["t4"])),
    ("karpenter.k8s.aws/instance-tenancy", requirement("In", ["dedicated"])),
    ("kubernetes.io/arch", requirement("In", ["arm64"])),
    ("example.com/team", requirement("In", ["a"])),
]


@pytest.mark.parametrize(("key", "wanted"), INDEX_QUESTIONS, ids=[f"{k}-{w.operator}" for k, w in INDEX_QUESTIONS])
def test_the_types_meeting_a_requirement_are_those_whose_own_labels_meet_it(key: str, wanted: LabelRequirement) -> None:
    index = TypeIndex(instance_types(), node_labels)
    one_by_one = {name for name, labels in index.labels.items() if compatible(type_requirement(key, labels), wanted)}
    assert index.meeting(key, wanted) == one_by_one
    assert index.meeting(key, wanted) is index.meeting(key, wanted)
