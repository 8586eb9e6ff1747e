"""Values of the upstream releases as plain data: the karpenter chart (v1 keys, the stack's
`helmValues` merged under what the stack owns, the feature gates its use needs) and the NVIDIA
device plugin (with the time-slicing configs of GPU-sharing pools). No Pulumi."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from karpenter.cluster.facts import ClusterFacts
from karpenter.config.feature_gates import gates_to_set
from karpenter.config.node_class import AmiFamily
from karpenter.config.node_class_choice import node_class, pool_node_class
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity
from karpenter.kubernetes.gpu_sharing import device_plugin_config
from karpenter.kubernetes.pool_values import pool_taints
from karpenter.vocabulary.karpenter_chart_keys import IDENTITY_POD_ANNOTATION, ROLE_ARN_ANNOTATION
from karpenter.vocabulary.system_nodes import SYSTEM_NODE_LABEL

# The label Karpenter puts on every node it launches with an NVIDIA GPU.
GPU_MANUFACTURER_LABEL = "karpenter.k8s.aws/instance-gpu-manufacturer"
# The label Karpenter puts on every node it launches, naming the node's EC2NodeClass.
NODE_CLASS_LABEL = "karpenter.k8s.aws/ec2nodeclass"


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
    # Only the gates the stack's use turns on; the config refuses `helmValues` turning them off.
    gates = gates_to_set(config.feature_gates_in_use())
    if gates:
        owned["settings"]["featureGates"] = gates
    if config.identity is Identity.IRSA:
        owned["serviceAccount"] = {"annotations": {ROLE_ARN_ANNOTATION: controller_role_arn}}
    else:
        # EKS gives a pod its credentials when the pod is created, and the chart's pod template does not
        # change with the service account's annotation: without this, a switch of identity would leave the
        # controller running on the old credentials until something else restarts it. IRSA stacks (the
        # default) carry none, so they see no restart.
        owned["podAnnotations"] = {IDENTITY_POD_ANNOTATION: Identity.POD_IDENTITY.value}
    placement: dict[str, Any] = {}
    if config.cluster.create:
        # The controller runs on the system node group the stack creates with the cluster.
        key, value = SYSTEM_NODE_LABEL
        placement["nodeSelector"] = {"kubernetes.io/os": "linux", key: value}
    return deep_merge(deep_merge(placement, config.helm_values), owned)


def nvidia_device_plugin_values(config: StackConfig) -> dict[str, Any]:
    """Run the device plugin on GPU nodes only, past every taint a GPU pool puts on them: a taint
    it does not tolerate keeps it off those nodes, and their GPUs are never advertised. Nodes of
    Bottlerocket classes are left out: their NVIDIA variants run a plugin of their own."""
    tolerated: dict[tuple[str, str], None] = {}
    own_plugin: dict[str, None] = {}
    for pool in config.node_pools.values():
        if not pool.gpu:
            continue
        class_name = pool_node_class(pool)
        if node_class(config.node_classes, class_name).family(config.ami_alias) is AmiFamily.AL2023:
            tolerated.update(((taint["key"], taint["effect"]), None) for taint in pool_taints(pool))
        else:
            own_plugin[class_name] = None
    gpu_nodes = [{"key": GPU_MANUFACTURER_LABEL, "operator": "In", "values": ["nvidia"]}]
    if own_plugin:
        gpu_nodes.append({"key": NODE_CLASS_LABEL, "operator": "NotIn", "values": list(own_plugin)})
    values: dict[str, Any] = {
        # The chart's own affinity waits for node-feature-discovery labels nobody sets here.
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": gpu_nodes}]
                }
            }
        },
        "tolerations": [
            *({"key": key, "operator": "Exists", "effect": effect} for key, effect in tolerated),
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
        ],
    }
    # Time-sliced pools pick their config by node label; the config-manager sidecar serves it.
    sharing = device_plugin_config(config.node_pools)
    if sharing is not None:
        values["config"] = sharing
    return values


def needs_device_plugin(config: StackConfig) -> bool:
    """GPU pools on AL2023 node classes need the plugin; Bottlerocket's NVIDIA variants ship it."""
    return any(
        pool.gpu and node_class(config.node_classes, pool_node_class(pool)).family(config.ami_alias) is AmiFamily.AL2023
        for pool in config.node_pools.values()
    )
