"""Which instance types of a region a node pool may launch: its rendered NodePool requirements against
each type's labels, as Karpenter evaluates them, then the region's and the pool's zones, its limits
and what its node class asks of a type. A pool that can launch nothing gets (the key, why) naming the
step that removed the last types. Plain data; imports the catalog only."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from karpenter.catalog.instance_types import InstanceType, RegionCatalog
from karpenter.catalog.label_requirements import LabelRequirement, compatible, from_rendered, type_requirement
from karpenter.catalog.pool_refusals import (
    no_class_zone,
    not_in_region,
    not_in_zones,
    not_sold,
    over_limit,
    requirement_emptied,
    type_names,
)
from karpenter.catalog.type_capacity import resource_amount, smallest_first

LabelsOf = Callable[[InstanceType], Mapping[str, str]]

ZONE = "topology.kubernetes.io/zone"
CAPACITY_TYPE = "karpenter.sh/capacity-type"
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
        CAPACITY_TYPE,
        "karpenter.k8s.aws/capacity-reservation-id",
        "karpenter.k8s.aws/capacity-reservation-type",
        "karpenter.k8s.aws/capacity-reservation-interruptible",
    }
)


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


class TypeIndex:
    """Every type the catalog knows, in any region, with its labels, and which of them meet each
    requirement already asked (pools often ask the same)."""

    def __init__(self, types: Sequence[InstanceType], labels: LabelsOf) -> None:
        self.types = {t.name: t for t in types}
        self.labels = {t.name: labels(t) for t in types}
        self.families = frozenset(t.family for t in types)
        self._meeting: dict[tuple[str, LabelRequirement], frozenset[str]] = {}
        self._by_value: dict[str, dict[str | None, list[str]]] = {}

    def meeting(self, key: str, wanted: LabelRequirement) -> frozenset[str]:
        """The names of the types whose labels meet `wanted` on `key`."""
        found = self._meeting.get((key, wanted))
        if found is None:
            # What a type offers on a key depends on its value there alone: each value is judged once,
            # not once for each of the thousand types that share a handful of values.
            found = frozenset(
                name
                for value, names in self._names_by_value(key).items()
                if compatible(type_requirement(key, {} if value is None else {key: value}), wanted)
                for name in names
            )
            self._meeting[(key, wanted)] = found
        return found

    def _names_by_value(self, key: str) -> dict[str | None, list[str]]:
        """The types' names by their label's value on `key` (None: no such label)."""
        grouped = self._by_value.get(key)
        if grouped is None:
            grouped = {}
            for name, labels in self.labels.items():
                grouped.setdefault(labels.get(key), []).append(name)
            self._by_value[key] = grouped
        return grouped


def unknown_names(pool: PoolInput, index: TypeIndex) -> tuple[str, ...]:
    """The instance types and families a pool names that the catalog does not know."""
    unknown: list[str] = []
    for _, rendered in pool.requirements:
        if rendered["operator"] != "In":
            continue
        if rendered["key"] == INSTANCE_TYPE:
            unknown += [v for v in rendered["values"] if v not in index.types]
        elif rendered["key"] == INSTANCE_FAMILY:
            unknown += [v for v in rendered["values"] if v not in index.families]
    return tuple(dict.fromkeys(unknown))


def pool_candidates(pool: PoolInput, catalog: RegionCatalog, index: TypeIndex) -> PoolCandidates:
    """The types of `catalog`'s region the pool may launch, each step in Karpenter's order, and a
    refusal when none is left; `index` holds every type the catalog knows."""
    unknown = unknown_names(pool, index)
    where = f"nodePools.{pool.name}"
    types, refusal = _steps(pool, catalog, index)
    if refusal and not unknown:
        key, why = refusal
        # A node class's key stands on its own; the pool's keys are below it.
        return PoolCandidates(pool.name, (), (key if key.startswith("nodeClasses.") else f"{where}.{key}", why))
    return PoolCandidates(pool.name, smallest_first(types), None, unknown)


def _steps(
    pool: PoolInput, catalog: RegionCatalog, index: TypeIndex
) -> tuple[list[InstanceType], tuple[str, str] | None]:
    label_sets = index.labels
    names = frozenset(index.types)
    combined: dict[str, LabelRequirement] = {}
    zones = capacity_types = LabelRequirement(True, frozenset())
    narrowed_by = "requirements"
    for key_in_pool, rendered in pool.requirements:
        key, wanted = rendered["key"], from_rendered(rendered)
        if key == ZONE:
            zones = zones.intersection(wanted)
        if key == CAPACITY_TYPE:
            capacity_types = capacity_types.intersection(wanted)
        if key in _OFFERING_KEYS:
            continue
        combined[key] = combined[key].intersection(wanted) if key in combined else wanted
        left = names & index.meeting(key, combined[key])
        if not left:
            before = [index.types[name] for name in names]
            return [], (key_in_pool, requirement_emptied(rendered, before, label_sets))
        if len(left) < len(names):
            narrowed_by = key_in_pool
        names = left

    types = [index.types[name] for name in sorted(names)]
    # Karpenter offers a type on demand and as spot as EC2 sells it, and reserved from the class's reservations.
    reserved = ("reserved",) if pool.selects_reservations else ()
    in_region = [t for t in types if t.name in catalog.types]
    if not in_region:
        return [], (narrowed_by, not_in_region(types, catalog.region))
    sold = [t for t in in_region if any(capacity_types.has(c) for c in (*t.usage_classes, *reserved))]
    if not sold:
        return [], ("capacityTypes", not_sold(in_region))
    in_region = sold
    pool_zones = [z for z in sorted(catalog.zones) if zones.has(z)]
    usable = [z for z in pool_zones if pool.class_zones is None or z in pool.class_zones]
    if not usable:
        return [], ("zones", no_class_zone(pool, pool_zones))
    in_zones = [t for t in in_region if any(t.name in catalog.zones[z] for z in usable)]
    if not in_zones:
        return [], ("zones", not_in_zones(in_region, usable, catalog))
    types = in_zones

    for resource, limit in pool.limits.items():
        if pool.static and resource == "nodes":
            continue  # a static pool's node count, which may be 0 while it is scaled down
        fits = [t for t in types if (resource_amount(t, resource, pool.gpu_multiplier) or 0.0) <= limit]
        if not fits:
            return [], (f"limits.{resource}", over_limit(pool, resource, types))
        types = fits

    types, problem = _node_class_step(pool, types)
    if problem:
        return [], problem
    return types, _min_values_problem(pool, types, label_sets)


def _node_class_step(pool: PoolInput, types: list[InstanceType]) -> tuple[list[InstanceType], tuple[str, str] | None]:
    """The types that carry the class's network interfaces: each one's network card, and EFA devices enough."""
    where = f"nodeClasses.{pool.node_class}.networkInterfaces"
    for index, (card, _) in enumerate(pool.network_interfaces):
        carrying = [t for t in types if t.network_cards > card]
        if not carrying:
            most = max(t.network_cards for t in types)
            return [], (
                f"{where}[{index}]",
                f"an interface on network card {card} needs an instance type with at least {card + 1} network "
                f"cards, and the types pool '{pool.name}' may launch ({type_names(types)}) have at most {most}; remove "
                "the interface, or give the pool a node class without it",
            )
        types = carrying
    efa = [index for index, (_, kind) in enumerate(pool.network_interfaces) if kind == "efa-only"]
    carrying = [t for t in types if not efa or (t.efa_supported and t.efa_max_interfaces >= len(efa))]
    if not carrying:
        most = max((t.efa_max_interfaces for t in types if t.efa_supported), default=0)
        return [], (
            f"{where}[{efa[-1]}]",
            f"{len(efa)} efa-only interface{'s' * (len(efa) > 1)} need{'s' * (len(efa) == 1)} an instance type with "
            f"as many EFA interfaces, and the types pool "
            f"'{pool.name}' may launch ({type_names(types)}) have at most {most}; remove efa-only interfaces, or give "
            "the pool types with EFA such as p5",
        )
    return carrying, None


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
