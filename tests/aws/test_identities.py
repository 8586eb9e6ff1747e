"""Node and controller identities as the program registers them under the mock engine."""

from __future__ import annotations

import json

import pytest

from karpenter.aws.iam.documents import MAX_MANAGED_POLICY_SIZE, document_size
from karpenter.offline.facts import sample_facts
from karpenter.offline.monitor import COMPUTED
from tests.conftest import FIXTURES, Run, facts_with, policy

NODE_POLICIES = {
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
}


def test_node_role_is_trusted_by_ec2_and_holds_the_four_node_policies(run: Run) -> None:
    result = run()
    role = result.named("node-role")
    assert role.inputs["name"] == "karpenter-node-role-dev"
    trust = policy(role, "assumeRolePolicy")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert statement["Action"] in ("sts:AssumeRole", ["sts:AssumeRole"])
    attached = [
        r for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.parent.endswith("::node")
    ]
    assert {r.inputs["policyArn"].rsplit("/", 1)[1] for r in attached} == NODE_POLICIES
    assert all(r.inputs["role"] == "karpenter-node-role-dev" for r in attached)
    assert all(role.urn in r.dependencies for r in attached)


def test_instance_profile_holds_the_node_role_and_waits_for_its_policies(run: Run) -> None:
    result = run()
    (profile,) = result.of_type("aws:iam/instanceProfile:InstanceProfile")
    assert profile.inputs["name"] == "karpenter-instance-profile-dev"
    assert profile.inputs["role"] == "karpenter-node-role-dev"
    attachment_urns = {
        r.urn
        for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.parent.endswith("::node")
    }
    assert attachment_urns <= set(profile.dependencies)


def test_irsa_role_trusts_only_the_karpenter_service_account(run: Run) -> None:
    result = run({"namespace": "karpenter"})
    trust = policy(result.named("controller-role"), "assumeRolePolicy")
    (statement,) = trust["Statement"]
    issuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789ABCDEF0123456789"
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{issuer}"}
    assert statement["Action"] in ("sts:AssumeRoleWithWebIdentity", ["sts:AssumeRoleWithWebIdentity"])
    assert statement["Condition"] == {
        "StringEquals": {
            f"{issuer}:aud": "sts.amazonaws.com",
            f"{issuer}:sub": "system:serviceaccount:karpenter:karpenter",
        }
    }
    assert result.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation") == []


def test_pod_identity_role_trusts_eks_pods_and_is_associated(run: Run) -> None:
    result = run({"identity": "pod-identity", "namespace": "karpenter"})
    trust = policy(result.named("controller-role"), "assumeRolePolicy")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    (association,) = result.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert association.inputs["clusterName"] == "dev"
    assert association.inputs["namespace"] == "karpenter"
    assert association.inputs["serviceAccount"] == "karpenter"
    assert association.inputs["roleArn"] == "arn:aws:iam::123456789012:role/karpenter-controller-role-dev"
    assert result.named("controller-role").urn in association.dependencies


def test_controller_gets_the_six_upstream_policies_attached(run: Run) -> None:
    result = run()
    created = {r.name: r for r in result.of_type("aws:iam/policy:Policy")}
    kinds = ["NodeLifecycle", "IAMIntegration", "EKSIntegration", "Interruption", "ZonalShift", "ResourceDiscovery"]
    assert list(created) == [f"controller-{kind}" for kind in kinds]
    for kind in kinds:
        assert created[f"controller-{kind}"].inputs["name"] == f"KarpenterController{kind}Policy-dev"
    attachments = [
        r for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "::controller" in r.parent
    ]
    assert {a.inputs["policyArn"].rsplit("/", 1)[1] for a in attachments} == {
        f"KarpenterController{kind}Policy-dev" for kind in kinds
    }


def test_the_controller_policies_are_the_reviewed_documents_described_for_the_cluster(run: Run) -> None:
    # The stack owns the instance profile: the reviewed documents grant no instance-profile management.
    result = run()
    reviewed = json.loads((FIXTURES / "iam" / "controller-policies-dev.json").read_text())
    descriptions = {
        "NodeLifecycle": "Karpenter controller NodeLifecycle permissions for EKS cluster dev",
        "IAMIntegration": "Karpenter controller IAMIntegration permissions for EKS cluster dev",
        "EKSIntegration": "Karpenter controller EKSIntegration permissions for EKS cluster dev",
        "Interruption": "Karpenter controller Interruption permissions for EKS cluster dev",
        "ZonalShift": "Karpenter controller ZonalShift permissions for EKS cluster dev",
        "ResourceDiscovery": "Karpenter controller ResourceDiscovery permissions for EKS cluster dev",
    }
    created = result.of_type("aws:iam/policy:Policy")
    assert len(created) == 6
    for kind, description in descriptions.items():
        created_policy = result.named(f"controller-{kind}")
        assert policy(created_policy) == reviewed[kind], kind
        assert created_policy.inputs["description"] == description


def test_passrole_is_limited_to_the_node_role_of_this_stack(run: Run) -> None:
    result = run()
    node_role_arn = result.outputs["nodeRoleArn"]
    passes = [
        statement
        for r in result.of_type("aws:iam/policy:Policy")
        for statement in policy(r)["Statement"]
        if "iam:PassRole" in statement["Action"]
    ]
    assert passes, "the controller must be able to pass the node role"
    for statement in passes:
        assert statement["Resource"] == node_role_arn
        assert statement["Condition"]["StringEquals"]["iam:PassedToService"][0] == "ec2.amazonaws.com"


def test_queue_permissions_name_only_the_interruption_queue(run: Run) -> None:
    result = run()
    document = policy(result.named("controller-Interruption"))
    queue_arn = "arn:aws:sqs:eu-west-1:123456789012:karpenter-dev"
    assert [s["Resource"] for s in document["Statement"]] == [queue_arn]
    assert result.named("interruption-queue").urn in result.named("controller").dependencies


def test_without_interruption_there_is_no_queue_policy_or_queue(run: Run) -> None:
    result = run({"interruption": False})
    assert "controller-Interruption" not in [r.name for r in result.of_type("aws:iam/policy:Policy")]
    assert result.of_type("aws:sqs/queue:Queue") == []
    assert result.outputs["interruptionQueueName"] is None


def test_every_policy_document_fits_for_a_100_character_cluster(run: Run) -> None:
    name = "k" * 100
    result = run({"clusterName": name}, facts=facts_with())
    policies = [json.loads(r.inputs["policy"]) for r in result.of_type("aws:iam/policy:Policy")]
    assert len(policies) == 6
    assert max(document_size(d) for d in policies) <= MAX_MANAGED_POLICY_SIZE
    roles = result.of_type("aws:iam/role:Role")
    assert len(roles) == 2
    for role in roles:
        assert len(role.inputs["name"]) <= 64


def test_partition_region_and_account_come_from_the_provider(run: Run) -> None:
    facts = sample_facts("cn-north-1").model_copy(update={"account_id": "210987654321"})
    result = run(facts=facts)
    text = json.dumps([r.inputs for r in result.resources])
    assert "arn:aws:" not in text
    assert "123456789012" not in text
    assert "eu-west-1" not in text
    assert "arn:aws-cn:iam::210987654321:role/karpenter-node-role-dev" in text
    trust = policy(result.named("node-role"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com.cn"}


def test_missing_oidc_provider_is_refused_unless_the_stack_creates_it(run: Run) -> None:
    from karpenter.config.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        run(facts=facts_with(oidc_provider_exists=False))
    assert str(refused.value) == (
        "karpenter:identity: 'irsa' needs an IAM OIDC provider for "
        "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789ABCDEF0123456789, and cluster 'dev' has none; "
        "set karpenter:createOidcProvider to true, or use 'pod-identity'"
    )
    result = run({"createOidcProvider": True}, facts=facts_with(oidc_provider_exists=False))
    (provider,) = result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert provider.urn in result.named("controller-role").dependencies
    assert run({"identity": "pod-identity"}, facts=facts_with(oidc_provider_exists=False)).outputs["identity"] == (
        "pod-identity"
    )


def test_the_oidc_provider_the_stack_creates_is_part_of_the_controller_identity(run: Run) -> None:
    result = run({"createOidcProvider": True}, facts=facts_with(oidc_provider_exists=False))
    (provider,) = result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.name == "controller-oidc-provider"
    assert provider.parent == result.named("controller").urn


def test_pod_identity_makes_no_oidc_provider_and_its_association_is_part_of_the_controller_identity(
    run: Run,
) -> None:
    result = run({"identity": "pod-identity"}, facts=facts_with(oidc_provider_exists=False))
    assert result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    (association,) = result.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert association.parent == result.named("controller").urn


def test_first_preview_completes_with_unknown_computed_outputs(run: Run) -> None:
    result = run(preview=True)
    assert result.outputs["nodeRoleArn"] == COMPUTED
    assert result.outputs["controllerRoleArn"] == COMPUTED
    assert result.outputs["nodeRoleName"] == "karpenter-node-role-dev"
    # Policy documents are known before anything exists, so a preview shows them in full.
    assert "iam:PassRole" in result.named("controller-IAMIntegration").inputs["policy"]
    (association,) = run({"identity": "pod-identity"}, preview=True).of_type(
        "aws:eks/podIdentityAssociation:PodIdentityAssociation"
    )
    assert association.inputs["roleArn"] == COMPUTED


def test_pod_identity_needs_the_agent_add_on_on_an_existing_cluster(run: Run) -> None:
    from karpenter.config.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        run({"identity": "pod-identity"}, facts=facts_with(pod_identity_agent=False))
    assert str(refused.value) == (
        "karpenter:identity: 'pod-identity' needs the eks-pod-identity-agent add-on, and cluster 'dev' does not "
        "have it; install the add-on, or use 'irsa'"
    )
    assert run({"identity": "irsa"}, facts=facts_with(pod_identity_agent=False)).outputs["identity"] == "irsa"
