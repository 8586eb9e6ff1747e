"""The NVIDIA device plugin runs on every GPU node a pool launches, whatever taints the pool adds."""

from __future__ import annotations

from typing import Any

import yaml

from karpenter.offline import program, report
from tests.conftest import Run

GPU_ONLY = [{"key": "karpenter.k8s.aws/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]}]


def _plugin_values(result: program.SynthResult) -> dict[str, Any]:
    (plugin,) = [r for r in result.of_type("kubernetes:helm.sh/v3:Release") if r.name == "nvidia-device-plugin"]
    values: dict[str, Any] = plugin.inputs["values"]
    return values


def _tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    """Kubernetes' matching: same key (or an empty key with Exists), same effect or none, and for
    Equal the same value."""
    for toleration in tolerations:
        operator = toleration.get("operator", "Equal")
        if toleration.get("key") not in (None, "", taint["key"]) or (
            not toleration.get("key") and operator != "Exists"
        ):
            continue
        if toleration.get("effect") not in (None, "", taint["effect"]):
            continue
        if operator == "Exists" or toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def _gpu_node_taints(result: program.SynthResult) -> list[dict[str, Any]]:
    manifests = yaml.safe_load_all(report.rendered_files(result)["manifests/karpenter-config.yaml"])
    pools = [
        m
        for m in manifests
        if m["kind"] == "NodePool" and m["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "gpu"
    ]
    assert pools, "no GPU pool was rendered"
    return [taint for pool in pools for taint in pool["spec"]["template"]["spec"].get("taints", [])]


def test_the_plugin_tolerates_a_gpu_pools_own_taints(run: Run) -> None:
    result = run(
        {
            "nodePools": {
                # A CPU pool before them changes nothing.
                "cpu": {"taints": [{"key": "batch", "effect": "NoSchedule"}]},
                "training": {"gpu": True, "taints": [{"key": "team", "value": "ml", "effect": "NoSchedule"}]},
                "inference": {"gpu": True, "taints": [{"key": "serving", "effect": "NoExecute"}]},
            }
        }
    )
    values = _plugin_values(result)
    assert values["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "team", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "serving", "operator": "Exists", "effect": "NoExecute"},
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
    ]
    taints = _gpu_node_taints(result)
    assert len(taints) == 4
    for taint in taints:
        assert _tolerates(values["tolerations"], taint), taint


def test_the_plugin_still_runs_on_gpu_nodes_only(run: Run) -> None:
    values = _plugin_values(
        run({"nodePools": {"cpu": {"taints": [{"key": "batch", "effect": "NoSchedule"}]}, "gpu": {"gpu": True}}})
    )
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": GPU_ONLY}]
    # A CPU pool's taint is not the plugin's business: it never runs there.
    assert {"key": "batch", "operator": "Exists", "effect": "NoSchedule"} not in values["tolerations"]


def test_the_toleration_check_refuses_what_kubernetes_refuses() -> None:
    taint = {"key": "team", "value": "ml", "effect": "NoSchedule"}
    assert not _tolerates([{"key": "team", "operator": "Exists", "effect": "NoExecute"}], taint)
    assert not _tolerates([{"key": "team", "operator": "Equal", "value": "ops", "effect": "NoSchedule"}], taint)
    assert not _tolerates([{"key": "other", "operator": "Exists"}], taint)
    assert _tolerates([{"key": "team", "operator": "Equal", "value": "ml"}], taint)
    assert _tolerates([{"operator": "Exists"}], taint)
