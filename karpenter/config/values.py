"""Value types of the config: names, ids, zones, versions, Kubernetes quantities and durations,
and the closed sets (enums). Imports nothing of ours but the shared vocabulary."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from karpenter.config.refusal import refusal
from karpenter.vocabulary.karpenter_chart_keys import SUPPORTED_VERSIONS

NAMESPACE = "karpenter"
DEFAULT_KARPENTER_VERSION = "1.14.1"

_EKS_NAME = r"^[0-9A-Za-z][A-Za-z0-9\-_]*$"
_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# The NodePool CRD's own pattern for consolidateAfter and expireAfter.
_DURATION = re.compile(r"^(([0-9]+(s|m|h))+|Never)$")
_QUANTITY = re.compile(
    r"^(\+)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
AMI_ALIAS = re.compile(r"^(al2023|bottlerocket)@[A-Za-z0-9._-]+$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

ClusterName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_EKS_NAME)]
DnsLabel = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=_DNS_LABEL)]
PoolName = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=_DNS_LABEL)]
SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")]
Zone = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$")]


def _supported_version(value: str) -> str:
    if value not in SUPPORTED_VERSIONS:
        raise refusal(
            "'{v}' is not a version this program supports; supported: {supported}",
            {"v": value, "supported": ", ".join(SUPPORTED_VERSIONS)},
        )
    return value


KarpenterVersion = Annotated[
    str,
    StringConstraints(pattern=r"^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"),
    AfterValidator(_supported_version),
]


def _quantity(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise refusal("expected a Kubernetes quantity such as 100, 500m or 64Gi")
    text = str(value)
    if not _QUANTITY.match(text):
        raise refusal(
            "'{value}' is not a Kubernetes quantity ≥ 0 such as 100, 500m or 64Gi",
            {"value": value},
        )
    return text


def _duration(value: str) -> str:
    if not _DURATION.match(value):
        raise refusal("'{value}' is not a duration such as 30s, 5m or 720h, or Never", {"value": value})
    return value


Quantity = Annotated[str, BeforeValidator(_quantity)]

_QUANTITY_SUFFIXES = {
    **{suffix: Decimal(1024) ** power for power, suffix in enumerate(("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    **{suffix: Decimal(10) ** power for suffix, power in (("n", -9), ("u", -6), ("m", -3), ("k", 3), ("M", 6))},
    **{suffix: Decimal(10) ** power for suffix, power in (("G", 9), ("T", 12), ("P", 15), ("E", 18))},
}


def quantity_value(text: str) -> Decimal:
    """The number a valid Kubernetes quantity stands for, so two can be compared: 500m < 1, 1Gi > 1G."""
    number = re.match(r"^\+?([0-9.]+([eE][-+]?[0-9.]+)?)", text)
    assert number is not None, text
    suffix = text[number.end() :]
    return Decimal(number.group(1)) * _QUANTITY_SUFFIXES[suffix]


Duration = Annotated[str, AfterValidator(_duration)]


class Identity(StrEnum):
    """How the Karpenter controller gets AWS credentials."""

    IRSA = "irsa"
    POD_IDENTITY = "pod-identity"


class NodeAccess(StrEnum):
    """How nodes Karpenter launches are let into the cluster."""

    AUTO = "auto"
    ACCESS_ENTRY = "access-entry"
    AWS_AUTH = "aws-auth"


class CapacityType(StrEnum):
    SPOT = "spot"
    ON_DEMAND = "on-demand"
    RESERVED = "reserved"


class Architecture(StrEnum):
    AMD64 = "amd64"
    ARM64 = "arm64"


class TaintEffect(StrEnum):
    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class ConsolidationPolicy(StrEnum):
    WHEN_EMPTY = "WhenEmpty"
    WHEN_EMPTY_OR_UNDERUTILIZED = "WhenEmptyOrUnderutilized"
    # New in Karpenter 1.14, whose NodePool CRD lists it beside the other two.
    BALANCED = "Balanced"


class SpotServiceLinkedRole(StrEnum):
    """What the stack does about the account-wide EC2 Spot service-linked role."""

    ENSURE = "ensure"
    SKIP = "skip"


# How a pattern mismatch reads: what the value should have been.
PATTERN_HINTS = {
    _EKS_NAME: "is not an EKS cluster name (letters, digits, - and _, starting with a letter or digit)",
    _DNS_LABEL: "is not a DNS label (lower-case letters, digits and -, at most 63)",
    r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$": "is not a subnet id like subnet-0123456789abcdef0",
    r"^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$": "is not an availability zone like eu-west-1a",
    r"^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$": "is not a Karpenter 1.x version like 1.14.1",
}
