"""A cluster the caller's own Pulumi program manages: what that program passes in (`ClusterInputs`),
checked against the settings, and the cluster facts the rest of the stack reads, built from those
inputs and the same account lookups as for any cluster.

Its node subnets may be known only once that cluster exists (an Output). The stack then selects
subnets and the security group by id, and the node subnets' zones and checks are worked out
inside an apply, which looks subnets up and creates nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from karpenter.cluster.aws_provider import lookup_options
from karpenter.cluster.facts import (
    ACCESS_ENTRY_MODES,
    CONFIG_MAP_MODES,
    POD_IDENTITY_AGENT,
    ClusterFacts,
    Subnet,
    lookup_account,
    lookup_subnets,
    subnet_facts,
)
from karpenter.cluster.iam_lookups import lookup_controller_role
from karpenter.cluster.placement import Placement, node_placement
from karpenter.cluster.token_identity import TokenIdentity
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity

AUTHENTICATION_MODES = tuple(dict.fromkeys(ACCESS_ENTRY_MODES + CONFIG_MAP_MODES))


@dataclass(frozen=True, kw_only=True)
class ClusterInputs:
    """An EKS cluster declared elsewhere in the same Pulumi program, given by its outputs."""

    # The cluster's name output (`cluster.name`): what needs the cluster waits for it. It must
    # equal the settings' clusterName, which names the IAM roles and the queue at preview time.
    name: pulumi.Input[str]
    # API server endpoint (`cluster.endpoint`).
    endpoint: pulumi.Input[str]
    # Certificate authority data, base64 (`cluster.certificate_authority.data`).
    certificate_authority: pulumi.Input[str]
    # OIDC issuer, an https URL (`cluster.identities[0].oidcs[0].issuer`).
    oidc_issuer: pulumi.Input[str]
    # Subnets nodes may use (the private ones are chosen, as for any cluster): plain ids, or an
    # Output of a list such as `cluster.vpc_config.subnet_ids`.
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    # The cluster security group, which nodes join (`cluster.vpc_config.cluster_security_group_id`).
    security_group_id: pulumi.Input[str]
    # ARN of the issuer's IAM OIDC provider, for identity irsa. Without it, the settings must say
    # createOidcProvider: true, and the stack creates the provider.
    oidc_provider_arn: pulumi.Input[str] | None = None
    # The cluster's authentication mode, which nodeAccess: auto follows.
    authentication_mode: str = "API_AND_CONFIG_MAP"
    # Whether the program installs the eks-pod-identity-agent add-on; identity pod-identity needs it.
    pod_identity_agent: bool = False
    # The program's own Kubernetes provider for the cluster; default: one made from `kubeconfig`, or
    # from the outputs above.
    kubernetes_provider: k8s.Provider | None = None
    # A kubeconfig (JSON or YAML text) for the cluster, which the aws-auth entry is written with
    # and, without kubernetes_provider, the component's Kubernetes provider is made from. A
    # kubernetes.Provider does not give its kubeconfig back, so with kubernetes_provider and node
    # access by aws-auth it is required. Default: one signing in with `aws eks get-token` as the
    # stack's AWS provider does.
    kubeconfig: pulumi.Input[str] | None = None

    def known_subnet_ids(self) -> list[str] | None:
        """The subnet ids if given as plain strings; None if they are known only at deploy time."""
        ids = self.subnet_ids
        if isinstance(ids, list | tuple) and all(isinstance(subnet_id, str) for subnet_id in ids):
            return [str(subnet_id) for subnet_id in ids]
        return None


def check_cluster_inputs(config: StackConfig, cluster: ClusterInputs) -> None:
    """Refuse, naming the argument or the setting, what cannot work whatever the cluster's
    outputs turn out to be."""
    if config.cluster.create:
        raise ConfigError(
            "karpenter:cluster.create: true creates a cluster, and KarpenterArgs.cluster passes one your program "
            "manages; leave out one of them"
        )
    if isinstance(cluster.subnet_ids, str):
        raise ConfigError("ClusterInputs.subnet_ids: a list of subnet ids, or an Output of one, not a single string")
    if cluster.known_subnet_ids() == []:
        raise ConfigError("ClusterInputs.subnet_ids: empty; name the subnets nodes may use")
    if cluster.security_group_id == "":
        raise ConfigError(
            "ClusterInputs.security_group_id: empty; pass the cluster security group "
            "(cluster.vpc_config.cluster_security_group_id)"
        )
    if cluster.authentication_mode not in AUTHENTICATION_MODES:
        raise ConfigError(
            f"ClusterInputs.authentication_mode: {cluster.authentication_mode!r} is not one of "
            f"{', '.join(AUTHENTICATION_MODES)}"
        )
    if isinstance(cluster.name, str):
        _same_name(config, cluster.name)
    if isinstance(cluster.oidc_issuer, str):
        _https_issuer(cluster.oidc_issuer)
    if config.identity is Identity.IRSA and cluster.oidc_provider_arn is None and not config.create_oidc_provider:
        raise ConfigError(
            "ClusterInputs.oidc_provider_arn: identity 'irsa' needs the cluster's IAM OIDC provider; pass its ARN, "
            "or set karpenter:createOidcProvider to true to create one, or use identity 'pod-identity'"
        )
    if config.identity is Identity.POD_IDENTITY and not cluster.pod_identity_agent:
        raise ConfigError(
            f"ClusterInputs.pod_identity_agent: identity 'pod-identity' needs the {POD_IDENTITY_AGENT} add-on; "
            "install it in your program (aws.eks.Addon) and pass pod_identity_agent=True, or use identity 'irsa'"
        )


def _same_name(config: StackConfig, name: str) -> str:
    if name != config.cluster_name:
        raise ConfigError(
            f"ClusterInputs.name: the cluster is named {name!r}, and karpenter:clusterName is "
            f"{config.cluster_name!r}; they must be the same"
        )
    return name


def _https_issuer(issuer: str) -> str:
    if not issuer.startswith("https://"):
        raise ConfigError(f"ClusterInputs.oidc_issuer: {issuer!r} is not an https URL (the cluster's OIDC issuer)")
    return issuer


def cluster_input_facts(
    config: StackConfig,
    cluster: ClusterInputs,
    identity: TokenIdentity | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> ClusterFacts:
    """The facts of a cluster the program manages. Without plain subnet ids, `subnets` stays
    empty: `deferred_placement` reads them once they are known. The kubeconfig is the caller's
    (`ClusterInputs.kubeconfig`), or one signing in as `identity`. Looked up by `provider` (None:
    the default one)."""
    account = lookup_account(provider)
    # Resolves once the cluster exists, and to its name only if that is the configured one.
    name = pulumi.Output.from_input(cluster.name).apply(lambda actual: _same_name(config, actual))
    issuer = pulumi.Output.from_input(cluster.oidc_issuer).apply(_https_issuer)
    known_subnets = cluster.known_subnet_ids()
    known_security_group = isinstance(cluster.security_group_id, str)
    provider_arn = cluster.oidc_provider_arn or issuer.apply(
        lambda url: f"arn:{account.partition}:iam::{account.account_id}:oidc-provider/{url.removeprefix('https://')}"
    )
    return ClusterFacts(
        name=config.cluster_name,
        partition=account.partition,
        region=account.region,
        account_id=account.account_id,
        endpoint=cluster.endpoint,
        oidc_issuer=issuer,
        oidc_provider_arn=provider_arn,
        subnets=() if known_subnets is None else lookup_subnets(known_subnets, "ClusterInputs.subnet_ids", provider),
        cluster_security_group_id=(
            cluster.security_group_id
            if known_security_group
            else pulumi.Output.from_input(cluster.security_group_id).apply(_resolved_security_group)
        ),
        # Read only where the group is tagged for discovery; a group known only at deploy time is
        # tagged as the group of a cluster the stack creates is.
        cluster_security_group_tags=(
            _security_group_tags(str(cluster.security_group_id), provider)
            if known_subnets is not None and known_security_group
            else {}
        ),
        authentication_mode=cluster.authentication_mode,
        oidc_provider_exists=cluster.oidc_provider_arn is not None,
        pod_identity_agent=cluster.pod_identity_agent,
        spot_role_arn=account.spot_role_arn,
        kubeconfig=cluster.kubeconfig
        if cluster.kubeconfig is not None
        else (identity or TokenIdentity()).kubeconfig_json(
            name, account.region, cluster.endpoint, cluster.certificate_authority
        ),
        cluster_ref=name,
        controller_role=lookup_controller_role(config.cluster_name, provider),
    )


def _resolved_security_group(security_group_id: str | None) -> str:
    if not security_group_id:
        raise ConfigError(
            "ClusterInputs.security_group_id: resolved to nothing; pass the cluster security group "
            "(cluster.vpc_config.cluster_security_group_id)"
        )
    return security_group_id


def _security_group_tags(security_group_id: str, provider: pulumi.ProviderResource | None) -> dict[str, str]:
    try:
        return dict(aws.ec2.get_security_group(id=security_group_id, opts=lookup_options(provider)).tags or {})
    except Exception as exc:  # noqa: BLE001 - the engine reports a failed lookup as a bare Exception
        reason = str(exc).removeprefix("invoke of aws:ec2/getSecurityGroup:getSecurityGroup failed: ")
        raise ConfigError(
            f"ClusterInputs.security_group_id: security group {security_group_id!r} cannot be read: {reason}"
        ) from None


def deferred_placement(
    config: StackConfig,
    facts: ClusterFacts,
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    provider: pulumi.ProviderResource | None = None,
) -> pulumi.Output[Placement]:
    """The node subnets and their zones once the subnet ids are known, read by `provider` (None: the
    default one): chosen and refused as for subnets known at once (`node_placement`), the refusal
    raised from inside the apply."""

    def look_up(ids: Sequence[Any] | None) -> pulumi.Output[list[Subnet]]:
        if not ids:
            raise ConfigError("ClusterInputs.subnet_ids: resolved to no subnets; pass the subnets nodes may use")
        return pulumi.Output.all(*(read(subnet_id) for subnet_id in ids))

    def read(subnet_id: str) -> pulumi.Output[Subnet]:
        found = aws.ec2.get_subnet_output(id=subnet_id, opts=pulumi.InvokeOutputOptions(provider=provider))
        return found.apply(lambda answer: subnet_facts(subnet_id, answer))

    def place(subnets: list[Subnet]) -> Placement:
        return node_placement(config, dataclasses.replace(facts, subnets=tuple(sorted(subnets, key=lambda s: s.id))))

    ids: pulumi.Output[Sequence[Any] | None] = pulumi.Output.from_input(subnet_ids)
    subnets: pulumi.Output[list[Subnet]] = ids.apply(look_up)
    return subnets.apply(place)
