"""What deployed stacks have keeps its URN, or declares the URN it had as an alias: a resource whose
URN changes without one is replaced on the next `pulumi up` (created anew, the deployed one deleted).
The record of every resource's URN is tests/fixtures/urns; see tests/urn_record.py."""

from __future__ import annotations

import pytest

from karpenter.offline.facts import sample_facts
from tests import urn_record
from tests.conftest import Run
from tests.urn_record import STACKS, RecordedStack

TAG = "karpenter:stack:Karpenter$karpenter:discovery_tags:DiscoveryTags$aws:ec2/tag:Tag"
REGENERATE = "venv/bin/python -m tests.urn_record"


def _rendered(stack: RecordedStack) -> urn_record.SynthResult:
    if stack.example is not None and not stack.example.exists():
        pytest.skip(f"{stack.example.name} is gone: the project's example stacks are its user's to delete")
    return stack.render()


@pytest.mark.parametrize("stack", STACKS, ids=[stack.name for stack in STACKS])
def test_every_recorded_urn_is_still_registered_or_answered_by_an_alias(stack: RecordedStack) -> None:
    gone = urn_record.unanswered(urn_record.recorded(stack), _rendered(stack))
    assert not gone, (
        f"{stack.name}: the engine would replace (create anew, then delete) what deployed stacks have under "
        + ", ".join(gone)
        + ". Declare the old name or parent on the resource that took its place, "
        "opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=..., parent=...)]), "
        f"or, if the replacement is meant, say so in the changelog and run {REGENERATE}"
    )


@pytest.mark.parametrize("stack", STACKS, ids=[stack.name for stack in STACKS])
def test_every_registered_urn_is_in_the_record(stack: RecordedStack) -> None:
    new = urn_record.unrecorded(urn_record.recorded(stack), _rendered(stack))
    assert not new, f"{stack.name}: new resources {', '.join(new)}; record them with {REGENERATE}"


def test_a_recorded_urn_no_resource_answers_to_is_reported(run: Run) -> None:
    result = run()
    renamed = f"urn:pulumi:test::karpenter::{TAG}::discovery-subnet-0a1b2c3d4e5f6a7b1-renamed"
    assert urn_record.unanswered([*urn_record.urns(result), renamed], result) == [renamed]


def test_the_security_group_tag_answers_to_the_name_the_first_release_gave_it(run: Run) -> None:
    """The first releases named it `discovery-<group id>-discovery`; the engine takes the deployed tag for
    this one, rather than writing the tag anew and then deleting the old one, and the key with it."""
    group = sample_facts("eu-west-1").cluster_security_group_id
    result = run()
    [tag] = [r for r in result.resources if r.name == "discovery-cluster-security-group-discovery"]
    first_release = f"urn:pulumi:test::karpenter::{TAG}::discovery-{group}-discovery"
    assert urn_record.alias_urns(result)[urn_record.engine_urns(result)[tag.urn]] == {first_release}
    assert urn_record.unanswered([first_release], result) == []


def test_a_child_answers_to_its_name_under_each_urn_its_parent_answers_to(run: Run) -> None:
    """As the engine derives a child's aliases from its parent's (pulumi/pulumi
    pkg/resource/deploy/step_generator.go, `generateAliases` and `inheritedChildAlias`: a child named
    after its parent answers to the name it had under the parent's former name)."""
    result = run()
    [tag] = [r for r in result.resources if r.name == "discovery-cluster-security-group-added-tags"]
    [component] = [r for r in result.resources if r.type == "karpenter:discovery_tags:DiscoveryTags"]
    component.options["aliases"] = [{"type": "karpenter:tags:DiscoveryTags", "name": "tags"}]
    answers = urn_record.alias_urns(result)[urn_record.engine_urns(result)[tag.urn]]
    assert answers == {
        "urn:pulumi:test::karpenter::karpenter:stack:Karpenter$karpenter:tags:DiscoveryTags$aws:ec2/tag:Tag"
        "::tags-cluster-security-group-added-tags"
    }


def test_the_system_node_attachments_answer_to_the_names_the_first_create_mode_release_gave_them() -> None:
    """Create mode first named them `cluster-system-<policy>`; as `cluster-system-node-<policy>` without
    an alias the engine would attach the policy anew, then delete the old attachment, detaching it
    (AttachRolePolicy and DetachRolePolicy name only the role and the policy)."""
    [create] = [stack for stack in STACKS if stack.name == "create"]
    result = create.render()
    parent = "karpenter:cluster:NewCluster$aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    first_release = [
        f"urn:pulumi:create::karpenter::{parent}::cluster-system-{policy}"
        for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly")
    ]
    assert urn_record.unanswered(first_release, result) == []
