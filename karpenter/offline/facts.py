"""Cluster facts for offline runs: a facts file's model and the built-in sample cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from karpenter.config.errors import ConfigError
from karpenter.config.stack_file import unquoted_version, unquoted_version_message

SAMPLE_ACCOUNT_ID = "123456789012"
_SAMPLE_ID = "0a1b2c3d4e5f6a7b8"
_ATTACHED = " Required unless the stack creates its cluster."
# What EKS computes for a cluster, which a facts file gives only for a cluster that exists.
EXISTING_CLUSTER_KEYS = (
    "endpoint",
    "certificate_authority",
    "oidc_issuer",
    "cluster_security_group_id",
    "authentication_mode",
    "kubernetes_version",
)


class OfflineSubnet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Subnet id, e.g. subnet-0123456789abcdef0.")
    zone: str = Field(description="Its availability zone, e.g. eu-west-1a.")
    public: bool = Field(default=False, description="Whether it maps public IPs on launch (a public subnet).")
    tags: dict[str, str] = Field(default={}, description="Tags it already has, e.g. another cluster's discovery tag.")


class OfflineRole(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    path: str = Field(default="/", description="Its path, e.g. /.")
    description: str = Field(default="", description="Its description (the runbook's roles have none).")
    attached_policies: list[str] = Field(default=[], description="ARNs of the managed policies attached to it.")
    inline_policies: list[str] = Field(default=[], description="Names of its inline policies.")
    tags: dict[str, str] = Field(
        default={}, description="Its tags, e.g. karpenter-stack/namespace on a controller role the stack made."
    )
    assume_role_policy: dict[str, Any] = Field(
        default={},
        description="Its trust policy (a JSON object), e.g. an IRSA trust naming system:serviceaccount:<ns>:karpenter.",
    )


class OfflineInstanceProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    path: str = Field(default="/", description="Its path, e.g. /.")
    role: str | None = Field(default=None, description="The name of the role it holds, if any.")


class OfflineFacts(BaseModel):
    """What AWS would answer about the cluster and the account, written down."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    cluster_name: str | None = Field(default=None, description="The cluster described; default: the stack's.")
    partition: str = Field(description="AWS partition: aws, aws-cn, aws-us-gov.")
    region: str = Field(description="The cluster's region, e.g. eu-west-1.")
    account_id: str = Field(description="The account's 12-digit id, quoted.")
    # What EKS computes for a cluster: needed where the stack attaches to one, never where it creates it.
    endpoint: str | None = Field(default=None, description="The cluster's API server endpoint (https URL)." + _ATTACHED)
    certificate_authority: str | None = Field(
        default=None, description="The cluster's certificate authority data (base64)." + _ATTACHED
    )
    oidc_issuer: str | None = Field(default=None, description="The cluster's OIDC issuer URL (https)." + _ATTACHED)
    oidc_provider_exists: bool = Field(default=True, description="Whether the account has an IAM OIDC provider for it.")
    pod_identity_agent: bool = Field(
        default=True, description="Whether the eks-pod-identity-agent add-on is installed."
    )
    vpc_id: str = Field(description="The cluster's VPC (and, with cluster.create, the VPC named there).")
    cluster_security_group_id: str | None = Field(
        default=None, description="The cluster security group's id." + _ATTACHED
    )
    cluster_security_group_tags: dict[str, str] = Field(default={}, description="Tags that group already has.")
    authentication_mode: Literal["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"] | None = Field(
        default=None,
        description="The cluster's authentication mode: API, API_AND_CONFIG_MAP or CONFIG_MAP." + _ATTACHED,
    )
    kubernetes_version: str | None = Field(
        default=None, description='The cluster\'s Kubernetes version, quoted, e.g. "1.33".' + _ATTACHED
    )
    subnets: list[OfflineSubnet] = Field(
        description="The cluster's subnets (with cluster.create, every subnet the stack names)."
    )
    spot_service_linked_role_exists: bool = Field(
        default=True, description="Whether the account already has the AWSServiceRoleForEC2Spot role."
    )
    existing_roles: dict[str, OfflineRole] = Field(
        default={}, description="IAM roles the account already has, by name (e.g. the runbook's node role)."
    )
    existing_instance_profiles: dict[str, OfflineInstanceProfile] = Field(
        default={}, description="Instance profiles the account already has, by name."
    )
    instance_type_offerings: dict[str, list[str]] | None = Field(
        default=None, description="The instance types each zone of the region offers, by zone; default: the snapshot's."
    )
    on_demand_prices: dict[str, float] | None = Field(
        default=None, description="On-demand Linux price per instance-hour in USD, by type; default: the snapshot's."
    )
    price_source: str | None = Field(default=None, description="Where those prices come from, e.g. the Price List API.")
    price_date: str | None = Field(default=None, description="When those prices were published, e.g. 2026-12-01.")

    def missing_for_existing_cluster(self) -> list[str]:
        """The keys (as a facts file spells them) a stack attaching to an existing cluster needs and these lack."""
        return [to_camel(key) for key in EXISTING_CLUSTER_KEYS if getattr(self, key) is None]


def _partition(region: str) -> tuple[str, str]:
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


def sample_facts(region: str) -> OfflineFacts:
    """A typical cluster: three private and three public subnets in zones a, b and c."""
    partition, suffix = _partition(region)
    subnets = [
        OfflineSubnet(id=f"subnet-{_SAMPLE_ID[:-1]}{index}", zone=f"{region}{zone}", public=public)
        for index, (zone, public) in enumerate(
            [("a", False), ("b", False), ("c", False), ("a", True), ("b", True), ("c", True)], start=1
        )
    ]
    return OfflineFacts(
        partition=partition,
        region=region,
        account_id=SAMPLE_ACCOUNT_ID,
        endpoint=f"https://EXAMPLE0123456789ABCDEF0123456789.gr7.{region}.eks.{suffix}",
        certificate_authority="LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkVYQU1QTEUKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
        oidc_issuer=f"https://oidc.eks.{region}.{suffix}/id/EXAMPLE0123456789ABCDEF0123456789",
        vpc_id=f"vpc-{_SAMPLE_ID}",
        cluster_security_group_id=f"sg-{_SAMPLE_ID}",
        authentication_mode="API_AND_CONFIG_MAP",
        kubernetes_version="1.33",
        subnets=subnets,
    )


def load_facts_file(path: Path) -> OfflineFacts:
    """Read a facts file; a bad one is refused naming the file and the key."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"karpenter:synthFacts: cannot read {str(path)!r}: {exc.strerror}") from None
    data = yaml.safe_load(text)
    unquoted = unquoted_version(yaml.compose(text, Loader=yaml.SafeLoader), "")
    if unquoted:
        raise ConfigError(f"karpenter:synthFacts: {path}: {unquoted_version_message(*unquoted)}")
    try:
        return OfflineFacts.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"karpenter:synthFacts: {path}: {where}: {error['msg']}") from None


def check_existing_cluster(facts: OfflineFacts, path: Path | None) -> None:
    """Refuse facts (read from `path`, if from a file) that lack what EKS computes for a cluster, for a
    stack that attaches to one."""
    missing = facts.missing_for_existing_cluster()
    if missing:
        where = f"{path}: " if path else ""
        raise ConfigError(
            f"karpenter:synthFacts: {where}{missing[0]}: required for a stack that attaches to an existing "
            "cluster (karpenter:cluster.create is not true); `python -m karpenter facts` writes it"
        )


def sample_cluster_note(stack: str) -> str:
    """The line synth prints for a stack it rendered against the built-in sample cluster: its subnets, security
    groups and AMIs are not the user's, so the render shows the shape of the stack, not what `pulumi up` finds."""
    return (
        "NOTE: rendered against synth's built-in sample cluster, not yours; describe yours in a facts file "
        f"(`python -m karpenter facts --stack {stack}` reads one from the account) and name it in "
        "karpenter:synthFacts"
    )
