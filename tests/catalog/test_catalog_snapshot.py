"""The shipped instance-type snapshot: it loads one region at a time, says when and where from it
was made, labels its prices, refuses a region it does not hold, and agrees with the EC2 data it
was generated from (moto's copy of AWS's DescribeInstanceTypes and offerings)."""

from __future__ import annotations

import dataclasses
import datetime
import gzip
import json
from pathlib import Path
from typing import Any

import moto
import pytest

from karpenter.catalog import snapshot
from karpenter.catalog.instance_types import InstanceType
from karpenter.catalog.snapshot import SHIPPED, Snapshot, UnknownRegionError, load_region, snapshot_sources
from karpenter.preflight.catalog_reader import instance_type_from_api

MOTO_DATA = Path(moto.__file__).parent / "ec2" / "resources"
SAMPLE = ("g6.8xlarge", "p5.48xlarge", "m7g.large", "c7i-flex.large", "inf2.xlarge", "u7i-12tb.224xlarge", "t3.micro")


def _moto(path: str) -> Any:
    return json.loads(gzip.decompress((MOTO_DATA / path).read_bytes()))


def test_the_snapshot_says_when_it_was_made_and_from_which_apis() -> None:
    sources = snapshot_sources()
    assert datetime.date.fromisoformat(sources["date"]) >= datetime.date(2026, 12, 7)
    assert "DescribeInstanceTypes" in sources["types"]
    assert "DescribeInstanceTypeOfferings" in sources["offerings"]
    catalog = load_region("eu-west-1")
    assert (catalog.date, catalog.source) == (sources["date"], sources["offerings"])


def test_prices_are_labelled_as_karpenters_us_east_1_table_applied_to_every_region() -> None:
    catalog = load_region("eu-west-1")
    assert "zz_generated.pricing_aws.go" in catalog.price_source
    assert "figures of us-east-1, applied to every region" in catalog.price_source
    assert catalog.price_date == "2026-07-20"
    # The figures of Karpenter's table for us-east-1 (m5.large: $0.096 an hour).
    assert catalog.prices["m5.large"] == 0.096
    assert set(catalog.prices) <= set(catalog.types)


def test_an_unknown_region_is_refused_by_name() -> None:
    with pytest.raises(UnknownRegionError, match="region 'eu-west-9' is not in the instance-type catalog") as raised:
        load_region("eu-west-9")
    assert raised.value.region == "eu-west-9"
    assert "eu-west-1" in str(raised.value) and "make catalog" in str(raised.value)


def test_a_region_is_loaded_once_and_reads_only_its_own_offerings(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    original = snapshot._read

    def recording(path: Any) -> Any:
        read.append(f"{path.parent.name}/{path.name}")
        return original(path)

    monkeypatch.setattr(snapshot, "_read", recording)
    fresh = Snapshot(SHIPPED.folder)
    first = fresh.region("eu-west-1")
    assert fresh.region("eu-west-1") is first
    assert sorted(read) == ["data/types.json.gz", "prices/us-east-1.json.gz", "regions/eu-west-1.json.gz"]
    fresh.region("us-east-1")
    # The types and the price table are not read again.
    assert read[3:] == ["regions/us-east-1.json.gz"]


def test_types_read_from_the_snapshot_are_the_types_their_fields_build(monkeypatch: pytest.MonkeyPatch) -> None:
    read = Snapshot(SHIPPED.folder).instance_types()
    built = [InstanceType(**{f.name: getattr(t, f.name) for f in dataclasses.fields(InstanceType)}) for t in read]
    assert list(read) == built
    assert [hash(t) for t in read] == [hash(t) for t in built]
    # Every field held by the type itself, none left to the class's defaults.
    assert all(vars(t) == vars(b) for t, b in zip(read, built, strict=True))
    assert all(isinstance(t.usage_classes, tuple) for t in read)
    # A snapshot whose columns are not this module's, in another order, is read by name.
    document = Snapshot(SHIPPED.folder)._types_document()
    order = list(reversed(document["fields"]))
    reordered = {**document, "fields": order, "types": [list(reversed(row)) for row in document["types"]]}
    other = Snapshot(SHIPPED.folder)
    monkeypatch.setattr(other, "_types_document", lambda: reordered)
    assert other.instance_types() == read


def test_the_types_agree_with_describe_instance_types_for_a_sample() -> None:
    records = _moto("instance_types.json.gz")
    shipped = {t.name: t for t in SHIPPED.instance_types()}
    for name in SAMPLE:
        assert shipped[name] == instance_type_from_api(records[name]), name


def test_the_zones_agree_with_describe_instance_type_offerings() -> None:
    for region in ("eu-west-1", "us-east-1", "ap-southeast-2"):
        zones: dict[str, set[str]] = {}
        for offering in _moto(f"instance_type_offerings/availability-zone/{region}.json.gz"):
            zones.setdefault(offering["Location"], set()).add(offering["InstanceType"])
        catalog = load_region(region)
        assert set(catalog.zones) == set(zones)
        for zone, offered in zones.items():
            # All but the Mac types, which Karpenter cannot launch.
            assert catalog.zones[zone] == {name for name in offered if not name.startswith("mac")}, zone


def test_a_region_holds_only_the_types_its_zones_offer() -> None:
    catalog = load_region("eu-west-1")
    assert set(catalog.types) == set().union(*catalog.zones.values())
    assert "p5.48xlarge" in load_region("us-east-1").types
