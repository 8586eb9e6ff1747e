"""Reading, read-only, what a stack that creates its cluster needs before the cluster exists: the VPC,
the instance types each zone offers, and what the node classes select (capacity reservations, placement
groups, AMIs by id, KMS keys). Each call that fails is kept as `Unread`."""

from __future__ import annotations

from typing import Any

from karpenter.config.node_class import NodeClass
from karpenter.config.selector_terms import CapacityReservationSelectorTerm
from karpenter.config.stack_config import StackConfig
from karpenter.preflight.aws_calls import Clients, attempt, found_or_none
from karpenter.preflight.catalog_reader import read_zone_offerings
from karpenter.preflight.observations import (
    BeforeCluster,
    CapacityReservation,
    Image,
    KmsKey,
    PlacementGroup,
    Unread,
    Vpc,
)


def read_vpc(ec2: Any, vpc_id: str) -> Vpc | None:
    found = found_or_none(lambda: ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"])
    if not found:
        return None

    def enabled(attribute: str) -> bool:
        answer = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
        return bool(answer[attribute[0].upper() + attribute[1:]]["Value"])

    return Vpc(
        id=vpc_id,
        cidr=found[0].get("CidrBlock", ""),
        dns_support=enabled("enableDnsSupport"),
        dns_hostnames=enabled("enableDnsHostnames"),
    )


def reservation_filters(term: CapacityReservationSelectorTerm) -> list[dict[str, Any]]:
    """DescribeCapacityReservations filters for a term by tags: `*` matches any value of a key, as in
    Karpenter's selector terms."""
    filters = [
        {"Name": "tag-key", "Values": [key]} if value == "*" else {"Name": f"tag:{key}", "Values": [value]}
        for key, value in (term.tags or {}).items()
    ]
    if term.owner_id:
        filters.append({"Name": "owner-id", "Values": [term.owner_id]})
    return filters


def read_reservations(ec2: Any, term: CapacityReservationSelectorTerm) -> tuple[CapacityReservation, ...]:
    request: dict[str, Any] = (
        {"CapacityReservationIds": [term.id]} if term.id else {"Filters": reservation_filters(term)}
    )

    def described() -> list[dict[str, Any]]:
        pages = ec2.get_paginator("describe_capacity_reservations").paginate(**request)
        return [r for page in pages for r in page["CapacityReservations"]]

    return tuple(
        CapacityReservation(
            id=r["CapacityReservationId"],
            instance_type=r.get("InstanceType", ""),
            zone=r.get("AvailabilityZone", ""),
            state=r.get("State", ""),
            available=int(r.get("AvailableInstanceCount", 0)),
        )
        for r in found_or_none(described) or []
    )


def read_placement_group(ec2: Any, name: str | None, group_id: str | None) -> PlacementGroup | None:
    request = {"GroupNames": [name]} if name else {"GroupIds": [group_id]}
    found = found_or_none(lambda: ec2.describe_placement_groups(**request)["PlacementGroups"])
    if not found:
        return None
    group = found[0]
    return PlacementGroup(
        name=group.get("GroupName", ""),
        id=group.get("GroupId", ""),
        strategy=group.get("Strategy", ""),
        state=group.get("State", ""),
    )


def read_image(ec2: Any, image_id: str) -> Image | None:
    found = found_or_none(lambda: ec2.describe_images(ImageIds=[image_id])["Images"])
    if not found:
        return None
    return Image(id=image_id, name=found[0].get("Name", ""), state=found[0].get("State", ""))


def read_kms_key(kms: Any, key_id: str) -> KmsKey | None:
    found = found_or_none(lambda: kms.describe_key(KeyId=key_id)["KeyMetadata"])
    if found is None:
        return None
    return KmsKey(name=key_id, arn=found.get("Arn", ""), state=found.get("KeyState", ""))


Selections = tuple[
    dict[str, tuple[CapacityReservation, ...] | Unread],
    dict[str, PlacementGroup | None | Unread],
    dict[str, Image | None | Unread],
    dict[str, KmsKey | None | Unread],
]


def read_selections(clients: Clients, classes: dict[str, NodeClass]) -> Selections:
    """What the node classes select, by the key of the term that selects it: capacity reservations,
    placement groups, AMIs by id and KMS keys."""
    ec2 = clients("ec2")
    reservations: dict[str, tuple[CapacityReservation, ...] | Unread] = {}
    groups: dict[str, PlacementGroup | None | Unread] = {}
    images: dict[str, Image | None | Unread] = {}
    keys: dict[str, KmsKey | None | Unread] = {}
    # Each lambda is called at once, inside its own iteration.
    for name, node_class in classes.items():
        where = f"nodeClasses.{name}"
        for index, term in enumerate(node_class.capacity_reservation_selector_terms or ()):
            found = attempt(lambda: read_reservations(ec2, term))  # noqa: B023
            reservations[f"{where}.capacityReservationSelectorTerms[{index}]"] = found if found is not None else ()
        selector = node_class.placement_group_selector
        if selector is not None:
            group = attempt(lambda: read_placement_group(ec2, selector.name, selector.id))  # noqa: B023
            groups[f"{where}.placementGroupSelector"] = group
        for index, ami in enumerate(node_class.ami_selector_terms or ()):
            if ami.id is not None:
                image_id = ami.id
                image = attempt(lambda: read_image(ec2, image_id))  # noqa: B023
                images[f"{where}.amiSelectorTerms[{index}].id"] = image
        kms_key = node_class.root_volume.kms_key_id
        if kms_key is not None:
            key = attempt(lambda: read_kms_key(clients("kms"), kms_key))  # noqa: B023
            keys[f"{where}.rootVolume.kmsKeyId"] = key
    return reservations, groups, images, keys


def read_before_cluster(clients: Clients, config: StackConfig) -> BeforeCluster:
    """Everything doctor reads for a cluster the stack creates, besides what it reads for any stack."""
    ec2 = clients("ec2")
    vpc_id = config.cluster.vpc_id or ""
    offerings = attempt(lambda: read_zone_offerings(ec2))
    reservations, groups, images, keys = read_selections(clients, config.node_classes)
    vpc = attempt(lambda: read_vpc(ec2, vpc_id))
    return BeforeCluster(
        vpc=vpc,
        offerings=offerings if offerings is not None else {},
        reservations=reservations,
        placement_groups=groups,
        images=images,
        kms_keys=keys,
    )
