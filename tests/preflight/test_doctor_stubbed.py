"""Doctor's reads that moto cannot serve, against botocore's Stubber with responses shaped as the AWS
API references document them: EKS's access configuration and add-ons (moto's DescribeCluster has no
accessConfig, and it has no DescribeAddon), and IAM's SimulatePrincipalPolicy (not in moto)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from karpenter.config.values import NodeAccess
from karpenter.preflight import aws_checks
from karpenter.preflight.aws_calls import attempt
from karpenter.preflight.aws_reader import read_cluster, read_pod_identity_agent
from karpenter.preflight.iam_reader import simulate_controller
from karpenter.preflight.verdicts import Status
from tests.preflight.aws_seed import ACCOUNT, REGION
from tests.preflight.doctor_runs import target

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/karpenter-controller-role-dev"


@contextmanager
def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    client = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        service, region_name=REGION
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def describe_cluster(mode: str) -> dict[str, Any]:
    """DescribeCluster's response for an ACTIVE cluster, as the EKS API reference shows it."""
    return {
        "cluster": {
            "name": "dev",
            "arn": f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/dev",
            "version": "1.33",
            "endpoint": "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
            "status": "ACTIVE",
            "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
            "identity": {"oidc": {"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"}},
            "resourcesVpcConfig": {
                "subnetIds": ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"],
                "clusterSecurityGroupId": "sg-0a1b2c3d4e5f6a7b8",
                "vpcId": "vpc-0a1b2c3d4e5f6a7b8",
            },
            "accessConfig": {"authenticationMode": mode, "bootstrapClusterCreatorAdminPermissions": False},
        }
    }


@pytest.mark.parametrize(
    ("mode", "requested", "status"),
    [
        ("API", NodeAccess.AUTO, Status.PASS),
        ("API", NodeAccess.ACCESS_ENTRY, Status.PASS),
        ("API", NodeAccess.AWS_AUTH, Status.FAIL),
        ("CONFIG_MAP", NodeAccess.ACCESS_ENTRY, Status.FAIL),
        ("API_AND_CONFIG_MAP", NodeAccess.AWS_AUTH, Status.PASS),
    ],
)
def test_node_access_follows_the_clusters_authentication_mode(mode: str, requested: NodeAccess, status: Status) -> None:
    with stubbed("eks") as (eks, stubber):
        stubber.add_response("describe_cluster", describe_cluster(mode), {"name": "dev"})
        cluster = read_cluster(eks, "dev")
    assert cluster.security_group_id == "sg-0a1b2c3d4e5f6a7b8"
    found = aws_checks.check_node_access(cluster, requested)
    assert found.status is status
    if status is Status.FAIL:
        assert found.summary == f"karpenter:nodeAccess {requested.value} does not work with authentication mode {mode}"


def test_the_pod_identity_agent_passes_when_installed_and_fails_when_missing() -> None:
    config = target(identity="pod-identity").config
    addon = {
        "addon": {
            "addonName": "eks-pod-identity-agent",
            "clusterName": "dev",
            "status": "ACTIVE",
            "addonVersion": "v1.3.4-eksbuild.1",
        }
    }
    params = {"clusterName": "dev", "addonName": "eks-pod-identity-agent"}
    with stubbed("eks") as (eks, stubber):
        stubber.add_response("describe_addon", addon, params)
        stubber.add_client_error(
            "describe_addon",
            "ResourceNotFoundException",
            "No addon: eks-pod-identity-agent found in cluster: dev",
            404,
            expected_params=params,
        )
        installed = attempt(lambda: read_pod_identity_agent(eks, "dev"))
        missing = attempt(lambda: read_pod_identity_agent(eks, "dev"))
    assert aws_checks.check_controller_identity(config, None, installed).status is Status.PASS
    found = aws_checks.check_controller_identity(config, None, missing)
    assert found.status is Status.FAIL
    assert found.summary == "identity pod-identity, and the cluster has no eks-pod-identity-agent add-on"


def evaluation(action: str, decision: str, allowed_by_organizations: bool) -> dict[str, Any]:
    """One EvaluationResults entry of SimulatePrincipalPolicy, as the IAM API reference shows it."""
    return {
        "EvalActionName": action,
        "EvalResourceName": "*",
        "EvalDecision": decision,
        "MatchedStatements": [],
        "MissingContextValues": [],
        "OrganizationsDecisionDetail": {"AllowedByOrganizations": allowed_by_organizations},
    }


def simulate(results: list[dict[str, Any]] | None, error: str | None = None) -> Any:
    config = target().config
    with stubbed("iam") as (iam, stubber):
        if error:
            stubber.add_client_error(
                "simulate_principal_policy", error, "User is not authorized to perform iam:SimulatePrincipalPolicy", 403
            )
        else:
            stubber.add_response("simulate_principal_policy", {"EvaluationResults": results, "IsTruncated": False})
        return attempt(lambda: simulate_controller(iam, ROLE_ARN, config, REGION))


def test_the_controller_role_allowed_to_launch_passes() -> None:
    simulations = simulate(
        [evaluation("ec2:RunInstances", "allowed", True), evaluation("ec2:CreateFleet", "allowed", True)]
    )
    found = aws_checks.check_controller_simulation("karpenter-controller-role-dev", simulations)
    assert (found.status, found.summary) == (
        Status.PASS,
        "karpenter-controller-role-dev may call ec2:RunInstances, ec2:CreateFleet",
    )


def test_a_service_control_policy_that_denies_launches_fails() -> None:
    simulations = simulate(
        [evaluation("ec2:RunInstances", "explicitDeny", False), evaluation("ec2:CreateFleet", "explicitDeny", False)]
    )
    found = aws_checks.check_controller_simulation("karpenter-controller-role-dev", simulations)
    assert found.status is Status.FAIL
    assert found.summary == (
        "a service control policy denies karpenter-controller-role-dev ec2:RunInstances, ec2:CreateFleet"
    )


def test_an_action_the_roles_own_policies_do_not_allow_warns() -> None:
    simulations = simulate(
        [evaluation("ec2:RunInstances", "allowed", True), evaluation("ec2:CreateFleet", "implicitDeny", True)]
    )
    found = aws_checks.check_controller_simulation("karpenter-controller-role-dev", simulations)
    assert (found.status, found.summary) == (
        Status.WARN,
        "karpenter-controller-role-dev is not allowed ec2:CreateFleet in the simulation",
    )


def test_a_caller_who_may_not_simulate_gets_a_warning_not_a_verdict() -> None:
    found = aws_checks.check_controller_simulation("karpenter-controller-role-dev", simulate(None, "AccessDenied"))
    assert found.status is Status.WARN
    assert "AccessDenied: User is not authorized to perform iam:SimulatePrincipalPolicy" in found.summary


def test_the_simulation_sends_the_request_tags_karpenter_sets() -> None:
    config = target().config
    with stubbed("iam") as (iam, stubber):
        stubber.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [evaluation("ec2:RunInstances", "allowed", True)]},
            {
                "PolicySourceArn": ROLE_ARN,
                "ActionNames": ["ec2:RunInstances", "ec2:CreateFleet"],
                "ResourceArns": ["*"],
                "ContextEntries": [
                    {"ContextKeyName": f"aws:RequestTag/{key}", "ContextKeyValues": [value], "ContextKeyType": "string"}
                    for key, value in {
                        "kubernetes.io/cluster/dev": "owned",
                        "eks:eks-cluster-name": "dev",
                        "karpenter.sh/nodepool": "cpu",
                        "karpenter.k8s.aws/ec2nodeclass": "cpu",
                    }.items()
                ]
                + [{"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": [REGION], "ContextKeyType": "string"}],
            },
        )
        simulate_controller(iam, ROLE_ARN, config, REGION)
