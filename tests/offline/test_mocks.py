"""The mock engine answers a lookup only for what the facts hold, as AWS would."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from karpenter.cluster.kubeconfig import kubeconfig
from karpenter.offline.created_cluster import pulumi_eks_security_group_id
from karpenter.offline.default_providers import DisabledDefaultProviders
from karpenter.offline.errors import SynthError
from karpenter.offline.facts import OfflineFacts, OfflineInstanceProfile, OfflineRole, sample_facts
from karpenter.offline.mocks import OfflineMocks
from karpenter.offline.program import run_mocked

FACTS = sample_facts("eu-west-1")


def _call(token: str, **args: Any) -> Any:
    mocks = OfflineMocks(FACTS, "dev", preview=False)
    return mocks.call(pulumi.runtime.MockCallArgs(token=token, args=args, provider=""))


def test_the_cluster_lookup_finds_only_the_stacks_cluster() -> None:
    found = _call("aws:eks/getCluster:getCluster", name="dev")
    assert found["name"] == "dev"
    assert found["vpcConfig"]["subnetIds"] == [subnet.id for subnet in FACTS.subnets]
    assert _call("aws:eks/getCluster:getCluster", name="prod") == (
        {},
        [("name", "couldn't find resource: EKS cluster prod")],
    )


def test_the_subnet_lookup_answers_for_the_subnet_asked_about() -> None:
    first, last = FACTS.subnets[0], FACTS.subnets[-1]
    assert _call("aws:ec2/getSubnet:getSubnet", id=first.id) == {
        "id": first.id,
        "availabilityZone": "eu-west-1a",
        "mapPublicIpOnLaunch": False,
        "vpcId": FACTS.vpc_id,
        "tags": {},
    }
    assert _call("aws:ec2/getSubnet:getSubnet", id=last.id)["mapPublicIpOnLaunch"] is True
    assert _call("aws:ec2/getSubnet:getSubnet", id="subnet-0fffffffffffffff0") == (
        {},
        [("id", "no matching EC2 Subnet found: subnet-0fffffffffffffff0")],
    )


def test_the_security_group_lookup_knows_only_the_cluster_group() -> None:
    assert _call("aws:ec2/getSecurityGroup:getSecurityGroup", id=FACTS.cluster_security_group_id)["vpcId"] == (
        FACTS.vpc_id
    )
    assert _call("aws:ec2/getSecurityGroup:getSecurityGroup", id="sg-0fffffffffffffff0") == (
        {},
        [("id", "no matching EC2 Security Group found: sg-0fffffffffffffff0")],
    )


@pytest.mark.parametrize(
    ("addon", "found"),
    [("eks-pod-identity-agent", True), ("vpc-cni", False)],
)
def test_the_add_on_lookup_finds_only_the_pod_identity_agent(addon: str, found: bool) -> None:
    answer = _call("aws:eks/getAddon:getAddon", addonName=addon, clusterName="dev")
    if found:
        assert answer == {"id": "dev:eks-pod-identity-agent", "addonName": "eks-pod-identity-agent"}
    else:
        assert answer == ({}, [("addonName", "couldn't find resource")])


def test_the_oidc_provider_lookup_echoes_the_provider_asked_about() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X"
    assert _call("aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider", arn=arn)["arn"] == arn


def test_an_unknown_lookup_is_an_error_not_an_empty_answer() -> None:
    with pytest.raises(Exception, match="^offline synth has no answer for the lookup aws:ec2/getVpc:getVpc$"):
        _call("aws:ec2/getVpc:getVpc", id="vpc-1")


ACCOUNT = "arn:aws:iam::123456789012"
VPC = "vpc-0a1b2c3d4e5f6a7b8"
GROUP = "sg-0a1b2c3d4e5f6a7b8"
ENDPOINT = "https://EXAMPLE0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com"
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789ABCDEF0123456789"


def _call_with(facts: OfflineFacts, token: str, cluster: str = "dev", **args: Any) -> Any:
    mocks = OfflineMocks(facts, cluster, preview=False)
    return mocks.call(pulumi.runtime.MockCallArgs(token=token, args=args, provider=""))


def _create(typ: str, name: str, inputs: dict[str, Any], preview: bool = False, custom: bool = True) -> Any:
    mocks = OfflineMocks(FACTS, "dev", preview=preview)
    return mocks.new_resource(pulumi.runtime.MockResourceArgs(typ=typ, name=name, inputs=inputs, custom=custom))


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [("eu-west-1", "aws", "amazonaws.com"), ("cn-north-1", "aws-cn", "amazonaws.com.cn")],
)
def test_the_partition_region_and_caller_are_the_facts(region: str, partition: str, suffix: str) -> None:
    facts = sample_facts(region)
    assert _call_with(facts, "aws:index/getPartition:getPartition") == {
        "id": partition,
        "partition": partition,
        "dnsSuffix": suffix,
    }
    assert _call_with(facts, "aws:index/getRegion:getRegion") == {"id": region, "name": region, "region": region}
    assert _call_with(facts, "aws:index/getCallerIdentity:getCallerIdentity") == {
        "id": "123456789012",
        "accountId": "123456789012",
        "arn": f"arn:{partition}:iam::123456789012:user/offline",
        "userId": "AIDAOFFLINE",
    }


def test_the_cluster_lookup_answers_everything_the_facts_say_of_the_cluster() -> None:
    assert _call("aws:eks/getCluster:getCluster", name="dev") == {
        "id": "dev",
        "name": "dev",
        "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/dev",
        "endpoint": ENDPOINT,
        "version": "1.33",
        "certificateAuthorities": [{"data": FACTS.certificate_authority}],
        "identities": [{"oidcs": [{"issuer": f"https://{ISSUER}"}]}],
        "accessConfigs": [
            {"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": False}
        ],
        "vpcConfig": {
            "vpcId": VPC,
            "subnetIds": [f"subnet-0a1b2c3d4e5f6a7b{index}" for index in range(1, 7)],
            "clusterSecurityGroupId": GROUP,
            "securityGroupIds": [],
            "endpointPrivateAccess": True,
            "endpointPublicAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
    }


def test_the_facts_own_cluster_name_is_the_cluster_the_lookups_know() -> None:
    facts = FACTS.model_copy(update={"cluster_name": "prod"})
    assert _call_with(facts, "aws:eks/getCluster:getCluster", name="prod")["arn"].endswith(":cluster/prod")
    assert _call_with(facts, "aws:eks/getCluster:getCluster", name="dev") == (
        {},
        [("name", "couldn't find resource: EKS cluster dev")],
    )
    assert _call_with(facts, "aws:eks/getAddon:getAddon", addonName="eks-pod-identity-agent")["id"] == (
        "prod:eks-pod-identity-agent"
    )


def test_the_security_group_lookup_answers_with_the_groups_vpc_and_tags() -> None:
    facts = FACTS.model_copy(update={"cluster_security_group_tags": {"team": "ml"}})
    assert _call_with(facts, "aws:ec2/getSecurityGroup:getSecurityGroup", id=GROUP) == {
        "id": GROUP,
        "vpcId": VPC,
        "tags": {"team": "ml"},
    }


def test_the_subnet_lookup_answers_with_the_subnets_own_tags() -> None:
    tagged = FACTS.subnets[1].model_copy(update={"tags": {"kubernetes.io/role/internal-elb": "1"}})
    facts = FACTS.model_copy(update={"subnets": [FACTS.subnets[0], tagged]})
    assert _call_with(facts, "aws:ec2/getSubnet:getSubnet", id=tagged.id)["tags"] == {
        "kubernetes.io/role/internal-elb": "1"
    }


@pytest.mark.parametrize("exists", [True, False])
def test_the_spot_role_lookup_finds_the_service_linked_role_only_where_the_account_has_it(exists: bool) -> None:
    facts = FACTS.model_copy(update={"spot_service_linked_role_exists": exists})
    arns = [f"{ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot"] if exists else []
    assert _call_with(facts, "aws:iam/getRoles:getRoles", pathPrefix="/aws-service-role/spot.amazonaws.com/") == {
        "id": "eu-west-1",
        "arns": arns,
        "names": ["AWSServiceRoleForEC2Spot"] if exists else [],
    }


def test_the_add_on_lookup_fails_where_the_agent_is_not_installed() -> None:
    facts = FACTS.model_copy(update={"pod_identity_agent": False})
    assert _call_with(facts, "aws:eks/getAddon:getAddon", addonName="eks-pod-identity-agent") == (
        {},
        [("addonName", "couldn't find resource")],
    )


def test_the_oidc_provider_lookup_answers_with_the_issuer_and_fails_where_there_is_none() -> None:
    arn = f"{ACCOUNT}:oidc-provider/{ISSUER}"
    token = "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"
    assert _call(token, arn=arn) == {"arn": arn, "url": ISSUER}
    facts = FACTS.model_copy(update={"oidc_provider_exists": False})
    assert _call_with(facts, token, arn=arn) == ({}, [("arn", "finding IAM OIDC Provider: couldn't find resource")])


RUNBOOK_ROLE = OfflineRole(
    path="/legacy/",
    description="nodes",
    attachedPolicies=["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", f"{ACCOUNT}:policy/team/Extra"],
    inlinePolicies=["extra"],
)
IAM_FACTS = FACTS.model_copy(
    update={
        "existing_roles": {"node": RUNBOOK_ROLE},
        "existing_instance_profiles": {
            "profile": OfflineInstanceProfile(path="/legacy/", role="node"),
            "empty": OfflineInstanceProfile(),
        },
    }
)


def test_the_role_lookups_answer_from_the_accounts_roles() -> None:
    assert _call_with(IAM_FACTS, "aws:iam/getRole:getRole", name="node") == {
        "id": "node",
        "name": "node",
        "arn": f"{ACCOUNT}:role/legacy/node",
        "path": "/legacy/",
        "description": "nodes",
        "assumeRolePolicy": "{}",
        "maxSessionDuration": 3600,
        "uniqueId": "AROAOFFLINE",
        "tags": {},
    }
    assert _call_with(IAM_FACTS, "aws:iam/getRolePolicyAttachments:getRolePolicyAttachments", roleName="node") == {
        "id": "node",
        "roleName": "node",
        "attachedPolicies": [
            {
                "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                "policyName": "AmazonEKSWorkerNodePolicy",
            },
            # A policy's name is the last part of its ARN, after any path.
            {"policyArn": f"{ACCOUNT}:policy/team/Extra", "policyName": "Extra"},
        ],
    }
    assert _call_with(IAM_FACTS, "aws:iam/getRolePolicies:getRolePolicies", roleName="node") == {
        "id": "node",
        "roleName": "node",
        "policyNames": ["extra"],
    }


@pytest.mark.parametrize(
    ("token", "args"),
    [
        ("aws:iam/getRole:getRole", {"name": "other"}),
        ("aws:iam/getRolePolicyAttachments:getRolePolicyAttachments", {"roleName": "other"}),
        ("aws:iam/getRolePolicies:getRolePolicies", {"roleName": "other"}),
    ],
)
def test_a_role_the_account_lacks_fails_every_role_lookup_as_aws_does(token: str, args: dict[str, str]) -> None:
    assert _call_with(IAM_FACTS, token, **args) == (
        {},
        [("name", "reading IAM Role (other): NoSuchEntity: The role with name other cannot be found")],
    )


def test_the_instance_profile_lookup_answers_with_the_role_it_holds_or_none() -> None:
    token = "aws:iam/getInstanceProfile:getInstanceProfile"
    assert _call_with(IAM_FACTS, token, name="profile") == {
        "id": "profile",
        "name": "profile",
        "arn": f"{ACCOUNT}:instance-profile/legacy/profile",
        "path": "/legacy/",
        "roleName": "node",
        "roleArn": f"{ACCOUNT}:role/node",
        "roleId": "AROAOFFLINE",
    }
    empty = _call_with(IAM_FACTS, token, name="empty")
    assert (empty["arn"], empty["roleName"], empty["roleArn"]) == (f"{ACCOUNT}:instance-profile/empty", "", "")
    assert _call_with(IAM_FACTS, token, name="other") == (
        {},
        [("name", "reading IAM Instance Profile (other): NoSuchEntity")],
    )


@pytest.mark.parametrize(
    ("typ", "name", "inputs", "resource_id", "outputs"),
    [
        (
            "aws:iam/role:Role",
            "node-role",
            {"name": "karpenter-node-dev"},
            "karpenter-node-dev",
            {"arn": f"{ACCOUNT}:role/karpenter-node-dev", "name": "karpenter-node-dev", "uniqueId": "AROAOFFLINE"},
        ),
        (
            "aws:iam/role:Role",
            "controller-role",
            {},
            "controller-role",
            {"arn": f"{ACCOUNT}:role/controller-role", "name": "controller-role", "uniqueId": "AROAOFFLINE"},
        ),
        (
            "aws:iam/policy:Policy",
            "p",
            {"name": "KarpenterControllerPolicy-dev"},
            f"{ACCOUNT}:policy/KarpenterControllerPolicy-dev",
            {
                "arn": f"{ACCOUNT}:policy/KarpenterControllerPolicy-dev",
                "name": "KarpenterControllerPolicy-dev",
                "policyId": "ANPAOFFLINE",
            },
        ),
        (
            "aws:iam/instanceProfile:InstanceProfile",
            "profile",
            {"name": "karpenter-dev"},
            "karpenter-dev",
            {"arn": f"{ACCOUNT}:instance-profile/karpenter-dev", "name": "karpenter-dev"},
        ),
        (
            "aws:iam/serviceLinkedRole:ServiceLinkedRole",
            "spot",
            {"awsServiceName": "spot.amazonaws.com"},
            f"{ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot",
            {
                "arn": f"{ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot",
                "name": "AWSServiceRoleForEC2Spot",
                "path": "/aws-service-role/spot.amazonaws.com/",
            },
        ),
        (
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
            "oidc",
            {"url": f"https://{ISSUER}"},
            f"{ACCOUNT}:oidc-provider/{ISSUER}",
            {"arn": f"{ACCOUNT}:oidc-provider/{ISSUER}"},
        ),
        (
            "aws:sqs/queue:Queue",
            "queue",
            {"name": "karpenter-dev"},
            "https://sqs.eu-west-1.amazonaws.com/123456789012/karpenter-dev",
            {
                "arn": "arn:aws:sqs:eu-west-1:123456789012:karpenter-dev",
                "url": "https://sqs.eu-west-1.amazonaws.com/123456789012/karpenter-dev",
                "name": "karpenter-dev",
            },
        ),
        (
            "aws:cloudwatch/eventRule:EventRule",
            "rule",
            {"name": "karpenter-dev-spot"},
            "karpenter-dev-spot",
            {"arn": "arn:aws:events:eu-west-1:123456789012:rule/karpenter-dev-spot", "name": "karpenter-dev-spot"},
        ),
        (
            "aws:ec2/tag:Tag",
            "tag",
            {"resourceId": GROUP, "key": "karpenter.sh/discovery"},
            f"{GROUP},karpenter.sh/discovery",
            {},
        ),
        (
            "aws:eks/accessEntry:AccessEntry",
            "entry",
            {"clusterName": "dev", "principalArn": f"{ACCOUNT}:role/node"},
            f"dev:{ACCOUNT}:role/node",
            {"accessEntryArn": "arn:aws:eks:eu-west-1:123456789012:access-entry/dev/node/offline"},
        ),
        (
            "aws:eks/podIdentityAssociation:PodIdentityAssociation",
            "association",
            {},
            "a-offline0000000001",
            {"associationId": "a-offline0000000001"},
        ),
        (
            "kubernetes:helm.sh/v3:Release",
            "karpenter",
            {"name": "karpenter", "namespace": "kube-system"},
            "kube-system/karpenter",
            {"name": "karpenter", "status": {"status": "deployed", "name": "karpenter", "namespace": "kube-system"}},
        ),
        (
            "kubernetes:helm.sh/v3:Release",
            "config",
            {},
            "default/config",
            {"name": "config", "status": {"status": "deployed", "name": "config", "namespace": None}},
        ),
        ("pulumi-python:dynamic:Resource", "aws-auth", {}, "aws-auth-offline", {"adopted": False}),
        ("kubernetes:core/v1:Namespace", "ns", {}, "ns-offline", {}),
    ],
)
def test_a_created_resource_gets_the_id_and_outputs_aws_would_give_it(
    typ: str, name: str, inputs: dict[str, Any], resource_id: str, outputs: dict[str, Any]
) -> None:
    assert _create(typ, name, inputs) == (resource_id, {**inputs, **outputs})


# Facts of an account before the cluster exists: nothing EKS computes for a cluster.
BEFORE_THE_CLUSTER = FACTS.model_copy(
    update=dict.fromkeys(
        ("endpoint", "certificate_authority", "oidc_issuer", "cluster_security_group_id", "kubernetes_version")
    )
)


def _create_in(facts: OfflineFacts, typ: str, name: str, inputs: dict[str, Any], custom: bool = True) -> Any:
    mocks = OfflineMocks(facts, "dev", preview=False)
    return mocks.new_resource(pulumi.runtime.MockResourceArgs(typ=typ, name=name, inputs=inputs, custom=custom))


def test_a_created_cluster_gets_what_eks_computes_and_eks_defaults_for_its_access() -> None:
    vpc = {"subnetIds": ["subnet-1", "subnet-2"]}
    resource_id, created = _create_in(
        BEFORE_THE_CLUSTER, "aws:eks/cluster:Cluster", "c", {"name": "dev", "vpcConfig": vpc}
    )
    computed = {key: created.pop(key) for key in ("endpoint", "certificateAuthority", "identities")}
    group = created["vpcConfig"].pop("clusterSecurityGroupId")
    assert (resource_id, created) == (
        "dev",
        {
            "name": "dev",
            "vpcConfig": {"subnetIds": ["subnet-1", "subnet-2"], "vpcId": VPC},
            "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/dev",
            "accessConfig": {"authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True},
            "version": "",
            "status": "ACTIVE",
        },
    )
    # Shaped as EKS gives them: a 32-character id in the endpoint and the issuer, a 17-digit group.
    cluster_id = computed["endpoint"].removeprefix("https://").split(".")[0]
    assert re.fullmatch("[0-9A-F]{32}", cluster_id)
    assert computed["endpoint"] == f"https://{cluster_id}.gr7.eu-west-1.eks.amazonaws.com"
    assert computed["identities"] == [
        {"oidcs": [{"issuer": f"https://oidc.eks.eu-west-1.amazonaws.com/id/{cluster_id}"}]}
    ]
    assert base64.b64decode(computed["certificateAuthority"]["data"]).startswith(b"-----BEGIN CERTIFICATE-----")
    assert re.fullmatch("sg-[0-9a-f]{17}", group)
    access = {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    _, given = _create("aws:eks/cluster:Cluster", "cluster", {"accessConfig": access, "version": "1.32"})
    assert (given["name"], given["accessConfig"], given["version"]) == ("cluster", access, "1.32")
    assert list(given["vpcConfig"]) == ["vpcId", "clusterSecurityGroupId"]


def test_what_eks_computes_for_a_created_cluster_never_comes_from_the_facts() -> None:
    """The facts describe the account before the cluster exists: a created cluster's endpoint, issuer and
    group are its own, the same run after run, and another cluster's are others."""
    made = _create("aws:eks/cluster:Cluster", "c", {"name": "dev"})[1]
    again = _create_in(BEFORE_THE_CLUSTER, "aws:eks/cluster:Cluster", "c", {"name": "dev"})[1]
    other = _create("aws:eks/cluster:Cluster", "c", {"name": "prod"})[1]
    assert made == again
    assert made["endpoint"] != ENDPOINT and ISSUER not in json.dumps(made)
    assert made["vpcConfig"]["clusterSecurityGroupId"] != GROUP
    assert made["certificateAuthority"] != {"data": FACTS.certificate_authority}
    assert other["endpoint"] != made["endpoint"]
    assert other["vpcConfig"]["clusterSecurityGroupId"] != made["vpcConfig"]["clusterSecurityGroupId"]


def test_a_first_preview_knows_only_what_the_program_gave() -> None:
    assert _create("aws:iam/role:Role", "node-role", {"name": "n"}, preview=True) == ("", {"name": "n"})
    _, cluster = _create("aws:eks/cluster:Cluster", "cluster", {"name": "dev", "vpcConfig": {"subnetIds": ["s"]}}, True)
    unknown = pulumi.runtime.rpc.UNKNOWN
    assert cluster == {
        "name": "dev",
        "vpcConfig": {"subnetIds": ["s"], "clusterSecurityGroupId": unknown, "vpcId": unknown},
    }
    assert _create("aws:eks/cluster:Cluster", "cluster", {"name": "dev"}, preview=True) == ("", {"name": "dev"})
    assert _create("eks:index:Cluster", "cluster", {"name": "dev"}, preview=True) == (None, {})


def test_a_component_gets_no_id_and_no_outputs() -> None:
    assert _create("karpenter:stack:Karpenter", "karpenter", {"a": 1}, custom=False) == (None, {})


def test_a_pulumi_eks_cluster_answers_with_its_kubeconfig_and_oidc_provider_and_its_own_group() -> None:
    resource_id, outputs = _create_in(BEFORE_THE_CLUSTER, "eks:index:Cluster", "cluster", {"name": "ml"}, False)
    assert resource_id is None
    declared = _create_in(BEFORE_THE_CLUSTER, "aws:eks/cluster:Cluster", "c", {"name": "ml"})[1]
    issuer = declared["identities"][0]["oidcs"][0]["issuer"].removeprefix("https://")
    assert json.loads(outputs.pop("kubeconfigJson")) == kubeconfig(
        "ml", "eu-west-1", declared["endpoint"], declared["certificateAuthority"]["data"]
    )
    assert outputs == {
        "oidcIssuer": issuer,
        "oidcProviderUrl": f"https://{issuer}",
        "oidcProviderArn": f"{ACCOUNT}:oidc-provider/{issuer}",
        "clusterSecurityGroupId": pulumi_eks_security_group_id(declared["vpcConfig"]["clusterSecurityGroupId"]),
    }
    unnamed = json.loads(_create("eks:index:Cluster", "cluster", {}, custom=False)[1]["kubeconfigJson"])
    assert unnamed["clusters"][0]["name"] == "dev"
    assert _create("eks:index:ManagedNodeGroup", "system", {"clusterName": "ml"}, custom=False) == (None, {})


def test_a_pulumi_eks_cluster_carries_its_credential_options_into_its_kubeconfig() -> None:
    """pulumi_eks KubeconfigOptionsArgs: "The profile is passed to kubeconfig as an authentication
    environment setting. The role is passed to kubeconfig as an authentication exec argument."."""
    role = "arn:aws:iam::123456789012:role/deployer"
    given = {"name": "ml", "providerCredentialOpts": {"profileName": "ops", "roleArn": role}}
    token = json.loads(_create("eks:index:Cluster", "cluster", given, custom=False)[1]["kubeconfigJson"])
    exec_ = token["users"][0]["user"]["exec"]
    assert exec_["args"][-2:] == ["--role-arn", role]
    assert exec_["env"] == [{"name": "AWS_PROFILE", "value": "ops"}]


def test_disabled_default_providers_are_read_as_the_engine_reads_them() -> None:
    """pulumi/pulumi pkg/resource/deploy/default_providers.go `shouldDenyRequest`: a JSON list of
    packages, `*` for all, never `pulumi` itself; the message is sdk/go/common/diag/errors.go's
    `GetDefaultProviderDenied`."""
    disabled = DisabledDefaultProviders.from_settings({"pulumi:disable-default-providers": '[" aws "]'})
    assert disabled.refusal("aws", "aws:index/getRegion:getRegion") == (
        "Default provider for 'aws' disabled. 'aws:index/getRegion:getRegion' must use an explicit provider."
    )
    assert disabled.refusal("kubernetes", "x") is None
    everything = DisabledDefaultProviders.from_settings({"pulumi:disable-default-providers": '["*"]'})
    assert everything.refusal("pulumi-python", "u") == (
        "Default provider for 'pulumi-python' disabled. 'u' must use an explicit provider."
    )
    assert everything.refusal("pulumi", "u") is None
    assert DisabledDefaultProviders.from_settings({"pulumi:disable-default-providers": ""}).refusal("aws", "x") is None
    assert DisabledDefaultProviders.from_settings({}).refusal("aws", "x") is None


def test_a_resource_without_a_provider_is_refused_where_its_default_provider_is_disabled() -> None:
    def declare(explicit: bool) -> Callable[[], None]:
        def user_program() -> None:
            mine = aws.Provider("mine", region="eu-west-1")
            opts = pulumi.ResourceOptions(provider=mine) if explicit else None
            aws.sqs.Queue("queue", opts=opts)

        return user_program

    settings = {"aws:region": "eu-west-1", "pulumi:disable-default-providers": '["aws"]'}
    with pytest.raises(SynthError) as refused:
        run_mocked(declare(explicit=False), "test", settings, FACTS, cluster_name="dev")
    assert str(refused.value) == (
        "Default provider for 'aws' disabled. "
        "'urn:pulumi:test::karpenter::pulumi:pulumi:Stack$aws:sqs/queue:Queue::queue' must use an explicit provider."
    )
    result = run_mocked(declare(explicit=True), "test", settings, FACTS, cluster_name="dev")
    (queue,) = result.of_type("aws:sqs/queue:Queue")
    assert result.providers[queue.urn].provider.startswith("urn:pulumi:test::karpenter::")


def test_pulumi_eks_answers_with_its_own_group_and_eks_with_the_group_it_makes() -> None:
    """pulumi-eks 4.4 `Cluster.cluster_security_group_id` (pulumi_eks/cluster.py): "Returns the EKS created
    security group if `skipDefaultSecurityGroups` is set to true"; otherwise it is pulumi-eks's own extra
    group. The EKS-made group is what the cluster lookup, once the cluster exists, and a declared
    `aws.eks.Cluster` report."""
    mocks = OfflineMocks(BEFORE_THE_CLUSTER, "dev", preview=False)
    lookup = pulumi.runtime.MockCallArgs(token="aws:eks/getCluster:getCluster", args={"name": "dev"}, provider="")
    assert mocks.call(lookup) == ({}, [("name", "couldn't find resource: EKS cluster dev")])
    given = {"name": "dev", "version": "1.33", "authenticationMode": "API", "privateSubnetIds": ["subnet-1"]}
    component = pulumi.runtime.MockResourceArgs(typ="eks:index:Cluster", name="c", inputs=given, custom=False)
    own = mocks.new_resource(component)[1]["clusterSecurityGroupId"]
    found = mocks.call(lookup)
    eks_group = found["vpcConfig"]["clusterSecurityGroupId"]
    assert own == pulumi_eks_security_group_id(eks_group) != eks_group
    assert (found["version"], found["accessConfigs"][0]["authenticationMode"]) == ("1.33", "API")
    assert found["vpcConfig"]["subnetIds"] == ["subnet-1"]
    assert (
        _create_in(BEFORE_THE_CLUSTER, "aws:eks/cluster:Cluster", "c", {"name": "dev"})[1]["vpcConfig"][
            "clusterSecurityGroupId"
        ]
        == eks_group
    )
    # The group EKS made is there to look up, untagged.
    group = pulumi.runtime.MockCallArgs(
        token="aws:ec2/getSecurityGroup:getSecurityGroup", args={"id": eks_group}, provider=""
    )
    assert mocks.call(group) == {"id": eks_group, "vpcId": VPC, "tags": {}}
