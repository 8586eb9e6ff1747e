"""What exists of the stack's IAM names in the account, read through data sources (which run in
`pulumi preview` too), so that names held by a hand-made install are refused or adopted before
anything is created."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pulumi
import pulumi_aws as aws

from karpenter.cluster.adoption import ExistingIam, ExistingInstanceProfile, ExistingRole
from karpenter.cluster.answers import answered
from karpenter.cluster.aws_provider import lookup_options
from karpenter.vocabulary import aws_names

T = TypeVar("T")
# How the provider says a role or instance profile is not there.
_NOT_FOUND = ("NoSuchEntity", "couldn't find resource", "not found")


def _found(lookup: Callable[[], T], what: str) -> T | None:
    """The lookup's result, or None when the object does not exist. Any other failure (a denied
    iam:GetRole, say) is raised: guessing "absent" would end in EntityAlreadyExists halfway through."""
    try:
        return lookup()
    except Exception as exc:  # noqa: BLE001 - the engine reports a failed lookup as a bare Exception
        if any(marker in str(exc) for marker in _NOT_FOUND):
            return None
        raise pulumi.RunError(f"{what} cannot be read, so the stack cannot tell whether it exists: {exc}") from None


def _role(name: str, invoke: pulumi.InvokeOptions) -> ExistingRole | None:
    role = _found(lambda: aws.iam.get_role(name=name, opts=invoke), f"IAM role {name}")
    if role is None:
        return None
    answered("aws:iam/getRole:getRole", role, "arn", about=name)
    attached = aws.iam.get_role_policy_attachments(role_name=name, opts=invoke).attached_policies or []
    inline = aws.iam.get_role_policies(role_name=name, opts=invoke).policy_names or []
    return ExistingRole(
        name=name,
        path=role.path or "/",
        description=role.description or "",
        attached_policy_arns=tuple(sorted(p.policy_arn for p in attached)),
        inline_policy_names=tuple(sorted(inline)),
        tags=dict(role.tags or {}),
        trust_policy=role.assume_role_policy or "",
    )


def lookup_controller_role(cluster_name: str, provider: pulumi.ProviderResource | None = None) -> ExistingRole | None:
    """The controller role under the stack's name, where it exists, read by `provider` (None: the
    default one): once the stack has run, it names the namespace Karpenter was installed in."""
    return _role(aws_names.controller_role_name(cluster_name), lookup_options(provider))


def lookup_existing_iam(cluster_name: str, provider: pulumi.ProviderResource | None = None) -> ExistingIam:
    """The node role, instance profile and controller role under the stack's names, where they exist,
    read by `provider` (None: the default one)."""
    invoke = lookup_options(provider)
    profile_name = aws_names.instance_profile_name(cluster_name)
    profile = _found(
        lambda: aws.iam.get_instance_profile(name=profile_name, opts=invoke), f"instance profile {profile_name}"
    )
    if profile is not None:
        answered("aws:iam/getInstanceProfile:getInstanceProfile", profile, "arn", about=profile_name)
    return ExistingIam(
        node_role=_role(aws_names.node_role_name(cluster_name), invoke),
        instance_profile=ExistingInstanceProfile(
            name=profile_name, path=profile.path or "/", role_name=profile.role_name or None
        )
        if profile
        else None,
        controller_role=_role(aws_names.controller_role_name(cluster_name), invoke),
    )
