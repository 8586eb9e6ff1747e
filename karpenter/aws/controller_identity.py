"""Controller identity: the IAM role the Karpenter controller assumes, and its scoped policies."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from karpenter.aws.iam import controller, trust
from karpenter.cluster.adoption import Adoption
from karpenter.cluster.facts import ClusterFacts
from karpenter.config.values import Identity
from karpenter.vocabulary import aws_names

SERVICE_ACCOUNT = "karpenter"


@dataclass(frozen=True)
class ControllerIdentityArgs:
    facts: ClusterFacts
    identity: Identity
    namespace: str
    node_role_arn: str
    interruption_queue_arn: str | None
    create_oidc_provider: bool = False
    # What a hand-made install made under the role's name and the stack imports (karpenter:adopt).
    adoption: Adoption = Adoption()


def trust_policy_json(args: ControllerIdentityArgs) -> pulumi.Output[str]:
    """The controller role's trust policy. Known at once for an existing cluster; for a cluster
    the stack creates, once its OIDC issuer is. Switching identity, it trusts both for one run
    (`trust.kept_while_switching`)."""
    deployed = args.facts.controller_role
    kept = (
        trust.kept_while_switching(deployed.trust_policy, to_pod_identity=args.identity is Identity.POD_IDENTITY)
        if deployed is not None and deployed.trust_policy
        else []
    )
    if args.identity is Identity.POD_IDENTITY:
        return pulumi.Output.from_input(json.dumps(trust.with_statements(trust.pod_identity_trust_policy(), kept)))
    return pulumi.Output.all(args.facts.oidc_provider_arn, args.facts.oidc_issuer).apply(
        lambda values: json.dumps(
            trust.with_statements(
                trust.irsa_trust_policy(
                    oidc_provider_arn=values[0],
                    issuer_host=values[1].removeprefix("https://"),
                    namespace=args.namespace,
                    service_account=SERVICE_ACCOUNT,
                ),
                kept,
            )
        )
    )


def permission_documents(args: ControllerIdentityArgs) -> dict[str, dict]:
    """The controller's permission policies by kind, as plain data."""
    facts = args.facts
    return controller.controller_policy_documents(
        partition=facts.partition,
        region=facts.region,
        account_id=facts.account_id,
        cluster_name=facts.name,
        node_role_arn=args.node_role_arn,
        interruption_queue_arn=args.interruption_queue_arn,
        # The stack creates the instance profile and the node classes name it, so the
        # controller never needs to create, tag or delete instance profiles.
        manage_instance_profiles=False,
    )


class ControllerIdentity(pulumi.ComponentResource):
    role: aws.iam.Role

    def __init__(self, name: str, args: ControllerIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:controller_identity:ControllerIdentity", name, None, opts)
        facts = args.facts
        permissions = permission_documents(args)
        role_deps: list[pulumi.Resource] = []
        if args.identity is Identity.IRSA and args.create_oidc_provider and not facts.oidc_provider_exists:
            role_deps.append(
                aws.iam.OpenIdConnectProvider(
                    f"{name}-oidc-provider",
                    url=facts.oidc_issuer,
                    client_id_lists=["sts.amazonaws.com"],
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=aws_names.controller_role_name(facts.name),
            description=aws_names.controller_role_description(facts.name),
            assume_role_policy=trust_policy_json(args),
            # Read back before anything is registered, so that a later run can refuse a namespace change.
            tags={aws_names.CONTROLLER_NAMESPACE_TAG: args.namespace},
            opts=pulumi.ResourceOptions(parent=self, depends_on=role_deps, import_=args.adoption.controller_role),
        )
        attachments: list[pulumi.Resource] = []
        for kind, document in permissions.items():
            policy = aws.iam.Policy(
                f"{name}-{kind}",
                name=aws_names.controller_policy_name(facts.name, kind),
                description=f"Karpenter controller {kind} permissions for EKS cluster {facts.name}",
                policy=json.dumps(document),
                opts=pulumi.ResourceOptions(parent=self),
            )
            attachments.append(
                aws.iam.RolePolicyAttachment(
                    f"{name}-{kind}-attachment",
                    role=self.role.name,
                    policy_arn=policy.arn,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        if args.identity is Identity.POD_IDENTITY:
            attachments.append(
                aws.eks.PodIdentityAssociation(
                    f"{name}-pod-identity",
                    cluster_name=facts.cluster_ref,
                    namespace=args.namespace,
                    service_account=SERVICE_ACCOUNT,
                    role_arn=self.role.arn,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        if args.adoption.active:
            # The runbook's inline policy (iam:PassRole on *, terminate anything named *karpenter*) goes,
            # but only once the scoped policies are attached, so the role is never without permissions.
            attachments.append(
                aws.iam.RolePoliciesExclusive(
                    f"{name}-no-inline-policies",
                    role_name=self.role.name,
                    policy_names=[],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=list(attachments)),
                )
            )
        # What consumers wait on: the role with every permission attached.
        self.ready: list[pulumi.Resource] = [self.role, *attachments]
        self.role_arn = self.role.arn
        self.register_outputs({"roleArn": self.role_arn})
