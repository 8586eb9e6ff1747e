"""Adoption: what of the stack's IAM already exists under its names, whether this stack made it, and
what `karpenter:adopt` takes over by import. Plain data and rules; the lookups are elsewhere.

The v0.x runbook creates the node role, the instance profile and the controller role under the very
names the stack uses. A role this stack made carries the stack's description; one without it was made
by hand, and creating it again fails with EntityAlreadyExists halfway through `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from karpenter.config.errors import ConfigError
from karpenter.vocabulary import aws_names

ADOPT_KEY = "karpenter:adopt"
# The stack's roles and instance profile live at the root path: the ARNs it writes into policies,
# access entries and node classes assume it, and a path cannot change without replacing the role.
ROOT_PATH = "/"


@dataclass(frozen=True)
class ExistingRole:
    name: str
    path: str = ROOT_PATH
    description: str = ""
    attached_policy_arns: tuple[str, ...] = ()
    inline_policy_names: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    # The trust (assume role) policy, as JSON text; empty when not read.
    trust_policy: str = ""


@dataclass(frozen=True)
class ExistingInstanceProfile:
    name: str
    path: str = ROOT_PATH
    role_name: str | None = None


@dataclass(frozen=True)
class ExistingIam:
    """The stack's IAM names as the account has them; None where nothing exists."""

    node_role: ExistingRole | None = None
    instance_profile: ExistingInstanceProfile | None = None
    controller_role: ExistingRole | None = None


@dataclass(frozen=True)
class Adoption:
    """What the stack imports (resource import ids) and keeps. Empty without `adopt`."""

    active: bool = False
    node_role: str | None = None
    instance_profile: str | None = None
    # Node role policy attachments that exist, by policy ARN: the import id `role/policy-arn`.
    node_attachments: Mapping[str, str] = field(default_factory=dict)
    controller_role: str | None = None


def node_role_made_by_stack(existing: ExistingIam, cluster_name: str) -> bool:
    role = existing.node_role
    return role is not None and role.description == aws_names.node_role_description(cluster_name)


def controller_role_made_by_stack(existing: ExistingIam, cluster_name: str) -> bool:
    role = existing.controller_role
    return role is not None and role.description == aws_names.controller_role_description(cluster_name)


def foreign_resources(existing: ExistingIam, cluster_name: str) -> list[str]:
    """The stack's IAM names that exist but were not made by this stack, as `IAM role <name>` and
    `instance profile <name>`. The instance profile counts as the stack's when its node role does."""
    found = []
    if existing.node_role and not node_role_made_by_stack(existing, cluster_name):
        found.append(f"IAM role {existing.node_role.name}")
    if existing.instance_profile and not node_role_made_by_stack(existing, cluster_name):
        found.append(f"instance profile {existing.instance_profile.name}")
    if existing.controller_role and not controller_role_made_by_stack(existing, cluster_name):
        found.append(f"IAM role {existing.controller_role.name}")
    return found


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def adoption_problem(existing: ExistingIam, cluster_name: str) -> str | None:
    """Why `adopt` cannot take over what exists, or None."""
    for kind, found in (
        ("IAM role", existing.node_role),
        ("instance profile", existing.instance_profile),
        ("IAM role", existing.controller_role),
    ):
        if found is not None and found.path != ROOT_PATH:
            return (
                f"{kind} {found.name} has path {found.path}, and the stack's live at {ROOT_PATH}; a path cannot "
                f"change without replacing it, so adopt cannot take it over: delete it once nothing runs on it"
            )
    profile = existing.instance_profile
    node_role = aws_names.node_role_name(cluster_name)
    if profile is not None and profile.role_name not in (None, node_role):
        return (
            f"instance profile {profile.name} holds role {profile.role_name}, not {node_role}; swapping it would "
            f"take that role's permissions from the nodes running with the profile: move them off it first"
        )
    return None


def plan_adoption(adopt: bool, existing: ExistingIam, cluster_name: str, node_policy_arns: list[str]) -> Adoption:
    """What the stack imports, given what exists. Without `adopt`, names held by something this stack
    did not make are refused, naming the key; with it, whatever exists is imported (a no-op once in the
    stack's state), and the node role's attachments only while the role is still the hand-made one."""
    if not adopt:
        foreign = foreign_resources(existing, cluster_name)
        if foreign:
            verb = "exists" if len(foreign) == 1 else "exist"
            raise ConfigError(
                f"{ADOPT_KEY}: {_listed(foreign)} already {verb}, not made by this stack (the v0.x runbook "
                f"makes them), so creating them would fail with EntityAlreadyExists; set {ADOPT_KEY} to true "
                f"to take them over by import, or delete them"
            )
        return Adoption()
    problem = adoption_problem(existing, cluster_name)
    if problem:
        raise ConfigError(f"{ADOPT_KEY}: {problem}")
    role = existing.node_role
    attachments: dict[str, str] = {}
    if role is not None and not node_role_made_by_stack(existing, cluster_name):
        # Imported only from the hand-made role: the import id (role/arn) differs from the id Pulumi
        # gives an attachment it creates, so importing one the stack made would replace it.
        attachments = {arn: f"{role.name}/{arn}" for arn in node_policy_arns if arn in role.attached_policy_arns}
    return Adoption(
        active=True,
        node_role=role.name if role else None,
        instance_profile=existing.instance_profile.name if existing.instance_profile else None,
        node_attachments=attachments,
        controller_role=existing.controller_role.name if existing.controller_role else None,
    )
