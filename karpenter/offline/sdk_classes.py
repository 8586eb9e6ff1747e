"""Importing this module loads the SDK classes the program declares for a stack that attaches to a
cluster. pulumi_aws and pulumi_kubernetes load a service's module only when a program first touches
it, and that costs more than the rest of a render; synth's worker processes start with them loaded
(see `workers`), and `make bench` times this import as the floor a render cannot go below."""

from __future__ import annotations

import pulumi.runtime.mocks
import pulumi_aws as aws
import pulumi_kubernetes as k8s

DECLARED: tuple[type, ...] = (
    pulumi.runtime.mocks.MockMonitor,
    aws.cloudwatch.EventRule,
    aws.cloudwatch.EventTarget,
    aws.ec2.Tag,
    aws.eks.AccessEntry,
    aws.iam.InstanceProfile,
    aws.iam.Policy,
    aws.iam.Role,
    aws.iam.RolePolicyAttachment,
    aws.iam.ServiceLinkedRole,
    aws.sqs.Queue,
    aws.sqs.QueuePolicy,
    k8s.Provider,
    k8s.helm.v3.Release,
)
