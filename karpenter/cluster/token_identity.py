"""Who the Kubernetes side signs in as: the identity the stack's AWS provider deploys as, said in
the options `aws eks get-token` takes, from the stack's `aws:` settings. Imports config only.

The Kubernetes provider and the aws-auth writer run `aws eks get-token` from their kubeconfig. Left
bare, it mints the token with the AWS CLI's default credentials, which need not be those pulumi-aws
uses with `aws:profile` or `aws:assumeRoles`: IAM would be made as one identity and the Helm releases
as another, or as none (Unauthorized halfway through `pulumi up`). pulumi-eks carries the profile
and the role into its kubeconfig for the same reason (`KubeconfigOptions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from karpenter.cluster.kubeconfig import kubeconfig
from karpenter.config.errors import ConfigError

# The `aws:` settings that decide pulumi-aws's identity, read as pulumi-aws reads them.
IDENTITY_SETTINGS = (
    "profile",
    "assumeRoles",
    "accessKey",
    "secretKey",
    "token",
    "assumeRoleWithWebIdentity",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
)
# Keys in the stack config would reach the token command only written into the kubeconfig, which
# the state keeps in the Kubernetes provider's and the aws-auth entry's inputs.
_STATIC_KEYS = ("accessKey", "secretKey", "token")
# Session details `aws eks get-token` does not send: only a trust policy that requires them refuses
# the role to it.
_SESSION_DETAILS = ("sourceIdentity", "tags", "transitiveTagKeys")


@dataclass(frozen=True)
class TokenIdentity:
    """The AWS CLI profile and the role `aws eks get-token` mints the cluster token as; None for
    either: the CLI's default credentials."""

    profile: pulumi.Input[str] | None = None
    role_arn: str | None = None
    # What of the `aws:` settings the token cannot carry and what that may do, one
    # `WARNING: aws:<key>: ...` line each.
    warnings: tuple[str, ...] = ()

    def kubeconfig_json(
        self,
        cluster_name: pulumi.Input[str],
        region: str,
        endpoint: pulumi.Input[str],
        certificate_authority: pulumi.Input[str],
    ) -> pulumi.Input[str]:
        """The cluster's kubeconfig as JSON text, signing in as this identity: plain text when every
        part is known now, else an Output."""
        parts = (cluster_name, endpoint, certificate_authority, self.profile)
        if all(part is None or isinstance(part, str) for part in parts):
            return self._text(region, *parts)  # type: ignore[arg-type]
        return pulumi.Output.all(*parts).apply(lambda known: self._text(region, *known))

    def _text(
        self, region: str, cluster_name: str, endpoint: str, certificate_authority: str, profile: str | None
    ) -> str:
        document = kubeconfig(
            cluster_name, region, endpoint, certificate_authority, profile=profile, role_arn=self.role_arn
        )
        return json.dumps(document)


def token_identity(settings: Mapping[str, str | None]) -> TokenIdentity:
    """The identity pulumi-aws uses, from its `aws:` settings as the program reads them (text, a
    structured value as JSON text; keys without the `aws:` prefix), as `aws eks get-token` options.
    What the command cannot express and would sign in as another identity is refused naming the key;
    what it drops and only a trust policy could miss is warned about."""
    given = {key: value for key, value in settings.items() if value not in (None, "")}
    for key in _STATIC_KEYS:
        if key in given:
            raise ConfigError(
                f"aws:{key}: keys in the stack config cannot reach `aws eks get-token`, which signs the Kubernetes "
                "side in, without being written into its kubeconfig and so into the state; put them in an AWS CLI "
                "profile and set aws:profile, or give them to `pulumi up` in AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
            )
    if "assumeRoleWithWebIdentity" in given:
        raise ConfigError(
            "aws:assumeRoleWithWebIdentity: `aws eks get-token`, which signs the Kubernetes side in, cannot take a "
            "web identity; set aws:profile to an AWS CLI profile with role_arn and web_identity_token_file instead, "
            "or give `pulumi up` AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE"
        )
    warnings = [
        f"WARNING: aws:{key}: not carried into the Kubernetes side: `aws eks get-token` reads the AWS CLI's own "
        "files (~/.aws, or those AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name); point those at the same "
        "files when running pulumi"
        for key in ("sharedConfigFiles", "sharedCredentialsFiles")
        if key in given
    ]
    role_arn = None
    if "assumeRoles" in given:
        role_arn, dropped = _one_role(str(given["assumeRoles"]))
        warnings += dropped
    return TokenIdentity(profile=given.get("profile"), role_arn=role_arn, warnings=tuple(warnings))


def _one_role(text: str) -> tuple[str | None, list[str]]:
    try:
        roles: Any = json.loads(text)
    except json.JSONDecodeError:
        roles = None
    if not isinstance(roles, list) or not all(isinstance(role, dict) for role in roles):
        raise ConfigError("aws:assumeRoles: a list of roles to assume, each with roleArn")
    if not roles:
        return None, []
    if len(roles) > 1:
        raise ConfigError(
            f"aws:assumeRoles: {len(roles)} roles, assumed one after another; `aws eks get-token`, which signs the "
            "Kubernetes side in, assumes one role (--role-arn), so it would sign in as another identity; chain the "
            "roles in AWS CLI profiles (role_arn with source_profile) and set aws:profile to the last one instead"
        )
    (role,) = roles
    if role.get("externalId"):
        raise ConfigError(
            "aws:assumeRoles[0].externalId: `aws eks get-token`, which signs the Kubernetes side in, cannot send an "
            "external id, and a role that asks for one refuses to be assumed without it; put role_arn and "
            "external_id in an AWS CLI profile and set aws:profile to it instead of aws:assumeRoles"
        )
    warnings = [
        f"WARNING: aws:assumeRoles[0].{key}: not carried into the Kubernetes side: `aws eks get-token` assumes the "
        "role without it, which a trust policy that requires it refuses"
        for key in _SESSION_DETAILS
        if role.get(key)
    ]
    return role.get("roleArn") or None, warnings


def provider_token_identity(provider: pulumi.ProviderResource) -> TokenIdentity:
    """The identity of a caller's own aws provider, as far as it shows it: a `pulumi_aws.Provider`
    gives back its `profile` (an output), but not the roles it assumes, which the caller must put
    in that profile instead (see the README)."""
    return TokenIdentity(profile=provider.profile if isinstance(provider, aws.Provider) else None)


def stack_token_identity() -> TokenIdentity:
    """The identity of the stack's default AWS provider, from the stack's `aws:` settings."""
    config = pulumi.Config("aws")
    return token_identity({key: config.get(key) for key in IDENTITY_SETTINGS})
