"""Checks that what the node classes select exists, before Karpenter looks for it: capacity
reservations, placement groups, AMIs by id and KMS keys, each by the key of the term that selects it.
A verdict for each kind a class selects, naming the first problem. Pure: facts in, verdicts out."""

from __future__ import annotations

from collections.abc import Mapping

from karpenter.preflight.observations import CapacityReservation, Image, KmsKey, PlacementGroup, Unread
from karpenter.preflight.verdicts import Verdict, failed, passed, warned

# Reservations EC2 no longer launches into (DescribeCapacityReservations `State`).
ENDED_RESERVATION_STATES = ("expired", "cancelled", "failed", "unsupported")


def _unread(check: str, key: str, unread: Unread, permission: str) -> Verdict:
    return warned(check, f"karpenter:{key} cannot be read: {unread.reason}", unread.action(f"allow {permission}"))


def check_reservations(
    found: Mapping[str, tuple[CapacityReservation, ...] | Unread], zones: list[str]
) -> Verdict | None:
    """Each term selects a reservation that is not over, in a zone of the node subnets (Karpenter
    launches into a reservation only through a subnet of its zone)."""
    check = "capacity-reservations"
    if not found:
        return None
    named: list[str] = []
    for key, reservations in found.items():
        if isinstance(reservations, Unread):
            return _unread(check, key, reservations, "ec2:DescribeCapacityReservations")
        if not reservations:
            return failed(
                check,
                f"karpenter:{key} selects no capacity reservation in the region",
                "check the id or tags (and ownerID) of the term, and aws:region",
            )
        ended = [r for r in reservations if r.state in ENDED_RESERVATION_STATES]
        if ended and len(ended) == len(reservations):
            listed = ", ".join(f"{r.id} ({r.state})" for r in ended)
            return failed(
                check, f"karpenter:{key} selects only reservations that ended: {listed}", "select a current reservation"
            )
        outside = [r for r in reservations if r.state not in ENDED_RESERVATION_STATES and r.zone not in zones]
        if outside:
            listed = ", ".join(f"{r.id} ({r.zone})" for r in outside)
            return failed(
                check,
                f"karpenter:{key}: {listed} {'is' if len(outside) == 1 else 'are'} in no zone of the node subnets "
                f"({', '.join(zones)}), so Karpenter cannot launch into {'it' if len(outside) == 1 else 'them'}",
                "add a node subnet in that zone to karpenter:cluster.subnetIds, or select reservations of the node "
                "subnets' zones",
            )
        named += [f"{r.id} ({r.instance_type} in {r.zone}, {r.state}, {r.available} available)" for r in reservations]
    return passed(check, f"{len(named)} selected: {', '.join(named)}")


def check_placement_groups(found: Mapping[str, PlacementGroup | None | Unread]) -> Verdict | None:
    check = "placement-groups"
    if not found:
        return None
    named: list[str] = []
    for key, group in found.items():
        if isinstance(group, Unread):
            return _unread(check, key, group, "ec2:DescribePlacementGroups")
        if group is None:
            return failed(
                check, f"karpenter:{key}: no such placement group in the region", "create it, or name one that exists"
            )
        if group.state != "available":
            return failed(
                check,
                f"karpenter:{key}: placement group {group.name} is {group.state}",
                "name an available placement group",
            )
        named.append(f"{group.name} ({group.strategy})")
    return passed(check, f"available: {', '.join(named)}")


def check_images(found: Mapping[str, Image | None | Unread]) -> Verdict | None:
    check = "amis"
    if not found:
        return None
    named: list[str] = []
    for key, image in found.items():
        if isinstance(image, Unread):
            return _unread(check, key, image, "ec2:DescribeImages")
        if image is None:
            return failed(
                check,
                f"karpenter:{key}: no such AMI in the region, or not shared with the account",
                "name an AMI of this region (AMI ids differ between regions)",
            )
        if image.state != "available":
            return failed(check, f"karpenter:{key}: AMI {image.id} is {image.state}", "name an available AMI")
        named.append(f"{image.id} ({image.name})" if image.name else image.id)
    return passed(check, f"available: {', '.join(named)}")


def check_kms_keys(found: Mapping[str, KmsKey | None | Unread]) -> Verdict | None:
    check = "kms-keys"
    if not found:
        return None
    named: list[str] = []
    for key, kms_key in found.items():
        if isinstance(kms_key, Unread):
            return _unread(check, key, kms_key, "kms:DescribeKey")
        if kms_key is None:
            return failed(
                check,
                f"karpenter:{key}: no such KMS key in the region",
                "name a key or alias of this region (or its ARN, for another account's key)",
            )
        if kms_key.state != "Enabled":
            return failed(
                check,
                f"karpenter:{key}: KMS key {kms_key.arn} is {kms_key.state}, so no volume can be encrypted with it",
                "enable the key, or name another",
            )
        named.append(kms_key.arn if kms_key.name == kms_key.arn else f"{kms_key.name} ({kms_key.arn})")
    return passed(check, f"enabled: {', '.join(named)}")
