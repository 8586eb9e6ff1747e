"""The guardrails policy pack: each policy passes what complies, names what does not, and passes the runbook stack."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

# The analyzer wraps every resource's inputs in this proxy before a policy sees them, so the tests
# do too: it hands out Mapping/Sequence proxies, not dicts and lists.
from pulumi_policy.proxy import unknown_checking_proxy

from karpenter.aws.iam import controller, documents, trust
from karpenter.guardrails import actions, rules
from karpenter.guardrails import node_pools as pool_views
from karpenter.kubernetes import releases
from karpenter.kubernetes.pool_values import GPU_TAINT
from karpenter.offline import program
from karpenter.vocabulary import aws_names
from tests.conftest import fixture_settings

ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = ROOT / "policy"

IAM_POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
QUEUE = "aws:sqs/queue:Queue"
RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
CONTROLLER_POLICY_NAME = "KarpenterControllerNodeLifecyclePolicy-dev"
SUBNETS = "arn:aws:ec2:eu-west-1:*:subnet/*"
SECURITY_GROUPS = "arn:aws:ec2:eu-west-1:*:security-group/*"
IMAGES = "arn:aws:ec2:eu-west-1::image/*"
INSTANCES = "arn:aws:ec2:eu-west-1:*:instance/*"
OWNED = {"StringEquals": {"aws:ResourceTag/kubernetes.io/cluster/dev": "owned"}}
NO_TIMEOUTS = PolicyResourceOptions(
    protect=False,
    ignore_changes=[],
    delete_before_replace=None,
    aliases=[],
    custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
    additional_secret_outputs=[],
)


def _load_guardrails() -> ModuleType:
    # policy/ is a policy pack folder, not a package: the CLI runs it with the folder on sys.path.
    spec = importlib.util.spec_from_file_location("karpenter_guardrails", POLICY_DIR / "karpenter_guardrails.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


guardrails = _load_guardrails()
POLICIES: dict[str, ResourceValidationPolicy] = {policy.name: policy for policy in guardrails.POLICIES}


def violations(policy_name: str, resource_type: str, props: Mapping[str, Any], name: str = "subject") -> list[str]:
    """Run one policy on one resource the way the analyzer does and return what it reported."""
    reported: list[str] = []

    def report_violation(message: str, urn: str | None = None) -> None:
        reported.append(message)

    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(dict(props)),
        f"urn:pulumi:test::karpenter::{resource_type}::{name}",
        name,
        NO_TIMEOUTS,
        None,
    )
    POLICIES[policy_name].validate(args, report_violation)
    return reported


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def controller_policy(*statements: dict[str, Any], name: str = CONTROLLER_POLICY_NAME) -> dict[str, Any]:
    return {"name": name, "policy": json.dumps(document(*statements))}


def config_release(**pools: dict[str, Any]) -> dict[str, Any]:
    return {"name": "karpenter-config", "chart": releases.config_chart_path(), "values": {"nodePools": pools}}


def requirement(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": list(values)} if values else {"key": key, "operator": operator}


def crd_node_pool(
    *, limits: dict[str, str] | None, requirements: list[dict[str, Any]], taints: list[Any]
) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"requirements": requirements, "taints": taints}}}
    if limits is not None:
        spec["limits"] = limits
    return {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "gpu"}, "spec": spec}


CPU_LIMITS = {"cpu": "1000", "memory": "1000Gi"}
GPU_CATEGORIES = requirement("karpenter.k8s.aws/instance-category", "In", "g", "p")
NVIDIA_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}


# --- the pack -------------------------------------------------------------------------------


def test_the_pack_holds_the_five_guardrails_all_mandatory() -> None:
    assert list(POLICIES) == [
        "no-passrole-on-star",
        "no-unconditioned-ec2-mutation",
        "node-pools-have-limits",
        "gpu-pools-are-tainted",
        "interruption-queue-encrypted",
    ]
    assert {policy.enforcement_level for policy in POLICIES.values()} == {EnforcementLevel.MANDATORY}


def test_the_pack_knows_the_names_the_program_uses() -> None:
    # Wherever the package is installed, the chart path the program passes ends the same way.
    assert releases.CONFIG_CHART_DIR.as_posix().endswith("/" + pool_views.NODE_POOL_CHART)
    assert aws_names.controller_policy_name("dev", "NodeLifecycle").startswith(rules.CONTROLLER_POLICY_PREFIX)
    assert actions.UNOWNED_EC2_RESOURCE_TYPES == set(documents.UNOWNED_EC2_RESOURCE_TYPES)
    # The taint the program puts on a GPU pool, written out, is one the pack takes for a GPU taint (tests below).
    assert GPU_TAINT == NVIDIA_TAINT


def test_the_pack_pins_the_sdk_versions_the_program_uses() -> None:
    def pins(path: Path) -> dict[str, str]:
        lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
        return dict(line.split("==", 1) for line in lines if "==" in line)

    program = pins(ROOT / "requirements.txt") | pins(ROOT / "requirements-dev.txt")
    pack = pins(POLICY_DIR / "requirements.txt")
    assert set(pack) == {"pulumi", "pulumi-policy"}
    assert {name: program[name] for name in pack} == pack


def test_every_policy_passes_every_resource_of_the_runbook_stack() -> None:
    result = program.run_program("runbook", fixture_settings("runbook"))
    found = {
        (policy_name, resource.type, resource.name, message)
        for resource in result.resources
        if resource.custom
        for policy_name in POLICIES
        for message in violations(policy_name, resource.type, resource.inputs, resource.name)
    }
    assert found == set()
    # The stack must give every policy something to judge, or passing would prove nothing.
    types = {resource.type for resource in result.resources}
    assert {IAM_POLICY, ROLE, QUEUE, RELEASE} <= types
    assert any(r.inputs.get("name", "").startswith("KarpenterController") for r in result.of_type(IAM_POLICY))
    pools = [pool for r in result.resources for pool in pool_views.node_pools(r.type, r.name, r.inputs)]
    assert [pool for pool in pools if pool_views.gpu_capabilities(pool)]


# --- no-passrole-on-star --------------------------------------------------------------------


def test_passrole_scoped_to_the_node_role_passes() -> None:
    statement = allow(
        ["iam:PassRole"],
        "arn:aws:iam::111122223333:role/karpenter-node-role-dev",
        Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    )
    assert violations("no-passrole-on-star", IAM_POLICY, {"policy": json.dumps(document(statement))}) == []


def test_passrole_on_star_denied_rather_than_allowed_passes() -> None:
    statement = {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}
    assert violations("no-passrole-on-star", IAM_POLICY, {"policy": json.dumps(document(statement))}) == []


@pytest.mark.parametrize("action", ["iam:PassRole", ["iam:PassRole"], "iam:*", "*", "iam:Pass*", "IAM:passrole"])
def test_passrole_on_star_in_a_managed_policy_is_refused(action: str | list[str]) -> None:
    statement = allow(action, ["*"], Sid="TooBroad")
    (message,) = violations("no-passrole-on-star", IAM_POLICY, {"policy": json.dumps(document(statement))}, "ops")
    assert message.startswith('ops: policy, statement "TooBroad" grants iam:PassRole')
    assert 'Resource "*"' in message


def test_passrole_on_star_in_a_parsed_role_policy_is_refused() -> None:
    props = {"role": "ops", "policy": document(allow("s3:GetObject", "*"), allow("iam:PassRole", "*"))}
    (message,) = violations("no-passrole-on-star", ROLE_POLICY, props, "ops-inline")
    assert "Statement[1]" in message


def test_passrole_on_star_in_a_role_inline_policy_is_refused() -> None:
    inline = {"name": "deploy", "policy": json.dumps(document(allow("iam:Pass*", "*", Sid="Deploy")))}
    props = {"assumeRolePolicy": json.dumps(trust.node_trust_policy()), "inlinePolicies": [inline]}
    (message,) = violations("no-passrole-on-star", ROLE, props, "deployer")
    assert message.startswith('deployer: inline policy "deploy", statement "Deploy" grants iam:PassRole')


def test_not_action_that_leaves_passrole_in_is_refused() -> None:
    statement = {"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "*"}
    (message,) = violations("no-passrole-on-star", IAM_POLICY, {"policy": json.dumps(document(statement))})
    assert "NotAction ['s3:*']" in message


def test_not_action_that_excludes_iam_passes() -> None:
    statement = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    assert violations("no-passrole-on-star", IAM_POLICY, {"policy": json.dumps(document(statement))}) == []


def test_policy_text_that_is_not_json_is_refused() -> None:
    (message,) = violations("no-passrole-on-star", IAM_POLICY, {"policy": "Statement: []"})
    assert "not a JSON policy document" in message


# --- no-unconditioned-ec2-mutation ------------------------------------------------------------


def test_the_programs_node_lifecycle_policy_passes() -> None:
    documents = controller.controller_policy_documents(
        partition="aws",
        region="eu-west-1",
        account_id="111122223333",
        cluster_name="dev",
        node_role_arn="arn:aws:iam::111122223333:role/karpenter-node-role-dev",
        interruption_queue_arn=None,
    )
    props = {"name": CONTROLLER_POLICY_NAME, "policy": json.dumps(documents["NodeLifecycle"])}
    assert violations("no-unconditioned-ec2-mutation", IAM_POLICY, props) == []


def test_launching_into_unowned_resources_needs_no_condition() -> None:
    statement = allow(["ec2:RunInstances", "ec2:CreateFleet"], [IMAGES, SUBNETS, SECURITY_GROUPS])
    assert violations("no-unconditioned-ec2-mutation", IAM_POLICY, controller_policy(statement)) == []


def test_read_only_ec2_actions_need_no_condition() -> None:
    statement = allow(["ec2:DescribeInstances", "ec2:Describe*", "ec2:GetConsoleOutput"], "*")
    assert violations("no-unconditioned-ec2-mutation", IAM_POLICY, controller_policy(statement)) == []


def test_unconditioned_run_instances_on_star_is_refused() -> None:
    statement = allow(["ec2:RunInstances", "ec2:CreateFleet"], "*", Sid="Launch")
    (message,) = violations("no-unconditioned-ec2-mutation", IAM_POLICY, controller_policy(statement), "lifecycle")
    assert message.startswith('lifecycle: policy, statement "Launch" grants ec2:RunInstances, ec2:CreateFleet')


def test_star_among_unowned_resources_is_refused() -> None:
    statement = allow("ec2:RunInstances", [SUBNETS, "*"])
    assert len(violations("no-unconditioned-ec2-mutation", IAM_POLICY, controller_policy(statement))) == 1


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("ec2:TerminateInstances", INSTANCES),
        ("ec2:DeleteLaunchTemplate", "arn:aws:ec2:eu-west-1:*:launch-template/*"),
        ("ec2:CreateTags", INSTANCES),
        ("ec2:ModifyInstanceAttribute", INSTANCES),
        ("ec2:*", INSTANCES),
        ("*", INSTANCES),
        ("ec2:*Instances", INSTANCES),
        ("ec2:Cr?ateTags", INSTANCES),
        # Only launching may skip the condition on unowned resources; tagging or deleting them may not.
        ("ec2:CreateTags", SECURITY_GROUPS),
        ("ec2:DeleteSecurityGroup", SECURITY_GROUPS),
        ("ec2:*", SUBNETS),
    ],
)
def test_unconditioned_ec2_mutation_is_refused(action: str, resource: str) -> None:
    statement = allow(action, resource, Sid="Mutate")
    (message,) = violations("no-unconditioned-ec2-mutation", IAM_POLICY, controller_policy(statement))
    assert f'statement "Mutate" grants {action}' in message


def test_the_same_ec2_mutation_under_a_condition_passes() -> None:
    statement = allow(["ec2:TerminateInstances", "ec2:CreateTags"], INSTANCES, Condition=OWNED)
    assert violations("no-unconditioned-ec2-mutation", IAM_POLICY, controller_policy(statement)) == []


def test_policies_other_than_the_controllers_are_not_judged_for_ec2_scope() -> None:
    statement = allow("ec2:TerminateInstances", "*")
    props = controller_policy(statement, name="ci-runner-cleanup")
    assert violations("no-unconditioned-ec2-mutation", IAM_POLICY, props) == []


# --- node-pools-have-limits -------------------------------------------------------------------


def test_config_chart_pools_with_limits_pass() -> None:
    props = config_release(cpu={"limits": CPU_LIMITS, "requirements": [], "taints": []})
    assert violations("node-pools-have-limits", RELEASE, props) == []


@pytest.mark.parametrize("pool", [{"limits": {}}, {"requirements": []}], ids=["empty", "missing"])
def test_config_chart_pool_without_limits_is_refused(pool: dict[str, Any]) -> None:
    props = config_release(cpu={"limits": CPU_LIMITS}, batch=pool)
    assert violations("node-pools-have-limits", RELEASE, props, "karpenter-config") == [
        "karpenter-config: values.nodePools.batch has no limits; "
        "without them one unschedulable pod can grow the pool without bound"
    ]


def test_a_pool_whose_limits_name_no_real_resource_is_refused() -> None:
    props = config_release(batch={"limits": {"cpus": "100", "memory": "400Gi"}})
    assert violations("node-pools-have-limits", RELEASE, props, "karpenter-config") == [
        "karpenter-config: values.nodePools.batch limits 'cpus', which bounds nothing: not a Kubernetes resource "
        "name; did you mean 'cpu'? Standard names are cpu, memory, ephemeral-storage, pods, hugepages-<size>; "
        "extended resources are domain-qualified, such as nvidia.com/gpu"
    ]


def test_a_rendered_node_pool_whose_limits_name_no_real_resource_is_refused() -> None:
    props = crd_node_pool(limits={"gpus": "8"}, requirements=[], taints=[])
    (message,) = violations("node-pools-have-limits", NODE_POOL, props, "gpu-pool")
    assert message.startswith("gpu-pool: NodePool gpu limits 'gpus', which bounds nothing: not a Kubernetes resource")


@pytest.mark.parametrize(
    "limits",
    [{"cpu": 100}, {"nvidia.com/gpu": "8", "memory": "1Ti"}, {"hugepages-2Mi": "1Gi", "pods": "110", "nodes": "10"}],
    ids=["integer-cpu", "extended", "hugepages-pods-nodes"],
)
def test_limits_on_real_resources_pass(limits: dict[str, Any]) -> None:
    props = config_release(batch={"limits": limits})
    assert violations("node-pools-have-limits", RELEASE, props) == []


def test_releases_of_other_charts_are_not_read_as_node_pools() -> None:
    props = {"chart": "oci://public.ecr.aws/karpenter/karpenter", "values": {"nodePools": {"cpu": {}}}}
    assert violations("node-pools-have-limits", RELEASE, props) == []


def test_node_pool_resource_with_limits_passes() -> None:
    props = crd_node_pool(limits=CPU_LIMITS, requirements=[], taints=[])
    assert violations("node-pools-have-limits", NODE_POOL, props) == []


def test_node_pool_resource_without_limits_is_refused() -> None:
    props = crd_node_pool(limits=None, requirements=[], taints=[])
    (message,) = violations("node-pools-have-limits", NODE_POOL, props, "gpu-pool")
    assert message.startswith("gpu-pool: NodePool gpu has no limits")


# --- gpu-pools-are-tainted --------------------------------------------------------------------


def test_tainted_gpu_pool_passes() -> None:
    props = config_release(gpu={"limits": CPU_LIMITS, "requirements": [GPU_CATEGORIES], "taints": [NVIDIA_TAINT]})
    assert violations("gpu-pools-are-tainted", RELEASE, props) == []


def test_cpu_pool_needs_no_gpu_taint() -> None:
    requirements = [
        requirement("karpenter.k8s.aws/instance-category", "In", "c", "m", "r"),
        requirement("karpenter.k8s.aws/instance-family", "In", "m5", "c7g"),
        requirement("karpenter.k8s.aws/instance-gpu-count", "DoesNotExist"),
    ]
    props = config_release(cpu={"limits": CPU_LIMITS, "requirements": requirements, "taints": []})
    assert violations("gpu-pools-are-tainted", RELEASE, props) == []


@pytest.mark.parametrize(
    "pool",
    [
        {"requirements": [GPU_CATEGORIES]},
        {"requirements": [requirement("karpenter.k8s.aws/instance-family", "In", "m5", "g5")]},
        {"requirements": [requirement("karpenter.k8s.aws/instance-family", "In", "gr6")]},
        {"requirements": [requirement("karpenter.k8s.aws/instance-category", "In", "gr")]},
        {"requirements": [requirement("karpenter.k8s.aws/instance-family", "In", "p6-b200")]},
        {"requirements": [requirement("karpenter.k8s.aws/instance-family", "In", "g4ad")]},
        {"requirements": [requirement("karpenter.k8s.aws/instance-gpu-count", "Gt", "0")]},
        {"requirements": [requirement("karpenter.k8s.aws/instance-gpu-manufacturer", "In", "nvidia")]},
        {"requirements": [], "limits": {"cpu": "64", "nvidia.com/gpu": "8"}},
        # A taint that only discourages scheduling still lets ordinary pods onto GPU nodes.
        {"requirements": [GPU_CATEGORIES], "taints": [{**NVIDIA_TAINT, "effect": "PreferNoSchedule"}]},
        {"requirements": [GPU_CATEGORIES], "taints": [{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}]},
    ],
    ids=[
        "category",
        "family",
        "gr-family",
        "gr-category",
        "variant-family",
        "amd-family",
        "gpu-count",
        "gpu-manufacturer",
        "gpu-limit",
        "prefer-no-schedule",
        "other-key",
    ],
)
def test_gpu_pool_without_a_gpu_taint_is_refused(pool: dict[str, Any]) -> None:
    props = config_release(cpu={"limits": CPU_LIMITS}, gpu={"limits": CPU_LIMITS, "taints": [], **pool})
    (message,) = violations("gpu-pools-are-tainted", RELEASE, props, "karpenter-config")
    assert message.startswith("karpenter-config: values.nodePools.gpu can launch GPU instances (")
    assert "has no nvidia.com/gpu taint" in message


def test_tainted_gpu_node_pool_resource_passes() -> None:
    no_execute = {**NVIDIA_TAINT, "effect": "NoExecute"}
    props = crd_node_pool(limits=CPU_LIMITS, requirements=[GPU_CATEGORIES], taints=[no_execute])
    assert violations("gpu-pools-are-tainted", NODE_POOL, props) == []


def test_untainted_gpu_node_pool_resource_is_refused() -> None:
    props = crd_node_pool(limits=CPU_LIMITS, requirements=[GPU_CATEGORIES], taints=[])
    (message,) = violations("gpu-pools-are-tainted", NODE_POOL, props, "gpu-pool")
    assert message.startswith("gpu-pool: NodePool gpu can launch GPU instances (karpenter.k8s.aws/instance-category")


# --- interruption-queue-encrypted -------------------------------------------------------------


@pytest.mark.parametrize(
    "encryption",
    [{"sqsManagedSseEnabled": True}, {"kmsMasterKeyId": "alias/karpenter"}],
    ids=["sqs-managed", "kms"],
)
def test_encrypted_queue_passes(encryption: dict[str, Any]) -> None:
    assert violations("interruption-queue-encrypted", QUEUE, {"name": "karpenter-dev", **encryption}) == []


@pytest.mark.parametrize(
    "encryption", [{}, {"sqsManagedSseEnabled": False}, {"kmsMasterKeyId": ""}], ids=["unset", "off", "no-key"]
)
def test_unencrypted_queue_is_refused(encryption: dict[str, Any]) -> None:
    props = {"name": "karpenter-dev", "messageRetentionSeconds": 300, **encryption}
    assert violations("interruption-queue-encrypted", QUEUE, props, "interruption-queue") == [
        "interruption-queue: queue karpenter-dev is not encrypted at rest; "
        "set sqsManagedSseEnabled: true or a kmsMasterKeyId"
    ]
