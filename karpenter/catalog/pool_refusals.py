"""Why a node pool can launch nothing, step by step: the text of each refusal, with what to do. Plain
data; imports the catalog only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from karpenter.catalog.instance_types import InstanceType, RegionCatalog
from karpenter.catalog.type_capacity import resource_amount, show_amount, smallest_first

if TYPE_CHECKING:
    from karpenter.catalog.pool_candidates import PoolInput


def values_summary(key: str, types: list[InstanceType], label_sets: Mapping[str, Mapping[str, str]]) -> str:
    values = {label_sets[t.name][key] for t in types if key in label_sets[t.name]}
    if not values:
        return f"no {key} label"
    if all(v.isdigit() for v in values):
        low, high = min(values, key=int), max(values, key=int)
        return f"{key} {low}" if low == high else f"{key} from {low} to {high}"
    shown = sorted(values)
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return f"{key} {', '.join(shown[:5])}{more}"


def requirement_emptied(
    rendered: Mapping[str, Any], before: list[InstanceType], label_sets: Mapping[str, Mapping[str, str]]
) -> str:
    key = rendered["key"]
    values = rendered.get("values") or []
    shown = values[0] if len(values) == 1 and values[0].isdigit() else f"[{', '.join(values)}]"
    wanted = f"{key} {rendered['operator']}" + (f" {shown}" if values else "")
    return (
        f"no instance type meets {wanted} beside the requirements before it: the {len(before)} types those allow "
        f"have {values_summary(key, before, label_sets)}; relax this requirement or an earlier one"
    )


def type_names(types: Sequence[InstanceType], most: int = 4) -> str:
    ordered = smallest_first(list(types))
    if len(ordered) <= most:
        return ", ".join(t.name for t in ordered)
    return f"{ordered[0].name} … {ordered[-1].name}"


def not_in_region(types: list[InstanceType], region: str) -> str:
    return (
        f"{region} offers none of the {len(types)} instance types the pool's requirements allow ({type_names(types)}); "
        "choose types the region offers, or run the pool in a region that offers these"
    )


def not_sold(types: list[InstanceType]) -> str:
    ways = sorted({c for t in types for c in t.usage_classes})
    return (
        f"none of the {len(types)} instance types the pool's requirements allow ({type_names(types)}) is sold with "
        f"these capacity types (EC2 sells them {', '.join(ways)}); add one of those"
    )


def no_class_zone(pool: PoolInput, pool_zones: list[str]) -> str:
    reservations = (
        " (a capacity reservation of the class is used only in its own zone, through a subnet there)"
        if pool.selects_reservations
        else ""
    )
    zones = ", ".join(pool_zones) or "no zone"
    class_zones = ", ".join(pool.class_zones or ())
    return (
        f"{zones} {'is' if len(pool_zones) == 1 else 'are'} not among the zones of the subnets of node class "
        f"'{pool.node_class}' ({class_zones}), so the pool could launch in no zone{reservations}; use zones of "
        f"the class's subnets, or give the class a subnet in {zones}"
    )


def not_in_zones(types: list[InstanceType], usable: list[str], catalog: RegionCatalog) -> str:
    elsewhere = sorted(z for z, names in catalog.zones.items() if any(t.name in names for t in types))
    return (
        f"none of the {len(types)} instance types left ({type_names(types)}) is offered in {', '.join(usable)}; "
        f"{catalog.region} offers them in {', '.join(elsewhere)}: use one of those zones, or types offered "
        f"in {', '.join(usable)}"
    )


def over_limit(pool: PoolInput, resource: str, types: list[InstanceType]) -> str:
    smallest = min(smallest_first(types), key=lambda t: resource_amount(t, resource, pool.gpu_multiplier) or 0.0)
    need = resource_amount(smallest, resource, pool.gpu_multiplier) or 0.0
    text = pool.limits_text.get(resource, show_amount(resource, pool.limits[resource]))
    return (
        f"{text} is less than one node of any instance type the pool may launch ({type_names(types)}): the smallest, "
        f"{smallest.name}, has {show_amount(resource, need)}; raise it to at least {show_amount(resource, need)}, "
        "or allow smaller types"
    )
