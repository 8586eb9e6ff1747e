"""Node pools that could never launch a node, or would launch machines they were not meant for, are
refused with the exact key named; their launchable neighbours are accepted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from karpenter.config import pool_rules
from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.stack_config import StackConfig
from karpenter.vocabulary.resource_names import resource_name_problem
from tests.conftest import ROOT, settings_for


def _parsed(pools: dict[str, Any]) -> StackConfig:
    return parse_stack_config(settings_for({"clusterName": "dev", "nodePools": pools}))


def _refusal(pools: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as refused:
        _parsed(pools)
    return str(refused.value)


# --- GPU pools that hold no NVIDIA GPU instances -------------------------------------------


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["m5", "c6i"]}},
            "karpenter:nodePools.gpu.instanceFamilies: m5, c6i have no NVIDIA GPUs, so this gpu: true pool could "
            "never launch a node; name NVIDIA GPU families such as g5, g6e, p5",
            id="cpu-families",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["m7i"]}},
            "karpenter:nodePools.gpu.instanceFamilies: m7i has no NVIDIA GPUs, so this gpu: true pool could never "
            "launch a node; name NVIDIA GPU families such as g5, g6e, p5",
            id="cpu-family-on-default-categories",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["g4ad"]}},
            "karpenter:nodePools.gpu.instanceFamilies: g4ad has no NVIDIA GPUs, so this gpu: true pool could never "
            "launch a node; name NVIDIA GPU families such as g5, g6e, p5",
            id="amd-family",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["g5", "g4ad"]}},
            "karpenter:nodePools.gpu.instanceFamilies[1]: 'g4ad' has no NVIDIA GPUs, and this gpu: true pool "
            "launches only instances with NVIDIA GPUs; drop 'g4ad'",
            id="one-amd-family-among-nvidia",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceCategories": ["c", "m"]}},
            "karpenter:nodePools.gpu.instanceCategories: c, m hold no instances with NVIDIA GPUs, so this gpu: true "
            "pool could never launch a node; use g, p or gr",
            id="cpu-categories",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceCategories": ["g", "p", "dl"]}},
            "karpenter:nodePools.gpu.instanceCategories[2]: 'dl' holds no instances with NVIDIA GPUs, and this gpu: "
            "true pool launches only instances with NVIDIA GPUs; drop 'dl'",
            id="habana-category-among-nvidia",
        ),
    ],
)
def test_gpu_pool_without_nvidia_gpu_instances_is_refused(pools: dict[str, Any], message: str) -> None:
    assert _refusal(pools) == message


# --- pools without gpu: true that would launch GPU instances -------------------------------


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        pytest.param(
            {"cpu": {"instanceCategories": ["c", "g"]}},
            "karpenter:nodePools.cpu.instanceCategories[1]: 'g' holds GPU instances, which this pool would launch "
            "without the nvidia.com/gpu taint; set gpu: true on the pool, or drop 'g'",
            id="g-category",
        ),
        pytest.param(
            {"cpu": {"instanceCategories": ["p"]}},
            "karpenter:nodePools.cpu.instanceCategories[0]: 'p' holds GPU instances, which this pool would launch "
            "without the nvidia.com/gpu taint; set gpu: true on the pool, or drop 'p'",
            id="p-category",
        ),
        pytest.param(
            {"cpu": {"instanceFamilies": ["g5"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'g5' is a GPU family, which this pool would launch "
            "without the nvidia.com/gpu taint; set gpu: true on the pool, or drop 'g5'",
            id="nvidia-family",
        ),
        pytest.param(
            {"cpu": {"instanceCategories": ["c", "dl"]}},
            "karpenter:nodePools.cpu.instanceCategories[1]: 'dl' holds GPU instances, which this pool would launch "
            "for pods that need no GPU, and gpu: true pools launch only instances with NVIDIA GPUs; drop 'dl'",
            id="habana-category",
        ),
        pytest.param(
            {"cpu": {"instanceCategories": ["g"], "instanceFamilies": ["g4ad"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'g4ad' is a GPU family, which this pool would launch "
            "for pods that need no GPU, and gpu: true pools launch only instances with NVIDIA GPUs; drop 'g4ad'",
            id="amd-family",
        ),
    ],
)
def test_pool_without_gpu_true_that_admits_gpu_instances_is_refused(pools: dict[str, Any], message: str) -> None:
    assert _refusal(pools) == message


# --- families that contradict the pool or are no families ----------------------------------


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        pytest.param(
            {"cpu": {"instanceCategories": ["c"], "instanceFamilies": ["m7i"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'm7i' is in category 'm', which instanceCategories (c) "
            "excludes; add 'm' to instanceCategories or drop the family",
            id="explicit-categories",
        ),
        pytest.param(
            {"cpu": {"instanceCategories": ["c", "r"], "instanceFamilies": ["m7i"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'm7i' is in category 'm', which instanceCategories (c, r) "
            "excludes; add 'm' to instanceCategories or drop the family",
            id="explicit-categories-listed",
        ),
        pytest.param(
            {"cpu": {"instanceFamilies": ["c7i", "t3"]}},
            "karpenter:nodePools.cpu.instanceFamilies[1]: 't3' is in category 't', which the default "
            "instanceCategories (c, m, r) exclude; set instanceCategories to include 't' or drop the family",
            id="default-cpu-categories",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["gr6"]}},
            "karpenter:nodePools.gpu.instanceFamilies[0]: 'gr6' is in category 'gr', which the default "
            "instanceCategories (g, p) exclude; set instanceCategories to include 'gr' or drop the family",
            id="default-gpu-categories",
        ),
    ],
)
def test_family_outside_the_pool_categories_is_refused(pools: dict[str, Any], message: str) -> None:
    assert _refusal(pools) == message


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        pytest.param(
            {"cpu": {"architectures": ["arm64"], "instanceFamilies": ["m7i"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'm7i' is an amd64 family, and architectures is [arm64]; "
            "add amd64 to architectures or drop the family",
            id="amd64-family-in-arm64-pool",
        ),
        pytest.param(
            {"cpu": {"instanceFamilies": ["m7i", "c7g"]}},
            "karpenter:nodePools.cpu.instanceFamilies[1]: 'c7g' is an arm64 (Graviton) family, and architectures "
            "is [amd64]; add arm64 to architectures or drop the family",
            id="graviton-family-in-amd64-pool",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["g5g"]}},
            "karpenter:nodePools.gpu.instanceFamilies[0]: 'g5g' is an arm64 (Graviton) family, and architectures "
            "is [amd64]; add arm64 to architectures or drop the family",
            id="graviton-gpu-family-in-amd64-pool",
        ),
    ],
)
def test_family_of_another_architecture_is_refused(pools: dict[str, Any], message: str) -> None:
    assert _refusal(pools) == message


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        pytest.param(
            {"cpu": {"instanceFamilies": ["m7"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'm7' is not an EC2 instance family: from generation 6 "
            "on, 'm' families name their processor right after the generation (a AMD, g Graviton, i Intel); did "
            "you mean m7a, m7g or m7i?",
            id="missing-processor-letter",
        ),
        pytest.param(
            {"cpu": {"instanceFamilies": ["c7i", "7i"]}},
            "karpenter:nodePools.cpu.instanceFamilies[1]: '7i' is not an EC2 instance family: a family is category "
            "letters, a generation digit and attribute letters, such as c5, m7i, c6gn or p4d",
            id="no-category",
        ),
        pytest.param(
            {"cpu": {"instanceFamilies": ["M7i"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'M7i' is not an EC2 instance family: a family is category "
            "letters, a generation digit and attribute letters, such as c5, m7i, c6gn or p4d",
            id="upper-case",
        ),
        pytest.param(
            {"cpu": {"instanceFamilies": ["m7i.large"]}},
            "karpenter:nodePools.cpu.instanceFamilies[0]: 'm7i.large' is not an EC2 instance family: a family is "
            "category letters, a generation digit and attribute letters, such as c5, m7i, c6gn or p4d",
            id="instance-type",
        ),
    ],
)
def test_name_that_is_no_instance_family_is_refused(pools: dict[str, Any], message: str) -> None:
    assert _refusal(pools) == message


def test_family_no_later_than_min_instance_generation_is_refused() -> None:
    pools = {"cpu": {"instanceCategories": ["c", "z"], "instanceFamilies": ["c7i", "z1d"]}}
    assert _refusal(pools) == (
        "karpenter:nodePools.cpu.instanceFamilies[1]: 'z1d' is generation 1, and minInstanceGeneration 2 admits "
        "only later ones; lower minInstanceGeneration to 0, or drop the family"
    )


def test_a_family_of_exactly_min_instance_generation_is_refused() -> None:
    # The chart's requirement is instance-generation Gt minInstanceGeneration: equal is not enough.
    assert _refusal({"cpu": {"instanceFamilies": ["c5"], "minInstanceGeneration": 5}}) == (
        "karpenter:nodePools.cpu.instanceFamilies[0]: 'c5' is generation 5, and minInstanceGeneration 5 admits "
        "only later ones; lower minInstanceGeneration to 4, or drop the family"
    )


# --- capacity types and limits ---------------------------------------------------------------


def test_reserved_capacity_is_refused_while_the_pools_node_class_selects_no_reservations() -> None:
    assert _refusal({"cpu": {"capacityTypes": ["spot", "reserved"]}}) == (
        "karpenter:nodePools.cpu.capacityTypes[1]: 'reserved' needs a node class that selects capacity "
        "reservations, and node class 'default' sets no "
        "karpenter:nodeClasses.default.capacityReservationSelectorTerms; add them there, or use spot or on-demand"
    )


def test_reserved_capacity_rule_lets_reserved_through_once_reservations_are_selected() -> None:
    assert (
        pool_rules.reserved_capacity_problem(["reserved", "on-demand"], node_class="p5", selects_reservations=True)
        is None
    )
    assert pool_rules.reserved_capacity_problem(
        ["on-demand", "reserved"], node_class="p5", selects_reservations=False
    ) == (
        "capacityTypes[1]",
        "'reserved' needs a node class that selects capacity reservations, and node class 'p5' sets no "
        "karpenter:nodeClasses.p5.capacityReservationSelectorTerms; add them there, or use spot or on-demand",
    )


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        pytest.param(
            {},
            "karpenter:nodePools.cpu.limits: an empty map leaves the pool unbounded, so one unschedulable pod "
            "could grow it without end; name at least cpu, or leave limits out for the defaults (cpu 1000, memory "
            "1000Gi)",
            id="empty",
        ),
        pytest.param(
            {"cpus": "100"},
            "karpenter:nodePools.cpu.limits.cpus: not a Kubernetes resource name; did you mean 'cpu'? Standard names "
            "are cpu, memory, ephemeral-storage, pods, hugepages-<size>; extended resources are domain-qualified, "
            "such as nvidia.com/gpu",
            id="cpus",
        ),
        pytest.param(
            {"cpu": "100", "gpu": "8"},
            "karpenter:nodePools.cpu.limits.gpu: not a Kubernetes resource name; did you mean 'nvidia.com/gpu'? "
            "Standard names are cpu, memory, ephemeral-storage, pods, hugepages-<size>; extended resources are "
            "domain-qualified, such as nvidia.com/gpu",
            id="unqualified-gpu",
        ),
        pytest.param(
            {"widgets": "1"},
            "karpenter:nodePools.cpu.limits.widgets: not a Kubernetes resource name. Standard names are cpu, "
            "memory, ephemeral-storage, pods, hugepages-<size>; extended resources are domain-qualified, such as "
            "nvidia.com/gpu",
            id="nothing-close",
        ),
        pytest.param(
            {"nvidia/gpu": "8"},
            "karpenter:nodePools.cpu.limits.nvidia/gpu: 'nvidia' is not a DNS domain with a dot; extended "
            "resources are domain-qualified, such as nvidia.com/gpu; did you mean 'nvidia.com/gpu'?",
            id="domain-without-dot",
        ),
        pytest.param(
            {"hugepages-big": "1Gi"},
            "karpenter:nodePools.cpu.limits.hugepages-big: 'big' is not a page size; name huge pages by their size, "
            "such as hugepages-2Mi or hugepages-1Gi",
            id="hugepages-without-size",
        ),
    ],
)
def test_limits_that_bound_nothing_or_name_no_resource_are_refused(limits: dict[str, Any], message: str) -> None:
    assert _refusal({"cpu": {"limits": limits}}) == message


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("cpu", None),
        ("memory", None),
        ("ephemeral-storage", None),
        ("pods", None),
        ("nodes", None),
        ("hugepages-2Mi", None),
        ("hugepages-1Gi", None),
        ("nvidia.com/gpu", None),
        ("aws.amazon.com/neuron", None),
        ("vpc.amazonaws.com/efa", None),
        ("example.com/fpga_slot.v2", None),
        (
            "CPU",
            "not a Kubernetes resource name; did you mean 'cpu'? Standard names are cpu, memory, ephemeral-storage, "
            "pods, hugepages-<size>; extended resources are domain-qualified, such as nvidia.com/gpu",
        ),
        (
            "kubernetes.io/gpu",
            "the kubernetes.io domain is Kubernetes' own and holds no extended resources; did you mean "
            "'nvidia.com/gpu'?",
        ),
        (
            "example.com/-gpu",
            "'-gpu' is not a resource name within example.com: letters, digits, -, _ and ., starting and ending "
            "with a letter or digit, at most 63 characters",
        ),
        (
            "node.kubernetes.io/widgets",
            "the kubernetes.io domain is Kubernetes' own and holds no extended resources",
        ),
        (
            "example/widgets",
            "'example' is not a DNS domain with a dot; extended resources are domain-qualified, such as nvidia.com/gpu",
        ),
        (
            "example.com/a/b",
            "'a/b' is not a resource name within example.com: letters, digits, -, _ and ., starting and ending "
            "with a letter or digit, at most 63 characters",
        ),
        (f"example.com/{'a' * 63}", None),
        (
            f"example.com/{'a' * 64}",
            f"'{'a' * 64}' is not a resource name within example.com: letters, digits, -, _ and ., starting and "
            "ending with a letter or digit, at most 63 characters",
        ),
        (f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 61}/fpga", None),
        (
            f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 62}/fpga",
            f"'{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 62}' is longer than the 253 characters a DNS domain may have",
        ),
        (
            "Example.com/gpu",
            "'Example.com' is not a DNS domain with a dot; extended resources are domain-qualified, such as "
            "nvidia.com/gpu; did you mean 'nvidia.com/gpu'?",
        ),
    ],
)
def test_resource_names_follow_kubernetes_rules(name: str, problem: str | None) -> None:
    assert resource_name_problem(name) == problem


# --- the launchable neighbours ---------------------------------------------------------------


@pytest.mark.parametrize(
    "pools",
    [
        pytest.param({"cpu": {}}, id="default-cpu-pool"),
        pytest.param({"gpu": {"gpu": True}}, id="default-gpu-pool"),
        pytest.param({"cpu": {"instanceCategories": ["c", "m", "r"]}}, id="cpu-pool-on-c-m-r"),
        pytest.param({"gpu": {"gpu": True, "instanceCategories": ["g", "p"]}}, id="gpu-pool-on-g-p"),
        pytest.param({"gpu": {"gpu": True, "instanceCategories": ["gr"]}}, id="gpu-pool-on-gr"),
        pytest.param(
            {"gpu": {"gpu": True, "architectures": ["arm64"], "instanceFamilies": ["g5g"]}}, id="arm64-gpu-pool"
        ),
        pytest.param({"gpu": {"gpu": True, "instanceFamilies": ["g5", "g6e", "p5", "p6-b200"]}}, id="nvidia-families"),
        pytest.param(
            {"arm": {"architectures": ["arm64"], "instanceFamilies": ["m7g", "c7g"], "minInstanceGeneration": 6}},
            id="graviton-families",
        ),
        pytest.param(
            {"any": {"architectures": ["amd64", "arm64"], "instanceFamilies": ["m7i", "m7g", "c7i-flex"]}},
            id="both-architectures",
        ),
        pytest.param(
            {"cpu": {"instanceCategories": ["c", "g"], "instanceFamilies": ["c7i"]}}, id="families-narrow-categories"
        ),
        pytest.param(
            {"cpu": {"instanceFamilies": ["z1d"], "instanceCategories": ["z"], "minInstanceGeneration": 0}},
            id="first-generation-family-above-min-generation",
        ),
        pytest.param({"cpu": {"capacityTypes": ["spot", "on-demand"]}}, id="spot-and-on-demand"),
        pytest.param({"cpu": {"expireAfter": "Never"}}, id="never-expires"),
    ],
)
def test_launchable_pools_are_accepted(pools: dict[str, Any]) -> None:
    assert list(_parsed(pools).node_pools) == list(pools)


@pytest.mark.parametrize(
    ("limits", "parsed"),
    [
        pytest.param({"cpu": 100, "memory": "400Gi"}, {"cpu": "100", "memory": "400Gi"}, id="integer-cpu"),
        pytest.param(
            {"cpu": "64", "nvidia.com/gpu": 8, "hugepages-2Mi": "1Gi"},
            {"cpu": "64", "nvidia.com/gpu": "8", "hugepages-2Mi": "1Gi"},
            id="gpu-and-hugepages",
        ),
        pytest.param({"nodes": 10}, {"nodes": "10"}, id="node-count"),
    ],
)
def test_limits_of_resource_names_are_accepted_as_given(limits: dict[str, Any], parsed: dict[str, str]) -> None:
    assert _parsed({"gpu": {"gpu": True, "limits": limits}}).node_pools["gpu"].limits == parsed


def test_cli_refuses_a_pool_that_cannot_launch_with_one_line_and_exit_2(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("__main__.py", "Pulumi.yaml"):
        (project / name).write_text((ROOT / name).read_text())
    (project / "Pulumi.bad.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  karpenter:clusterName: dev\n  karpenter:nodePools:\n"
        "    gpu:\n      gpu: true\n      instanceFamilies: [m5, c6i]\n"
    )
    command = [sys.executable, "-m", "karpenter", "synth", "--stack", "bad", "--project-dir", str(project)]
    result = subprocess.run(
        [*command, "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 2
    assert result.stderr == (
        "error: karpenter:nodePools.gpu.instanceFamilies: m5, c6i have no NVIDIA GPUs, so this gpu: true pool "
        "could never launch a node; name NVIDIA GPU families such as g5, g6e, p5\n"
    )
