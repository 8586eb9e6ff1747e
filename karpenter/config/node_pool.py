"""Node pools as config: the pool model, its taints and disruption settings, and the checks that
its labels, limits and instance choices can work."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from karpenter.config import pool_rules
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import (
    LABEL_KEY,
    LABEL_VALUE,
    RESTRICTED_LABEL_DOMAINS,
    Architecture,
    CapacityType,
    ConsolidationPolicy,
    Duration,
    Quantity,
    TaintEffect,
    Zone,
)
from karpenter.vocabulary.resource_names import resource_name_problem


class Taint(StrictModel):
    key: str = Field(description="Taint key, a Kubernetes label key.")
    value: str | None = Field(default=None, description="Taint value (optional).")
    effect: TaintEffect = Field(description="NoSchedule, PreferNoSchedule or NoExecute.")

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not LABEL_KEY.match(v):
            raise PydanticCustomError("label_key", "'{v}' is not a Kubernetes label key", {"v": v})
        return v

    @field_validator("value")
    @classmethod
    def _value(cls, v: str | None) -> str | None:
        if v is not None and (len(v) > 63 or not LABEL_VALUE.match(v)):
            raise PydanticCustomError("label_value", "'{v}' is not a Kubernetes label value", {"v": v})
        return v


class Disruption(StrictModel):
    consolidation_policy: ConsolidationPolicy | None = Field(
        default=None,
        description="WhenEmpty or WhenEmptyOrUnderutilized (default: WhenEmpty for GPU pools, else the other).",
    )
    consolidate_after: Duration = Field(
        default="1m", description="How long a node stays empty or underused before consolidation (s, m, h, or Never)."
    )


class NodePool(StrictModel):
    gpu: bool = Field(
        default=False,
        description="NVIDIA GPU pool: g/p instances, a tainted GPU node class, nvidia.com/gpu limits.",
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
    labels: dict[str, str] = Field(default_factory=dict, description="Labels put on the pool's nodes.")
    taints: list[Taint] = Field(
        default_factory=list, description="Taints put on the pool's nodes (GPU pools also get nvidia.com/gpu)."
    )
    weight: int | None = Field(default=None, ge=1, le=100, description="Priority among pools, 1-100 (optional).")
    expire_after: Duration = Field(default="720h", description="Node lifetime before replacement (s, m, h, or Never).")
    disruption: Disruption = Field(default_factory=Disruption, description="Consolidation settings.")

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not LABEL_KEY.match(key):
                raise PydanticCustomError("label_key", "'{k}' is not a Kubernetes label key", {"k": key})
            domain = key.split("/", 1)[0] if "/" in key else ""
            if any(domain == d or domain.endswith("." + d) for d in RESTRICTED_LABEL_DOMAINS):
                raise PydanticCustomError(
                    "label_key",
                    "'{k}' is in a domain Kubernetes or Karpenter reserve ({domains})",
                    {"k": key, "domains": ", ".join(RESTRICTED_LABEL_DOMAINS)},
                )
            if len(value) > 63 or not LABEL_VALUE.match(value):
                raise PydanticCustomError("label_value", "'{v}' is not a Kubernetes label value", {"v": value})
        return v

    @field_validator("capacity_types", "zones", "architectures", "instance_categories", "instance_families")
    @classmethod
    def _unique(cls, v: list[Any] | None) -> list[Any] | None:
        if v is not None and len(set(v)) != len(v):
            raise PydanticCustomError("duplicate", "values must not repeat")
        return v

    @field_validator("limits")
    @classmethod
    def _limits(cls, v: dict[str, str]) -> dict[str, str]:
        if not v:
            raise PydanticCustomError(
                "limits",
                "an empty map leaves the pool unbounded, so one unschedulable pod could grow it without end; "
                "name at least cpu, or leave limits out for the defaults (cpu 1000, memory 1000Gi)",
            )
        for name in v:
            problem = resource_name_problem(name)
            if problem:
                raise PydanticCustomError("resource_name", "{problem}", {"key": name, "problem": problem})
        return v

    @model_validator(mode="after")
    def _launchable(self) -> NodePool:
        """Refuses a pool that could never launch a node, or would launch machines it was not meant for."""
        categories = self.instance_categories
        families = self.instance_families or []
        problem = (
            # No node class of this stack selects capacity reservations yet.
            pool_rules.reserved_capacity_problem([c.value for c in self.capacity_types], selects_reservations=False)
            or pool_rules.family_name_problem(families)
            or (
                pool_rules.gpu_pool_problem(categories, families)
                if self.gpu
                else pool_rules.untainted_gpu_problem(categories, families)
            )
            or pool_rules.family_category_problem(self.gpu, categories, families)
            or pool_rules.family_architecture_problem([a.value for a in self.architectures], families)
            or pool_rules.family_generation_problem(self.min_instance_generation, families)
        )
        if problem:
            key, message = problem
            raise PydanticCustomError("node_pool", "{message}", {"key": key, "message": message})
        return self
