"""Adoption as the program registers it: with the runbook's IAM and tags in the facts, no `adopt`
is refused naming the key, and `adopt: true` imports exactly what the runbook made, keeps the node
identity and the runbook's tags on destroy, and removes the inline policy after the scoped ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from karpenter.config.errors import ConfigError
from karpenter.offline.facts import OfflineFacts, OfflineRole, load_facts_file
from karpenter.offline.program import SynthResult
from tests.conftest import FIXTURES, Run, facts_with

RUNBOOK_FACTS = FIXTURES / "facts" / "runbook.yaml"
SUBNET_A, SUBNET_B, SUBNET_C = "subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"
AWS_POLICY = "arn:aws:iam::aws:policy/"


def runbook_facts() -> OfflineFacts:
    return load_facts_file(Path(RUNBOOK_FACTS))


def imports(result: SynthResult) -> dict[str, str]:
    return {r.name: r.options["importId"] for r in result.resources if "importId" in r.options}


def retained(result: SynthResult) -> set[str]:
    return {r.name for r in result.resources if r.options.get("retainOnDelete")}


def test_without_adopt_the_runbooks_roles_are_refused_naming_the_key(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run(facts=runbook_facts())
    assert str(refused.value) == (
        "karpenter:adopt: IAM role karpenter-node-role-dev, instance profile karpenter-instance-profile-dev and "
        "IAM role karpenter-controller-role-dev already exist, not made by this stack (the v0.x runbook makes "
        "them), so creating them would fail with EntityAlreadyExists; set karpenter:adopt to true to take them "
        "over by import, or delete them"
    )


def test_with_adopt_exactly_the_runbooks_resources_are_imported(run: Run) -> None:
    result = run({"adopt": True}, facts=runbook_facts())
    assert imports(result) == {
        "node-role": "karpenter-node-role-dev",
        "node-AmazonEKSWorkerNodePolicy": f"karpenter-node-role-dev/{AWS_POLICY}AmazonEKSWorkerNodePolicy",
        "node-AmazonEKS_CNI_Policy": f"karpenter-node-role-dev/{AWS_POLICY}AmazonEKS_CNI_Policy",
        "node-AmazonSSMManagedInstanceCore": f"karpenter-node-role-dev/{AWS_POLICY}AmazonSSMManagedInstanceCore",
        "node-instance-profile": "karpenter-instance-profile-dev",
        "controller-role": "karpenter-controller-role-dev",
        "spot-role": "arn:aws:iam::123456789012:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot",
        f"discovery-{SUBNET_A}-cluster": f"{SUBNET_A},kubernetes.io/cluster/dev",
        f"discovery-{SUBNET_A}-subnet": f"{SUBNET_A},subnet",
        f"discovery-{SUBNET_B}-cluster": f"{SUBNET_B},kubernetes.io/cluster/dev",
        f"discovery-{SUBNET_B}-subnet": f"{SUBNET_B},subnet",
        "discovery-cluster-security-group-discovery": "sg-0a1b2c3d4e5f6a7b8,karpenter.sh/discovery",
    }


def test_the_stack_converges_the_adopted_roles_to_its_own_form(run: Run) -> None:
    result = run({"adopt": True}, facts=runbook_facts())
    assert result.named("node-role").inputs["description"] == "Nodes that Karpenter launches for EKS cluster dev"
    # PullOnly is new: created beside the imported attachments; the runbook's ReadOnly is left alone.
    attached = {
        r.inputs["policyArn"].removeprefix(AWS_POLICY)
        for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.parent.endswith("::node")
    }
    assert "AmazonEC2ContainerRegistryPullOnly" in attached and "AmazonEC2ContainerRegistryReadOnly" not in attached
    assert "node-AmazonEC2ContainerRegistryPullOnly" not in imports(result)


def test_the_node_identity_and_the_runbooks_tags_outlive_a_destroy(run: Run) -> None:
    result = run({"adopt": True}, facts=runbook_facts())
    assert {
        "node-role",
        "node-AmazonEKSWorkerNodePolicy",
        "node-AmazonEC2ContainerRegistryPullOnly",
        "node-instance-profile",
        f"discovery-{SUBNET_C}-cluster",
        f"discovery-{SUBNET_C}-subnet",
        "discovery-cluster-security-group-discovery",
    } <= retained(result)
    # Imported or not, every tag stays a child of the discovery tags, where the stack's state keeps it.
    assert {r.parent.split("::")[-1] for r in result.of_type("aws:ec2/tag:Tag")} == {"discovery"}
    # The discovery tag the runbook never set on subnets is the stack's own, deleted with it.
    assert f"discovery-{SUBNET_A}-discovery" not in retained(result)
    assert "controller-role" not in retained(result)


def test_without_adopt_destroy_deletes_the_stacks_tags_as_before(run: Run) -> None:
    result = run()
    assert not [name for name in retained(result) if name.startswith("discovery-")]
    assert not imports(result).keys() - {"spot-role"}


def test_the_inline_runbook_policy_goes_only_after_the_scoped_policies_are_attached(run: Run) -> None:
    result = run({"adopt": True}, facts=runbook_facts())
    (exclusive,) = result.of_type("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive")
    assert exclusive.inputs == {"roleName": "karpenter-controller-role-dev", "policyNames": []}
    attachments = [
        r.urn
        for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.parent.endswith("::controller")
    ]
    assert len(attachments) == 6
    assert set(attachments) <= set(exclusive.dependencies)


def test_the_inline_policy_removal_is_part_of_the_controller_identity(run: Run) -> None:
    result = run({"adopt": True}, facts=runbook_facts())
    (exclusive,) = result.of_type("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive")
    assert exclusive.parent == result.named("controller").urn


def test_the_adopted_controller_role_takes_the_stacks_description(run: Run) -> None:
    # The description is how a later run tells a role this stack made or took over from a hand-made one.
    result = run({"adopt": True}, facts=runbook_facts())
    assert result.named("controller-role").inputs["description"] == "Karpenter controller of EKS cluster dev"


def test_roles_this_stack_made_are_its_own_and_need_no_adopt(run: Run) -> None:
    own = {
        "karpenter-node-role-dev": OfflineRole(description="Nodes that Karpenter launches for EKS cluster dev"),
        "karpenter-controller-role-dev": OfflineRole(description="Karpenter controller of EKS cluster dev"),
    }
    facts = runbook_facts().model_copy(update={"existing_roles": own})
    assert not imports(run(facts=facts)).keys() - {"spot-role"}
    # Adopted already: the roles and profile keep their import ids (a no-op in the stack's state), and
    # the attachments, made by the stack, are not imported again.
    adopted = imports(run({"adopt": True}, facts=facts))
    assert {"node-role", "node-instance-profile", "controller-role"} <= adopted.keys()
    assert not [name for name in adopted if name.startswith("node-Amazon")]


def test_an_instance_profile_holding_another_role_is_not_adopted(run: Run) -> None:
    facts = runbook_facts()
    profile = facts.existing_instance_profiles["karpenter-instance-profile-dev"].model_copy(
        update={"role": "legacy-nodes"}
    )
    facts = facts.model_copy(update={"existing_instance_profiles": {"karpenter-instance-profile-dev": profile}})
    with pytest.raises(ConfigError) as refused:
        run({"adopt": True}, facts=facts)
    assert str(refused.value).startswith(
        "karpenter:adopt: instance profile karpenter-instance-profile-dev holds role legacy-nodes, "
        "not karpenter-node-role-dev"
    )


def test_adopt_does_not_apply_to_a_cluster_the_stack_creates(run: Run) -> None:
    cluster = {"create": True, "vpcId": "vpc-0a1b2c3d4e5f6a7b8", "subnetIds": [SUBNET_A, SUBNET_B]}
    with pytest.raises(ConfigError) as refused:
        run({"adopt": True, "cluster": cluster}, facts=facts_with())
    assert str(refused.value) == (
        "karpenter:adopt: takes over what a hand-made install made for an existing cluster the stack attaches "
        "to by name; it does not apply to a cluster the stack creates or a program passes in"
    )


def test_the_mock_answers_the_iam_lookups_as_aws_does(run: Run) -> None:
    # No existing IAM: every lookup fails with NoSuchEntity, and the stack creates everything.
    result = run()
    assert result.named("node-role").options == {}


def test_an_empty_instance_profile_of_the_runbook_is_adopted_and_given_the_node_role(run: Run) -> None:
    facts = runbook_facts()
    empty = facts.existing_instance_profiles["karpenter-instance-profile-dev"].model_copy(update={"role": None})
    facts = facts.model_copy(update={"existing_instance_profiles": {"karpenter-instance-profile-dev": empty}})
    result = run({"adopt": True}, facts=facts)
    assert imports(result)["node-instance-profile"] == "karpenter-instance-profile-dev"
    assert result.named("node-instance-profile").inputs["role"] == "karpenter-node-role-dev"


def test_an_instance_profile_off_the_root_path_is_not_adopted(run: Run) -> None:
    facts = runbook_facts()
    profile = facts.existing_instance_profiles["karpenter-instance-profile-dev"].model_copy(update={"path": "/legacy/"})
    facts = facts.model_copy(update={"existing_instance_profiles": {"karpenter-instance-profile-dev": profile}})
    with pytest.raises(ConfigError) as refused:
        run({"adopt": True}, facts=facts)
    assert str(refused.value) == (
        "karpenter:adopt: instance profile karpenter-instance-profile-dev has path /legacy/, and the stack's live "
        "at /; a path cannot change without replacing it, so adopt cannot take it over: delete it once nothing "
        "runs on it"
    )


def test_a_controller_role_off_the_root_path_is_not_adopted(run: Run) -> None:
    facts = runbook_facts()
    roles = {**facts.existing_roles, "karpenter-controller-role-dev": OfflineRole(path="/legacy/")}
    with pytest.raises(ConfigError) as refused:
        run({"adopt": True}, facts=facts.model_copy(update={"existing_roles": roles}))
    assert str(refused.value) == (
        "karpenter:adopt: IAM role karpenter-controller-role-dev has path /legacy/, and the stack's live at /; a "
        "path cannot change without replacing it, so adopt cannot take it over: delete it once nothing runs on it"
    )


def test_iam_the_account_reports_with_no_path_is_taken_as_at_the_root(run: Run) -> None:
    facts = runbook_facts()
    roles = {name: role.model_copy(update={"path": ""}) for name, role in facts.existing_roles.items()}
    profiles = {name: p.model_copy(update={"path": ""}) for name, p in facts.existing_instance_profiles.items()}
    assert sorted(roles) == ["karpenter-controller-role-dev", "karpenter-node-role-dev"]
    assert sorted(profiles) == ["karpenter-instance-profile-dev"]
    facts = facts.model_copy(update={"existing_roles": roles, "existing_instance_profiles": profiles})
    adopted = imports(run({"adopt": True}, facts=facts))
    assert {
        "node-role": "karpenter-node-role-dev",
        "node-instance-profile": "karpenter-instance-profile-dev",
        "controller-role": "karpenter-controller-role-dev",
    }.items() <= adopted.items()
