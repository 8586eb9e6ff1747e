"""`python -m karpenter doctor` end to end: the stack file read as the CLI reads it, the account from
moto (quotas stubbed), the cluster from recorded responses; a line per verdict, exit 1 on a FAIL, and
JSON whose keys and order do not change from run to run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from karpenter.offline.cli import main
from tests.conftest import FIXTURES, make_project
from tests.kube_api import serve
from tests.preflight.aws_seed import Seeded
from tests.preflight.conftest import RUNBOOK_QUOTAS, moto_clients
from tests.preflight.test_doctor_cluster import runbook_cluster

RUNBOOK_STACK = {
    "aws:region": "eu-west-1",
    "karpenter:clusterName": "dev",
    "karpenter:namespace": "karpenter",
    "karpenter:nodePools": {
        "cpu": {"capacityTypes": ["spot", "on-demand"], "zones": ["eu-west-1a", "eu-west-1b"]},
        "gpu": {"gpu": True, "capacityTypes": ["spot", "on-demand"], "zones": ["eu-west-1a", "eu-west-1b"]},
    },
}

# What doctor prints for the runbook's account before adopt and the v0 uninstall (subnet ids, which
# moto makes up, as placeholders).
EXPECTED = (FIXTURES / "doctor" / "runbook-account.txt").read_text()


@pytest.fixture
def account(runbook_account: tuple[str, Seeded], monkeypatch: pytest.MonkeyPatch) -> tuple[str, Seeded]:
    """The runbook's account (shared by this module's tests, which only read it), as doctor sees it."""
    endpoint, seeded = runbook_account
    monkeypatch.setattr(
        "karpenter.preflight.aws_calls.session_clients",
        lambda region, profile=None, endpoint_url=None: moto_clients(endpoint, RUNBOOK_QUOTAS),
    )
    monkeypatch.setattr("karpenter.preflight.doctor.pulumi_cli_version", lambda: "3.210.0")
    return endpoint, seeded


def doctor(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    api = runbook_cluster()
    with serve(api):
        monkeypatch.setattr("karpenter.preflight.kube_access.eks_api_client", lambda cluster, sts: api.client())
        code = main(["doctor", "--stack", "prod", "--project-dir", str(project), *extra])
    return code, capsys.readouterr().out


def placeholders(text: str, seeded: Seeded) -> str:
    for name in ("private_a", "private_b", "public"):
        text = text.replace(getattr(seeded, name), f"<{name.replace('_', '-')}>")
    return text


def test_doctor_on_the_runbooks_account_fails_until_adopt_and_the_v0_uninstall(
    account: tuple[str, Seeded], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"prod": RUNBOOK_STACK})
    code, out = doctor(project, monkeypatch, capsys)
    assert code == 1
    text = placeholders(out, account[1])
    assert text == EXPECTED


def test_with_adopt_only_the_v0_install_is_left_to_fail(
    account: tuple[str, Seeded], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"prod": {**RUNBOOK_STACK, "karpenter:adopt": True}})
    code, out = doctor(project, monkeypatch, capsys)
    failed = [line.split()[1] for line in out.splitlines() if line.startswith("FAIL")]
    assert (code, failed) == (1, ["existing-karpenter"])
    assert "PASS  pulumi-cli              pulumi 3.210.0 imports and updates in one deployment" in out


def test_json_output_is_stable_and_sorted(
    account: tuple[str, Seeded], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"prod": RUNBOOK_STACK})
    first = doctor(project, monkeypatch, capsys, "--json")
    second = doctor(project, monkeypatch, capsys, "--json")
    assert first == second
    document: dict[str, Any] = json.loads(first[1])
    assert list(document) == ["checks", "cluster", "counts", "karpenterVersion", "region", "stack"]
    assert list(document["checks"][0]) == ["action", "check", "status", "summary"]
    assert first[1] == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert document["counts"] == {"FAIL": 2, "PASS": 15, "SKIP": 0, "WARN": 7}


def test_a_stack_file_that_is_not_there_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", "--stack", "prod", "--project-dir", str(make_project(tmp_path))]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: no stack file Pulumi.prod.yaml in {tmp_path}\n"


def test_a_bad_key_is_named_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, {"prod": {**RUNBOOK_STACK, "karpenter:adopt": "yes please"}})
    assert main(["doctor", "--stack", "prod", "--project-dir", str(project)]) == 2
    assert capsys.readouterr().err == "error: karpenter:adopt: 'yes please' is not one of true, false\n"
