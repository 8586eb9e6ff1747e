"""What the stack asks AWS about the cluster it attaches to, and what it makes of the answers."""

from __future__ import annotations

import base64
import json
from typing import Any

import pulumi
import pytest

from karpenter import stack_plan
from karpenter.cluster.facts import ClusterFacts, Subnet
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig
from karpenter.offline.mocks import OfflineMocks
from tests.conftest import Run

SUBNETS = [f"subnet-0a1b2c3d4e5f6a7b{n}" for n in range(1, 7)]
OIDC_ARN = (
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789ABCDEF0123456789"
)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The lookups of a program run, in order, with their arguments."""
    calls: list[tuple[str, dict[str, Any]]] = []
    answer = OfflineMocks.call

    def recording(self: OfflineMocks, args: pulumi.runtime.MockCallArgs) -> Any:
        calls.append((args.token, dict(args.args)))
        return answer(self, args)

    monkeypatch.setattr(OfflineMocks, "call", recording)
    return calls


@pytest.fixture
def learned(monkeypatch: pytest.MonkeyPatch) -> list[ClusterFacts]:
    """What a program run made of its lookups about the cluster it attaches to."""
    seen: list[ClusterFacts] = []
    look_up = stack_plan.lookup_cluster_facts

    def recording(config: StackConfig, *rest: Any) -> ClusterFacts:
        seen.append(look_up(config, *rest))
        return seen[-1]

    monkeypatch.setattr(stack_plan, "lookup_cluster_facts", recording)
    return seen


def without_access_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cluster describes itself with no access config, as clusters made before access entries do."""
    describe = OfflineMocks._cluster

    def described(self: OfflineMocks) -> dict[str, Any]:
        return {**describe(self), "accessConfigs": []}

    monkeypatch.setattr(OfflineMocks, "_cluster", described)


def test_the_stack_asks_about_its_cluster_its_account_and_its_iam_names(
    run: Run, lookups: list[tuple[str, dict[str, Any]]]
) -> None:
    run({"identity": "pod-identity"})
    assert lookups == [
        (
            "aws:iam/getRoles:getRoles",
            {"nameRegex": "^AWSServiceRoleForEC2Spot$", "pathPrefix": "/aws-service-role/spot.amazonaws.com/"},
        ),
        ("aws:index/getPartition:getPartition", {}),
        ("aws:index/getRegion:getRegion", {}),
        ("aws:index/getCallerIdentity:getCallerIdentity", {}),
        ("aws:eks/getCluster:getCluster", {"name": "dev"}),
        *(("aws:ec2/getSubnet:getSubnet", {"id": subnet}) for subnet in SUBNETS),
        ("aws:ec2/getSecurityGroup:getSecurityGroup", {"id": "sg-0a1b2c3d4e5f6a7b8"}),
        ("aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider", {"arn": OIDC_ARN}),
        ("aws:eks/getAddon:getAddon", {"addonName": "eks-pod-identity-agent", "clusterName": "dev"}),
        ("aws:iam/getInstanceProfile:getInstanceProfile", {"name": "karpenter-instance-profile-dev"}),
        ("aws:iam/getRole:getRole", {"name": "karpenter-node-role-dev"}),
        ("aws:iam/getRole:getRole", {"name": "karpenter-controller-role-dev"}),
    ]


def test_a_cluster_subnet_that_cannot_be_read_is_refused_naming_the_cluster(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = OfflineMocks.call

    def without_second_subnet(self: OfflineMocks, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == "aws:ec2/getSubnet:getSubnet" and args.args["id"] == SUBNETS[1]:
            return {}, [("id", "UnauthorizedOperation: not allowed to describe subnets")]
        return answer(self, args)

    monkeypatch.setattr(OfflineMocks, "call", without_second_subnet)
    with pytest.raises(ConfigError) as refused:
        run()
    assert str(refused.value) == (
        f"karpenter:clusterName: subnet '{SUBNETS[1]}' cannot be read: "
        "UnauthorizedOperation: not allowed to describe subnets (id)"
    )


def test_a_cluster_reporting_no_access_config_is_read_as_config_map_only(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_access_config(monkeypatch)
    result = run()
    # auto node access on a CONFIG_MAP cluster: the aws-auth mapping, no access entry.
    assert [r.name for r in result.resources if r.parent.endswith("::node-access")] == ["node-access-aws-auth"]


def test_the_kubernetes_provider_trusts_the_clusters_certificate_authority(run: Run) -> None:
    provider = run().named("cluster", "pulumi:providers:kubernetes")
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    (cluster,) = kubeconfig["clusters"]
    authority = base64.b64decode(cluster["cluster"]["certificate-authority-data"]).decode()
    assert authority == "-----BEGIN CERTIFICATE-----\nEXAMPLE\n-----END CERTIFICATE-----\n"


def test_a_cluster_reporting_no_access_config_has_authentication_mode_config_map(
    run: Run, monkeypatch: pytest.MonkeyPatch, learned: list[ClusterFacts]
) -> None:
    without_access_config(monkeypatch)
    run()
    assert [facts.authentication_mode for facts in learned] == ["CONFIG_MAP"]


def test_a_cluster_reporting_no_access_config_takes_aws_auth_node_access_when_asked_for(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_access_config(monkeypatch)
    result = run({"nodeAccess": "aws-auth"})
    assert [r.name for r in result.resources if r.parent.endswith("::node-access")] == ["node-access-aws-auth"]


def test_a_cluster_reporting_its_access_config_has_the_authentication_mode_it_reports(
    run: Run, learned: list[ClusterFacts]
) -> None:
    run()
    assert [facts.authentication_mode for facts in learned] == ["API_AND_CONFIG_MAP"]


def test_the_clusters_subnets_are_read_with_their_zone_publicness_tags_and_vpc(
    run: Run, learned: list[ClusterFacts]
) -> None:
    run()
    assert [facts.subnets for facts in learned] == [
        (
            Subnet(
                id="subnet-0a1b2c3d4e5f6a7b1", zone="eu-west-1a", public=False, tags={}, vpc_id="vpc-0a1b2c3d4e5f6a7b8"
            ),
            Subnet(
                id="subnet-0a1b2c3d4e5f6a7b2", zone="eu-west-1b", public=False, tags={}, vpc_id="vpc-0a1b2c3d4e5f6a7b8"
            ),
            Subnet(
                id="subnet-0a1b2c3d4e5f6a7b3", zone="eu-west-1c", public=False, tags={}, vpc_id="vpc-0a1b2c3d4e5f6a7b8"
            ),
            Subnet(
                id="subnet-0a1b2c3d4e5f6a7b4", zone="eu-west-1a", public=True, tags={}, vpc_id="vpc-0a1b2c3d4e5f6a7b8"
            ),
            Subnet(
                id="subnet-0a1b2c3d4e5f6a7b5", zone="eu-west-1b", public=True, tags={}, vpc_id="vpc-0a1b2c3d4e5f6a7b8"
            ),
            Subnet(
                id="subnet-0a1b2c3d4e5f6a7b6", zone="eu-west-1c", public=True, tags={}, vpc_id="vpc-0a1b2c3d4e5f6a7b8"
            ),
        )
    ]


@pytest.mark.parametrize(
    ("token", "name", "refusal"),
    [
        (
            "aws:iam/getInstanceProfile:getInstanceProfile",
            "karpenter-instance-profile-dev",
            "instance profile karpenter-instance-profile-dev cannot be read, so the stack cannot tell whether it "
            "exists: invoke of aws:iam/getInstanceProfile:getInstanceProfile failed: AccessDenied: not authorized "
            "(name)",
        ),
        (
            "aws:iam/getRole:getRole",
            "karpenter-controller-role-dev",
            "IAM role karpenter-controller-role-dev cannot be read, so the stack cannot tell whether it exists: "
            "invoke of aws:iam/getRole:getRole failed: AccessDenied: not authorized (name)",
        ),
    ],
)
def test_an_iam_name_that_cannot_be_read_stops_the_run_rather_than_counting_as_absent(
    run: Run, monkeypatch: pytest.MonkeyPatch, token: str, name: str, refusal: str
) -> None:
    answer = OfflineMocks.call

    def denied(self: OfflineMocks, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == token and args.args["name"] == name:
            return {}, [("name", "AccessDenied: not authorized")]
        return answer(self, args)

    monkeypatch.setattr(OfflineMocks, "call", denied)
    with pytest.raises(pulumi.RunError) as refused:
        run()
    assert str(refused.value) == refusal
