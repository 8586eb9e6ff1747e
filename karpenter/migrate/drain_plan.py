"""What draining the nodes v0 launched means, as plain data: which nodes, in which order, which of
their pods to evict, and the patches that detach a node from its Provisioner and let its object go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEGACY_LABEL = "karpenter.sh/provisioner-name"
# v0's finalizer: with no v0 controller left to remove it, the Node object would never go.
LEGACY_FINALIZER = "karpenter.sh/termination"
# Owners whose deletion (uninstalling the karpenter-config release deletes the Provisioners) would
# cascade to the nodes: Kubernetes' garbage collector deletes dependents with their owner.
LEGACY_OWNER_KINDS = {("karpenter.sh", "Provisioner"), ("karpenter.sh", "Machine")}
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


@dataclass(frozen=True)
class LegacyNode:
    name: str
    provisioner: str
    instance_id: str | None
    created: str


def instance_id(provider_id: str | None) -> str | None:
    """`i-0abc...` of a node's providerID `aws:///eu-west-1a/i-0abc...`."""
    last = (provider_id or "").rsplit("/", 1)[-1]
    return last if last.startswith("i-") else None


def legacy_nodes(nodes: list[dict[str, Any]]) -> list[LegacyNode]:
    """The nodes a v0 Provisioner launched, oldest first, so the longest-lived go first."""
    found = [
        LegacyNode(
            name=node["metadata"]["name"],
            provisioner=node["metadata"]["labels"][LEGACY_LABEL],
            instance_id=instance_id((node.get("spec") or {}).get("providerID")),
            created=node["metadata"].get("creationTimestamp") or "",
        )
        for node in nodes
        if LEGACY_LABEL in (node["metadata"].get("labels") or {})
    ]
    return sorted(found, key=lambda n: (n.created, n.name))


def _group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def detach_patch(node: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A JSON patch dropping the node's owner references to v0 objects; None when it has none."""
    owners = node["metadata"].get("ownerReferences") or []
    kept = [o for o in owners if (_group(o.get("apiVersion", "")), o.get("kind")) not in LEGACY_OWNER_KINDS]
    if len(kept) == len(owners):
        return None
    test = {"op": "test", "path": "/metadata/ownerReferences", "value": owners}
    if kept:
        return [test, {"op": "replace", "path": "/metadata/ownerReferences", "value": kept}]
    return [test, {"op": "remove", "path": "/metadata/ownerReferences"}]


def release_patch(node: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A JSON patch dropping v0's finalizer, so that deleting the Node object completes."""
    finalizers = node["metadata"].get("finalizers") or []
    if LEGACY_FINALIZER not in finalizers:
        return None
    kept = [f for f in finalizers if f != LEGACY_FINALIZER]
    test = {"op": "test", "path": "/metadata/finalizers", "value": finalizers}
    return [test, {"op": "replace", "path": "/metadata/finalizers", "value": kept}]


def to_evict(pods: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(namespace, name) of the pods to evict from a node: not DaemonSet pods (they run on every node
    and would come back), not static (mirror) pods, not pods that finished or are already going."""
    chosen = []
    for pod in pods:
        metadata = pod["metadata"]
        owners = metadata.get("ownerReferences") or []
        if any(o.get("kind") == "DaemonSet" for o in owners):
            continue
        if MIRROR_ANNOTATION in (metadata.get("annotations") or {}):
            continue
        if metadata.get("deletionTimestamp") or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        chosen.append((metadata["namespace"], metadata["name"]))
    return sorted(chosen)
