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
NOT_FOUND = ("NoSuchEntity", "ResourceNotFoundException", "NoSuchResourceException", "InvalidSubnetID.NotFound")


def session_clients(region: str, profile: str | None = None) -> Clients:
    """Clients of the default credential chain (or a named profile) in the stack's region."""
    import boto3

    session = boto3.Session(profile_name=profile, region_name=region)
    return lambda service: session.client(service, region_name=region)


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
