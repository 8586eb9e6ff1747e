"""The controller's NodeLifecycle policy: launching, tagging and terminating its cluster's instances."""

from __future__ import annotations

from typing import Any

from karpenter.aws.iam.documents import (
    CREATED_EC2_RESOURCE_TYPES,
    UNOWNED_EC2_RESOURCE_TYPES,
    PolicyDocument,
    document,
    ec2_arn,
)


def node_lifecycle(partition: str, region: str, cluster_name: str) -> PolicyDocument:
    owned_tag = f"kubernetes.io/cluster/{cluster_name}"
    created = [ec2_arn(partition, region, t) for t in CREATED_EC2_RESOURCE_TYPES]
    request_tags_on_create = {
        f"aws:RequestTag/{owned_tag}": "owned",
        "aws:RequestTag/eks:eks-cluster-name": cluster_name,
    }

    def owned_by_nodepool() -> dict[str, Any]:
        # Fresh dicts per statement so callers mutating one statement cannot affect another.
        return {
            "StringEquals": {f"aws:ResourceTag/{owned_tag}": "owned"},
            "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
        }

    return document(
        [
            {
                "Sid": "AllowScopedEC2InstanceAccessActions",
                "Effect": "Allow",
                "Resource": [ec2_arn(partition, region, t) for t in UNOWNED_EC2_RESOURCE_TYPES],
                "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            },
            {
                "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
                "Effect": "Allow",
                "Resource": ec2_arn(partition, region, "launch-template"),
                "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
                "Condition": owned_by_nodepool(),
            },
            {
                "Sid": "AllowScopedEC2InstanceActionsWithTags",
                "Effect": "Allow",
                "Resource": created,
                "Action": [
                    "ec2:RunInstances",
                    "ec2:CreateFleet",
                    "ec2:CreateLaunchTemplate",
                ],
                "Condition": {
                    "StringEquals": dict(request_tags_on_create),
                    "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedResourceCreationTagging",
                "Effect": "Allow",
                "Resource": list(created),
                "Action": ["ec2:CreateTags"],
                "Condition": {
                    "StringEquals": {
                        **request_tags_on_create,
                        "ec2:CreateAction": [
                            "RunInstances",
                            "CreateFleet",
                            "CreateLaunchTemplate",
                        ],
                    },
                    "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedResourceTagging",
                "Effect": "Allow",
                "Resource": ec2_arn(partition, region, "instance"),
                "Action": ["ec2:CreateTags"],
                "Condition": {
                    **owned_by_nodepool(),
                    "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster_name},
                    "ForAllValues:StringEquals": {
                        "aws:TagKeys": [
                            "eks:eks-cluster-name",
                            "karpenter.sh/nodeclaim",
                            "Name",
                        ]
                    },
                },
            },
            {
                "Sid": "AllowScopedDeletion",
                "Effect": "Allow",
                "Resource": [
                    ec2_arn(partition, region, "instance"),
                    ec2_arn(partition, region, "launch-template"),
                ],
                "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                "Condition": owned_by_nodepool(),
            },
        ]
    )
