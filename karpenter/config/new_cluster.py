"""A cluster the stack creates, as config: its VPC, subnets, version and system node group."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import SubnetId


def _node_group_sizes(group: SystemNodeGroup) -> SystemNodeGroup:
    if not group.min_size <= group.desired_size <= group.max_size:
        raise refusal(
            "need minSize ≤ desiredSize ≤ maxSize, got {a} ≤ {b} ≤ {c}",
            {"a": group.min_size, "b": group.desired_size, "c": group.max_size},
        )
    return group


class SystemNodeGroup(StrictModel):
    instance_types: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+\.[a-z0-9]+$")]] = Field(
        default=["m7i.large"], min_length=1, description="Instance types of the system node group."
    )
    desired_size: int = Field(default=2, ge=1, description="Nodes the system group starts with.")
    min_size: int = Field(default=2, ge=1, description="Fewest system nodes.")
    max_size: int = Field(default=3, ge=1, description="Most system nodes.")

    _check_sizes = model_validator(mode="after")(_node_group_sizes)


def _needs_network(cluster: NewCluster) -> NewCluster:
    if cluster.create and cluster.vpc_id is None:
        raise refusal("required with create: true", {"key": "vpcId"})
    if cluster.create and not cluster.subnet_ids:
        raise refusal("required with create: true", {"key": "subnetIds"})
    if not cluster.create and (cluster.vpc_id or cluster.subnet_ids):
        key = "vpcId" if cluster.vpc_id else "subnetIds"
        raise refusal("only used with create: true", {"key": key})
    return cluster


class NewCluster(StrictModel):
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
    protect: bool = Field(
        default=True,
        description=(
            "With create: Pulumi refuses to delete (or replace) the cluster and its node group; set false and "
            "`pulumi up` before turning create off or destroying."
        ),
    )
    system_node_group: SystemNodeGroup = Field(
        default_factory=SystemNodeGroup,
        description="With create: the managed node group the Karpenter controller and system pods run on.",
    )

    _check_network = model_validator(mode="after")(_needs_network)
