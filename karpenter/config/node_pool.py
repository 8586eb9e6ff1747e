"""Node pools as config: the pool model and its taints, and the checks that its labels, limits,
requirements, instance choices, static capacity and GPU sharing can work."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from karpenter.config import pool_rules
from karpenter.config.gpu_sharing import GpuSharing
from karpenter.config.pool_disruption import Disruption
from karpenter.config.refusal import refusal
from karpenter.config.requirements import Requirement, requirements_problem
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import (
    LABEL_KEY,
    LABEL_VALUE,
    Architecture,
    CapacityType,
    DnsLabel,
    Duration,
    Quantity,
    TaintEffect,
    Zone,
    quantity_value,
)
from karpenter.vocabulary.node_labels import RESERVED_DOMAINS, in_reserved_domain
from karpenter.vocabulary.nvidia_device_plugin import CONFIG_LABEL
from karpenter.vocabulary.resource_names import NODE_COUNT, resource_name_problem

# The CRD's pattern for terminationGracePeriod: like expireAfter, without Never.
_GRACE_PERIOD = re.compile(r"^([0-9]+(s|m|h))+$")


# The checks of a taint, plain functions that the model below runs as its validators.


def _taint_key(v: str) -> str:
    if not LABEL_KEY.match(v):
        raise refusal("'{v}' is not a Kubernetes label key", {"v": v})
    return v


def _taint_value(v: str | None) -> str | None:
    if v is not None and (len(v) > 63 or not LABEL_VALUE.match(v)):
        raise refusal("'{v}' is not a Kubernetes label value", {"v": v})
    return v


class Taint(StrictModel):
    key: str = Field(description="Taint key, a Kubernetes label key.")
    value: str | None = Field(default=None, description="Taint value (optional).")
    effect: TaintEffect = Field(description="NoSchedule, PreferNoSchedule or NoExecute.")

    _check_key = field_validator("key")(_taint_key)
    _check_value = field_validator("value")(_taint_value)


# The checks of a node pool, plain functions that the model below runs as its validators.


def _node_labels(v: dict[str, str]) -> dict[str, str]:
    for key, value in v.items():
        if not LABEL_KEY.match(key):
            raise refusal("'{k}' is not a Kubernetes label key", {"k": key})
        if in_reserved_domain(key):
            raise refusal(
                "'{k}' is in a domain Kubernetes or Karpenter reserve ({domains})",
                {"k": key, "domains": ", ".join(RESERVED_DOMAINS)},
            )
        if len(value) > 63 or not LABEL_VALUE.match(value):
            raise refusal("'{v}' is not a Kubernetes label value", {"v": value})
    return v


def _grace_period(v: str | None) -> str | None:
    if v is not None and not _GRACE_PERIOD.match(v):
        raise refusal("'{v}' is not a duration such as 30s, 15m or 24h (s, m, h; no Never)", {"v": v})
    return v


def _no_repeats(v: list[Any] | None) -> list[Any] | None:
    if v is not None and len(set(v)) != len(v):
        raise refusal("values must not repeat")
    return v


def _pool_limits(v: dict[str, str]) -> dict[str, str]:
    if not v:
        raise refusal(
            "an empty map leaves the pool unbounded, so one unschedulable pod could grow it without end; "
            "name at least cpu, or leave limits out for the defaults (cpu 1000, memory 1000Gi)",
        )
    for name in v:
        problem = resource_name_problem(name)
        if problem:
            raise refusal("{problem}", {"key": name, "problem": problem})
    return v


def _launchable(pool: NodePool) -> NodePool:
    """Refuses a pool that could never launch a node, or would launch machines it was not meant for."""
    categories = pool.instance_categories
    families = pool.instance_families or []
    problem = (
        pool_rules.family_name_problem(families)
        or (
            pool_rules.gpu_pool_problem(categories, families)
            if pool.gpu
            else pool_rules.untainted_gpu_problem(categories, families)
        )
        or pool_rules.family_category_problem(pool.gpu, categories, families)
        or pool_rules.family_architecture_problem([a.value for a in pool.architectures], families)
        or pool_rules.family_generation_problem(pool.min_instance_generation, families)
        or requirements_problem(pool.requirements, gpu=pool.gpu, families=bool(families))
        or pool._static_problem()
        or pool._sharing_problem()
    )
    if problem:
        key, message = problem
        raise refusal("{message}", {"key": key, "message": message})
    return pool


class NodePool(StrictModel):
    gpu: bool = Field(
        default=False,
        description="NVIDIA GPU pool: g/p instances, a tainted GPU node class, nvidia.com/gpu limits.",
    )
    node_class: DnsLabel | None = Field(
        default=None,
        description="Name of the node class (karpenter:nodeClasses) the pool launches with; default: default, "
        "or gpu for GPU pools.",
    )
    capacity_types: list[CapacityType] = Field(
        default=[CapacityType.ON_DEMAND],
        min_length=1,
        description="Capacity types the pool may launch: spot, on-demand, reserved.",
    )
    zones: list[Zone] | None = Field(
        default=None, description="Availability zones; a subset of the subnets' zones. Default: all of them."
    )
    architectures: list[Architecture] = Field(
        default=[Architecture.AMD64], min_length=1, description="CPU architectures: amd64, arm64."
    )
    instance_categories: list[Annotated[str, StringConstraints(pattern=r"^[a-z]+$")]] | None = Field(
        default=None, description="EC2 instance categories; default c, m, r (g, p for GPU pools)."
    )
    instance_families: list[str] | None = Field(
        default=None, description="EC2 instance families to restrict to, e.g. g5, g6 (optional)."
    )
    min_instance_generation: int = Field(default=2, ge=0, description="Only instance generations greater than this.")
    limits: dict[str, Quantity] = Field(
        default_factory=lambda: {"cpu": "1000", "memory": "1000Gi"},
        description="Most resources the pool may hold, as Kubernetes quantities (cpu, memory, nvidia.com/gpu, ...).",
    )
    # The NodePool CRD's 100 template labels and 100 requirements, less those the pool's own settings add: two
    # labels (GPU sharing's device plugin config, retired) and eight requirements (a GPU pool with families).
    labels: dict[str, str] = Field(
        default_factory=dict, max_length=98, description="Labels put on the pool's nodes (at most 98)."
    )
    taints: list[Taint] = Field(
        default_factory=list, description="Taints put on the pool's nodes (GPU pools also get nvidia.com/gpu)."
    )
    weight: int | None = Field(default=None, ge=1, le=100, description="Priority among pools, 1-100 (optional).")
    expire_after: Duration = Field(default="720h", description="Node lifetime before replacement (s, m, h, or Never).")
    disruption: Disruption = Field(default_factory=Disruption, description="Consolidation settings and budgets.")
    requirements: list[Requirement] = Field(
        default_factory=list,
        max_length=92,
        description="Further node requirements on well-known labels (or your own), beside those the pool's fields set "
        "(at most 92).",
    )
    startup_taints: list[Taint] = Field(
        default_factory=list,
        description="Taints a DaemonSet removes once a node is ready; pods need not tolerate them to get a node.",
    )
    termination_grace_period: str | None = Field(
        default=None, description="Most time a node drains before its pods are deleted regardless (s, m, h)."
    )
    replicas: int | None = Field(
        default=None,
        ge=0,
        description="Static pool: keep this many nodes whatever the pods need (StaticCapacity feature gate; "
        "limits take only nodes, no weight).",
    )
    gpu_sharing: GpuSharing | None = Field(
        default=None, description="Share each GPU among pods (GPU pools on AL2023 node classes)."
    )
    max_hourly_cost: float | None = Field(
        default=None,
        gt=0,
        description="Most USD per hour the pool's limits may let it cost at on-demand prices; synth refuses "
        "limits above it (limits are not derived from it).",
    )
    retired: bool = Field(
        default=False,
        description="Keep the pool but launch nothing more (limits 0) and let its nodes drift to other pools "
        "under its budgets; remove it once it has no node (README: Reviewing a change: diff).",
    )

    _check_labels = field_validator("labels")(_node_labels)
    _check_grace_period = field_validator("termination_grace_period")(_grace_period)
    _check_unique = field_validator(
        "capacity_types", "zones", "architectures", "instance_categories", "instance_families"
    )(_no_repeats)
    _check_limits = field_validator("limits")(_pool_limits)
    _check_launchable = model_validator(mode="after")(_launchable)

    def _static_problem(self) -> tuple[str, str] | None:
        # The CRD refuses a static pool with a weight, or with limits other than nodes.
        if self.replicas is None:
            return None
        if self.weight is not None:
            return "weight", "a static pool (replicas) takes no weight in Karpenter 1.14; remove weight"
        if "limits" not in self.model_fields_set:
            return None
        for name in self.limits:
            if name != NODE_COUNT:
                return (
                    f"limits.{name}",
                    f"a static pool (replicas) takes only a nodes limit; remove {name}, or leave limits out "
                    f"for nodes: {self.replicas}",
                )
        if quantity_value(self.limits[NODE_COUNT]) < self.replicas:
            return (
                f"limits.{NODE_COUNT}",
                f"{self.limits[NODE_COUNT]} is fewer than the {self.replicas} replicas the pool keeps; "
                f"raise it to {self.replicas} or more",
            )
        return None

    def _sharing_problem(self) -> tuple[str, str] | None:
        if self.gpu_sharing is None:
            return None
        if not self.gpu:
            return "gpuSharing", "shares NVIDIA GPUs, and this pool has no gpu: true; set it, or remove gpuSharing"
        if CONFIG_LABEL in self.labels:
            return (
                f"labels.{CONFIG_LABEL}",
                "picks the device plugin config, which gpuSharing sets for this pool; remove the label",
            )
        return None

    def rendered_limits(self) -> dict[str, str]:
        """The limits as written, or for a static pool without them, its replicas as a nodes limit."""
        if self.replicas is not None and "limits" not in self.model_fields_set:
            return {NODE_COUNT: str(self.replicas)}
        return dict(self.limits)
