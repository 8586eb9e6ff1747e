"""The interruption queue's policy: who may send to it, and TLS only."""

from __future__ import annotations

from karpenter.aws.iam.documents import PolicyDocument, document


def interruption_queue_policy(*, queue_arn: str) -> PolicyDocument:
    """SQS queue policy: EventBridge/SQS may send messages; any non-TLS access is denied."""
    return document(
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
