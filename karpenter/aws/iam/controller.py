"""The controller's six managed policies, by upstream name; the cluster, interruption, zonal-shift and
discovery ones are here, the two largest in their own modules."""

from __future__ import annotations

from karpenter.aws.iam.documents import PolicyDocument, cluster_arn, document, instance_profile_arn
from karpenter.aws.iam.iam_integration import iam_integration
from karpenter.aws.iam.node_lifecycle import node_lifecycle


def eks_integration(cluster_arn: str) -> PolicyDocument:
    return document(
        [
            {
                "Sid": "AllowAPIServerEndpointDiscovery",
                "Effect": "Allow",
                "Resource": cluster_arn,
                "Action": ["eks:DescribeCluster"],
            }
        ]
    )


def interruption(queue_arn: str) -> PolicyDocument:
    return document(
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


def zonal_shift(cluster_arn: str) -> PolicyDocument:
    return document(
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


def resource_discovery(partition: str, region: str, account_id: str) -> PolicyDocument:
    return document(
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
                "Resource": instance_profile_arn(partition, account_id),
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
    cluster = cluster_arn(partition, region, account_id, cluster_name)
    documents: dict[str, PolicyDocument] = {
        "NodeLifecycle": node_lifecycle(partition, region, cluster_name),
        "IAMIntegration": iam_integration(
            partition,
            region,
            account_id,
            cluster_name,
            node_role_arn,
            manage_instance_profiles,
        ),
        "EKSIntegration": eks_integration(cluster),
    }
    if interruption_queue_arn is not None:
        documents["Interruption"] = interruption(interruption_queue_arn)
    documents["ZonalShift"] = zonal_shift(cluster)
    documents["ResourceDiscovery"] = resource_discovery(partition, region, account_id)
    return documents
