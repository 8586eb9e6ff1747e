"""The mock engine's answers: lookups from cluster facts, and for each resource the ids and ARNs AWS
would give it (or, in a first preview, only what the program gave)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import rpc

from karpenter.offline import created_cluster
from karpenter.offline.facts import OfflineFacts

_SPOT_ROLE_NAME = "AWSServiceRoleForEC2Spot"
# What the stack reads of its own IAM names, answered from the facts' existing roles and profiles.
_IAM_LOOKUPS = (
    "aws:iam/getRole:getRole",
    "aws:iam/getRolePolicyAttachments:getRolePolicyAttachments",
    "aws:iam/getRolePolicies:getRolePolicies",
    "aws:iam/getInstanceProfile:getInstanceProfile",
)


class OfflineMocks(pulumi.runtime.Mocks):
    """Answers lookups from cluster facts and gives resources the ids and ARNs AWS would."""

    def __init__(self, facts: OfflineFacts, cluster_name: str, preview: bool) -> None:
        self.facts = facts
        self.cluster_name = facts.cluster_name or cluster_name
        self.preview = preview
        # Clusters the program created, by name: what it declared of them.
        self.created: dict[str, created_cluster.Declared] = {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        f = self.facts
        token = args.token
        if token == "aws:index/getPartition:getPartition":
            suffix = "amazonaws.com.cn" if f.partition == "aws-cn" else "amazonaws.com"
            return {"id": f.partition, "partition": f.partition, "dnsSuffix": suffix}
        if token == "aws:index/getRegion:getRegion":
            return {"id": f.region, "name": f.region, "region": f.region}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:{f.partition}:iam::{f.account_id}:user/offline"
            return {"id": f.account_id, "accountId": f.account_id, "arn": arn, "userId": "AIDAOFFLINE"}
        if token == "aws:eks/getCluster:getCluster":
            name = args.args.get("name")
            if name in self.created:
                return created_cluster.cluster_lookup(f, name, self.created[name])
            if name != self.cluster_name or f.endpoint is None:
                return {}, [("name", f"couldn't find resource: EKS cluster {name}")]
            return self._cluster()
        if token == "aws:ec2/getSubnet:getSubnet":
            for subnet in f.subnets:
                if subnet.id == args.args.get("id"):
                    return {
                        "id": subnet.id,
                        "availabilityZone": subnet.zone,
                        "mapPublicIpOnLaunch": subnet.public,
                        "vpcId": f.vpc_id,
                        "tags": subnet.tags,
                    }
            return {}, [("id", f"no matching EC2 Subnet found: {args.args.get('id')}")]
        if token == "aws:ec2/getSecurityGroup:getSecurityGroup":
            group = args.args.get("id")
            created = {created_cluster.computed_by_eks(f, name).security_group_id for name in self.created}
            if group in created:
                # EKS made it with the cluster, untagged.
                return {"id": group, "vpcId": f.vpc_id, "tags": {}}
            if group is None or group != f.cluster_security_group_id:
                return {}, [("id", f"no matching EC2 Security Group found: {group}")]
            return {"id": group, "vpcId": f.vpc_id, "tags": f.cluster_security_group_tags}
        if token == "aws:iam/getRoles:getRoles":
            path = "/aws-service-role/spot.amazonaws.com/"
            arns = (
                [f"arn:{f.partition}:iam::{f.account_id}:role{path}{_SPOT_ROLE_NAME}"]
                if f.spot_service_linked_role_exists
                else []
            )
            return {"id": f.region, "arns": arns, "names": [_SPOT_ROLE_NAME] * len(arns)}
        if token in _IAM_LOOKUPS:
            return self._iam(token, args.args)
        if token == "aws:eks/getAddon:getAddon":
            if args.args.get("addonName") == "eks-pod-identity-agent" and f.pod_identity_agent:
                return {"id": f"{self.cluster_name}:eks-pod-identity-agent", "addonName": "eks-pod-identity-agent"}
            return {}, [("addonName", "couldn't find resource")]
        if token == "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
            if not f.oidc_provider_exists:
                # The engine reports a failed lookup as a failure, which the SDK raises.
                return {}, [("arn", "finding IAM OIDC Provider: couldn't find resource")]
            return {"arn": args.args.get("arn"), "url": args.args.get("arn", "").partition("oidc-provider/")[2]}
        raise self.unanswered(token)

    def unanswered(self, token: str) -> Exception:
        """What a lookup the mocks do not know fails with."""
        return Exception(f"offline synth has no answer for the lookup {token}")

    def _iam(self, token: str, given: dict[str, Any]) -> Any:
        """The account's roles and instance profiles from the facts; a missing one fails the lookup as
        AWS does (NoSuchEntity)."""
        f = self.facts
        iam = f"arn:{f.partition}:iam::{f.account_id}"
        if token == "aws:iam/getInstanceProfile:getInstanceProfile":
            name = given["name"]
            profile = f.existing_instance_profiles.get(name)
            if profile is None:
                return {}, [("name", f"reading IAM Instance Profile ({name}): NoSuchEntity")]
            role_arn = f"{iam}:role/{profile.role}" if profile.role else ""
            return {
                "id": name,
                "name": name,
                "arn": f"{iam}:instance-profile{profile.path}{name}",
                "path": profile.path,
                "roleName": profile.role or "",
                "roleArn": role_arn,
                "roleId": "AROAOFFLINE",
            }
        # getRole asks by `name`, the listings of a role's policies by `roleName`.
        name = given.get("roleName") or given["name"]
        role = f.existing_roles.get(name)
        if role is None:
            return {}, [("name", f"reading IAM Role ({name}): NoSuchEntity: The role with name {name} cannot be found")]
        if token == "aws:iam/getRolePolicyAttachments:getRolePolicyAttachments":
            attached = [{"policyArn": arn, "policyName": arn.rpartition("/")[2]} for arn in role.attached_policies]
            return {"id": name, "roleName": name, "attachedPolicies": attached}
        if token == "aws:iam/getRolePolicies:getRolePolicies":
            return {"id": name, "roleName": name, "policyNames": list(role.inline_policies)}
        return {
            "id": name,
            "name": name,
            "arn": f"{iam}:role{role.path}{name}",
            "path": role.path,
            "description": role.description,
            # The provider hands the trust over decoded (AWS sends it URL-encoded).
            "assumeRolePolicy": json.dumps(role.assume_role_policy),
            "maxSessionDuration": 3600,
            "uniqueId": "AROAOFFLINE",
            "tags": dict(role.tags),
        }

    def _cluster(self) -> dict[str, Any]:
        f = self.facts
        return {
            "id": self.cluster_name,
            "name": self.cluster_name,
            "arn": f"arn:{f.partition}:eks:{f.region}:{f.account_id}:cluster/{self.cluster_name}",
            "endpoint": f.endpoint,
            "version": f.kubernetes_version,
            "certificateAuthorities": [{"data": f.certificate_authority}],
            "identities": [{"oidcs": [{"issuer": f.oidc_issuer}]}],
            "accessConfigs": [
                {"authenticationMode": f.authentication_mode, "bootstrapClusterCreatorAdminPermissions": False}
            ],
            "vpcConfig": {
                "vpcId": f.vpc_id,
                "subnetIds": [subnet.id for subnet in f.subnets],
                "clusterSecurityGroupId": f.cluster_security_group_id,
                "securityGroupIds": [],
                "endpointPrivateAccess": True,
                "endpointPublicAccess": True,
                "publicAccessCidrs": ["0.0.0.0/0"],
            },
        }

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ.startswith("eks:index:"):
            # pulumi-eks components run in their own plugin: they arrive as one resource.
            if args.typ != "eks:index:Cluster" or self.preview:
                return None, {}
            name = args.inputs.get("name", self.cluster_name)
            self.created[name] = created_cluster.declared(args.typ, args.inputs)
            return None, created_cluster.eks_component_outputs(self.facts, name, args.inputs)
        if not args.custom:
            return None, {}
        inputs = dict(args.inputs)
        if self.preview:
            # A first preview knows only what the program gave; every computed output is unknown.
            if args.typ == "aws:eks/cluster:Cluster" and "vpcConfig" in inputs:
                # Computed inside an input block: unknown, where a missing key would read as None.
                computed = {"clusterSecurityGroupId": rpc.UNKNOWN, "vpcId": rpc.UNKNOWN}
                inputs["vpcConfig"] = {**inputs["vpcConfig"], **computed}
            return "", inputs
        resource_id, outputs = self._created(args.typ, args.name, inputs)
        return resource_id, {**inputs, **outputs}

    def _created(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        f = self.facts
        iam = f"arn:{f.partition}:iam::{f.account_id}"
        regional = f"{f.partition}:{{service}}:{f.region}:{f.account_id}"
        given = inputs.get("name") or name
        if typ == "aws:iam/role:Role":
            return given, {"arn": f"{iam}:role/{given}", "name": given, "uniqueId": "AROAOFFLINE"}
        if typ == "aws:iam/policy:Policy":
            arn = f"{iam}:policy/{given}"
            return arn, {"arn": arn, "name": given, "policyId": "ANPAOFFLINE"}
        if typ == "aws:iam/instanceProfile:InstanceProfile":
            return given, {"arn": f"{iam}:instance-profile/{given}", "name": given}
        if typ == "aws:iam/serviceLinkedRole:ServiceLinkedRole":
            arn = f"{iam}:role/aws-service-role/{inputs['awsServiceName']}/{_SPOT_ROLE_NAME}"
            return arn, {"arn": arn, "name": _SPOT_ROLE_NAME, "path": f"/aws-service-role/{inputs['awsServiceName']}/"}
        if typ == "aws:eks/cluster:Cluster":
            self.created[given] = created_cluster.declared(typ, inputs)
            return given, created_cluster.cluster_outputs(f, given, inputs)
        if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            arn = f"{iam}:oidc-provider/{inputs['url'].removeprefix('https://')}"
            return arn, {"arn": arn}
        if typ == "aws:sqs/queue:Queue":
            url = f"https://sqs.{f.region}.amazonaws.com/{f.account_id}/{given}"
            return url, {"arn": "arn:" + regional.format(service="sqs") + f":{given}", "url": url, "name": given}
        if typ == "aws:cloudwatch/eventRule:EventRule":
            return given, {"arn": "arn:" + regional.format(service="events") + f":rule/{given}", "name": given}
        if typ == "aws:ec2/tag:Tag":
            return f"{inputs['resourceId']},{inputs['key']}", {}
        if typ == "aws:eks/accessEntry:AccessEntry":
            arn = "arn:" + regional.format(service="eks") + f":access-entry/{inputs['clusterName']}/node/offline"
            return f"{inputs['clusterName']}:{inputs['principalArn']}", {"accessEntryArn": arn}
        if typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            return "a-offline0000000001", {"associationId": "a-offline0000000001"}
        if typ == "kubernetes:helm.sh/v3:Release":
            return f"{inputs.get('namespace', 'default')}/{given}", {
                "name": given,
                "status": {"status": "deployed", "name": given, "namespace": inputs.get("namespace")},
            }
        if typ == "pulumi-python:dynamic:Resource":
            return f"{name}-offline", {"adopted": False}
        return f"{name}-offline", {}
