"""Stack configuration: the typed, validated model of every `karpenter:*` key.

Every default lives here once, with a one-line description; the README's config reference is
generated from these models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from karpenter import instance_families
from karpenter.resource_names import resource_name_problem
from karpenter.upstream_chart import SUPPORTED_VERSIONS, helm_values_refusal

NAMESPACE = "karpenter"
DEFAULT_KARPENTER_VERSION = "1.14.1"


class ConfigError(pulumi.RunError):
    """Bad stack configuration: one message naming the key and what is allowed.

    A RunError, so `pulumi up` and `pulumi preview` print the message alone, without a traceback.
    """


# --- value types -------------------------------------------------------------------------

_EKS_NAME = r"^[0-9A-Za-z][A-Za-z0-9\-_]*$"
_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# The NodePool CRD's own pattern for consolidateAfter and expireAfter.
_DURATION = re.compile(r"^(([0-9]+(s|m|h))+|Never)$")
_QUANTITY = re.compile(
    r"^(\+)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_AMI_ALIAS = re.compile(r"^(al2023|bottlerocket)@[A-Za-z0-9._-]+$")
# Label domains Kubernetes and Karpenter keep for themselves; a NodePool may not set them.
_RESTRICTED_LABEL_DOMAINS = ("kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

ClusterName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_EKS_NAME)]
DnsLabel = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=_DNS_LABEL)]
PoolName = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=_DNS_LABEL)]
SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")]
Zone = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$")]


def _supported_version(value: str) -> str:
    if value not in SUPPORTED_VERSIONS:
        raise PydanticCustomError(
            "version",
            "'{v}' is not a version this program supports; supported: {supported}",
            {"v": value, "supported": ", ".join(SUPPORTED_VERSIONS)},
        )
    return value


KarpenterVersion = Annotated[
    str,
    StringConstraints(pattern=r"^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"),
    AfterValidator(_supported_version),
]


def _quantity(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("quantity", "expected a Kubernetes quantity such as 100, 500m or 64Gi")
    text = str(value)
    if not _QUANTITY.match(text):
        raise PydanticCustomError(
            "quantity",
            "'{value}' is not a Kubernetes quantity ≥ 0 such as 100, 500m or 64Gi",
            {"value": value},
        )
    return text


def _duration(value: str) -> str:
    if not _DURATION.match(value):
        raise PydanticCustomError(
            "duration", "'{value}' is not a duration such as 30s, 5m or 720h, or Never", {"value": value}
        )
    return value


Quantity = Annotated[str, BeforeValidator(_quantity)]

_QUANTITY_SUFFIXES = {
    **{suffix: Decimal(1024) ** power for power, suffix in enumerate(("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    **{suffix: Decimal(10) ** power for suffix, power in (("n", -9), ("u", -6), ("m", -3), ("k", 3), ("M", 6))},
    **{suffix: Decimal(10) ** power for suffix, power in (("G", 9), ("T", 12), ("P", 15), ("E", 18))},
}


def quantity_value(text: str) -> Decimal:
    """The number a valid Kubernetes quantity stands for, so two can be compared: 500m < 1, 1Gi > 1G."""
    number = re.match(r"^\+?([0-9.]+([eE][-+]?[0-9.]+)?)", text)
    assert number is not None, text
    suffix = text[number.end() :]
    return Decimal(number.group(1)) * _QUANTITY_SUFFIXES[suffix]


Duration = Annotated[str, AfterValidator(_duration)]


class Identity(StrEnum):
    """How the Karpenter controller gets AWS credentials."""

    IRSA = "irsa"
    POD_IDENTITY = "pod-identity"


class NodeAccess(StrEnum):
    """How nodes Karpenter launches are let into the cluster."""

    AUTO = "auto"
    ACCESS_ENTRY = "access-entry"
    AWS_AUTH = "aws-auth"


class CapacityType(StrEnum):
    SPOT = "spot"
    ON_DEMAND = "on-demand"
    RESERVED = "reserved"


class Architecture(StrEnum):
    AMD64 = "amd64"
    ARM64 = "arm64"


class TaintEffect(StrEnum):
    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class ConsolidationPolicy(StrEnum):
    WHEN_EMPTY = "WhenEmpty"
    WHEN_EMPTY_OR_UNDERUTILIZED = "WhenEmptyOrUnderutilized"


class SpotServiceLinkedRole(StrEnum):
    """What the stack does about the account-wide EC2 Spot service-linked role."""

    ENSURE = "ensure"
    SKIP = "skip"


# --- models ------------------------------------------------------------------------------


class _Model(BaseModel):
    """Frozen, camelCase keys, and unknown keys refused with the allowed ones listed."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        use_enum_values=False,
        validate_default=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            allowed = [f.alias or name for name, f in cls.model_fields.items()]
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key; allowed keys are {allowed}",
                        {"key": str(key), "allowed": ", ".join(allowed)},
                    )
        return data


class Taint(_Model):
    key: str = Field(description="Taint key, a Kubernetes label key.")
    value: str | None = Field(default=None, description="Taint value (optional).")
    effect: TaintEffect = Field(description="NoSchedule, PreferNoSchedule or NoExecute.")

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not _LABEL_KEY.match(v):
            raise PydanticCustomError("label_key", "'{v}' is not a Kubernetes label key", {"v": v})
        return v

    @field_validator("value")
    @classmethod
    def _value(cls, v: str | None) -> str | None:
        if v is not None and (len(v) > 63 or not _LABEL_VALUE.match(v)):
            raise PydanticCustomError("label_value", "'{v}' is not a Kubernetes label value", {"v": v})
        return v


class Disruption(_Model):
    consolidation_policy: ConsolidationPolicy | None = Field(
        default=None,
        description="WhenEmpty or WhenEmptyOrUnderutilized (default: WhenEmpty for GPU pools, else the other).",
    )
    consolidate_after: Duration = Field(
        default="1m", description="How long a node stays empty or underused before consolidation (s, m, h, or Never)."
    )


def _default_instance_categories(gpu: bool) -> list[str]:
    """The categories a pool without instanceCategories launches from, as the chart renders them."""
    return ["g", "p"] if gpu else ["c", "m", "r"]


class NodePool(_Model):
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
            if not _LABEL_KEY.match(key):
                raise PydanticCustomError("label_key", "'{k}' is not a Kubernetes label key", {"k": key})
            domain = key.split("/", 1)[0] if "/" in key else ""
            if any(domain == d or domain.endswith("." + d) for d in _RESTRICTED_LABEL_DOMAINS):
                raise PydanticCustomError(
                    "label_key",
                    "'{k}' is in a domain Kubernetes or Karpenter reserve ({domains})",
                    {"k": key, "domains": ", ".join(_RESTRICTED_LABEL_DOMAINS)},
                )
            if len(value) > 63 or not _LABEL_VALUE.match(value):
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
            self._reserved_capacity_problem([c.value for c in self.capacity_types], selects_reservations=False)
            or self._family_name_problem(families)
            or (
                self._gpu_pool_problem(categories, families)
                if self.gpu
                else self._untainted_gpu_problem(categories, families)
            )
            or self._family_category_problem(self.gpu, categories, families)
            or self._family_architecture_problem([a.value for a in self.architectures], families)
            or self._family_generation_problem(self.min_instance_generation, families)
        )
        if problem:
            key, message = problem
            raise PydanticCustomError("node_pool", "{message}", {"key": key, "message": message})
        return self

    # Each rule below reads plain data and returns (the key below the pool, why) or None.

    @staticmethod
    def _reserved_capacity_problem(capacity_types: list[str], *, selects_reservations: bool) -> tuple[str, str] | None:
        # Karpenter launches reserved capacity only from reservations a node class selects.
        if selects_reservations or CapacityType.RESERVED.value not in capacity_types:
            return None
        return (
            f"capacityTypes[{capacity_types.index(CapacityType.RESERVED.value)}]",
            "'reserved' needs a node class that selects capacity reservations, which this stack does not "
            "configure; use spot or on-demand",
        )

    @staticmethod
    def _family_name_problem(families: list[str]) -> tuple[str, str] | None:
        for index, family in enumerate(families):
            problem = instance_families.family_problem(family)
            if problem:
                return f"instanceFamilies[{index}]", problem
        return None

    @staticmethod
    def _gpu_pool_problem(categories: list[str] | None, families: list[str]) -> tuple[str, str] | None:
        # The chart lets a GPU pool launch only instances with NVIDIA GPUs, whatever else it names.
        if families:
            key, names = "instanceFamilies", families
            lacking = [f for f in families if instance_families.family_gpu_manufacturer(f) != instance_families.NVIDIA]
            one, many, what, hint = "has", "have", "NVIDIA GPUs", "name NVIDIA GPU families such as g5, g6e, p5"
        elif categories:
            key, names = "instanceCategories", categories
            lacking = [c for c in categories if not instance_families.categories_admit_nvidia_gpus([c])]
            one, many, what, hint = "holds", "hold", "instances with NVIDIA GPUs", "use g, p or gr"
        else:
            return None
        if not lacking:
            return None
        if len(lacking) == len(names):
            verb = one if len(names) == 1 else many
            return key, f"{', '.join(names)} {verb} no {what}, so this gpu: true pool could never launch a node; {hint}"
        name = lacking[0]
        return (
            f"{key}[{names.index(name)}]",
            f"'{name}' {one} no {what}, and this gpu: true pool launches only instances with NVIDIA GPUs; "
            f"drop '{name}'",
        )

    @staticmethod
    def _untainted_gpu_problem(categories: list[str] | None, families: list[str]) -> tuple[str, str] | None:
        # Only a gpu: true pool taints its nodes, which keeps pods that need no GPU off them.
        key, names, what = (
            ("instanceFamilies", families, "is a GPU family")
            if families
            else ("instanceCategories", categories or [], "holds GPU instances")
        )
        for index, name in enumerate(names):
            if families:
                maker = instance_families.family_gpu_manufacturer(name)
                nvidia, other = maker == instance_families.NVIDIA, maker not in (None, instance_families.NVIDIA)
            else:
                nvidia = instance_families.categories_admit_nvidia_gpus([name])
                other = instance_families.categories_admit_gpus([name])
            if nvidia:
                return (
                    f"{key}[{index}]",
                    f"'{name}' {what}, which this pool would launch without the nvidia.com/gpu "
                    f"taint; set gpu: true on the pool, or drop '{name}'",
                )
            if other:
                return (
                    f"{key}[{index}]",
                    f"'{name}' {what}, which this pool would launch for pods that need no GPU, "
                    f"and gpu: true pools launch only instances with NVIDIA GPUs; drop '{name}'",
                )
        return None

    @staticmethod
    def _family_category_problem(
        gpu: bool, categories: list[str] | None, families: list[str]
    ) -> tuple[str, str] | None:
        allowed = categories if categories is not None else _default_instance_categories(gpu)
        for index, family in enumerate(families):
            category = instance_families.family_category(family)
            if category in allowed:
                continue
            if categories is not None:
                why = (
                    f"which instanceCategories ({', '.join(allowed)}) excludes; add '{category}' to instanceCategories"
                )
            else:
                why = (
                    f"which the default instanceCategories ({', '.join(allowed)}) exclude; "
                    f"set instanceCategories to include '{category}'"
                )
            return f"instanceFamilies[{index}]", f"'{family}' is in category '{category}', {why} or drop the family"
        return None

    @staticmethod
    def _family_architecture_problem(architectures: list[str], families: list[str]) -> tuple[str, str] | None:
        for index, family in enumerate(families):
            architecture = instance_families.family_architecture(family)
            if architecture in architectures:
                continue
            processor = instance_families.arm64_processor(family)
            kind = f"an arm64 ({processor})" if processor else "an amd64"
            return (
                f"instanceFamilies[{index}]",
                f"'{family}' is {kind} family, and architectures is [{', '.join(architectures)}]; "
                f"add {architecture} to architectures or drop the family",
            )
        return None

    @staticmethod
    def _family_generation_problem(min_generation: int, families: list[str]) -> tuple[str, str] | None:
        # The chart requires instance-generation Gt minInstanceGeneration.
        for index, family in enumerate(families):
            generation = instance_families.family_generation(family)
            if generation is not None and generation <= min_generation:
                return (
                    f"instanceFamilies[{index}]",
                    f"'{family}' is generation {generation}, and minInstanceGeneration {min_generation} admits "
                    f"only later ones; lower minInstanceGeneration to {generation - 1}, or drop the family",
                )
        return None


class Resources(_Model):
    cpu: Quantity = Field(default="1", description="CPU quantity.")
    memory: Quantity = Field(default="1Gi", description="Memory quantity.")


class ControllerResources(_Model):
    requests: Resources = Field(default_factory=Resources, description="Controller requests (upstream: 1 CPU, 1Gi).")
    limits: Resources = Field(default_factory=Resources, description="Controller limits (upstream: 1 CPU, 1Gi).")


class Controller(_Model):
    replicas: int = Field(default=2, ge=1, description="Controller replicas (upstream default 2, one per zone).")
    resources: ControllerResources = Field(
        default_factory=ControllerResources, description="Controller container resources."
    )

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Controller:
        # The API server refuses a pod whose request exceeds its limit, halfway through `pulumi up`.
        requests, limits = self.resources.requests, self.resources.limits
        for resource in ("cpu", "memory"):
            request, limit = getattr(requests, resource), getattr(limits, resource)
            if quantity_value(request) > quantity_value(limit):
                raise PydanticCustomError(
                    "request_above_limit",
                    "'{request}' is more than the limit '{limit}' (karpenter:controller.resources.limits.{resource}); "
                    "Kubernetes refuses a request above its limit: lower the request or raise the limit",
                    {"key": f"resources.requests.{resource}", "request": request, "limit": limit, "resource": resource},
                )
        return self


class SystemNodeGroup(_Model):
    instance_types: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+\.[a-z0-9]+$")]] = Field(
        default=["m7i.large"], min_length=1, description="Instance types of the system node group."
    )
    desired_size: int = Field(default=2, ge=1, description="Nodes the system group starts with.")
    min_size: int = Field(default=2, ge=1, description="Fewest system nodes.")
    max_size: int = Field(default=3, ge=1, description="Most system nodes.")

    @model_validator(mode="after")
    def _sizes(self) -> SystemNodeGroup:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise PydanticCustomError(
                "sizes",
                "need minSize ≤ desiredSize ≤ maxSize, got {a} ≤ {b} ≤ {c}",
                {"a": self.min_size, "b": self.desired_size, "c": self.max_size},
            )
        return self


class NewCluster(_Model):
    create: bool = Field(default=False, description="Create the EKS cluster (pulumi-eks) instead of attaching to one.")
    vpc_id: Annotated[str, StringConstraints(pattern=r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")] | None = Field(
        default=None, description="With create: the VPC of the new cluster."
    )
    subnet_ids: list[SubnetId] | None = Field(
        default=None, description="With create: private subnets (two zones or more) for the cluster and its nodes."
    )
    kubernetes_version: Annotated[str, StringConstraints(pattern=r"^1\.[0-9]+$")] = Field(
        default="1.33", description="With create: Kubernetes version of the new cluster."
    )
    system_node_group: SystemNodeGroup = Field(
        default_factory=SystemNodeGroup,
        description="With create: the managed node group the Karpenter controller and system pods run on.",
    )

    @model_validator(mode="after")
    def _needs_network(self) -> NewCluster:
        if self.create and self.vpc_id is None:
            raise PydanticCustomError("needs", "required with create: true", {"key": "vpcId"})
        if self.create and not self.subnet_ids:
            raise PydanticCustomError("needs", "required with create: true", {"key": "subnetIds"})
        if not self.create and (self.vpc_id or self.subnet_ids):
            key = "vpcId" if self.vpc_id else "subnetIds"
            raise PydanticCustomError("needs", "only used with create: true", {"key": key})
        return self


def _default_pools() -> dict[str, NodePool]:
    return {"cpu": NodePool()}


class StackConfig(_Model):
    """Everything under `karpenter:` in a stack file."""

    cluster_name: ClusterName = Field(description="Name of the EKS cluster (required).")
    cluster: NewCluster = Field(
        default_factory=NewCluster, description="Create the cluster too (default: attach to an existing one)."
    )
    version: KarpenterVersion = Field(
        default=DEFAULT_KARPENTER_VERSION,
        description=f"Karpenter version; one whose IAM, chart values and CRDs this program knows: "
        f"{', '.join(SUPPORTED_VERSIONS)}.",
    )
    namespace: DnsLabel = Field(default="kube-system", description="Namespace of the Karpenter controller.")
    identity: Identity = Field(default=Identity.IRSA, description="Controller credentials: irsa or pod-identity.")
    node_access: NodeAccess = Field(
        default=NodeAccess.AUTO,
        description="auto (access entry when the cluster's authentication mode allows it), access-entry or aws-auth.",
    )
    subnet_ids: list[SubnetId] | None = Field(
        default=None, description="Subnets for nodes; default: the cluster's private subnets."
    )
    interruption: bool = Field(default=True, description="SQS queue and EventBridge rules for interruption handling.")
    spot_service_linked_role: SpotServiceLinkedRole = Field(
        default=SpotServiceLinkedRole.ENSURE,
        description="ensure: create AWSServiceRoleForEC2Spot if missing, never delete it; skip: leave it alone.",
    )
    create_oidc_provider: bool = Field(
        default=False, description="With irsa, create the cluster's IAM OIDC provider if it has none."
    )
    controller: Controller = Field(default_factory=Controller, description="Karpenter controller settings.")
    node_pools: dict[PoolName, NodePool] = Field(
        default_factory=_default_pools, min_length=1, description="Node pools by name (DNS-1123 label)."
    )
    ami_alias: str = Field(
        default="al2023@latest",
        description="AMI alias of the node classes, family@version (al2023 or bottlerocket); pin it in production.",
    )
    helm_values: dict[str, Any] = Field(
        default_factory=dict,
        description="Further values for the karpenter chart, merged last: keys the chart reads, with the types "
        "it reads them as, and none the stack sets itself.",
    )
    synth_facts: str | None = Field(
        default=None, description="Cluster-facts YAML file used only by offline synth (default: a built-in sample)."
    )

    @field_validator("ami_alias")
    @classmethod
    def _ami_alias(cls, v: str) -> str:
        if len(v) > 30 or not _AMI_ALIAS.match(v):
            raise PydanticCustomError(
                "ami_alias", "'{v}' is not an AMI alias such as al2023@latest or bottlerocket@v1.40.0", {"v": v}
            )
        return v

    @field_validator("helm_values")
    @classmethod
    def _chart_keys(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        refusal = helm_values_refusal(v, version=info.data.get("version", DEFAULT_KARPENTER_VERSION))
        if refusal:
            raise PydanticCustomError("chart_value", "{reason}", {"key": refusal.path, "reason": refusal.reason})
        return v

    @model_validator(mode="after")
    def _new_cluster_access(self) -> StackConfig:
        if self.cluster.create and self.node_access is NodeAccess.AWS_AUTH:
            raise PydanticCustomError(
                "needs",
                "'aws-auth' does not work on a new cluster, whose authentication mode is API",
                {"key": "nodeAccess"},
            )
        return self

    @model_validator(mode="after")
    def _controllers_fit_the_system_nodes(self) -> StackConfig:
        # The chart keeps one controller per node and none on nodes Karpenter launches, so on a
        # new cluster every replica needs a node of the system group or stays Pending for good.
        nodes = self.cluster.system_node_group.desired_size
        if self.cluster.create and self.controller.replicas > nodes:
            raise PydanticCustomError(
                "replicas",
                "{replicas} controllers need {replicas} system nodes (the chart runs one per node, none on "
                "Karpenter's own), and karpenter:cluster.systemNodeGroup.desiredSize is {nodes}; lower the "
                "replicas or raise desiredSize (and maxSize)",
                {"key": "controller.replicas", "replicas": self.controller.replicas, "nodes": nodes},
            )
        return self

    @field_validator("subnet_ids")
    @classmethod
    def _unique_subnets(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and (not v or len(set(v)) != len(v)):
            raise PydanticCustomError("subnets", "give at least one subnet, none twice")
        return v


# --- loading -----------------------------------------------------------------------------


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = tuple(part for part in error["loc"] if part != "[key]")
    if "key" in ctx:
        loc = (*loc, *str(ctx["key"]).split("."))
    path = f"{NAMESPACE}:{_path(loc)}"
    value = error.get("input")
    if kind in ("enum", "literal_error"):
        expected = ctx.get("expected", "")
        allowed = ", ".join(part.strip(" '") for part in re.split(r",| or ", expected) if part.strip())
        return f"{path}: {value!r} is not one of {allowed}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{path}: {value!r} is not one of true, false"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "≥ " + str(ctx["ge"]) if "ge" in ctx else "≤ " + str(ctx["le"])
        return f"{path}: {value!r} must be a number {bound}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{path}: {value!r} is not a whole number"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "string_pattern_mismatch":
        return f"{path}: {value!r} {_PATTERN_HINTS.get(ctx.get('pattern', ''), 'has the wrong form')}"
    if kind == "string_too_long":
        return f"{path}: {value!r} is longer than {ctx['max_length']} characters"
    if "[key]" in error["loc"]:
        return f"{path}: {value!r} is not a valid name: {error['msg']}"
    return f"{path}: {error['msg']}"


_PATTERN_HINTS = {
    _EKS_NAME: "is not an EKS cluster name (letters, digits, - and _, starting with a letter or digit)",
    _DNS_LABEL: "is not a DNS label (lower-case letters, digits and -, at most 63)",
    r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$": "is not a subnet id like subnet-0123456789abcdef0",
    r"^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$": "is not an availability zone like eu-west-1a",
    r"^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$": "is not a Karpenter 1.x version like 1.14.1",
}


def _decode(raw: Any) -> Any:
    """Pulumi hands structured config over as JSON text and scalars as plain text."""
    if isinstance(raw, str) and raw[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def parse_stack_config(settings: Mapping[str, Any]) -> StackConfig:
    """Validate the `karpenter:*` settings of a stack (other namespaces, such as `aws:`, are not
    ours and are left alone) into the model.

    Raises ConfigError with one message for the first bad key.
    """
    prefix = f"{NAMESPACE}:"
    data = {key[len(prefix) :]: _decode(value) for key, value in settings.items() if key.startswith(prefix)}
    return validate_settings(data)


def validate_settings(settings: StackConfig | Mapping[str, Any]) -> StackConfig:
    """The model of settings given as data, with the keys of the `karpenter:` config (`clusterName`,
    `nodePools`, ...) and structured values as they are, not as JSON text.

    Raises ConfigError with one message for the first bad key, named as in a stack file.
    """
    if isinstance(settings, StackConfig):
        return settings
    try:
        return StackConfig.model_validate(dict(settings))
    except ValidationError as exc:
        raise ConfigError(_message(exc.errors()[0])) from None


def pulumi_settings() -> dict[str, Any]:
    """Every `karpenter:*` setting the Pulumi runtime holds, explicitly set or from the environment."""
    from pulumi.runtime import config as runtime_config

    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return {key: value for key, value in merged.items() if key.startswith(f"{NAMESPACE}:")}


def load_stack_config() -> StackConfig:
    """The validated config of the running Pulumi program."""
    return parse_stack_config(pulumi_settings())
