"""The whole Karpenter setup for one cluster, as one component wiring the concern components:
`Karpenter(name, KarpenterArgs(settings, cluster=None))`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from karpenter.aws.controller_identity import ControllerIdentity, ControllerIdentityArgs
from karpenter.aws.discovery_tags import DiscoveryTags, DiscoveryTagsArgs
from karpenter.aws.interruption import InterruptionQueue, InterruptionQueueArgs, interruption_queue_arn
from karpenter.aws.node_access import NodeAccessArgs, NodeAccessGrant
from karpenter.aws.node_identity import NodeIdentity, NodeIdentityArgs
from karpenter.aws.spot_role import SpotServiceLinkedRole as SpotRoleComponent
from karpenter.aws.spot_role import SpotServiceLinkedRoleArgs
from karpenter.cluster.aws_provider import caller_aws_provider
from karpenter.cluster.deployed_namespace import undetected_namespace_warning
from karpenter.cluster.inputs import ClusterInputs, check_cluster_inputs
from karpenter.config.errors import ConfigError
from karpenter.config.loading import validate_settings
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import SpotServiceLinkedRole
from karpenter.kubernetes.releases import KarpenterReleases, KarpenterReleasesArgs
from karpenter.stack_plan import plan_stack
from karpenter.vocabulary import aws_names


@dataclass(frozen=True)
class KarpenterArgs:
    """What to set up, and on which cluster.

    `settings`: a `StackConfig`, or a mapping with the keys of the stack's `karpenter:` config
    (`{"clusterName": "prod", "nodePools": {...}}`). `cluster`: None to use the cluster named
    `clusterName` (or, with `cluster.create`, to create it), or the `ClusterInputs` of a cluster
    the program manages. Checked when made: bad input raises ConfigError naming the key.
    """

    settings: StackConfig | Mapping[str, Any]
    cluster: ClusterInputs | None = None
    # `settings`, validated.
    config: StackConfig = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.settings, StackConfig | Mapping):
            raise ConfigError(
                "KarpenterArgs.settings: a StackConfig or a mapping of the karpenter: settings, "
                f"not {type(self.settings).__name__}"
            )
        if self.cluster is not None and not isinstance(self.cluster, ClusterInputs):
            raise ConfigError(f"KarpenterArgs.cluster: a ClusterInputs or None, not {type(self.cluster).__name__}")
        config = validate_settings(self.settings)
        if self.cluster is not None:
            check_cluster_inputs(config, self.cluster)
        object.__setattr__(self, "config", config)


class Karpenter(pulumi.ComponentResource):
    """Karpenter on one EKS cluster: node and controller identities, discovery tags, node access,
    the spot service-linked role, the interruption queue, and the Helm releases."""

    # Each an Output, whatever is known when the program runs: a program treats them alike (`apply`,
    # `export`, `Output.all`), and a value that is plain text for one cluster is computed for another.
    outputs: dict[str, pulumi.Output[Any]]

    def __init__(self, name: str, args: KarpenterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Lookups and checks come first, so that refused input registers nothing. A cluster the
        # stack creates is created then too, beside this component rather than inside it, where
        # stacks have always had it: its URN, and so the cluster, stays. The caller's aws provider is
        # handed on explicitly: neither the lookups nor the cluster are this component's children.
        aws_provider = caller_aws_provider(opts)
        cluster_options = pulumi.ResourceOptions(
            parent=opts.parent if opts else None, providers=[aws_provider] if aws_provider else None
        )
        plan = plan_stack(args.config, args.cluster, cluster_options, aws_provider)
        super().__init__("karpenter:stack:Karpenter", name, None, opts)
        config, facts = plan.config, plan.facts
        child = pulumi.ResourceOptions(parent=self)
        for warning in [*config.warnings(), *plan.warnings]:
            # `pulumi preview` and `pulumi up` show it beside the component, prefixed "warning:".
            pulumi.log.warn(warning.removeprefix("WARNING: "), resource=self)
        for warning in plan.pools.warnings:
            pulumi.log.warn(warning.removeprefix("WARNING: "), resource=self)
        # What each pool may launch and cost, beside the preview's changes (and so in its PR comment).
        for line in plan.pools.summary_lines():
            pulumi.log.info(line, resource=self)
        undetected = undetected_namespace_warning(config.namespace, facts.controller_role, facts.name)
        if undetected:
            pulumi.log.warn(undetected, resource=self)

        node = NodeIdentity(
            "node",
            NodeIdentityArgs(cluster_name=facts.name, partition=facts.partition, adoption=plan.adoption),
            child,
        )
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
        tags = (
            None
            if plan.select_by_id
            else DiscoveryTags(
                "discovery",
                DiscoveryTagsArgs(
                    subnet_tags=plan.subnet_tags,
                    security_group_id=facts.cluster_security_group_id,
                    security_group_tags=plan.security_group_tags,
                    adopt=plan.adoption.active,
                ),
                child,
            )
        )
        access = NodeAccessGrant(
            "node-access",
            NodeAccessArgs(facts=facts, method=plan.node_access, node_role_arn=node.role_arn),
            child,
        )
        controller = ControllerIdentity(
            "controller",
            ControllerIdentityArgs(
                facts=facts,
                identity=config.identity,
                namespace=config.namespace,
                node_role_arn=facts.role_arn(aws_names.node_role_name(facts.name)),
                interruption_queue_arn=(
                    interruption_queue_arn(facts.partition, facts.region, facts.account_id, facts.name)
                    if queue
                    else None
                ),
                create_oidc_provider=config.create_oidc_provider,
                adoption=plan.adoption,
            ),
            # The policies name the node role and the queue by ARN; the edges keep them alive
            # for as long as the controller that uses them.
            pulumi.ResourceOptions(parent=self, depends_on=[node.role, *([queue.queue] if queue else [])]),
        )
        cluster = plan.kubernetes_provider or k8s.Provider(
            "cluster",
            kubeconfig=facts.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
        queue_name = aws_names.interruption_queue_name(facts.name) if queue else None
        releases = KarpenterReleases(
            "releases",
            KarpenterReleasesArgs(
                config=config,
                facts=facts,
                provider=cluster,
                controller_role_arn=facts.role_arn(aws_names.controller_role_name(facts.name)),
                interruption_queue=queue_name,
                instance_profile_name=aws_names.instance_profile_name(facts.name),
                placement=plan.placement,
                controller_prerequisites=[*controller.ready, access.grant, *(queue.ready if queue else [])],
                node_class_prerequisites=[node.instance_profile, *(tags.tags if tags else [])],
                security_group_id=facts.cluster_security_group_id if plan.select_by_id else None,
            ),
            child,
        )
        self.node = node
        self.queue = queue
        self.tags = tags
        self.access = access
        self.controller = controller
        self.releases = releases
        placement = pulumi.Output.from_input(plan.placement)
        outputs: dict[str, Any] = {
            "clusterName": facts.name,
            "nodeRoleName": node.role_name,
            "nodeRoleArn": node.role_arn,
            "instanceProfileName": node.instance_profile_name,
            "controllerRoleArn": controller.role_arn,
            "interruptionQueueName": queue.queue_name if queue else None,
            "subnetIds": placement.apply(lambda known: list(known.subnet_ids)),
            "zones": placement.apply(lambda known: list(known.zones)),
            "nodeAccess": plan.node_access.value,
            "identity": config.identity.value,
        }
        self.outputs = {key: pulumi.Output.from_input(value) for key, value in outputs.items()}
        self.register_outputs(self.outputs)
