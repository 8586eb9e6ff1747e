"""Which input properties of each resource type the program registers force the provider to replace
the resource, and in which order the engine replaces it: data, with where each fact comes from."""

from __future__ import annotations

from dataclasses import dataclass

# The aws-auth ConfigMap entry's own provider (karpenter/aws/aws_auth_provider.py).
DYNAMIC_RESOURCE = "pulumi-python:dynamic:Resource"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"

_TF_AWS = "hashicorp/terraform-provider-aws"


@dataclass(frozen=True)
class Replacement:
    """`properties`: the Pulumi input names whose change replaces the resource (ForceNew in the
    Terraform schema pulumi-aws bridges). `delete_first`: the provider itself asks the engine to delete
    before it creates (otherwise the engine's default, create-before-delete, holds unless the
    registration sets deleteBeforeReplace). `source`: where this is read."""

    properties: frozenset[str]
    source: str
    delete_first: bool = False


def _aws(path: str, *properties: str) -> Replacement:
    return Replacement(frozenset(properties), f"{_TF_AWS} {path} (ForceNew)")


REPLACEMENTS: dict[str, Replacement] = {
    "aws:iam/role:Role": _aws("internal/service/iam/role.go", "name", "namePrefix", "path"),
    "aws:iam/policy:Policy": _aws("internal/service/iam/policy.go", "name", "namePrefix", "path", "description"),
    "aws:iam/instanceProfile:InstanceProfile": _aws(
        "internal/service/iam/instance_profile.go", "name", "namePrefix", "path"
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _aws(
        "internal/service/iam/role_policy_attachment.go", "role", "policyArn"
    ),
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": _aws(
        "internal/service/iam/role_policies_exclusive.go (RequiresReplace)", "roleName"
    ),
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": _aws(
        "internal/service/iam/service_linked_role.go", "awsServiceName", "customSuffix"
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _aws(
        "internal/service/iam/openid_connect_provider.go", "url"
    ),
    "aws:sqs/queue:Queue": _aws("internal/service/sqs/queue.go", "name", "namePrefix", "fifoQueue"),
    "aws:sqs/queuePolicy:QueuePolicy": _aws("internal/service/sqs/queue_policy.go", "queueUrl"),
    "aws:cloudwatch/eventRule:EventRule": _aws("internal/service/events/rule.go", "name", "namePrefix", "eventBusName"),
    "aws:cloudwatch/eventTarget:EventTarget": _aws(
        "internal/service/events/target.go", "rule", "targetId", "eventBusName"
    ),
    # The value alone updates in place (ResourceTag's Update rewrites it).
    "aws:ec2/tag:Tag": _aws("internal/service/ec2/tag.go", "resourceId", "key"),
    "aws:eks/accessEntry:AccessEntry": _aws(
        "internal/service/eks/access_entry.go", "clusterName", "principalArn", "type"
    ),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _aws(
        "internal/service/eks/access_policy_association.go", "clusterName", "principalArn", "policyArn"
    ),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _aws(
        "internal/service/eks/pod_identity_association.go", "clusterName", "namespace", "serviceAccount"
    ),
    "aws:eks/addon:Addon": _aws("internal/service/eks/addon.go", "addonName", "clusterName"),
    # pulumi-eks's component passes these to aws.eks.Cluster (name, vpc_config.subnet_ids) and its
    # security groups (vpc_id).
    "eks:index:Cluster": _aws("internal/service/eks/cluster.go", "name", "vpcId", "privateSubnetIds"),
    "eks:index:ManagedNodeGroup": _aws(
        "internal/service/eks/node_group.go", "cluster", "nodeRole", "subnetIds", "instanceTypes"
    ),
    HELM_RELEASE: Replacement(
        frozenset({"name", "namespace"}),
        "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go (Diff: DeleteBeforeReplace false)",
    ),
    DYNAMIC_RESOURCE: Replacement(
        frozenset({"namespace", "name"}),
        "karpenter/aws/aws_auth_provider.py (diff: delete_before_replace False)",
    ),
}


def replacement(resource_type: str) -> Replacement | None:
    return REPLACEMENTS.get(resource_type)


def replacing_keys(resource_type: str, changed: list[str]) -> list[str]:
    """Those of the changed input keys that replace a resource of this type."""
    known = REPLACEMENTS.get(resource_type)
    return [key for key in changed if known is not None and key in known.properties]
