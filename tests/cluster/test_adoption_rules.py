"""The adoption rules as plain data: what counts as the stack's own, what adopt cannot take over."""

from __future__ import annotations

import pytest

from karpenter.cluster.adoption import (
    Adoption,
    ExistingIam,
    ExistingInstanceProfile,
    ExistingRole,
    foreign_resources,
    plan_adoption,
)
from karpenter.config.errors import ConfigError

NODE_POLICIES = ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]


def test_a_role_is_the_stacks_when_it_carries_the_stacks_description() -> None:
    own = ExistingRole("karpenter-node-role-dev", description="Nodes that Karpenter launches for EKS cluster dev")
    hand_made = ExistingRole("karpenter-node-role-dev")
    profile = ExistingInstanceProfile("karpenter-instance-profile-dev", role_name="karpenter-node-role-dev")
    assert foreign_resources(ExistingIam(node_role=own, instance_profile=profile), "dev") == []
    assert foreign_resources(ExistingIam(node_role=hand_made, instance_profile=profile), "dev") == [
        "IAM role karpenter-node-role-dev",
        "instance profile karpenter-instance-profile-dev",
    ]


def test_a_role_off_the_root_path_cannot_be_adopted() -> None:
    existing = ExistingIam(node_role=ExistingRole("karpenter-node-role-dev", path="/legacy/"))
    with pytest.raises(ConfigError) as refused:
        plan_adoption(True, existing, "dev", NODE_POLICIES)
    assert str(refused.value).startswith("karpenter:adopt: IAM role karpenter-node-role-dev has path /legacy/")


def test_only_attachments_that_exist_on_the_hand_made_role_are_imported() -> None:
    role = ExistingRole("karpenter-node-role-dev", attached_policy_arns=(NODE_POLICIES[0],))
    adoption = plan_adoption(True, ExistingIam(node_role=role), "dev", NODE_POLICIES)
    assert adoption.node_attachments == {NODE_POLICIES[0]: f"karpenter-node-role-dev/{NODE_POLICIES[0]}"}
    assert (adoption.node_role, adoption.instance_profile, adoption.controller_role) == (
        "karpenter-node-role-dev",
        None,
        None,
    )


def test_nothing_existing_needs_no_adopt_and_adopt_then_imports_nothing() -> None:
    assert plan_adoption(False, ExistingIam(), "dev", NODE_POLICIES) == Adoption(active=False)
    assert plan_adoption(True, ExistingIam(), "dev", NODE_POLICIES) == Adoption(active=True)


def test_one_foreign_name_is_refused_as_existing_alone() -> None:
    existing = ExistingIam(controller_role=ExistingRole("karpenter-controller-role-dev"))
    with pytest.raises(ConfigError) as refused:
        plan_adoption(False, existing, "dev", NODE_POLICIES)
    assert str(refused.value) == (
        "karpenter:adopt: IAM role karpenter-controller-role-dev already exists, not made by this stack (the v0.x "
        "runbook makes them), so creating them would fail with EntityAlreadyExists; set karpenter:adopt to true to "
        "take them over by import, or delete them"
    )


def test_two_foreign_names_are_refused_joined_by_and() -> None:
    existing = ExistingIam(
        node_role=ExistingRole("karpenter-node-role-dev"),
        instance_profile=ExistingInstanceProfile("karpenter-instance-profile-dev"),
    )
    with pytest.raises(ConfigError) as refused:
        plan_adoption(False, existing, "dev", NODE_POLICIES)
    assert str(refused.value) == (
        "karpenter:adopt: IAM role karpenter-node-role-dev and instance profile karpenter-instance-profile-dev "
        "already exist, not made by this stack (the v0.x runbook makes them), so creating them would fail with "
        "EntityAlreadyExists; set karpenter:adopt to true to take them over by import, or delete them"
    )


def test_attachments_of_a_node_role_the_stack_made_are_not_imported_again() -> None:
    role = ExistingRole(
        "karpenter-node-role-dev",
        description="Nodes that Karpenter launches for EKS cluster dev",
        attached_policy_arns=tuple(NODE_POLICIES),
    )
    adoption = plan_adoption(True, ExistingIam(node_role=role), "dev", NODE_POLICIES)
    assert adoption.node_attachments == {}
    assert (adoption.node_role, adoption.instance_profile, adoption.controller_role) == (
        "karpenter-node-role-dev",
        None,
        None,
    )
