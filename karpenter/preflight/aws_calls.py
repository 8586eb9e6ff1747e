"""Calling AWS read-only with boto3: clients for the stack's region, and a failed call kept as
`Unread` (or None, where AWS says the thing does not exist) instead of raised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from karpenter.preflight.observations import Unread

# A boto3 client by service name, for the stack's region.
Clients = Callable[[str], Any]
T = TypeVar("T")
NOT_FOUND = (
    "NoSuchEntity",
    "ResourceNotFoundException",
    "NoSuchResourceException",
    "InvalidSubnetID.NotFound",
    "InvalidVpcID.NotFound",
    "InvalidGroup.NotFound",
    "InvalidAMIID.NotFound",
    "InvalidAMIID.Unavailable",
    "InvalidCapacityReservationId.NotFound",
    "InvalidPlacementGroup.Unknown",
    "InvalidAMIID.Malformed",
    # KMS: no key or alias of that name.
    "NotFoundException",
)


def pricing_region(region: str) -> str:
    """Where the Price List API answers for `region`'s partition (it has no endpoint in most regions)."""
    return "cn-northwest-1" if region.startswith("cn-") else "us-east-1"


def session_clients(region: str, profile: str | None = None, endpoint_url: str | None = None) -> Clients:
    """Clients of the default credential chain (or a named profile) in the stack's region, the Price
    List API's in its own. With `endpoint_url` every client calls it; without, boto3 reads
    AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) from the environment or the profile."""
    import boto3

    session = boto3.Session(profile_name=profile, region_name=region)
    return lambda service: session.client(
        service, region_name=pricing_region(region) if service == "pricing" else region, endpoint_url=endpoint_url
    )


def _said(exc: ClientError) -> str:
    """What AWS said, on one line: a body that is not AWS's error document (an HTML page from a proxy or
    a load balancer) is named by its HTTP status, never quoted."""
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "Error")), str(error.get("Message", "")).strip()
    if message.startswith("<") or code.startswith("<"):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"HTTP {status}, not an AWS error document" if status else "an answer that is not an AWS error document"
    lines = message.splitlines()
    return f"{code}: {lines[0] if lines else ''}".rstrip(": ")


def as_unread(exc: Exception) -> Unread:
    """A failed call as `Unread`: what AWS said, and the hint for its cause unless the cause is a
    permission (the check names the permission it needs)."""
    said, cause, hint = diagnosis(exc)
    if isinstance(exc, ClientError):
        said = _said(exc)
    return Unread(said, f"{cause}: {hint}" if cause in ("network", "throttling", "server error", "credentials") else "")


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def attempt(read: Callable[[], T], *, missing: T | None = None) -> T | None | Unread:
    """`read()`, or `missing` when AWS says the thing does not exist, or why it could not be read."""
    try:
        return read()
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND:
            return missing
        return as_unread(exc)
    except (BotoCoreError, ResponseParserError) as exc:
        return as_unread(exc)


def found_or_none(read: Callable[[], T]) -> T | None:
    """`read()`, or None when AWS says the thing does not exist; other errors propagate."""
    try:
        return read()
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND:
            return None
        raise


THROTTLED = (
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "TooManyRequestsException",
    "SlowDown",
)
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError")
BAD_CREDENTIALS = (
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "AuthFailure",
)


def failure_line(exc: Exception) -> str:
    """A failed call as one line, what AWS said then a hint by cause: the network or DNS, throttling,
    a server error, a permission or the credentials."""
    said, cause, hint = diagnosis(exc)
    if not cause:
        return said
    return f"{said} ({cause}: {hint})" if cause != "sdk" else f"{said} ({hint})"


def diagnosis(exc: Exception) -> tuple[str, str, str]:
    """A failed call's (what was said, its cause, what to do): the one place a failure is classified,
    for facts and doctor. The cause is empty when it is none of those known."""
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError):
        where = exc.kwargs.get("endpoint_url", "AWS")
        return (
            f"cannot reach {where}: {type(exc).__name__}",
            "network",
            "check the connection, DNS and proxy, or the endpoint given by --endpoint-url or AWS_ENDPOINT_URL",
        )
    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials found",
            "credentials",
            "pass --profile, set AWS_PROFILE, or log in with aws sso login",
        )
    if not isinstance(exc, ClientError):
        return str(exc).splitlines()[0], "sdk", "the AWS SDK failed before AWS answered"
    code = error_code(exc)
    said = f"{exc.operation_name}: {_said(exc)}"
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in THROTTLED or status == 429:
        return said, "throttling", "AWS limits the rate of these calls; wait a minute and run again"
    if code in DENIED:
        return (
            said,
            "permission",
            f"the identity you run as may not call {exc.operation_name}; facts only reads, "
            "so grant it read-only access or pass --profile for one that has it",
        )
    if code in BAD_CREDENTIALS:
        return said, "credentials", "they are invalid or expired; renew them, or pass --profile"
    if status >= 500 or code in ("InternalError", "InternalFailure", "ServiceUnavailable", "InternalServerError"):
        return said, "server error", "AWS failed to answer; run again later"
    return said, "", ""
