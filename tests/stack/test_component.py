"""The component in someone else's program: `KarpenterArgs` settings, a cluster given as
`ClusterInputs`, and node subnets known only at deploy time, selected by id."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

import karpenter
from karpenter import ClusterInputs, ConfigError, Karpenter, KarpenterArgs, StackConfig
from karpenter.aws.controller_identity import ControllerIdentity
from karpenter.aws.discovery_tags import DiscoveryTags
from karpenter.aws.interruption import InterruptionQueue
from karpenter.aws.node_access import NodeAccessGrant, node_access_method
from karpenter.aws.node_identity import NodeIdentity
from karpenter.config.loading import parse_stack_config
from karpenter.config.values import NodeAccess
from karpenter.kubernetes.releases import KarpenterReleases
from karpenter.offline import monitor, program
from karpenter.offline.chart_render import render_chart
from karpenter.offline.facts import OfflineFacts
from tests.conftest import ROOT, Run, facts_with, settings_for
from tests.kubernetes.test_karpenter_config_chart import Crds, assert_acceptable, crds  # noqa: F401 - crds is a fixture

FACTS = facts_with()
PRIVATE = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]
PUBLIC = ["subnet-0a1b2c3d4e5f6a7b4", "subnet-0a1b2c3d4e5f6a7b5", "subnet-0a1b2c3d4e5f6a7b6"]
SECURITY_GROUP = FACTS.cluster_security_group_id
ISSUER_HOST = FACTS.oidc_issuer.removeprefix("https://")
PROVIDER_ARN = f"arn:aws:iam::123456789012:oidc-provider/{ISSUER_HOST}"
RELEASE = "kubernetes:helm.sh/v3:Release"


def inputs(**changes: Any) -> ClusterInputs:
    """The sample cluster as a program would pass it, with plain values."""
    given: dict[str, Any] = {
        "name": "dev",
        "endpoint": FACTS.endpoint,
        "certificate_authority": FACTS.certificate_authority,
        "oidc_issuer": FACTS.oidc_issuer,
        "oidc_provider_arn": PROVIDER_ARN,
        "subnet_ids": PRIVATE + PUBLIC,
        "security_group_id": SECURITY_GROUP,
    }
    return ClusterInputs(**{**given, **changes})


def run_with_inputs(
    settings: dict[str, Any] | None = None,
    *,
    outputs: tuple[str, ...] = (),
    preview: bool = False,
    facts: OfflineFacts = FACTS,
    **changes: Any,
) -> program.SynthResult:
    """A program adding Karpenter to the sample cluster given as `ClusterInputs`; the arguments
    named in `outputs` arrive as Outputs, as they do from a cluster the program declares."""

    def user_program() -> None:
        cluster = inputs(**changes)
        as_outputs = {name: pulumi.Output.from_input(getattr(cluster, name)) for name in outputs}
        args = KarpenterArgs(
            settings={"clusterName": "dev", **(settings or {})}, cluster=inputs(**{**changes, **as_outputs})
        )
        for name, value in Karpenter("karpenter", args).outputs.items():
            pulumi.export(name, value)

    return program.run_mocked(
        user_program, "test", {"aws:region": "eu-west-1"}, facts, cluster_name="dev", preview=preview
    )


def releases(result: program.SynthResult) -> dict[str, monitor.Registration]:
    return {r.inputs["name"]: r for r in result.of_type(RELEASE)}


def rendered(result: program.SynthResult) -> list[dict[str, Any]]:
    pools = releases(result)["karpenter-config"]
    text = render_chart(pools.inputs["values"], release_name="karpenter-config", namespace="kube-system")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def tags(result: program.SynthResult) -> set[tuple[str, str, str]]:
    return {(t.inputs["resourceId"], t.inputs["key"], t.inputs["value"]) for t in result.of_type("aws:ec2/tag:Tag")}


# --- the public API ----------------------------------------------------------------------------


def test_the_package_exports_the_component_lazily() -> None:
    code = (
        "import sys, karpenter\n"
        "light = 'pulumi' not in sys.modules and 'pydantic' not in sys.modules\n"
        "from karpenter import ClusterInputs, ConfigError, Karpenter, KarpenterArgs, StackConfig\n"
        "print(light, Karpenter.__module__, KarpenterArgs.__module__, ClusterInputs.__module__, StackConfig.__name__)"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == [
        "True",
        "karpenter.stack",
        "karpenter.stack",
        "karpenter.cluster.inputs",
        "StackConfig",
    ]
    for name in karpenter.__all__:
        assert f"`{name}" in (karpenter.__doc__ or ""), name
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        _ = karpenter.NoSuchName


def test_settings_given_as_a_mapping_are_refused_as_the_stack_config_refuses_them() -> None:
    pools = {"cpu": {"capacityTypes": ["x"]}}
    with pytest.raises(ConfigError) as refused:
        KarpenterArgs(settings={"clusterName": "dev", "nodePools": pools})
    with pytest.raises(ConfigError) as from_stack_file:
        parse_stack_config(settings_for({"clusterName": "dev", "nodePools": pools}))
    assert str(refused.value) == str(from_stack_file.value)
    assert str(refused.value) == "karpenter:nodePools.cpu.capacityTypes[0]: 'x' is not one of spot, on-demand, reserved"


def test_settings_are_a_stack_config_or_a_mapping_of_its_keys() -> None:
    config = StackConfig.model_validate({"clusterName": "dev"})
    assert KarpenterArgs(settings=config).config is config
    assert KarpenterArgs(settings={"clusterName": "dev"}).config == config
    with pytest.raises(ConfigError) as refused:
        KarpenterArgs(settings="clusterName: dev")  # type: ignore[arg-type]
    assert (
        str(refused.value) == "KarpenterArgs.settings: a StackConfig or a mapping of the karpenter: settings, not str"
    )


def test_a_cluster_that_is_not_cluster_inputs_is_refused_naming_the_argument() -> None:
    with pytest.raises(ConfigError) as refused:
        KarpenterArgs(settings={"clusterName": "dev"}, cluster="dev")  # type: ignore[arg-type]
    assert str(refused.value) == "KarpenterArgs.cluster: a ClusterInputs or None, not str"


def _component(settings: dict[str, Any], cluster: Callable[[], ClusterInputs | None] = lambda: None) -> Karpenter:
    """The component a program made, once the program has run."""
    made: list[Karpenter] = []

    def user_program() -> None:
        args = KarpenterArgs({"clusterName": "dev", **settings}, cluster=cluster())
        made.append(Karpenter("karpenter", args))

    program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, FACTS, cluster_name="dev")
    return made[0]


def test_a_program_building_on_the_component_reaches_each_part_it_made() -> None:
    looked_up = _component({})
    assert isinstance(looked_up.node, NodeIdentity)
    assert isinstance(looked_up.controller, ControllerIdentity)
    assert isinstance(looked_up.access, NodeAccessGrant)
    assert isinstance(looked_up.releases, KarpenterReleases)
    assert isinstance(looked_up.queue, InterruptionQueue)
    assert isinstance(looked_up.tags, DiscoveryTags)
    # No queue without interruption handling, and no tags where the node classes select by id.
    given = _component({"interruption": False}, lambda: inputs(subnet_ids=pulumi.Output.from_input(PRIVATE + PUBLIC)))
    assert (given.queue, given.tags) == (None, None)
    assert isinstance(given.releases, KarpenterReleases)


# --- ClusterInputs refused before anything runs ------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "changes", "message"),
    [
        (
            {},
            {"oidc_provider_arn": None},
            "ClusterInputs.oidc_provider_arn: identity 'irsa' needs the cluster's IAM OIDC provider; pass its ARN, "
            "or set karpenter:createOidcProvider to true to create one, or use identity 'pod-identity'",
        ),
        (
            {"identity": "pod-identity"},
            {},
            "ClusterInputs.pod_identity_agent: identity 'pod-identity' needs the eks-pod-identity-agent add-on; "
            "install it in your program (aws.eks.Addon) and pass pod_identity_agent=True, or use identity 'irsa'",
        ),
        (
            {"cluster": {"create": True, "vpcId": "vpc-0a1b2c3d4e5f6a7b8", "subnetIds": PRIVATE}},
            {},
            "karpenter:cluster.create: true creates a cluster, and KarpenterArgs.cluster passes one your program "
            "manages; leave out one of them",
        ),
        (
            {},
            {"name": "prod"},
            "ClusterInputs.name: the cluster is named 'prod', and karpenter:clusterName is 'dev'; "
            "they must be the same",
        ),
        (
            {},
            {"authentication_mode": "IAM"},
            "ClusterInputs.authentication_mode: 'IAM' is not one of API, API_AND_CONFIG_MAP, CONFIG_MAP",
        ),
        (
            {},
            {"subnet_ids": PRIVATE[0]},
            "ClusterInputs.subnet_ids: a list of subnet ids, or an Output of one, not a single string",
        ),
        ({}, {"subnet_ids": []}, "ClusterInputs.subnet_ids: empty; name the subnets nodes may use"),
        (
            {},
            {"security_group_id": ""},
            "ClusterInputs.security_group_id: empty; pass the cluster security group "
            "(cluster.vpc_config.cluster_security_group_id)",
        ),
        (
            {},
            {"oidc_issuer": ISSUER_HOST},
            f"ClusterInputs.oidc_issuer: {ISSUER_HOST!r} is not an https URL (the cluster's OIDC issuer)",
        ),
    ],
    ids=[
        "irsa-without-provider",
        "pod-identity-without-agent",
        "create-too",
        "other-name",
        "mode",
        "str",
        "empty",
        "empty-security-group",
        "url",
    ],
)
def test_cluster_inputs_that_cannot_work_are_refused_naming_the_argument(
    settings: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        KarpenterArgs(settings={"clusterName": "dev", **settings}, cluster=inputs(**changes))
    assert str(refused.value) == message


def test_a_cluster_name_output_other_than_the_settings_is_refused_at_deploy_time() -> None:
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(name="prod", outputs=("name",))
    assert str(refused.value) == (
        "ClusterInputs.name: the cluster is named 'prod', and karpenter:clusterName is 'dev'; they must be the same"
    )


def test_node_access_follows_the_authentication_mode_given() -> None:
    result = run_with_inputs(authentication_mode="API")
    assert result.outputs["nodeAccess"] == "access-entry"
    assert result.of_type("pulumi-python:dynamic:Resource") == []
    assert run_with_inputs(authentication_mode="CONFIG_MAP").outputs["nodeAccess"] == "aws-auth"
    with pytest.raises(ConfigError, match=r"^karpenter:nodeAccess: 'aws-auth' does not work on a cluster whose"):
        run_with_inputs({"nodeAccess": "aws-auth"}, authentication_mode="API")


@pytest.mark.parametrize(
    ("requested", "mode", "message"),
    [
        pytest.param(
            NodeAccess.AWS_AUTH,
            "API",
            "karpenter:nodeAccess: 'aws-auth' does not work on a cluster whose authentication mode is API; use auto, "
            "or a cluster with mode CONFIG_MAP or API_AND_CONFIG_MAP",
            id="aws-auth-on-api",
        ),
        pytest.param(
            NodeAccess.ACCESS_ENTRY,
            "CONFIG_MAP",
            "karpenter:nodeAccess: 'access-entry' does not work on a cluster whose authentication mode is CONFIG_MAP; "
            "use auto, or a cluster with mode API or API_AND_CONFIG_MAP",
            id="access-entry-on-config-map",
        ),
    ],
)
def test_node_access_the_cluster_cannot_give_is_refused_naming_the_modes_that_can(
    requested: NodeAccess, mode: str, message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        node_access_method(requested, mode)
    assert str(refused.value) == message


# --- identities --------------------------------------------------------------------------------


def test_irsa_without_a_provider_arn_creates_the_provider_when_the_settings_ask() -> None:
    result = run_with_inputs({"createOidcProvider": True}, oidc_provider_arn=None, outputs=("oidc_issuer",))
    (provider,) = result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == FACTS.oidc_issuer
    role = result.named("controller-role")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"]["Federated"] == PROVIDER_ARN
    assert provider.urn in role.dependencies


def test_a_given_provider_arn_is_trusted_and_none_is_created() -> None:
    result = run_with_inputs(oidc_provider_arn="arn:aws:iam::123456789012:oidc-provider/example")
    assert result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    (statement,) = json.loads(result.named("controller-role").inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"]["Federated"] == "arn:aws:iam::123456789012:oidc-provider/example"
    assert statement["Condition"]["StringEquals"][f"{ISSUER_HOST}:sub"] == "system:serviceaccount:kube-system:karpenter"


def test_pod_identity_with_the_agent_installed_associates_the_service_account() -> None:
    result = run_with_inputs({"identity": "pod-identity"}, pod_identity_agent=True, outputs=("name",))
    (association,) = result.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert (association.inputs["clusterName"], association.inputs["serviceAccount"]) == ("dev", "karpenter")
    assert "serviceAccount" not in releases(result)["karpenter"].inputs["values"]


# --- subnets known when the program runs ------------------------------------------------------


def test_plain_subnet_ids_are_tagged_and_checked_as_when_attaching(run: Run) -> None:
    attached = run()
    given = run_with_inputs(outputs=("security_group_id",))
    assert tags(given) == tags(attached)
    assert given.outputs["subnetIds"] == attached.outputs["subnetIds"] == PRIVATE
    assert (
        releases(given)["karpenter-config"].inputs["values"] == releases(attached)["karpenter-config"].inputs["values"]
    )
    with pytest.raises(ConfigError) as refused:
        run_with_inputs({"subnetIds": [PRIVATE[0], PUBLIC[1]]})
    assert str(refused.value).startswith(f"karpenter:subnetIds[1]: {PUBLIC[1]!r} is a public subnet")
    with pytest.raises(ConfigError, match=r"^ClusterInputs\.subnet_ids\[1\]: subnet 'subnet-0fffffffffffffff0' cannot"):
        run_with_inputs(subnet_ids=[PRIVATE[0], "subnet-0fffffffffffffff0"])


# --- subnets known only at deploy time ---------------------------------------------------------


def test_subnets_known_at_deploy_time_are_selected_by_id_without_discovery_tags(crds: Crds) -> None:  # noqa: F811
    result = run_with_inputs(
        {"nodePools": {"cpu": {}, "gpu": {"gpu": True}}}, outputs=("subnet_ids", "security_group_id")
    )
    assert result.of_type("aws:ec2/tag:Tag") == []
    assert result.of_type("karpenter:discovery_tags:DiscoveryTags") == []
    values = releases(result)["karpenter-config"].inputs["values"]
    selected = {name: (c["subnetIds"], c["securityGroupIds"]) for name, c in values["nodeClasses"].items()}
    assert selected == {"default": (PRIVATE, [SECURITY_GROUP]), "gpu": (PRIVATE, [SECURITY_GROUP])}
    manifests = rendered(result)
    terms = {
        m["metadata"]["name"]: (m["spec"]["subnetSelectorTerms"], m["spec"]["securityGroupSelectorTerms"])
        for m in manifests
        if m["kind"] == "EC2NodeClass"
    }
    by_id = ([{"id": subnet} for subnet in PRIVATE], [{"id": SECURITY_GROUP}])
    assert terms == {"default": by_id, "gpu": by_id}
    assert_acceptable(manifests, crds)
    assert result.outputs["zones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_configured_subnets_limit_the_subnets_selected_by_id() -> None:
    result = run_with_inputs({"subnetIds": PRIVATE[:2]}, outputs=("subnet_ids",))
    (node_class,) = releases(result)["karpenter-config"].inputs["values"]["nodeClasses"].values()
    assert node_class["subnetIds"] == PRIVATE[:2]
    assert result.outputs["zones"] == ["eu-west-1a", "eu-west-1b"]


@pytest.mark.parametrize(
    ("settings", "subnets", "message"),
    [
        (
            {"nodePools": {"cpu": {"zones": ["eu-west-1c"]}}},
            PRIVATE[:2],
            "karpenter:nodePools.cpu.zones[0]: 'eu-west-1c' is not one of eu-west-1a, eu-west-1b "
            "(the zones of the node subnets)",
        ),
        (
            {},
            PUBLIC,
            "karpenter:subnetIds: cluster 'dev' has no private subnets, and nodes go only into private ones; "
            "add a private subnet to the cluster",
        ),
        (
            {"subnetIds": [PRIVATE[0], PUBLIC[1]]},
            PRIVATE + PUBLIC,
            f"karpenter:subnetIds[1]: {PUBLIC[1]!r} is a public subnet (it maps public IPs on launch), so nodes "
            "launched there would get public IPs; name private subnets",
        ),
    ],
    ids=["pool-zone", "only-public", "public-named"],
)
def test_subnets_known_at_deploy_time_are_checked_there_naming_the_key(
    settings: dict[str, Any], subnets: list[str], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(settings, subnet_ids=subnets, outputs=("subnet_ids",))
    assert str(refused.value) == message


def test_the_programs_own_kubernetes_provider_is_used() -> None:
    def user_program() -> None:
        provider = k8s.Provider("mine", kubeconfig="{}")
        Karpenter("karpenter", KarpenterArgs({"clusterName": "dev"}, cluster=inputs(kubernetes_provider=provider)))

    result = program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, FACTS, cluster_name="dev")
    assert [p.name for p in result.of_type("pulumi:providers:kubernetes")] == ["mine"]
    assert len(result.of_type(RELEASE)) == 3


def _token_args(kubeconfig_text: str) -> list[str]:
    (user,) = json.loads(kubeconfig_text)["users"]
    args: list[str] = user["user"]["exec"]["args"]
    return args


def test_the_kubeconfig_made_for_given_inputs_signs_in_with_the_stacks_aws_profile() -> None:
    """The AWS CLI's `aws eks get-token --profile`: the Kubernetes provider and the aws-auth entry
    sign in as pulumi-aws does with `aws:profile`."""

    def user_program() -> None:
        Karpenter("karpenter", KarpenterArgs({"clusterName": "dev"}, cluster=inputs(authentication_mode="CONFIG_MAP")))

    settings = {"aws:region": "eu-west-1", "aws:profile": "ops"}
    result = program.run_mocked(user_program, "test", settings, FACTS, cluster_name="dev")
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    (aws_auth,) = result.of_type("pulumi-python:dynamic:Resource")
    for kubeconfig_text in (provider.inputs["kubeconfig"], aws_auth.inputs["kubeconfig"]):
        assert _token_args(kubeconfig_text)[-2:] == ["--profile", "ops"]


def test_a_kubernetes_provider_does_not_give_its_kubeconfig_back() -> None:
    """pulumi_kubernetes/provider.py: `Provider` declares no output properties; `kubeconfig` is an
    input of `ProviderArgs` only. So the aws-auth entry cannot be written with the kubeconfig of a
    provider a program passes in, and `ClusterInputs.kubeconfig` carries it instead."""
    assert not hasattr(k8s.Provider, "kubeconfig")
    assert hasattr(k8s.ProviderArgs, "kubeconfig")


def test_a_given_kubeconfig_serves_the_stacks_kubernetes_provider_and_aws_auth() -> None:
    mine = json.dumps({"apiVersion": "v1", "kind": "Config", "users": [{"name": "me"}]})
    result = run_with_inputs({"nodeAccess": "aws-auth"}, authentication_mode="CONFIG_MAP", kubeconfig=mine)
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    (aws_auth,) = result.of_type("pulumi-python:dynamic:Resource")
    assert provider.inputs["kubeconfig"] == mine
    assert aws_auth.inputs["kubeconfig"] == mine


def test_a_given_kubernetes_provider_and_kubeconfig_serve_the_releases_and_aws_auth() -> None:
    mine = "apiVersion: v1\nkind: Config\n"

    def user_program() -> None:
        provider = k8s.Provider("mine", kubeconfig=mine)
        cluster = inputs(kubernetes_provider=provider, kubeconfig=mine, authentication_mode="CONFIG_MAP")
        Karpenter("karpenter", KarpenterArgs({"clusterName": "dev"}, cluster=cluster))

    result = program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, FACTS, cluster_name="dev")
    assert [p.name for p in result.of_type("pulumi:providers:kubernetes")] == ["mine"]
    (aws_auth,) = result.of_type("pulumi-python:dynamic:Resource")
    assert aws_auth.inputs["kubeconfig"] == mine


def test_a_given_kubernetes_provider_without_its_kubeconfig_is_refused_where_nodes_join_by_aws_auth() -> None:
    def user_program() -> None:
        provider = k8s.Provider("mine", kubeconfig="{}")
        cluster = inputs(kubernetes_provider=provider, authentication_mode="CONFIG_MAP")
        Karpenter("karpenter", KarpenterArgs({"clusterName": "dev"}, cluster=cluster))

    with pytest.raises(ConfigError) as refused:
        program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, FACTS, cluster_name="dev")
    assert str(refused.value) == (
        "ClusterInputs.kubeconfig: required with kubernetes_provider when nodes join by aws-auth, as here: the "
        "aws-auth entry is written with a kubeconfig, and a kubernetes.Provider does not give its own back; pass "
        "the kubeconfig your provider is made with"
    )


def test_a_given_subnet_that_cannot_be_read_is_refused_naming_its_place_in_the_inputs() -> None:
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(subnet_ids=[PRIVATE[0], "subnet-0fffffffffffffff0"])
    assert str(refused.value) == (
        "ClusterInputs.subnet_ids[1]: subnet 'subnet-0fffffffffffffff0' cannot be read: no matching EC2 Subnet "
        "found: subnet-0fffffffffffffff0 (id)"
    )


# --- the cluster security group ----------------------------------------------------------------


@pytest.mark.parametrize("resolved", ["", None], ids=["empty", "none"])
def test_a_security_group_output_that_resolves_to_nothing_is_refused_at_deploy_time(resolved: str | None) -> None:
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(security_group_id=resolved, outputs=("security_group_id",))
    assert str(refused.value) == (
        "ClusterInputs.security_group_id: resolved to nothing; pass the cluster security group "
        "(cluster.vpc_config.cluster_security_group_id)"
    )


def test_a_given_security_group_that_cannot_be_read_is_refused_naming_the_argument() -> None:
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(security_group_id="sg-0fffffffffffffff0")
    assert str(refused.value) == (
        "ClusterInputs.security_group_id: security group 'sg-0fffffffffffffff0' cannot be read: no matching EC2 "
        "Security Group found: sg-0fffffffffffffff0 (id)"
    )


def test_a_given_security_group_tagged_for_another_cluster_is_refused() -> None:
    tagged = facts_with(cluster_security_group_tags={"karpenter.sh/discovery": "prod"})
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(facts=tagged)
    assert str(refused.value) == (
        "karpenter:clusterName: the cluster security group is tagged karpenter.sh/discovery=prod, so another "
        "cluster's Karpenter selects it for its nodes; retag it, or remove the tag if that cluster is gone"
    )


# --- what the stack makes from the given cluster -----------------------------------------------


def test_the_stacks_kubernetes_provider_reaches_the_given_endpoint_with_its_certificate() -> None:
    result = run_with_inputs(
        endpoint="https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        certificate_authority="Q0VSVA==",
        outputs=("name", "endpoint", "certificate_authority"),
    )
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert json.loads(provider.inputs["kubeconfig"]) == {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "dev",
                "cluster": {
                    "server": "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
                    "certificate-authority-data": "Q0VSVA==",
                },
            }
        ],
        "contexts": [{"name": "dev", "context": {"cluster": "dev", "user": "dev"}}],
        "current-context": "dev",
        "users": [
            {
                "name": "dev",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", "dev", "--region", "eu-west-1"],
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
    }


def test_the_accounts_spot_role_is_adopted_beside_a_given_cluster() -> None:
    result = run_with_inputs(facts=facts_with(spot_service_linked_role_exists=True))
    (role,) = result.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.options["importId"] == (
        "arn:aws:iam::123456789012:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot"
    )


def test_subnet_ids_that_resolve_to_none_are_refused_at_deploy_time() -> None:
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(subnet_ids=[], outputs=("subnet_ids",))
    assert str(refused.value) == "ClusterInputs.subnet_ids: resolved to no subnets; pass the subnets nodes may use"
