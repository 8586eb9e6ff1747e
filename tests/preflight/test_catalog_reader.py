"""The catalog's readers and `make catalog`'s generator, run against moto in server mode (AWS's own
DescribeInstanceTypes and DescribeInstanceTypeOfferings data) and, for the Price List API, which moto
does not implement, against botocore's Stubber answering as the API reference shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from karpenter.catalog.instance_types import RegionCatalog
from karpenter.catalog.snapshot import Snapshot
from karpenter.offline.catalog import main
from karpenter.preflight.catalog_reader import on_demand_filters, on_demand_price, read_on_demand_prices
from tests.preflight.facts_runs import price_document

PRICE_TABLE = {
    "source": "a price table of the test",
    "generatedAt": "2026-07-20T13:44:30Z",
    "region": "us-east-1",
    "currency": "USD",
    "unit": "per instance-hour, on-demand, Linux",
    "prices": {"g6.xlarge": 0.8048, "p5.48xlarge": 55.04, "not-offered.large": 1.0},
}


@pytest.fixture(scope="module")
def generated(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, RegionCatalog]]:
    """The snapshot `make catalog` writes for us-east-1, read from moto, and that region loaded from it."""
    folder = tmp_path_factory.mktemp("catalog")
    prices = folder / "prices.json"
    prices.write_text(json.dumps(PRICE_TABLE))
    out = folder / "data"
    argv = ["--endpoint-url", moto_endpoint, "--prices", str(prices), "--region", "us-east-1", "--out", str(out)]
    assert main(argv) == 0
    yield out, Snapshot(out).region("us-east-1")


def test_the_generator_writes_the_types_one_region_and_the_price_table(generated: tuple[Path, RegionCatalog]) -> None:
    out, _ = generated
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file())
    assert written == ["prices/us-east-1.json.gz", "regions/us-east-1.json.gz", "types.json.gz"]


def test_small_g6_types_have_no_efa_and_every_g6_one_network_card(generated: tuple[Path, RegionCatalog]) -> None:
    types = generated[1].types
    for size in ("xlarge", "2xlarge", "4xlarge"):
        assert (types[f"g6.{size}"].efa_supported, types[f"g6.{size}"].efa_max_interfaces) == (False, 0)
    assert (types["g6.8xlarge"].efa_supported, types["g6.8xlarge"].efa_max_interfaces) == (True, 1)
    g6 = [t for t in types.values() if t.family == "g6"]
    assert len(g6) >= 8 and {t.network_cards for t in g6} == {1}


def test_p5_has_32_efa_interfaces_over_32_network_cards(generated: tuple[Path, RegionCatalog]) -> None:
    p5 = generated[1].types["p5.48xlarge"]
    assert (p5.efa_max_interfaces, p5.network_cards) == (32, 32)
    assert (p5.gpu_count, p5.gpu_manufacturer, p5.gpu_name, p5.gpu_memory_mib) == (8, "nvidia", "h100", 655360)


def test_how_a_type_may_be_bought_is_read_from_its_usage_classes(generated: tuple[Path, RegionCatalog]) -> None:
    types = generated[1].types
    assert types["p5.48xlarge"].usage_classes == ("capacity-block", "on-demand", "spot")
    assert types["hpc7g.16xlarge"].usage_classes == ("on-demand",)
    assert types["m7g.large"].usage_classes == ("on-demand", "spot")


def test_the_newest_gpu_types_are_read_with_their_zones(generated: tuple[Path, RegionCatalog]) -> None:
    catalog = generated[1]
    assert {"p6-b300.48xlarge", "g7e.2xlarge"} <= set(catalog.types)
    assert [zone for zone, offered in catalog.zones.items() if "p6-b300.48xlarge" in offered]
    assert catalog.types["inf2.xlarge"].accelerator_name == "inferentia2"


def test_types_karpenter_cannot_launch_are_left_out(generated: tuple[Path, RegionCatalog]) -> None:
    # Karpenter 1.14.1 asks for hvm types of x86_64 or arm64 (instancetype.go): no Mac.
    catalog = generated[1]
    assert not [name for name in catalog.types if name.startswith("mac")]
    assert not [name for names in catalog.zones.values() for name in names if name.startswith("mac")]


def test_prices_from_a_table_file_are_labelled_with_its_source_region_and_date(
    generated: tuple[Path, RegionCatalog],
) -> None:
    catalog = generated[1]
    assert catalog.prices == {"g6.xlarge": 0.8048, "p5.48xlarge": 55.04}
    assert catalog.price_source == "a price table of the test; figures of us-east-1, applied to every region"
    assert catalog.price_date == "2026-07-20"
    assert catalog.source.startswith("EC2 DescribeInstanceTypeOfferings at http://127.0.0.1:")


# --- the Price List API ----------------------------------------------------------------------


def _product(instance_type: str | None, usd: str, family: str = "Compute Instance") -> str:
    return price_document(instance_type, usd, family, region="eu-west-1")


def _request(bare_metal: bool, token: str | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "ServiceCode": "AmazonEC2",
        "Filters": on_demand_filters("eu-west-1", bare_metal=bare_metal),
        "MaxResults": 100,
    }
    return {**request, "NextToken": token} if token else request


def test_the_price_list_reader_asks_for_on_demand_linux_and_pages_through_both_queries() -> None:
    """Filters as Karpenter 1.14.1 asks GetProducts (pkg/providers/pricing/pricing.go): shared tenancy
    `Compute Instance`, then dedicated `Compute Instance (bare metal)`; entries without a type or a price
    are skipped."""
    pricing = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "pricing", region_name="us-east-1"
    )
    pages = [
        (_request(False), {"PriceList": [_product("m5.large", "0.1070000000"), _product(None, "1")], "NextToken": "2"}),
        (_request(False, "2"), {"PriceList": [_product("c5.large", "0.0960000000"), _product("c5.xlarge", "0")]}),
        (_request(True), {"PriceList": [_product("m5.metal", "5.1360000000", "Compute Instance (bare metal)")]}),
    ]
    with Stubber(pricing) as stubber:
        for request, response in pages:
            stubber.add_response("get_products", {"FormatVersion": "aws_v1", **response}, request)
        prices = read_on_demand_prices(pricing, "eu-west-1")
        stubber.assert_no_pending_responses()
    assert prices == {"c5.large": 0.096, "m5.large": 0.107, "m5.metal": 5.136}


def test_on_demand_filters_name_the_region_linux_and_the_tenancy() -> None:
    shared = {f["Field"]: f["Value"] for f in on_demand_filters("ap-south-2", bare_metal=False)}
    assert shared == {
        "regionCode": "ap-south-2",
        "serviceCode": "AmazonEC2",
        "preInstalledSw": "NA",
        "operatingSystem": "Linux",
        "capacitystatus": "Used",
        "marketoption": "OnDemand",
        "tenancy": "Shared",
        "productFamily": "Compute Instance",
    }
    metal = {f["Field"]: f["Value"] for f in on_demand_filters("ap-south-2", bare_metal=True)}
    assert (metal["tenancy"], metal["productFamily"]) == ("Dedicated", "Compute Instance (bare metal)")
    assert {f["Type"] for f in on_demand_filters("ap-south-2", bare_metal=True)} == {"TERM_MATCH"}


def test_a_price_entry_in_another_currency_or_without_a_price_gives_none() -> None:
    assert on_demand_price(_product("m5.large", "0.107")) == ("m5.large", 0.107)
    assert on_demand_price(_product("m5.large", "0.107"), currency="CNY") is None
    assert on_demand_price(_product("m5.large", "0.0000000000")) is None
