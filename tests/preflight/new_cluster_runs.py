"""An account before a stack creates its cluster in it, written into moto over its API: a VPC with DNS
resolution and hostnames on, three private subnets, an AMI and a KMS key; no EKS cluster. What moto
lacks (capacity reservations, placement groups) is answered as the EC2 API reference documents it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.stub import Stubber

from tests.preflight.aws_seed import ACCOUNT, REGION, Clients
from tests.preflight.conftest import session

CLUSTER = "new-cluster"
RESERVATION = "cr-0a1b2c3d4e5f6a7b8"
PLACEMENT_GROUP = "training"


@dataclass(frozen=True)
class Network:
    vpc: str
    subnets: tuple[str, str, str]
    image: str
    key_alias: str


def seed_network(clients: Clients, *, dns_hostnames: bool = True) -> Network:
    ec2 = clients("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    if dns_hostnames:
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for index, zone in enumerate("abc", start=1)
    )
    image = ec2.register_image(
        Name="al2023-ml-2026.12",
        Architecture="x86_64",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20}}],
        VirtualizationType="hvm",
    )["ImageId"]
    kms = clients("kms")
    key = kms.create_key(Description="node volumes")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/nodes", TargetKeyId=key)
    return Network(vpc=vpc, subnets=(subnets[0], subnets[1], subnets[2]), image=image, key_alias="alias/nodes")


def reservation(
    reservation_id: str = RESERVATION,
    zone: str = f"{REGION}a",
    state: str = "active",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A DescribeCapacityReservations record, shaped as the EC2 API reference documents it."""
    return {
        "CapacityReservationId": reservation_id,
        "OwnerId": ACCOUNT,
        "CapacityReservationArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:capacity-reservation/{reservation_id}",
        "InstanceType": "m5.xlarge",
        "InstancePlatform": "Linux/UNIX",
        "AvailabilityZone": zone,
        "Tenancy": "default",
        "TotalInstanceCount": 4,
        "AvailableInstanceCount": 4,
        "State": state,
        "InstanceMatchCriteria": "targeted",
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }


def placement_group(name: str = PLACEMENT_GROUP, state: str = "available") -> dict[str, Any]:
    """A DescribePlacementGroups record, shaped as the EC2 API reference documents it."""
    return {"GroupName": name, "GroupId": "pg-0a1b2c3d4e5f6a7b8", "Strategy": "cluster", "State": state}


class Ec2WithReservations:
    """moto's EC2 client, but for DescribeCapacityReservations and DescribePlacementGroups (not in moto),
    which a Stubber answers from `reservations` and `groups` as EC2 does: an id or name it does not hold
    is InvalidCapacityReservationId.NotFound or InvalidPlacementGroup.Unknown; tag filters select."""

    def __init__(self, ec2: Any, reservations: list[dict[str, Any]], groups: list[dict[str, Any]]) -> None:
        self._ec2, self._reservations, self._groups = ec2, reservations, groups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ec2, name)

    def get_paginator(self, name: str) -> Any:
        if name != "describe_capacity_reservations":
            return self._ec2.get_paginator(name)
        return _Paginated(self._reservations)

    def describe_placement_groups(self, **request: Any) -> Any:
        client = session().client("ec2", region_name=REGION)
        names = request.get("GroupNames", [])
        found = [g for g in self._groups if g["GroupName"] in names or g["GroupId"] in request.get("GroupIds", [])]
        with Stubber(client) as stubber:
            if found:
                stubber.add_response("describe_placement_groups", {"PlacementGroups": found}, request)
            else:
                stubber.add_client_error(
                    "describe_placement_groups",
                    "InvalidPlacementGroup.Unknown",
                    f"The Placement Group '{names[0] if names else ''}' is unknown.",
                    400,
                    expected_params=request,
                )
            return client.describe_placement_groups(**request)


class _Paginated:
    def __init__(self, reservations: list[dict[str, Any]]) -> None:
        self._reservations = reservations

    def paginate(self, **request: Any) -> Any:
        client = session().client("ec2", region_name=REGION)
        stubber = Stubber(client)
        ids = request.get("CapacityReservationIds")
        if ids:
            found = [r for r in self._reservations if r["CapacityReservationId"] in ids]
        else:
            found = [r for r in self._reservations if all(_matches(r, f) for f in request.get("Filters", []))]
        if ids and not found:
            stubber.add_client_error(
                "describe_capacity_reservations",
                "InvalidCapacityReservationId.NotFound",
                f"The capacity reservation ID '{ids[0]}' does not exist",
                400,
                expected_params=request,
            )
        else:
            stubber.add_response("describe_capacity_reservations", {"CapacityReservations": found}, request)
        stubber.activate()
        return client.get_paginator("describe_capacity_reservations").paginate(**request)


def _matches(record: dict[str, Any], condition: dict[str, Any]) -> bool:
    tags = {t["Key"]: t["Value"] for t in record.get("Tags", [])}
    name, values = condition["Name"], condition["Values"]
    if name == "tag-key":
        return any(v in tags for v in values)
    if name.startswith("tag:"):
        return tags.get(name.removeprefix("tag:")) in values
    if name == "owner-id":
        return record["OwnerId"] in values
    raise AssertionError(f"unexpected filter {name}")


def with_ec2(clients: Clients, reservations: list[dict[str, Any]], groups: list[dict[str, Any]]) -> Clients:
    """`clients`, whose EC2 client also answers for capacity reservations and placement groups."""
    ec2 = Ec2WithReservations(clients("ec2"), reservations, groups)
    return lambda service: ec2 if service == "ec2" else clients(service)


def stack(network: Network, **changes: Any) -> dict[str, Any]:
    """Pulumi.new-cluster.yaml of the examples, on `network`, with a node class that selects a
    capacity reservation, a placement group, an AMI by id and a KMS key."""
    config: dict[str, Any] = {
        "aws:region": REGION,
        "karpenter:clusterName": CLUSTER,
        "karpenter:cluster": {
            "create": True,
            "vpcId": network.vpc,
            "subnetIds": list(network.subnets),
            "kubernetesVersion": "1.33",
            "systemNodeGroup": {"instanceTypes": ["m7i.large"], "desiredSize": 2, "minSize": 2, "maxSize": 3},
        },
        "karpenter:identity": "pod-identity",
        "karpenter:nodeClasses": {
            "reserved": {
                "amiSelectorTerms": [{"id": network.image}],
                "amiFamily": "al2023",
                "rootVolume": {"kmsKeyId": network.key_alias},
                "capacityReservationSelectorTerms": [{"id": RESERVATION}],
                "placementGroupSelector": {"name": PLACEMENT_GROUP},
            }
        },
        "karpenter:nodePools": {
            "cpu": {"capacityTypes": ["spot", "on-demand"], "limits": {"cpu": "500", "memory": "2000Gi"}},
            "reserved": {
                "nodeClass": "reserved",
                "capacityTypes": ["reserved", "on-demand"],
                "instanceFamilies": ["m5"],
                "limits": {"cpu": "64"},
            },
        },
    }
    return {**config, **changes}
