"""What a node pool's limits let it cost per hour at on-demand prices, the check of that against its
maxHourlyCost, and the warnings about the types pools may launch (overlapping pools of one weight,
only previous-generation types). Plain data; imports the catalog only."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from karpenter.catalog.instance_types import InstanceType
from karpenter.catalog.pool_candidates import PoolCandidates, PoolInput
from karpenter.catalog.type_capacity import resource_amount, show_amount


@dataclass(frozen=True)
class CostCeiling:
    """The most a pool may cost per hour: its tightest limit filled with the type that is dearest per
    unit of it, plus one node of its dearest type, the most a launch may run past a limit."""

    # None: no limit bounds it (its types have none of the resources its limits name), or no prices.
    usd_per_hour: float | None
    # The limit that gives the ceiling, and the dearest price per unit of it (per core, byte, GPU).
    limit: str | None = None
    usd_per_unit: float = 0.0
    # The dearest type's price: one node past the limits.
    overshoot_usd: float = 0.0
    overshoot_type: str | None = None


def cost_ceiling(pool: PoolInput, types: Sequence[InstanceType], prices: Mapping[str, float]) -> CostCeiling:
    priced = [t for t in types if t.name in prices]
    if not priced:
        return CostCeiling(None)
    dearest = max(priced, key=lambda t: (prices[t.name], t.name))
    best: tuple[float, str, float] | None = None
    for resource, limit in pool.limits.items():
        per_unit = 0.0
        for t in priced:
            amount = resource_amount(t, resource, pool.gpu_multiplier)
            if not amount:
                # A type without the resource can fill the pool without touching this limit.
                per_unit = math.inf
                break
            per_unit = max(per_unit, prices[t.name] / amount)
        if math.isinf(per_unit):
            continue
        if best is None or limit * per_unit < best[0]:
            best = (limit * per_unit, resource, per_unit)
    if best is None:
        return CostCeiling(None, overshoot_usd=prices[dearest.name], overshoot_type=dearest.name)
    cost, resource, per_unit = best
    return CostCeiling(cost + prices[dearest.name], resource, per_unit, prices[dearest.name], dearest.name)


def budget_problem(pool: PoolInput, ceiling: CostCeiling) -> tuple[str, str] | None:
    """Limits that let the pool cost more than its maxHourlyCost: (the key below karpenter:, why)."""
    budget = pool.max_hourly_cost
    where = f"nodePools.{pool.name}"
    if budget is None or ceiling.overshoot_type is None:
        return None
    if ceiling.overshoot_usd >= budget:
        return (
            f"{where}.maxHourlyCost",
            f"${budget:g}/h is less than one {ceiling.overshoot_type} (${ceiling.overshoot_usd:.2f}/h on demand), "
            "and a launch may run one node past the limits; raise it, or keep the pool off its dearest types",
        )
    if ceiling.usd_per_hour is None:
        names = ", ".join(pool.limits) or "none"
        return (
            f"{where}.limits",
            f"no limit bounds what the pool may cost (its instance types have none of {names}), so maxHourlyCost "
            f"${budget:g}/h cannot hold; add a cpu limit",
        )
    if ceiling.usd_per_hour <= budget or ceiling.limit is None:
        return None
    resource = ceiling.limit
    room = (budget - ceiling.overshoot_usd) / ceiling.usd_per_unit
    lowered = math.floor(room / 1024**3) * 1024**3 if resource == "memory" else math.floor(room)
    text = pool.limits_text.get(resource, show_amount(resource, pool.limits[resource]))
    return (
        f"{where}.limits.{resource}",
        f"{text} lets the pool cost up to ${ceiling.usd_per_hour:.2f}/h on demand, more than maxHourlyCost "
        f"${budget:g}/h; lower it to {show_amount(resource, lowered)} or less, or raise maxHourlyCost",
    )


def overlap_warnings(pools: Sequence[PoolInput], candidates: Mapping[str, PoolCandidates]) -> list[str]:
    """Pools of one weight that may launch the same types: for a pod both accept, Karpenter picks either.
    One line per pool that shares types with pools of its weight listed before it."""
    lines = []
    dynamic = [p for p in pools if not p.static and candidates[p.name].types]
    names = {p.name: frozenset(t.name for t in candidates[p.name].types) for p in dynamic}
    for index, pool in enumerate(dynamic):
        earlier = [
            other.name
            for other in dynamic[:index]
            if other.weight == pool.weight and not names[other.name].isdisjoint(names[pool.name])
        ]
        if not earlier:
            continue
        shared = [t for t in candidates[pool.name].types if t.name in names[earlier[0]]]
        weight = "no weight" if pool.weight is None else f"weight {pool.weight}"
        others = ", ".join(earlier) if len(earlier) <= 3 else f"{', '.join(earlier[:3])} and {len(earlier) - 3} more"
        lines.append(
            f"WARNING: karpenter:nodePools.{pool.name}.weight: {pool.name} and {others} have {weight} and may "
            f"launch the same instance types (such as {shared[0].name}), so Karpenter picks either for a pod both "
            "accept; give the one to prefer a higher weight"
        )
    return lines


def generation_warning(pool: PoolInput, found: PoolCandidates) -> str | None:
    if not found.types or any(t.current_generation for t in found.types):
        return None
    return (
        f"WARNING: karpenter:nodePools.{pool.name}: every instance type it may launch is previous generation "
        f"({', '.join(sorted({t.family for t in found.types}))}), which AWS offers less of and prices higher; "
        "allow current-generation families"
    )
