"""`make catalog`: regenerate the instance-type snapshot in karpenter/catalog/data/ through the
readers that read a live account (karpenter/preflight/catalog_reader.py).

    python -m karpenter.offline.catalog --moto --prices on-demand-prices-us-east-1.json

`--moto` starts moto in server mode on 127.0.0.1 (AWS's own instance-type data, bundled with moto)
with dummy credentials; `--endpoint-url` points at another endpoint; with neither, the default
credentials read AWS. `--prices` takes the on-demand prices of one region from a price table file
(labelled, in the snapshot, as that file's figures applied to every region); without it the Price
List API gives each region its own."""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import logging
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from karpenter.catalog.instance_types import InstanceType
from karpenter.catalog.snapshot import snapshot_files
from karpenter.preflight.catalog_reader import read_instance_types, read_on_demand_prices, read_zone_offerings

DATA = Path(__file__).resolve().parent.parent / "catalog" / "data"
# The Price List API answers for every region from here.
PRICING_REGION = "us-east-1"
# Any region answers DescribeRegions.
HOME_REGION = "us-east-1"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

Clients = Callable[[str, str], Any]


@contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode on a free port of 127.0.0.1; its endpoint URL."""
    from moto.server import ThreadedMotoServer

    # Its HTTP server logs every request.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def boto3_clients(endpoint_url: str | None) -> Clients:
    """(service, region) -> a boto3 client: at `endpoint_url` with dummy credentials, or AWS's own."""
    import boto3

    session = boto3.Session(**(DUMMY_CREDENTIALS if endpoint_url else {}))
    return lambda service, region: session.client(service, region_name=region, endpoint_url=endpoint_url)


def read_catalog(
    clients: Clients, regions: Sequence[str]
) -> tuple[dict[str, InstanceType], dict[str, dict[str, frozenset[str]]]]:
    """Every type Karpenter can launch that a region offers, and by region the types each zone
    offers. A type's facts are read once, in the first region that offers it."""
    types: dict[str, InstanceType] = {}
    offerings: dict[str, dict[str, frozenset[str]]] = {}
    for region in regions:
        ec2 = clients("ec2", region)
        zones = read_zone_offerings(ec2)
        if not zones:
            continue
        unread = set().union(*zones.values()) - types.keys()
        if unread:
            types.update(read_instance_types(ec2, unread))
        # Offerings of types Karpenter cannot launch (Macs) are left out with the types.
        offerings[region] = {zone: frozenset(names & types.keys()) for zone, names in zones.items()}
    return types, offerings


def price_table_file(path: Path) -> dict[str, Any]:
    """A price table file (Karpenter's fallback table: source, generatedAt, region, prices) as the
    snapshot's price table, labelled as applied to every region."""
    table = json.loads(path.read_text())
    return {
        "source": table["source"],
        "region": table["region"],
        "date": table["generatedAt"][:10],
        "currency": table.get("currency", "USD"),
        "applies": ", applied to every region",
        "prices": table["prices"],
    }


def _price_list_table(clients: Clients, region: str, date: str) -> dict[str, Any]:
    return {
        "source": "AWS Price List API (pricing:GetProducts, AmazonEC2, on-demand Linux)",
        "region": region,
        "date": date,
        "currency": "CNY" if region.startswith("cn-") else "USD",
        "applies": "",
        "prices": read_on_demand_prices(clients("pricing", PRICING_REGION), region),
    }


def write_snapshot(out: Path, files: dict[str, bytes]) -> None:
    """Replace the snapshot in `out` with `files`, so a region no longer read leaves no file behind."""
    for folder in ("regions", "prices"):
        shutil.rmtree(out / folder, ignore_errors=True)
    for path, data in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)


def generate(
    clients: Clients, regions: Sequence[str] | None, prices: Path | None, *, today: str, served_by: str = ""
) -> dict[str, bytes]:
    """The snapshot's files; `served_by` says what answered the EC2 calls when it was not AWS."""
    if not regions:
        described = clients("ec2", HOME_REGION).describe_regions()["Regions"]
        regions = sorted(region["RegionName"] for region in described)
    types, offerings = read_catalog(clients, regions)
    if prices is not None:
        table = price_table_file(prices)
        tables = {table["region"]: table}
        region_prices = dict.fromkeys(offerings, table["region"])
    else:
        tables = {region: _price_list_table(clients, region, today) for region in offerings}
        region_prices = {region: region for region in offerings}
    sources = {
        "types": f"EC2 DescribeInstanceTypes{served_by}, the types Karpenter 1.14.1 launches (hvm; x86_64 or arm64)",
        "offerings": f"EC2 DescribeInstanceTypeOfferings{served_by}, LocationType availability-zone",
    }
    return snapshot_files(list(types.values()), offerings, tables, region_prices, date=today, sources=sources)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m karpenter.offline.catalog", description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--moto", action="store_true", help="read moto in server mode, started on 127.0.0.1")
    where.add_argument("--endpoint-url", help="read the EC2 and Price List APIs at this endpoint")
    parser.add_argument("--prices", type=Path, help="on-demand prices of one region, applied to every region")
    parser.add_argument("--region", action="append", dest="regions", help="read this region only (repeatable)")
    parser.add_argument("--out", type=Path, default=DATA, help="the snapshot folder (default: the package's)")
    args = parser.parse_args(argv)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    if args.moto:
        served_by = f" as moto {importlib.metadata.version('moto')} serves it (AWS's data bundled with moto)"
        with moto_server() as endpoint:
            files = generate(boto3_clients(endpoint), args.regions, args.prices, today=today, served_by=served_by)
    else:
        served_by = f" at {args.endpoint_url}" if args.endpoint_url else ""
        files = generate(boto3_clients(args.endpoint_url), args.regions, args.prices, today=today, served_by=served_by)
    write_snapshot(args.out, files)
    size = sum(len(data) for data in files.values())
    regions = sum(1 for path in files if path.startswith("regions/"))
    print(f"catalog: {regions} regions, {size / 1024:.0f} KiB in {len(files)} files, in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
