"""The karpenter chart gets the feature gates the stack's pools, classes and overlays use, and no
`featureGates` at all when they use none; the device plugin follows the pools' AMI families."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.offline import program
from tests.conftest import Run


def _values(result: program.SynthResult, release: str) -> dict[str, Any]:
    [found] = [r for r in result.of_type("kubernetes:helm.sh/v3:Release") if r.name == release]
    values: dict[str, Any] = found.inputs["values"]
    return values


def _releases(result: program.SynthResult) -> set[str]:
    return {r.name for r in result.of_type("kubernetes:helm.sh/v3:Release")}


RESERVATIONS = {"capacityReservationSelectorTerms": [{"id": "cr-0123456789abcdef0"}]}


@pytest.mark.parametrize(
    ("config", "gates"),
    [
        pytest.param({"nodePools": {"warm": {"replicas": 2}}}, {"staticCapacity": True}, id="static-pool"),
        pytest.param(
            {"nodePools": {"cpu": {}}, "nodeOverlays": {"discount": {"priceAdjustment": "-10%"}}},
            {"nodeOverlay": True},
            id="overlay",
        ),
        pytest.param(
            {"nodePools": {"inference": {"gpu": True, "gpuSharing": {"timeSlicing": {"replicas": 2}}}}},
            {"nodeOverlay": True},
            id="gpu-sharing",
        ),
        pytest.param(
            {"controller": {"spotToSpotConsolidation": True}}, {"spotToSpotConsolidation": True}, id="spot-to-spot"
        ),
        pytest.param(
            {
                "nodePools": {"warm": {"replicas": 1}},
                "helmValues": {"settings": {"featureGates": {"nodeRepair": True, "staticCapacity": True}}},
            },
            {"nodeRepair": True, "staticCapacity": True},
            id="the-users-own-gates-stay",
        ),
    ],
)
def test_the_gates_the_stack_uses_are_turned_on(run: Run, config: dict[str, Any], gates: dict[str, bool]) -> None:
    assert _values(run(config), "karpenter")["settings"]["featureGates"] == gates


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"nodePools": {"cpu": {}, "gpu": {"gpu": True}}}, id="cpu-and-gpu"),
        pytest.param(
            {"nodePools": {"r": {"capacityTypes": ["reserved"]}}, "nodeClasses": {"default": RESERVATIONS}},
            id="reservations-need-a-gate-on-by-default",
        ),
    ],
)
def test_no_feature_gates_are_written_while_none_needs_turning_on(run: Run, config: dict[str, Any]) -> None:
    assert "featureGates" not in _values(run(config), "karpenter")["settings"]


@pytest.mark.parametrize(
    ("config", "plugin"),
    [
        pytest.param({"nodePools": {"gpu": {"gpu": True}}}, True, id="implicit-al2023-class"),
        pytest.param(
            {"amiAlias": "bottlerocket@latest", "nodePools": {"gpu": {"gpu": True}}}, False, id="implicit-bottlerocket"
        ),
        pytest.param(
            {
                "amiAlias": "bottlerocket@latest",
                "nodeClasses": {"cuda": {"amiAlias": "al2023@latest"}},
                "nodePools": {"cpu": {}, "gpu": {"gpu": True, "nodeClass": "cuda"}},
            },
            True,
            id="al2023-class-in-a-bottlerocket-stack",
        ),
        pytest.param(
            {
                "nodeClasses": {"br": {"amiSelectorTerms": [{"tags": {"os": "br"}}], "amiFamily": "bottlerocket"}},
                "nodePools": {"gpu": {"gpu": True, "nodeClass": "br"}},
            },
            False,
            id="selected-bottlerocket-amis",
        ),
    ],
)
def test_the_device_plugin_is_installed_for_gpu_pools_on_al2023_classes(
    run: Run, config: dict[str, Any], plugin: bool
) -> None:
    assert ("nvidia-device-plugin" in _releases(run(config))) is plugin


def test_the_device_plugin_stays_off_bottlerocket_gpu_nodes_in_a_mixed_stack(run: Run) -> None:
    config = {
        "amiAlias": "bottlerocket@latest",
        "nodeClasses": {"cuda": {"amiAlias": "al2023@latest"}},
        "nodePools": {
            "al2023": {"gpu": True, "nodeClass": "cuda", "taints": [{"key": "a.io/x", "effect": "NoSchedule"}]},
            "br": {"gpu": True, "taints": [{"key": "b.io/y", "effect": "NoExecute"}]},
        },
    }
    values = _values(run(config), "nvidia-device-plugin")
    [term] = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term["matchExpressions"] == [
        {"key": "karpenter.k8s.aws/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]},
        {"key": "karpenter.k8s.aws/ec2nodeclass", "operator": "NotIn", "values": ["gpu"]},
    ]
    assert values["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "a.io/x", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
    ]
