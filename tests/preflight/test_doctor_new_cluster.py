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
from tests.preflight.aws_seed import ACCOUNT, REGION, Clients
from tests.preflight.conftest import RUNBOOK_QUOTAS, moto_clients, reset
from tests.preflight.new_cluster_runs import (
    CLUSTER,
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


@pytest.fixture
def own_account(moto_endpoint: str) -> tuple[Clients, Network]:
    """An account of the test's own, which it changes; the shared one is seeded again after it."""
    reset(moto_endpoint)
    clients = moto_clients(moto_endpoint, RUNBOOK_QUOTAS)
    yield clients, seed_network(clients)
    reset(moto_endpoint)
    network = seed_network(moto_clients(moto_endpoint, RUNBOOK_QUOTAS))
    assert network is not None


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
    account: tuple[Clients, Network], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clients, network = account
    code, out = doctor(clients, stack(network), tmp_path, monkeypatch, capsys)
    assert code == 0
    assert placeholders(out, network, clients) == EXPECTED

