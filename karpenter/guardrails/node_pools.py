"""NodePools as the guardrails read them: the config chart's `values.nodePools` entries, or a
rendered NodePool manifest, reduced to their limits, requirements and taints."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from karpenter.guardrails.documents import as_list, mapping, strings
from karpenter.vocabulary.instance_families import GPU_CATEGORIES, family_gpu_manufacturer

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_POOL_TYPES = ("kubernetes:karpenter.sh/v1:NodePool", "kubernetes:karpenter.sh/v1beta1:NodePool")
# The program's local chart, which renders one NodePool per entry of values.nodePools. The
# program passes its path relative to the folder it runs in, which ends with this one wherever
# the package is installed (`venv/lib/python3.11/site-packages/karpenter/charts/...`).
NODE_POOL_CHART = "karpenter/charts/karpenter-config"

GPU_RESOURCE = "nvidia.com/gpu"
GPU_TAINT_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
INSTANCE_CATEGORY = "karpenter.k8s.aws/instance-category"
INSTANCE_FAMILY = "karpenter.k8s.aws/instance-family"
INSTANCE_GPU_PREFIX = "karpenter.k8s.aws/instance-gpu-"
INSTANCE_GPU_COUNT = "karpenter.k8s.aws/instance-gpu-count"


@dataclass(frozen=True)
class NodePoolView:
    """The parts of a NodePool the guardrails read, whichever shape it arrived in."""

    label: str
    limits: Mapping[str, Any]
    requirements: list[Mapping[str, Any]]
    taints: list[Mapping[str, Any]]


def _is_node_pool_chart(chart: Any) -> bool:
    if not isinstance(chart, str) or not chart:
        return False
    chart = posixpath.normpath(chart)
    return chart == NODE_POOL_CHART or chart.endswith("/" + NODE_POOL_CHART)


def node_pools(resource_type: str, name: str, props: Mapping[str, Any]) -> list[NodePoolView]:
    """The NodePools a resource declares: the entries of the config chart's `values.nodePools`,
    or a NodePool custom resource itself."""
    if resource_type == HELM_RELEASE and _is_node_pool_chart(props.get("chart")):
        pools = mapping(mapping(props.get("values")).get("nodePools"))
        return [
            _node_pool_view(f"{name}: values.nodePools.{key}", mapping(value).get("limits"), mapping(value))
            for key, value in pools.items()
        ]
    if resource_type in NODE_POOL_TYPES:
        spec = mapping(props.get("spec"))
        template = mapping(mapping(spec.get("template")).get("spec"))
        pool_name = mapping(props.get("metadata")).get("name") or name
        # The CRD keeps limits on the pool, requirements and taints on its node template.
        return [_node_pool_view(f"{name}: NodePool {pool_name}", spec.get("limits"), template)]
    return []


def _node_pool_view(label: str, limits: Any, node_template: Mapping[str, Any]) -> NodePoolView:
    """`node_template` is whatever holds the pool's `requirements` and `taints`."""
    return NodePoolView(
        label=label,
        limits=mapping(limits),
        requirements=[r for r in as_list(node_template.get("requirements")) if isinstance(r, Mapping)],
        taints=[t for t in as_list(node_template.get("taints")) if isinstance(t, Mapping)],
    )


def _excludes_gpus(key: str, operator: Any, values: list[str]) -> bool:
    """A GPU requirement that rules GPUs out, as `instance-gpu-count DoesNotExist` does."""
    if operator == "DoesNotExist":
        return True
    if key != INSTANCE_GPU_COUNT or not values:
        return False
    if operator == "In":
        return all(value.strip() == "0" for value in values)
    if operator == "Lt":
        return all(value.strip().isdigit() and int(value) <= 1 for value in values)
    return False


def gpu_capabilities(pool: NodePoolView) -> list[str]:
    """Why a pool can launch GPU instances, one reason per requirement or limit; empty if it cannot."""
    reasons: list[str] = []
    for requirement in pool.requirements:
        key, operator = requirement.get("key"), requirement.get("operator")
        values = strings(requirement.get("values"))
        if not isinstance(key, str):
            continue
        if key == INSTANCE_CATEGORY and operator == "In" and GPU_CATEGORIES & {v.lower() for v in values}:
            reasons.append(f"{key} In {values}")
        elif key == INSTANCE_FAMILY and operator == "In" and any(family_gpu_manufacturer(v.lower()) for v in values):
            reasons.append(f"{key} In {values}")
        elif key.startswith(INSTANCE_GPU_PREFIX) and not _excludes_gpus(key, operator, values):
            reasons.append(f"{key} {operator} {values}" if values else f"{key} {operator}")
    if GPU_RESOURCE in pool.limits:
        reasons.append(f"a {GPU_RESOURCE} limit")
    return reasons


def has_gpu_taint(pool: NodePoolView) -> bool:
    return any(t.get("key") == GPU_RESOURCE and t.get("effect") in GPU_TAINT_EFFECTS for t in pool.taints)
