"""What EKS computes for a cluster the program creates (its endpoint, certificate, OIDC issuer and
security group), as stand-ins derived from the account, region and name: a facts file describes only
what exists before the cluster does, so it has none of these."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from karpenter.cluster.kubeconfig import kubeconfig
from karpenter.offline.facts import OfflineFacts


@dataclass(frozen=True)
class ComputedByEks:
    endpoint: str
    certificate_authority: str
    oidc_issuer: str
    # The group EKS makes for the cluster, which its managed nodes join.
    security_group_id: str


def pulumi_eks_security_group_id(eks_security_group_id: str) -> str:
    """The id of the group pulumi-eks makes beside the one EKS makes: another group of the same VPC."""
    return "sg-" + hashlib.sha256(eks_security_group_id.encode()).hexdigest()[:17]


def computed_by_eks(facts: OfflineFacts, name: str) -> ComputedByEks:
    """Stand-ins shaped as EKS gives them (a 32-character id in the endpoint and the issuer), the same
    on every run for the same account, region and name."""
    suffix = "amazonaws.com.cn" if facts.partition == "aws-cn" else "amazonaws.com"
    digest = hashlib.sha256(f"{facts.account_id}/{facts.region}/{name}".encode()).hexdigest()
    cluster_id = digest[:32].upper()
    certificate = f"-----BEGIN CERTIFICATE-----\nSTAND-IN FOR THE CA OF {name}\n-----END CERTIFICATE-----\n"
    return ComputedByEks(
        endpoint=f"https://{cluster_id}.gr7.{facts.region}.eks.{suffix}",
        certificate_authority=base64.b64encode(certificate.encode()).decode(),
        oidc_issuer=f"https://oidc.eks.{facts.region}.{suffix}/id/{cluster_id}",
        security_group_id=f"sg-{digest[32:49]}",
    )


def cluster_outputs(facts: OfflineFacts, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What EKS computes for an `aws.eks.Cluster` the program declares, and the access config with
    EKS's defaults."""
    computed = computed_by_eks(facts, name)
    access = inputs.get("accessConfig") or {}
    return {
        "arn": f"arn:{facts.partition}:eks:{facts.region}:{facts.account_id}:cluster/{name}",
        "name": name,
        "endpoint": computed.endpoint,
        "certificateAuthority": {"data": computed.certificate_authority},
        "identities": [{"oidcs": [{"issuer": computed.oidc_issuer}]}],
        "vpcConfig": {
            **(inputs.get("vpcConfig") or {}),
            "vpcId": facts.vpc_id,
            "clusterSecurityGroupId": computed.security_group_id,
        },
        "accessConfig": {
            "authenticationMode": access.get("authenticationMode", "CONFIG_MAP"),
            "bootstrapClusterCreatorAdminPermissions": access.get("bootstrapClusterCreatorAdminPermissions", True),
        },
        # EKS picks its default version where none is given; the program always gives one.
        "version": inputs.get("version") or "",
        "status": "ACTIVE",
    }


def eks_component_outputs(facts: OfflineFacts, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What a pulumi-eks `Cluster` component gives back: its kubeconfig, OIDC provider and own group."""
    computed = computed_by_eks(facts, name)
    issuer = computed.oidc_issuer.removeprefix("https://")
    # pulumi-eks's KubeconfigOptions: "The profile is passed to kubeconfig as an authentication
    # environment setting. The role is passed to kubeconfig as an authentication exec argument."
    credentials = inputs.get("providerCredentialOpts") or {}
    document = kubeconfig(
        name, facts.region, computed.endpoint, computed.certificate_authority, role_arn=credentials.get("roleArn")
    )
    if credentials.get("profileName"):
        document["users"][0]["user"]["exec"]["env"] = [{"name": "AWS_PROFILE", "value": credentials["profileName"]}]
    return {
        "kubeconfigJson": json.dumps(document),
        "oidcIssuer": issuer,
        "oidcProviderUrl": f"https://{issuer}",
        "oidcProviderArn": f"arn:{facts.partition}:iam::{facts.account_id}:oidc-provider/{issuer}",
        # pulumi-eks's own extra group, not the one EKS makes (`skipDefaultSecurityGroups` unset).
        "clusterSecurityGroupId": pulumi_eks_security_group_id(computed.security_group_id),
    }


@dataclass(frozen=True)
class Declared:
    """What the program declared of a cluster it creates."""

    version: str
    authentication_mode: str
    subnet_ids: tuple[str, ...]


def declared(typ: str, inputs: dict[str, Any]) -> Declared:
    """From a pulumi-eks `Cluster` (authentication mode API, as the program sets it) or an `aws.eks.Cluster`."""
    if typ == "eks:index:Cluster":
        subnets = inputs.get("privateSubnetIds") or inputs.get("subnetIds") or []
        return Declared(inputs.get("version") or "", inputs.get("authenticationMode") or "CONFIG_MAP", tuple(subnets))
    access = inputs.get("accessConfig") or {}
    subnets = (inputs.get("vpcConfig") or {}).get("subnetIds") or []
    return Declared(inputs.get("version") or "", access.get("authenticationMode", "CONFIG_MAP"), tuple(subnets))


def cluster_lookup(facts: OfflineFacts, name: str, cluster: Declared) -> dict[str, Any]:
    """`aws.eks.get_cluster` of a cluster the program created, once it exists."""
    computed = computed_by_eks(facts, name)
    return {
        "id": name,
        "name": name,
        "arn": f"arn:{facts.partition}:eks:{facts.region}:{facts.account_id}:cluster/{name}",
        "endpoint": computed.endpoint,
        "version": cluster.version,
        "certificateAuthorities": [{"data": computed.certificate_authority}],
        "identities": [{"oidcs": [{"issuer": computed.oidc_issuer}]}],
        "accessConfigs": [
            {"authenticationMode": cluster.authentication_mode, "bootstrapClusterCreatorAdminPermissions": False}
        ],
        "vpcConfig": {
            "vpcId": facts.vpc_id,
            "subnetIds": list(cluster.subnet_ids),
            "clusterSecurityGroupId": computed.security_group_id,
            "securityGroupIds": [],
            "endpointPrivateAccess": True,
            "endpointPublicAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
    }
