"""Values of the upstream releases as plain data: the karpenter chart (v1 keys, the stack's
`helmValues` merged under what the stack owns) and the NVIDIA device plugin. No Pulumi."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from karpenter.cluster.facts import ClusterFacts
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity
from karpenter.kubernetes.pool_values import pool_taints
from karpenter.vocabulary.karpenter_chart_keys import ROLE_ARN_ANNOTATION
from karpenter.vocabulary.system_nodes import SYSTEM_NODE_LABEL

# The label Karpenter puts on every node it launches with an NVIDIA GPU.
GPU_MANUFACTURER_LABEL = "karpenter.k8s.aws/instance-gpu-manufacturer"


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` laid over `base`, maps merged key by key, anything else replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def karpenter_values(
    config: StackConfig, facts: ClusterFacts, *, controller_role_arn: str, interruption_queue: str | None
) -> dict[str, Any]:
    """Values of the karpenter chart, v1 keys only, with the stack's `helmValues` merged in.

    `helmValues` may change where the controller runs; what the stack owns is laid over it last.
    """
    resources = config.controller.resources
    # The config refuses these in `helmValues`; laid last so that nothing there can drop them.
    owned: dict[str, Any] = {
        "settings": {"clusterName": facts.name, "clusterEndpoint": facts.endpoint},
        "replicas": config.controller.replicas,
        "controller": {
            "resources": {
                "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
                "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
            }
        },
    }
    if interruption_queue:
        # The queue's name: an ARN or URL here silently disables interruption handling.
        owned["settings"]["interruptionQueue"] = interruption_queue
    if config.identity is Identity.IRSA:
        owned["serviceAccount"] = {"annotations": {ROLE_ARN_ANNOTATION: controller_role_arn}}
    placement: dict[str, Any] = {}
    if config.cluster.create:
        # The controller runs on the system node group the stack creates with the cluster.
        key, value = SYSTEM_NODE_LABEL
        placement["nodeSelector"] = {"kubernetes.io/os": "linux", key: value}
    return deep_merge(deep_merge(placement, config.helm_values), owned)


def nvidia_device_plugin_values(config: StackConfig) -> dict[str, Any]:
    """Run the device plugin on GPU nodes only, past every taint a GPU pool puts on them: a taint
    it does not tolerate keeps it off those nodes, and their GPUs are never advertised."""
    tolerated: dict[tuple[str, str], None] = {}
    for pool in config.node_pools.values():
        if pool.gpu:
            tolerated.update(((taint["key"], taint["effect"]), None) for taint in pool_taints(pool))
    return {
        # The chart's own affinity waits for node-feature-discovery labels nobody sets here.
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": GPU_MANUFACTURER_LABEL, "operator": "In", "values": ["nvidia"]}]}
                    ]
                }
            }
        },
        "tolerations": [
            *({"key": key, "operator": "Exists", "effect": effect} for key, effect in tolerated),
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
        ],
    }


def needs_device_plugin(config: StackConfig) -> bool:
    """GPU pools on AL2023 need the plugin; Bottlerocket's NVIDIA variants ship it."""
    return config.ami_alias.startswith("al2023@") and any(pool.gpu for pool in config.node_pools.values())
