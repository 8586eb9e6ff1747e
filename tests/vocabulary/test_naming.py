"""Names derived from the cluster name stay within AWS limits and never collide."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from karpenter.vocabulary import aws_names
from tests.conftest import ROOT

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


# sha256("a" * 100) begins 28165978 (`printf 'a%.0s' $(seq 1 100) | sha256sum`): written out here, so a
# name that stops following from the cluster name alone fails, whatever produced it.
LONG_NAMES = [
    (aws_names.node_role_name, "karpenter-node-role-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-28165978"),
    (aws_names.controller_role_name, "karpenter-controller-role-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa-28165978"),
    (aws_names.instance_profile_name, "karpenter-instance-profile-" + "a" * 100),
    (aws_names.interruption_queue_name, "karpenter-" + "a" * 61 + "-28165978"),
    (
        lambda cluster: aws_names.interruption_rule_name(cluster, "capacity-reservation"),
        "karpenter-aaaaaaaaaaaaaaaaaaaaaaaa-28165978-capacity-reservation",
    ),
]


@pytest.mark.parametrize(("namer", "expected"), LONG_NAMES)
def test_a_long_cluster_name_is_cut_and_followed_by_its_sha256(namer, expected) -> None:
    assert namer("a" * 100) == expected


def test_names_are_the_same_in_every_process() -> None:
    # Python's own hash() is salted per process: a name built on it would differ between two runs.
    code = "from karpenter.vocabulary import aws_names; print(aws_names.node_role_name('a' * 100))"
    names = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert names == {"karpenter-node-role-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-28165978"}


def test_one_character_of_the_cluster_is_the_least_a_shortened_name_keeps() -> None:
    # sha256("c" * 20) begins 2bc3a47f; limit 12 leaves room for p, one c, the digest and two dashes.
    assert aws_names.bounded_name("p", "c" * 20, 12) == "p-c-2bc3a47f"
    with pytest.raises(ValueError) as refused:
        aws_names.bounded_name("p", "c" * 20, 11)
    assert str(refused.value) == "prefix 'p' and suffix '' leave no room within 11 characters"
