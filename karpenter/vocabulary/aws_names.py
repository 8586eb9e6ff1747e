"""Deterministic AWS names derived from the cluster name, kept within each service's limit."""

from __future__ import annotations

import hashlib

IAM_ROLE_NAME_LIMIT = 64
IAM_POLICY_NAME_LIMIT = 128
INSTANCE_PROFILE_NAME_LIMIT = 128
SQS_QUEUE_NAME_LIMIT = 80
EVENT_RULE_NAME_LIMIT = 64


def bounded_name(prefix: str, cluster_name: str, limit: int, suffix: str = "") -> str:
    """`<prefix>-<cluster><suffix>`, or, when that is too long, the cluster part cut short and
    followed by a hash of the whole cluster name, so two long names never collide and the same
    cluster always gets the same name."""
    name = f"{prefix}-{cluster_name}{suffix}"
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(cluster_name.encode()).hexdigest()[:8]
    keep = limit - len(prefix) - len(suffix) - len(digest) - 2
    if keep < 1:
        raise ValueError(f"prefix {prefix!r} and suffix {suffix!r} leave no room within {limit} characters")
    return f"{prefix}-{cluster_name[:keep]}-{digest}{suffix}"


def node_role_name(cluster_name: str) -> str:
    return bounded_name("karpenter-node-role", cluster_name, IAM_ROLE_NAME_LIMIT)


def instance_profile_name(cluster_name: str) -> str:
    return bounded_name("karpenter-instance-profile", cluster_name, INSTANCE_PROFILE_NAME_LIMIT)


def controller_role_name(cluster_name: str) -> str:
    return bounded_name("karpenter-controller-role", cluster_name, IAM_ROLE_NAME_LIMIT)


def system_node_role_name(cluster_name: str) -> str:
    """The role of the system node group of a cluster the stack creates."""
    return bounded_name("system-node-role", cluster_name, IAM_ROLE_NAME_LIMIT)


def node_role_description(cluster_name: str) -> str:
    """The node role's description; a role carrying it was made (or taken over) by this stack."""
    return f"Nodes that Karpenter launches for EKS cluster {cluster_name}"


def controller_role_description(cluster_name: str) -> str:
    """The controller role's description; a role carrying it was made (or taken over) by this stack."""
    return f"Karpenter controller of EKS cluster {cluster_name}"


# The controller role's tag naming the namespace the stack installs Karpenter in: how a later run tells
# which namespace the deployed stack uses. Outside the domains Kubernetes and Karpenter reserve
# (kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws) and AWS's own `aws:` prefix.
CONTROLLER_NAMESPACE_TAG = "karpenter-stack/namespace"


def controller_policy_name(cluster_name: str, kind: str) -> str:
    return bounded_name(f"KarpenterController{kind}Policy", cluster_name, IAM_POLICY_NAME_LIMIT)


def interruption_queue_name(cluster_name: str) -> str:
    return bounded_name("karpenter", cluster_name, SQS_QUEUE_NAME_LIMIT)


def interruption_rule_name(cluster_name: str, event: str) -> str:
    return bounded_name("karpenter", cluster_name, EVENT_RULE_NAME_LIMIT, suffix=f"-{event}")
