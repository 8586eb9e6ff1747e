"""Doctor's AWS side against moto: one account as the runbook leaves it, read over the real APIs, and
each check moto can serve shown to pass and to fail by the stack's settings. (EKS access configuration
and add-ons, EC2 quotas and policy simulation are not in moto: test_doctor_stubbed.py covers them with
botocore's Stubber, and Service Quotas is stubbed here too.)"""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.preflight.verdicts import Status
from tests.preflight.aws_seed import NODE_ROLE, Seeded
from tests.preflight.conftest import moto_clients
from tests.preflight.doctor_runs import Run, doctor, verdict


@pytest.fixture
def run(runbook_account: tuple[str, Seeded]) -> Run:
    endpoint, _ = runbook_account

    def _run(quotas: dict[str, float] | None = None, **config: Any) -> Any:
        from tests.preflight.conftest import RUNBOOK_QUOTAS

        return doctor(moto_clients(endpoint, RUNBOOK_QUOTAS if quotas is None else quotas), **config)

    return _run


@pytest.fixture
def seeded(runbook_account: tuple[str, Seeded]) -> Seeded:
    return runbook_account[1]


def test_the_runbook_account_is_read_as_aws_answers(run: Run, seeded: Seeded) -> None:
    observed, _ = run()
    assert observed.caller.account == "123456789012"
    assert {s.id for s in observed.subnets} == {seeded.private_a, seeded.private_b, seeded.public}
    public = [s for s in observed.subnets if s.public]
    assert [(s.id, s.maps_public_ips, s.routes_to_internet_gateway) for s in public] == [(seeded.public, True, True)]
    existing = observed.existing_iam
    assert existing.node_role.name == NODE_ROLE
    assert existing.controller_role.inline_policy_names == ("karpenter-controller-policy-dev",)
    assert existing.instance_profile.role_name == NODE_ROLE


def test_credentials_and_the_active_cluster_pass(run: Run) -> None:
    _, verdicts = run()
    assert verdict(verdicts, "credentials").summary.startswith("account 123456789012 as arn:aws:sts::123456789012:")
    assert verdict(verdicts, "cluster").summary == "cluster dev is ACTIVE"
    assert verdict(verdicts, "kubernetes-version").summary == "Kubernetes 1.33 is supported by Karpenter 1.14.1"


def test_a_cluster_the_region_does_not_have_fails_naming_both(run: Run) -> None:
    _, verdicts = run(clusterName="prod")
    assert [(v.check, v.status) for v in verdicts] == [("credentials", Status.PASS), ("cluster", Status.FAIL)]
    assert verdicts[1].summary == "no EKS cluster prod in eu-west-1"


def test_the_clusters_oidc_provider_passes_for_irsa(run: Run) -> None:
    found = verdict(run()[1], "controller-identity")
    assert (found.status, found.summary) == (Status.PASS, "identity irsa: the cluster's IAM OIDC provider exists")


def test_node_subnets_pass_leaving_the_public_one_out_and_fail_when_a_public_one_is_named(
    run: Run, seeded: Seeded
) -> None:
    found = verdict(run()[1], "node-subnets")
    assert found.status is Status.PASS
    assert found.summary == (
        f"2 private subnets: {seeded.private_a} (eu-west-1a), {seeded.private_b} (eu-west-1b); "
        f"public {seeded.public} left out"
    )
    named = verdict(run(subnetIds=[seeded.private_a, seeded.public])[1], "node-subnets")
    assert (named.status, named.summary) == (Status.FAIL, f"node subnet {seeded.public} (maps public IPs) is public")


def test_a_subnet_that_does_not_exist_fails(run: Run) -> None:
    found = verdict(run(subnetIds=["subnet-0123456789abcdef0"])[1], "node-subnets")
    assert (found.status, found.summary) == (Status.FAIL, "subnet subnet-0123456789abcdef0 cannot be found")


def test_free_ips_pass_in_roomy_zones_and_warn_for_a_nearly_full_one(run: Run, seeded: Seeded) -> None:
    assert verdict(run()[1], "free-ips").summary == "free IP addresses per zone: eu-west-1a 251, eu-west-1b 251"
    pools = {"cpu": {"zones": ["eu-west-1a", "eu-west-1c"]}}
    found = verdict(run(subnetIds=[seeded.private_a, seeded.nearly_full], nodePools=pools)[1], "free-ips")
    assert found.status is Status.WARN
    assert found.summary == "free IP addresses per zone: eu-west-1a 251, eu-west-1c 11; under 64 in eu-west-1c"


def test_a_subnet_another_clusters_karpenter_discovers_fails(run: Run, seeded: Seeded) -> None:
    assert verdict(run()[1], "subnet-discovery").status is Status.PASS
    found = verdict(run(subnetIds=[seeded.other_cluster], nodePools={"cpu": {}})[1], "subnet-discovery")
    assert found.status is Status.FAIL
    assert found.summary.startswith(f"{seeded.other_cluster} (cluster other) tagged karpenter.sh/discovery")


def test_pool_zones_without_a_node_subnet_fail(run: Run, seeded: Seeded) -> None:
    assert verdict(run()[1], "pool-zones").status is Status.PASS
    found = verdict(run(subnetIds=[seeded.private_a])[1], "pool-zones")
    assert found.status is Status.FAIL
    assert found.summary.startswith("karpenter:nodePools.cpu.zones[1]: eu-west-1b has no node subnet")


def test_the_spot_role_the_runbook_made_passes(run: Run) -> None:
    found = verdict(run(spotServiceLinkedRole="skip")[1], "spot-role")
    assert (found.status, found.summary) == (
        Status.PASS,
        "AWSServiceRoleForEC2Spot exists (the stack adopts it, never deletes it)",
    )


def test_the_runbook_roles_fail_without_adopt_and_pass_with_it(run: Run) -> None:
    found = verdict(run()[1], "iam-names")
    assert found.status is Status.FAIL
    assert found.summary == (
        "IAM role karpenter-node-role-dev, instance profile karpenter-instance-profile-dev, IAM role "
        "karpenter-controller-role-dev already exist, not made by this stack; pulumi up would fail with "
        "EntityAlreadyExists"
    )
    assert found.action.startswith("set karpenter:adopt to true")
    adopted = verdict(run(adopt=True)[1], "iam-names")
    assert adopted.status is Status.PASS
    assert adopted.summary.endswith("exist; karpenter:adopt takes them over by import")


def test_quotas_pass_where_the_pools_fit_and_warn_below_their_cpu_limits(run: Run) -> None:
    quotas = {v.summary.split(" ", 1)[0]: v for v in run()[1] if v.check == "ec2-quotas"}
    assert quotas["L-1216C47A"].status is Status.PASS
    assert quotas["L-1216C47A"].summary == (
        "L-1216C47A Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances: 1152 vCPUs for pools cpu "
        "(cpu limits 1000)"
    )
    assert quotas["L-3819A6DF"].status is Status.WARN  # G spot: 0
    assert quotas["L-DB2E81BA"].summary.startswith("L-DB2E81BA Running On-Demand G and VT instances: 256 vCPUs")
    assert quotas["L-7212CCBC"].status is Status.WARN  # P spot: the AWS default, 0


def test_a_gpu_pool_every_quota_of_which_is_zero_fails(run: Run) -> None:
    _, verdicts = run(quotas={"L-1216C47A": 1152.0, "L-34B43A08": 1152.0})
    failed = [v for v in verdicts if v.check == "ec2-quotas" and v.status is Status.FAIL]
    assert [v.summary for v in failed] == ["pool gpu can launch nothing: every quota it launches against is 0 vCPUs"]
