"""IAM documents as plain data: their shape, the ARNs they name, and the size AWS counts.

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
CREATED_EC2_RESOURCE_TYPES = (
    "fleet",
    "instance",
    "volume",
    "network-interface",
    "launch-template",
    "spot-instances-request",
)

# Upstream lists both values: the EC2 principal is reported as ec2.amazonaws.com.cn in the China partition.
EC2_PASSED_TO_SERVICES = ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]


def document(statements: list[Statement], **extra: Any) -> PolicyDocument:
    return {"Version": POLICY_VERSION, **extra, "Statement": statements}


def ec2_arn(partition: str, region: str, resource_type: str) -> str:
    # AMIs and snapshots are public/shared resources whose ARNs carry no account; the rest use a wildcard
    # account exactly as upstream does (the region is always pinned).
    account = "" if resource_type in ("image", "snapshot") else "*"
    return f"arn:{partition}:ec2:{region}:{account}:{resource_type}/*"


def cluster_arn(partition: str, region: str, account_id: str, cluster_name: str) -> str:
    return f"arn:{partition}:eks:{region}:{account_id}:cluster/{cluster_name}"


def instance_profile_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:instance-profile/*"


def url_suffix(partition: str) -> str:
    """The domain of AWS service principals in a partition."""
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def document_size(document: PolicyDocument) -> int:
    """Characters AWS counts against the managed-policy size limit (JSON with all whitespace removed)."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
