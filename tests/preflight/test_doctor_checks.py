"""Doctor's checks as the pure functions they are: plain facts in, a verdict out."""

from __future__ import annotations

import pytest

from karpenter.preflight import aws_checks, capacity_checks
from karpenter.preflight.observations import EksCluster, SubnetInfo, Unread
from karpenter.preflight.verdicts import Status
from karpenter.vocabulary.ec2_quotas import instance_class
from karpenter.vocabulary.kubernetes_compatibility import compatibility_problem, kubernetes_minor
from tests.preflight.doctor_runs import target


@pytest.mark.parametrize(
    ("kubernetes", "karpenter", "expected"),
    [
        ("1.35", "1.14.1", None),
        ("1.36", "1.14.1", None),
        ("1.26", "1.14.1", None),
        ("1.29", "1.14.1", None),
        (
            "1.35",
            "1.8.2",
            "Karpenter 1.8.2 supports Kubernetes 1.26 to 1.34, not 1.35 (Kubernetes 1.35 needs Karpenter 1.9 or later)",
        ),
        (
            "1.36",
            "1.12.0",
            "Karpenter 1.12.0 supports Kubernetes 1.26 to 1.35, not 1.36 (Kubernetes 1.36 needs Karpenter 1.13 or "
            "later)",
        ),
        (
            "1.31",
            "1.0.4",
            "Karpenter 1.0.4 supports Kubernetes 1.25 to 1.30, not 1.31 (Kubernetes 1.31 needs Karpenter 1.0.5 or "
            "later)",
        ),
        ("1.25", "1.14.1", "Karpenter 1.14.1 supports Kubernetes 1.26 to 1.36, not 1.25"),
        ("1.37", "1.14.1", "Karpenter 1.14.1 supports Kubernetes 1.26 to 1.36, not 1.37"),
    ],
)
def test_the_compatibility_data_decides_the_kubernetes_version(
    kubernetes: str, karpenter: str, expected: str | None
) -> None:
    """Upstream's compatibility data at the v1.14.1 tag of aws/karpenter-provider-aws:
    hack/docs/compatibilitymatrix_gen/compatibility.yaml (Karpenter 1.14.x: Kubernetes 1.26 to 1.36;
    1.5.x to 1.8.x: 1.26 up to 1.33 or 1.34; 1.0.x: 1.25 to 1.30, 1.0.5: to 1.31), of which the page
    https://karpenter.sh/v1.14/upgrading/compatibility/ shows the newest seven Kubernetes versions
    (1.30 >= 0.37, 1.31 >= 1.0.5, 1.32 >= 1.2, 1.33 >= 1.5, 1.34 >= 1.6, 1.35 >= 1.9, 1.36 >= 1.13);
    the 1.14.1 controller checks the cluster against the same range (pkg/providers/version/version.go,
    MinK8sVersion 1.26, MaxK8sVersion 1.36)."""
    assert compatibility_problem(kubernetes, karpenter) == expected


def test_eks_platform_versions_are_read_as_their_minor() -> None:
    assert kubernetes_minor("1.33.2-eks-1234") == "1.33"
    assert kubernetes_minor("v1.30") == "1.30"


def test_a_kubernetes_older_than_karpenter_supports_fails_and_points_at_the_matrix() -> None:
    found = aws_checks.check_kubernetes_version(EksCluster(name="dev", status="ACTIVE", version="1.25"), "1.14.1")
    assert (found.status, found.summary) == (Status.FAIL, "Karpenter 1.14.1 supports Kubernetes 1.26 to 1.36, not 1.25")
    assert found.action.startswith("see https://karpenter.sh/v1.14/upgrading/compatibility/")


def test_a_cluster_that_is_not_active_fails() -> None:
    found = aws_checks.check_cluster("dev", "eu-west-1", EksCluster(name="dev", status="UPDATING", version="1.33"))
    assert (found.status, found.summary) == (Status.FAIL, "cluster dev is UPDATING")


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("c", "standard"),
        ("m", "standard"),
        ("im", "standard"),
        ("g", "g-and-vt"),
        ("vt", "g-and-vt"),
        ("p", "p"),
        ("inf", None),
        ("trn", None),
        ("x", None),
        ("mac", None),
    ],
)
def test_instance_categories_fall_in_the_quota_their_family_counts_against(category: str, expected: str | None) -> None:
    assert instance_class(category) == expected


def test_a_pool_limited_to_families_counts_against_their_quotas_only() -> None:
    config = target(nodePools={"gpu": {"gpu": True, "instanceFamilies": ["g5", "g6"]}}).config
    assert capacity_checks.pool_classes(config.node_pools["gpu"]) == {"g-and-vt"}


def test_quotas_of_pools_sharing_a_class_are_compared_with_their_summed_limits() -> None:
    pools = {"a": {"limits": {"cpu": "600"}}, "b": {"limits": {"cpu": "600"}}}
    verdicts = capacity_checks.check_quotas(target(nodePools=pools).config, {"L-1216C47A": 1000.0})
    assert [(v.status, v.summary) for v in verdicts] == [
        (
            Status.WARN,
            "L-1216C47A Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances: 1000 vCPUs for pools a, b "
            "(cpu limits 1200)",
        )
    ]


def test_a_quota_that_cannot_be_read_warns_without_failing_the_pool() -> None:
    verdicts = capacity_checks.check_quotas(
        target(nodePools={"cpu": {}}).config, {"L-1216C47A": Unread("AccessDenied: no")}
    )
    assert [(v.status, v.summary) for v in verdicts] == [
        (
            Status.WARN,
            "L-1216C47A (Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances) cannot be read: "
            "AccessDenied: no",
        )
    ]


def test_a_subnet_that_routes_to_an_internet_gateway_is_public_even_without_public_ips() -> None:
    routed = SubnetInfo(
        id="subnet-0a1b2c3d4e5f6a7b1", zone="eu-west-1a", available_ips=200, routes_to_internet_gateway=True
    )
    config = target(subnetIds=[routed.id]).config
    found = capacity_checks.check_node_subnets(config, (routed.id,), (routed,), ())
    assert found.summary == "node subnet subnet-0a1b2c3d4e5f6a7b1 (routes 0.0.0.0/0 to an internet gateway) is public"


def test_a_cluster_with_only_public_subnets_fails() -> None:
    public = SubnetInfo(id="subnet-0a1b2c3d4e5f6a7b1", zone="eu-west-1a", available_ips=200, maps_public_ips=True)
    found = capacity_checks.check_node_subnets(target().config, (public.id,), (public,), ())
    assert (found.status, found.summary) == (Status.FAIL, "the cluster has no private subnets")


@pytest.mark.parametrize(
    ("adopt", "version", "status"),
    [
        (True, "3.173.1", Status.FAIL),
        (True, None, Status.WARN),
        (True, "3.174.0", Status.PASS),
        (False, "3.100.0", Status.PASS),
    ],
)
def test_adopting_needs_a_pulumi_cli_that_imports_and_updates_in_one_deployment(
    adopt: bool, version: str | None, status: Status
) -> None:
    assert aws_checks.check_pulumi_cli(target(adopt=adopt).config, version).status is status


def test_unreadable_facts_warn_naming_the_permission() -> None:
    config = target().config
    assert aws_checks.check_spot_role(config, Unread("AccessDenied: x")).action == "allow iam:GetRole"
    assert aws_checks.check_controller_identity(config, Unread("AccessDenied: x"), None).action == (
        "allow iam:ListOpenIDConnectProviders"
    )
    assert aws_checks.check_iam_names(config, Unread("AccessDenied: x")).status is Status.WARN
    assert aws_checks.check_cluster("dev", "eu-west-1", Unread("AccessDenied: x")).status is Status.FAIL
