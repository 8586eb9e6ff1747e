"""Values for the local karpenter-config chart, built from the validated stack config.

Pure data: no Pulumi, no I/O. The same config always gives the same dict, key order included.
"""

from __future__ import annotations

import re
from typing import Any

from karpenter.config.node_pool import NodePool
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import ConsolidationPolicy

DEFAULT_NODE_CLASS = "default"
GPU_NODE_CLASS = "gpu"

# The CPU root volume holds images and emptyDirs of ordinary workloads; GPU images (CUDA,
# model servers) are often tens of GiB each, so GPU nodes get four times as much.
DEFAULT_ROOT_VOLUME_SIZE = "50Gi"
GPU_ROOT_VOLUME_SIZE = "200Gi"

DEFAULT_INSTANCE_CATEGORIES = ("c", "m", "r")
GPU_INSTANCE_CATEGORIES = ("g", "p")

GPU_RESOURCE = "nvidia.com/gpu"
# Used when a GPU pool's limits name no GPU count: one 8-GPU instance (p4d/p5, g5.48xlarge)
# at most, so a pending pod cannot scale a pool into dozens of GPUs before anyone notices.
DEFAULT_GPU_LIMIT = "8"
# Keeps pods that did not ask for GPUs off expensive GPU nodes; the NVIDIA device plugin
# and GPU workloads tolerate it.
GPU_TAINT: dict[str, str] = {"key": GPU_RESOURCE, "value": "true", "effect": "NoSchedule"}

# The device the kubelet root dir lives on differs per AMI family: Bottlerocket keeps its
# OS on /dev/xvda and containers on the data volume /dev/xvdb.
_ROOT_DEVICE_BY_FAMILY = {"al2023": "/dev/xvda", "bottlerocket": "/dev/xvdb"}
# Mirrors the CRD's alias rules (family@version, at most 30 characters), limited to the
# Linux families above.
_AMI_ALIAS = re.compile(r"^(al2023|bottlerocket)@[A-Za-z0-9._-]+$")


def karpenter_config_values(
    config: StackConfig,
    *,
    instance_profile_name: str,
    zones: list[str],
    ami_alias: str = "al2023@latest",
    subnet_ids: list[str] | None = None,
    security_group_ids: list[str] | None = None,
) -> dict[str, Any]:
    """Chart values: one EC2NodeClass `default` (plus `gpu` when a pool needs GPUs) and one
    NodePool per configured pool, in config order.

    `zones` are the zones of the node subnets; a pool without its own zones may use all of
    them. With `subnet_ids` and `security_group_ids` the node classes select those by id;
    without them, by the discovery tag. Raises ValueError for an AMI alias the chart cannot
    use, no zones, a pool zone outside `zones`, or an empty id list.
    """
    if not instance_profile_name:
        raise ValueError("instance_profile_name must not be empty")
    by_id: dict[str, list[str]] = {}
    if subnet_ids is not None and security_group_ids is not None:
        if not subnet_ids or not security_group_ids:
            raise ValueError("subnet_ids and security_group_ids must not be empty")
        by_id = {"subnetIds": list(subnet_ids), "securityGroupIds": list(security_group_ids)}
    elif subnet_ids is not None or security_group_ids is not None:
        raise ValueError("subnet_ids and security_group_ids go together: give both, or neither")
    if len(ami_alias) > 30 or not _AMI_ALIAS.match(ami_alias):
        raise ValueError(
            f"ami_alias {ami_alias!r} is not family@version with family al2023 or bottlerocket (at most 30 characters)"
        )
    all_zones = list(dict.fromkeys(zones))
    if not all_zones:
        raise ValueError("zones must name at least one availability zone of the node subnets")

    root_device = _ROOT_DEVICE_BY_FAMILY[ami_alias.split("@", 1)[0]]
    node_classes = {
        DEFAULT_NODE_CLASS: _node_class(instance_profile_name, ami_alias, root_device, DEFAULT_ROOT_VOLUME_SIZE, by_id)
    }
    if any(pool.gpu for pool in config.node_pools.values()):
        node_classes[GPU_NODE_CLASS] = _node_class(
            instance_profile_name, ami_alias, root_device, GPU_ROOT_VOLUME_SIZE, by_id
        )

    return {
        "clusterName": config.cluster_name,
        "nodeClasses": node_classes,
        "nodePools": {name: _node_pool(name, pool, all_zones) for name, pool in config.node_pools.items()},
    }


def _node_class(
    instance_profile: str, ami_alias: str, root_device: str, size: str, by_id: dict[str, list[str]]
) -> dict[str, Any]:
    return {
        "instanceProfile": instance_profile,
        "amiAlias": ami_alias,
        "rootVolume": {"deviceName": root_device, "size": size, "type": "gp3", "encrypted": True},
        # Lists of their own for each class, so that a YAML dump does not write anchors.
        **{key: list(ids) for key, ids in by_id.items()},
    }


def _node_pool(name: str, pool: NodePool, all_zones: list[str]) -> dict[str, Any]:
    zones = list(pool.zones) if pool.zones is not None else all_zones
    outside = [zone for zone in zones if zone not in all_zones]
    if outside:
        raise ValueError(
            f"karpenter:nodePools.{name}.zones: {', '.join(outside)} not among the node subnets' zones "
            f"({', '.join(all_zones)})"
        )

    default_categories = GPU_INSTANCE_CATEGORIES if pool.gpu else DEFAULT_INSTANCE_CATEGORIES
    categories = list(pool.instance_categories) if pool.instance_categories is not None else list(default_categories)
    requirements = [
        _requirement("karpenter.sh/capacity-type", "In", [c.value for c in pool.capacity_types]),
        _requirement("topology.kubernetes.io/zone", "In", zones),
        _requirement("kubernetes.io/arch", "In", [a.value for a in pool.architectures]),
        _requirement("karpenter.k8s.aws/instance-category", "In", categories),
    ]
    if pool.instance_families:
        requirements.append(_requirement("karpenter.k8s.aws/instance-family", "In", list(pool.instance_families)))
    if pool.gpu:
        # g and p also hold AMD and Gaudi instances; the device plugin and the AMI's drivers are NVIDIA's.
        requirements.append(_requirement("karpenter.k8s.aws/instance-gpu-manufacturer", "In", ["nvidia"]))
    requirements += [
        _requirement("karpenter.k8s.aws/instance-generation", "Gt", [str(pool.min_instance_generation)]),
        _requirement("kubernetes.io/os", "In", ["linux"]),
    ]

    limits = dict(pool.limits)
    if pool.gpu and GPU_RESOURCE not in limits:
        limits[GPU_RESOURCE] = DEFAULT_GPU_LIMIT

    default_policy = ConsolidationPolicy.WHEN_EMPTY if pool.gpu else ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED
    values: dict[str, Any] = {
        "nodeClass": GPU_NODE_CLASS if pool.gpu else DEFAULT_NODE_CLASS,
        "requirements": requirements,
        "taints": pool_taints(pool),
        "labels": dict(pool.labels),
        "limits": limits,
    }
    if pool.weight is not None:
        values["weight"] = pool.weight
    values["expireAfter"] = pool.expire_after
    values["disruption"] = {
        "consolidationPolicy": (pool.disruption.consolidation_policy or default_policy).value,
        "consolidateAfter": pool.disruption.consolidate_after,
    }
    return values


def _requirement(key: str, operator: str, values: list[str]) -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": values}


def pool_taints(pool: NodePool) -> list[dict[str, str]]:
    """The taints a pool's nodes carry: the configured ones, and on GPU pools the GPU taint."""
    taints: list[dict[str, str]] = []
    for taint in pool.taints:
        rendered = {"key": taint.key}
        # An empty taint value means the same as none, and the CRD's pattern refuses "".
        if taint.value:
            rendered["value"] = taint.value
        rendered["effect"] = taint.effect.value
        taints.append(rendered)
    # Kubernetes identifies a taint by key and effect; a configured one wins over ours.
    if pool.gpu and not any((t["key"], t["effect"]) == (GPU_TAINT["key"], GPU_TAINT["effect"]) for t in taints):
        taints.insert(0, dict(GPU_TAINT))
    return taints
