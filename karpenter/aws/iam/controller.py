"""Build the IAM policy documents Karpenter needs (node role, controller role, interruption queue) as plain dicts.

Facts follow the upstream Karpenter v1.14 getting-started CloudFormation template; no Pulumi, no I/O.
"""

from __future__ import annotations

import json
from typing import Any

PolicyDocument = dict[str, Any]
Statement = dict[str, Any]

POLICY_VERSION = "2012-10-17"

# AWS limit for a customer managed policy, counted on the JSON with whitespace removed.
MAX_MANAGED_POLICY_SIZE = 6144

_NODE_MANAGED_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
)

# Resource types Karpenter launches into but neither creates nor owns (AMIs, snapshots, the network,
# capacity reservations, placement groups). Upstream grants RunInstances/CreateFleet on them without tag
# conditions because they carry no cluster tag; everything Karpenter creates is tag-scoped.
UNOWNED_EC2_RESOURCE_TYPES = (
    "image",
    "snapshot",
    "security-group",
    "subnet",
    "capacity-reservation",
    "placement-group",
)

# Resource types created by RunInstances/CreateFleet/CreateLaunchTemplate and tagged on creation.
_CREATED_EC2_RESOURCE_TYPES = (
    "fleet",
    "instance",
    "volume",
    "network-interface",
    "launch-template",
    "spot-instances-request",
)

# Upstream lists both values: the EC2 principal is reported as ec2.amazonaws.com.cn in the China partition.
_EC2_PASSED_TO_SERVICES = ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]


def _document(statements: list[Statement], **extra: Any) -> PolicyDocument:
    return {"Version": POLICY_VERSION, **extra, "Statement": statements}


def _ec2_arn(partition: str, region: str, resource_type: str) -> str:
    # AMIs and snapshots are public/shared resources whose ARNs carry no account; the rest use a wildcard
    # account exactly as upstream does (the region is always pinned).
    account = "" if resource_type in ("image", "snapshot") else "*"
    return f"arn:{partition}:ec2:{region}:{account}:{resource_type}/*"


def _cluster_arn(partition: str, region: str, account_id: str, cluster_name: str) -> str:
    return f"arn:{partition}:eks:{region}:{account_id}:cluster/{cluster_name}"


def _instance_profile_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:instance-profile/*"


def node_managed_policy_arns(partition: str) -> list[str]:
    """AWS managed policies attached to the Karpenter node role."""
    return [f"arn:{partition}:iam::aws:policy/{name}" for name in _NODE_MANAGED_POLICIES]


def url_suffix(partition: str) -> str:
    """The domain of AWS service principals in a partition."""
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def node_trust_policy(*, url_suffix: str = "amazonaws.com") -> PolicyDocument:
    """Trust policy letting EC2 instances assume the node role.

    Upstream uses ``ec2.${AWS::URLSuffix}``; pass ``url_suffix="amazonaws.com.cn"`` to reproduce that in China.
    """
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": f"ec2.{url_suffix}"},
                "Action": ["sts:AssumeRole"],
            }
        ]
    )


def irsa_trust_policy(
    *, oidc_provider_arn: str, issuer_host: str, namespace: str, service_account: str
) -> PolicyDocument:
    """Trust policy for IAM Roles for Service Accounts; ``issuer_host`` is the issuer URL without ``https://``."""
    if "://" in issuer_host:
        raise ValueError(f"issuer_host must not include a scheme: {issuer_host!r}")
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {
                    "StringEquals": {
                        f"{issuer_host}:aud": "sts.amazonaws.com",
                        f"{issuer_host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    }
                },
            }
        ]
    )


def pod_identity_trust_policy() -> PolicyDocument:
    """Trust policy for EKS Pod Identity."""
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ]
    )


def _node_lifecycle(partition: str, region: str, cluster_name: str) -> PolicyDocument:
    owned_tag = f"kubernetes.io/cluster/{cluster_name}"
    created = [_ec2_arn(partition, region, t) for t in _CREATED_EC2_RESOURCE_TYPES]
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

    return _document(
        [
            {
                "Sid": "AllowScopedEC2InstanceAccessActions",
                "Effect": "Allow",
                "Resource": [_ec2_arn(partition, region, t) for t in UNOWNED_EC2_RESOURCE_TYPES],
                "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            },
            {
                "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
                "Effect": "Allow",
                "Resource": _ec2_arn(partition, region, "launch-template"),
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
                "Resource": _ec2_arn(partition, region, "instance"),
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
                    _ec2_arn(partition, region, "instance"),
                    _ec2_arn(partition, region, "launch-template"),
                ],
                "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                "Condition": owned_by_nodepool(),
            },
        ]
    )


def _iam_integration(
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
            "Condition": {"StringEquals": {"iam:PassedToService": list(_EC2_PASSED_TO_SERVICES)}},
        }
    ]
    # Tighter than upstream: when the program creates the instance profile itself and the EC2NodeClass
    # sets spec.instanceProfile, Karpenter never creates, tags, re-roles or deletes profiles, so those
    # mutating grants are dropped. PassRole stays (RunInstances/CreateFleet pass the role via the profile),
    # and the read-only iam:GetInstanceProfile / iam:ListInstanceProfiles grants in ResourceDiscovery stay
    # (the node class finaliser and the instance-profile garbage collector still call them).
    if not manage_instance_profiles:
        return _document(statements)

    profile_arn = _instance_profile_arn(partition, account_id)
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
    return _document(statements)


def _eks_integration(cluster_arn: str) -> PolicyDocument:
    return _document(
        [
            {
                "Sid": "AllowAPIServerEndpointDiscovery",
                "Effect": "Allow",
                "Resource": cluster_arn,
                "Action": ["eks:DescribeCluster"],
            }
        ]
    )


def _interruption(queue_arn: str) -> PolicyDocument:
    return _document(
        [
            {
                "Sid": "AllowInterruptionQueueActions",
                "Effect": "Allow",
                "Resource": queue_arn,
                "Action": [
                    "sqs:DeleteMessage",
                    "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage",
                ],
            }
        ]
    )


def _zonal_shift(cluster_arn: str) -> PolicyDocument:
    return _document(
        [
            {
                "Sid": "AllowZonalShiftStatusReadOnly",
                "Effect": "Allow",
                "Resource": "*",
                "Action": ["arc-zonal-shift:GetManagedResource"],
                "Condition": {"StringEquals": {"arc-zonal-shift:ResourceIdentifier": cluster_arn}},
            }
        ]
    )


def _resource_discovery(partition: str, region: str, account_id: str) -> PolicyDocument:
    return _document(
        [
            {
                "Sid": "AllowRegionalReadActions",
                "Effect": "Allow",
                "Resource": "*",
                "Action": [
                    "ec2:DescribeCapacityReservations",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates",
                    "ec2:DescribePlacementGroups",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets",
                ],
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
            {
                "Sid": "AllowSSMReadActions",
                "Effect": "Allow",
                "Resource": f"arn:{partition}:ssm:{region}::parameter/aws/service/*",
                "Action": ["ssm:GetParameter"],
            },
            {
                "Sid": "AllowPricingReadActions",
                "Effect": "Allow",
                "Resource": "*",
                "Action": ["pricing:GetProducts"],
            },
            {
                "Sid": "AllowUnscopedInstanceProfileListAction",
                "Effect": "Allow",
                "Resource": "*",
                "Action": ["iam:ListInstanceProfiles"],
            },
            {
                "Sid": "AllowInstanceProfileReadActions",
                "Effect": "Allow",
                "Resource": _instance_profile_arn(partition, account_id),
                "Action": ["iam:GetInstanceProfile"],
            },
        ]
    )


def controller_policy_documents(
    *,
    partition: str,
    region: str,
    account_id: str,
    cluster_name: str,
    node_role_arn: str,
    interruption_queue_arn: str | None,
    manage_instance_profiles: bool = True,
) -> dict[str, PolicyDocument]:
    """The controller's managed policies, keyed by upstream name (``KarpenterController<key>Policy``).

    "Interruption" is present only when an interruption queue ARN is given.
    """
    cluster_arn = _cluster_arn(partition, region, account_id, cluster_name)
    documents: dict[str, PolicyDocument] = {
        "NodeLifecycle": _node_lifecycle(partition, region, cluster_name),
        "IAMIntegration": _iam_integration(
            partition,
            region,
            account_id,
            cluster_name,
            node_role_arn,
            manage_instance_profiles,
        ),
        "EKSIntegration": _eks_integration(cluster_arn),
    }
    if interruption_queue_arn is not None:
        documents["Interruption"] = _interruption(interruption_queue_arn)
    documents["ZonalShift"] = _zonal_shift(cluster_arn)
    documents["ResourceDiscovery"] = _resource_discovery(partition, region, account_id)
    return documents


def interruption_queue_policy(*, queue_arn: str) -> PolicyDocument:
    """SQS queue policy: EventBridge/SQS may send messages; any non-TLS access is denied."""
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": ["sqs:SendMessage"],
                "Resource": queue_arn,
            },
            {
                "Sid": "DenyHTTP",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["sqs:*"],
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
        Id="EC2InterruptionPolicy",
    )


def document_size(document: PolicyDocument) -> int:
    """Characters AWS counts against the managed-policy size limit (JSON with all whitespace removed)."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
