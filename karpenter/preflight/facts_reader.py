"""What offline synth needs of the live account, read-only, as a facts file's document (plain data in
its camelCase keys): the cluster the stack attaches to and its account, or, for a stack that creates
its cluster, what exists before it does (the account, the VPC, the subnets it names); and the region's
instance-type offerings by zone and on-demand prices. AWS errors propagate to the command."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from karpenter.catalog.snapshot import UnknownRegionError, load_region
from karpenter.cluster.adoption import ExistingIam, ExistingRole
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig
from karpenter.config.stack_target import StackTarget, load_stack_target
from karpenter.preflight.aws_calls import Clients, failure_line, found_or_none
from karpenter.preflight.aws_reader import read_oidc_provider, read_pod_identity_agent
from karpenter.preflight.catalog_reader import read_on_demand_prices, read_zone_offerings
from karpenter.preflight.iam_reader import read_existing_iam
from karpenter.vocabulary.eks import SPOT_SERVICE_LINKED_ROLE

PRICE_LIST_SOURCE = "AWS Price List API (pricing:GetProducts): on-demand Linux, as Karpenter 1.14.1 reads it"


def _tags(record: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in record.get("Tags") or []}


def _subnet(record: dict[str, Any]) -> dict[str, Any]:
    # `public` is what the stack reads of a subnet: whether it maps public IPs on launch.
    return {
        "id": record["SubnetId"],
        "zone": record["AvailabilityZone"],
        "public": bool(record.get("MapPublicIpOnLaunch")),
        "tags": _tags(record),
    }


def _described_subnet(ec2: Any, subnet_id: str) -> dict[str, Any] | None:
    found = found_or_none(lambda: ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"])
    return found[0] if found else None


def _role(role: ExistingRole) -> dict[str, Any]:
    return {
        "path": role.path,
        "description": role.description,
        "attachedPolicies": sorted(role.attached_policy_arns),
        "inlinePolicies": sorted(role.inline_policy_names),
        "tags": dict(role.tags),
        "assumeRolePolicy": json.loads(role.trust_policy) if role.trust_policy else {},
    }


def _iam_names(iam: Any, cluster_name: str) -> dict[str, Any]:
    """The stack's roles and instance profile where the account has them, as the stack looks them up."""
    existing: ExistingIam = read_existing_iam(iam, cluster_name)
    roles = [role for role in (existing.node_role, existing.controller_role) if role is not None]
    profile = existing.instance_profile
    return {
        "spotServiceLinkedRoleExists": found_or_none(lambda: iam.get_role(RoleName=SPOT_SERVICE_LINKED_ROLE))
        is not None,
        "existingRoles": {role.name: _role(role) for role in roles},
        "existingInstanceProfiles": {profile.name: {"path": profile.path, "role": profile.role_name}}
        if profile
        else {},
    }


def existing_cluster(
    clients: Clients, config: StackConfig, region: str, partition: str, account: str
) -> dict[str, Any]:
    """The cluster the stack attaches to: what EKS computed for it, its subnets, group and add-ons."""
    eks, ec2, iam = clients("eks"), clients("ec2"), clients("iam")
    name = config.cluster_name
    found = found_or_none(lambda: eks.describe_cluster(name=name)["cluster"])
    if found is None:
        raise ConfigError(
            f"karpenter:clusterName: EKS cluster {name!r} was not found in {region} (account {account}); name "
            "an existing cluster, or set karpenter:cluster.create: true for the stack to create it"
        )
    vpc = found.get("resourcesVpcConfig") or {}
    subnets = [s for s in (_described_subnet(ec2, i) for i in vpc.get("subnetIds", [])) if s is not None]
    group = vpc.get("clusterSecurityGroupId")
    groups = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"] if group else []
    issuer = (found.get("identity") or {}).get("oidc", {}).get("issuer")
    return {
        "endpoint": found.get("endpoint"),
        "certificateAuthority": (found.get("certificateAuthority") or {}).get("data"),
        "oidcIssuer": issuer,
        "oidcProviderExists": bool(issuer) and read_oidc_provider(iam, partition, account, issuer),
        "podIdentityAgent": read_pod_identity_agent(eks, name),
        "vpcId": vpc.get("vpcId") or next((s["VpcId"] for s in subnets), None),
        "clusterSecurityGroupId": group,
        "clusterSecurityGroupTags": _tags(groups[0]) if groups else {},
        # A cluster from before access entries has no access configuration: the ConfigMap alone.
        "authenticationMode": (found.get("accessConfig") or {}).get("authenticationMode", "CONFIG_MAP"),
        "kubernetesVersion": found.get("version"),
        "subnets": [_subnet(s) for s in subnets],
    }


def before_the_cluster(clients: Clients, config: StackConfig, region: str) -> dict[str, Any]:
    """What exists before the cluster the stack creates: its VPC and the subnets it names, checked as
    the stack checks them (a facts file cannot describe a subnet of another VPC)."""
    ec2 = clients("ec2")
    vpc_id = config.cluster.vpc_id
    if not found_or_none(lambda: ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]):
        raise ConfigError(f"karpenter:cluster.vpcId: VPC {vpc_id!r} was not found in {region}")
    subnets = []
    for index, subnet_id in enumerate(config.cluster.subnet_ids or []):
        record = _described_subnet(ec2, subnet_id)
        if record is None:
            raise ConfigError(f"karpenter:cluster.subnetIds[{index}]: subnet {subnet_id!r} was not found in {region}")
        if record["VpcId"] != vpc_id:
            raise ConfigError(
                f"karpenter:cluster.subnetIds[{index}]: {subnet_id!r} is in {record['VpcId']}, "
                f"not in karpenter:cluster.vpcId {vpc_id}"
            )
        subnets.append(_subnet(record))
    return {"vpcId": vpc_id, "subnets": subnets}


def read_account_facts(clients: Clients, config: StackConfig, region: str) -> dict[str, Any]:
    """The account, the cluster (or what exists before it) and the stack's IAM names."""
    caller = clients("sts").get_caller_identity()
    account, partition = caller["Account"], caller["Arn"].split(":")[1]
    document: dict[str, Any] = {
        "clusterName": config.cluster_name,
        "partition": partition,
        "region": region,
        "accountId": account,
    }
    if config.cluster.create:
        document.update(before_the_cluster(clients, config, region))
    else:
        document.update(existing_cluster(clients, config, region, partition, account))
    document.update(_iam_names(clients("iam"), config.cluster_name))
    return document


def read_instance_catalog(clients: Clients, region: str, today: str) -> tuple[dict[str, Any], list[str]]:
    """The types each zone offers, and on-demand prices from the Price List API or, where it does not
    answer, from the shipped snapshot; with a note for each fallback."""
    zones = read_zone_offerings(clients("ec2"))
    document: dict[str, Any] = {"instanceTypeOfferings": {zone: sorted(names) for zone, names in zones.items()}}
    try:
        prices = read_on_demand_prices(clients("pricing"), region)
        why = f"it priced no instance type in {region}"
    except (BotoCoreError, ClientError) as exc:
        prices, why = {}, failure_line(exc)
    if prices:
        document.update(onDemandPrices=prices, priceSource=PRICE_LIST_SOURCE, priceDate=today)
        return document, []
    try:
        shipped = load_region(region)
    except UnknownRegionError:
        return document, [
            f"prices: none, because the Price List API did not answer and the snapshot has no {region}: {why}"
        ]
    document.update(
        onDemandPrices=dict(sorted(shipped.prices.items())),
        priceSource=shipped.price_source,
        priceDate=shipped.price_date,
    )
    note = f"prices: the snapshot's of {shipped.price_date}, because the Price List API did not answer: {why}"
    return document, [note]


class AccountReadError(Exception):
    """AWS did not answer a read: one line saying what it said, with a hint by cause."""


@dataclass(frozen=True)
class FactsRead:
    # The facts file's document, in its keys.
    document: dict[str, Any]
    # What was read otherwise than asked (prices from the snapshot), one line each.
    notes: list[str]
    target: StackTarget


def read_stack_facts(
    stack: str,
    project_dir: Path,
    *,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    today: str,
) -> FactsRead:
    """Everything the facts file holds for the stack; raises ConfigError (a bad stack file or key, or
    an account that lacks what the stack names) or AccountReadError."""
    from botocore.exceptions import ProfileNotFound

    # Looked up when called, so that a test can put moto behind it.
    from karpenter.preflight.aws_calls import session_clients

    target = load_stack_target(stack, project_dir, region)
    try:
        clients = session_clients(target.region, profile, endpoint_url)
    except ProfileNotFound:
        raise ConfigError(f"--profile: the AWS config files have no profile {profile!r}") from None
    try:
        document = read_account_facts(clients, target.config, target.region)
        catalog, notes = read_instance_catalog(clients, target.region, today)
    except (BotoCoreError, ClientError) as exc:
        raise AccountReadError(failure_line(exc)) from None
    return FactsRead({**document, **catalog}, notes, target)
