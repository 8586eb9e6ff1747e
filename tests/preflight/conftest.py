"""AWS for the preflight and migration tests: moto in server mode on 127.0.0.1 (a free port), reset
between tests, and boto3 clients pointed at it with dummy credentials. Nothing reaches AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from tests.preflight.aws_seed import REGION, Clients, Seeded, seed_runbook_account

# The runbook attaches AWS managed policies, which moto knows only when asked to load them.
_LOAD_MANAGED_POLICIES = "MOTO_IAM_LOAD_MANAGED_POLICIES"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    saved = os.environ.get(_LOAD_MANAGED_POLICIES)
    # Loaded once per reset, into the account the tests use (see `reset`).
    os.environ[_LOAD_MANAGED_POLICIES] = "false"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        if saved is None:
            os.environ.pop(_LOAD_MANAGED_POLICIES, None)
        else:
            os.environ[_LOAD_MANAGED_POLICIES] = saved


# One attempt: moto answers at once, and an unimplemented call should fail the test at once.
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def session() -> boto3.Session:
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


# boto3 clients are slow to make and hold no state of the account: one per service and endpoint.
_MOTO_CLIENTS: dict[tuple[str, str], Any] = {}


def moto_clients(endpoint: str, quotas: dict[str, float] | None = None) -> Clients:
    """Clients against moto; Service Quotas (whose EC2 quotas moto does not hold) answered by a
    Stubber with `quotas`, in the order doctor asks for them."""
    stubbed: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service == "service-quotas":
            if service not in stubbed:
                stubbed[service] = stubbed_quotas(quotas or {})
            return stubbed[service]
        if service == "iam":
            if service not in stubbed:
                stubbed[service] = WithSimulation(moto_client(endpoint, "iam"))
            return stubbed[service]
        return moto_client(endpoint, service)

    return client


def moto_client(endpoint: str, service: str) -> Any:
    if (endpoint, service) not in _MOTO_CLIENTS:
        _MOTO_CLIENTS[endpoint, service] = session().client(
            service, region_name=REGION, endpoint_url=endpoint, config=NO_RETRIES
        )
    return _MOTO_CLIENTS[endpoint, service]


class WithSimulation:
    """moto's IAM client, but for SimulatePrincipalPolicy (not in moto), which a Stubber answers as the
    IAM API reference shows: each action allowed, by the role's policies and by the organization."""

    def __init__(self, iam: Any) -> None:
        self._iam = iam

    def __getattr__(self, name: str) -> Any:
        return getattr(self._iam, name)

    def simulate_principal_policy(self, **request: Any) -> Any:
        client = session().client("iam", region_name=REGION)
        results = [
            {
                "EvalActionName": action,
                "EvalResourceName": "*",
                "EvalDecision": "allowed",
                "MatchedStatements": [],
                "MissingContextValues": [],
                "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            }
            for action in request["ActionNames"]
        ]
        with Stubber(client) as stubber:
            stubber.add_response("simulate_principal_policy", {"EvaluationResults": results}, request)
            return client.simulate_principal_policy(**request)


def quota_response(code: str, value: float) -> dict[str, Any]:
    """GetServiceQuota's response, shaped as the Service Quotas API reference documents it."""
    from karpenter.vocabulary.ec2_quotas import QUOTAS

    (quota,) = [q for q in QUOTAS if q.code == code]
    return {
        "Quota": {
            "ServiceCode": "ec2",
            "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
            "QuotaArn": f"arn:aws:servicequotas:{REGION}:123456789012:ec2/{code}",
            "QuotaCode": code,
            "QuotaName": quota.name,
            "Value": value,
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
        }
    }


def stubbed_quotas(values: dict[str, float]) -> Any:
    """A Service Quotas client answering GetServiceQuota for the six EC2 vCPU quotas: the given value,
    or, for a quota the account never changed, NoSuchResourceException and then the AWS default."""
    from karpenter.vocabulary.ec2_quotas import QUOTAS

    client = session().client("service-quotas", region_name=REGION)
    stubber = Stubber(client)
    for quota in QUOTAS:
        params = {"ServiceCode": "ec2", "QuotaCode": quota.code}
        if quota.code in values:
            stubber.add_response("get_service_quota", quota_response(quota.code, values[quota.code]), params)
        else:
            stubber.add_client_error(
                "get_service_quota",
                "NoSuchResourceException",
                "The request failed because the specified quota does not exist.",
                400,
                expected_params=params,
            )
            stubber.add_response(
                "get_aws_default_service_quota",
                quota_response(quota.code, 5.0 if quota.instance_class == "standard" else 0.0),
                params,
            )
    stubber.activate()
    return client


# The runbook account's quotas, in vCPUs: room for the CPU pool, G instances on demand only, no P.
RUNBOOK_QUOTAS = {"L-1216C47A": 1152.0, "L-34B43A08": 1152.0, "L-DB2E81BA": 256.0, "L-3819A6DF": 0.0}


def reset(endpoint: str) -> None:
    """An empty account whose IAM knows the AWS managed policies. moto also makes an IAM (which would
    load them too) for other partitions each time it looks up the account of a request's key: loaded
    only into the account's own, each request takes milliseconds rather than a sixth of a second."""
    os.environ[_LOAD_MANAGED_POLICIES] = "true"
    try:
        requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()
        moto_client(endpoint, "iam").list_roles()
    finally:
        os.environ[_LOAD_MANAGED_POLICIES] = "false"


@pytest.fixture
def aws(moto_endpoint: str) -> Clients:
    """Clients of an empty moto account, with the runbook account's quotas."""
    reset(moto_endpoint)
    return moto_clients(moto_endpoint, RUNBOOK_QUOTAS)


@pytest.fixture(scope="module")
def runbook_account(moto_endpoint: str) -> tuple[str, Seeded]:
    """One account as the runbook leaves it, shared by a module's tests, which only read it: the
    endpoint and what was seeded. (Resetting moto costs a second; seeding once keeps the tests quick.)"""
    reset(moto_endpoint)
    return moto_endpoint, seed_runbook_account(moto_clients(moto_endpoint, RUNBOOK_QUOTAS))


@pytest.fixture
def environment_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials from the environment, no profile or config file of the machine's, one attempt."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
