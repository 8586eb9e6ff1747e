"""What is known of a cluster the stack will create, before it exists: its account and subnets,
checked against the config."""

from __future__ import annotations

import pulumi

from karpenter.cluster.facts import ClusterFacts, lookup_account, lookup_subnets
from karpenter.cluster.iam_lookups import lookup_controller_role
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig


def planned_cluster_facts(config: StackConfig, provider: pulumi.ProviderResource | None = None) -> ClusterFacts:
    """What is known of the cluster the stack will create, before it exists: its account and
    subnets, and what the stack sets. What the cluster computes stays empty until
    `create_cluster` fills it in, so the config can be checked before anything is registered. Read
    by `provider` (None: the default one)."""
    account = lookup_account(provider)
    subnets = lookup_subnets(config.cluster.subnet_ids or [], "karpenter:cluster.subnetIds", provider)
    for index, subnet_id in enumerate(config.cluster.subnet_ids or []):
        (subnet,) = [s for s in subnets if s.id == subnet_id]
        if subnet.vpc_id != config.cluster.vpc_id:
            raise ConfigError(
                f"karpenter:cluster.subnetIds[{index}]: {subnet_id!r} is in {subnet.vpc_id}, "
                f"not in karpenter:cluster.vpcId {config.cluster.vpc_id}"
            )
        if subnet.public:
            raise ConfigError(
                f"karpenter:cluster.subnetIds[{index}]: {subnet_id!r} is a public subnet (it maps public IPs on "
                "launch), so nodes launched there would get public IPs; name private subnets"
            )
    if len({subnet.zone for subnet in subnets}) < 2:
        raise ConfigError("karpenter:cluster.subnetIds: EKS needs subnets in two availability zones or more")
    return ClusterFacts(
        name=config.cluster_name,
        partition=account.partition,
        region=account.region,
        account_id=account.account_id,
        endpoint="",
        oidc_issuer="",
        oidc_provider_arn="",
        subnets=subnets,
        cluster_security_group_id="",
        cluster_security_group_tags={},
        authentication_mode="API",
        oidc_provider_exists=True,
        pod_identity_agent=True,
        spot_role_arn=account.spot_role_arn,
        kubeconfig="",
        cluster_ref=config.cluster_name,
        # Made by an earlier run of the stack, if any: it names the namespace that run installed Karpenter in.
        controller_role=lookup_controller_role(config.cluster_name, provider),
    )
