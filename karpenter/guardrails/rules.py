"""Guardrails for a Karpenter stack: IAM scope, node pool limits and GPU taints, queue encryption.
Each check is a pure function of one resource's type, name and inputs, returning its violations."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

# A check reads one resource's type, logical name and inputs (camelCase keys) and returns one
# message per violation.
Check = Callable[[str, str, Mapping[str, Any]], list[str]]

IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE = "aws:iam/role:Role"
# Resource types whose `policy` input is a permissions document attached to one principal.
INLINE_POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
SQS_QUEUE = "aws:sqs/queue:Queue"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_POOL_TYPES = ("kubernetes:karpenter.sh/v1:NodePool", "kubernetes:karpenter.sh/v1beta1:NodePool")

# The program's local chart, which renders one NodePool per entry of values.nodePools; the
# program passes the path relative to the project folder.
NODE_POOL_CHART = "karpenter/charts/karpenter-config"
# Every controller policy the program creates is named KarpenterController<kind>Policy-<cluster>.
CONTROLLER_POLICY_PREFIX = "KarpenterController"

PASS_ROLE = "iam:PassRole"
# IAM wildcard patterns for the EC2 actions that create, change or destroy something.
MUTATING_EC2_ACTIONS = ("ec2:Create*", "ec2:Delete*", "ec2:Terminate*", "ec2:Run*", "ec2:Modify*")
# The only mutating actions that legitimately reach resources Karpenter does not own: launching
# an instance reads an AMI, a subnet, security groups and so on, none of which carries a cluster tag.
LAUNCH_ACTIONS = frozenset({"ec2:runinstances", "ec2:createfleet"})
# Resource types Karpenter launches into but neither creates nor owns.
UNOWNED_EC2_RESOURCE_TYPES = frozenset(
    {"image", "snapshot", "security-group", "subnet", "capacity-reservation", "placement-group"}
)

GPU_RESOURCE = "nvidia.com/gpu"
GPU_TAINT_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
INSTANCE_CATEGORY = "karpenter.k8s.aws/instance-category"
INSTANCE_FAMILY = "karpenter.k8s.aws/instance-family"
INSTANCE_GPU_PREFIX = "karpenter.k8s.aws/instance-gpu-"
INSTANCE_GPU_COUNT = "karpenter.k8s.aws/instance-gpu-count"
GPU_CATEGORIES = frozenset({"g", "p"})
GPU_FAMILY = re.compile(r"^[gp][0-9]", re.IGNORECASE)


# --- reading inputs -----------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    """IAM accepts a single value wherever it accepts a list. Under the policy engine inputs arrive
    as Mapping/Sequence proxies rather than dict/list, hence the abstract types here and below."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return [value]


def _strings(value: Any) -> list[str]:
    return [item for item in _as_list(value) if isinstance(item, str)]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _policy_document(text: Any) -> Mapping[str, Any] | None:
    """The document of a `policy` input, given as JSON text or as an already parsed object."""
    if isinstance(text, Mapping):
        return text
    if isinstance(text, str):
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            return None
        return document if isinstance(document, Mapping) else None
    return None


def _permission_documents(resource_type: str, props: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, policy text) for every permissions document a resource carries; trust policies are not
    permissions and are left out."""
    if resource_type == IAM_POLICY or resource_type in INLINE_POLICY_TYPES:
        text = props.get("policy")
        if text:
            yield "policy", text
    elif resource_type == IAM_ROLE:
        for index, entry in enumerate(_as_list(props.get("inlinePolicies"))):
            inline = _mapping(entry)
            # An entry without a policy is how a role says "no inline policies"; there is nothing to check.
            text = inline.get("policy")
            if text:
                yield f'inline policy "{inline.get("name") or index}"', text


def _allow_statements(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(label, statement) for each Allow statement; the label is the Sid, or the index without one."""
    for index, statement in enumerate(_as_list(document.get("Statement"))):
        # Read leniently: a statement that might allow is checked rather than skipped.
        if isinstance(statement, Mapping) and str(statement.get("Effect")).lower() == "allow":
            sid = statement.get("Sid")
            yield (f'statement "{sid}"' if sid else f"Statement[{index}]"), statement


# --- IAM action patterns ------------------------------------------------------------------


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    # IAM action names compare case-insensitively; * is any run of characters and ? exactly one.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def _glob_matches(pattern: str, name: str) -> bool:
    return _glob(pattern).fullmatch(name) is not None


@cache
def _globs_overlap(first: str, second: str) -> bool:
    """Whether some action name matches both wildcard patterns, e.g. `ec2:*Instances` and `ec2:Run*`."""
    a, b = first.lower(), second.lower()

    @cache
    def overlap(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return overlap(i + 1, j) or (j < len(b) and overlap(i, j + 1))
        if j < len(b) and b[j] == "*":
            return overlap(i, j + 1) or (i < len(a) and overlap(i + 1, j))
        if i == len(a) or j == len(b):
            return False
        return (a[i] == b[j] or "?" in (a[i], b[j])) and overlap(i + 1, j + 1)

    return overlap(0, 0)


def _covers(pattern: str, family: str) -> bool:
    """Whether `pattern` matches every action of `family` (a name, or a name prefix ending in *).
    Errs towards False, which for a NotAction exclusion means counting the action as granted."""
    if not family.endswith("*"):
        return _glob_matches(pattern, family)
    if not pattern.endswith("*"):
        return False
    stem, head = pattern[:-1], family[:-1]
    return any(_glob_matches(stem, head[:end]) for end in range(len(head) + 1))


def _granted(statement: Mapping[str, Any], families: tuple[str, ...]) -> list[str]:
    """The Action patterns of a statement that grant some action of `families` (names, or name
    prefixes ending in *). A NotAction statement grants everything it does not exclude, so unless it
    excludes all of them it is reported as itself."""
    if "NotAction" in statement:
        excluded = _strings(statement["NotAction"])
        if all(any(_covers(pattern, family) for pattern in excluded) for family in families):
            return []
        return [f"NotAction {excluded}"]
    actions = _strings(statement.get("Action"))
    return [pattern for pattern in actions if any(_globs_overlap(pattern, family) for family in families)]


def _unowned_ec2_arn(resource: str) -> bool:
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "ec2":
        return False
    return parts[5].split("/", 1)[0] in UNOWNED_EC2_RESOURCE_TYPES


def _launches_into_unowned_resources(statement: Mapping[str, Any], mutating: list[str]) -> bool:
    """Upstream's AllowScopedEC2InstanceAccessActions: RunInstances/CreateFleet on AMIs, subnets,
    security groups and the like, which carry no tag a condition could test."""
    if "NotAction" in statement or "NotResource" in statement:
        return False
    resources = _strings(statement.get("Resource"))
    return (
        bool(resources)
        and all(_unowned_ec2_arn(resource) for resource in resources)
        and all(action.lower() in LAUNCH_ACTIONS for action in mutating)
    )


# --- node pools ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NodePoolView:
    """The parts of a NodePool the guardrails read, whichever shape it arrived in."""

    label: str
    limits: Mapping[str, Any]
    requirements: list[Mapping[str, Any]]
    taints: list[Mapping[str, Any]]


def _is_node_pool_chart(chart: Any) -> bool:
    if not isinstance(chart, str) or not chart:
        return False
    chart = posixpath.normpath(chart)
    return chart == NODE_POOL_CHART or chart.endswith("/" + NODE_POOL_CHART)


def node_pools(resource_type: str, name: str, props: Mapping[str, Any]) -> list[NodePoolView]:
    """The NodePools a resource declares: the entries of the config chart's `values.nodePools`,
    or a NodePool custom resource itself."""
    if resource_type == HELM_RELEASE and _is_node_pool_chart(props.get("chart")):
        pools = _mapping(_mapping(props.get("values")).get("nodePools"))
        views = []
        for key, value in pools.items():
            pool = _mapping(value)
            views.append(_node_pool_view(f"{name}: values.nodePools.{key}", pool.get("limits"), pool))
        return views
    if resource_type in NODE_POOL_TYPES:
        spec = _mapping(props.get("spec"))
        template = _mapping(_mapping(spec.get("template")).get("spec"))
        pool_name = _mapping(props.get("metadata")).get("name") or name
        # The CRD keeps limits on the pool, requirements and taints on its node template.
        return [_node_pool_view(f"{name}: NodePool {pool_name}", spec.get("limits"), template)]
    return []


def _node_pool_view(label: str, limits: Any, node_template: Mapping[str, Any]) -> NodePoolView:
    """`node_template` is whatever holds the pool's `requirements` and `taints`."""
    return NodePoolView(
        label=label,
        limits=_mapping(limits),
        requirements=[r for r in _as_list(node_template.get("requirements")) if isinstance(r, Mapping)],
        taints=[t for t in _as_list(node_template.get("taints")) if isinstance(t, Mapping)],
    )


def _excludes_gpus(key: str, operator: Any, values: list[str]) -> bool:
    """A GPU requirement that rules GPUs out, as `instance-gpu-count DoesNotExist` does."""
    if operator == "DoesNotExist":
        return True
    if key != INSTANCE_GPU_COUNT or not values:
        return False
    if operator == "In":
        return all(value.strip() == "0" for value in values)
    if operator == "Lt":
        return all(value.strip().isdigit() and int(value) <= 1 for value in values)
    return False


def gpu_capabilities(pool: NodePoolView) -> list[str]:
    """Why a pool can launch GPU instances, one reason per requirement or limit; empty if it cannot."""
    reasons: list[str] = []
    for requirement in pool.requirements:
        key, operator = requirement.get("key"), requirement.get("operator")
        values = _strings(requirement.get("values"))
        if not isinstance(key, str):
            continue
        if key == INSTANCE_CATEGORY and operator == "In" and GPU_CATEGORIES & {v.lower() for v in values}:
            reasons.append(f"{key} In {values}")
        elif key == INSTANCE_FAMILY and operator == "In" and any(GPU_FAMILY.match(v) for v in values):
            reasons.append(f"{key} In {values}")
        elif key.startswith(INSTANCE_GPU_PREFIX) and not _excludes_gpus(key, operator, values):
            reasons.append(f"{key} {operator} {values}" if values else f"{key} {operator}")
    if GPU_RESOURCE in pool.limits:
        reasons.append(f"a {GPU_RESOURCE} limit")
    return reasons


def _has_gpu_taint(pool: NodePoolView) -> bool:
    return any(t.get("key") == GPU_RESOURCE and t.get("effect") in GPU_TAINT_EFFECTS for t in pool.taints)


# --- the checks ---------------------------------------------------------------------------


def passrole_on_star_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    violations: list[str] = []
    for where, text in _permission_documents(resource_type, props):
        document = _policy_document(text)
        if document is None:
            violations.append(f"{name}: {where} is not a JSON policy document, so it cannot be checked")
            continue
        for label, statement in _allow_statements(document):
            granted = _granted(statement, (PASS_ROLE,))
            if not granted:
                continue
            # NotResource grants every resource it does not name: any role but a few is still any role.
            if "NotResource" in statement:
                scope = f"NotResource {_strings(statement['NotResource'])}"
            elif "*" in _strings(statement.get("Resource")):
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
    document = _policy_document(props.get("policy"))
    if document is None:
        return [f"{name}: policy is not a JSON policy document, so it cannot be checked"]
    violations: list[str] = []
    for label, statement in _allow_statements(document):
        mutating = _granted(statement, MUTATING_EC2_ACTIONS)
        if not mutating or _mapping(statement.get("Condition")):
            continue
        if _launches_into_unowned_resources(statement, mutating):
            continue
        violations.append(
            f"{name}: policy, {label} grants {', '.join(mutating)} without a Condition; "
            "scope it to resources tagged for this cluster, as upstream Karpenter's policies do"
        )
    return violations


def node_pool_limit_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    return [
        f"{pool.label} has no limits; without them one unschedulable pod can grow the pool without bound"
        for pool in node_pools(resource_type, name, props)
        if not pool.limits
    ]


def gpu_pool_taint_violations(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    violations: list[str] = []
    for pool in node_pools(resource_type, name, props):
        reasons = gpu_capabilities(pool)
        if reasons and not _has_gpu_taint(pool):
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


# --- the policies -------------------------------------------------------------------------


def _validate_with(check: Check) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args.resource_type, args.name, args.props):
            report_violation(message, None)

    return validate


no_passrole_on_star = ResourceValidationPolicy(
    name="no-passrole-on-star",
    description=(
        "IAM permissions never allow iam:PassRole (or a wildcard covering it) on every resource: "
        "whoever holds them could hand any role, an administrator's included, to an EC2 instance."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate_with(passrole_on_star_violations),
)

no_unconditioned_ec2_mutation = ResourceValidationPolicy(
    name="no-unconditioned-ec2-mutation",
    description=(
        "Karpenter controller policies grant EC2 create, run, modify, tag, terminate and delete actions "
        "only under a Condition, so the controller can touch no instance or launch template but its "
        "cluster's; RunInstances/CreateFleet on AMIs, snapshots, subnets, security groups, capacity "
        "reservations and placement groups are exempt."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate_with(unconditioned_ec2_mutation_violations),
)

node_pools_have_limits = ResourceValidationPolicy(
    name="node-pools-have-limits",
    description="Every Karpenter NodePool sets limits, which cap the capacity the pool may launch.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate_with(node_pool_limit_violations),
)

gpu_pools_are_tainted = ResourceValidationPolicy(
    name="gpu-pools-are-tainted",
    description=(
        "A Karpenter NodePool that can launch GPU instances taints its nodes with nvidia.com/gpu "
        "(NoSchedule or NoExecute), keeping ordinary pods off expensive GPU nodes."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate_with(gpu_pool_taint_violations),
)

interruption_queue_encrypted = ResourceValidationPolicy(
    name="interruption-queue-encrypted",
    description=(
        "SQS queues, Karpenter's interruption queue among them, are encrypted at rest with SQS-managed "
        "keys or a KMS key."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate_with(queue_encryption_violations),
)

POLICIES: list[ResourceValidationPolicy] = [
    no_passrole_on_star,
    no_unconditioned_ec2_mutation,
    node_pools_have_limits,
    gpu_pools_are_tainted,
    interruption_queue_encrypted,
]
