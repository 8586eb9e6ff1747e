"""The aws-auth ConfigMap's `mapRoles` as plain data: parse, merge and remove role entries,
keeping every entry someone else wrote. No Pulumi, no cluster access."""

from __future__ import annotations

import copy
from typing import Any

import yaml

NODE_USERNAME = "system:node:{{EC2PrivateDNSName}}"
NODE_GROUPS: tuple[str, ...] = ("system:bootstrappers", "system:nodes")

RoleMapping = dict[str, Any]


class AwsAuthError(ValueError):
    """mapRoles or kubeconfig content that cannot be used safely; nothing was written."""


class _NoAliasSafeDumper(yaml.SafeDumper):
    """SafeDumper that writes shared objects out in full.

    Entries that share a `groups` list (from YAML anchors, or one list passed twice)
    would otherwise come out as `&id001`/`*id001`, which is noise in a ConfigMap that
    people read and edit by hand.
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(entries: list[RoleMapping]) -> str:
    return yaml.dump(
        entries,
        Dumper=_NoAliasSafeDumper,
        sort_keys=False,
        default_flow_style=False,
    )


def parse_map_roles(map_roles: str | None) -> list[RoleMapping]:
    """Parse a `mapRoles` string into its list of entries; None or blank is no entries.

    Raises AwsAuthError (a ValueError) rather than guessing: writing back a "repaired"
    value could drop entries that keep nodes or people able to reach the cluster.
    """
    if map_roles is None or not map_roles.strip():
        return []
    try:
        parsed = yaml.safe_load(map_roles)
    except yaml.YAMLError as exc:
        raise AwsAuthError(f"aws-auth mapRoles is not valid YAML: {exc}") from exc
    if parsed is None:
        return []
    if not isinstance(parsed, list):
        raise AwsAuthError(f"aws-auth mapRoles must be a YAML list of role mappings, got {type(parsed).__name__}")
    for index, entry in enumerate(parsed):
        if not isinstance(entry, dict):
            raise AwsAuthError(f"aws-auth mapRoles entry {index} is not a mapping: {entry!r}")
    return parsed


def _rolearn(entry: RoleMapping) -> str | None:
    arn = entry.get("rolearn")
    # Hand-edited entries can hold anything; only a string can be one of ours.
    return arn if isinstance(arn, str) else None


def merge_role_mappings(map_roles: str | None, mappings: list[RoleMapping]) -> str:
    """Return `map_roles` with each of `mappings` present exactly once.

    An entry with the same rolearn is replaced where it stands (so the order others see
    is stable); new ones go at the end. Every other entry is kept as it was.
    """
    wanted: dict[str, RoleMapping] = {}
    for mapping in mappings:
        arn = _rolearn(mapping) if isinstance(mapping, dict) else None
        if not arn:
            raise AwsAuthError(f"role mapping needs a non-empty string rolearn: {mapping!r}")
        if arn in wanted:
            raise AwsAuthError(f"role mapping for {arn} given more than once")
        wanted[arn] = copy.deepcopy(mapping)

    merged: list[RoleMapping] = []
    placed: set[str] = set()
    for entry in parse_map_roles(map_roles):
        arn = _rolearn(entry)
        if arn is None or arn not in wanted:
            merged.append(entry)
        elif arn not in placed:
            merged.append(wanted[arn])
            placed.add(arn)
        # A later duplicate of a role we manage is dropped: two entries for one role
        # leave it to the authenticator which one wins.
    merged.extend(m for arn, m in wanted.items() if arn not in placed)
    return _dump(merged)


def remove_role_mappings(map_roles: str | None, role_arns: list[str]) -> str:
    """Return `map_roles` without the entries for `role_arns`; all others kept as-is."""
    dropped = set(role_arns)
    kept = [e for e in parse_map_roles(map_roles) if _rolearn(e) not in dropped]
    return _dump(kept)


def contains_entry(map_roles: str | None, mapping: RoleMapping) -> bool:
    return any(entry == mapping for entry in parse_map_roles(map_roles))


def find_role_mapping(map_roles: str | None, role_arn: str) -> RoleMapping | None:
    """The entry for `role_arn` as it stands, or None; of duplicates, the first, which a merge rewrites."""
    return next((entry for entry in parse_map_roles(map_roles) if _rolearn(entry) == role_arn), None)
