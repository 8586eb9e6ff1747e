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


def _error(exc: Exception) -> Unread:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return Unread(f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": "))
    # A parser error quotes the whole response; its first line says enough.
    return Unread(str(exc).splitlines()[0])


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def attempt(read: Callable[[], T], *, missing: T | None = None) -> T | None | Unread:
    """`read()`, or `missing` when AWS says the thing does not exist, or why it could not be read."""
    try:
        return read()
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND:
            return missing
        return _error(exc)
    except (BotoCoreError, ResponseParserError) as exc:
        return _error(exc)


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
            f"cannot reach {where}: {type(exc).__name__} (network: check the connection, DNS and proxy, "
            "or the endpoint given by --endpoint-url or AWS_ENDPOINT_URL)"
        )
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found (credentials: pass --profile, set AWS_PROFILE, or log in with aws sso login)"
    if not isinstance(exc, ClientError):
        return f"{str(exc).splitlines()[0]} (the AWS SDK failed before AWS answered)"
    code = error_code(exc)
    said = f"{exc.operation_name}: {_error(exc).reason.splitlines()[0]}"
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in THROTTLED or status == 429:
        return f"{said} (throttling: AWS limits the rate of these calls; wait a minute and run again)"
    if code in DENIED:
        return (
            f"{said} (permission: the identity you run as may not call {exc.operation_name}; facts only reads, "
            "so grant it read-only access or pass --profile for one that has it)"
        )
    if code in BAD_CREDENTIALS:
        return f"{said} (credentials: they are invalid or expired; renew them, or pass --profile)"
    if status >= 500 or code in ("InternalError", "InternalFailure", "ServiceUnavailable", "InternalServerError"):
        return f"{said} (server error: AWS failed to answer; run again later)"
    return said
