"""The six controller policies, whole: every action, resource ARN, account and condition value.

tests/fixtures/iam/controller-policies-dev.json holds the reviewed documents for cluster `dev` in
account 123456789012, eu-west-1 (upstream Karpenter 1.14.1's policies, less the instance-profile
management this stack does not grant). A change to any statement fails here and is reviewed as a
diff of that file, never drifts in unseen.
"""

from __future__ import annotations

import json
from typing import Any

from karpenter.aws.iam.controller import controller_policy_documents
from karpenter.aws.iam.queue import interruption_queue_policy
from tests.conftest import FIXTURES

EXPECTED = FIXTURES / "iam" / "controller-policies-dev.json"


def _documents(*, queue: str | None, **choice: bool) -> dict[str, Any]:
    """The documents for cluster dev; `choice` is manage_instance_profiles, or nothing for the default."""
    return controller_policy_documents(
        partition="aws",
        region="eu-west-1",
        account_id="123456789012",
        cluster_name="dev",
        node_role_arn="arn:aws:iam::123456789012:role/karpenter-node-role-dev",
        interruption_queue_arn=queue,
        **choice,
    )


def test_the_controller_policies_are_exactly_the_reviewed_documents() -> None:
    documents = _documents(queue="arn:aws:sqs:eu-west-1:123456789012:karpenter-dev", manage_instance_profiles=False)
    expected = json.loads(EXPECTED.read_text())
    assert list(documents) == [
        "NodeLifecycle",
        "IAMIntegration",
        "EKSIntegration",
        "Interruption",
        "ZonalShift",
        "ResourceDiscovery",
    ]
    for name, document in documents.items():
        assert document == expected[name], name


def test_the_reviewed_documents_scope_tagging_as_upstream_does() -> None:
    # Spot checks of the values a careless edit would break, read from the reviewed file itself.
    lifecycle = json.loads(EXPECTED.read_text())["NodeLifecycle"]["Statement"]
    conditions = [s.get("Condition", {}) for s in lifecycle]
    create_actions = [
        c["StringEquals"]["ec2:CreateAction"] for c in conditions if "ec2:CreateAction" in c.get("StringEquals", {})
    ]
    assert create_actions == [["RunInstances", "CreateFleet", "CreateLaunchTemplate"]]
    tag_keys = [c["ForAllValues:StringEquals"]["aws:TagKeys"] for c in conditions if "ForAllValues:StringEquals" in c]
    assert tag_keys == [["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]]


def test_the_queue_policy_is_exactly_the_reviewed_document() -> None:
    queue = "arn:aws:sqs:eu-west-1:123456789012:karpenter-dev"
    assert interruption_queue_policy(queue_arn=queue) == {
        "Version": "2012-10-17",
        "Id": "EC2InterruptionPolicy",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": ["sqs:SendMessage"],
                "Resource": queue,
            },
            {
                "Sid": "DenyHTTP",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["sqs:*"],
                "Resource": queue,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def test_instance_profile_management_when_asked_for_is_exactly_upstreams() -> None:
    # The stack owns the instance profile and never asks; the documents keep upstream's form for
    # those who manage profiles through Karpenter.
    documents = _documents(queue=None, manage_instance_profiles=True)
    expected = json.loads((FIXTURES / "iam" / "iam-integration-managing-profiles-dev.json").read_text())
    assert documents["IAMIntegration"] == expected
    assert "Interruption" not in documents


def test_documents_asked_for_without_a_choice_manage_instance_profiles_as_upstreams_do() -> None:
    # Upstream's policies grant instance-profile management; only a caller that owns the profile
    # (the stack always says so) gets the narrower documents.
    documents = _documents(queue=None)
    expected = json.loads((FIXTURES / "iam" / "iam-integration-managing-profiles-dev.json").read_text())
    assert documents["IAMIntegration"] == expected
