"""A new EKS cluster (pulumi-eks) for stacks that create one: the cluster, its system node group, and
the facts it computes as Outputs."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from karpenter.aws.node_identity import node_role
from karpenter.cluster.answers import answered
from karpenter.cluster.facts import POD_IDENTITY_AGENT, ClusterFacts, Subnet
from karpenter.cluster.token_identity import TokenIdentity
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity
from karpenter.vocabulary import aws_names
from karpenter.vocabulary.system_nodes import SYSTEM_NODE_LABEL


@dataclass(frozen=True)
class NewClusterArgs:
    config: StackConfig
    partition: str
    subnets: tuple[Subnet, ...]
    # Who pulumi-eks's kubeconfig signs in as: the identity the stack's AWS provider uses.
    identity: TokenIdentity = field(default_factory=TokenIdentity)


class NewCluster(pulumi.ComponentResource):
    """Authentication mode API, an IAM OIDC provider, and a small managed node group for
    system pods, in the VPC and subnets the stack names."""

    cluster: eks.Cluster

    def __init__(self, name: str, args: NewClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:cluster:NewCluster", name, None, opts)
        config = args.config
        settings = config.cluster
        child = pulumi.ResourceOptions(parent=self)
        subnet_ids = [subnet.id for subnet in args.subnets]
        self.cluster = eks.Cluster(
            f"{name}-eks",
            name=config.cluster_name,
            version=settings.kubernetes_version,
            vpc_id=settings.vpc_id,
            private_subnet_ids=subnet_ids,
            authentication_mode=eks.AuthenticationMode.API,
            create_oidc_provider=True,
            skip_default_node_group=True,
            provider_credential_opts=(
                eks.KubeconfigOptionsArgs(profile_name=args.identity.profile, role_arn=args.identity.role_arn)
                if args.identity.profile or args.identity.role_arn
                else None
            ),
            opts=child,
        )
        # Its own role: EKS makes the access entry of a managed group's role itself, which
        # would collide with the stack's access entry for the Karpenter node role.
        role, attachments = node_role(
            f"{name}-system-node",
            role_name=aws_names.system_node_role_name(config.cluster_name),
            description=f"System node group of EKS cluster {config.cluster_name}",
            partition=args.partition,
            parent=self,
            # The first create-mode releases named the attachments `<name>-system-<policy>`. Renamed
            # without an alias, each would be replaced: attached again, then detached, and the system
            # nodes left without the policy.
            former_attachment_prefix=f"{name}-system",
        )
        group = settings.system_node_group
        key, value = SYSTEM_NODE_LABEL
        self.system_nodes = eks.ManagedNodeGroup(
            f"{name}-system-nodes",
            cluster=self.cluster,
            node_role=role,
            subnet_ids=subnet_ids,
            instance_types=group.instance_types,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                desired_size=group.desired_size, min_size=group.min_size, max_size=group.max_size
            ),
            labels={key: value},
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )
        # What has to run before anything else is installed: the system nodes, and with Pod
        # Identity the agent that hands the controller its credentials.
        self.ready: list[pulumi.Resource] = [self.system_nodes]
        if config.identity is Identity.POD_IDENTITY:
            self.ready.append(
                aws.eks.Addon(
                    f"{name}-pod-identity-agent",
                    cluster_name=self.cluster.kubeconfig_json.apply(lambda _: config.cluster_name),
                    addon_name=POD_IDENTITY_AGENT,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[self.system_nodes]),
                )
            )
        self.register_outputs({"kubeconfig": self.cluster.kubeconfig_json})


def eks_security_group_id(cluster_name: pulumi.Input[str], cluster: pulumi.Resource) -> pulumi.Output[str]:
    """The security group EKS made for the cluster, which its managed nodes join and which admits only
    its members (and the control plane). pulumi-eks's own `cluster_security_group_id` is another
    group unless `skipDefaultSecurityGroups` is set: Karpenter's nodes put there could not reach
    CoreDNS, nor the control plane their kubelets. `cluster_name` should resolve only once the
    cluster exists. Read through `cluster`'s AWS provider, the one the cluster was made with."""
    lookup = pulumi.InvokeOutputOptions(parent=cluster)
    return aws.eks.get_cluster_output(name=cluster_name, opts=lookup).apply(
        lambda found: (
            answered(
                "aws:eks/getCluster:getCluster", found, "vpcConfig.clusterSecurityGroupId", about=found.name or ""
            ).vpc_config.cluster_security_group_id
        )
    )


def create_cluster(
    config: StackConfig,
    planned: ClusterFacts,
    opts: pulumi.ResourceOptions | None = None,
    identity: TokenIdentity | None = None,
) -> ClusterFacts:
    """Create the cluster; the facts it computes come back as Outputs. Its kubeconfig signs in as
    `identity` (default: the AWS CLI's default credentials). With `cluster.protect` the cluster and
    everything in it, pulumi-eks's resources too, are protected: a change that would delete the
    cluster with every workload on it fails already at `pulumi preview`."""
    new = NewCluster(
        "cluster",
        NewClusterArgs(
            config=config,
            partition=planned.partition,
            subnets=planned.subnets,
            identity=identity or TokenIdentity(),
        ),
        pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=config.cluster.protect)),
    )
    created = new.cluster
    kubeconfig_json = created.kubeconfig_json
    # Resolves to the name once the cluster exists, so what names it waits for it.
    cluster_ref = kubeconfig_json.apply(lambda _: config.cluster_name)
    # What talks to the cluster (Helm releases) also waits for the nodes the controller runs on.
    with_system_nodes = pulumi.Output.all(kubeconfig_json, *(r.urn for r in new.ready)).apply(lambda values: values[0])
    return dataclasses.replace(
        planned,
        endpoint=kubeconfig_json.apply(lambda text: json.loads(text)["clusters"][0]["cluster"]["server"]),
        oidc_issuer=created.oidc_issuer,
        oidc_provider_arn=created.oidc_provider_arn,
        cluster_security_group_id=eks_security_group_id(cluster_ref, new),
        kubeconfig=with_system_nodes,
        cluster_ref=cluster_ref,
    )
