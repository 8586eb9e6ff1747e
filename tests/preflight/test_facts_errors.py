"""What `python -m karpenter facts` says when it cannot do its job: bad input is one line naming the key,
option or file, exit 2; an AWS call that fails is one line with what AWS said and a hint by cause
(network or DNS, throttling, server error, permission, credentials), exit 1; never a traceback, and
no file written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber

from karpenter.offline.cli import main
from karpenter.preflight.aws_calls import failure_line
from tests.conftest import make_project
from tests.preflight.aws_seed import REGION
from tests.preflight.facts_runs import client_error, put_moto_behind_the_command
from tests.preflight.test_facts_prices import closed_port

STACK = {"aws:region": REGION, "karpenter:clusterName": "dev"}
pytestmark = pytest.mark.usefixtures("environment_credentials")
PERMISSION = (
    "(permission: the identity you run as may not call {op}; facts only reads, so grant it read-only access or "
    "pass --profile for one that has it)"
)


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            client_error("ThrottlingException", 400),
            "DescribeCluster: ThrottlingException: said AWS (throttling: AWS limits the rate of these calls; wait "
            "a minute and run again)",
        ),
        (
            client_error("RequestLimitExceeded", 503, "DescribeSubnets"),
            "DescribeSubnets: RequestLimitExceeded: said AWS (throttling: AWS limits the rate of these calls; wait "
            "a minute and run again)",
        ),
        (
            client_error("TooManyRequestsException", 429),
            "DescribeCluster: TooManyRequestsException: said AWS (throttling: AWS limits the rate of these calls; "
            "wait a minute and run again)",
        ),
        (
            client_error("AccessDeniedException", 403),
            "DescribeCluster: AccessDeniedException: said AWS " + PERMISSION.format(op="DescribeCluster"),
        ),
        (
            client_error("UnauthorizedOperation", 403, "DescribeVpcs"),
            "DescribeVpcs: UnauthorizedOperation: said AWS " + PERMISSION.format(op="DescribeVpcs"),
        ),
        (
            client_error("ExpiredToken", 403, "GetCallerIdentity"),
            "GetCallerIdentity: ExpiredToken: said AWS (credentials: they are invalid or expired; renew them, or "
            "pass --profile)",
        ),
        (
            client_error("InternalError", 500, "DescribeSubnets"),
            "DescribeSubnets: InternalError: said AWS (server error: AWS failed to answer; run again later)",
        ),
        (
            client_error("ServiceUnavailableException", 503),
            "DescribeCluster: ServiceUnavailableException: said AWS (server error: AWS failed to answer; run again "
            "later)",
        ),
        (client_error("InvalidParameterException", 400), "DescribeCluster: InvalidParameterException: said AWS"),
        (
            EndpointConnectionError(endpoint_url="https://eks.eu-west-1.amazonaws.com/clusters/dev"),
            "cannot reach https://eks.eu-west-1.amazonaws.com/clusters/dev: EndpointConnectionError (network: check "
            "the connection, DNS and proxy, or the endpoint given by --endpoint-url or AWS_ENDPOINT_URL)",
        ),
        (
            NoCredentialsError(),
            "no AWS credentials found (credentials: pass --profile, set AWS_PROFILE, or log in with aws sso login)",
        ),
    ],
)
def test_a_failed_call_is_one_line_with_a_hint_by_its_cause(error: Exception, line: str) -> None:
    assert failure_line(error) == line


def run(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["facts", "--stack", "prod", "--project-dir", str(project), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_endpoint_nothing_answers_at_is_exit_1_with_a_network_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"prod": STACK})
    url = f"http://127.0.0.1:{closed_port()}"
    assert run(project, capsys, "--endpoint-url", url) == (
        1,
        "",
        f"error: cannot reach {url}/: EndpointConnectionError (network: check the connection, DNS and proxy, or the "
        "endpoint given by --endpoint-url or AWS_ENDPOINT_URL)\n",
    )
    assert not (project / "facts").exists()


def test_boto3_reads_the_endpoint_from_aws_endpoint_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS SDKs and Tools reference guide, "Service-specific endpoints": `AWS_ENDPOINT_URL`, "when
    specified ... as an environment variable, this setting specifies the endpoint that is used for all
    service requests" (boto3 honours it where the caller gives no endpoint_url)."""
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    code, _, err = run(make_project(tmp_path, {"prod": STACK}), capsys)
    assert (code, err.startswith(f"error: cannot reach {url}/: EndpointConnectionError")) == (1, True)


def test_a_denied_call_is_exit_1_with_a_permission_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sts = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client("sts", region_name=REGION)
    stubber = Stubber(sts)
    denied = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:GetCallerIdentity"
    stubber.add_client_error("get_caller_identity", "AccessDenied", denied, 403)
    stubber.activate()

    def wrap(service: str, client: Any) -> Any:
        return sts if service == "sts" else client

    put_moto_behind_the_command(monkeypatch, wrap=wrap, prices={})
    project = make_project(tmp_path, {"prod": STACK})
    # Nothing else answers there: any other call would fail otherwise.
    assert run(project, capsys, "--endpoint-url", f"http://127.0.0.1:{closed_port()}") == (
        1,
        "",
        f"error: GetCallerIdentity: AccessDenied: {denied} " + PERMISSION.format(op="GetCallerIdentity") + "\n",
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("--endpoint-url", "127.0.0.1:5000"),
            "error: --endpoint-url: '127.0.0.1:5000' is not an http:// or https:// URL\n",
        ),
        (("--profile", "nobody"), "error: --profile: the AWS config files have no profile 'nobody'\n"),
    ],
)
def test_a_bad_option_is_exit_2_naming_it(
    extra: tuple[str, ...], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(make_project(tmp_path, {"prod": STACK}), capsys, *extra) == (2, "", message)


def test_a_stack_file_that_is_not_there_is_exit_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path)
    assert run(project, capsys) == (2, "", f"error: no stack file Pulumi.prod.yaml in {project}\n")


def test_a_bad_key_is_exit_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, {"prod": {**STACK, "karpenter:interruption": "maybe"}})
    assert run(project, capsys) == (2, "", "error: karpenter:interruption: 'maybe' is not one of true, false\n")


def test_a_folder_to_write_to_is_refused_before_aws_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, {"prod": STACK})
    assert run(project, capsys, "--out", str(tmp_path), "--endpoint-url", "http://127.0.0.1:1") == (
        2,
        "",
        f"error: --out: {tmp_path} is a folder; name the facts file to write, e.g. {tmp_path / 'facts.yaml'}\n",
    )


def test_a_stack_without_a_region_is_exit_2_naming_the_key_and_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"prod": {"karpenter:clusterName": "dev"}})
    assert run(project, capsys) == (
        2,
        "",
        "error: aws:region: Pulumi.prod.yaml sets no region; set aws:region, or pass --region\n",
    )
