"""Reading the instance-type catalog from AWS with boto3 clients passed in: DescribeInstanceTypes,
DescribeInstanceTypeOfferings by zone, and on-demand prices from the Price List API. The conversion
from API records to `InstanceType` and prices is pure; only the `read_*` functions call AWS.
`offered_catalog` makes a region's catalog of the offerings read, each type as the snapshot has it."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from karpenter.catalog.instance_types import InstanceType, RegionCatalog

# Karpenter 1.14.1 lists only the types it can launch: DescribeInstanceTypes filtered to hvm and to
# the x86_64 and arm64 architectures (pkg/providers/instancetype/instancetype.go), so no Mac types.
KUBE_ARCHITECTURES = {"x86_64": "amd64", "arm64": "arm64"}
LAUNCHABLE_VIRTUALIZATION = "hvm"
# Category and generation as Karpenter reads them from the type name (types.go, instanceTypeScheme).
_SCHEME = re.compile(r"^([a-z]+)(-[0-9]+tb)?([0-9]+)")
# DescribeInstanceTypes takes at most 100 names a call.
_NAMES_PER_CALL = 100


def kebab(value: str) -> str:
    """Karpenter's lowerKabobCase: lower case, spaces to dashes (`NVIDIA` -> `nvidia`, `L40S` -> `l40s`)."""
    return value.lower().replace(" ", "-")


def launchable_by_karpenter(record: Mapping[str, Any]) -> bool:
    processor = record.get("ProcessorInfo", {})
    return LAUNCHABLE_VIRTUALIZATION in record.get("SupportedVirtualizationTypes", ()) and any(
        arch in KUBE_ARCHITECTURES for arch in processor.get("SupportedArchitectures", ())
    )


def _architecture(record: Mapping[str, Any]) -> str:
    for arch in record["ProcessorInfo"]["SupportedArchitectures"]:
        if arch in KUBE_ARCHITECTURES:
            return KUBE_ARCHITECTURES[arch]
    raise ValueError(f"{record['InstanceType']}: no architecture Karpenter launches")


def _gpu_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    info = record.get("GpuInfo") or {}
    gpus = info.get("Gpus") or []
    if not gpus:
        return {}
    # Karpenter labels a type's GPUs only when they are of one model; no type has two today.
    single = gpus[0] if len(gpus) == 1 else None
    return {
        "gpu_count": sum(int(gpu.get("Count", 0)) for gpu in gpus),
        "gpu_manufacturer": kebab(single["Manufacturer"]) if single else None,
        "gpu_name": kebab(single["Name"]) if single else None,
        "gpu_memory_mib": int(info.get("TotalGpuMemoryInMiB", 0)),
        "gpu_memory_each_mib": int(single.get("MemoryInfo", {}).get("SizeInMiB", 0)) if single else 0,
    }


def _accelerator_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """Neuron devices (Inferentia, Trainium) made by AWS; else another single inference accelerator."""
    neuron = (record.get("NeuronInfo") or {}).get("NeuronDevices") or []
    if len(neuron) == 1:
        device = neuron[0]
        return {
            "accelerator_count": int(device.get("Count", 0)),
            "accelerator_manufacturer": "aws",
            "accelerator_name": kebab(device["Name"]),
        }
    accelerators = (record.get("InferenceAcceleratorInfo") or {}).get("Accelerators") or []
    if len(accelerators) == 1 and not neuron:
        accelerator = accelerators[0]
        return {
            "accelerator_count": int(accelerator.get("Count", 0)),
            "accelerator_manufacturer": kebab(accelerator.get("Manufacturer", "")),
            "accelerator_name": kebab(accelerator.get("Name", "")),
        }
    return {}


def _local_nvme_gb(record: Mapping[str, Any]) -> int:
    storage = record.get("InstanceStorageInfo") or {}
    if storage.get("NvmeSupport", "unsupported") == "unsupported":
        return 0
    return int(storage.get("TotalSizeInGB", 0))


def _ebs_bandwidth_mbps(record: Mapping[str, Any]) -> int:
    ebs = record.get("EbsInfo") or {}
    if ebs.get("EbsOptimizedSupport") != "default":
        return 0
    return int((ebs.get("EbsOptimizedInfo") or {}).get("MaximumBandwidthInMbps", 0))


def instance_type_from_api(record: Mapping[str, Any]) -> InstanceType:
    """One DescribeInstanceTypes record (an `InstanceTypeInfo`) as an `InstanceType`."""
    name = record["InstanceType"]
    family, size = name.split(".", 1)
    scheme = _SCHEME.match(name)
    processor = record.get("ProcessorInfo", {})
    network = record.get("NetworkInfo", {})
    return InstanceType(
        name=name,
        family=family,
        category=scheme.group(1) if scheme else "",
        generation=int(scheme.group(3)) if scheme else None,
        size=size,
        architecture=_architecture(record),
        vcpus=int(record["VCpuInfo"]["DefaultVCpus"]),
        memory_mib=int(record["MemoryInfo"]["SizeInMiB"]),
        cpu_manufacturer=kebab(processor.get("Manufacturer", "")),
        cpu_clock_speed_mhz=int(math.floor(float(processor.get("SustainedClockSpeedInGhz", 0)) * 1000 + 0.5)),
        **_gpu_fields(record),
        **_accelerator_fields(record),
        local_nvme_gb=_local_nvme_gb(record),
        efa_supported=bool(network.get("EfaSupported", False)),
        efa_max_interfaces=int((network.get("EfaInfo") or {}).get("MaximumEfaInterfaces", 0)),
        network_cards=int(network.get("MaximumNetworkCards", 1)),
        bare_metal=bool(record.get("BareMetal", False)),
        current_generation=bool(record.get("CurrentGeneration", False)),
        hypervisor=record.get("Hypervisor", ""),
        encryption_in_transit=bool(network.get("EncryptionInTransitSupported", False)),
        ebs_bandwidth_mbps=_ebs_bandwidth_mbps(record),
        usage_classes=tuple(sorted(record.get("SupportedUsageClasses", ()))),
    )


def _chunks(names: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(names), _NAMES_PER_CALL):
        yield names[start : start + _NAMES_PER_CALL]


def read_instance_types(ec2: Any, names: Iterable[str] | None = None) -> dict[str, InstanceType]:
    """The region's types Karpenter can launch, by name: all of them, or only `names`."""
    requests: Iterable[dict[str, Any]] = [{}]
    if names is not None:
        requests = [{"InstanceTypes": chunk} for chunk in _chunks(sorted(set(names)))]
    found: dict[str, InstanceType] = {}
    paginator = ec2.get_paginator("describe_instance_types")
    for request in requests:
        for page in paginator.paginate(**request):
            for record in page["InstanceTypes"]:
                if launchable_by_karpenter(record):
                    found[record["InstanceType"]] = instance_type_from_api(record)
    return found


def read_zone_offerings(ec2: Any) -> dict[str, frozenset[str]]:
    """Zone name -> the types offered there, for the client's region."""
    zones: dict[str, set[str]] = {}
    paginator = ec2.get_paginator("describe_instance_type_offerings")
    for page in paginator.paginate(LocationType="availability-zone"):
        for offering in page["InstanceTypeOfferings"]:
            zones.setdefault(offering["Location"], set()).add(offering["InstanceType"])
    return {zone: frozenset(types) for zone, types in sorted(zones.items())}


LIVE_OFFERINGS_SOURCE = "the account's offerings (EC2 DescribeInstanceTypeOfferings)"


def offered_catalog(region: str, offerings: Mapping[str, frozenset[str]]) -> RegionCatalog:
    """The region's catalog as the account offers it: the zones' offerings as read, each type as the
    shipped snapshot describes it (one it does not describe is left out), and its prices where the
    snapshot holds the region."""
    from karpenter.catalog.snapshot import UnknownRegionError, instance_types, load_region, snapshot_sources

    described = {t.name: t for t in instance_types()}
    zones = {zone: frozenset(name for name in names if name in described) for zone, names in sorted(offerings.items())}
    offered = frozenset[str]().union(*zones.values())
    try:
        shipped: RegionCatalog | None = load_region(region)
    except UnknownRegionError:
        shipped = None
    prices = {name: price for name, price in (shipped.prices if shipped else {}).items() if name in offered}
    return RegionCatalog(
        region=region,
        types={name: described[name] for name in sorted(offered)},
        zones=zones,
        prices=dict(sorted(prices.items())),
        source=LIVE_OFFERINGS_SOURCE,
        date=snapshot_sources()["date"],
        price_source=shipped.price_source if shipped else "",
        price_date=shipped.price_date if shipped else "",
    )


def _term(field: str, value: str) -> dict[str, str]:
    return {"Type": "TERM_MATCH", "Field": field, "Value": value}


def on_demand_filters(region: str, *, bare_metal: bool) -> list[dict[str, str]]:
    """GetProducts filters for on-demand Linux prices without pre-installed software in `region`, as
    Karpenter 1.14.1 asks (pkg/providers/pricing/pricing.go): shared tenancy for `Compute Instance`,
    and, for bare metal, which the Price List files under dedicated tenancy, `Compute Instance (bare metal)`."""
    common = [
        _term("regionCode", region),
        _term("serviceCode", "AmazonEC2"),
        _term("preInstalledSw", "NA"),
        _term("operatingSystem", "Linux"),
        _term("capacitystatus", "Used"),
        _term("marketoption", "OnDemand"),
    ]
    if bare_metal:
        return [*common, _term("tenancy", "Dedicated"), _term("productFamily", "Compute Instance (bare metal)")]
    return [*common, _term("tenancy", "Shared"), _term("productFamily", "Compute Instance")]


def on_demand_price(document: str, currency: str = "USD") -> tuple[str, float] | None:
    """(type, price per hour) from one GetProducts `PriceList` entry (a JSON string); None when it
    names no type or has no non-zero price."""
    product = json.loads(document)
    name = product.get("product", {}).get("attributes", {}).get("instanceType", "")
    if not name:
        return None
    found = None
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            try:
                price = float(dimension.get("pricePerUnit", {}).get(currency, ""))
            except ValueError:
                continue
            if price > 0:
                found = (name, price)
    return found


def read_on_demand_prices(pricing: Any, region: str) -> dict[str, float]:
    """On-demand Linux price per instance-hour by type in `region` (a `pricing` client of us-east-1,
    where the Price List API answers for every region)."""
    currency = "CNY" if region.startswith("cn-") else "USD"
    prices: dict[str, float] = {}
    paginator = pricing.get_paginator("get_products")
    for bare_metal in (False, True):
        pages = paginator.paginate(
            ServiceCode="AmazonEC2", Filters=on_demand_filters(region, bare_metal=bare_metal), MaxResults=100
        )
        for page in pages:
            for document in page["PriceList"]:
                found = on_demand_price(document, currency)
                if found:
                    prices[found[0]] = found[1]
    return dict(sorted(prices.items()))
