"""One EC2 instance type and one region's offerings and prices, as plain data (labels.py gives the
node labels Karpenter derives from a type)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InstanceType:
    """What DescribeInstanceTypes says of one type, reduced to what node pools select on."""

    name: str
    family: str
    category: str
    # None for families named without one (mac-m4).
    generation: int | None
    size: str
    # amd64 or arm64, as kubernetes.io/arch reads.
    architecture: str
    vcpus: int
    memory_mib: int
    # intel, amd, aws, apple: Karpenter's instance-cpu-manufacturer.
    cpu_manufacturer: str = ""
    # The processor's sustained clock speed in MHz, rounded; 0 when EC2 does not say.
    cpu_clock_speed_mhz: int = 0
    # GPU maker and model in lower kebab case as Karpenter labels them (nvidia, l4, rtx-pro-6000);
    # a fractional GPU (g6f) counts 0, as EC2 and Karpenter count it.
    gpu_count: int = 0
    gpu_manufacturer: str | None = None
    gpu_name: str | None = None
    # Memory of all its GPUs together.
    gpu_memory_mib: int = 0
    # Memory of one GPU: Karpenter's instance-gpu-memory.
    gpu_memory_each_mib: int = 0
    # Other accelerators (Inferentia, Trainium): count, maker and name, in lower kebab case.
    accelerator_count: int = 0
    accelerator_manufacturer: str | None = None
    accelerator_name: str | None = None
    # Instance-store NVMe, in GB: 0 without it (or with disks that are not NVMe).
    local_nvme_gb: int = 0
    efa_supported: bool = False
    efa_max_interfaces: int = 0
    network_cards: int = 1
    bare_metal: bool = False
    current_generation: bool = True
    # nitro or xen; empty for bare metal.
    hypervisor: str = ""
    encryption_in_transit: bool = False
    # Maximum EBS bandwidth in Mbps of a type EBS-optimised by default; 0 otherwise.
    ebs_bandwidth_mbps: int = 0
    # How it may be bought (EC2's SupportedUsageClasses: on-demand, spot, capacity-block), sorted.
    # Karpenter offers a type as spot only when spot is among them.
    usage_classes: tuple[str, ...] = ("on-demand", "spot")


@dataclass(frozen=True)
class RegionCatalog:
    """The types a region offers, by the zones that offer them, with on-demand prices."""

    region: str
    types: Mapping[str, InstanceType]
    # Zone name -> the names of the types offered there.
    zones: Mapping[str, frozenset[str]]
    # On-demand price per instance-hour in USD, by type name; a type without one is absent.
    prices: Mapping[str, float] = field(default_factory=dict)
    # Where the types, offerings and prices come from, and when they were read.
    source: str = ""
    date: str = ""
    price_source: str = ""
    price_date: str = ""
