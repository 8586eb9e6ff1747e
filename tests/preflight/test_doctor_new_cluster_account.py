"""doctor on a stack that creates its cluster, against moto in server mode, where the account itself
is not as the stack needs it: each test changes an account of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.preflight.aws_seed import ACCOUNT, Clients
from tests.preflight.conftest import RUNBOOK_QUOTAS, moto_clients, reset
from tests.preflight.new_cluster_runs import CLUSTER, Network, seed_network, stack
from tests.preflight.test_doctor_new_cluster import doctor, placeholders, verdict

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def fresh(moto_endpoint: str) -> tuple[Clients, Network]:
    reset(moto_endpoint)
    clients = moto_clients(moto_endpoint, RUNBOOK_QUOTAS)
    return clients, seed_network(clients)


def run(
    account: tuple[Clients, Network],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Capture,
    config: dict[str, Any] | None = None,
    *extra: str,
) -> tuple[int, str]:
    clients, network = account
    code, out = doctor(clients, config or stack(network), tmp_path, monkeypatch, capsys, extra=extra)
    return code, placeholders(out, network, clients)


def create_cluster(clients: Clients, network: Network) -> None:
    iam = clients("iam")
    iam.create_role(RoleName="eks-cluster", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}))
    clients("eks").create_cluster(
        name=CLUSTER,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": list(network.subnets)},
        version="1.33",
    )


def create_system_node_role(clients: Clients) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    clients("iam").create_role(RoleName=f"system-node-role-{CLUSTER}", AssumeRolePolicyDocument=json.dumps(trust))


def test_a_cluster_of_the_name_that_the_stack_did_not_create_fails(
    fresh: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """EKS CreateCluster refuses a name the region already has (ResourceInUseException)."""
    create_cluster(*fresh)
    code, out = run(fresh, tmp_path, monkeypatch, capsys, None, "--skip-cluster")
    assert code == 1
    assert verdict(out, "cluster") == [
        f"FAIL cluster EKS cluster {CLUSTER} exists and is not this stack's (it has no system-node-role-{CLUSTER}); "
        "pulumi up would fail creating a cluster of that name",
        "-> choose another karpenter:clusterName, or attach to that cluster: set karpenter:cluster.create to false",
    ]
    assert out.splitlines()[-1] == "1 FAIL, 0 WARN, 1 PASS"


def test_once_the_stack_created_its_cluster_it_is_checked_as_an_existing_one(
    fresh: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    create_cluster(*fresh)
    create_system_node_role(fresh[0])
    code, out = run(fresh, tmp_path, monkeypatch, capsys, None, "--skip-cluster")
    assert verdict(out, "cluster") == [f"PASS cluster cluster {CLUSTER} is ACTIVE (the stack created it)"]
    assert verdict(out, "node-access") and not verdict(out, "vpc") and not verdict(out, "cluster-api")


def test_a_vpc_without_dns_hostnames_fails_with_the_command_that_turns_them_on(
    moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """EKS user guide, "View Amazon EKS networking requirements for VPC and subnets": the VPC must have
    DNS hostname and DNS resolution support, or nodes cannot register with the cluster. moto, as EC2,
    makes a VPC with DNS hostnames off."""
    reset(moto_endpoint)
    clients = moto_clients(moto_endpoint, RUNBOOK_QUOTAS)
    account = (clients, seed_network(clients, dns_hostnames=False))
    code, out = run(account, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "vpc") == [
        "FAIL vpc VPC <vpc> has DNS hostnames off, and EKS nodes cannot join a cluster without them",
        "-> aws ec2 modify-vpc-attribute --vpc-id <vpc> --enable-dns-hostnames (one flag a call)",
    ]


def test_a_subnet_that_routes_to_an_internet_gateway_fails_as_public(
    fresh: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    clients, network = fresh
    ec2 = clients("ec2")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=network.vpc)
    table = ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=network.subnets[1])
    code, out = run(fresh, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "cluster-subnets") == [
        "FAIL cluster-subnets karpenter:cluster.subnetIds[1]: <subnet-b> is public (routes 0.0.0.0/0 to an internet "
        "gateway)",
        "-> the cluster's nodes belong in private subnets that reach the internet through a NAT gateway; name those "
        "in karpenter:cluster.subnetIds",
    ]


def test_a_system_node_role_of_the_stacks_name_fails_even_with_adopt(
    fresh: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    create_system_node_role(fresh[0])
    config = {**stack(fresh[1]), "karpenter:adopt": True}
    code, out = run(fresh, tmp_path, monkeypatch, capsys, config)
    assert code == 1
    assert verdict(out, "iam-names") == [
        f"FAIL iam-names IAM role system-node-role-{CLUSTER} (the system node group's) already exists; pulumi up "
        "would fail with EntityAlreadyExists",
        "-> delete that role if nothing uses it, or choose another karpenter:clusterName (adopt does not take it over)",
    ]


def test_the_runbooks_roles_of_the_stacks_names_fail_without_adopt(
    fresh: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    fresh[0]("iam").create_role(RoleName=f"karpenter-node-role-{CLUSTER}", AssumeRolePolicyDocument=json.dumps(trust))
    code, out = run(fresh, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "iam-names") == [
        f"FAIL iam-names IAM role karpenter-node-role-{CLUSTER} already exist, not made by this stack; pulumi up "
        "would fail with EntityAlreadyExists",
        "-> set karpenter:adopt to true (python -m karpenter convert writes it) to take them over by import",
    ]


def test_a_disabled_kms_key_fails(
    fresh: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    clients, network = fresh
    kms = clients("kms")
    kms.disable_key(KeyId=kms.describe_key(KeyId=network.key_alias)["KeyMetadata"]["KeyId"])
    code, out = run(fresh, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "kms-keys") == [
        "FAIL kms-keys karpenter:nodeClasses.reserved.rootVolume.kmsKeyId: KMS key <key-arn> is Disabled, so no "
        "volume can be encrypted with it",
        "-> enable the key, or name another",
    ]


class SubnetsDenied:
    """moto's EC2 client, but DescribeSubnets denied as EC2 denies it."""

    def __init__(self, ec2: Any) -> None:
        self._ec2 = ec2

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ec2, name)

    def describe_subnets(self, **request: Any) -> Any:
        raise ClientError(
            {
                "Error": {
                    "Code": "UnauthorizedOperation",
                    "Message": "You are not authorized to perform this operation.",
                }
            },
            "DescribeSubnets",
        )


def test_subnets_that_cannot_be_read_warn_and_the_checks_of_their_zones_are_skipped(
    fresh: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    clients, network = fresh
    denied = SubnetsDenied(clients("ec2"))
    account = (lambda service: denied if service == "ec2" else clients(service)), network
    code, out = run(account, tmp_path, monkeypatch, capsys)
    assert code == 0
    skipped = "the subnets could not be read (see cluster-subnets)"
    assert verdict(out, "cluster-subnets") == [
        "WARN cluster-subnets the subnets cannot be read: UnauthorizedOperation: You are not authorized to perform "
        "this operation.",
        "-> allow ec2:DescribeSubnets and ec2:DescribeRouteTables",
    ]
    for check in (
        "subnet-discovery",
        "free-ips",
        "pool-zones",
        "instance-types",
        "system-nodes",
        "capacity-reservations",
    ):
        assert verdict(out, check) == [f"SKIP {check} {skipped}"]
    assert verdict(out, "amis")[0].startswith("PASS amis")
