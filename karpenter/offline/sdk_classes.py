"""The SDK names the program uses: the classes it declares and the functions it calls. Loading a
service package's names costs more than the rest of a render: `make bench` times importing the
classes a stack that attaches to a cluster declares, the plain way, as the floor a render is measured
against, and synth loads all of them before it forks a worker (`sdk_preload`)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

# A stack that attaches to a cluster declares these.
DECLARED = (
    "pulumi.runtime.mocks.MockMonitor",
    "pulumi_aws.cloudwatch.EventRule",
    "pulumi_aws.cloudwatch.EventTarget",
    "pulumi_aws.ec2.Tag",
    "pulumi_aws.eks.AccessEntry",
    "pulumi_aws.iam.InstanceProfile",
    "pulumi_aws.iam.Policy",
    "pulumi_aws.iam.Role",
    "pulumi_aws.iam.RolePolicyAttachment",
    "pulumi_aws.iam.ServiceLinkedRole",
    "pulumi_aws.sqs.Queue",
    "pulumi_aws.sqs.QueuePolicy",
    "pulumi_kubernetes.Provider",
    "pulumi_kubernetes.helm.v3.Release",
)
# What the program looks up (every mode), and the classes only some modes declare.
USED = (
    *DECLARED,
    "pulumi_aws.get_caller_identity",
    "pulumi_aws.get_partition",
    "pulumi_aws.get_region",
    "pulumi_aws.ec2.get_security_group",
    "pulumi_aws.ec2.get_subnet",
    "pulumi_aws.ec2.get_subnet_output",
    "pulumi_aws.eks.Addon",
    "pulumi_aws.eks.PodIdentityAssociation",
    "pulumi_aws.eks.get_addon",
    "pulumi_aws.eks.get_cluster",
    "pulumi_aws.eks.get_cluster_output",
    "pulumi_aws.iam.OpenIdConnectProvider",
    "pulumi_aws.iam.RolePoliciesExclusive",
    "pulumi_aws.iam.get_instance_profile",
    "pulumi_aws.iam.get_open_id_connect_provider",
    "pulumi_aws.iam.get_role",
    "pulumi_aws.iam.get_role_policies",
    "pulumi_aws.iam.get_role_policy_attachments",
    "pulumi_aws.iam.get_roles",
)


def load(names: Iterable[str]) -> list[object]:
    """Each dotted name's object, reached from its top package attribute by attribute as the program
    reaches it (`aws.ec2.Tag`): so each package's `__init__` on the way runs, as in a render."""
    found = []
    for name in names:
        top, *parts = name.split(".")
        value: object = importlib.import_module(top)
        for index, part in enumerate(parts, start=1):
            try:
                value = getattr(value, part)
            except AttributeError:
                # A module its package does not import itself.
                value = importlib.import_module(".".join([top, *parts[:index]]))
        found.append(value)
    return found
