"""Reading the account with boto3, read-only: the caller, the cluster, its OIDC provider or Pod
Identity add-on, the node subnets and their routes, the spot role, EC2 vCPU quotas, (through
iam_reader) the stack's IAM names, and (through new_cluster_reader) what a cluster the stack creates
needs before it exists. Each call that fails is kept as `Unread`."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from karpenter.cluster.adoption import ExistingIam
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity
from karpenter.preflight.aws_calls import Clients, attempt, error_code, found_or_none
from karpenter.preflight.iam_reader import read_existing_iam, simulate_controller
from karpenter.preflight.new_cluster_reader import read_before_cluster
from karpenter.preflight.observations import AwsObservations, Caller, EksCluster, SubnetInfo, Unread
from karpenter.vocabulary import aws_names, ec2_quotas
from karpenter.vocabulary.eks import POD_IDENTITY_AGENT, SPOT_SERVICE_LINKED_ROLE


def read_cluster(eks: Any, name: str) -> EksCluster:
    found = eks.describe_cluster(name=name)["cluster"]
    vpc = found.get("resourcesVpcConfig", {})
    return EksCluster(
        name=name,
        status=found.get("status", "UNKNOWN"),
        version=found.get("version", ""),
        endpoint=found.get("endpoint", ""),
        certificate_authority=found.get("certificateAuthority", {}).get("data", ""),
        authentication_mode=found.get("accessConfig", {}).get("authenticationMode"),
        oidc_issuer=found.get("identity", {}).get("oidc", {}).get("issuer"),
        subnet_ids=tuple(vpc.get("subnetIds", ())),
        security_group_id=vpc.get("clusterSecurityGroupId"),
    )


def read_oidc_provider(iam: Any, partition: str, account: str, issuer: str) -> bool:
    arn = f"arn:{partition}:iam::{account}:oidc-provider/{issuer.removeprefix('https://')}"
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    return any(p["Arn"] == arn for p in providers)


def read_pod_identity_agent(eks: Any, cluster: str) -> bool:
    return found_or_none(lambda: eks.describe_addon(clusterName=cluster, addonName=POD_IDENTITY_AGENT)) is not None


def read_subnets(ec2: Any, subnet_ids: list[str]) -> tuple[tuple[SubnetInfo, ...], tuple[str, ...]]:
    """The subnets that exist, with their routes, and the ids that do not."""
    found: list[dict[str, Any]] = []
    missing: list[str] = []

    def described(subnet_id: str) -> list[dict[str, Any]]:
        return list(ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"])

    for subnet_id in subnet_ids:
        result = found_or_none(lambda: described(subnet_id))  # noqa: B023 - called at once
        if result:
            found.extend(result)
        else:
            missing.append(subnet_id)
    to_gateway = _subnets_routing_to_internet_gateway(ec2, found)
    infos = tuple(
        SubnetInfo(
            id=s["SubnetId"],
            zone=s["AvailabilityZone"],
            available_ips=int(s.get("AvailableIpAddressCount", 0)),
            maps_public_ips=bool(s.get("MapPublicIpOnLaunch")),
            routes_to_internet_gateway=s["SubnetId"] in to_gateway,
            tags={t["Key"]: t["Value"] for t in s.get("Tags", [])},
            vpc_id=s.get("VpcId", ""),
        )
        for s in found
    )
    return infos, tuple(missing)


def _subnets_routing_to_internet_gateway(ec2: Any, subnets: list[dict[str, Any]]) -> set[str]:
    routed: set[str] = set()
    for vpc_id in sorted({s["VpcId"] for s in subnets}):
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
        public = {
            t["RouteTableId"]
            for t in tables
            for r in t.get("Routes", [])
            if r.get("DestinationCidrBlock") == "0.0.0.0/0" and str(r.get("GatewayId", "")).startswith("igw-")
        }
        explicit = {
            a["SubnetId"]: t["RouteTableId"] for t in tables for a in t.get("Associations", []) if a.get("SubnetId")
        }
        main = next((a["RouteTableId"] for t in tables for a in t.get("Associations", []) if a.get("Main")), None)
        for subnet in subnets:
            if subnet["VpcId"] == vpc_id and explicit.get(subnet["SubnetId"], main) in public:
                routed.add(subnet["SubnetId"])
    return routed


def read_quota(quotas: Any, code: str) -> float:
    try:
        return float(quotas.get_service_quota(ServiceCode=ec2_quotas.SERVICE_CODE, QuotaCode=code)["Quota"]["Value"])
    except ClientError as exc:
        if error_code(exc) != "NoSuchResourceException":
            raise
        # An account that never changed the quota has only the default.
        default = quotas.get_aws_default_service_quota(ServiceCode=ec2_quotas.SERVICE_CODE, QuotaCode=code)
        return float(default["Quota"]["Value"])


def _quota(quotas: Any, code: str) -> float | Unread:
    value = attempt(lambda: read_quota(quotas, code))
    return Unread("no such quota") if value is None else value


def read_account(clients: Clients, config: StackConfig, region: str) -> AwsObservations:
    """Everything doctor reads from AWS for the stack; nothing is written."""
    sts, eks, iam, ec2 = clients("sts"), clients("eks"), clients("iam"), clients("ec2")
    caller_data = attempt(lambda: sts.get_caller_identity())
    if not isinstance(caller_data, dict):
        reason = caller_data if isinstance(caller_data, Unread) else Unread("no caller identity")
        return AwsObservations(region=region, caller=reason, cluster=reason)
    caller = Caller(account=caller_data["Account"], arn=caller_data["Arn"])
    partition = caller.arn.split(":")[1]
    cluster = attempt(lambda: read_cluster(eks, config.cluster_name))
    before = None
    if cluster is None and config.cluster.create:
        before = read_before_cluster(clients, config)
        # Node subnets are some of the cluster's (the program refuses others): each subnet is read once.
        subnet_ids = list(dict.fromkeys([*(config.cluster.subnet_ids or []), *(config.subnet_ids or [])]))
    elif isinstance(cluster, EksCluster):
        subnet_ids = list(config.subnet_ids or cluster.subnet_ids)
    else:
        return AwsObservations(region=region, caller=caller, cluster=cluster)
    issuer = cluster.oidc_issuer if isinstance(cluster, EksCluster) else None
    subnets = attempt(lambda: read_subnets(ec2, subnet_ids))
    existing = attempt(lambda: read_existing_iam(iam, config.cluster_name))
    controller = existing.controller_role if isinstance(existing, ExistingIam) else None
    quotas_client = clients("service-quotas")
    system_node_role = aws_names.system_node_role_name(config.cluster_name)
    return AwsObservations(
        region=region,
        caller=caller,
        cluster=cluster,
        oidc_provider_exists=attempt(lambda: read_oidc_provider(iam, partition, caller.account, issuer))
        if config.identity is Identity.IRSA and issuer
        else None,
        pod_identity_agent=attempt(lambda: read_pod_identity_agent(eks, config.cluster_name))
        if config.identity is Identity.POD_IDENTITY and isinstance(cluster, EksCluster)
        else None,
        subnets=subnets[0] if isinstance(subnets, tuple) else subnets or (),
        missing_subnets=subnets[1] if isinstance(subnets, tuple) else (),
        spot_role_exists=attempt(lambda: bool(iam.get_role(RoleName=SPOT_SERVICE_LINKED_ROLE)), missing=False) or False,
        quotas={code: _quota(quotas_client, code) for code in (q.code for q in ec2_quotas.QUOTAS)},
        existing_iam=existing if existing is not None else ExistingIam(),
        simulations=attempt(
            lambda: simulate_controller(
                iam, f"arn:{partition}:iam::{caller.account}:role/{controller.name}", config, region
            )
        )
        if controller
        else None,
        system_node_role_exists=attempt(lambda: bool(iam.get_role(RoleName=system_node_role)), missing=False)
        if config.cluster.create
        else None,
        before_cluster=before,
    )
