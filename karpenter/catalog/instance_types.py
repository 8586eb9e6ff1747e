"""One EC2 instance type and one region's offerings and prices, as plain data, and the node labels
Karpenter gives a node of the type (the labels a NodePool's requirements select on)."""

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
    gpu_count: int = 0
    gpu_manufacturer: str | None = None
    gpu_name: str | None = None
    # Memory of all its GPUs together.
    gpu_memory_mib: int = 0
    # Other accelerators (Inferentia, Trainium): count, maker and name.
    accelerator_count: int = 0
    accelerator_manufacturer: str | None = None
    accelerator_name: str | None = None
    local_nvme_gb: int = 0
    efa_supported: bool = False
    efa_max_interfaces: int = 0
    network_cards: int = 1
    bare_metal: bool = False
    current_generation: bool = True
    hypervisor: str = ""


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
