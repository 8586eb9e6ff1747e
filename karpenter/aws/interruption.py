"""Interruption handling: the SQS queue Karpenter reads and the EventBridge rules that feed it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from karpenter.aws.iam import queue
from karpenter.vocabulary import aws_names

MESSAGE_RETENTION_SECONDS = 300


def interruption_event_patterns() -> dict[str, dict[str, Any]]:
    """The EventBridge patterns Karpenter acts on, by short rule name."""
    return {
        "health": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
        "spot-interruption": {"source": ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"]},
        "rebalance": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"]},
        "state-change": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]},
        "capacity-reservation": {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"],
        },
    }


def interruption_queue_arn(partition: str, region: str, account_id: str, cluster_name: str) -> str:
    return f"arn:{partition}:sqs:{region}:{account_id}:{aws_names.interruption_queue_name(cluster_name)}"


@dataclass(frozen=True)
class InterruptionQueueArgs:
    cluster_name: str
    partition: str
    region: str
    account_id: str


class InterruptionQueue(pulumi.ComponentResource):
    queue: aws.sqs.Queue

    def __init__(self, name: str, args: InterruptionQueueArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:interruption:InterruptionQueue", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        queue_name = aws_names.interruption_queue_name(args.cluster_name)
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            name=queue_name,
            message_retention_seconds=MESSAGE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        queue_arn = interruption_queue_arn(args.partition, args.region, args.account_id, args.cluster_name)
        policy = aws.sqs.QueuePolicy(
            f"{name}-queue-policy",
            queue_url=self.queue.url,
            policy=json.dumps(queue.interruption_queue_policy(queue_arn=queue_arn)),
            opts=child,
        )
        targets: list[pulumi.Resource] = []
        for event, pattern in interruption_event_patterns().items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{event}",
                name=aws_names.interruption_rule_name(args.cluster_name, event),
                description=f"Karpenter interruption events for EKS cluster {args.cluster_name}",
                event_pattern=json.dumps(pattern),
                opts=child,
            )
            targets.append(
                aws.cloudwatch.EventTarget(
                    f"{name}-{event}",
                    rule=rule.name,
                    arn=self.queue.arn,
                    target_id="karpenter-interruption-queue",
                    # Events only arrive once the queue accepts them from EventBridge.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
                )
            )
        self.ready: list[pulumi.Resource] = [self.queue, policy, *targets]
        self.queue_name = self.queue.name
        self.queue_arn = self.queue.arn
        self.register_outputs({"queueName": self.queue_name, "queueArn": self.queue_arn})
