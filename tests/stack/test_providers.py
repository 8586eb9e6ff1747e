"""The caller's providers are honoured: with an aws provider in the component's options, every
lookup and every aws resource goes through it, and a stack whose default aws provider is disabled
runs on it alone.

Sources: `pulumi:disable-default-providers` (pulumi/pulumi#8829; the Pulumi docs, "Disabling default
providers") makes the engine refuse a resource or lookup of a listed package (or of any with `*`)
that names no provider, with "Default provider for '<package>' disabled. '<URN or token>' must use
an explicit provider." (pulumi/pulumi pkg/resource/deploy/default_providers.go `shouldDenyRequest`,
sdk/go/common/diag/errors.go `GetDefaultProviderDenied`). A lookup inherits a provider only from a
`parent` named in its InvokeOptions (pulumi/runtime/invoke.py, `_invoke`: "if opts.parent is not
None and opts.provider is None: opts.provider = opts.parent.get_provider(tok)"); the component's
lookups run before it registers, so they must name the provider themselves. Resources inherit it
from their parent's options (pulumi/resource.py, `Resource._get_providers`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from karpenter import ClusterInputs, Karpenter, KarpenterArgs
from karpenter.offline import program
from karpenter.offline.errors import SynthError
from tests.conftest import facts_with

FACTS = facts_with(authentication_mode="CONFIG_MAP")
MINE = "urn:pulumi:test::karpenter::pulumi:pulumi:Stack$pulumi:providers:aws::mine::"
VPC = "vpc-0a1b2c3d4e5f6a7b8"
PRIVATE = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]
# The lookups of a stack attaching to a cluster by name, each of which must go through the provider.
LOOKUPS = {
    "aws:index/getPartition:getPartition",
    "aws:index/getRegion:getRegion",
    "aws:index/getCallerIdentity:getCallerIdentity",
    "aws:iam/getRoles:getRoles",
    "aws:eks/getCluster:getCluster",
    "aws:ec2/getSubnet:getSubnet",
    "aws:ec2/getSecurityGroup:getSecurityGroup",
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider",
    "aws:iam/getInstanceProfile:getInstanceProfile",
    "aws:iam/getRole:getRole",
}


def _run(
    options: Callable[[aws.Provider], pulumi.ResourceOptions],
    settings: dict[str, Any] | None = None,
    cluster: Callable[[], ClusterInputs | None] = lambda: None,
    disabled: tuple[str, ...] = ("aws",),
) -> program.SynthResult:
    """The component in a program whose default aws provider is disabled, given an aws provider
    named `mine` (profile `ops`) through `options`."""

    def user_program() -> None:
        mine = aws.Provider("mine", region="eu-west-1", profile="ops")
        args = KarpenterArgs({"clusterName": "dev", **(settings or {})}, cluster=cluster())
        Karpenter("karpenter", args, options(mine))

    config = {"aws:region": "eu-west-1", "pulumi:disable-default-providers": json.dumps(list(disabled))}
    return program.run_mocked(user_program, "test", config, FACTS, cluster_name="dev")


def _assert_everything_aws_goes_through_mine(result: program.SynthResult) -> None:
    assert result.invokes
    assert [(token, ref) for token, ref in result.invokes if not ref.startswith(MINE)] == []
    aws_resources = [r for r in result.resources if r.custom and r.type.startswith("aws:")]
    assert aws_resources
    assert [r.urn for r in aws_resources if not result.providers[r.urn].provider.startswith(MINE)] == []


class _Parent(pulumi.ComponentResource):
    def __init__(self, mine: aws.Provider) -> None:
        super().__init__("test:index:Parent", "platform", None, pulumi.ResourceOptions(providers={"aws": mine}))


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(lambda mine: pulumi.ResourceOptions(providers=[mine]), id="providers-list"),
        pytest.param(lambda mine: pulumi.ResourceOptions(providers={"aws": mine}), id="providers-mapping"),
        pytest.param(lambda mine: pulumi.ResourceOptions(provider=mine), id="provider"),
        pytest.param(lambda mine: pulumi.ResourceOptions(parent=_Parent(mine)), id="parent"),
        pytest.param(
            lambda mine: pulumi.ResourceOptions(provider=k8s.Provider("k8s", kubeconfig="{}"), providers=[mine]),
            id="kubernetes-provider-beside",
        ),
    ],
)
def test_with_default_providers_disabled_every_lookup_and_aws_resource_goes_through_the_callers_provider(
    options: Callable[[aws.Provider], pulumi.ResourceOptions],
) -> None:
    result = _run(options)
    _assert_everything_aws_goes_through_mine(result)
    assert LOOKUPS <= {token for token, _ in result.invokes}


def test_without_an_aws_provider_a_stack_with_default_providers_disabled_is_refused() -> None:
    with pytest.raises(Exception) as refused:
        _run(lambda _mine: pulumi.ResourceOptions())
    assert str(refused.value) == (
        "Default provider for 'aws' disabled. 'aws:iam/getRoles:getRoles' must use an explicit provider."
    )


def test_another_packages_provider_is_not_taken_for_the_aws_lookups() -> None:
    with pytest.raises(Exception, match=r"^Default provider for 'aws' disabled\. 'aws:iam/getRoles:getRoles'"):
        _run(lambda _mine: pulumi.ResourceOptions(provider=k8s.Provider("k8s", kubeconfig="{}")))


def test_a_new_cluster_and_its_pulumi_eks_components_get_the_callers_provider() -> None:
    result = _run(
        lambda mine: pulumi.ResourceOptions(providers=[mine]),
        {"cluster": {"create": True, "vpcId": VPC, "subnetIds": PRIVATE}, "identity": "pod-identity"},
    )
    _assert_everything_aws_goes_through_mine(result)
    remote = [r for r in result.resources if r.type.startswith("eks:index:")]
    assert {r.type for r in remote} == {"eks:index:Cluster", "eks:index:ManagedNodeGroup"}
    for component in remote:
        assert result.providers[component.urn].providers["aws"].startswith(MINE)


def test_cluster_inputs_known_at_deploy_time_are_read_through_the_callers_provider() -> None:
    def cluster() -> ClusterInputs:
        return ClusterInputs(
            name="dev",
            endpoint=FACTS.endpoint,
            certificate_authority=FACTS.certificate_authority,
            oidc_issuer=FACTS.oidc_issuer,
            oidc_provider_arn=f"arn:aws:iam::123456789012:oidc-provider/{FACTS.oidc_issuer.removeprefix('https://')}",
            subnet_ids=pulumi.Output.from_input(PRIVATE),
            security_group_id=FACTS.cluster_security_group_id,
        )

    result = _run(lambda mine: pulumi.ResourceOptions(providers=[mine]), cluster=cluster)
    _assert_everything_aws_goes_through_mine(result)
    # Read only in deferred_placement, once the ids are known.
    assert "aws:ec2/getSubnet:getSubnet" in {token for token, _ in result.invokes}


def test_the_kubernetes_side_signs_in_with_the_profile_of_the_callers_provider() -> None:
    """pulumi_aws.Provider gives back `profile` as an output (pulumi_aws/provider.py), not the
    roles it assumes; the kubeconfig's `aws eks get-token` carries that profile."""
    result = _run(lambda mine: pulumi.ResourceOptions(providers=[mine]))
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    (aws_auth,) = result.of_type("pulumi-python:dynamic:Resource")
    for kubeconfig_text in (provider.inputs["kubeconfig"], aws_auth.inputs["kubeconfig"]):
        (user,) = json.loads(kubeconfig_text)["users"]
        assert user["user"]["exec"]["args"][-2:] == ["--profile", "ops"]
    assert not hasattr(aws.Provider, "assume_roles")


def test_the_stacks_aws_settings_do_not_apply_beside_the_callers_provider() -> None:
    """`aws:` settings configure the default provider only; a caller's own provider says its identity."""

    def user_program() -> None:
        mine = aws.Provider("mine", region="eu-west-1")
        Karpenter("karpenter", KarpenterArgs({"clusterName": "dev"}), pulumi.ResourceOptions(providers=[mine]))

    settings = {"aws:region": "eu-west-1", "aws:assumeRoles": json.dumps([{"roleArn": "a"}, {"roleArn": "b"}])}
    result = program.run_mocked(user_program, "test", settings, FACTS, cluster_name="dev")
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    (user,) = json.loads(provider.inputs["kubeconfig"])["users"]
    assert user["user"]["exec"]["args"] == ["eks", "get-token", "--cluster-name", "dev", "--region", "eu-west-1"]


def test_with_every_default_provider_disabled_only_the_aws_auth_entry_needs_one() -> None:
    """With `*` the engine refuses every package's default provider but `pulumi`'s, the dynamic
    provider's (`pulumi-python`) too, and a dynamic resource cannot name a provider: a cluster whose
    nodes join by access entry runs, one that needs the aws-auth entry is refused."""

    def user_program() -> None:
        mine = aws.Provider("mine", region="eu-west-1")
        Karpenter("karpenter", KarpenterArgs({"clusterName": "dev"}), pulumi.ResourceOptions(providers=[mine]))

    settings = {"aws:region": "eu-west-1", "pulumi:disable-default-providers": '["*"]'}
    result = program.run_mocked(user_program, "test", settings, facts_with(), cluster_name="dev")
    assert len(result.of_type("aws:eks/accessEntry:AccessEntry")) == 1
    with pytest.raises(
        SynthError, match=r"^Default provider for 'pulumi-python' disabled\. '.*::node-access-aws-auth'"
    ):
        program.run_mocked(user_program, "test", settings, FACTS, cluster_name="dev")
