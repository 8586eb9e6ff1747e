"""Which discovery tags the stack owns: what it added is deleted on destroy, what a subnet or group
carried before the stack is left, and a marker tag per resource keeps the two apart on every later
run, when the lookups see the stack's own tags too."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.aws.discovery_tags import (
    PlannedTag,
    TagPlan,
    added_tags_key,
    plan_tags,
    security_group_tags,
    subnet_tags,
)
from karpenter.offline.facts import OfflineFacts, load_facts_file
from karpenter.offline.program import SynthResult
from tests.conftest import FIXTURES, Run, facts_with

SUBNET_A, SUBNET_B = "subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"
GROUP = "sg-0a1b2c3d4e5f6a7b8"
MARKER = "pulumi-karpenter/added/dev"
SHARED = {"kubernetes.io/cluster/dev": "shared"}
DISCOVERY = {"karpenter.sh/discovery": "dev"}


def _plan(existing: dict[str, str]) -> TagPlan:
    return plan_tags("dev", subnet_tags("dev"), existing, where=f"subnet {SUBNET_A}", config_key="karpenter:subnetIds")


def _after(existing: dict[str, str], plan: TagPlan) -> dict[str, str]:
    """The resource's tags once a `pulumi up` has declared the plan."""
    return {**existing, **{tag.key: tag.value for tag in plan.values()}}


def test_tags_a_subnet_lacks_are_the_stacks_and_the_marker_names_them() -> None:
    assert _plan({}) == {
        "cluster": PlannedTag("kubernetes.io/cluster/dev", "shared"),
        "subnet": PlannedTag("subnet", "private"),
        "discovery": PlannedTag("karpenter.sh/discovery", "dev"),
        "added-tags": PlannedTag(MARKER, "karpenter.sh/discovery kubernetes.io/cluster/dev subnet"),
    }


def test_a_tag_the_subnet_carried_before_the_stack_is_not_the_stacks() -> None:
    plan = _plan({**SHARED, **DISCOVERY, "team": "ml"})
    assert plan["cluster"] == PlannedTag("kubernetes.io/cluster/dev", "shared", pre_existing=True)
    assert plan["discovery"] == PlannedTag("karpenter.sh/discovery", "dev", pre_existing=True)
    assert plan["subnet"] == PlannedTag("subnet", "private")
    assert plan["added-tags"] == PlannedTag(MARKER, "subnet")


def test_a_subnet_carrying_every_tag_gets_no_marker() -> None:
    plan = _plan({**SHARED, **DISCOVERY, "subnet": "private"})
    assert "added-tags" not in plan
    assert all(tag.pre_existing for tag in plan.values())


def test_the_marker_key_fits_ec2s_limit_for_the_longest_cluster_name() -> None:
    """EC2 tag keys: "a maximum of 127 Unicode characters" (EC2 API Reference, Tag); EKS cluster names
    are at most 100 characters (EKS API Reference, CreateCluster)."""
    assert len(added_tags_key("c" * 100)) <= 127


def test_another_clusters_marker_does_not_make_a_tag_this_stacks() -> None:
    plan = _plan({**SHARED, "pulumi-karpenter/added/prod": "kubernetes.io/cluster/dev"})
    assert plan["cluster"].pre_existing


@pytest.mark.parametrize(
    "before",
    [
        {},
        SHARED,
        {**SHARED, **DISCOVERY, "subnet": "private"},
        {"kubernetes.io/cluster/dev": "owned", "subnet": "private"},
        {"subnet": "public", **DISCOVERY},
    ],
    ids=["bare", "runbook-cluster-tag", "all-carried", "owned", "other-subnet-value"],
)
def test_later_runs_that_see_the_stacks_own_tags_and_marker_plan_what_the_first_did(before: dict[str, str]) -> None:
    first = _plan(before)
    second = _plan(_after(before, first))
    assert second == first
    assert _plan(_after(_after(before, first), second)) == first


def test_the_security_group_follows_the_same_rule() -> None:
    def plan(existing: dict[str, str]) -> TagPlan:
        return plan_tags("dev", security_group_tags("dev"), existing, where="the group", config_key="k")

    assert plan(DISCOVERY) == {"discovery": PlannedTag("karpenter.sh/discovery", "dev", pre_existing=True)}
    first = plan({})
    assert first["added-tags"] == PlannedTag(MARKER, "karpenter.sh/discovery")
    assert plan(_after({}, first)) == first


# --- as the program registers them ---------------------------------------------------------------


def _subnet_tagged(facts: OfflineFacts, subnet_id: str, tags: dict[str, str]) -> OfflineFacts:
    subnets = [s.model_copy(update={"tags": {**s.tags, **tags}}) if s.id == subnet_id else s for s in facts.subnets]
    return facts.model_copy(update={"subnets": subnets})


def _tags_on(result: SynthResult, resource_id: str) -> dict[str, dict[str, Any]]:
    """The tags declared on one resource: key to registered options."""
    return {
        t.inputs["key"]: t.options for t in result.of_type("aws:ec2/tag:Tag") if t.inputs["resourceId"] == resource_id
    }


def _value(result: SynthResult, resource_id: str, key: str) -> str:
    (tag,) = [
        t for t in result.of_type("aws:ec2/tag:Tag") if t.inputs["resourceId"] == resource_id and t.inputs["key"] == key
    ]
    value: str = tag.inputs["value"]
    return value


def test_a_discovery_tag_a_subnet_already_carries_is_never_deleted_by_the_stack(run: Run) -> None:
    result = run(facts=_subnet_tagged(facts_with(), SUBNET_A, {**SHARED, **DISCOVERY}))
    # Declared, so the stack keeps them set, but kept on destroy: they were there before it.
    assert _tags_on(result, SUBNET_A) == {
        "kubernetes.io/cluster/dev": {"retainOnDelete": True},
        "karpenter.sh/discovery": {"retainOnDelete": True},
        "subnet": {},
        MARKER: {"deleteBeforeReplace": True},
    }
    assert _value(result, SUBNET_A, MARKER) == "subnet"
    # The stack's own tag is made after the marker naming it, and deleted before it.
    (marker,) = [t for t in result.of_type("aws:ec2/tag:Tag") if t.name == f"discovery-{SUBNET_A}-added-tags"]
    assert marker.urn in result.named(f"discovery-{SUBNET_A}-subnet").dependencies
    assert marker.urn not in result.named(f"discovery-{SUBNET_A}-discovery").dependencies
    # The subnet that carried nothing: every tag is the stack's, deleted with it.
    assert _tags_on(result, SUBNET_B) == {key: {} for key in (*SHARED, *DISCOVERY, "subnet")} | {
        MARKER: {"deleteBeforeReplace": True}
    }


def test_a_replaced_marker_is_deleted_before_its_successor_is_written(run: Run) -> None:
    """The marker's value changes when the stack adds a tag; should the provider replace an `aws.ec2.Tag`
    on that, Pulumi's default replacement creates the new one before deleting the old, and EC2 DeleteTags
    "If you specify a tag key without a tag value, we delete any tag with this key regardless of its value"
    (EC2 API Reference, DeleteTags): the new marker could be deleted with the old. Delete first, then write."""
    result = run()
    markers = [t for t in result.of_type("aws:ec2/tag:Tag") if t.inputs["key"] == MARKER]
    assert len(markers) == 4
    assert all(t.options == {"deleteBeforeReplace": True} for t in markers)
    assert not [
        t.name for t in result.of_type("aws:ec2/tag:Tag") if t not in markers and "deleteBeforeReplace" in t.options
    ]


def test_with_adopt_a_discovery_tag_a_runbook_subnet_already_carries_is_never_deleted_either(run: Run) -> None:
    runbook = load_facts_file(FIXTURES / "facts" / "runbook.yaml")
    result = run({"adopt": True}, facts=_subnet_tagged(runbook, SUBNET_A, DISCOVERY))
    # The runbook's tags are imported as before; the discovery tag someone set is kept, not imported.
    assert _tags_on(result, SUBNET_A) == {
        "kubernetes.io/cluster/dev": {"retainOnDelete": True, "importId": f"{SUBNET_A},kubernetes.io/cluster/dev"},
        "subnet": {"retainOnDelete": True, "importId": f"{SUBNET_A},subnet"},
        "karpenter.sh/discovery": {"retainOnDelete": True},
    }
    # Subnet B carried the runbook's two: the stack added only the discovery tag, and deletes only it.
    assert _tags_on(result, SUBNET_B)["karpenter.sh/discovery"] == {}
    assert _value(result, SUBNET_B, MARKER) == "karpenter.sh/discovery"


def _deployed(facts: OfflineFacts, result: SynthResult) -> OfflineFacts:
    """The facts as the lookups see them after a `pulumi up` of `result`: its tags on the subnets and group."""
    declared = [t.inputs for t in result.of_type("aws:ec2/tag:Tag")]
    subnets = [
        s.model_copy(update={"tags": {**s.tags, **{t["key"]: t["value"] for t in declared if t["resourceId"] == s.id}}})
        for s in facts.subnets
    ]
    group = {t["key"]: t["value"] for t in declared if t["resourceId"] == facts.cluster_security_group_id}
    return facts.model_copy(
        update={"subnets": subnets, "cluster_security_group_tags": {**facts.cluster_security_group_tags, **group}}
    )


def _tag_registrations(result: SynthResult) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [(t.name, t.inputs, t.options) for t in result.of_type("aws:ec2/tag:Tag")]


@pytest.mark.parametrize("adopt", [False, True])
def test_the_second_up_registers_the_tags_exactly_as_the_first(run: Run, adopt: bool) -> None:
    facts = load_facts_file(FIXTURES / "facts" / "runbook.yaml") if adopt else facts_with()
    facts = _subnet_tagged(facts, SUBNET_A, DISCOVERY)
    first = run({"adopt": adopt}, facts=facts)
    second = run({"adopt": adopt}, facts=_deployed(facts, first))
    assert _tag_registrations(second) == _tag_registrations(first)
    # Not vacuous: both runs declare tags of both kinds.
    options = [registration[2] for registration in _tag_registrations(first)]
    assert {"retainOnDelete": True} in options and {} in options


def test_a_stack_deployed_before_the_marker_takes_its_carried_tags_as_pre_existing(run: Run) -> None:
    """Stacks deployed before the marker existed have none: the lookups cannot tell their tags from
    someone else's, so destroy leaves them."""
    facts = facts_with()
    first = run(facts=facts)
    deployed = _deployed(facts, first)
    unmarked = deployed.model_copy(
        update={
            "subnets": [
                s.model_copy(update={"tags": {k: v for k, v in s.tags.items() if k != MARKER}})
                for s in deployed.subnets
            ],
            "cluster_security_group_tags": DISCOVERY,
        }
    )
    result = run(facts=unmarked)
    assert not [t.name for t in result.of_type("aws:ec2/tag:Tag") if t.inputs["key"] == MARKER]
    assert all(t.options.get("retainOnDelete") is True for t in result.of_type("aws:ec2/tag:Tag"))
