"""GPU sharing of a pool as config: NVIDIA time-slicing, which the device plugin applies to the pool's
nodes and NodeOverlays tell Karpenter about, so that it schedules several pods per GPU."""

from __future__ import annotations

from pydantic import Field

from karpenter.config.strict_model import StrictModel


class TimeSlicing(StrictModel):
    replicas: int = Field(
        ge=2,
        le=256,
        description="Pods that share each GPU: nodes advertise GPUs × replicas nvidia.com/gpu, and the pool's "
        "nvidia.com/gpu limit counts them so (default: 8 × replicas).",
    )


class GpuSharing(StrictModel):
    time_slicing: TimeSlicing = Field(description="CUDA time-slicing: pods take turns on a GPU, without isolation.")


def sharing_overlay_prefix(pool_name: str) -> str:
    """What the names of the NodeOverlays a pool's GPU sharing renders start with."""
    return f"{pool_name}-time-slicing-"


def sharing_overlay_name(pool_name: str, gpus: int) -> str:
    """The NodeOverlay telling Karpenter what a pool's instance types with `gpus` GPUs advertise."""
    return f"{sharing_overlay_prefix(pool_name)}{gpus}gpu"


def sharing_config_name(replicas: int) -> str:
    """The device plugin config (and the node label value selecting it) for `replicas` per GPU."""
    return f"time-sliced-{replicas}"
