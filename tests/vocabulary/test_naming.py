"""Names derived from the cluster name stay within AWS limits and never collide."""

from __future__ import annotations

import pytest

from karpenter.vocabulary import aws_names

LONGEST = "c" * 100
NAMERS = [
    (aws_names.node_role_name, 64),
    (aws_names.controller_role_name, 64),
    (aws_names.instance_profile_name, 128),
    (aws_names.interruption_queue_name, 80),
    (lambda cluster: aws_names.controller_policy_name(cluster, "ResourceDiscovery"), 128),
    (lambda cluster: aws_names.interruption_rule_name(cluster, "capacity-reservation"), 64),
]


def test_short_cluster_names_keep_the_runbook_names() -> None:
    assert aws_names.node_role_name("dev") == "karpenter-node-role-dev"
    assert aws_names.instance_profile_name("dev") == "karpenter-instance-profile-dev"
    assert aws_names.controller_role_name("dev") == "karpenter-controller-role-dev"


@pytest.mark.parametrize(("namer", "limit"), NAMERS)
def test_a_100_character_cluster_name_stays_within_the_limit(namer, limit) -> None:
    name = namer(LONGEST)
    assert len(name) <= limit
    assert name == namer(LONGEST), "the same cluster must always get the same name"


@pytest.mark.parametrize(("namer", "limit"), NAMERS)
def test_long_names_that_share_a_prefix_do_not_collide(namer, limit) -> None:
    first, second = "x" * 99 + "1", "x" * 99 + "2"
    assert namer(first) != namer(second)
    assert len(namer(first)) <= limit


def test_a_name_at_exactly_the_limit_is_not_shortened() -> None:
    cluster = "n" * (64 - len("karpenter-node-role-"))
    assert aws_names.node_role_name(cluster) == f"karpenter-node-role-{cluster}"
    assert aws_names.node_role_name(cluster + "n") != f"karpenter-node-role-{cluster}n"
