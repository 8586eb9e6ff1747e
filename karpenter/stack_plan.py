"""The plan for one cluster: the settings checked against what is known of the cluster (node
subnets and zones, discovery tags, node access) before anything of the stack is registered."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from karpenter.aws.discovery_tags import TagPlan, plan_tags, security_group_tags, subnet_tags
from karpenter.aws.iam.node import node_managed_policy_arns
from karpenter.aws.node_access import NodeAccessMethod, node_access_method
from karpenter.cluster.adoption import ADOPT_KEY, Adoption, plan_adoption
from karpenter.cluster.deployed_namespace import check_namespace_unchanged
from karpenter.cluster.facts import POD_IDENTITY_AGENT, ClusterFacts, lookup_cluster_facts
from karpenter.cluster.inputs import ClusterInputs, cluster_input_facts, deferred_placement
from karpenter.cluster.placement import Placement, node_placement
from karpenter.cluster.planned import planned_cluster_facts
from karpenter.cluster.token_identity import TokenIdentity, provider_token_identity, stack_token_identity
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity
from karpenter.pool_plan import PoolsPlan, plan_pools


@dataclass(frozen=True)
class StackPlan:
    config: StackConfig
    facts: ClusterFacts
    # The node subnets and their zones; an Output when the subnets are known only at deploy time.
    placement: Placement | pulumi.Output[Placement]
    node_access: NodeAccessMethod
    subnet_tags: dict[str, TagPlan]
    security_group_tags: TagPlan
    # The node classes select the node subnets and the cluster security group by id, and no
    # discovery tags are made: the subnets are known only at deploy time, too late to declare tags.
    select_by_id: bool = False
    # The program's own provider for the cluster; None: the stack makes one from the kubeconfig.
    kubernetes_provider: k8s.Provider | None = None
    # What the stack takes over from a hand-made install (karpenter:adopt), by import.
    adoption: Adoption = Adoption()
    # What of the `aws:` settings the Kubernetes side cannot sign in with, one `WARNING: aws:...` line each.
    warnings: tuple[str, ...] = ()
    # What each pool may launch and cost; no pools when the subnets are known only at deploy time.
    pools: PoolsPlan = PoolsPlan(None)

    @classmethod
    def resolve(cls, config: StackConfig, facts: ClusterFacts) -> StackPlan:
        """Check the config against a cluster whose node subnets are known."""
        check_namespace_unchanged(config.namespace, facts.controller_role, facts.name)
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
        node_subnet_zones = {subnet_id: subnets[subnet_id].zone for subnet_id in placement.subnet_ids}
        pools = plan_pools(config, facts.region, placement.zones, node_subnet_zones)
        adoption = plan_adoption(
            config.adopt, facts.existing_iam, facts.name, node_managed_policy_arns(facts.partition)
        )
        return cls(
            config=config,
            facts=facts,
            placement=placement,
            node_access=node_access_method(config.node_access, facts.authentication_mode),
            subnet_tags={
                subnet_id: plan_tags(
                    facts.name,
                    subnet_tags(facts.name),
                    subnets[subnet_id].tags,
                    where=f"subnet {subnet_id}",
                    config_key="karpenter:subnetIds",
                )
                for subnet_id in placement.subnet_ids
            },
            security_group_tags=plan_tags(
                facts.name,
                security_group_tags(facts.name),
                facts.cluster_security_group_tags,
                where="the cluster security group",
                config_key="karpenter:clusterName",
            ),
            adoption=adoption,
            pools=pools,
        )


def plan_stack(
    config: StackConfig,
    cluster: ClusterInputs | None,
    cluster_options: pulumi.ResourceOptions | None = None,
    aws_provider: pulumi.ProviderResource | None = None,
) -> StackPlan:
    """Look the cluster up through `aws_provider` (None: the default provider) and check the config
    against it. A cluster the stack creates is created (with `cluster_options`) only once the checks
    pass; one the program manages is taken as given. The Kubernetes side signs in as the AWS
    provider does."""
    if config.adopt and (cluster is not None or config.cluster.create):
        raise ConfigError(
            f"{ADOPT_KEY}: takes over what a hand-made install made for an existing cluster the stack attaches "
            "to by name; it does not apply to a cluster the stack creates or a program passes in"
        )
    if cluster is not None:
        return _plan_for_cluster_inputs(config, cluster, aws_provider)
    # The Kubernetes side signs in as the AWS side does; refused input is refused before any lookup.
    identity = _token_identity(aws_provider)
    if not config.cluster.create:
        plan = StackPlan.resolve(config, lookup_cluster_facts(config, identity, aws_provider))
        return dataclasses.replace(plan, warnings=identity.warnings)
    checked = StackPlan.resolve(config, planned_cluster_facts(config, aws_provider))
    # pulumi-eks loads only for the stacks that create a cluster.
    from karpenter.aws.eks_cluster import create_cluster

    return dataclasses.replace(
        checked, facts=create_cluster(config, checked.facts, cluster_options, identity), warnings=identity.warnings
    )


def _token_identity(aws_provider: pulumi.ProviderResource | None) -> TokenIdentity:
    """The `aws:` settings configure the default provider only; a caller's own provider says itself."""
    return provider_token_identity(aws_provider) if aws_provider else stack_token_identity()


def _plan_for_cluster_inputs(
    config: StackConfig, cluster: ClusterInputs, aws_provider: pulumi.ProviderResource | None
) -> StackPlan:
    aws_auth = node_access_method(config.node_access, cluster.authentication_mode) is NodeAccessMethod.AWS_AUTH
    if cluster.kubernetes_provider is not None and cluster.kubeconfig is None and aws_auth:
        raise ConfigError(
            "ClusterInputs.kubeconfig: required with kubernetes_provider when nodes join by aws-auth, as here: the "
            "aws-auth entry is written with a kubeconfig, and a kubernetes.Provider does not give its own back; pass "
            "the kubeconfig your provider is made with"
        )
    # The component makes its own kubeconfig only when the program gives it neither.
    own_kubeconfig = cluster.kubeconfig is None and cluster.kubernetes_provider is None
    identity = _token_identity(aws_provider) if own_kubeconfig else TokenIdentity()
    facts = cluster_input_facts(config, cluster, identity, aws_provider)
    if cluster.known_subnet_ids() is not None:
        # Known now: the same lookups, tags and checks as for a cluster the stack attaches to.
        plan = StackPlan.resolve(config, facts)
    else:
        check_namespace_unchanged(config.namespace, facts.controller_role, facts.name)
        plan = StackPlan(
            config=config,
            facts=facts,
            placement=deferred_placement(config, facts, cluster.subnet_ids, aws_provider),
            node_access=node_access_method(config.node_access, facts.authentication_mode),
            subnet_tags={},
            security_group_tags={},
            select_by_id=True,
        )
    return dataclasses.replace(plan, kubernetes_provider=cluster.kubernetes_provider, warnings=identity.warnings)
