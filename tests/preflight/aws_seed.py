"""An account as the v0.x runbook leaves it, written into moto over its API: a VPC with private, public,
nearly full and another cluster's subnets, the EKS cluster, and the runbook's IAM resources."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REGION = "eu-west-1"
CLUSTER = "dev"
ACCOUNT = "123456789012"
NODE_ROLE = f"karpenter-node-role-{CLUSTER}"
INSTANCE_PROFILE = f"karpenter-instance-profile-{CLUSTER}"
CONTROLLER_ROLE = f"karpenter-controller-role-{CLUSTER}"
INLINE_POLICY = f"karpenter-controller-policy-{CLUSTER}"
RUNBOOK_NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
)
Clients = Callable[[str], Any]


@dataclass(frozen=True)
class Seeded:
    vpc: str
    private_a: str
    private_b: str
    public: str
    nearly_full: str
    other_cluster: str
    issuer: str


def _tags(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def seed_network(ec2: Any) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    runbook_tags = {f"kubernetes.io/cluster/{CLUSTER}": "shared", "subnet": "private"}

    def subnet(cidr: str, zone: str, tags: dict[str, str]) -> str:
        subnet_id = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        if tags:
            ec2.create_tags(Resources=[subnet_id], Tags=_tags(tags))
        return subnet_id

    ids = {
        "vpc": vpc,
        "private_a": subnet("10.0.1.0/24", "a", runbook_tags),
        "private_b": subnet("10.0.2.0/24", "b", runbook_tags),
        "public": subnet("10.0.3.0/24", "c", {}),
        # A /28 leaves 11 addresses: a zone that is nearly full.
        "nearly_full": subnet("10.0.4.0/28", "c", runbook_tags),
        "other_cluster": subnet("10.0.5.0/24", "a", {"karpenter.sh/discovery": "other"}),
    }
    ec2.modify_subnet_attribute(SubnetId=ids["public"], MapPublicIpOnLaunch={"Value": True})
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=ids["public"])
    return ids


def seed_cluster(eks: Any, iam: Any, subnet_ids: list[str], version: str = "1.33") -> str:
    iam.create_role(RoleName="eks-cluster", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}))
    eks.create_cluster(
        name=CLUSTER,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": subnet_ids},
        version=version,
    )
    issuer = str(eks.describe_cluster(name=CLUSTER)["cluster"]["identity"]["oidc"]["issuer"])
    iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9" * 40])
    return issuer


def seed_runbook_iam(iam: Any, issuer: str) -> None:
    """The runbook's commands, one for one: node role, its four policies, the instance profile, the
    controller role with its inline policy, and the spot service-linked role."""
    ec2_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName=NODE_ROLE, AssumeRolePolicyDocument=json.dumps(ec2_trust))
    for name in RUNBOOK_NODE_POLICIES:
        iam.attach_role_policy(RoleName=NODE_ROLE, PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    iam.create_instance_profile(InstanceProfileName=INSTANCE_PROFILE)
    iam.add_role_to_instance_profile(InstanceProfileName=INSTANCE_PROFILE, RoleName=NODE_ROLE)
    host = issuer.removeprefix("https://")
    irsa_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{host}:aud": "sts.amazonaws.com",
                        f"{host}:sub": "system:serviceaccount:karpenter:karpenter",
                    }
                },
            }
        ],
    }
    iam.create_role(RoleName=CONTROLLER_ROLE, AssumeRolePolicyDocument=json.dumps(irsa_trust))
    controller_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Karpenter", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateFleet"], "Resource": "*"}
        ],
    }
    iam.put_role_policy(
        RoleName=CONTROLLER_ROLE, PolicyName=INLINE_POLICY, PolicyDocument=json.dumps(controller_policy)
    )
    seed_spot_role(iam)


def seed_spot_role(iam: Any) -> None:
    # As AWS names it; moto's CreateServiceLinkedRole would call it AWSServiceRoleForspot.
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "spot.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    iam.create_role(
        RoleName="AWSServiceRoleForEC2Spot",
        Path="/aws-service-role/spot.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(trust),
    )


def seed_runbook_account(clients: Clients, *, runbook_iam: bool = True, version: str = "1.33") -> Seeded:
    ids = seed_network(clients("ec2"))
    issuer = seed_cluster(clients("eks"), clients("iam"), [ids["private_a"], ids["private_b"], ids["public"]], version)
    if runbook_iam:
        seed_runbook_iam(clients("iam"), issuer)
    return Seeded(issuer=issuer, **ids)
