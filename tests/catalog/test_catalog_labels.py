"""The labels Karpenter 1.14.1 gives a node of a type (aws/karpenter-provider-aws v1.14.1,
pkg/providers/instancetype/types.go, computeRequirements), computed from the shipped catalog."""

from __future__ import annotations

import dataclasses

import pytest

from karpenter.catalog.instance_types import InstanceType
from karpenter.catalog.labels import node_labels
from karpenter.catalog.snapshot import instance_types

AWS = "karpenter.k8s.aws/instance-"


def _type(name: str) -> InstanceType:
    (found,) = [t for t in instance_types() if t.name == name]
    return found


def _labels(name: str, arch: str, **aws: str) -> dict[str, str]:
    return {
        "node.kubernetes.io/instance-type": name,
        "kubernetes.io/arch": arch,
        "kubernetes.io/os": "linux",
        **{AWS + key.replace("_", "-"): value for key, value in aws.items()},
    }


EXPECTED = {
    "g6.8xlarge": _labels(
        "g6.8xlarge",
        "amd64",
        category="g",
        family="g6",
        generation="6",
        size="8xlarge",
        cpu="32",
        cpu_manufacturer="amd",
        cpu_sustained_clock_speed_mhz="3400",
        memory="131072",
        ebs_bandwidth="16000",
        hypervisor="nitro",
        encryption_in_transit_supported="true",
        capability_flex="false",
        local_nvme="900",
        gpu_name="l4",
        gpu_manufacturer="nvidia",
        gpu_count="1",
        gpu_memory="22888",
    ),
    "p5.48xlarge": _labels(
        "p5.48xlarge",
        "amd64",
        category="p",
        family="p5",
        generation="5",
        size="48xlarge",
        cpu="192",
        cpu_manufacturer="amd",
        cpu_sustained_clock_speed_mhz="3600",
        memory="2097152",
        ebs_bandwidth="80000",
        hypervisor="nitro",
        encryption_in_transit_supported="true",
        capability_flex="false",
        local_nvme="30400",
        gpu_name="h100",
        gpu_manufacturer="nvidia",
        gpu_count="8",
        # One GPU's memory, not the eight together.
        gpu_memory="81920",
    ),
    "m7g.large": _labels(
        "m7g.large",
        "arm64",
        category="m",
        family="m7g",
        generation="7",
        size="large",
        cpu="2",
        cpu_manufacturer="aws",
        cpu_sustained_clock_speed_mhz="2600",
        memory="8192",
        ebs_bandwidth="10000",
        hypervisor="nitro",
        encryption_in_transit_supported="true",
        capability_flex="false",
    ),
    "c7i-flex.large": _labels(
        "c7i-flex.large",
        "amd64",
        category="c",
        family="c7i-flex",
        generation="7",
        size="large",
        cpu="2",
        cpu_manufacturer="intel",
        cpu_sustained_clock_speed_mhz="3200",
        memory="4096",
        ebs_bandwidth="10000",
        hypervisor="nitro",
        encryption_in_transit_supported="true",
        capability_flex="true",
    ),
    "inf2.xlarge": _labels(
        "inf2.xlarge",
        "amd64",
        category="inf",
        family="inf2",
        generation="2",
        size="xlarge",
        cpu="4",
        cpu_manufacturer="amd",
        cpu_sustained_clock_speed_mhz="3600",
        memory="16384",
        ebs_bandwidth="10000",
        hypervisor="nitro",
        encryption_in_transit_supported="true",
        capability_flex="false",
        # From NeuronInfo: Karpenter names the maker `aws` itself.
        accelerator_name="inferentia2",
        accelerator_manufacturer="aws",
        accelerator_count="1",
    ),
    # Bare metal runs on no hypervisor: the label is there, empty.
    "m7g.metal": _labels(
        "m7g.metal",
        "arm64",
        category="m",
        family="m7g",
        generation="7",
        size="metal",
        cpu="64",
        cpu_manufacturer="aws",
        cpu_sustained_clock_speed_mhz="2600",
        memory="262144",
        ebs_bandwidth="20000",
        hypervisor="",
        encryption_in_transit_supported="true",
        capability_flex="false",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_node_of_the_type_gets_the_labels_karpenter_computes(name: str) -> None:
    assert node_labels(_type(name)) == EXPECTED[name]


def test_gpu_and_accelerator_names_are_lower_kebab_case() -> None:
    # DescribeInstanceTypes names the g7e GPU "RTX PRO Server 6000", dl2q's accelerator "Qualcomm AI100".
    assert node_labels(_type("g7e.2xlarge"))[AWS + "gpu-name"] == "rtx-pro-server-6000"
    dl2q = node_labels(_type("dl2q.24xlarge"))
    assert (dl2q[AWS + "accelerator-name"], dl2q[AWS + "accelerator-manufacturer"]) == ("qualcomm-ai100", "qualcomm")


def test_a_fractional_gpu_is_labelled_with_a_gpu_count_of_zero() -> None:
    labels = node_labels(_type("g6f.large"))
    assert (labels[AWS + "gpu-name"], labels[AWS + "gpu-count"]) == ("l4", "0")


def test_gpus_of_more_than_one_model_get_no_gpu_labels() -> None:
    # The catalog names no model for them, as Karpenter labels only a single GPU model.
    mixed = dataclasses.replace(_type("g6.8xlarge"), gpu_name=None, gpu_manufacturer=None, gpu_count=2)
    assert not [key for key in node_labels(mixed) if key.startswith(AWS + "gpu")]


def test_a_type_not_ebs_optimised_by_default_has_no_ebs_bandwidth_label() -> None:
    plain = [t for t in instance_types() if t.ebs_bandwidth_mbps == 0]
    assert plain
    assert all(AWS + "ebs-bandwidth" not in node_labels(t) for t in plain)
