"""The checks of a cluster the stack creates, as pure functions: what moto cannot show."""

from __future__ import annotations

from typing import Any

from karpenter.config.loading import validate_settings
from karpenter.config.stack_config import StackConfig
from karpenter.preflight import new_cluster_checks, node_class_checks
from karpenter.preflight.observations import CapacityReservation, EksCluster, Vpc
from karpenter.preflight.verdicts import Status

SUBNETS = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"]


def config(**cluster: Any) -> StackConfig:
    settings = {"create": True, "vpcId": "vpc-0a1b2c3d4e5f6a7b8", "subnetIds": SUBNETS, **cluster}
    return validate_settings({"clusterName": "new-cluster", "cluster": settings})


def test_a_vpc_with_both_dns_settings_off_gets_both_flags() -> None:
    found = new_cluster_checks.check_vpc("vpc-1", "eu-west-1", Vpc("vpc-1", "10.0.0.0/16", False, False))
    assert (found.status, found.summary, found.action) == (
        Status.FAIL,
        "VPC vpc-1 has DNS resolution and DNS hostnames off, and EKS nodes cannot join a cluster without them",
        "aws ec2 modify-vpc-attribute --vpc-id vpc-1 --enable-dns-support --enable-dns-hostnames (one flag a call)",
    )


def test_a_zone_that_offers_none_of_the_system_node_types_warns() -> None:
    offerings = {"eu-west-1a": frozenset({"m7i.large"}), "eu-west-1b": frozenset({"m5.large"})}
    found = new_cluster_checks.check_system_nodes(config(), offerings, ["eu-west-1a", "eu-west-1b"])
    assert (found.status, found.summary) == (
        Status.WARN,
        "eu-west-1b offers none of m7i.large, so no system node runs there",
    )


def test_a_type_the_region_does_not_offer_at_all_is_named_so() -> None:
    group = {"instanceTypes": ["m7i.lage"]}
    found = new_cluster_checks.check_system_nodes(
        config(systemNodeGroup=group), {"eu-west-1a": frozenset({"m7i.large"})}, ["eu-west-1a"]
    )
    assert found.summary == (
        "karpenter:cluster.systemNodeGroup.instanceTypes[0]: m7i.lage is offered in none of the cluster's zones "
        "(eu-west-1a); the region does not offer it"
    )


def test_a_cluster_the_stack_created_that_is_still_creating_fails_until_active() -> None:
    cluster = EksCluster(name="new-cluster", status="CREATING", version="1.33")
    found = new_cluster_checks.check_created_cluster(config(), cluster, True)
    assert (found.status, found.summary) == (Status.FAIL, "cluster new-cluster is CREATING")


def test_tags_that_select_a_current_reservation_beside_ended_ones_pass_naming_them_all() -> None:
    key = "nodeClasses.ml.capacityReservationSelectorTerms[0]"
    current = CapacityReservation("cr-1", "p5.48xlarge", "eu-west-1a", "active", 1)
    ended = CapacityReservation("cr-2", "p5.48xlarge", "eu-west-1c", "expired", 0)
    found = node_class_checks.check_reservations({key: (current, ended)}, ["eu-west-1a"])
    assert found is not None
    assert (found.status, found.summary) == (
        Status.PASS,
        "2 selected: cr-1 (p5.48xlarge in eu-west-1a, active, 1 available), "
        "cr-2 (p5.48xlarge in eu-west-1c, expired, 0 available)",
    )


def test_nothing_selected_gives_no_verdict() -> None:
    assert node_class_checks.check_reservations({}, ["eu-west-1a"]) is None
    assert node_class_checks.check_images({}) is None
