"""The plan for the node pools: which instance types each may launch in the stack's region and what
its limits let it cost, from the instance-type catalog the package ships. A pool that can launch
nothing, or whose limits may cost more than its maxHourlyCost, is refused before anything registers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from karpenter.catalog.instance_types import RegionCatalog
from karpenter.catalog.pool_candidates import PoolCandidates, PoolInput, TypeIndex, pool_candidates
from karpenter.catalog.pool_cost import CostCeiling, budget_problem, cost_ceiling, generation_warning, overlap_warnings
from karpenter.config.errors import ConfigError
from karpenter.config.node_class_choice import node_class, pool_node_class
from karpenter.config.node_pool import NodePool
from karpenter.config.requirements import generated_requirement_fields
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import quantity_value
from karpenter.kubernetes.pool_values import node_pool_values


@dataclass(frozen=True)
class PoolReport:
    """What one pool may launch and what it may cost."""

    candidates: PoolCandidates
    ceiling: CostCeiling

    def summary(self) -> str:
        """One line: `gpu: 12 types, g5.xlarge … p5.48xlarge, at most $123.45/h on demand`."""
        types = self.candidates.types
        if not types:
            return f"{self.candidates.name}: not checked (the catalog predates its instance types)"
        span = types[0].name if len(types) == 1 else f"{types[0].name} … {types[-1].name}"
        cost = self.ceiling.usd_per_hour
        most = "no limit bounds its cost" if cost is None else f"at most ${cost:,.2f}/h on demand"
        return f"{self.candidates.name}: {len(types)} type{'s' * (len(types) != 1)}, {span}, {most}"

    def as_data(self, catalog: RegionCatalog) -> dict[str, Any]:
        """The pool's entry of pools.json."""
        types = self.candidates.types
        return {
            "instanceTypes": sorted(t.name for t in types),
            "smallestInstanceType": types[0].name if types else None,
            "largestInstanceType": types[-1].name if types else None,
            "maxHourlyCostUSD": None if self.ceiling.usd_per_hour is None else round(self.ceiling.usd_per_hour, 4),
            "bindingLimit": self.ceiling.limit,
            "overshootInstanceType": self.ceiling.overshoot_type,
            "uncheckedNames": list(self.candidates.unknown),
            "priceSource": catalog.price_source,
            "priceDate": catalog.price_date,
        }


@dataclass(frozen=True)
class PoolsPlan:
    catalog: RegionCatalog | None
    pools: Mapping[str, PoolReport] = field(default_factory=dict)
    # One `WARNING: <key>: ...` line each.
    warnings: tuple[str, ...] = ()

    def as_data(self) -> dict[str, Any]:
        """pools.json: each pool's types and cost ceiling, by pool name."""
        if self.catalog is None:
            return {}
        return {name: report.as_data(self.catalog) for name, report in self.pools.items()}

    def summary_lines(self) -> list[str]:
        return [report.summary() for report in self.pools.values()]


def plan_pools(config: StackConfig, region: str, zones: tuple[str, ...], subnet_zones: Mapping[str, str]) -> PoolsPlan:
    """Check every pool against the catalog of `region`; `zones` are the node subnets' zones and
    `subnet_zones` their zone by subnet id. Raises ConfigError naming the key of a pool that can launch
    nothing or may cost more than its maxHourlyCost. A region the catalog lacks is a warning."""
    if not config.node_pools:
        return PoolsPlan(None)
    # Loaded here, once per process and for this region only: a stack without pools never reads it.
    from karpenter.catalog.snapshot import UnknownRegionError, load_region

    try:
        catalog = load_region(region)
    except UnknownRegionError:
        return PoolsPlan(
            None,
            warnings=(
                f"WARNING: aws:region: {region} is not in the instance-type catalog, so no "
                "node pool is checked against the instance types it may launch",
            ),
        )
    return plan_in_catalog(config, catalog, zones, subnet_zones)


def plan_in_catalog(
    config: StackConfig, catalog: RegionCatalog, zones: tuple[str, ...], subnet_zones: Mapping[str, str]
) -> PoolsPlan:
    """`plan_pools` against a catalog given: doctor's, of the zones' offerings the account reads."""
    # A retired pool launches nothing by design: there is nothing to check or cost.
    inputs = [
        pool_input(name, pool, config, zones, subnet_zones)
        for name, pool in config.node_pools.items()
        if not pool.retired
    ]
    reports: dict[str, PoolReport] = {}
    warnings: list[str] = [
        f"WARNING: karpenter:nodePools.{name}: retired, it launches nothing and its nodes drift to other pools; "
        f"remove it once `kubectl get nodes -l karpenter.sh/nodepool={name}` lists no node"
        for name, pool in config.node_pools.items()
        if pool.retired
    ]
    for pool in inputs:
        found, ceiling = _evaluated(pool, catalog)
        if found.refusal:
            key, why = found.refusal
            raise ConfigError(f"karpenter:{key}: {why}")
        problem = budget_problem(pool, ceiling)
        if problem:
            key, why = problem
            raise ConfigError(f"karpenter:{key}: {why}")
        reports[pool.name] = PoolReport(found, ceiling)
        if found.unknown:
            warnings.append(
                f"WARNING: karpenter:nodePools.{pool.name}: the instance-type catalog ({catalog.date}) predates "
                f"{', '.join(found.unknown)}, so the pool is checked only against the types it knows"
            )
        old = generation_warning(pool, found)
        if old:
            warnings.append(old)
    warnings += overlap_warnings(inputs, {name: report.candidates for name, report in reports.items()})
    return PoolsPlan(catalog, reports, tuple(warnings))


def pool_lines(
    config: StackConfig, catalog: RegionCatalog, zones: tuple[str, ...], subnet_zones: Mapping[str, str]
) -> list[str]:
    """What each pool may launch from `catalog`, a line each; raises ConfigError as synth does."""
    return plan_in_catalog(config, catalog, zones, subnet_zones).summary_lines()


# Pools alike but for their name, weight and budget launch the same types at the same cost; synth
# evaluates each pool twice (in the program and for its report), and stacks often repeat a pool.
_EVALUATED: dict[str, tuple[PoolCandidates, CostCeiling]] = {}
# The catalogs pools were evaluated against, by id, kept so that an id stays theirs: offline synth
# stands a facts file's offerings and prices in for the snapshot's, another catalog of the same region.
_CATALOGS: dict[int, RegionCatalog] = {}


def _evaluated(pool: PoolInput, catalog: RegionCatalog) -> tuple[PoolCandidates, CostCeiling]:
    alike = dataclasses.replace(pool, name="", weight=None, static=False, max_hourly_cost=None)
    _CATALOGS.setdefault(id(catalog), catalog)
    key = json.dumps([catalog.region, id(catalog), dataclasses.asdict(alike)], sort_keys=True, default=list)
    known = _EVALUATED.get(key)
    if known is not None:
        found, ceiling = known
        return dataclasses.replace(found, name=pool.name), ceiling
    found = pool_candidates(pool, catalog, _type_index())
    ceiling = cost_ceiling(pool, found.types, catalog.prices)
    if found.refusal is None:
        _EVALUATED[key] = (found, ceiling)
    return found, ceiling


@cache
def _type_index() -> TypeIndex:
    from karpenter.catalog.labels import node_labels
    from karpenter.catalog.snapshot import instance_types

    return TypeIndex(instance_types(), node_labels)


def pool_input(
    name: str, pool: NodePool, config: StackConfig, zones: tuple[str, ...], subnet_zones: Mapping[str, str]
) -> PoolInput:
    """A pool as the catalog's checks read it: its rendered requirements, limits and node class."""
    rendered = node_pool_values(name, pool, list(zones))
    requirements = rendered["requirements"]
    fields = generated_requirement_fields(gpu=pool.gpu, families=bool(pool.instance_families))
    own = len(requirements) - len(pool.requirements)
    where = [
        f"requirements[{index - own}]" if index >= own else _field_key(fields.get(r["key"], "requirements"))
        for index, r in enumerate(requirements)
    ]
    class_name = pool_node_class(pool)
    chosen = node_class(config.node_classes, class_name)
    class_zones = None
    terms = chosen.subnet_selector_terms or []
    if terms and all(term.id in subnet_zones for term in terms):
        class_zones = tuple(sorted({subnet_zones[term.id] for term in terms if term.id}))
    limits: dict[str, str] = rendered["limits"]
    return PoolInput(
        name=name,
        requirements=list(zip(where, requirements, strict=True)),
        limits={resource: float(quantity_value(text)) for resource, text in limits.items()},
        limits_text=dict(limits),
        node_class=class_name,
        class_zones=class_zones,
        network_interfaces=[(i.network_card_index, i.interface_type) for i in chosen.network_interfaces or []],
        selects_reservations=chosen.selects_reservations,
        gpu_multiplier=pool.gpu_sharing.time_slicing.replicas if pool.gpu_sharing else 1,
        weight=pool.weight,
        static=pool.replicas is not None,
        max_hourly_cost=pool.max_hourly_cost,
    )


def _field_key(field_text: str) -> str:
    # "gpu (NVIDIA only)" names the field `gpu`; the stack's own Linux requirement belongs to none.
    return field_text.split(" ", 1)[0] if not field_text.startswith("the stack") else "requirements"
