"""Values for the local karpenter-config chart, built from the validated stack config.

Pure data: no Pulumi, no I/O. The same config always gives the same dict, key order included.
"""

from __future__ import annotations

import re
from typing import Any

from karpenter.config.node_class_choice import pool_node_class
from karpenter.config.node_pool import NodePool, Taint
from karpenter.config.requirements import OverlayRequirement, Requirement
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import ConsolidationPolicy
from karpenter.kubernetes.gpu_sharing import time_slicing
from karpenter.kubernetes.node_class_values import node_classes_values
from karpenter.vocabulary.node_labels import RETIRED_LABEL
from karpenter.vocabulary.resource_names import NODE_COUNT

DEFAULT_INSTANCE_CATEGORIES = ("c", "m", "r")
GPU_INSTANCE_CATEGORIES = ("g", "p")

GPU_RESOURCE = "nvidia.com/gpu"
# Used when a GPU pool's limits name no GPU count: one 8-GPU instance (p4d/p5, g5.48xlarge)
# at most, so a pending pod cannot scale a pool into dozens of GPUs before anyone notices.
DEFAULT_GPU_LIMIT = "8"
# Keeps pods that did not ask for GPUs off expensive GPU nodes; the NVIDIA device plugin
# and GPU workloads tolerate it.
GPU_TAINT: dict[str, str] = {"key": GPU_RESOURCE, "value": "true", "effect": "NoSchedule"}

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
    chart_digest: str | None = None,
) -> dict[str, Any]:
    """Chart values: one EC2NodeClass `default` (plus `gpu` when a GPU pool uses it, and each
    configured class), one NodePool per configured pool in config order, and the NodeOverlays.
    With `chart_digest` (karpenter.charts.digest), `chartDigest` too: no template reads it, but
    it changes the release's inputs whenever the chart's files do.

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

    values: dict[str, Any] = {} if chart_digest is None else {"chartDigest": chart_digest}
    values |= {
        "clusterName": config.cluster_name,
        "nodeClasses": node_classes_values(
            config, instance_profile_name=instance_profile_name, ami_alias=ami_alias, by_id=by_id
        ),
        "nodePools": {name: node_pool_values(name, pool, all_zones) for name, pool in config.node_pools.items()},
    }
    overlays = node_overlays_values(config)
    if overlays:
        values["nodeOverlays"] = overlays
    return values


def node_overlays_values(config: StackConfig) -> dict[str, dict[str, Any]]:
    """The configured NodeOverlays, then those of the pools' GPU time-slicing."""
    overlays = {
        name: overlay.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
        | {"requirements": [_plain_requirement(r) for r in overlay.requirements]}
        for name, overlay in config.node_overlays.items()
    }
    for name, pool in config.node_pools.items():
        sliced = time_slicing(name, pool)
        if sliced is not None:
            overlays.update(sliced.overlays)
    return overlays


def node_pool_values(name: str, pool: NodePool, all_zones: list[str]) -> dict[str, Any]:
    """One pool's NodePool chart values; a pool without zones of its own may use all of `all_zones`."""
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

    requirements += [_plain_requirement(extra) for extra in pool.requirements]

    limits = pool.rendered_limits()
    sliced = time_slicing(name, pool)
    # A static pool takes only a nodes limit; it keeps its replicas and no more. Time-sliced nodes
    # count each GPU as many times as pods share it, so the default still means eight GPUs.
    if pool.gpu and GPU_RESOURCE not in limits and pool.replicas is None:
        limits[GPU_RESOURCE] = str(int(DEFAULT_GPU_LIMIT) * (sliced.replicas if sliced else 1))

    labels = {**pool.labels, **(sliced.node_labels if sliced else {})}
    if pool.retired:
        # Zero limits stop launches; the new template label changes the pool's hash, so every node drifts
        # and Karpenter replaces it, in the other pools, at the pace its Drifted budgets allow (unlike a
        # deleted pool, whose nodes all drain at once, or expiry, which ignores budgets).
        limits = {NODE_COUNT: "0"} if pool.replicas is not None else {"cpu": "0"}
        labels[RETIRED_LABEL] = "true"

    default_policy = ConsolidationPolicy.WHEN_EMPTY if pool.gpu else ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED
    values: dict[str, Any] = {
        "nodeClass": pool_node_class(pool),
        "requirements": requirements,
        "taints": pool_taints(pool),
        "labels": labels,
        "limits": limits,
    }
    if pool.weight is not None:
        values["weight"] = pool.weight
    if pool.replicas is not None:
        values["replicas"] = 0 if pool.retired else pool.replicas
    values["expireAfter"] = pool.expire_after
    if pool.termination_grace_period is not None:
        values["terminationGracePeriod"] = pool.termination_grace_period
    if pool.startup_taints:
        values["startupTaints"] = [_taint(taint) for taint in pool.startup_taints]
    values["disruption"] = {
        "consolidationPolicy": (pool.disruption.consolidation_policy or default_policy).value,
        "consolidateAfter": pool.disruption.consolidate_after,
    }
    if pool.disruption.budgets is not None:
        values["disruption"]["budgets"] = [
            budget.model_dump(mode="json", by_alias=True, exclude_none=True) for budget in pool.disruption.budgets
        ]
    return values


def _requirement(key: str, operator: str, values: list[str]) -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": values}


def _plain_requirement(requirement: OverlayRequirement) -> dict[str, Any]:
    rendered: dict[str, Any] = {"key": requirement.key, "operator": requirement.operator.value}
    if requirement.values:
        rendered["values"] = list(requirement.values)
    if isinstance(requirement, Requirement) and requirement.min_values is not None:
        rendered["minValues"] = requirement.min_values
    return rendered


def _taint(taint: Taint) -> dict[str, str]:
    rendered = {"key": taint.key}
    # An empty taint value means the same as none, and the CRD's pattern refuses "".
    if taint.value:
        rendered["value"] = taint.value
    rendered["effect"] = taint.effect.value
    return rendered


def pool_taints(pool: NodePool) -> list[dict[str, str]]:
    """The taints a pool's nodes carry: the configured ones, and on GPU pools the GPU taint."""
    taints = [_taint(taint) for taint in pool.taints]
    # Kubernetes identifies a taint by key and effect; a configured one wins over ours.
    if pool.gpu and not any((t["key"], t["effect"]) == (GPU_TAINT["key"], GPU_TAINT["effect"]) for t in taints):
        taints.insert(0, dict(GPU_TAINT))
    return taints
