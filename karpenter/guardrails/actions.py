"""IAM action patterns: which actions a statement grants, wildcards and NotAction included."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from karpenter.guardrails.documents import strings

# The only mutating actions that legitimately reach resources Karpenter does not own: launching
# an instance reads an AMI, a subnet, security groups and so on, none of which carries a cluster tag.
LAUNCH_ACTIONS = frozenset({"ec2:runinstances", "ec2:createfleet"})
# Resource types Karpenter launches into but neither creates nor owns.
UNOWNED_EC2_RESOURCE_TYPES = frozenset(
    {"image", "snapshot", "security-group", "subnet", "capacity-reservation", "placement-group"}
)


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    # IAM action names compare case-insensitively; * is any run of characters and ? exactly one.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def _glob_matches(pattern: str, name: str) -> bool:
    return _glob(pattern).fullmatch(name) is not None


@cache
def globs_overlap(first: str, second: str) -> bool:
    """Whether some action name matches both wildcard patterns, e.g. `ec2:*Instances` and `ec2:Run*`."""
    a, b = first.lower(), second.lower()

    @cache
    def overlap(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return overlap(i + 1, j) or (j < len(b) and overlap(i, j + 1))
        if j < len(b) and b[j] == "*":
            return overlap(i, j + 1) or (i < len(a) and overlap(i + 1, j))
        if i == len(a) or j == len(b):
            return False
        return (a[i] == b[j] or "?" in (a[i], b[j])) and overlap(i + 1, j + 1)

    return overlap(0, 0)


def _covers(pattern: str, family: str) -> bool:
    """Whether `pattern` matches every action of `family` (a name, or a name prefix ending in *).
    Errs towards False, which for a NotAction exclusion means counting the action as granted."""
    if not family.endswith("*"):
        return _glob_matches(pattern, family)
    if not pattern.endswith("*"):
        return False
    stem, head = pattern[:-1], family[:-1]
    return any(_glob_matches(stem, head[:end]) for end in range(len(head) + 1))


def granted(statement: Mapping[str, Any], families: tuple[str, ...]) -> list[str]:
    """The Action patterns of a statement that grant some action of `families` (names, or name
    prefixes ending in *). A NotAction statement grants everything it does not exclude, so unless it
    excludes all of them it is reported as itself."""
    if "NotAction" in statement:
        excluded = strings(statement["NotAction"])
        if all(any(_covers(pattern, family) for pattern in excluded) for family in families):
            return []
        return [f"NotAction {excluded}"]
    actions = strings(statement.get("Action"))
    return [pattern for pattern in actions if any(globs_overlap(pattern, family) for family in families)]


def _unowned_ec2_arn(resource: str) -> bool:
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "ec2":
        return False
    return parts[5].split("/", 1)[0] in UNOWNED_EC2_RESOURCE_TYPES


def launches_into_unowned_resources(statement: Mapping[str, Any], mutating: list[str]) -> bool:
    """Upstream's AllowScopedEC2InstanceAccessActions: RunInstances/CreateFleet on AMIs, subnets,
    security groups and the like, which carry no tag a condition could test."""
    if "NotAction" in statement or "NotResource" in statement:
        return False
    resources = strings(statement.get("Resource"))
    return (
        bool(resources)
        and all(_unowned_ec2_arn(resource) for resource in resources)
        and all(action.lower() in LAUNCH_ACTIONS for action in mutating)
    )
