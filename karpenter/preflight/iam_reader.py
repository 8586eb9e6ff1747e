"""Reading the stack's IAM names (roles with their policies, the instance profile) and simulating the
controller role on the launch actions, read-only."""

from __future__ import annotations

import json
from typing import Any

from karpenter.cluster.adoption import ExistingIam, ExistingInstanceProfile, ExistingRole
from karpenter.config.stack_config import StackConfig
from karpenter.preflight.aws_calls import found_or_none
from karpenter.preflight.observations import Simulation
from karpenter.vocabulary import aws_names

SIMULATED_ACTIONS = ("ec2:RunInstances", "ec2:CreateFleet")


def read_role(iam: Any, name: str) -> ExistingRole | None:
    role = found_or_none(lambda: iam.get_role(RoleName=name)["Role"])
    if role is None:
        return None
    attached = [
        p["PolicyArn"]
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
        for p in page["AttachedPolicies"]
    ]
    inline = [
        n for page in iam.get_paginator("list_role_policies").paginate(RoleName=name) for n in page["PolicyNames"]
    ]
    # boto3 hands the trust policy over decoded (IAM sends it URL-encoded).
    trust = role.get("AssumeRolePolicyDocument") or {}
    return ExistingRole(
        name=name,
        path=role.get("Path", "/"),
        description=role.get("Description", ""),
        attached_policy_arns=tuple(attached),
        inline_policy_names=tuple(inline),
        tags={t["Key"]: t["Value"] for t in role.get("Tags", [])},
        trust_policy=trust if isinstance(trust, str) else json.dumps(trust),
    )


def read_existing_iam(iam: Any, cluster_name: str) -> ExistingIam:
    profile_name = aws_names.instance_profile_name(cluster_name)
    profile = found_or_none(lambda: iam.get_instance_profile(InstanceProfileName=profile_name)["InstanceProfile"])
    return ExistingIam(
        node_role=read_role(iam, aws_names.node_role_name(cluster_name)),
        instance_profile=ExistingInstanceProfile(
            name=profile_name,
            path=profile.get("Path", "/"),
            role_name=next((r["RoleName"] for r in profile.get("Roles", [])), None),
        )
        if profile
        else None,
        controller_role=read_role(iam, aws_names.controller_role_name(cluster_name)),
    )


def simulate_controller(iam: Any, role_arn: str, config: StackConfig, region: str) -> tuple[Simulation, ...]:
    """The controller role on the launch actions, with the request tags Karpenter sends, so that the
    stack's tag conditions hold and what remains is what the role's policies and the SCPs decide."""
    tags = {
        f"kubernetes.io/cluster/{config.cluster_name}": "owned",
        "eks:eks-cluster-name": config.cluster_name,
        "karpenter.sh/nodepool": next(iter(config.node_pools)),
        "karpenter.k8s.aws/ec2nodeclass": next(iter(config.node_pools)),
    }
    context = [
        {"ContextKeyName": f"aws:RequestTag/{key}", "ContextKeyValues": [value], "ContextKeyType": "string"}
        for key, value in tags.items()
    ]
    context.append({"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": [region], "ContextKeyType": "string"})
    result = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=list(SIMULATED_ACTIONS), ResourceArns=["*"], ContextEntries=context
    )
    return tuple(
        Simulation(
            action=r["EvalActionName"],
            decision=r["EvalDecision"],
            allowed_by_organizations=r.get("OrganizationsDecisionDetail", {}).get("AllowedByOrganizations"),
        )
        for r in result["EvaluationResults"]
    )
