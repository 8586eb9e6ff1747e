"""Switching the controller's identity or the nodes' access keeps both authorised throughout: the new
grant is made before anything that needs it changes, and the old one goes last.

What the engine does with the registered graph (pulumi/pulumi at 1b59498, pkg/resource/deploy):
- a resource is created or updated only after those it depends on: the engine answers a
  registration only once its step is done (source_eval.go, `RegisterResource`: "Now block waiting
  for the operation to finish"), and the SDK registers a resource only once the URNs of its
  dependencies, explicit and through its inputs, have come back (sdk/python pulumi/runtime/resource.py);
- a resource the program no longer registers is deleted by `performPostSteps` (deployment_executor.go),
  which runs once the program has finished registering, so after every create and update, and
  `ScheduleDeletes` (step_generator.go) orders those deletes in reverse dependency order;
- a resource whose URN (type, parent types, name) is new, and no alias names, is created; one whose
  URN stays is updated, or replaced, the new one first unless `deleteBeforeReplace` is set.
The mock engine shows the graph, not the run: these tests read the graph.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpenter.aws.iam.trust import kept_while_switching
from karpenter.offline.facts import OfflineFacts, OfflineRole
from karpenter.offline.program import SynthResult
from karpenter.vocabulary import aws_names
from tests import urn_record
from tests.conftest import Run, facts_with

ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
AWS_AUTH = "pulumi-python:dynamic:Resource"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
RELEASE = "kubernetes:helm.sh/v3:Release"
# IRSA: the role trusts the cluster's OIDC provider for this action, and the service account names the role.
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
# Pod Identity: the role trusts the EKS Pod Identity Agent's service principal.
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
# The pod annotation that restarts the controller's pods when the identity changes.
IDENTITY_POD_ANNOTATION = "karpenter-stack/identity"
ROLE = aws_names.controller_role_name("dev")


def _engine(result: SynthResult) -> dict[str, str]:
    return urn_record.engine_urns(result)


def _grant(result: SynthResult, typ: str) -> str:
    [grant] = [r for r in result.resources if r.type == typ]
    return _engine(result)[grant.urn]


def _needs(result: SynthResult, name: str) -> set[str]:
    """Everything registration `name` waits for, directly or through what it waits for, by engine URN."""
    by_urn = {r.urn: r for r in result.resources}
    seen: set[str] = set()
    pending = list(result.named(name, RELEASE).dependencies)
    while pending:
        urn = pending.pop()
        if urn not in seen and urn in by_urn:
            seen.add(urn)
            pending.extend(by_urn[urn].dependencies)
    return {_engine(result)[urn] for urn in seen}


def _answered(result: SynthResult) -> set[str]:
    return set(_engine(result).values()).union(*urn_record.alias_urns(result).values())


def _deploys_nothing_before_replacing(result: SynthResult) -> list[str]:
    return [r.name for r in result.resources if r.options.get("deleteBeforeReplace") and r.type != "aws:ec2/tag:Tag"]


def _after_up(facts: OfflineFacts, result: SynthResult) -> OfflineFacts:
    """The facts as the lookups see them after a `pulumi up` of `result`: its controller role."""
    role = result.named("controller-role")
    deployed = OfflineRole(
        description=role.inputs["description"],
        tags=role.inputs["tags"],
        assume_role_policy=json.loads(role.inputs["assumeRolePolicy"]),
    )
    return facts.model_copy(update={"existing_roles": {**facts.existing_roles, ROLE: deployed}})


def _trust(result: SynthResult) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.named("controller-role").inputs["assumeRolePolicy"])
    return document


def _trusted(result: SynthResult) -> set[str]:
    found = set()
    for statement in _trust(result)["Statement"]:
        if WEB_IDENTITY_ACTION in statement["Action"]:
            found.add("irsa")
        if statement["Principal"].get("Service") == POD_IDENTITY_SERVICE:
            found.add("pod-identity")
    return found


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (("aws-auth", AWS_AUTH), ("access-entry", ACCESS_ENTRY)),
        (("access-entry", ACCESS_ENTRY), ("aws-auth", AWS_AUTH)),
    ],
    ids=["aws-auth-to-access-entry", "access-entry-to-aws-auth"],
)
def test_a_node_access_switch_makes_the_new_grant_before_the_controller_changes_and_deletes_the_old_last(
    run: Run, before: tuple[str, str], after: tuple[str, str]
) -> None:
    """On a cluster in API_AND_CONFIG_MAP mode, where both work. The new grant has a URN the deployed
    stack lacks (a create, not a replacement of the old under its URN); the karpenter release, and the
    node pools' release after it, wait for it; the old grant's URN is in no registration or alias, so
    the engine deletes it after every create and update; nothing deletes before it replaces."""
    facts = facts_with(authentication_mode="API_AND_CONFIG_MAP")
    old = run({"nodeAccess": before[0]}, facts=facts)
    new = run({"nodeAccess": after[0]}, facts=facts)
    old_grant, new_grant = _grant(old, before[1]), _grant(new, after[1])
    assert new_grant not in _answered(old)
    assert new_grant in _needs(new, "karpenter")
    assert new_grant in _needs(new, "karpenter-config")
    assert old_grant not in _answered(new)
    assert not _deploys_nothing_before_replacing(new)


def test_a_switch_to_pod_identity_makes_the_association_before_the_controller_restarts_on_it(run: Run) -> None:
    """The association is new (a create) and the karpenter release waits for it; the release's pods carry
    a pod annotation naming the identity, so the pod template changes and the controller restarts within
    that update (EKS gives a pod its credentials when the pod is created; the chart's pod template, upstream
    charts/karpenter/templates/deployment.yaml, carries `podAnnotations` but not the service account's)."""
    old = run({"identity": "irsa"})
    new = run({"identity": "pod-identity"}, facts=_after_up(facts_with(), old))
    association = _grant(new, POD_IDENTITY)
    assert association not in _answered(old)
    assert association in _needs(new, "karpenter")
    old_values = old.named("karpenter", RELEASE).inputs["values"]
    new_values = new.named("karpenter", RELEASE).inputs["values"]
    assert ROLE_ARN_ANNOTATION in old_values["serviceAccount"]["annotations"]
    assert "serviceAccount" not in new_values
    assert "podAnnotations" not in old_values
    assert new_values["podAnnotations"] == {IDENTITY_POD_ANNOTATION: "pod-identity"}
    assert not _deploys_nothing_before_replacing(new)


def test_the_role_trusts_irsa_until_a_run_after_the_switch_to_pod_identity(run: Run) -> None:
    """The controller role's trust is an in-place update of the role, which nothing waits for: made
    Pod Identity only in the switching run, it would drop the running controller's IRSA trust before
    the association exists and before the pods restart. The switching run trusts both; the next, once
    the deployed trust has Pod Identity's, trusts Pod Identity alone."""
    facts = facts_with()
    irsa = run({"identity": "irsa"})
    switching = run({"identity": "pod-identity"}, facts=_after_up(facts, irsa))
    assert _trusted(irsa) == {"irsa"}
    assert _trusted(switching) == {"irsa", "pod-identity"}
    assert [s for s in _trust(switching)["Statement"] if WEB_IDENTITY_ACTION in s["Action"]] == _trust(irsa)[
        "Statement"
    ]
    settled = run({"identity": "pod-identity"}, facts=_after_up(facts, switching))
    assert _trusted(settled) == {"pod-identity"}
    assert _engine(settled) == _engine(switching)


def test_the_role_trusts_pod_identity_until_a_run_after_the_switch_to_irsa(run: Run) -> None:
    """Back again: the association is a removed resource, deleted at the end of the update, after the
    release has restarted the controller with IRSA's token; the role trusts Pod Identity until then too."""
    facts = facts_with()
    pod_identity = run({"identity": "pod-identity"})
    switching = run({"identity": "irsa"}, facts=_after_up(facts, pod_identity))
    assert _trusted(switching) == {"irsa", "pod-identity"}
    assert _grant(pod_identity, POD_IDENTITY) not in _answered(switching)
    values = switching.named("karpenter", RELEASE).inputs["values"]
    assert IDENTITY_POD_ANNOTATION not in values.get("podAnnotations", {})
    assert ROLE_ARN_ANNOTATION in values["serviceAccount"]["annotations"]
    settled = run({"identity": "irsa"}, facts=_after_up(facts, switching))
    assert _trusted(settled) == {"irsa"}


def test_a_stack_that_keeps_its_identity_keeps_its_trust_as_it_was(run: Run) -> None:
    facts = facts_with()
    for identity in ("irsa", "pod-identity"):
        first = run({"identity": identity})
        assert _trust(run({"identity": identity}, facts=_after_up(facts, first))) == _trust(first)


@pytest.mark.parametrize(
    ("deployed", "to_pod_identity", "kept"),
    [
        ({"Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn"}}, True, 1),
        ({"Action": ["sts:AssumeRole"], "Principal": {"Service": ["pods.eks.amazonaws.com"]}}, False, 1),
        ({"Action": ["sts:AssumeRole"], "Principal": {"Service": "pods.eks.amazonaws.com"}}, True, 0),
        ({"Action": ["sts:AssumeRoleWithWebIdentity"], "Principal": {"Federated": "arn"}}, False, 0),
    ],
)
def test_only_the_statements_of_the_identity_left_are_kept_and_only_while_the_new_one_is_missing(
    deployed: dict[str, Any], to_pod_identity: bool, kept: int
) -> None:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **deployed}]})
    assert len(kept_while_switching(trust, to_pod_identity=to_pod_identity)) == kept
