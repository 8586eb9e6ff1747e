"""The guardrail rules: each a pure function of one resource's type, logical name and inputs
(camelCase keys) returning one message per violation, named and described for the policy pack."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from karpenter.guardrails.actions import granted as grants
from karpenter.guardrails.actions import launches_into_unowned_resources
from karpenter.guardrails.documents import (
    IAM_POLICY,
    allow_statements,
    mapping,
    permission_documents,
    policy_document,
    strings,
)
from karpenter.guardrails.node_pools import GPU_RESOURCE, gpu_capabilities, has_gpu_taint, node_pools
from karpenter.vocabulary.resource_names import resource_name_problem

Check = Callable[[str, str, Mapping[str, Any]], list[str]]

SQS_QUEUE = "aws:sqs/queue:Queue"
# Every controller policy the program creates is named KarpenterController<kind>Policy-<cluster>.
CONTROLLER_POLICY_PREFIX = "KarpenterController"
PASS_ROLE = "iam:PassRole"
# IAM wildcard patterns for the EC2 actions that create, change or destroy something.
MUTATING_EC2_ACTIONS = ("ec2:Create*", "ec2:Delete*", "ec2:Terminate*", "ec2:Run*", "ec2:Modify*")


def passrole_on_star_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    violations: list[str] = []
    for where, text in permission_documents(resource_type, props):
        document = policy_document(text)
        if document is None:
            violations.append(f"{name}: {where} is not a JSON policy document, so it cannot be checked")
            continue
        for label, statement in allow_statements(document):
            granted = grants(statement, (PASS_ROLE,))
            if not granted:
                continue
            # NotResource grants every resource it does not name: any role but a few is still any role.
            if "NotResource" in statement:
                scope = f"NotResource {strings(statement['NotResource'])}"
            elif "*" in strings(statement.get("Resource")):
                scope = 'Resource "*"'
            else:
                continue
            violations.append(
                f"{name}: {where}, {label} grants {PASS_ROLE} (via {', '.join(granted)}) on {scope}; "
                "list the ARNs of the roles it may pass instead"
            )
    return violations


def _is_controller_policy(resource_type: str, props: Mapping[str, Any]) -> bool:
    if resource_type != IAM_POLICY:
        return False
    given = props.get("name") or props.get("namePrefix")
    return isinstance(given, str) and given.startswith(CONTROLLER_POLICY_PREFIX)


def unconditioned_ec2_mutation_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    if not _is_controller_policy(resource_type, props):
        return []
    document = policy_document(props.get("policy"))
    if document is None:
        return [f"{name}: policy is not a JSON policy document, so it cannot be checked"]
    violations: list[str] = []
    for label, statement in allow_statements(document):
        mutating = grants(statement, MUTATING_EC2_ACTIONS)
        if not mutating or mapping(statement.get("Condition")):
            continue
        if launches_into_unowned_resources(statement, mutating):
            continue
        violations.append(
            f"{name}: policy, {label} grants {', '.join(mutating)} without a Condition; "
            "scope it to resources tagged for this cluster, as upstream Karpenter's policies do"
        )
    return violations


def node_pool_limit_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    violations: list[str] = []
    for pool in node_pools(resource_type, name, props):
        if not pool.limits:
            violations.append(
                f"{pool.label} has no limits; without them one unschedulable pod can grow the pool without bound"
            )
        # Karpenter bounds only the resources nodes have: a misspelt name bounds nothing.
        for resource in pool.limits:
            problem = resource_name_problem(str(resource))
            if problem:
                violations.append(f"{pool.label} limits {resource!r}, which bounds nothing: {problem}")
    return violations


def gpu_pool_taint_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    violations: list[str] = []
    for pool in node_pools(resource_type, name, props):
        reasons = gpu_capabilities(pool)
        if reasons and not has_gpu_taint(pool):
            violations.append(
                f"{pool.label} can launch GPU instances ({'; '.join(reasons)}) but has no {GPU_RESOURCE} taint "
                "with effect NoSchedule or NoExecute, so pods that need no GPU can land on GPU nodes"
            )
    return violations


def queue_encryption_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    if resource_type != SQS_QUEUE:
        return []
    key = props.get("kmsMasterKeyId")
    if props.get("sqsManagedSseEnabled") is True or (isinstance(key, str) and key):
        return []
    queue = props.get("name") or name
    return [f"{name}: queue {queue} is not encrypted at rest; set sqsManagedSseEnabled: true or a kmsMasterKeyId"]


@dataclass(frozen=True)
class Rule:
    """One mandatory guardrail: its name in the pack, what it keeps, and its check."""

    name: str
    description: str
    check: Check


RULES: tuple[Rule, ...] = (
    Rule(
        "no-passrole-on-star",
        "IAM permissions never allow iam:PassRole (or a wildcard covering it) on every resource: "
        "whoever holds them could hand any role, an administrator's included, to an EC2 instance.",
        passrole_on_star_violations,
    ),
    Rule(
        "no-unconditioned-ec2-mutation",
        "Karpenter controller policies grant EC2 create, run, modify, tag, terminate and delete actions "
        "only under a Condition, so the controller can touch no instance or launch template but its "
        "cluster's; RunInstances/CreateFleet on AMIs, snapshots, subnets, security groups, capacity "
        "reservations and placement groups are exempt.",
        unconditioned_ec2_mutation_violations,
    ),
    Rule(
        "node-pools-have-limits",
        "Every Karpenter NodePool sets limits on real Kubernetes resources, which cap the capacity the "
        "pool may launch.",
        node_pool_limit_violations,
    ),
    Rule(
        "gpu-pools-are-tainted",
        "A Karpenter NodePool that can launch GPU instances taints its nodes with nvidia.com/gpu "
        "(NoSchedule or NoExecute), keeping ordinary pods off expensive GPU nodes.",
        gpu_pool_taint_violations,
    ),
    Rule(
        "interruption-queue-encrypted",
        "SQS queues, Karpenter's interruption queue among them, are encrypted at rest with SQS-managed "
        "keys or a KMS key.",
        queue_encryption_violations,
    ),
)
