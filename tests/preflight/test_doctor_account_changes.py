"""Doctor's AWS side against moto, on accounts that differ from the runbook's: each test seeds its own
(a newer cluster, no OIDC provider, no runbook IAM, a swapped instance profile) or denies a read."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from karpenter.preflight.aws_reader import read_account
from karpenter.preflight.doctor import judge
from karpenter.preflight.verdicts import Status
from tests.preflight.aws_seed import NODE_ROLE, REGION, Clients, seed_runbook_account, seed_spot_role
from tests.preflight.doctor_runs import doctor, target, verdict


class Failing:
    """A client whose one operation fails as AWS answers it; every other call goes through."""

    def __init__(self, client: Any, operation: str, code: str, message: str) -> None:
        self._client, self._operation, self._code, self._message = client, operation, code, message

    def __getattr__(self, name: str) -> Any:
        if name != self._operation:
            return getattr(self._client, name)

        def fail(**_: Any) -> Any:
            raise ClientError({"Error": {"Code": self._code, "Message": self._message}}, name)

        return fail


def failing(aws: Clients, service: str, operation: str, code: str, message: str) -> Clients:
    return lambda name: Failing(aws(name), operation, code, message) if name == service else aws(name)


def test_credentials_that_do_not_work_fail_and_stop_the_checks(aws: Clients) -> None:
    expired = failing(
        aws, "sts", "get_caller_identity", "ExpiredToken", "The security token included in the request is expired"
    )
    chosen = target()
    verdicts = judge(chosen, read_account(expired, chosen.config, REGION), None, None)
    assert [(v.check, v.status) for v in verdicts] == [("credentials", Status.FAIL)]
    assert verdicts[0].summary == (
        "no usable AWS credentials: ExpiredToken: The security token included in the request is expired"
    )


def test_a_kubernetes_version_newer_than_karpenter_supports_fails(aws: Clients) -> None:
    seed_runbook_account(aws, version="1.37")
    found = verdict(doctor(aws)[1], "kubernetes-version")
    assert found.status is Status.FAIL
    assert found.summary == "Karpenter 1.14.1 supports Kubernetes 1.26 to 1.36, not 1.37"


def test_irsa_without_the_clusters_oidc_provider_fails(aws: Clients) -> None:
    seed_runbook_account(aws)
    for provider in aws("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        aws("iam").delete_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])
    found = verdict(doctor(aws)[1], "controller-identity")
    assert (found.status, found.action) == (
        Status.FAIL,
        "set karpenter:createOidcProvider to true, or use identity pod-identity",
    )
    assert verdict(doctor(aws, createOidcProvider=True)[1], "controller-identity").status is Status.PASS


def test_an_account_without_the_runbook_has_nothing_to_adopt_or_simulate(aws: Clients) -> None:
    seed_runbook_account(aws, runbook_iam=False)
    _, verdicts = doctor(aws)
    assert verdict(verdicts, "iam-names").summary == "no IAM name the stack creates is held by anything else"
    assert verdict(verdicts, "controller-permissions").summary == (
        "karpenter-controller-role-dev does not exist yet, so there is nothing to simulate"
    )
    assert verdict(verdicts, "spot-role").summary == "AWSServiceRoleForEC2Spot does not exist; the stack creates it"


def test_without_the_spot_role_skipping_it_fails_while_pools_launch_spot(aws: Clients) -> None:
    seed_runbook_account(aws, runbook_iam=False)
    found = verdict(doctor(aws, spotServiceLinkedRole="skip")[1], "spot-role")
    assert found.status is Status.FAIL
    seed_spot_role(aws("iam"))
    assert verdict(doctor(aws, spotServiceLinkedRole="skip")[1], "spot-role").status is Status.PASS


def test_an_instance_profile_holding_another_role_cannot_be_adopted(aws: Clients) -> None:
    seed_runbook_account(aws)
    iam = aws("iam")
    iam.remove_role_from_instance_profile(InstanceProfileName="karpenter-instance-profile-dev", RoleName=NODE_ROLE)
    iam.add_role_to_instance_profile(InstanceProfileName="karpenter-instance-profile-dev", RoleName="eks-cluster")
    found = verdict(doctor(aws, adopt=True)[1], "iam-names")
    assert found.status is Status.FAIL
    assert "holds role eks-cluster, not karpenter-node-role-dev" in found.summary


@pytest.mark.parametrize(
    ("check", "service", "operation"),
    [("node-subnets", "ec2", "describe_subnets"), ("iam-names", "iam", "get_instance_profile")],
)
def test_a_read_that_is_denied_warns_naming_what_was_refused(
    aws: Clients, check: str, service: str, operation: str
) -> None:
    seed_runbook_account(aws)
    denied = failing(aws, service, operation, "AccessDenied", "not authorized")
    chosen = target()
    found = verdict(judge(chosen, read_account(denied, chosen.config, REGION), None, None), check)
    assert found.status is Status.WARN
    assert "AccessDenied: not authorized" in found.summary
