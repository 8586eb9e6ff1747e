"""EC2 vCPU quotas Karpenter's launches count against, by instance class and capacity type, with
their Service Quotas codes (service code `ec2`), and which instance categories fall in which class."""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_CODE = "ec2"


@dataclass(frozen=True)
class Quota:
    code: str
    name: str
    instance_class: str
    capacity_type: str


QUOTAS = (
    Quota("L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", "standard", "on-demand"),
    Quota("L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests", "standard", "spot"),
    Quota("L-DB2E81BA", "Running On-Demand G and VT instances", "g-and-vt", "on-demand"),
    Quota("L-3819A6DF", "All G and VT Spot Instance Requests", "g-and-vt", "spot"),
    Quota("L-417A185B", "Running On-Demand P instances", "p", "on-demand"),
    Quota("L-7212CCBC", "All P Spot Instance Requests", "p", "spot"),
)
# The first letter of a standard category (m7i is m, im4gn is im: both I or M, both standard).
_STANDARD_LETTERS = frozenset("acdhimrtz")
_CLASS_BY_CATEGORY = {"g": "g-and-vt", "gr": "g-and-vt", "vt": "g-and-vt", "p": "p"}


def instance_class(category: str) -> str | None:
    """The quota class of an instance category; None for one with a quota of its own (x, u, f,
    inf, trn, dl, mac...) that this table does not cover."""
    if category in _CLASS_BY_CATEGORY:
        return _CLASS_BY_CATEGORY[category]
    if category[:1] in _STANDARD_LETTERS and category not in ("inf", "dl", "mac", "hpc", "trn"):
        return "standard"
    return None


def quota_for(instance_class_: str, capacity_type: str) -> Quota | None:
    for quota in QUOTAS:
        if quota.instance_class == instance_class_ and quota.capacity_type == capacity_type:
            return quota
    return None
