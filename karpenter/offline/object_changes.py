"""What Karpenter does about each change of the Kubernetes objects the charts render (NodePool,
EC2NodeClass, NodeOverlay, the NVIDIA device plugin's config). Pure data: objects in, changes out.

The drift rules are Karpenter 1.14's: a NodePool's nodes drift when the hash of `spec.template`
changes (kubernetes-sigs/karpenter pkg/apis/v1/nodepool.go `Hash`: requirements carry
`hash:"ignore"` and drift only nodes that no longer meet them, pkg/controllers/nodeclaim/disruption/drift.go);
an EC2NodeClass's nodes drift when its hashed spec changes (aws/karpenter-provider-aws
pkg/apis/v1/ec2nodeclass.go: every field but the selector terms, amiFamily and ipPrefixCount) or
when what its selector terms resolve to no longer holds the node's AMI, subnet, security groups or
capacity reservation (pkg/cloudprovider/drift.go). Drifted nodes are replaced at most as fast as
their pool's budgets allow; a deleted NodePool's nodes are all drained at once, budgets aside."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

NODE_POOL, NODE_CLASS, NODE_OVERLAY = "NodePool", "EC2NodeClass", "NodeOverlay"
DEVICE_PLUGIN_CONFIG = "DevicePluginConfig"

# What Karpenter does, worst first.
DRAINED = "drained"  # every node of the pool is drained at once
DRIFT = "drift"  # nodes are replaced under the pools' budgets
NEW_NODES = "new-nodes"  # what Karpenter launches or consolidates next, no node replaced
NOTHING = "nothing"
_RANK = [DRAINED, DRIFT, NEW_NODES, NOTHING]

_POOL_DRIFT = (
    "spec.template.metadata",
    "spec.template.spec.taints",
    "spec.template.spec.startupTaints",
    "spec.template.spec.nodeClassRef",
    "spec.template.spec.expireAfter",
    "spec.template.spec.terminationGracePeriod",
)
_REQUIREMENTS = "spec.template.spec.requirements"
_CLASS_SELECTORS = {
    "spec.amiSelectorTerms": "nodes whose AMI is not among those the new terms select drift",
    "spec.amiFamily": "nodes whose AMI is not among those the new terms select drift",
    "spec.subnetSelectorTerms": "nodes in subnets the new terms no longer select drift",
    "spec.securityGroupSelectorTerms": "nodes whose security groups differ from those the new terms select drift",
    "spec.capacityReservationSelectorTerms": "reserved nodes whose reservation is no longer selected drift",
}


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any
    effect: str
    why: str


@dataclass(frozen=True)
class ObjectChange:
    kind: str
    name: str
    action: str  # create, update or delete
    effect: str
    fields: list[FieldChange] = field(default_factory=list)
    # The NodePools whose nodes this change affects.
    pools: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "action": self.action,
            "effect": self.effect,
            "pools": self.pools,
            "fields": [
                {"path": f.path, "before": f.before, "after": f.after, "effect": f.effect, "why": f.why}
                for f in self.fields
            ],
        }


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Maps become dotted paths; lists stay whole (their order is their meaning)."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def _worst(effects: list[str]) -> str:
    return min(effects, key=_RANK.index) if effects else NOTHING


def _requirements_narrowed(before: list[dict[str, Any]] | None, after: list[dict[str, Any]] | None) -> bool:
    """Whether a node that met the old requirements may fail the new ones."""
    old = {r["key"]: r for r in before or []}
    for key, new in {r["key"]: r for r in after or []}.items():
        was = old.get(key)
        if was is None:
            return True
        if was.get("operator") != new.get("operator"):
            return True
        operator, was_values, values = new.get("operator"), was.get("values") or [], new.get("values") or []
        if operator == "In" and not set(was_values) <= set(values):
            return True
        if operator == "NotIn" and not set(values) <= set(was_values):
            return True
        if operator in ("Gt", "Gte") and int(values[0]) > int(was_values[0]):
            return True
        if operator in ("Lt", "Lte") and int(values[0]) < int(was_values[0]):
            return True
    return False


def _pool_field(path: str, before: Any, after: Any) -> tuple[str, str]:
    if path == _REQUIREMENTS:
        if _requirements_narrowed(before, after):
            return DRIFT, "requirements narrowed: nodes that no longer meet them drift"
        return NEW_NODES, "requirements widened: only new launches may use what they add"
    if path.startswith(_POOL_DRIFT):
        return DRIFT, "part of the NodePool's template hash: every node of the pool drifts"
    if path.startswith("spec.replicas"):
        return NEW_NODES, "the static pool adds or removes nodes to match"
    if path.startswith("spec."):
        return NEW_NODES, "applies to launches and consolidation from now on; no node drifts"
    return NOTHING, "object metadata; nodes are untouched"


def _class_field(path: str) -> tuple[str, str]:
    for selector, why in _CLASS_SELECTORS.items():
        if path.startswith(selector):
            return DRIFT, why
    if path.startswith("spec.ipPrefixCount"):
        return NEW_NODES, "not hashed: only new nodes get it"
    if path.startswith("spec."):
        return DRIFT, "part of the EC2NodeClass's hash: every node of the pools using it drifts"
    return NOTHING, "object metadata; nodes are untouched"


def _field_changes(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    # Lists stay whole: requirements are judged as a list (narrowing is a property of the whole).
    old, new = flatten(before), flatten(after)
    changes = []
    for path in sorted(set(old) | set(new)):
        was, now = old.get(path), new.get(path)
        if was == now:
            continue
        if kind == NODE_POOL:
            effect, why = _pool_field(path, was, now)
        elif kind == NODE_CLASS:
            effect, why = _class_field(path)
        elif kind == NODE_OVERLAY:
            effect, why = (
                NEW_NODES,
                "changes what Karpenter assumes of matching instances when it launches and consolidates",
            )
        else:
            effect, why = NEW_NODES, "the device plugin applies it once its pods restart; no node is replaced"
        changes.append(FieldChange(path, was, now, effect, why))
    return changes


def pools_using(node_class: str, objects: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    return sorted(
        name
        for (kind, name), document in objects.items()
        if kind == NODE_POOL
        and (((document.get("spec") or {}).get("template") or {}).get("spec") or {}).get("nodeClassRef", {}).get("name")
        == node_class
    )


def object_changes(
    base: dict[tuple[str, str], dict[str, Any]], head: dict[tuple[str, str], dict[str, Any]]
) -> list[ObjectChange]:
    """Objects by (kind, name), as rendered at base and at head."""
    changes: list[ObjectChange] = []
    for key in [*head, *(k for k in base if k not in head)]:
        kind, name = key
        before, after = base.get(key), head.get(key)
        # A class's nodes are those of the pools using it, before or after the change.
        pools = sorted(set(pools_using(name, base)) | set(pools_using(name, head))) if kind == NODE_CLASS else []
        if kind == NODE_POOL:
            pools = [name]
        if before is None:
            changes.append(ObjectChange(kind, name, "create", NEW_NODES, pools=pools))
        elif after is None:
            effect = DRAINED if kind in (NODE_POOL, NODE_CLASS) else NEW_NODES
            changes.append(ObjectChange(kind, name, "delete", effect, pools=pools))
        else:
            fields = _field_changes(kind, before, after)
            if fields:
                changes.append(ObjectChange(kind, name, "update", _worst([f.effect for f in fields]), fields, pools))
    return changes


def show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
