"""Create-cluster mode: pulumi-eks builds the cluster, then the same Karpenter setup runs on it.

The pulumi-eks components run in their own plugin; the mock engine answers for them with the
outputs they give (kubeconfig, OIDC issuer and provider, pulumi-eks's own security group).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from karpenter import Karpenter, KarpenterArgs
from karpenter.config.errors import ConfigError
from karpenter.offline import created_cluster, monitor, program
from karpenter.offline import facts as offline_facts
from tests.conftest import Run, facts_with, fixture_settings

VPC = "vpc-0a1b2c3d4e5f6a7b8"
PRIVATE = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
NEW = {"cluster": {"create": True, "vpcId": VPC, "subnetIds": PRIVATE}}
# The group EKS makes with the cluster (a stand-in the mock engine derives from the account and the name).
MADE = created_cluster.computed_by_eks(facts_with(), "dev")
EKS_GROUP = MADE.security_group_id


def _new(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**NEW, **(extra or {})}


def test_cluster_is_created_with_api_authentication_and_an_oidc_provider(run: Run) -> None:
    result = run(_new())
    (cluster,) = result.of_type("eks:index:Cluster")
    assert cluster.inputs["name"] == "dev"
    assert cluster.inputs["vpcId"] == VPC
    assert cluster.inputs["privateSubnetIds"] == PRIVATE
    assert cluster.inputs["authenticationMode"] == "API"
    assert cluster.inputs["createOidcProvider"] is True
    assert cluster.inputs["skipDefaultNodeGroup"] is True
    assert cluster.inputs["version"] == "1.33"
    assert result.outputs["nodeAccess"] == "access-entry"
    # No lookup of an existing cluster happens, and no aws-auth entry is written.
    assert result.of_type("pulumi-python:dynamic:Resource") == []


def test_system_node_group_is_labelled_and_runs_the_controller(run: Run) -> None:
    result = run(_new({"cluster": {**NEW["cluster"], "systemNodeGroup": {"instanceTypes": ["m7g.large"]}}}))
    (group,) = result.of_type("eks:index:ManagedNodeGroup")
    (cluster,) = result.of_type("eks:index:Cluster")
    assert group.inputs["labels"] == {"workload-type": "system"}
    assert group.inputs["instanceTypes"] == ["m7g.large"]
    assert group.inputs["scalingConfig"] == {"desiredSize": 2, "minSize": 2, "maxSize": 3}
    assert cluster.urn in group.dependencies
    # Its own role: EKS makes the access entry of a managed group's role, so sharing the
    # Karpenter node role would collide with the stack's own access entry.
    assert group.inputs["nodeRole"] == "system-node-role-dev"
    role = result.named("cluster-system-node-role")
    assert role.inputs["name"] == "system-node-role-dev"
    assert role.inputs["description"] == "System node group of EKS cluster dev"
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = [a for a in result.of_type(ATTACHMENT) if a.inputs["role"] == "system-node-role-dev"]
    assert {a.inputs["policyArn"] for a in attached} == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    }
    # Nodes that start before their policies are attached cannot join the cluster.
    assert {a.urn for a in attached} <= set(group.dependencies)
    assert group.inputs["subnetIds"] == PRIVATE
    values = {r.inputs["name"]: r for r in result.of_type("kubernetes:helm.sh/v3:Release")}["karpenter"]
    assert values.inputs["values"]["nodeSelector"] == {"kubernetes.io/os": "linux", "workload-type": "system"}


def test_everything_that_needs_the_cluster_waits_for_it(run: Run) -> None:
    result = run(_new({"identity": "pod-identity"}))
    cluster = result.of_type("eks:index:Cluster")[0].urn
    nodes = result.of_type("eks:index:ManagedNodeGroup")[0].urn
    (entry,) = result.of_type("aws:eks/accessEntry:AccessEntry")
    (association,) = result.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert cluster in entry.dependencies
    assert cluster in association.dependencies
    assert {cluster, nodes} <= set(provider.dependencies)
    assert json.loads(provider.inputs["kubeconfig"])["users"][0]["user"]["exec"]["command"] == "aws"


def test_node_subnets_of_the_new_cluster_are_tagged_for_discovery(run: Run) -> None:
    result = run(_new())
    tagged = {(t.inputs["resourceId"], t.inputs["key"]) for t in result.of_type("aws:ec2/tag:Tag")}
    for subnet in PRIVATE:
        assert (subnet, "karpenter.sh/discovery") in tagged
    (sg_tag,) = [t for t in result.of_type("aws:ec2/tag:Tag") if t.name == "discovery-cluster-security-group-discovery"]
    assert sg_tag.inputs["resourceId"] == EKS_GROUP
    assert result.of_type("eks:index:Cluster")[0].urn in sg_tag.dependencies


def _mentions(value: Any, text: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(item, text) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, text) for item in value)
    return isinstance(value, str) and text in value


def test_karpenter_nodes_join_the_security_group_eks_made_not_pulumi_eks_own(run: Run) -> None:
    """pulumi-eks 4.4 `Cluster.cluster_security_group_id` (pulumi_eks/cluster.py docstring): "Returns the EKS
    created security group if `skipDefaultSecurityGroups` is set to true"; unset here, it is pulumi-eks's own
    extra group, which admits only 443 from pulumi-eks's node group and holds no node (../shared/NOTES.md, "The
    real engine"). The managed system nodes are in the group EKS made, `vpc_config.cluster_security_group_id`
    of the cluster; the runbook tags that one (`aws eks describe-cluster ... clusterSecurityGroupId`)."""
    result = run(_new())
    eks_group = EKS_GROUP
    pulumi_eks_group = created_cluster.pulumi_eks_security_group_id(eks_group)
    sg_tags = [t for t in result.of_type("aws:ec2/tag:Tag") if t.inputs["resourceId"].startswith("sg-")]
    assert {t.inputs["key"] for t in sg_tags} == {"karpenter.sh/discovery", "pulumi-karpenter/added/dev"}
    assert {t.inputs["resourceId"] for t in sg_tags} == {eks_group}
    # Nothing the stack declares or outputs names pulumi-eks's group: no tag, no selector, no output.
    assert not [r.name for r in result.resources if _mentions(r.inputs, pulumi_eks_group)]
    assert not _mentions(list(result.component_outputs.values()), pulumi_eks_group)
    assert not _mentions(result.outputs, pulumi_eks_group)
    # The node classes find the group by the discovery tag the stack put on it (the chart's default terms).
    config = result.named("karpenter-config", "kubernetes:helm.sh/v3:Release").inputs["values"]
    assert config["clusterName"] == "dev"
    assert not [name for name, node_class in config["nodeClasses"].items() if "securityGroupIds" in node_class]


def _within(result: program.SynthResult, urn: str) -> list[monitor.Registration]:
    """The resources registered under a component, at any depth."""
    found = [r for r in result.resources if r.parent == urn]
    return found + [inner for r in found for inner in _within(result, r.urn)]


def test_the_created_cluster_and_everything_in_it_is_protected_unless_the_key_says_otherwise(run: Run) -> None:
    """Flipping `cluster.create` off, or `pulumi destroy`, must not delete the cluster with every workload
    on it. Pulumi's `protect` (https://www.pulumi.com/docs/iac/concepts/options/protect/): children inherit
    it from their parent (the Python SDK copies it in `Resource.__init__`, pulumi/resource.py, "Infer
    protection from parent"), and a remote component's children too: the Node.js provider host passes
    `protect: req.getProtect()` to the component it constructs (pulumi/pulumi sdk/nodejs/provider/server.ts),
    so pulumi-eks's cluster, security groups and node group are protected as well. The engine refuses to
    delete a protected resource before it looks at DryRun (pulumi/pulumi pkg/resource/deploy/step.go,
    `DeleteStep.Apply`, `deleteProtectedError`), so `pulumi preview` already fails; a replacement of one is
    refused alike unless the same run unprotects it (step_generator.go: "unable to replace resource")."""
    result = run(_new({"identity": "pod-identity"}))
    cluster = result.named("cluster", "karpenter:cluster:NewCluster")
    inside = _within(result, cluster.urn)
    assert {r.type for r in inside} >= {
        "eks:index:Cluster",
        "eks:index:ManagedNodeGroup",
        "aws:iam/role:Role",
        ATTACHMENT,
        "aws:eks/addon:Addon",
    }
    assert [r.name for r in [cluster, *inside] if r.options.get("protect") is not True] == []
    # Karpenter's own resources stay deletable: destroy removes them once the cluster is unprotected.
    karpenter = result.named("karpenter", "karpenter:stack:Karpenter")
    assert [r.name for r in [karpenter, *_within(result, karpenter.urn)] if "protect" in r.options] == []

    unprotected = run(_new({"cluster": {**NEW["cluster"], "protect": False}}))
    assert [r.name for r in unprotected.resources if "protect" in r.options] == []


def test_irsa_trust_names_the_oidc_provider_the_cluster_creates(run: Run) -> None:
    result = run(_new({"identity": "irsa"}))
    trust = json.loads(result.named("controller-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    issuer = MADE.oidc_issuer.removeprefix("https://")
    assert issuer != facts_with().oidc_issuer.removeprefix("https://")
    assert statement["Principal"]["Federated"] == f"arn:aws:iam::123456789012:oidc-provider/{issuer}"
    assert statement["Condition"]["StringEquals"][f"{issuer}:sub"] == "system:serviceaccount:kube-system:karpenter"
    assert result.of_type("eks:index:Cluster")[0].urn in result.named("controller-role").dependencies


def test_first_preview_of_a_new_cluster_completes(run: Run) -> None:
    result = run(_new({"identity": "irsa"}), preview=True)
    assert result.named("controller-role").inputs["assumeRolePolicy"] == monitor.COMPUTED
    releases = {r.inputs["name"]: r for r in result.of_type("kubernetes:helm.sh/v3:Release")}
    assert releases["karpenter"].inputs["values"]["settings"]["clusterEndpoint"] == monitor.COMPUTED
    assert result.outputs["zones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_a_pool_zone_outside_the_new_clusters_subnets_is_refused_before_the_cluster(run: Run) -> None:
    config = _new({"cluster": {**NEW["cluster"], "subnetIds": PRIVATE[:2]}})
    config["nodePools"] = {"cpu": {"zones": ["eu-west-1c"]}}
    with pytest.raises(ConfigError) as refused:
        run(config)
    assert str(refused.value) == (
        "karpenter:nodePools.cpu.zones[0]: 'eu-west-1c' is not one of eu-west-1a, eu-west-1b (the zones of the node "
        "subnets)"
    )


@pytest.mark.parametrize(
    ("cluster", "message"),
    [
        ({"create": True, "subnetIds": PRIVATE}, "karpenter:cluster.vpcId: required with create: true"),
        ({"create": True, "vpcId": VPC}, "karpenter:cluster.subnetIds: required with create: true"),
        ({"vpcId": VPC}, "karpenter:cluster.vpcId: only used with create: true"),
        ({"subnetIds": PRIVATE}, "karpenter:cluster.subnetIds: only used with create: true"),
        (
            {"create": True, "vpcId": VPC, "subnetIds": PRIVATE, "systemNodeGroup": {"maxSize": 1}},
            "karpenter:cluster.systemNodeGroup: need minSize ≤ desiredSize ≤ maxSize, got 2 ≤ 2 ≤ 1",
        ),
    ],
)
def test_bad_new_cluster_config_is_refused_naming_the_key(run: Run, cluster: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        run({"cluster": cluster})
    assert str(refused.value) == message


def test_aws_auth_is_refused_for_a_new_cluster(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run(_new({"nodeAccess": "aws-auth"}))
    assert str(refused.value) == (
        "karpenter:nodeAccess: 'aws-auth' does not work on a new cluster, whose authentication mode is API"
    )


def test_a_create_stack_synthesises() -> None:
    result = program.run_program("create", fixture_settings("create"))
    assert result.outputs["clusterName"] == "new-cluster"
    assert len(result.of_type("eks:index:Cluster")) == 1
    # What `pulumi stack` shows under the cluster component.
    outputs = result.component_outputs[result.named("cluster", "karpenter:cluster:NewCluster").urn]
    assert list(outputs) == ["kubeconfig"]
    made = created_cluster.computed_by_eks(facts_with(), "new-cluster")
    assert json.loads(outputs["kubeconfig"])["clusters"] == [
        {
            "name": "new-cluster",
            "cluster": {"server": made.endpoint, "certificate-authority-data": made.certificate_authority},
        }
    ]


def test_a_create_stack_synthesises_from_facts_of_the_account_before_the_cluster_exists() -> None:
    """What exists before the cluster does: the account, the VPC and the named subnets; nothing EKS computes."""
    before = facts_with(
        **dict.fromkeys(
            (
                "endpoint",
                "certificate_authority",
                "oidc_issuer",
                "cluster_security_group_id",
                "authentication_mode",
                "kubernetes_version",
            )
        )
    )
    result = program.run_program("create", fixture_settings("create"), before)
    made = created_cluster.computed_by_eks(before, "new-cluster")
    values = result.named("karpenter", "kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["settings"]["clusterEndpoint"] == made.endpoint
    (sg_tag,) = [t for t in result.of_type("aws:ec2/tag:Tag") if t.name == "discovery-cluster-security-group-discovery"]
    assert sg_tag.inputs["resourceId"] == made.security_group_id


def test_pod_identity_on_a_new_cluster_installs_the_agent_before_karpenter(run: Run) -> None:
    result = run(_new({"identity": "pod-identity"}))
    (addon,) = result.of_type("aws:eks/addon:Addon")
    assert addon.inputs["addonName"] == "eks-pod-identity-agent"
    assert addon.inputs["clusterName"] == "dev"
    assert result.of_type("eks:index:ManagedNodeGroup")[0].urn in addon.dependencies
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert addon.urn in provider.dependencies
    assert run(_new({"identity": "irsa"})).of_type("aws:eks/addon:Addon") == []


def test_a_refused_new_cluster_config_registers_nothing(run: Run, monitors: list[monitor.RecordingMonitor]) -> None:
    facts = offline_facts.sample_facts("eu-west-1")
    subnets = [s.model_copy(update={"tags": {"karpenter.sh/discovery": "prod"}}) for s in facts.subnets]
    with pytest.raises(ConfigError) as refused:
        run(_new(), facts=facts.model_copy(update={"subnets": subnets}))
    assert str(refused.value) == (
        "karpenter:subnetIds: subnet subnet-0a1b2c3d4e5f6a7b1 is tagged karpenter.sh/discovery=prod, so another "
        "cluster's Karpenter selects it for its nodes; give this cluster other subnets, or retag that one"
    )
    (watched,) = monitors
    assert watched.registrations == {}
    # The same watch sees registrations when the config is good, so the check above can fail.
    run(_new())
    assert monitors[1].registrations


def test_new_cluster_subnets_must_be_in_its_vpc_and_span_two_zones(run: Run) -> None:
    other_vpc = {"cluster": {**NEW["cluster"], "vpcId": "vpc-0fffffffffffffff0"}}
    with pytest.raises(ConfigError) as refused:
        run(other_vpc)
    assert str(refused.value) == (
        "karpenter:cluster.subnetIds[0]: 'subnet-0a1b2c3d4e5f6a7b1' is in vpc-0a1b2c3d4e5f6a7b8, not in "
        "karpenter:cluster.vpcId vpc-0fffffffffffffff0"
    )
    one_zone = {"cluster": {**NEW["cluster"], "subnetIds": PRIVATE[:1]}}
    with pytest.raises(ConfigError) as refused:
        run(one_zone)
    assert str(refused.value) == "karpenter:cluster.subnetIds: EKS needs subnets in two availability zones or more"


def test_a_public_subnet_for_a_new_cluster_is_refused(run: Run) -> None:
    public = "subnet-0a1b2c3d4e5f6a7b4"
    with pytest.raises(ConfigError) as refused:
        run({"cluster": {**NEW["cluster"], "subnetIds": [*PRIVATE[:2], public]}})
    assert str(refused.value) == (
        f"karpenter:cluster.subnetIds[2]: {public!r} is a public subnet (it maps public IPs on launch), so nodes "
        "launched there would get public IPs; name private subnets"
    )


def test_more_controllers_than_system_nodes_are_refused(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run(_new({"controller": {"replicas": 3}}))
    assert str(refused.value) == (
        "karpenter:controller.replicas: 3 controllers need 3 system nodes (the chart runs one per node, none on "
        "Karpenter's own), and karpenter:cluster.systemNodeGroup.desiredSize is 2; lower the replicas or raise "
        "desiredSize (and maxSize)"
    )
    grown = {"systemNodeGroup": {"desiredSize": 3, "minSize": 2, "maxSize": 3}}
    accepted = run(_new({"cluster": {**NEW["cluster"], **grown}, "controller": {"replicas": 3}}))
    (karpenter,) = [r for r in accepted.of_type("kubernetes:helm.sh/v3:Release") if r.name == "karpenter"]
    assert karpenter.inputs["values"]["replicas"] == 3


def test_a_new_cluster_subnet_that_cannot_be_read_is_refused_naming_its_place(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run({"cluster": {**NEW["cluster"], "subnetIds": [PRIVATE[0], "subnet-0fffffffffffffff0"]}})
    assert str(refused.value) == (
        "karpenter:cluster.subnetIds[1]: subnet 'subnet-0fffffffffffffff0' cannot be read: no matching EC2 Subnet "
        "found: subnet-0fffffffffffffff0 (id)"
    )


def test_a_new_cluster_is_in_the_account_and_region_the_lookups_name(run: Run) -> None:
    result = run(_new())
    karpenter = result.named("karpenter", "kubernetes:helm.sh/v3:Release")
    assert karpenter.inputs["values"]["settings"]["clusterEndpoint"] == MADE.endpoint
    eks = json.loads(result.named("controller-EKSIntegration").inputs["policy"])
    assert eks["Statement"][0]["Resource"] == "arn:aws:eks:eu-west-1:123456789012:cluster/dev"
    (role,) = result.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.options["importId"] == (
        "arn:aws:iam::123456789012:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot"
    )


def test_a_new_cluster_of_a_component_in_a_program_sits_beside_it_under_the_same_parent() -> None:
    class Platform(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("acme:index:Platform", "platform")
            Karpenter("karpenter", KarpenterArgs({"clusterName": "dev", **NEW}), pulumi.ResourceOptions(parent=self))

    result = program.run_mocked(Platform, "test", {"aws:region": "eu-west-1"}, facts_with(), cluster_name="dev")
    platform = result.named("platform", "acme:index:Platform").urn
    assert result.named("cluster", "karpenter:cluster:NewCluster").parent == platform
    assert result.named("karpenter", "karpenter:stack:Karpenter").parent == platform
