"""Everything under `karpenter:` in a stack file, as one model: the pools, the controller, a new
cluster, and the rules that span them. Every default lives here once, with a one-line description;
the README's config reference is generated from these models."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from karpenter.config import feature_gates, stack_rules
from karpenter.config.controller import Controller
from karpenter.config.controller_placement import PoolTaint, placement_problem
from karpenter.config.new_cluster import NewCluster
from karpenter.config.node_class import NodeClass
from karpenter.config.node_overlay import NodeOverlay
from karpenter.config.node_pool import NodePool
from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import (
    AMI_ALIAS,
    DEFAULT_KARPENTER_VERSION,
    ClusterName,
    DnsLabel,
    Identity,
    KarpenterVersion,
    NodeAccess,
    PoolName,
    SpotServiceLinkedRole,
    SubnetId,
)
from karpenter.vocabulary.karpenter_chart_keys import SUPPORTED_VERSIONS, helm_values_refusal
from karpenter.vocabulary.kubernetes_compatibility import SOURCE, compatibility_problem
from karpenter.vocabulary.nvidia_device_plugin import GPU_RESOURCE


def _default_pools() -> dict[str, NodePool]:
    return {"cpu": NodePool()}


# The checks of a stack's config, plain functions that the model below runs as its validators.


def _ami_alias(v: str) -> str:
    if len(v) > 30 or not AMI_ALIAS.match(v):
        raise refusal("'{v}' is not an AMI alias such as al2023@latest or bottlerocket@v1.40.0", {"v": v})
    return v


def _chart_keys(v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    refused = helm_values_refusal(v, version=info.data.get("version", DEFAULT_KARPENTER_VERSION))
    if refused:
        raise refusal("{reason}", {"key": refused.path, "reason": refused.reason})
    return v


def _new_cluster_access(config: StackConfig) -> StackConfig:
    if config.cluster.create and config.node_access is NodeAccess.AWS_AUTH:
        raise refusal(
            "'aws-auth' does not work on a new cluster, whose authentication mode is API",
            {"key": "nodeAccess"},
        )
    return config


def _supported_kubernetes(config: StackConfig) -> StackConfig:
    # The version is the new cluster's; an existing cluster's is checked where it is read.
    if config.cluster.create:
        problem = compatibility_problem(config.cluster.kubernetes_version, config.version)
        if problem:
            raise refusal(
                "{problem}; choose a version in that range ({source})",
                {"key": "cluster.kubernetesVersion", "problem": problem, "source": SOURCE},
            )
    return config


def _pool_taints(pools: dict[str, NodePool]) -> list[PoolTaint]:
    found: list[PoolTaint] = []
    for name, pool in pools.items():
        source = f"karpenter:nodePools.{name} puts on its nodes"
        taints = [*pool.taints, *pool.startup_taints]
        found += [(taint.key, taint.value or "", taint.effect.value, source) for taint in taints]
        configured = {(taint.key, taint.effect.value) for taint in pool.taints}
        if pool.gpu and (GPU_RESOURCE, "NoSchedule") not in configured:
            # The GPU taint every GPU pool's nodes carry unless the pool sets its own (kubernetes/pool_values.py).
            found.append((GPU_RESOURCE, "true", "NoSchedule", source))
    return found


def _controller_off_karpenter_nodes(config: StackConfig) -> StackConfig:
    problem = placement_problem(config.helm_values, _pool_taints(config.node_pools))
    if problem:
        key, message = problem
        raise refusal("{message}", {"key": key, "message": message})
    return config


def _controllers_fit_the_system_nodes(config: StackConfig) -> StackConfig:
    # The chart keeps one controller per node and none on nodes Karpenter launches, so on a
    # new cluster every replica needs a node of the system group or stays Pending for good.
    nodes = config.cluster.system_node_group.desired_size
    if config.cluster.create and config.controller.replicas > nodes:
        raise refusal(
            "{replicas} controllers need {replicas} system nodes (the chart runs one per node, none on "
            "Karpenter's own), and karpenter:cluster.systemNodeGroup.desiredSize is {nodes}; lower the "
            "replicas or raise desiredSize (and maxSize)",
            {"key": "controller.replicas", "replicas": config.controller.replicas, "nodes": nodes},
        )
    return config


def _unique_subnets(v: list[str] | None) -> list[str] | None:
    if v is not None and (not v or len(set(v)) != len(v)):
        raise refusal("give at least one subnet, none twice")
    return v


def _pools_fit_their_node_classes(config: StackConfig) -> StackConfig:
    problem = next(
        (
            found
            for found in (
                *(
                    stack_rules.pool_class_problem(name, pool, config.node_classes, config.ami_alias)
                    for name, pool in config.node_pools.items()
                ),
                *(
                    stack_rules.class_family_problem(name, chosen, config.ami_alias)
                    for name, chosen in config.node_classes.items()
                ),
                stack_rules.overlay_name_problem(config.node_overlays, config.node_pools),
                feature_gates.gate_contradiction(config.helm_values, config.feature_gates_in_use()),
            )
            if found
        ),
        None,
    )
    if problem:
        key, message = problem
        raise refusal("{message}", {"key": key, "message": message})
    return config


class StackConfig(StrictModel):
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
    namespace: DnsLabel = Field(
        default="kube-system",
        description="Namespace of the Karpenter controller; once deployed, a change is refused (README: Moving "
        "Karpenter to another namespace).",
    )
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
    adopt: bool = Field(
        default=False,
        description="Take over, by import, the roles, instance profile and tags a hand-made (v0.x runbook) "
        "install made under the stack's names; keeps the node identity and those tags on destroy.",
    )
    controller: Controller = Field(default_factory=Controller, description="Karpenter controller settings.")
    node_pools: dict[PoolName, NodePool] = Field(
        default_factory=_default_pools, min_length=1, description="Node pools by name (DNS-1123 label)."
    )
    node_classes: dict[DnsLabel, NodeClass] = Field(
        default_factory=dict,
        description="Node classes by name, one EC2NodeClass each; `default` and `gpu` change the implicit classes "
        "of CPU and GPU pools.",
    )
    node_overlays: dict[DnsLabel, NodeOverlay] = Field(
        default_factory=dict,
        description="NodeOverlays by name: prices and extra resources Karpenter should assume (NodeOverlay gate).",
    )
    ami_alias: str = Field(
        default="al2023@latest",
        description="AMI alias of the implicit node classes and of classes that choose no AMI, family@version "
        "(al2023 or bottlerocket); pin it in production.",
    )
    helm_values: dict[str, Any] = Field(
        default_factory=dict,
        description="Further values for the karpenter chart, merged last: keys the chart reads, with the types "
        "it reads them as, and none the stack sets itself.",
    )
    synth_facts: str | None = Field(
        default=None, description="Cluster-facts YAML file used only by offline synth (default: a built-in sample)."
    )

    _check_ami_alias = field_validator("ami_alias")(_ami_alias)
    _check_chart_keys = field_validator("helm_values")(_chart_keys)
    _check_new_cluster_access = model_validator(mode="after")(_new_cluster_access)
    _check_kubernetes_version = model_validator(mode="after")(_supported_kubernetes)
    _check_controller_placement = model_validator(mode="after")(_controller_off_karpenter_nodes)
    _check_controllers_fit = model_validator(mode="after")(_controllers_fit_the_system_nodes)
    _check_subnets = field_validator("subnet_ids")(_unique_subnets)
    _check_pools_fit = model_validator(mode="after")(_pools_fit_their_node_classes)

    def feature_gates_in_use(self) -> dict[str, str]:
        """Each Karpenter feature gate the stack needs, with the first key that needs it."""
        return feature_gates.gates_in_use(self.node_pools, self.node_classes, self.node_overlays, self.controller)

    def warnings(self) -> list[str]:
        """What the config allows but weakens, one `WARNING: karpenter:<key>: ...` line each."""
        return stack_rules.warnings(self.node_classes, self.node_pools, self.ami_alias)
