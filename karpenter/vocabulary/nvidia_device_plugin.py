"""The NVIDIA device plugin chart 0.17.1 as this program uses it: the resource it advertises, the node
label that picks a node's config, and the GPU counts EC2 NVIDIA instances come with.

Standard library only; read from deployments/helm/nvidia-device-plugin at the v0.17.1 tag of
NVIDIA/k8s-device-plugin (values.yaml, templates/daemonset-device-plugin.yml, README).
"""

from __future__ import annotations

GPU_RESOURCE = "nvidia.com/gpu"
# The plugin's config-manager sidecar serves a node the entry of `config.map` this label names, and
# the entry named by `config.default` to nodes without it.
CONFIG_LABEL = "nvidia.com/device-plugin.config"
# The entry nodes without the label get: GPUs advertised one to one, as without any config.
DEFAULT_CONFIG_NAME = "default"
DEFAULT_CONFIG = "version: v1\nflags:\n  migStrategy: none\n"

# Every NVIDIA GPU count an EC2 instance type has (p2.16xlarge has 16; g5g.16xlarge 2; g3.16xlarge 4).
# Karpenter labels each type with it as karpenter.k8s.aws/instance-gpu-count.
INSTANCE_GPU_COUNTS = (1, 2, 4, 8, 16)


def time_slicing_config(replicas: int) -> str:
    """The plugin config that advertises each GPU as `replicas` nvidia.com/gpu, under the same name."""
    return (
        "version: v1\n"
        "flags:\n"
        "  migStrategy: none\n"
        "sharing:\n"
        "  timeSlicing:\n"
        "    resources:\n"
        f"      - name: {GPU_RESOURCE}\n"
        f"        replicas: {replicas}\n"
    )
