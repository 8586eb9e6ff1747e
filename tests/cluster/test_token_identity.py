"""The Kubernetes side signs in as the AWS side does: the stack's `aws:profile` and `aws:assumeRoles`
are carried into the `aws eks get-token` command of every kubeconfig the stack makes, and what that
command cannot express is refused or warned about.

Sources: the AWS CLI's `aws eks get-token` takes `--cluster-name`, `--role-arn`, and the global
`--profile` and `--region` options (AWS CLI Command Reference, eks get-token); pulumi-aws 7's
`aws:assumeRoles` is a list of `{roleArn, sessionName, externalId, duration, policy, policyArns,
sourceIdentity, tags, transitiveTagKeys}` (pulumi_aws/config/outputs.py, `AssumeRoles`); pulumi-eks
carries the provider's identity into its kubeconfig with `KubeconfigOptions` ("The profile is passed
to kubeconfig as an authentication environment setting. The role is passed to kubeconfig as an
authentication exec argument.", pulumi_eks/_inputs.py, `KubeconfigOptionsArgs`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpenter.cluster.token_identity import TokenIdentity, token_identity
from karpenter.config.errors import ConfigError
from karpenter.offline import monitor, program
from tests.conftest import facts_with, settings_for

ROLE = "arn:aws:iam::123456789012:role/deployer"
VPC = "vpc-0a1b2c3d4e5f6a7b8"
PRIVATE = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]


def _synth(aws: dict[str, str], config: dict[str, Any] | None = None, **facts: Any) -> program.SynthResult:
    """The stack run offline with these `aws:` settings, as the CLI hands them to the program."""
    # A pinned AMI, so that the warnings are those of the aws: settings.
    settings = settings_for({"clusterName": "dev", "amiAlias": "al2023@v20250920", **(config or {})})
    settings.update({f"aws:{key}": value for key, value in aws.items()})
    return program.run_program("test", settings, facts_with(**facts))


def _exec(kubeconfig_text: str) -> dict[str, Any]:
    document = json.loads(kubeconfig_text)
    (user,) = document["users"]
    exec_: dict[str, Any] = user["user"]["exec"]
    return exec_


def _kubeconfigs(result: program.SynthResult) -> dict[str, str]:
    """The kubeconfig of the stack's Kubernetes provider and of the aws-auth entry."""
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    (aws_auth,) = result.of_type("pulumi-python:dynamic:Resource")
    return {"provider": provider.inputs["kubeconfig"], "aws-auth": aws_auth.inputs["kubeconfig"]}


# --- what is carried ---------------------------------------------------------------------------


def test_a_stack_with_aws_profile_signs_the_provider_and_aws_auth_in_with_that_profile() -> None:
    """`aws eks get-token --profile ops`: the AWS CLI ranks a command-line option above credentials
    in the environment, as pulumi-aws ranks `aws:profile` above them."""
    result = _synth({"profile": "ops"}, authentication_mode="CONFIG_MAP")
    for kubeconfig_text in _kubeconfigs(result).values():
        assert _exec(kubeconfig_text)["args"] == [
            "eks",
            "get-token",
            "--cluster-name",
            "dev",
            "--region",
            "eu-west-1",
            "--profile",
            "ops",
        ]


def test_a_stack_assuming_one_role_signs_the_provider_and_aws_auth_in_as_that_role() -> None:
    """`aws:assumeRoles` with one role becomes `aws eks get-token --role-arn`; its session name and
    duration are dropped without a warning (the cluster maps the role, not the session; the token
    lives 15 minutes whatever the session's duration), and so are session policies (they narrow AWS
    API calls, and the token is a presigned sts:GetCallerIdentity, which needs no permission)."""
    role = {"roleArn": ROLE, "sessionName": "pulumi", "duration": "1h", "policyArns": ["arn:aws:iam::aws:policy/X"]}
    result = _synth({"assumeRoles": json.dumps([role]), "profile": "ops"}, authentication_mode="CONFIG_MAP")
    for kubeconfig_text in _kubeconfigs(result).values():
        assert _exec(kubeconfig_text)["args"][-4:] == ["--profile", "ops", "--role-arn", ROLE]
    assert result.warnings == []


def test_without_aws_identity_settings_the_token_uses_the_clis_default_credentials() -> None:
    result = _synth({}, authentication_mode="CONFIG_MAP")
    for kubeconfig_text in _kubeconfigs(result).values():
        assert _exec(kubeconfig_text)["args"] == ["eks", "get-token", "--cluster-name", "dev", "--region", "eu-west-1"]


def test_a_new_cluster_gives_pulumi_eks_the_profile_and_the_role_for_its_kubeconfig() -> None:
    """pulumi-eks `Cluster(provider_credential_opts=KubeconfigOptionsArgs(profile_name, role_arn))`;
    its kubeconfig, which the stack's Kubernetes provider uses, then carries both."""
    new = {"cluster": {"create": True, "vpcId": VPC, "subnetIds": PRIVATE}}
    result = _synth({"profile": "ops", "assumeRoles": json.dumps([{"roleArn": ROLE}])}, new)
    (cluster,) = result.of_type("eks:index:Cluster")
    assert cluster.inputs["providerCredentialOpts"] == {"profileName": "ops", "roleArn": ROLE}
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    token = _exec(provider.inputs["kubeconfig"])
    assert token["args"][-2:] == ["--role-arn", ROLE]
    assert token["env"] == [{"name": "AWS_PROFILE", "value": "ops"}]


def test_a_new_cluster_without_aws_identity_settings_gives_pulumi_eks_no_credential_options() -> None:
    new = {"cluster": {"create": True, "vpcId": VPC, "subnetIds": PRIVATE}}
    (cluster,) = _synth({}, new).of_type("eks:index:Cluster")
    assert "providerCredentialOpts" not in cluster.inputs


# --- what is refused or warned about -----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {"assumeRoles": json.dumps([{"roleArn": ROLE}, {"roleArn": ROLE + "-2"}])},
            "aws:assumeRoles: 2 roles, assumed one after another; `aws eks get-token`, which signs the Kubernetes "
            "side in, assumes one role (--role-arn), so it would sign in as another identity; chain the roles in "
            "AWS CLI profiles (role_arn with source_profile) and set aws:profile to the last one instead",
            id="role-chain",
        ),
        pytest.param(
            {"assumeRoles": json.dumps([{"roleArn": ROLE, "externalId": "x1"}])},
            "aws:assumeRoles[0].externalId: `aws eks get-token`, which signs the Kubernetes side in, cannot send an "
            "external id, and a role that asks for one refuses to be assumed without it; put role_arn and "
            "external_id in an AWS CLI profile and set aws:profile to it instead of aws:assumeRoles",
            id="external-id",
        ),
        pytest.param(
            {"assumeRoles": '{"roleArn": "x"}'},
            "aws:assumeRoles: a list of roles to assume, each with roleArn",
            id="not-a-list",
        ),
        pytest.param(
            {"accessKey": "AKIAEXAMPLE"},
            "aws:accessKey: keys in the stack config cannot reach `aws eks get-token`, which signs the Kubernetes "
            "side in, without being written into its kubeconfig and so into the state; put them in an AWS CLI "
            "profile and set aws:profile, or give them to `pulumi up` in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY "
            "and AWS_SESSION_TOKEN",
            id="access-key",
        ),
        pytest.param(
            {"assumeRoleWithWebIdentity": json.dumps({"roleArn": ROLE, "webIdentityTokenFile": "/t"})},
            "aws:assumeRoleWithWebIdentity: `aws eks get-token`, which signs the Kubernetes side in, cannot take a "
            "web identity; set aws:profile to an AWS CLI profile with role_arn and web_identity_token_file "
            "instead, or give `pulumi up` AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE",
            id="web-identity",
        ),
    ],
)
def test_aws_settings_the_token_command_cannot_express_are_refused_naming_the_key(
    settings: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        token_identity(settings)
    assert str(refused.value) == message


def test_a_refused_aws_setting_stops_the_stack_before_any_lookup_or_registration(
    monitors: list[monitor.RecordingMonitor],
) -> None:
    with pytest.raises(ConfigError, match=r"^aws:assumeRoles: 2 roles"):
        _synth({"assumeRoles": json.dumps([{"roleArn": ROLE}, {"roleArn": ROLE}])})
    (refused,) = monitors
    assert (refused.invokes, refused.registrations) == ([], {})
    # The same watch sees both for a stack it accepts, so the check above can fail.
    _synth({"assumeRoles": json.dumps([{"roleArn": ROLE}])})
    assert monitors[1].invokes
    assert monitors[1].registrations


def test_session_details_and_credential_files_are_dropped_with_a_warning() -> None:
    role = {"roleArn": ROLE, "sourceIdentity": "alice", "tags": {"team": "ml"}}
    identity = token_identity({"assumeRoles": json.dumps([role]), "sharedConfigFiles": '["/etc/aws/config"]'})
    assert identity.role_arn == ROLE
    assert identity.warnings == (
        "WARNING: aws:sharedConfigFiles: not carried into the Kubernetes side: `aws eks get-token` reads the AWS "
        "CLI's own files (~/.aws, or those AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name); point those at "
        "the same files when running pulumi",
        "WARNING: aws:assumeRoles[0].sourceIdentity: not carried into the Kubernetes side: `aws eks get-token` "
        "assumes the role without it, which a trust policy that requires it refuses",
        "WARNING: aws:assumeRoles[0].tags: not carried into the Kubernetes side: `aws eks get-token` assumes the "
        "role without it, which a trust policy that requires it refuses",
    )


def test_offline_synth_reports_the_aws_settings_warnings_with_the_stacks_own() -> None:
    result = _synth({"sharedCredentialsFiles": '["/etc/aws/credentials"]'})
    assert result.warnings == [
        "WARNING: aws:sharedCredentialsFiles: not carried into the Kubernetes side: `aws eks get-token` reads the "
        "AWS CLI's own files (~/.aws, or those AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name); point those "
        "at the same files when running pulumi"
    ]


def test_an_empty_role_list_assumes_no_role() -> None:
    assert token_identity({"assumeRoles": "[]", "profile": "ops"}) == TokenIdentity(profile="ops")


def test_carrying_the_identity_changes_the_kubeconfigs_user_not_its_cluster() -> None:
    """A stack that already runs sees its Kubernetes provider updated in place, never replaced (which
    would replace every Helm release on it): pulumi-kubernetes' `DiffConfig`
    (provider/pkg/provider/provider.go) plans a replacement "iff the active cluster in the kubeconfig
    changes" (`getActiveClusterFromConfig`), and a change elsewhere, such as the user's exec
    arguments, is an update. The aws-auth entry's `diff` treats a new kubeconfig as an update too."""
    bare = json.loads(TokenIdentity().kubeconfig_json("dev", "eu-west-1", "https://api", "Q0E="))  # type: ignore[arg-type]
    carried = json.loads(
        TokenIdentity(profile="ops", role_arn=ROLE).kubeconfig_json("dev", "eu-west-1", "https://api", "Q0E=")  # type: ignore[arg-type]
    )
    assert carried["clusters"] == bare["clusters"]
    assert carried["contexts"] == bare["contexts"]
    assert carried["current-context"] == bare["current-context"]
    assert carried["users"] != bare["users"]
