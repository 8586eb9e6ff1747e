"""Kubelet settings of a node class, checked as the EC2NodeClass CRD of Karpenter 1.14.1 checks them
(its schema and CEL rules): reserved resources, eviction thresholds, image garbage collection, DNS."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import Quantity

RESERVABLE = ("cpu", "memory", "ephemeral-storage", "pid")
EVICTION_SIGNALS = (
    "memory.available",
    "nodefs.available",
    "nodefs.inodesFree",
    "imagefs.available",
    "imagefs.inodesFree",
    "pid.available",
)
# A percentage (at most two decimals) or a quantity, as the CRD's pattern has it.
_THRESHOLD = re.compile(
    r"^((\d{1,2}(\.\d{1,2})?|100(\.0{1,2})?)%|(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
    r"(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?)$"
)
# A Go duration, as the kubelet parses evictionSoftGracePeriod: 90s, 1m30s, 1h.
_GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


def _keys_among(allowed: tuple[str, ...]) -> Callable[[dict[str, str]], dict[str, str]]:
    def check(values: dict[str, str]) -> dict[str, str]:
        for key in values:
            if key not in allowed:
                raise refusal(
                    "'{k}' is not one of {allowed}",
                    {"key": key, "k": key, "allowed": ", ".join(allowed)},
                )
        return values

    return check


def _thresholds(values: dict[str, str]) -> dict[str, str]:
    for key, value in values.items():
        if not _THRESHOLD.match(value):
            raise refusal(
                "'{v}' is not a threshold such as 10%, 5.5% or 100Mi",
                {"key": key, "v": value},
            )
    return values


def _grace_periods(values: dict[str, str]) -> dict[str, str]:
    for key, value in values.items():
        if not _GO_DURATION.match(value):
            raise refusal("'{v}' is not a duration such as 30s, 1m30s or 2m", {"key": key, "v": value})
    return values


Reserved = Annotated[dict[str, Quantity], AfterValidator(_keys_among(RESERVABLE))]
Thresholds = Annotated[dict[str, str], AfterValidator(_keys_among(EVICTION_SIGNALS)), AfterValidator(_thresholds)]
GracePeriods = Annotated[dict[str, str], AfterValidator(_keys_among(EVICTION_SIGNALS)), AfterValidator(_grace_periods)]


def _dns_addresses(v: list[str] | None) -> list[str] | None:
    for address in v or []:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise refusal("'{a}' is not an IP address such as 10.100.0.10", {"a": address}) from None
    return v


def _crd_rules(kubelet: Kubelet) -> Kubelet:
    high, low = kubelet.image_gc_high_threshold_percent, kubelet.image_gc_low_threshold_percent
    if high is not None and low is not None and high <= low:
        raise refusal(
            "{low} is not below imageGCHighThresholdPercent {high}; garbage collection frees disk down to the "
            "low threshold once use passes the high one, so lower this or raise the other",
            {"key": "imageGCLowThresholdPercent", "low": low, "high": high},
        )
    soft, grace = kubelet.eviction_soft or {}, kubelet.eviction_soft_grace_period or {}
    for signal in soft:
        if signal not in grace:
            raise refusal(
                "'{s}' has no grace period; add evictionSoftGracePeriod.{s}, such as 1m",
                {"key": f"evictionSoft.{signal}", "s": signal},
            )
    for signal in grace:
        if signal not in soft:
            raise refusal(
                "'{s}' has no soft threshold to wait for; add evictionSoft.{s}, or remove this",
                {"key": f"evictionSoftGracePeriod.{signal}", "s": signal},
            )
    return kubelet


class Kubelet(StrictModel):
    max_pods: int | None = Field(default=None, ge=0, description="Most pods per node.")
    pods_per_core: int | None = Field(
        default=None, ge=0, description="Most pods per CPU core (capped by maxPods; not on Bottlerocket)."
    )
    system_reserved: Reserved | None = Field(
        default=None, description="Resources kept for the OS: cpu, memory, ephemeral-storage, pid."
    )
    kube_reserved: Reserved | None = Field(
        default=None, description="Resources kept for Kubernetes daemons: cpu, memory, ephemeral-storage, pid."
    )
    eviction_hard: Thresholds | None = Field(
        default=None, description="Hard eviction thresholds by signal, such as memory.available: 5%."
    )
    eviction_soft: Thresholds | None = Field(
        default=None, description="Soft eviction thresholds by signal; each needs a grace period."
    )
    eviction_soft_grace_period: GracePeriods | None = Field(
        default=None, description="Grace period of each soft threshold, by the same signals."
    )
    eviction_max_pod_grace_period: int | None = Field(
        default=None, ge=0, description="Most seconds a pod gets to stop when a soft threshold evicts it."
    )
    image_gc_high_threshold_percent: int | None = Field(
        default=None,
        ge=0,
        le=100,
        alias="imageGCHighThresholdPercent",
        description="Disk use (percent) that starts image garbage collection.",
    )
    image_gc_low_threshold_percent: int | None = Field(
        default=None,
        ge=0,
        le=100,
        alias="imageGCLowThresholdPercent",
        description="Disk use (percent) image garbage collection frees down to; below the high threshold.",
    )
    cluster_dns: list[str] | None = Field(
        default=None, alias="clusterDNS", min_length=1, description="IP addresses of the cluster DNS servers."
    )

    _check_cluster_dns = field_validator("cluster_dns")(_dns_addresses)
    _check_crd_rules = model_validator(mode="after")(_crd_rules)
