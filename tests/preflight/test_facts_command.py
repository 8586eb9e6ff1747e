"""`python -m karpenter facts` end to end: the stack file read as the CLI reads it, the account from moto
in server mode at --endpoint-url (what moto lacks filled in as the AWS API references document it, the
Price List API stubbed), the facts file written, and the real synth rendering the stack from it."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from karpenter.offline.cli import main
from tests.conftest import make_project
from tests.preflight.aws_seed import (
    CONTROLLER_ROLE,
    INSTANCE_PROFILE,
    NODE_ROLE,
    REGION,
    Seeded,
    seed_network,
    seed_runbook_account,
)
from tests.preflight.conftest import moto_clients, reset
from tests.preflight.facts_runs import GROUP_TAGS, EksAsDocumented, put_moto_behind_the_command

POOLS = {"cpu": {"capacityTypes": ["spot", "on-demand"], "zones": ["eu-west-1a", "eu-west-1b"]}}
ATTACHING = {
    "aws:region": REGION,
    "karpenter:clusterName": "dev",
    "karpenter:adopt": True,
    "karpenter:nodePools": POOLS,
}
PRICES = {"m5.large": "0.1070000000", "m5.xlarge": "0.2140000000"}
# What EKS computes for a cluster: a stack that creates its cluster has none of it before.
COMPUTED = ("endpoint", "certificateAuthority", "oidcIssuer", "clusterSecurityGroupId", "authenticationMode")
pytestmark = pytest.mark.usefixtures("environment_credentials")


@pytest.fixture(scope="module")
def attached(moto_endpoint: str) -> tuple[str, Seeded, str]:
    """The runbook's account (read only by this module's tests), and the cluster security group EKS made."""
    reset(moto_endpoint)
    clients = moto_clients(moto_endpoint)
    seeded = seed_runbook_account(clients)
    ec2 = clients("ec2")
    group = ec2.create_security_group(GroupName="eks-cluster-sg-dev", Description="EKS", VpcId=seeded.vpc)["GroupId"]
    ec2.create_tags(Resources=[group], Tags=[{"Key": k, "Value": v} for k, v in GROUP_TAGS.items()])
    return moto_endpoint, seeded, group


def facts(project: Path, endpoint: str, *extra: str) -> int:
    return main(["facts", "--stack", "prod", "--project-dir", str(project), "--endpoint-url", endpoint, *extra])


def written(project: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((project / "facts" / "prod.yaml").read_text())
    return document


def synth(project: Path, config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The real synth of the stack, now naming the facts file, in a fresh output folder."""
    make_project(project, {"prod": {**config, "karpenter:synthFacts": "facts/prod.yaml"}})
    capsys.readouterr()
    code = main(["synth", "--stack", "prod", "--project-dir", str(project), "--out", str(project / "out")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_facts_of_an_attached_cluster_are_what_aws_says_and_synth_renders_the_stack_from_them(
    attached: tuple[str, Seeded, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint, seeded, group = attached
    asked = put_moto_behind_the_command(
        monkeypatch,
        wrap=lambda service, client: EksAsDocumented(client, group, seeded.vpc) if service == "eks" else client,
        prices=PRICES,
    )
    project = make_project(tmp_path / "project", {"prod": ATTACHING})
    assert facts(project, endpoint) == 0
    assert asked == [endpoint]
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"written to {project / 'facts' / 'prod.yaml'}",
        "offline synth reads it once the stack names it: pulumi config set karpenter:synthFacts facts/prod.yaml",
    ]
    document = written(project)
    eks = moto_clients(endpoint)("eks").describe_cluster(name="dev")["cluster"]
    assert {key: document[key] for key in ("clusterName", "partition", "region", "accountId")} == {
        "clusterName": "dev",
        "partition": "aws",
        "region": REGION,
        "accountId": "123456789012",
    }
    assert (document["endpoint"], document["certificateAuthority"], document["oidcIssuer"]) == (
        eks["endpoint"],
        eks["certificateAuthority"]["data"],
        seeded.issuer,
    )
    assert (document["oidcProviderExists"], document["podIdentityAgent"], document["vpcId"]) == (True, True, seeded.vpc)
    assert (document["clusterSecurityGroupId"], document["clusterSecurityGroupTags"]) == (group, GROUP_TAGS)
    assert (document["authenticationMode"], document["kubernetesVersion"]) == ("API_AND_CONFIG_MAP", "1.33")
    runbook_tags = {"kubernetes.io/cluster/dev": "shared", "subnet": "private"}
    assert sorted(document["subnets"], key=lambda s: s["zone"]) == [
        {"id": seeded.private_a, "zone": "eu-west-1a", "public": False, "tags": runbook_tags},
        {"id": seeded.private_b, "zone": "eu-west-1b", "public": False, "tags": runbook_tags},
        {"id": seeded.public, "zone": "eu-west-1c", "public": True, "tags": {}},
    ]
    assert document["spotServiceLinkedRoleExists"] is True
    roles = document["existingRoles"]
    assert sorted(roles) == [CONTROLLER_ROLE, NODE_ROLE]
    assert roles[CONTROLLER_ROLE]["inlinePolicies"] == ["karpenter-controller-policy-dev"]
    assert len(roles[NODE_ROLE]["attachedPolicies"]) == 4
    (statement,) = roles[CONTROLLER_ROLE]["assumeRolePolicy"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert document["existingInstanceProfiles"] == {INSTANCE_PROFILE: {"path": "/", "role": NODE_ROLE}}
    assert sorted(document["instanceTypeOfferings"]) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert "m5.large" in document["instanceTypeOfferings"]["eu-west-1a"]
    assert document["onDemandPrices"] == {"m5.large": 0.107, "m5.xlarge": 0.214}
    assert (document["priceSource"], document["priceDate"]) == (
        "AWS Price List API (pricing:GetProducts): on-demand Linux, as Karpenter 1.14.1 reads it",
        datetime.datetime.now(datetime.UTC).date().isoformat(),
    )
    code, output = synth(project, ATTACHING, capsys)
    assert code == 0, output
    assert f"written to {project / 'out'}/" in output


def test_facts_of_a_stack_that_creates_its_cluster_hold_what_exists_before_it_and_synth_renders_it(
    attached: tuple[str, Seeded, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    moto_endpoint = attached[0]
    # Another VPC of the same account, with no cluster in it.
    network = seed_network(moto_clients(moto_endpoint)("ec2"))
    put_moto_behind_the_command(monkeypatch, wrap=lambda service, client: client, prices=PRICES)
    cluster = {"create": True, "vpcId": network["vpc"], "subnetIds": [network["private_a"], network["private_b"]]}
    config = {"aws:region": REGION, "karpenter:clusterName": "new", "karpenter:cluster": cluster}
    project = make_project(tmp_path / "project", {"prod": config})
    assert facts(project, moto_endpoint) == 0
    document = written(project)
    # Nor whether the cluster has an OIDC provider or add-on, or what its group's tags are.
    absent = (*COMPUTED, "kubernetesVersion", "oidcProviderExists", "podIdentityAgent", "clusterSecurityGroupTags")
    assert [key for key in absent if key in document] == []
    assert document["vpcId"] == network["vpc"]
    assert [(s["id"], s["zone"], s["public"]) for s in document["subnets"]] == [
        (network["private_a"], "eu-west-1a", False),
        (network["private_b"], "eu-west-1b", False),
    ]
    assert (document["existingRoles"], document["spotServiceLinkedRoleExists"]) == ({}, True)
    code, output = synth(project, config, capsys)
    assert code == 0, output


def test_a_cluster_the_region_does_not_have_is_refused_naming_the_key(
    attached: tuple[str, Seeded, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"prod": {**ATTACHING, "karpenter:clusterName": "prod"}})
    assert facts(project, attached[0]) == 2
    assert capsys.readouterr().err == (
        "error: karpenter:clusterName: EKS cluster 'prod' was not found in eu-west-1 (account 123456789012); name "
        "an existing cluster, or set karpenter:cluster.create: true for the stack to create it\n"
    )
    assert not (project / "facts").exists()


def test_a_subnet_to_create_the_cluster_in_that_is_not_there_is_refused_naming_its_place(
    attached: tuple[str, Seeded, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, seeded, _ = attached
    cluster = {"create": True, "vpcId": seeded.vpc, "subnetIds": [seeded.private_a, "subnet-0fffffffffffffff0"]}
    project = make_project(tmp_path, {"prod": {**ATTACHING, "karpenter:cluster": cluster, "karpenter:adopt": False}})
    assert facts(project, attached[0]) == 2
    assert capsys.readouterr().err == (
        "error: karpenter:cluster.subnetIds[1]: subnet 'subnet-0fffffffffffffff0' was not found in eu-west-1\n"
    )


def test_a_file_that_says_something_else_is_replaced_only_with_force(
    attached: tuple[str, Seeded, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint, seeded, group = attached
    put_moto_behind_the_command(
        monkeypatch,
        wrap=lambda service, client: EksAsDocumented(client, group, seeded.vpc) if service == "eks" else client,
        prices=PRICES,
    )
    project = make_project(tmp_path / "project", {"prod": {**ATTACHING, "karpenter:synthFacts": "facts/prod.yaml"}})
    path = project / "facts" / "prod.yaml"
    assert facts(project, endpoint) == 0
    first = path.read_text()
    assert capsys.readouterr().out == f"written to {path}\n"
    assert facts(project, endpoint) == 0
    assert capsys.readouterr().out == f"{path} is unchanged\n"
    path.write_text(first.replace("kubernetesVersion: '1.33'", "kubernetesVersion: '1.34'"))
    assert facts(project, endpoint) == 2
    assert capsys.readouterr().err == (
        f"error: {path} exists and says something else than the account does now; pass --force to replace it, or "
        "--out to write another file\n"
    )
    assert "kubernetesVersion: '1.34'" in path.read_text()
    assert facts(project, endpoint, "--force") == 0
    assert path.read_text() == first
    assert [p.name for p in path.parent.iterdir()] == ["prod.yaml"]
