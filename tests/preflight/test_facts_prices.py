"""The region's instance types and prices in a facts file: offerings by zone from EC2 (moto in server
mode), on-demand prices from the Price List API (botocore's Stubber: moto has no Price List API) and,
where it does not answer, the snapshot's, with a note saying why."""

from __future__ import annotations

import socket
from typing import Any

import boto3
from botocore.config import Config

from karpenter.catalog.snapshot import load_region
from karpenter.preflight.facts_reader import read_instance_catalog
from tests.preflight.conftest import moto_client
from tests.preflight.facts_runs import pricing

TODAY = "2026-12-07"
SNAPSHOT = load_region("eu-west-1")


def catalog(endpoint: str, pricing_client: Any, region: str = "eu-west-1") -> tuple[dict[str, Any], list[str]]:
    ec2 = moto_client(endpoint, "ec2")
    return read_instance_catalog(lambda service: pricing_client if service == "pricing" else ec2, region, TODAY)


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_offerings_are_the_zones_ec2_names_and_prices_those_the_price_list_gives(moto_endpoint: str) -> None:
    document, notes = catalog(moto_endpoint, pricing({"m5.large": "0.1070000000", "p5.48xlarge": "98.32"}))
    offered = moto_client(moto_endpoint, "ec2").describe_instance_type_offerings(
        LocationType="availability-zone", Filters=[{"Name": "location", "Values": ["eu-west-1b"]}]
    )
    assert document["instanceTypeOfferings"]["eu-west-1b"] == sorted(
        o["InstanceType"] for o in offered["InstanceTypeOfferings"]
    )
    assert sorted(document["instanceTypeOfferings"]) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert document["onDemandPrices"] == {"m5.large": 0.107, "p5.48xlarge": 98.32}
    assert (document["priceSource"], document["priceDate"], notes) == (
        "AWS Price List API (pricing:GetProducts): on-demand Linux, as Karpenter 1.14.1 reads it",
        TODAY,
        [],
    )


def test_prices_the_price_list_denies_are_the_snapshots_with_a_note_saying_why(moto_endpoint: str) -> None:
    document, notes = catalog(moto_endpoint, pricing(error=("AccessDeniedException", 400)))
    assert document["onDemandPrices"] == dict(SNAPSHOT.prices)
    assert (document["priceSource"], document["priceDate"]) == (SNAPSHOT.price_source, "2026-07-20")
    assert notes == [
        "prices: the snapshot's of 2026-07-20, because the Price List API did not answer: GetProducts: "
        "AccessDeniedException: not for you (permission: the identity you run as may not call GetProducts; facts "
        "only reads, so grant it read-only access or pass --profile for one that has it)"
    ]


def test_prices_of_an_unreachable_price_list_are_the_snapshots(moto_endpoint: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    unreachable = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "pricing", region_name="us-east-1", endpoint_url=url, config=Config(retries={"max_attempts": 1})
    )
    document, notes = catalog(moto_endpoint, unreachable)
    assert document["onDemandPrices"] == dict(SNAPSHOT.prices)
    assert notes == [
        f"prices: the snapshot's of 2026-07-20, because the Price List API did not answer: cannot reach {url}/: "
        "EndpointConnectionError (network: check the connection, DNS and proxy, or the endpoint given by "
        "--endpoint-url or AWS_ENDPOINT_URL)"
    ]


def test_a_price_list_that_prices_nothing_in_the_region_gives_way_to_the_snapshot(moto_endpoint: str) -> None:
    document, notes = catalog(moto_endpoint, pricing({}))
    assert document["priceSource"] == SNAPSHOT.price_source
    assert notes == [
        "prices: the snapshot's of 2026-07-20, because the Price List API did not answer: it priced no instance "
        "type in eu-west-1"
    ]


def test_without_the_price_list_a_region_the_snapshot_lacks_has_no_prices(moto_endpoint: str) -> None:
    document, notes = catalog(moto_endpoint, pricing(error=("ThrottlingException", 400)), region="eu-west-9")
    assert [key for key in ("onDemandPrices", "priceSource", "priceDate") if key in document] == []
    assert notes == [
        "prices: none, because the Price List API did not answer and the snapshot has no eu-west-9: GetProducts: "
        "ThrottlingException: not for you (throttling: AWS limits the rate of these calls; wait a minute and run "
        "again)"
    ]
