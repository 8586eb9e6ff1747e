"""Reading the cluster with the kubernetes client, read-only: Helm releases (their secrets), Karpenter's
CRDs, v0 Provisioners and AWSNodeTemplates, the nodes v0 launched, and aws-auth's role entries."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from karpenter.preflight.observations import Crd, HelmRelease, KubeObservations, LegacyNode

HELM_SECRET_TYPE = "helm.sh/release.v1"
LEGACY_LABEL = "karpenter.sh/provisioner-name"
# Objects only a v0 install holds, as they appear in a release manifest.
LEGACY_API_VERSIONS = ("karpenter.sh/v1alpha5", "karpenter.k8s.aws/v1alpha1")
LEGACY_KINDS = {
    "provisioners.karpenter.sh": "provisioners",
    "awsnodetemplates.karpenter.k8s.aws": "awsnodetemplates",
}


def decode_release(data: str) -> dict[str, Any]:
    """A Helm release as stored in its secret: base64 (the Secret's encoding) of base64 of gzipped JSON."""
    stored = base64.b64decode(base64.b64decode(data))
    return json.loads(gzip.decompress(stored) if stored[:2] == b"\x1f\x8b" else stored)


def helm_release(namespace: str, labels: dict[str, str], data: str) -> HelmRelease:
    release = decode_release(data)
    metadata = release.get("chart", {}).get("metadata", {})
    chart, version = metadata.get("name", ""), str(metadata.get("version", ""))
    manifest = release.get("manifest", "")
    legacy = (chart == "karpenter" and version.removeprefix("v").startswith("0.")) or any(
        f"apiVersion: {api}" in manifest for api in LEGACY_API_VERSIONS
    )
    return HelmRelease(
        name=release.get("name", labels.get("name", "")),
        namespace=namespace,
        status=labels.get("status", release.get("info", {}).get("status", "")),
        chart=chart,
        chart_version=version,
        revision=int(labels.get("version", release.get("version", 0))),
        legacy=legacy,
    )


def read_helm_releases(core: Any) -> tuple[HelmRelease, ...]:
    """The deployed revision of every release, from the secrets Helm keeps (one per revision)."""
    secrets = core.list_secret_for_all_namespaces(field_selector=f"type={HELM_SECRET_TYPE}").items
    latest: dict[tuple[str, str], HelmRelease] = {}
    for secret in secrets:
        labels = secret.metadata.labels or {}
        if labels.get("status") not in ("deployed", "failed", "pending-install", "pending-upgrade"):
            continue
        release = helm_release(secret.metadata.namespace, labels, (secret.data or {}).get("release", ""))
        key = (release.namespace, release.name)
        if key not in latest or latest[key].revision < release.revision:
            latest[key] = release
    return tuple(sorted(latest.values(), key=lambda r: (r.namespace, r.name)))


def read_crds(extensions: Any) -> tuple[tuple[Crd, ...], dict[str, tuple[str, str, str]]]:
    """Karpenter's CRDs with Helm's ownership metadata, and for the v0 kinds: (group, version, plural)."""
    crds: list[Crd] = []
    served: dict[str, tuple[str, str, str]] = {}
    for crd in extensions.list_custom_resource_definition().items:
        name = crd.metadata.name
        if not name.endswith(("karpenter.sh", "karpenter.k8s.aws", "autoscaling.x-k8s.io")):
            continue
        annotations = crd.metadata.annotations or {}
        crds.append(
            Crd(
                name=name,
                release=annotations.get("meta.helm.sh/release-name"),
                release_namespace=annotations.get("meta.helm.sh/release-namespace"),
                managed_by=(crd.metadata.labels or {}).get("app.kubernetes.io/managed-by"),
            )
        )
        if name in LEGACY_KINDS:
            version = next((v.name for v in crd.spec.versions if v.storage), crd.spec.versions[0].name)
            served[name] = (crd.spec.group, version, crd.spec.names.plural)
    return tuple(sorted(crds, key=lambda c: c.name)), served


def read_names(custom: Any, group: str, version: str, plural: str) -> tuple[str, ...]:
    listed = custom.list_cluster_custom_object(group, version, plural)
    return tuple(sorted(item["metadata"]["name"] for item in listed.get("items", [])))


def instance_id(provider_id: str | None) -> str | None:
    """`i-0abc...` of a node's providerID `aws:///eu-west-1a/i-0abc...`."""
    last = (provider_id or "").rsplit("/", 1)[-1]
    return last if last.startswith("i-") else None


def read_legacy_nodes(core: Any) -> tuple[LegacyNode, ...]:
    nodes = core.list_node(label_selector=LEGACY_LABEL).items
    return tuple(
        LegacyNode(
            name=node.metadata.name,
            provisioner=(node.metadata.labels or {}).get(LEGACY_LABEL, ""),
            instance_id=instance_id(node.spec.provider_id if node.spec else None),
        )
        for node in sorted(nodes, key=lambda n: n.metadata.name)
    )


def read_aws_auth_roles(core: Any) -> tuple[str, ...] | None:
    try:
        config_map = core.read_namespaced_config_map("aws-auth", "kube-system")
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    entries = yaml.safe_load((config_map.data or {}).get("mapRoles") or "[]") or []
    return tuple(e["rolearn"] for e in entries if isinstance(e, dict) and isinstance(e.get("rolearn"), str))


def read_cluster_state(api_client: Any) -> KubeObservations:
    """Everything doctor reads from the cluster; nothing is written."""
    core = client.CoreV1Api(api_client)
    crds, served = read_crds(client.ApiextensionsV1Api(api_client))
    custom = client.CustomObjectsApi(api_client)
    provisioners = (
        read_names(custom, *served["provisioners.karpenter.sh"]) if "provisioners.karpenter.sh" in served else ()
    )
    templates = (
        read_names(custom, *served["awsnodetemplates.karpenter.k8s.aws"])
        if "awsnodetemplates.karpenter.k8s.aws" in served
        else ()
    )
    return KubeObservations(
        helm_releases=read_helm_releases(core),
        crds=crds,
        provisioners=provisioners,
        node_templates=templates,
        legacy_nodes=read_legacy_nodes(core),
        aws_auth_roles=read_aws_auth_roles(core),
    )
