"""Node identity: the IAM role Karpenter's nodes run as, and the instance profile holding it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from karpenter.aws.iam import documents, node, trust
from karpenter.cluster.adoption import Adoption
from karpenter.vocabulary import aws_names


@dataclass(frozen=True)
class NodeIdentityArgs:
    cluster_name: str
    partition: str
    # What a hand-made install made under these names and the stack imports (karpenter:adopt).
    adoption: Adoption = Adoption()


def node_role(
    name: str,
    *,
    role_name: str,
    description: str,
    partition: str,
    parent: pulumi.Resource,
    adoption: Adoption | None = None,
    former_attachment_prefix: str | None = None,
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """A role EC2 instances assume to be EKS nodes, with the managed policies nodes need. Adopted,
    what exists is imported and everything is kept on destroy: nodes may still run with it.
    `former_attachment_prefix`: the prefix of the attachments' names in stacks deployed before, kept
    as their aliases."""
    adoption = adoption or Adoption()

    def options(import_id: str | None, former_name: str | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=parent,
            import_=import_id,
            retain_on_delete=adoption.active or None,
            aliases=[pulumi.Alias(name=former_name)] if former_name else None,
        )

    role = aws.iam.Role(
        f"{name}-role",
        name=role_name,
        description=description,
        assume_role_policy=json.dumps(trust.node_trust_policy(url_suffix=documents.url_suffix(partition))),
        opts=options(adoption.node_role),
    )
    attachments = [
        aws.iam.RolePolicyAttachment(
            f"{name}-{arn.rsplit('/', 1)[-1]}",
            role=role.name,
            policy_arn=arn,
            opts=options(
                adoption.node_attachments.get(arn),
                f"{former_attachment_prefix}-{arn.rsplit('/', 1)[-1]}" if former_attachment_prefix else None,
            ),
        )
        for arn in node.node_managed_policy_arns(partition)
    ]
    return role, attachments


class NodeIdentity(pulumi.ComponentResource):
    role: aws.iam.Role
    instance_profile: aws.iam.InstanceProfile

    def __init__(self, name: str, args: NodeIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:node_identity:NodeIdentity", name, None, opts)
        self.role, attachments = node_role(
            name,
            role_name=aws_names.node_role_name(args.cluster_name),
            description=aws_names.node_role_description(args.cluster_name),
            partition=args.partition,
            parent=self,
            adoption=args.adoption,
        )
        self.instance_profile = aws.iam.InstanceProfile(
            f"{name}-instance-profile",
            name=aws_names.instance_profile_name(args.cluster_name),
            role=self.role.name,
            # A node started from the profile needs the role's permissions from its first second. An
            # adopted profile keeps its import id, so the engine refuses any plan that would replace it
            # while the nodes of the hand-made install still run with it, and destroy leaves it.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=attachments,
                import_=args.adoption.instance_profile,
                retain_on_delete=args.adoption.active or None,
            ),
        )
        self.role_name = self.role.name
        self.role_arn = self.role.arn
        self.instance_profile_name = self.instance_profile.name
        self.register_outputs(
            {
                "roleName": self.role_name,
                "roleArn": self.role_arn,
                "instanceProfileName": self.instance_profile_name,
            }
        )
