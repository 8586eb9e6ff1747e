"""What one node of an instance type brings to a pool's limits (Karpenter's capacity of the type), and
the order pools list their types in. Plain data; imports the catalog only."""

from __future__ import annotations

import math

from karpenter.catalog.instance_types import InstanceType

# Karpenter's default share of a type's memory kept for the hypervisor (--vm-memory-overhead-percent),
# and the memory Graviton keeps for itself (karpenter-provider-aws instancetype/types.go, memory()).
VM_MEMORY_OVERHEAD = 0.075
_GRAVITON_RESERVED_MIB = 64
_MIB = 1024 * 1024


def resource_amount(t: InstanceType, resource: str, gpu_multiplier: int = 1) -> float | None:
    """How much of a resource one node of the type brings to the pool's limits (Karpenter's capacity);
    None for a resource the catalog cannot tell."""
    if resource == "cpu":
        return float(t.vcpus)
    if resource == "memory":
        mib = t.memory_mib - (_GRAVITON_RESERVED_MIB if t.architecture == "arm64" else 0)
        return float((mib - math.ceil(mib * VM_MEMORY_OVERHEAD)) * _MIB)
    if resource == "nodes":
        return 1.0
    makers = {"nvidia.com/gpu": "nvidia", "amd.com/gpu": "amd", "habana.ai/gaudi": "habana"}
    if resource in makers:
        count = t.gpu_count if t.gpu_manufacturer == makers[resource] else 0
        return float(count * (gpu_multiplier if resource == "nvidia.com/gpu" else 1))
    if resource == "aws.amazon.com/neuron":
        return float(t.accelerator_count if t.accelerator_manufacturer == "aws" else 0)
    return None


def show_amount(resource: str, amount: float) -> str:
    if resource == "memory":
        return f"{amount / 1024**3:g}Gi"
    return f"{amount:g}"


def smallest_first(types: list[InstanceType]) -> tuple[InstanceType, ...]:
    return tuple(sorted(types, key=lambda t: (t.vcpus, t.memory_mib, t.gpu_count, t.name)))
