"""The instance-type catalog offline synth checks node pools against: the offerings and prices a facts
file carries (`python -m karpenter facts` reads them from the account), else the shipped snapshot's.
What each type is (processors, memory, GPUs) always comes from the snapshot."""

from __future__ import annotations

from karpenter.catalog.instance_types import RegionCatalog
from karpenter.catalog.snapshot import UnknownRegionError, instance_types, load_region, snapshot_sources
from karpenter.offline.facts import OfflineFacts

OFFERINGS_SOURCE = "the facts file's offerings (EC2 DescribeInstanceTypeOfferings)"


def region_catalog(facts: OfflineFacts) -> RegionCatalog:
    """The region's catalog with the facts' offerings and prices where they carry them. A type the
    snapshot does not describe is left out; raises UnknownRegionError for a region the snapshot lacks
    when the facts carry no offerings."""
    if facts.instance_type_offerings is None and facts.on_demand_prices is None:
        return load_region(facts.region)
    try:
        shipped: RegionCatalog | None = load_region(facts.region)
    except UnknownRegionError:
        if facts.instance_type_offerings is None:
            raise
        shipped = None
    described = {t.name: t for t in instance_types()}
    if facts.instance_type_offerings is not None:
        zones = {
            zone: frozenset(name for name in names if name in described)
            for zone, names in sorted(facts.instance_type_offerings.items())
        }
        source, date = OFFERINGS_SOURCE, snapshot_sources()["date"]
    else:
        assert shipped is not None
        zones, source, date = dict(shipped.zones), shipped.source, shipped.date
    offered = frozenset[str]().union(*zones.values())
    prices: dict[str, float] = {}
    price_source, price_date = "", ""
    if facts.on_demand_prices is not None:
        prices = dict(facts.on_demand_prices)
        price_source, price_date = facts.price_source or "the facts file", facts.price_date or ""
    elif shipped is not None:
        prices, price_source, price_date = dict(shipped.prices), shipped.price_source, shipped.price_date
    return RegionCatalog(
        region=facts.region,
        types={name: described[name] for name in sorted(offered)},
        zones=zones,
        prices={name: price for name, price in sorted(prices.items()) if name in offered},
        source=source,
        date=date,
        price_source=price_source,
        price_date=price_date,
    )


def facts_catalog(facts: OfflineFacts) -> RegionCatalog | None:
    """What offline synth stands in for the snapshot's catalog: None where the facts carry no offerings
    or prices, or carry only prices for a region the snapshot lacks."""
    if facts.instance_type_offerings is None and facts.on_demand_prices is None:
        return None
    try:
        return region_catalog(facts)
    except UnknownRegionError:
        return None
