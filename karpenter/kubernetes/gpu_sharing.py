"""GPU time-slicing of a pool as plain data, derived in one place so that the NVIDIA device plugin and
Karpenter agree: the plugin config that advertises each GPU N times, the node label that picks it, and
the NodeOverlays telling Karpenter that an instance type with G GPUs then offers G × N nvidia.com/gpu.
No Pulumi."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from karpenter.config.gpu_sharing import sharing_config_name, sharing_overlay_name
from karpenter.config.node_pool import NodePool
from karpenter.vocabulary import node_labels
from karpenter.vocabulary.nvidia_device_plugin import (
    CONFIG_LABEL,
    DEFAULT_CONFIG,
    DEFAULT_CONFIG_NAME,
    GPU_RESOURCE,
    INSTANCE_GPU_COUNTS,
    time_slicing_config,
)


@dataclass(frozen=True)
class TimeSlicedPool:
    """What a time-sliced pool needs of the device plugin and of Karpenter."""

    replicas: int
    # The device plugin's config for the pool's nodes, by name (a key of the chart's config.map).
    config_name: str
    plugin_config: str
    # Put on the pool's nodes: the plugin serves each node the config its label names.
    node_labels: dict[str, str] = field(default_factory=dict)
    # NodeOverlay chart values by name, one per GPU count an instance type may have.
    overlays: dict[str, dict[str, Any]] = field(default_factory=dict)


def time_slicing(pool_name: str, pool: NodePool) -> TimeSlicedPool | None:
    """The device plugin config, node label and NodeOverlays of a pool's time-slicing, or None."""
    if pool.gpu_sharing is None:
        return None
    replicas = pool.gpu_sharing.time_slicing.replicas
    name = sharing_config_name(replicas)
    overlays = {
        sharing_overlay_name(pool_name, gpus): {
            "requirements": [
                {"key": node_labels.NODE_POOL, "operator": "In", "values": [pool_name]},
                {"key": node_labels.GPU_COUNT, "operator": "In", "values": [str(gpus)]},
            ],
            "capacity": {GPU_RESOURCE: str(gpus * replicas)},
        }
        for gpus in INSTANCE_GPU_COUNTS
    }
    return TimeSlicedPool(
        replicas=replicas,
        config_name=name,
        plugin_config=time_slicing_config(replicas),
        node_labels={CONFIG_LABEL: name},
        overlays=overlays,
    )


def device_plugin_config(pools: Mapping[str, NodePool]) -> dict[str, Any] | None:
    """The device plugin chart's `config` value: a default config for unlabelled nodes and one per
    sharing ratio the pools use; None when no pool shares its GPUs."""
    sliced = [found for name, pool in pools.items() if (found := time_slicing(name, pool)) is not None]
    if not sliced:
        return None
    configs = {DEFAULT_CONFIG_NAME: DEFAULT_CONFIG}
    configs.update((found.config_name, found.plugin_config) for found in sorted(sliced, key=lambda f: f.replicas))
    return {"map": configs, "default": DEFAULT_CONFIG_NAME}
