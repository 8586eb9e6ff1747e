"""The node role's permissions: the AWS managed policies every EKS node needs."""

from __future__ import annotations

_NODE_MANAGED_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
)


def node_managed_policy_arns(partition: str) -> list[str]:
    """AWS managed policies attached to the Karpenter node role."""
    return [f"arn:{partition}:iam::aws:policy/{name}" for name in _NODE_MANAGED_POLICIES]
