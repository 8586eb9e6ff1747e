"""Node access: lets nodes with the node role join the cluster, by access entry or aws-auth."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pulumi
import pulumi_aws as aws

from karpenter.aws.aws_auth_provider import AwsAuthRoleMapping, AwsAuthRoleMappingArgs
from karpenter.cluster.facts import ACCESS_ENTRY_MODES, CONFIG_MAP_MODES, ClusterFacts
from karpenter.config.errors import ConfigError
from karpenter.config.values import NodeAccess


class NodeAccessMethod(StrEnum):
    ACCESS_ENTRY = "access-entry"
    AWS_AUTH = "aws-auth"


def node_access_method(requested: NodeAccess, authentication_mode: str) -> NodeAccessMethod:
    """What `nodeAccess` means on a cluster with this authentication mode; refuses what cannot work."""
    if requested is NodeAccess.AUTO:
        if authentication_mode in ACCESS_ENTRY_MODES:
            return NodeAccessMethod.ACCESS_ENTRY
        return NodeAccessMethod.AWS_AUTH
    method = NodeAccessMethod(requested.value)
    allowed = ACCESS_ENTRY_MODES if method is NodeAccessMethod.ACCESS_ENTRY else CONFIG_MAP_MODES
    if authentication_mode not in allowed:
        raise ConfigError(
            f"karpenter:nodeAccess: {method.value!r} does not work on a cluster whose authentication mode is "
            f"{authentication_mode}; use auto, or a cluster with mode {' or '.join(allowed)}"
        )
    return method


@dataclass(frozen=True)
class NodeAccessArgs:
    facts: ClusterFacts
    method: NodeAccessMethod
    node_role_arn: pulumi.Input[str]


class NodeAccessGrant(pulumi.ComponentResource):
    def __init__(self, name: str, args: NodeAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:node_access:NodeAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.grant: pulumi.CustomResource
        if args.method is NodeAccessMethod.ACCESS_ENTRY:
            self.grant = aws.eks.AccessEntry(
                f"{name}-access-entry",
                cluster_name=args.facts.cluster_ref,
                principal_arn=args.node_role_arn,
                type="EC2_LINUX",
                opts=child,
            )
        else:
            self.grant = AwsAuthRoleMapping(
                f"{name}-aws-auth",
                AwsAuthRoleMappingArgs(
                    role_arn=args.node_role_arn,
                    kubeconfig=args.facts.kubeconfig,
                ),
                opts=child,
            )
        self.method = args.method.value
        self.register_outputs({"method": self.method})
