"""What `pulumi up` would do to each resource going from one render of a stack to another: created,
updated in place (which inputs), replaced (and in which order) or deleted. Pure data: registrations
in, changes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from karpenter.offline.monitor import Registration
from karpenter.offline.replacements import replacement, replacing_keys

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    action: str
    # The input keys that change (update, replace).
    keys: list[str] = field(default_factory=list)
    # Where a changed input is a map (Helm values), the paths inside it that change.
    details: list[str] = field(default_factory=list)
    # Those of them that force the replacement, and whether the old one goes first.
    replacing: list[str] = field(default_factory=list)
    delete_first: bool = False
    # The inputs on the side that exists: the base's for a delete, the head's otherwise.
    inputs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"urn": self.urn, "type": self.type, "name": self.name, "action": self.action}
        if self.keys:
            data["keys"] = self.keys
        if self.details:
            data["details"] = self.details
        if self.action == REPLACE:
            data["replacing"] = self.replacing
            data["order"] = "delete-before-replace" if self.delete_first else "create-before-delete"
        return data


def _managed(registration: Registration) -> bool:
    # Our own components only group resources; a remote component (pulumi-eks) is infrastructure.
    return registration.custom or not registration.type.startswith("karpenter:")


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


def changed_paths(before: Any, after: Any, prefix: str, depth: int = 3) -> list[str]:
    """The dotted paths, at most `depth` maps deep, at which two values differ."""
    if depth == 0 or not isinstance(before, dict) or not isinstance(after, dict):
        return [prefix] if before != after else []
    paths: list[str] = []
    for key in sorted(set(before) | set(after), key=str):
        paths += changed_paths(before.get(key), after.get(key), f"{prefix}.{key}", depth - 1)
    return paths


def _lasting(options: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key != "importId"}


def _details(before: dict[str, Any], after: dict[str, Any], keys: list[str]) -> list[str]:
    paths: list[str] = []
    for key in keys:
        paths += changed_paths(before.get(key), after.get(key), key)
    return paths if paths != keys else []


def resource_changes(base: list[Registration], head: list[Registration]) -> list[ResourceChange]:
    """Every resource that changes, by URN: head's order first, then those only the base has."""
    old = {r.urn: r for r in base if _managed(r)}
    new = {r.urn: r for r in head if _managed(r)}
    changes: list[ResourceChange] = []
    for urn, after in new.items():
        before = old.get(urn)
        if before is None:
            changes.append(ResourceChange(urn, after.type, after.name, CREATE, inputs=after.inputs))
            continue
        keys = changed_keys(before.inputs, after.inputs)
        # Options that change what destroy and later updates do; an import id matters only once.
        options = [f"options.{key}" for key in changed_keys(_lasting(before.options), _lasting(after.options))]
        if not keys and not options:
            continue
        replacing = replacing_keys(after.type, keys)
        if not replacing:
            details = _details(before.inputs, after.inputs, keys) + (options if keys else [])
            changes.append(
                ResourceChange(urn, after.type, after.name, UPDATE, keys or options, details, inputs=after.inputs)
            )
            continue
        known = replacement(after.type)
        delete_first = bool(after.options.get("deleteBeforeReplace")) or (known is not None and known.delete_first)
        changes.append(
            ResourceChange(
                urn, after.type, after.name, REPLACE, keys, [], replacing, delete_first, after.inputs, after.options
            )
        )
    for urn, before in old.items():
        if urn not in new:
            changes.append(
                ResourceChange(urn, before.type, before.name, DELETE, inputs=before.inputs, options=before.options)
            )
    return changes
