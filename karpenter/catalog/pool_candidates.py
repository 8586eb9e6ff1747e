"""Which instance types of a region a node pool may launch: its rendered NodePool requirements against
each type's labels, as Karpenter evaluates them, then the region's and the pool's zones, its limits
and what its node class asks of a type. A pool that can launch nothing gets (the key, why) naming the
step that removed the last types. Plain data; imports the catalog only."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from karpenter.catalog.instance_types import InstanceType, RegionCatalog
from karpenter.catalog.label_requirements import LabelRequirement, compatible, from_rendered, type_requirement

LabelsOf = Callable[[InstanceType], Mapping[str, str]]

ZONE = "topology.kubernetes.io/zone"
INSTANCE_TYPE = "node.kubernetes.io/instance-type"
INSTANCE_FAMILY = "karpenter.k8s.aws/instance-family"
# Labels of an offering (a type in a zone, with a capacity type), not of the type: the zones are
# checked against the region's offerings, and capacity types and reservations Karpenter learns only
# from AWS at launch.
_OFFERING_KEYS = frozenset(
    {
        ZONE,
        "topology.k8s.aws/zone-id",
        "topology.kubernetes.io/region",
        "karpenter.sh/capacity-type",
        "karpenter.k8s.aws/capacity-reservation-id",
        "karpenter.k8s.aws/capacity-reservation-type",
        "karpenter.k8s.aws/capacity-reservation-interruptible",
    }
)
# Karpenter's default share of a type's memory kept for the hypervisor (--vm-memory-overhead-percent),
# and the memory Graviton keeps for itself (karpenter-provider-aws instancetype/types.go, memory()).
VM_MEMORY_OVERHEAD = 0.075
_GRAVITON_RESERVED_MIB = 64
_MIB = 1024 * 1024


@dataclass(frozen=True)
class PoolInput:
    """What of a pool decides the types it may launch, as plain data."""

    name: str
    # The NodePool's requirements as rendered, each with the key below the pool that wrote it.
    requirements: Sequence[tuple[str, Mapping[str, Any]]]
    # The rendered limits in base units (cores, bytes, counts) by resource, and as written.
    limits: Mapping[str, float] = field(default_factory=dict)
    limits_text: Mapping[str, str] = field(default_factory=dict)
    node_class: str = "default"
    # The zones of the node class's subnets; None when not known before deployment.
    class_zones: tuple[str, ...] | None = None
    # The class's network interfaces as (network card index, interface type), in config order.
    network_interfaces: Sequence[tuple[int, str]] = ()
    selects_reservations: bool = False
    # GPU time-slicing: how many nvidia.com/gpu Karpenter counts per GPU.
    gpu_multiplier: int = 1
    weight: int | None = None
    # A static pool keeps its replicas; it takes no part in choosing a pool for a pod.
    static: bool = False
    max_hourly_cost: float | None = None


@dataclass(frozen=True)
class PoolCandidates:
    name: str
    # The types it may launch, smallest first.
    types: tuple[InstanceType, ...]
    # (the key below karpenter:, why) when it can launch nothing.
    refusal: tuple[str, str] | None = None
    # Instance types and families it names that the catalog does not know (it is then not refused).
    unknown: tuple[str, ...] = ()


def resource_amount(t: InstanceType, resource: str, gpu_multiplier: int = 1) -> float | None:
    """How much of a resource one node of the type brings to the pool's limits (Karpenter's capacity);
    None for a resource the catalog cannot tell."""
    if resource == "cpu":
        return float(t.vcpus)
    if resource == "memory":
        mib = t.memory_mib - (_GRAVITON_RESERVED_MIB if t.architecture == "arm64" else 0)
        return float((mib - math.ceil(mib * VM_MEMORY_OVERHEAD)) * _MIB)
    if resource == "nodes":
        return 1.0
    makers = {"nvidia.com/gpu": "nvidia", "amd.com/gpu": "amd", "habana.ai/gaudi": "habana"}
    if resource in makers:
        count = t.gpu_count if t.gpu_manufacturer == makers[resource] else 0
        return float(count * (gpu_multiplier if resource == "nvidia.com/gpu" else 1))
    if resource == "aws.amazon.com/neuron":
        return float(t.accelerator_count if t.accelerator_manufacturer == "aws" else 0)
    return None


def show_amount(resource: str, amount: float) -> str:
    if resource == "memory":
        return f"{amount / 1024**3:g}Gi"
    return f"{amount:g}"


def smallest_first(types: list[InstanceType]) -> tuple[InstanceType, ...]:
    return tuple(sorted(types, key=lambda t: (t.vcpus, t.memory_mib, t.gpu_count, t.name)))


def unknown_names(pool: PoolInput, catalog: RegionCatalog) -> tuple[str, ...]:
    """The instance types and families a pool names that the catalog does not know."""
    families = {t.family for t in catalog.types.values()}
    unknown: list[str] = []
    for _, rendered in pool.requirements:
        if rendered["operator"] != "In":
            continue
        if rendered["key"] == INSTANCE_TYPE:
            unknown += [v for v in rendered["values"] if v not in catalog.types]
        elif rendered["key"] == INSTANCE_FAMILY:
            unknown += [v for v in rendered["values"] if v not in families]
    return tuple(dict.fromkeys(unknown))


def pool_candidates(pool: PoolInput, catalog: RegionCatalog, labels: LabelsOf) -> PoolCandidates:
    """The types the pool may launch, each step in Karpenter's order; a refusal when none is left."""
    unknown = unknown_names(pool, catalog)
    where = f"nodePools.{pool.name}"
    types, refusal = _steps(pool, catalog, labels)
    if refusal and not unknown:
        key, why = refusal
        return PoolCandidates(pool.name, (), (f"{where}.{key}", why))
    return PoolCandidates(pool.name, smallest_first(types), None, unknown)


def _steps(
    pool: PoolInput, catalog: RegionCatalog, labels: LabelsOf
) -> tuple[list[InstanceType], tuple[str, str] | None]:
    label_sets = {t.name: labels(t) for t in catalog.types.values()}
    types = list(catalog.types.values())
    combined: dict[str, LabelRequirement] = {}
    zones = LabelRequirement(True, frozenset())
    narrowed_by = "requirements"
    for key_in_pool, rendered in pool.requirements:
        key, wanted = rendered["key"], from_rendered(rendered)
        if key == ZONE:
            zones = zones.intersection(wanted)
        if key in _OFFERING_KEYS:
            continue
        combined[key] = combined[key].intersection(wanted) if key in combined else wanted
        left = [t for t in types if compatible(type_requirement(key, label_sets[t.name]), combined[key])]
        if not left:
            return [], (key_in_pool, _requirement_emptied(rendered, types, label_sets))
        if len(left) < len(types):
            narrowed_by = key_in_pool
        types = left

    offered = {name for names in catalog.zones.values() for name in names}
    in_region = [t for t in types if t.name in offered]
    if not in_region:
        return [], (narrowed_by, _not_in_region(types, catalog.region))
    pool_zones = [z for z in sorted(catalog.zones) if zones.has(z)]
    usable = [z for z in pool_zones if pool.class_zones is None or z in pool.class_zones]
    if not usable:
        return [], ("zones", _no_class_zone(pool, pool_zones))
    in_zones = [t for t in in_region if any(t.name in catalog.zones[z] for z in usable)]
    if not in_zones:
        return [], ("zones", _not_in_zones(in_region, usable, catalog))
    types = in_zones

    for resource, limit in pool.limits.items():
        fits = [t for t in types if (resource_amount(t, resource, pool.gpu_multiplier) or 0.0) <= limit]
        if not fits:
            return [], (f"limits.{resource}", _over_limit(pool, resource, types))
        types = fits

    problem = _node_class_problem(pool, types)
    if problem:
        return [], problem
    return types, _min_values_problem(pool, types, label_sets)


def _values_summary(key: str, types: list[InstanceType], label_sets: Mapping[str, Mapping[str, str]]) -> str:
    values = {label_sets[t.name][key] for t in types if key in label_sets[t.name]}
    if not values:
        return f"no {key} label"
    if all(v.isdigit() for v in values):
        low, high = min(values, key=int), max(values, key=int)
        return f"{key} {low}" if low == high else f"{key} from {low} to {high}"
    shown = sorted(values)
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return f"{key} {', '.join(shown[:5])}{more}"


def _requirement_emptied(
    rendered: Mapping[str, Any], before: list[InstanceType], label_sets: Mapping[str, Mapping[str, str]]
) -> str:
    key = rendered["key"]
    values = rendered.get("values")
    wanted = f"{key} {rendered['operator']}" + (f" [{', '.join(values)}]" if values else "")
    return (
        f"no instance type meets {wanted} beside the requirements before it: the {len(before)} types those allow "
        f"have {_values_summary(key, before, label_sets)}; relax this requirement or an earlier one"
    )


def _names(types: Sequence[InstanceType], most: int = 4) -> str:
    ordered = smallest_first(list(types))
    if len(ordered) <= most:
        return ", ".join(t.name for t in ordered)
    return f"{ordered[0].name} … {ordered[-1].name}"


def _not_in_region(types: list[InstanceType], region: str) -> str:
    return (
        f"{region} offers none of the {len(types)} instance types the pool's requirements allow ({_names(types)}); "
        f"choose types the region offers, or run the pool in a region that offers these"
    )


def _no_class_zone(pool: PoolInput, pool_zones: list[str]) -> str:
    reservations = " (its capacity reservations are used only there)" if pool.selects_reservations else ""
    zones = ", ".join(pool_zones) or "no zone"
    class_zones = ", ".join(pool.class_zones or ())
    return (
        f"{zones} {'is' if len(pool_zones) == 1 else 'are'} not among the zones of node class "
        f"'{pool.node_class}''s subnets ({class_zones}){reservations}, so the pool could launch in no zone; "
        f"use zones of the class's subnets, or give the class a subnet in {zones}"
    )


def _not_in_zones(types: list[InstanceType], usable: list[str], catalog: RegionCatalog) -> str:
    elsewhere = sorted(z for z, names in catalog.zones.items() if any(t.name in names for t in types))
    return (
        f"none of the {len(types)} instance types left ({_names(types)}) is offered in {', '.join(usable)}; "
        f"{catalog.region} offers them in {', '.join(elsewhere)}: use one of those zones, or types offered "
        f"in {', '.join(usable)}"
    )


def _over_limit(pool: PoolInput, resource: str, types: list[InstanceType]) -> str:
    smallest = min(types, key=lambda t: (resource_amount(t, resource, pool.gpu_multiplier) or 0.0, t.name))
    need = resource_amount(smallest, resource, pool.gpu_multiplier) or 0.0
    text = pool.limits_text.get(resource, show_amount(resource, pool.limits[resource]))
    return (
        f"{text} is less than one node of any instance type the pool may launch ({_names(types)}): the smallest, "
        f"{smallest.name}, has {show_amount(resource, need)}; raise it to at least {show_amount(resource, need)}, "
        "or allow smaller types"
    )


def _node_class_problem(pool: PoolInput, types: list[InstanceType]) -> tuple[str, str] | None:
    where = f"nodeClasses.{pool.node_class}.networkInterfaces"
    for index, (card, _) in enumerate(pool.network_interfaces):
        if not any(t.network_cards > card for t in types):
            most = max(t.network_cards for t in types)
            return (
                f"{where}[{index}]",
                f"an interface on network card {card} needs an instance type with at least {card + 1} network "
                f"cards, and the types pool '{pool.name}' may launch ({_names(types)}) have at most {most}; remove "
                "the interface, or give the pool a node class without it",
            )
    efa = [index for index, (_, kind) in enumerate(pool.network_interfaces) if kind == "efa-only"]
    if efa and not any(t.efa_supported and t.efa_max_interfaces >= len(efa) for t in types):
        most = max((t.efa_max_interfaces for t in types if t.efa_supported), default=0)
        return (
            f"{where}[{efa[-1]}]",
            f"{len(efa)} efa-only interfaces need an instance type with as many EFA interfaces, and the types pool "
            f"'{pool.name}' may launch ({_names(types)}) have at most {most}; remove efa-only interfaces, or give "
            "the pool types with EFA such as p5",
        )
    return None


def _min_values_problem(
    pool: PoolInput, types: list[InstanceType], label_sets: Mapping[str, Mapping[str, str]]
) -> tuple[str, str] | None:
    # Karpenter counts the distinct values of each key with minValues among the types left.
    for key_in_pool, rendered in pool.requirements:
        wanted = rendered.get("minValues")
        key = rendered["key"]
        if not wanted or key in _OFFERING_KEYS:
            continue
        distinct = {label_sets[t.name][key] for t in types if key in label_sets[t.name]}
        if len(distinct) < wanted:
            return (
                f"{key_in_pool}.minValues",
                f"{wanted} distinct values of {key} are needed, and the {len(types)} instance types the pool may "
                f"launch have {len(distinct)}; lower minValues, or allow more types",
            )
    return None
