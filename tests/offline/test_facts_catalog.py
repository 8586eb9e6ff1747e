"""The instance-type catalog offline synth checks node pools against: a facts file's offerings and
prices where it carries them, the snapshot's otherwise, and in place of the snapshot's while synth
runs the program."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.catalog.snapshot import UnknownRegionError, instance_types, load_region, standing_in
from karpenter.offline import program
from karpenter.offline.facts_catalog import facts_catalog, region_catalog
from tests.conftest import facts_with, settings_for

SNAPSHOT = load_region("eu-west-1")
DESCRIBED = {t.name: t for t in instance_types()}
OFFERINGS = {"eu-west-1a": ["m5.large", "m5.xlarge", "zz9.huge"], "eu-west-1b": ["m5.large"]}
PRICES = {"m5.large": 0.107, "m5.xlarge": 0.214, "p5.48xlarge": 98.32}


def test_facts_without_offerings_or_prices_give_the_snapshots_catalog() -> None:
    assert region_catalog(facts_with()) is SNAPSHOT
    assert facts_catalog(facts_with()) is None


def test_the_facts_offerings_and_prices_replace_the_snapshots_and_types_are_the_snapshots() -> None:
    facts = facts_with(
        instance_type_offerings=OFFERINGS, on_demand_prices=PRICES, price_source="Price List", price_date="2026-12-07"
    )
    catalog = region_catalog(facts)
    # A type the snapshot does not describe is left out: nothing says what it is.
    assert catalog.zones == {"eu-west-1a": {"m5.large", "m5.xlarge"}, "eu-west-1b": {"m5.large"}}
    assert catalog.types == {"m5.large": DESCRIBED["m5.large"], "m5.xlarge": DESCRIBED["m5.xlarge"]}
    # Prices of types the region does not offer are left out too.
    assert catalog.prices == {"m5.large": 0.107, "m5.xlarge": 0.214}
    assert (catalog.source, catalog.date) == (
        "the facts file's offerings (EC2 DescribeInstanceTypeOfferings)",
        SNAPSHOT.date,
    )
    assert (catalog.price_source, catalog.price_date) == ("Price List", "2026-12-07")
    assert facts_catalog(facts) == catalog


def test_prices_alone_keep_the_snapshots_offerings() -> None:
    catalog = region_catalog(facts_with(on_demand_prices=PRICES))
    assert catalog.zones == SNAPSHOT.zones
    assert catalog.prices == {name: price for name, price in PRICES.items() if name in SNAPSHOT.types}
    assert catalog.price_source == "the facts file"


def test_offerings_alone_keep_the_snapshots_prices_of_the_types_they_offer() -> None:
    catalog = region_catalog(facts_with(instance_type_offerings=OFFERINGS))
    assert catalog.prices == {name: SNAPSHOT.prices[name] for name in ("m5.large", "m5.xlarge")}
    assert (catalog.price_source, catalog.price_date) == (SNAPSHOT.price_source, SNAPSHOT.price_date)


def test_a_region_the_snapshot_lacks_needs_the_facts_offerings() -> None:
    offered = facts_with(region="eu-west-9", instance_type_offerings={"eu-west-9a": ["m5.large"]})
    assert region_catalog(offered).zones == {"eu-west-9a": {"m5.large"}}
    assert region_catalog(offered).prices == {}
    priced_only = facts_with(region="eu-west-9", on_demand_prices=PRICES)
    with pytest.raises(UnknownRegionError, match=r"^region 'eu-west-9' is not in the instance-type catalog"):
        region_catalog(priced_only)
    assert facts_catalog(priced_only) is None


def test_a_stand_in_catalog_is_the_regions_only_within_its_block() -> None:
    stand_in = region_catalog(facts_with(instance_type_offerings=OFFERINGS))
    with standing_in(stand_in):
        assert load_region("eu-west-1") is stand_in
        assert load_region("us-east-1") is load_region("us-east-1") is not stand_in
        with pytest.raises(RuntimeError), standing_in(None):
            assert load_region("eu-west-1") is SNAPSHOT
            raise RuntimeError
        assert load_region("eu-west-1") is stand_in
    assert load_region("eu-west-1") is SNAPSHOT


def test_synth_runs_the_program_with_the_facts_catalog_in_place_of_the_snapshots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Any] = []
    real = program.run_mocked

    def run_mocked(*args: Any, **kwargs: Any) -> program.SynthResult:
        seen.append(load_region("eu-west-1"))
        return real(*args, **kwargs)

    monkeypatch.setattr(program, "run_mocked", run_mocked)
    facts = facts_with(instance_type_offerings=OFFERINGS, on_demand_prices=PRICES)
    program.run_program("test", settings_for({"clusterName": "dev"}), facts)
    program.run_program("test", settings_for({"clusterName": "dev"}), facts_with())
    assert seen == [region_catalog(facts), SNAPSHOT]
    assert load_region("eu-west-1") is SNAPSHOT


def test_pools_are_checked_against_the_facts_offerings_and_prices_and_against_the_snapshot_without_them() -> None:
    settings = settings_for({"clusterName": "dev", "nodePools": {"cpu": {"limits": {"cpu": "8"}}}})
    zones = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
    facts = facts_with(
        instance_type_offerings={zone: ["m5.large", "m5.xlarge"] for zone in zones},
        on_demand_prices={"m5.large": 1.0, "m5.xlarge": 2.0},
        price_source="Price List",
        price_date="2026-12-07",
    )
    before = program.run_program("test", settings, facts_with()).pools.as_data()["cpu"]
    offered = program.run_program("test", settings, facts).pools.as_data()["cpu"]
    after = program.run_program("test", settings, facts_with()).pools.as_data()["cpu"]
    assert before == after
    assert len(before["instanceTypes"]) > 2
    assert (offered["instanceTypes"], offered["priceSource"], offered["priceDate"]) == (
        ["m5.large", "m5.xlarge"],
        "Price List",
        "2026-12-07",
    )
    # At the facts' $0.50 per vCPU-hour: 8 vCPUs and one node more of the largest type (4 vCPUs).
    assert offered["maxHourlyCostUSD"] == 6.0
