"""The controller's IAMIntegration policy: passing the node role to EC2, and reading instance profiles."""

from __future__ import annotations

from karpenter.aws.iam.documents import (
    EC2_PASSED_TO_SERVICES,
    PolicyDocument,
    Statement,
    document,
    instance_profile_arn,
)


def iam_integration(
    partition: str,
    region: str,
    account_id: str,
    cluster_name: str,
    node_role_arn: str,
    manage_instance_profiles: bool,
) -> PolicyDocument:
    statements: list[Statement] = [
        {
            "Sid": "AllowPassingInstanceRole",
            "Effect": "Allow",
            "Resource": node_role_arn,
            "Action": ["iam:PassRole"],
            "Condition": {"StringEquals": {"iam:PassedToService": list(EC2_PASSED_TO_SERVICES)}},
        }
    ]
    # Tighter than upstream: when the program creates the instance profile itself and the EC2NodeClass
    # sets spec.instanceProfile, Karpenter never creates, tags, re-roles or deletes profiles, so those
    # mutating grants are dropped. PassRole stays (RunInstances/CreateFleet pass the role via the profile),
    # and the read-only iam:GetInstanceProfile / iam:ListInstanceProfiles grants in ResourceDiscovery stay
    # (the node class finaliser and the instance-profile garbage collector still call them).
    if not manage_instance_profiles:
        return document(statements)

    profile_arn = instance_profile_arn(partition, account_id)
    owned_tag = f"kubernetes.io/cluster/{cluster_name}"
    request_tags = {
        f"aws:RequestTag/{owned_tag}": "owned",
        "aws:RequestTag/eks:eks-cluster-name": cluster_name,
        "aws:RequestTag/topology.kubernetes.io/region": region,
    }
    resource_tags = {
        f"aws:ResourceTag/{owned_tag}": "owned",
        "aws:ResourceTag/topology.kubernetes.io/region": region,
    }
    statements += [
        {
            "Sid": "AllowScopedInstanceProfileCreationActions",
            "Effect": "Allow",
            "Resource": profile_arn,
            "Action": ["iam:CreateInstanceProfile"],
            "Condition": {
                "StringEquals": dict(request_tags),
                "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileTagActions",
            "Effect": "Allow",
            "Resource": profile_arn,
            "Action": ["iam:TagInstanceProfile"],
            "Condition": {
                "StringEquals": {**resource_tags, **request_tags},
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                },
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileActions",
            "Effect": "Allow",
            "Resource": profile_arn,
            "Action": [
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
            ],
            "Condition": {
                "StringEquals": dict(resource_tags),
                "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
    ]
    return document(statements)
