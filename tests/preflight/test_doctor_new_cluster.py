"""`python -m karpenter doctor` on a stack that creates its cluster, end to end against moto in server
mode (quotas, capacity reservations and placement groups answered as the API references document
them): an account with the VPC and subnets the stack names and no cluster yet passes, and each thing
that must hold before the cluster exists fails with what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from karpenter.offline.cli import main
from tests.conftest import FIXTURES, make_project
from tests.preflight.aws_seed import Clients
from tests.preflight.conftest import RUNBOOK_QUOTAS, moto_clients, reset
from tests.preflight.new_cluster_runs import (
    RESERVATION,
    Network,
    placement_group,
    reservation,
    seed_network,
    stack,
    with_ec2,
)

# What doctor prints for the example stack Pulumi.new-cluster.yaml on an account that has its VPC and
# subnets and no cluster (ids, which moto makes up, as placeholders).
EXPECTED = (FIXTURES / "doctor" / "new-cluster-account.txt").read_text()


@pytest.fixture(scope="module")
def shared(moto_endpoint: str) -> tuple[str, Network]:
    """One account for the tests that only change the stack, which read it and write nothing."""
    reset(moto_endpoint)
    return moto_endpoint, seed_network(moto_clients(moto_endpoint, RUNBOOK_QUOTAS))


@pytest.fixture
def account(shared: tuple[str, Network]) -> tuple[Clients, Network]:
    endpoint, network = shared
    return moto_clients(endpoint, RUNBOOK_QUOTAS), network


def doctor(
    clients: Clients,
    config: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    reservations: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    extra: tuple[str, ...] = (),
) -> tuple[int, str]:
    answering = with_ec2(
        clients,
        [reservation()] if reservations is None else reservations,
        [placement_group()] if groups is None else groups,
    )
    monkeypatch.setattr(
        "karpenter.preflight.aws_calls.session_clients",
        lambda region, profile=None, endpoint_url=None: answering,
    )
    monkeypatch.setattr("karpenter.preflight.doctor.pulumi_cli_version", lambda: "3.210.0")
    project = make_project(tmp_path, {"new-cluster": config})
    code = main(["doctor", "--stack", "new-cluster", "--project-dir", str(project), *extra])
    return code, capsys.readouterr().out


def placeholders(text: str, network: Network, clients: Clients) -> str:
    key_arn = clients("kms").describe_key(KeyId=network.key_alias)["KeyMetadata"]["Arn"]
    text = text.replace(key_arn, "<key-arn>").replace(network.vpc, "<vpc>").replace(network.image, "<ami>")
    for zone, subnet in zip("abc", network.subnets, strict=True):
        text = text.replace(subnet, f"<subnet-{zone}>")
    return text


def verdict(out: str, check: str) -> list[str]:
    """The lines of the verdicts of `check`: each, and its `->` line if it has one, without padding."""
    lines = out.splitlines()
    found: list[str] = []
    for index, line in enumerate(lines):
        if line[6:].split("  ")[0].strip() == check and line[:4] in ("PASS", "WARN", "FAIL", "SKIP"):
            found.append(" ".join(line.split(None, 2)))
            after = lines[index + 1] if index + 1 < len(lines) else ""
            if after.strip().startswith("->"):
                found.append(after.strip())
    return found


def test_an_account_with_the_vpc_and_subnets_and_no_cluster_passes_before_the_first_pulumi_up(
    account: tuple[Clients, Network],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clients, network = account
    code, out = doctor(clients, stack(network), tmp_path, monkeypatch, capsys)
    assert code == 0
    assert placeholders(out, network, clients) == EXPECTED


def changed(network: Network, *, cluster: dict[str, Any] | None = None, **keys: Any) -> dict[str, Any]:
    """The example stack with `karpenter:cluster` keys changed and other `karpenter:` keys replaced."""
    base = stack(network)
    config = {**base, **{f"karpenter:{key}": value for key, value in keys.items()}}
    config["karpenter:cluster"] = {**base["karpenter:cluster"], **(cluster or {})}
    return config


def reserved_class(network: Network, **changes: Any) -> dict[str, Any]:
    return {"reserved": {**stack(network)["karpenter:nodeClasses"]["reserved"], **changes}}


def run(
    account: tuple[Clients, Network],
    config: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    **answers: Any,
) -> tuple[int, str]:
    clients, network = account
    code, out = doctor(clients, config, tmp_path, monkeypatch, capsys, **answers)
    return code, placeholders(out, network, clients)


Capture = pytest.CaptureFixture[str]


def test_a_vpc_the_region_does_not_have_fails_naming_the_key(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    config = changed(account[1], cluster={"vpcId": "vpc-0123456789abcdef0"})
    code, out = run(account, config, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "vpc") == [
        "FAIL vpc VPC vpc-0123456789abcdef0 does not exist in eu-west-1",
        "-> check karpenter:cluster.vpcId and aws:region",
    ]
    assert verdict(out, "cluster-subnets") == [
        "FAIL cluster-subnets karpenter:cluster.subnetIds[0]: <subnet-a> is in <vpc>, not in karpenter:cluster.vpcId "
        "vpc-0123456789abcdef0",
        "-> name subnets of vpc-0123456789abcdef0",
    ]


def test_a_subnet_that_does_not_exist_fails_naming_its_index(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    config = changed(account[1], cluster={"subnetIds": [account[1].subnets[0], "subnet-0123456789abcdef0"]})
    code, out = run(account, config, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "cluster-subnets") == [
        "FAIL cluster-subnets karpenter:cluster.subnetIds[1]: subnet subnet-0123456789abcdef0 does not exist in "
        "eu-west-1",
        "-> name subnets of <vpc>",
    ]


def test_subnets_in_one_zone_fail_as_eks_would(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """EKS user guide, "View Amazon EKS networking requirements for VPC and subnets": "When you create a
    cluster, you specify a VPC and at least two subnets that are in different Availability Zones.\""""
    config = changed(account[1], cluster={"subnetIds": [account[1].subnets[0]]})
    code, out = run(account, config, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "cluster-subnets") == [
        "FAIL cluster-subnets the cluster's subnets are all in eu-west-1a; EKS needs subnets in two availability "
        "zones or more",
        "-> add a private subnet of another zone to karpenter:cluster.subnetIds",
    ]


def test_a_pool_whose_types_its_zones_do_not_offer_fails_with_the_zones_that_do(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """moto serves DescribeInstanceTypeOfferings from AWS's data: eu-west-1 offers p4d.24xlarge in
    eu-west-1c only."""
    network = account[1]
    pools = {**stack(network)["karpenter:nodePools"], "gpu": {"gpu": True, "instanceFamilies": ["p4d"]}}
    config = changed(network, cluster={"subnetIds": list(network.subnets[:2])}, nodePools=pools)
    code, out = run(account, config, tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "instance-types") == [
        "FAIL instance-types karpenter:nodePools.gpu.zones: none of the 1 instance types left (p4d.24xlarge) is "
        "offered in eu-west-1a, eu-west-1b",
        "-> eu-west-1 offers them in eu-west-1c: use one of those zones, or types offered in eu-west-1a, eu-west-1b",
    ]


def test_a_system_node_type_none_of_the_clusters_zones_offers_fails(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    network = account[1]
    cluster = {"subnetIds": list(network.subnets[:2]), "systemNodeGroup": {"instanceTypes": ["p4d.24xlarge"]}}
    code, out = run(account, changed(network, cluster=cluster), tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "system-nodes") == [
        "FAIL system-nodes karpenter:cluster.systemNodeGroup.instanceTypes[0]: p4d.24xlarge is offered in none of "
        "the cluster's zones (eu-west-1a, eu-west-1b); it is offered in eu-west-1c",
        "-> choose an instance type these zones offer (aws ec2 describe-instance-type-offerings --location-type "
        "availability-zone)",
    ]


def test_a_capacity_reservation_that_does_not_exist_fails(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    code, out = run(account, stack(account[1]), tmp_path, monkeypatch, capsys, reservations=[])
    assert code == 1
    assert verdict(out, "capacity-reservations") == [
        "FAIL capacity-reservations karpenter:nodeClasses.reserved.capacityReservationSelectorTerms[0] selects no "
        "capacity reservation in the region",
        "-> check the id or tags (and ownerID) of the term, and aws:region",
    ]


def test_a_capacity_reservation_outside_the_node_subnets_zones_fails(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """Karpenter launches into a reservation only in its zone, through a node subnet there."""
    network = account[1]
    config = changed(network, cluster={"subnetIds": list(network.subnets[:2])})
    code, out = run(account, config, tmp_path, monkeypatch, capsys, reservations=[reservation(zone="eu-west-1c")])
    assert code == 1
    assert verdict(out, "capacity-reservations") == [
        f"FAIL capacity-reservations karpenter:nodeClasses.reserved.capacityReservationSelectorTerms[0]: {RESERVATION} "
        "(eu-west-1c) is in no zone of the node subnets (eu-west-1a, eu-west-1b), so Karpenter cannot launch into it",
        "-> add a node subnet in that zone to karpenter:cluster.subnetIds, or select reservations of the node "
        "subnets' zones",
    ]


def test_a_capacity_reservation_that_expired_fails(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    code, out = run(
        account, stack(account[1]), tmp_path, monkeypatch, capsys, reservations=[reservation(state="expired")]
    )
    assert code == 1
    assert verdict(out, "capacity-reservations") == [
        "FAIL capacity-reservations karpenter:nodeClasses.reserved.capacityReservationSelectorTerms[0] selects only "
        f"reservations that ended: {RESERVATION} (expired)",
        "-> select a current reservation",
    ]


def test_reservations_selected_by_tags_are_found_by_their_tags(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    network = account[1]
    classes = reserved_class(network, capacityReservationSelectorTerms=[{"tags": {"team": "ml", "purpose": "*"}}])
    tagged = reservation("cr-0f0f0f0f0f0f0f0f0", tags={"team": "ml", "purpose": "training"})
    others = reservation("cr-0e0e0e0e0e0e0e0e0", tags={"team": "web"})
    code, out = run(
        account, changed(network, nodeClasses=classes), tmp_path, monkeypatch, capsys, reservations=[tagged, others]
    )
    assert (code, verdict(out, "capacity-reservations")) == (
        0,
        ["PASS capacity-reservations 1 selected: cr-0f0f0f0f0f0f0f0f0 (m5.xlarge in eu-west-1a, active, 4 available)"],
    )


def test_a_placement_group_that_does_not_exist_fails(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    code, out = run(account, stack(account[1]), tmp_path, monkeypatch, capsys, groups=[])
    assert code == 1
    assert verdict(out, "placement-groups") == [
        "FAIL placement-groups karpenter:nodeClasses.reserved.placementGroupSelector: no such placement group in the "
        "region",
        "-> create it, or name one that exists",
    ]


def test_an_ami_id_the_region_does_not_have_fails(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    network = account[1]
    classes = reserved_class(network, amiSelectorTerms=[{"id": "ami-0123456789abcdef0"}])
    code, out = run(account, changed(network, nodeClasses=classes), tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "amis") == [
        "FAIL amis karpenter:nodeClasses.reserved.amiSelectorTerms[0].id: no such AMI in the region, or not shared "
        "with the account",
        "-> name an AMI of this region (AMI ids differ between regions)",
    ]


def test_a_kms_key_that_does_not_exist_fails(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    network = account[1]
    classes = reserved_class(network, rootVolume={"kmsKeyId": "alias/missing"})
    code, out = run(account, changed(network, nodeClasses=classes), tmp_path, monkeypatch, capsys)
    assert code == 1
    assert verdict(out, "kms-keys") == [
        "FAIL kms-keys karpenter:nodeClasses.reserved.rootVolume.kmsKeyId: no such KMS key in the region",
        "-> name a key or alias of this region (or its ARN, for another account's key)",
    ]


def test_the_new_clusters_kubernetes_version_is_judged_by_the_compatibility_matrix(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    config = changed(account[1], cluster={"kubernetesVersion": "1.29"})
    code, out = run(account, config, tmp_path, monkeypatch, capsys)
    assert verdict(out, "kubernetes-version") == [
        "PASS kubernetes-version Kubernetes 1.29 (the new cluster's) is supported by Karpenter 1.14.1",
    ]


def test_the_json_of_a_new_cluster_counts_the_skip_apart_and_leaves_out_the_existing_clusters_checks(
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    code, out = doctor(account[0], stack(account[1]), tmp_path, monkeypatch, capsys, extra=("--json",))
    document = json.loads(out)
    checks = [c["check"] for c in document["checks"]]
    assert (code, document["counts"]) == (0, {"FAIL": 0, "WARN": 0, "PASS": 20, "SKIP": 1})
    assert checks.index("cluster-subnets") < checks.index("instance-types") < checks.index("iam-names")
    assert "node-access" not in checks and "controller-identity" not in checks
