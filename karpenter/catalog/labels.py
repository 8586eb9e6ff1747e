"""The labels Karpenter 1.14.1 gives a node of an instance type, as `computeRequirements` of
aws/karpenter-provider-aws v1.14.1 `pkg/providers/instancetype/types.go` computes them from the
type's DescribeInstanceTypes record: numbers in decimal, booleans as `true`/`false`, names of makers
and models in lower kebab case (`lowerKabobCase`), a label left off where the type has no value.

Left out: the labels of an offering rather than a type (zone, zone-id, region, capacity type,
tenancy, reservations, placement groups), and `instance-network-bandwidth`, which Karpenter takes
from a table scraped from the EC2 documentation (`zz_generated.bandwidth.go`) that disagrees with
DescribeInstanceTypes' baseline bandwidth for some types, so cannot be derived from the catalog.
A Linux node: Windows builds are not used here."""

from __future__ import annotations

from karpenter.catalog.instance_types import InstanceType
from karpenter.vocabulary.node_labels import (
    ARCHITECTURE,
    GPU_COUNT,
    GPU_MANUFACTURER,
    INSTANCE_CATEGORY,
    INSTANCE_FAMILY,
    INSTANCE_GENERATION,
    INSTANCE_TYPE,
    OS,
)

_AWS = "karpenter.k8s.aws/"
INSTANCE_SIZE = _AWS + "instance-size"
INSTANCE_CPU = _AWS + "instance-cpu"
CPU_MANUFACTURER = _AWS + "instance-cpu-manufacturer"
CPU_CLOCK_SPEED = _AWS + "instance-cpu-sustained-clock-speed-mhz"
INSTANCE_MEMORY = _AWS + "instance-memory"
EBS_BANDWIDTH = _AWS + "instance-ebs-bandwidth"
HYPERVISOR = _AWS + "instance-hypervisor"
ENCRYPTION_IN_TRANSIT = _AWS + "instance-encryption-in-transit-supported"
LOCAL_NVME = _AWS + "instance-local-nvme"
CAPABILITY_FLEX = _AWS + "instance-capability-flex"
GPU_NAME = _AWS + "instance-gpu-name"
GPU_MEMORY = _AWS + "instance-gpu-memory"
ACCELERATOR_NAME = _AWS + "instance-accelerator-name"
ACCELERATOR_MANUFACTURER = _AWS + "instance-accelerator-manufacturer"
ACCELERATOR_COUNT = _AWS + "instance-accelerator-count"
LINUX = "linux"
# Karpenter marks flex types by this in the family name (c7i-flex).
_FLEX = "-flex"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def node_labels(t: InstanceType) -> dict[str, str]:
    """The well-known labels of a Linux node of type `t` that the type alone decides."""
    labels = {
        INSTANCE_TYPE: t.name,
        ARCHITECTURE: t.architecture,
        OS: LINUX,
        INSTANCE_FAMILY: t.family,
        INSTANCE_SIZE: t.size,
        INSTANCE_CPU: str(t.vcpus),
        INSTANCE_MEMORY: str(t.memory_mib),
        HYPERVISOR: t.hypervisor,
        ENCRYPTION_IN_TRANSIT: _flag(t.encryption_in_transit),
        CAPABILITY_FLEX: _flag(_FLEX in t.family),
    }
    if t.generation is not None:
        labels[INSTANCE_CATEGORY] = t.category
        labels[INSTANCE_GENERATION] = str(t.generation)
    if t.cpu_manufacturer:
        labels[CPU_MANUFACTURER] = t.cpu_manufacturer
        labels[CPU_CLOCK_SPEED] = str(t.cpu_clock_speed_mhz)
    if t.ebs_bandwidth_mbps:
        labels[EBS_BANDWIDTH] = str(t.ebs_bandwidth_mbps)
    if t.local_nvme_gb:
        labels[LOCAL_NVME] = str(t.local_nvme_gb)
    # Karpenter labels GPUs only when they are all of one model, which is when the catalog names it.
    if t.gpu_name is not None and t.gpu_manufacturer is not None:
        labels[GPU_NAME] = t.gpu_name
        labels[GPU_MANUFACTURER] = t.gpu_manufacturer
        labels[GPU_COUNT] = str(t.gpu_count)
        labels[GPU_MEMORY] = str(t.gpu_memory_each_mib)
    if t.accelerator_name is not None and t.accelerator_manufacturer is not None:
        labels[ACCELERATOR_NAME] = t.accelerator_name
        labels[ACCELERATOR_MANUFACTURER] = t.accelerator_manufacturer
        labels[ACCELERATOR_COUNT] = str(t.accelerator_count)
    return dict(sorted(labels.items()))
