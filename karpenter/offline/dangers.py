"""Which changes of a stack are dangerous to a running cluster, each with the safe way this project
offers. Pure data: the changes and the two configs' identities in, verdict lines out."""

from __future__ import annotations

from dataclasses import dataclass

from karpenter.offline.object_changes import NODE_CLASS, NODE_POOL, ObjectChange
from karpenter.offline.replacements import HELM_RELEASE
from karpenter.offline.resource_changes import DELETE, REPLACE, ResourceChange

_ROLE = "aws:iam/role:Role"
_QUEUE = "aws:sqs/queue:Queue"
_CLUSTER = "eks:index:Cluster"
DISCOVERY_TAG = "karpenter.sh/discovery"
NAMESPACE_MOVE = "README: Moving Karpenter to another namespace"


@dataclass(frozen=True)
class Identity:
    """What a stack file says the stack is, on one side of the change."""

    cluster_name: str
    namespace: str
    # Pools marked `retired: true`.
    retired: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    what: str
    safe_way: str
    dangerous: bool = True


def _pool_deleted(name: str, base: Identity, created: list[str]) -> Verdict:
    check = f"kubectl get nodes -l karpenter.sh/nodepool={name}"
    if name in base.retired:
        return Verdict(
            f"NodePool {name} (retired) is deleted: any node it still has is drained at once",
            f"merge once `{check}` lists no node",
            dangerous=False,
        )
    renamed = f" ({', '.join(created)} new in the same change: a rename?)" if created else ""
    return Verdict(
        f"NodePool {name} is deleted{renamed}: Karpenter drains every node of it at once; "
        "disruption budgets do not apply",
        f"keep it with `retired: true` (karpenter:nodePools.{name}.retired) beside any new pool: it launches "
        f"nothing more and its nodes drift to the other pools under its budgets; remove it in a later change "
        f"once `{check}` lists no node",
    )


def _class_deleted(change: ObjectChange) -> Verdict:
    pools = ", ".join(change.pools) or "none now"
    return Verdict(
        f"EC2NodeClass {change.name} is deleted (pools: {pools}): its nodes are drained and terminated",
        f"keep the class until its pools are retired or moved to another class and "
        f"`kubectl get nodeclaims -o custom-columns=NAME:.metadata.name,CLASS:.spec.nodeClassRef.name` "
        f"lists none of {change.name}; remove it in a later change",
    )


def _untagged_subnet(change: ResourceChange) -> Verdict | None:
    """A subnet losing its discovery tag is no longer selected by the node classes: its nodes drift."""
    subnet = change.inputs.get("resourceId")
    if change.action != DELETE or change.inputs.get("key") != DISCOVERY_TAG or not str(subnet).startswith("subnet-"):
        return None
    return Verdict(
        f"subnet {subnet} loses the {DISCOVERY_TAG} tag: the node classes no longer select it, so the nodes "
        "Karpenter launched there drift and are replaced elsewhere under their pools' budgets",
        "nothing to do if that is meant; pools whose zones only that subnet serves can no longer launch there",
        dangerous=False,
    )


def _resource_verdict(change: ResourceChange) -> Verdict | None:
    if change.action not in (REPLACE, DELETE):
        return None
    what = "replaced" if change.action == REPLACE else "deleted"
    if change.action == REPLACE:
        order = "delete-before-replace" if change.delete_first else "create-before-delete"
        what = f"replaced ({', '.join(change.replacing)}; {order})"
    if change.type == HELM_RELEASE:
        if "namespace" in change.replacing:
            safe = f"move the releases by hand first ({NAMESPACE_MOVE}), or keep the namespace"
        elif change.action == DELETE:
            safe = "keep what installs it until nothing uses it: for the device plugin, a GPU pool (retired if need be)"
        else:
            safe = "keep the release's name"
        return Verdict(f"Helm release {change.name} is {what}: what it installed goes with the old one", safe)
    if change.type == _ROLE:
        safe = (
            "the role's name follows karpenter:clusterName: keep it, or make a new stack for the other cluster "
            "and destroy this one once its nodes are gone (README: Destroying)"
            if change.action == REPLACE
            else "keep the setting that makes it until nothing runs with it"
        )
        return Verdict(f"IAM role {change.name} is {what}: the controller or the nodes lose it meanwhile", safe)
    if change.type == _QUEUE:
        safe = (
            "the controller stops reading the queue in the same update (settings.interruptionQueue goes); "
            "keep karpenter:interruption true unless you mean spot interruptions to go unhandled"
        )
        return Verdict(f"interruption queue {change.name} is {what}: its pending messages are lost", safe)
    if change.type == _CLUSTER:
        safe = (
            "keep karpenter:cluster.create true: the cluster is protected and `pulumi up` refuses this; "
            "to hand it over, `pulumi state unprotect` and `pulumi state delete` it first"
        )
        return Verdict(f"EKS cluster {change.name} is {what}", safe)
    return None


def verdicts(
    resources: list[ResourceChange], objects: list[ObjectChange], base: Identity | None, head: Identity | None
) -> list[Verdict]:
    """Dangerous changes and cautions, with their safe ways. A side is None where its stack file is absent."""
    found: list[Verdict] = []
    if base is not None and head is None:
        found.append(
            Verdict(
                "the stack file is deleted: Karpenter, its node pools and every node they hold go",
                "run `pulumi destroy` first (README: Destroying), which waits for the nodes to drain",
            )
        )
    if base is not None and head is not None:
        if base.namespace != head.namespace:
            found.append(Verdict(f"karpenter:namespace changes: {base.namespace} → {head.namespace}", NAMESPACE_MOVE))
        if base.cluster_name != head.cluster_name:
            found.append(
                Verdict(
                    f"karpenter:clusterName changes: {base.cluster_name} → {head.cluster_name}: every IAM name and "
                    "the node access follow it",
                    "a new clusterName is another cluster: make a new stack for it and destroy this one "
                    "(README: Destroying)",
                )
            )
    created = [c.name for c in objects if c.kind == NODE_POOL and c.action == "create"]
    for change in objects:
        if change.action != "delete":
            continue
        if change.kind == NODE_POOL:
            found.append(_pool_deleted(change.name, base or Identity("", ""), created))
        elif change.kind == NODE_CLASS:
            found.append(_class_deleted(change))
    for resource in resources:
        verdict = _resource_verdict(resource) or _untagged_subnet(resource)
        if verdict is not None:
            found.append(verdict)
    return found
