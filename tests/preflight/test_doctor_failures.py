"""Doctor when a read fails: a hint by the cause (the network or DNS, throttling, a server error, a
permission), one line whatever the body was, and the checks that needed the failed reading SKIPPED
rather than passed on no data. The account is moto's; the failing service a Stubber, a client that
raises as AWS answers, or a local server answering 500 with an HTML page."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from karpenter.offline.cli import main
from karpenter.preflight import report
from karpenter.preflight.verdicts import Status, Verdict
from karpenter.vocabulary.ec2_quotas import QUOTAS
from tests.conftest import make_project
from tests.preflight.aws_seed import Clients, Seeded
from tests.preflight.conftest import NO_RETRIES, RUNBOOK_QUOTAS, moto_clients, session
from tests.preflight.doctor_runs import doctor
from tests.preflight.test_doctor_account_changes import failing
from tests.preflight.test_doctor_command import RUNBOOK_STACK
from tests.preflight.test_facts_prices import closed_port

QUOTA = QUOTAS[0]


def lines(verdicts: list[Verdict], check: str) -> list[str]:
    """The lines doctor prints for `check` (the summary, and the action under it)."""
    text = report.as_text("header", [v for v in verdicts if v.check == check])
    return text.splitlines()[1:-2]


def with_quotas(endpoint: str, quotas: Any) -> Clients:
    clients = moto_clients(endpoint, RUNBOOK_QUOTAS)
    return lambda service: quotas if service == "service-quotas" else clients(service)


def quota_errors(code: str, status: int) -> Any:
    """Service Quotas answering every GetServiceQuota doctor makes with the error `code`."""
    client = session().client("service-quotas", region_name="eu-west-1")
    stubber = Stubber(client)
    for quota in QUOTAS:
        stubber.add_client_error(
            "get_service_quota",
            code,
            "said AWS",
            status,
            expected_params={"ServiceCode": "ec2", "QuotaCode": quota.code},
        )
    stubber.activate()
    return client


def test_a_throttled_read_says_to_wait_and_run_again(runbook_account: tuple[str, Seeded]) -> None:
    endpoint, _ = runbook_account
    _, verdicts = doctor(with_quotas(endpoint, quota_errors("ThrottlingException", 400)))
    assert lines(verdicts, "ec2-quotas")[:2] == [
        f"WARN  ec2-quotas              {QUOTA.code} ({QUOTA.name}) cannot be read: ThrottlingException: said AWS",
        "                              -> throttling: AWS limits the rate of these calls; wait a minute and run again",
    ]


def test_a_denied_read_names_the_permission_to_allow(runbook_account: tuple[str, Seeded]) -> None:
    endpoint, _ = runbook_account
    _, verdicts = doctor(with_quotas(endpoint, quota_errors("AccessDeniedException", 403)))
    assert lines(verdicts, "ec2-quotas")[:2] == [
        f"WARN  ec2-quotas              {QUOTA.code} ({QUOTA.name}) cannot be read: AccessDeniedException: said AWS",
        "                              -> allow servicequotas:GetServiceQuota to check it",
    ]


class HtmlError(http.server.BaseHTTPRequestHandler):
    """A load balancer's 500: an HTML page, not an AWS error document."""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<html>\n<head><title>500 Internal Server Error</title></head>\n<body><h1>oops</h1></body>\n</html>\n"
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def html_500() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HtmlError)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_error_is_one_line_with_a_run_again_hint_never_the_page(
    runbook_account: tuple[str, Seeded], html_500: str
) -> None:
    endpoint, _ = runbook_account
    quotas = session().client("service-quotas", region_name="eu-west-1", endpoint_url=html_500, config=NO_RETRIES)
    _, verdicts = doctor(with_quotas(endpoint, quotas))
    printed = lines(verdicts, "ec2-quotas")
    assert printed[:2] == [
        f"WARN  ec2-quotas              {QUOTA.code} ({QUOTA.name}) cannot be read: 500: Internal Server Error",
        "                              -> server error: AWS failed to answer; run again later",
    ]
    assert not any("<" in line for line in printed)


def test_checks_of_the_node_subnets_are_skipped_when_the_subnets_cannot_be_read(
    runbook_account: tuple[str, Seeded],
) -> None:
    endpoint, _ = runbook_account
    denied = failing(moto_clients(endpoint, RUNBOOK_QUOTAS), "ec2", "describe_subnets", "UnauthorizedOperation", "no")
    _, verdicts = doctor(denied)
    printed = [
        line
        for check in ("node-subnets", "subnet-discovery", "free-ips", "pool-zones")
        for line in lines(verdicts, check)
    ]
    assert printed == [
        "WARN  node-subnets            the subnets cannot be read: UnauthorizedOperation: no",
        "                              -> allow ec2:DescribeSubnets and ec2:DescribeRouteTables",
        "SKIP  subnet-discovery        the node subnets could not be read (see node-subnets)",
        "SKIP  free-ips                the node subnets could not be read (see node-subnets)",
        "SKIP  pool-zones              the node subnets could not be read (see node-subnets)",
    ]


def test_free_ips_is_skipped_not_passed_when_no_node_subnet_was_found(runbook_account: tuple[str, Seeded]) -> None:
    endpoint, _ = runbook_account
    _, verdicts = doctor(moto_clients(endpoint, RUNBOOK_QUOTAS), subnetIds=["subnet-0123456789abcdef0"])
    assert lines(verdicts, "free-ips") == ["SKIP  free-ips                no node subnet was found (see node-subnets)"]
    assert [v.status for v in verdicts if v.check == "node-subnets"] == [Status.FAIL]


def test_skips_are_counted_apart_and_do_not_fail_the_run() -> None:
    from karpenter.preflight.verdicts import passed, skipped

    text = report.as_text("header", [passed("a", "fine"), skipped("b", "a reading failed")])
    assert text.splitlines()[-1] == "0 FAIL, 0 WARN, 1 PASS, 1 SKIP"


def test_an_endpoint_nothing_answers_at_fails_credentials_with_a_network_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], environment_credentials: None
) -> None:
    project = make_project(tmp_path, {"prod": RUNBOOK_STACK})
    url = f"http://127.0.0.1:{closed_port()}"
    code = main(["doctor", "--stack", "prod", "--project-dir", str(project), "--endpoint-url", url])
    assert (code, capsys.readouterr().out.splitlines()[1:3]) == (
        1,
        [
            f"FAIL  credentials             cannot ask AWS who you are: cannot reach {url}/: EndpointConnectionError",
            "                              -> network: check the connection, DNS and proxy, or the endpoint given by "
            "--endpoint-url or AWS_ENDPOINT_URL",
        ],
    )


def test_an_endpoint_on_a_host_with_no_address_fails_credentials_with_a_network_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], environment_credentials: None
) -> None:
    """`.invalid` never resolves (RFC 2606, section 2), so this is a DNS failure on every machine."""
    project = make_project(tmp_path, {"prod": RUNBOOK_STACK})
    url = "http://aws.invalid"
    code = main(["doctor", "--stack", "prod", "--project-dir", str(project), "--endpoint-url", url])
    assert (code, capsys.readouterr().out.splitlines()[2]) == (
        1,
        "                              -> network: check the connection, DNS and proxy, or the endpoint given by "
        "--endpoint-url or AWS_ENDPOINT_URL",
    )


def test_an_endpoint_url_that_is_not_http_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, {"prod": RUNBOOK_STACK})
    code = main(["doctor", "--stack", "prod", "--project-dir", str(project), "--endpoint-url", "localhost:5000"])
    assert (code, capsys.readouterr().err) == (
        2,
        "error: --endpoint-url: 'localhost:5000' is not an http:// or https:// URL\n",
    )


def test_an_html_page_as_the_error_message_is_named_by_its_status_never_quoted() -> None:
    """A proxy in front of AWS can answer with a page botocore takes as the error's message."""
    from botocore.exceptions import ClientError

    from karpenter.preflight.aws_calls import as_unread, failure_line

    page = {
        "Error": {"Code": "502", "Message": "<html>\n<body>Bad Gateway</body>\n</html>"},
        "ResponseMetadata": {"HTTPStatusCode": 502},
    }
    error = ClientError(page, "GetServiceQuota")  # type: ignore[arg-type]
    assert as_unread(error).reason == "HTTP 502, not an AWS error document"
    assert failure_line(error) == (
        "GetServiceQuota: HTTP 502, not an AWS error document (server error: AWS failed to answer; run again later)"
    )


def unreachable_cluster(error: Exception) -> list[str]:
    from karpenter.preflight import cluster_checks
    from karpenter.preflight.doctor import read_kube
    from karpenter.preflight.observations import EksCluster, Unread

    def factory(cluster: EksCluster) -> Any:
        raise error

    unread = read_kube(EksCluster("dev", "ACTIVE", "1.33"), factory)
    assert isinstance(unread, Unread)
    return lines([cluster_checks.unreachable(unread)], "cluster-api")


def test_a_cluster_api_with_no_address_is_a_network_hint_not_an_access_one() -> None:
    from urllib3.exceptions import NameResolutionError

    error = NameResolutionError("x.gr7.eu-west-1.eks.amazonaws.com", None, OSError("Name or service not known"))  # type: ignore[arg-type]
    printed = unreachable_cluster(error)
    assert printed[1] == (
        "                              -> network: the cluster's API cannot be reached from here (DNS, a private "
        "endpoint, a proxy); run doctor where it can be, or pass --skip-cluster"
    )


def test_a_cluster_api_that_forbids_is_an_access_hint() -> None:
    from kubernetes.client.exceptions import ApiException

    assert unreachable_cluster(ApiException(status=403, reason="Forbidden")) == [
        "WARN  cluster-api             the cluster's API cannot be read, so the Kubernetes checks did not run: "
        "403 Forbidden",
        "                              -> give your identity read access to the cluster (access entry or aws-auth), "
        "then run doctor again",
    ]


def test_a_cluster_api_answering_503_is_a_server_error_hint() -> None:
    from kubernetes.client.exceptions import ApiException

    assert unreachable_cluster(ApiException(status=503, reason="Service Unavailable"))[1] == (
        "                              -> server error: the cluster's API failed to answer; run again later"
    )
