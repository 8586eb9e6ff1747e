"""The whole Karpenter setup for one cluster, as one component wiring the concern components."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from karpenter import naming
from karpenter.cluster import create_cluster, planned_cluster_facts
from karpenter.config import ConfigError, Identity, SpotServiceLinkedRole, StackConfig
from karpenter.controller_identity import ControllerIdentity, ControllerIdentityArgs
from karpenter.discovery_tags import (
    DiscoveryTags,
    DiscoveryTagsArgs,
    TagPlan,
    plan_tags,
    security_group_tags,
    subnet_tags,
)
from karpenter.facts import POD_IDENTITY_AGENT, ClusterFacts, Placement, lookup_cluster_facts, node_placement
from karpenter.interruption import InterruptionQueue, InterruptionQueueArgs, interruption_queue_arn
from karpenter.node_access import NodeAccessArgs, NodeAccessGrant, NodeAccessMethod, node_access_method
from karpenter.node_identity import NodeIdentity, NodeIdentityArgs
from karpenter.releases import KarpenterReleases, KarpenterReleasesArgs
from karpenter.spot_role import SpotServiceLinkedRole as SpotRoleComponent
from karpenter.spot_role import SpotServiceLinkedRoleArgs


@dataclass(frozen=True)
class KarpenterStackArgs:
    config: StackConfig
    facts: ClusterFacts
    placement: Placement
    node_access: NodeAccessMethod
    subnet_tags: dict[str, TagPlan]
    security_group_tags: TagPlan

    @classmethod
    def resolve(cls, config: StackConfig, facts: ClusterFacts) -> KarpenterStackArgs:
        """Check the config against the cluster before anything is registered."""
        if config.identity is Identity.IRSA and not facts.oidc_provider_exists and not config.create_oidc_provider:
            raise ConfigError(
                f"karpenter:identity: 'irsa' needs an IAM OIDC provider for {facts.oidc_issuer}, and cluster "
                f"{facts.name!r} has none; set karpenter:createOidcProvider to true, or use 'pod-identity'"
            )
        if config.identity is Identity.POD_IDENTITY and not facts.pod_identity_agent:
            raise ConfigError(
                f"karpenter:identity: 'pod-identity' needs the {POD_IDENTITY_AGENT} add-on, and cluster "
                f"{facts.name!r} does not have it; install the add-on, or use 'irsa'"
            )
        placement = node_placement(config, facts)
        subnets = {subnet.id: subnet for subnet in facts.subnets}
        return cls(
            config=config,
            facts=facts,
            placement=placement,
            node_access=node_access_method(config.node_access, facts.authentication_mode),
            subnet_tags={
                subnet_id: plan_tags(
                    subnet_tags(facts.name),
                    subnets[subnet_id].tags,
                    where=f"subnet {subnet_id}",
                    config_key="karpenter:subnetIds",
                )
                for subnet_id in placement.subnet_ids
            },
            security_group_tags=plan_tags(
                security_group_tags(facts.name),
                facts.cluster_security_group_tags,
                where="the cluster security group",
                config_key="karpenter:clusterName",
            ),
        )


def stack_args(config: StackConfig) -> KarpenterStackArgs:
    """The cluster's facts, checked against the config before anything is registered; a
    cluster the stack creates is created only once the checks pass."""
    if not config.cluster.create:
        return KarpenterStackArgs.resolve(config, lookup_cluster_facts(config))
    checked = KarpenterStackArgs.resolve(config, planned_cluster_facts(config))
    return dataclasses.replace(checked, facts=create_cluster(config, checked.facts))


class KarpenterStack(pulumi.ComponentResource):
    outputs: dict[str, Any]

    def __init__(self, name: str, args: KarpenterStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:stack:Karpenter", name, None, opts)
        config, facts = args.config, args.facts
        child = pulumi.ResourceOptions(parent=self)

        node = NodeIdentity("node", NodeIdentityArgs(cluster_name=facts.name, partition=facts.partition), child)
        queue = (
            InterruptionQueue(
                "interruption",
                InterruptionQueueArgs(
                    cluster_name=facts.name,
                    partition=facts.partition,
                    region=facts.region,
                    account_id=facts.account_id,
                ),
                child,
            )
            if config.interruption
            else None
        )
        if config.spot_service_linked_role is SpotServiceLinkedRole.ENSURE:
            SpotRoleComponent("spot", SpotServiceLinkedRoleArgs(existing_role_arn=facts.spot_role_arn), child)
        tags = DiscoveryTags(
            "discovery",
            DiscoveryTagsArgs(
                subnet_tags=args.subnet_tags,
                security_group_id=facts.cluster_security_group_id,
                security_group_tags=args.security_group_tags,
            ),
            child,
        )
        access = NodeAccessGrant(
            "node-access",
            NodeAccessArgs(facts=facts, method=args.node_access, node_role_arn=node.role_arn),
            child,
        )
        controller = ControllerIdentity(
            "controller",
            ControllerIdentityArgs(
                facts=facts,
                identity=config.identity,
                namespace=config.namespace,
                node_role_arn=facts.role_arn(naming.node_role_name(facts.name)),
                interruption_queue_arn=(
                    interruption_queue_arn(facts.partition, facts.region, facts.account_id, facts.name)
                    if queue
                    else None
                ),
                create_oidc_provider=config.create_oidc_provider,
            ),
            # The policies name the node role and the queue by ARN; the edges keep them alive
            # for as long as the controller that uses them.
            pulumi.ResourceOptions(parent=self, depends_on=[node.role, *([queue.queue] if queue else [])]),
        )
        cluster = k8s.Provider(
            "cluster",
            kubeconfig=facts.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
        queue_name = naming.interruption_queue_name(facts.name) if queue else None
        releases = KarpenterReleases(
            "releases",
            KarpenterReleasesArgs(
                config=config,
                facts=facts,
                provider=cluster,
                controller_role_arn=facts.role_arn(naming.controller_role_name(facts.name)),
                interruption_queue=queue_name,
                instance_profile_name=naming.instance_profile_name(facts.name),
                zones=args.placement.zones,
                controller_prerequisites=[*controller.ready, access.grant, *(queue.ready if queue else [])],
                node_class_prerequisites=[node.instance_profile, *tags.tags],
            ),
            child,
        )
        self.node = node
        self.queue = queue
        self.tags = tags
        self.access = access
        self.controller = controller
        self.releases = releases
        self.outputs = {
            "clusterName": facts.name,
            "nodeRoleName": node.role_name,
            "nodeRoleArn": node.role_arn,
            "instanceProfileName": node.instance_profile_name,
            "controllerRoleArn": controller.role_arn,
            "interruptionQueueName": queue.queue_name if queue else None,
            "subnetIds": list(args.placement.subnet_ids),
            "zones": list(args.placement.zones),
            "nodeAccess": args.node_access.value,
            "identity": config.identity.value,
        }
        self.register_outputs(self.outputs)
