"""Cluster facts: what the stack reads about an existing EKS cluster and its account, once.

Lookups are data-source invokes, which run in `pulumi preview` too, so everything downstream
(subnet tags, policy documents, node-pool zones) is known before anything is created.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from karpenter.cluster.adoption import ExistingIam, ExistingRole
from karpenter.cluster.answers import answered
from karpenter.cluster.aws_provider import lookup_options
from karpenter.cluster.iam_lookups import lookup_existing_iam
from karpenter.cluster.token_identity import TokenIdentity
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity

# The authentication modes are read from here by the components and the cluster inputs.
from karpenter.vocabulary.eks import ACCESS_ENTRY_MODES as ACCESS_ENTRY_MODES
from karpenter.vocabulary.eks import CONFIG_MAP_MODES as CONFIG_MAP_MODES
from karpenter.vocabulary.eks import POD_IDENTITY_AGENT, SPOT_SERVICE_LINKED_ROLE, SPOT_SERVICE_LINKED_ROLE_PATH
from karpenter.vocabulary.kubernetes_compatibility import SOURCE, compatibility_problem


@dataclass(frozen=True)
class Subnet:
    id: str
    zone: str
    public: bool
    tags: Mapping[str, str] = field(default_factory=dict)
    vpc_id: str = ""


@dataclass(frozen=True)
class Account:
    partition: str
    region: str
    account_id: str
    spot_role_arn: str | None


@dataclass(frozen=True)
class ClusterFacts:
    """What the stack knows of its cluster. For an existing cluster every value is known when
    the program runs; for one the stack creates, those the cluster computes are Outputs."""

    name: str
    partition: str
    region: str
    account_id: str
    endpoint: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    subnets: tuple[Subnet, ...]
    cluster_security_group_id: pulumi.Input[str]
    # Tags the cluster security group has before the stack runs (none for a cluster it creates).
    cluster_security_group_tags: Mapping[str, str]
    authentication_mode: str
    oidc_provider_exists: bool
    # Whether the Pod Identity agent add-on is there; looked up only for stacks that use it.
    pod_identity_agent: bool
    spot_role_arn: str | None
    # A kubeconfig (JSON) for the cluster, with an `aws eks get-token` user.
    kubeconfig: pulumi.Input[str]
    # The cluster's name as an input that, for a cluster the stack creates, waits for it.
    cluster_ref: pulumi.Input[str]
    # The stack's IAM names as the account has them (looked up only for a cluster the stack attaches to).
    existing_iam: ExistingIam = field(default_factory=ExistingIam)
    # The controller role under the stack's name, looked up for every cluster: once the stack has run,
    # it says which namespace Karpenter was installed in.
    controller_role: ExistingRole | None = None

    def role_arn(self, role_name: str) -> str:
        """The ARN a role of this name (path /) has in the cluster's account."""
        return f"arn:{self.partition}:iam::{self.account_id}:role/{role_name}"


def lookup_account(provider: pulumi.ProviderResource | None = None) -> Account:
    """Partition, region and account of the AWS provider (None: the default one), and the
    account's spot role if any."""
    invoke = lookup_options(provider)
    spot_roles = aws.iam.get_roles(
        name_regex=f"^{SPOT_SERVICE_LINKED_ROLE}$", path_prefix=SPOT_SERVICE_LINKED_ROLE_PATH, opts=invoke
    )
    partition = answered("aws:index/getPartition:getPartition", aws.get_partition(opts=invoke), "partition")
    region = answered("aws:index/getRegion:getRegion", aws.get_region(opts=invoke), "region")
    caller = answered(
        "aws:index/getCallerIdentity:getCallerIdentity", aws.get_caller_identity(opts=invoke), "accountId"
    )
    return Account(
        partition=partition.partition,
        region=region.region,
        account_id=caller.account_id,
        spot_role_arn=sorted(spot_roles.arns)[0] if spot_roles.arns else None,
    )


def lookup_subnets(
    subnet_ids: list[str], config_key: str, provider: pulumi.ProviderResource | None = None
) -> tuple[Subnet, ...]:
    """The subnets, read from EC2; one that cannot be read is refused naming `config_key`, the list
    the ids came from (with the index), or the key that led to it."""
    found = []
    for index, subnet_id in enumerate(subnet_ids):
        try:
            subnet = aws.ec2.get_subnet(id=subnet_id, opts=lookup_options(provider))
        except Exception as exc:  # noqa: BLE001 - the engine reports a failed lookup as a bare Exception
            reason = str(exc).removeprefix("invoke of aws:ec2/getSubnet:getSubnet failed: ")
            where = f"{config_key}[{index}]" if config_key.endswith(("subnetIds", "subnet_ids")) else config_key
            raise ConfigError(f"{where}: subnet {subnet_id!r} cannot be read: {reason}") from None
        found.append(subnet_facts(subnet_id, subnet))
    return tuple(sorted(found, key=lambda subnet: subnet.id))


def lookup_cluster_facts(
    config: StackConfig, identity: TokenIdentity | None = None, provider: pulumi.ProviderResource | None = None
) -> ClusterFacts:
    """Read an existing cluster and its account through AWS data sources, by `provider` (None: the
    default one); its kubeconfig signs in as `identity` (default: the AWS CLI's default credentials)."""
    account = lookup_account(provider)
    invoke = lookup_options(provider)
    try:
        cluster = aws.eks.get_cluster(name=config.cluster_name, opts=invoke)
    except Exception as exc:  # noqa: BLE001 - the engine reports a failed lookup as a bare Exception
        raise pulumi.RunError(
            f"karpenter:clusterName: EKS cluster {config.cluster_name!r} was not found in {account.region}: {exc}"
        ) from None
    answered(
        "aws:eks/getCluster:getCluster",
        cluster,
        "endpoint",
        "certificateAuthorities[0].data",
        "identities[0].oidcs[0].issuer",
        "vpcConfig.subnetIds",
        "vpcConfig.clusterSecurityGroupId",
        about=config.cluster_name,
    )
    unsupported = compatibility_problem(cluster.version, config.version) if cluster.version else None
    if unsupported:
        raise ConfigError(
            f"karpenter:clusterName: EKS cluster {config.cluster_name!r} runs Kubernetes {cluster.version}, and "
            f"{unsupported}; upgrade the cluster first ({SOURCE})"
        )
    issuer = cluster.identities[0].oidcs[0].issuer
    issuer_host = issuer.removeprefix("https://")
    oidc_arn = f"arn:{account.partition}:iam::{account.account_id}:oidc-provider/{issuer_host}"
    endpoint = cluster.endpoint
    certificate_authority = cluster.certificate_authorities[0].data
    return ClusterFacts(
        name=config.cluster_name,
        partition=account.partition,
        region=account.region,
        account_id=account.account_id,
        endpoint=endpoint,
        oidc_issuer=issuer,
        oidc_provider_arn=oidc_arn,
        subnets=lookup_subnets(cluster.vpc_config.subnet_ids, "karpenter:clusterName", provider),
        cluster_security_group_id=cluster.vpc_config.cluster_security_group_id,
        cluster_security_group_tags=dict(
            aws.ec2.get_security_group(id=cluster.vpc_config.cluster_security_group_id, opts=invoke).tags or {}
        ),
        authentication_mode=cluster.access_configs[0].authentication_mode if cluster.access_configs else "CONFIG_MAP",
        oidc_provider_exists=_lookup_succeeds(lambda: aws.iam.get_open_id_connect_provider(arn=oidc_arn, opts=invoke)),
        pod_identity_agent=config.identity is Identity.POD_IDENTITY
        and _lookup_succeeds(
            lambda: aws.eks.get_addon(addon_name=POD_IDENTITY_AGENT, cluster_name=config.cluster_name, opts=invoke)
        ),
        spot_role_arn=account.spot_role_arn,
        kubeconfig=(identity or TokenIdentity()).kubeconfig_json(
            config.cluster_name, account.region, endpoint, certificate_authority
        ),
        cluster_ref=config.cluster_name,
        existing_iam=(existing_iam := lookup_existing_iam(config.cluster_name, provider)),
        controller_role=existing_iam.controller_role,
    )


def subnet_facts(subnet_id: str, found: aws.ec2.GetSubnetResult) -> Subnet:
    """What the stack reads of a subnet from its EC2 lookup."""
    answered(
        "aws:ec2/getSubnet:getSubnet",
        found,
        "availabilityZone",
        "mapPublicIpOnLaunch",
        "vpcId",
        about=subnet_id,
    )
    return Subnet(
        id=subnet_id,
        zone=found.availability_zone,
        public=bool(found.map_public_ip_on_launch),
        tags=dict(found.tags or {}),
        vpc_id=found.vpc_id,
    )


def _lookup_succeeds(lookup: Callable[[], object]) -> bool:
    """Whether a data source finds its object; a missing one fails the lookup, and there is no
    "exists" query."""
    try:
        lookup()
    except Exception:  # noqa: BLE001 - the engine reports a failed lookup as a bare Exception
        return False
    return True
