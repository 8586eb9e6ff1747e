"""Add Karpenter's node role to the `kube-system/aws-auth` ConfigMap without owning it.

Other writers (managed node groups, Fargate profiles, people) keep their own entries in
the same `mapRoles` string, so every change here is a read-modify-write of that one
string, guarded by the ConfigMap's resourceVersion, touching only our `rolearn`.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import pulumi
import pulumi.dynamic
import yaml

# The kubernetes client is imported where the provider talks to the cluster, not here: the
# program only declares the resource, and the client costs a tenth of a second to import.
if TYPE_CHECKING:
    from kubernetes.client import V1ConfigMap

NODE_USERNAME = "system:node:{{EC2PrivateDNSName}}"
NODE_GROUPS: tuple[str, ...] = ("system:bootstrappers", "system:nodes")
FIELD_MANAGER = "pulumi-karpenter-aws-auth"

RoleMapping = dict[str, Any]


class AwsAuthError(ValueError):
    """mapRoles or kubeconfig content that cannot be used safely; nothing was written."""


# --- pure mapRoles editing ------------------------------------------------------------


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


def node_role_mapping(role_arn: str) -> RoleMapping:
    """The mapRoles entry that lets instances with `role_arn` join as nodes."""
    return {
        "rolearn": role_arn,
        "username": NODE_USERNAME,
        "groups": list(NODE_GROUPS),
    }


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


def _contains_entry(map_roles: str | None, mapping: RoleMapping) -> bool:
    return any(entry == mapping for entry in parse_map_roles(map_roles))


# --- Kubernetes access seam -----------------------------------------------------------


class ConfigMapApi(Protocol):
    """The CoreV1Api calls this module makes; tests supply an in-memory fake."""

    def read_namespaced_config_map(self, name: str, namespace: str) -> V1ConfigMap: ...

    def replace_namespaced_config_map(
        self,
        name: str,
        namespace: str,
        body: V1ConfigMap,
        *,
        field_manager: str | None = ...,
    ) -> V1ConfigMap: ...

    def create_namespaced_config_map(
        self, namespace: str, body: V1ConfigMap, *, field_manager: str | None = ...
    ) -> V1ConfigMap: ...


ApiFactory = Callable[[str], ConfigMapApi]


def core_v1_api(kubeconfig: str) -> ConfigMapApi:
    """A CoreV1Api for the cluster described by a JSON (or YAML) kubeconfig string."""
    try:
        config_dict = json.loads(kubeconfig)
    except json.JSONDecodeError:
        config_dict = yaml.safe_load(kubeconfig)
    if not isinstance(config_dict, dict):
        raise AwsAuthError("kubeconfig must be a JSON or YAML object")
    import kubernetes.client
    import kubernetes.config

    # persist_config=False: there is no kubeconfig file to write refreshed tokens to.
    api_client = kubernetes.config.new_client_from_config_dict(config_dict=config_dict, persist_config=False)
    return kubernetes.client.CoreV1Api(api_client)


# --- dynamic provider -----------------------------------------------------------------


class AwsAuthRoleMappingProvider(pulumi.dynamic.ResourceProvider):
    """Read-modify-write of one mapRoles entry; holds only plain, picklable settings."""

    # Nothing captured here is sensitive (the kubeconfig is an input, not provider
    # state), so the pickled provider need be secret only if it captures a secret.
    serialize_as_secret_always = False

    def __init__(
        self,
        api_factory: ApiFactory = core_v1_api,
        max_attempts: int = 5,
        conflict_backoff_seconds: float = 0.2,
    ) -> None:
        super().__init__()
        self.api_factory = api_factory
        self.max_attempts = max_attempts
        self.conflict_backoff_seconds = conflict_backoff_seconds

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        failures: list[pulumi.dynamic.CheckFailure] = []
        role_arn = news.get("role_arn")
        known = role_arn != pulumi.runtime.rpc.UNKNOWN
        if known and not (isinstance(role_arn, str) and role_arn.startswith("arn:") and ":role/" in role_arn):
            failures.append(pulumi.dynamic.CheckFailure("role_arn", f"not an IAM role ARN: {role_arn!r}"))
        return pulumi.dynamic.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [k for k in ("namespace", "name") if olds.get(k) != news.get(k)]
        updates = [k for k in ("role_arn", "username", "groups") if olds.get(k) != news.get(k)]
        # A new kubeconfig is an in-place update so delete later uses the current one;
        # it never replaces, since the entry itself is unchanged.
        if olds.get("kubeconfig") != news.get("kubeconfig"):
            updates.append("kubeconfig")
        return pulumi.dynamic.DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            delete_before_replace=False,
        )

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        mapping = _mapping_from(props)
        namespace, name = props["namespace"], props["name"]
        before = self._read_modify_write(
            props["kubeconfig"],
            namespace,
            name,
            lambda current: merge_role_mappings(current, [mapping]),
            create_missing=True,
        )
        outs = {**props, "adopted": _contains_entry(before, mapping)}
        return pulumi.dynamic.CreateResult(f"{namespace}/{name}/{mapping['rolearn']}", outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        mapping = _mapping_from(news)
        old_arn = olds["role_arn"]
        arn_changed = old_arn != mapping["rolearn"]
        drop = [old_arn] if arn_changed and not olds.get("adopted") else []
        before = self._read_modify_write(
            news["kubeconfig"],
            news["namespace"],
            news["name"],
            lambda current: merge_role_mappings(remove_role_mappings(current, drop), [mapping]),
            create_missing=True,
        )
        # Same role: ownership does not change by editing the entry. New role: it is
        # someone else's if they already had exactly this entry.
        adopted = _contains_entry(before, mapping) if arn_changed else olds.get("adopted")
        return pulumi.dynamic.UpdateResult({**news, "adopted": bool(adopted)})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("adopted"):
            return
        role_arn = props["role_arn"]
        self._read_modify_write(
            props["kubeconfig"],
            props["namespace"],
            props["name"],
            lambda current: remove_role_mappings(current, [role_arn]),
            create_missing=False,
        )

    def _read_modify_write(
        self,
        kubeconfig: str,
        namespace: str,
        name: str,
        edit: Callable[[str | None], str],
        *,
        create_missing: bool,
    ) -> str | None:
        """Apply `edit` to mapRoles; return mapRoles as read by the write that stuck."""
        from kubernetes.client import V1ConfigMap, V1ObjectMeta
        from kubernetes.client.exceptions import ApiException

        api = self.api_factory(kubeconfig)
        for attempt in range(1, self.max_attempts + 1):
            try:
                config_map = api.read_namespaced_config_map(name, namespace)
            except ApiException as exc:
                if exc.status != 404:
                    raise
                if not create_missing:
                    return None
                body = V1ConfigMap(
                    metadata=V1ObjectMeta(name=name, namespace=namespace),
                    data={"mapRoles": edit(None)},
                )
                try:
                    api.create_namespaced_config_map(namespace, body, field_manager=FIELD_MANAGER)
                    return None
                except ApiException as create_exc:
                    # Someone else created it first: go round and merge into theirs.
                    if create_exc.status != 409:
                        raise
                    self._back_off(attempt)
                    continue

            data = dict(config_map.data or {})
            current = data.get("mapRoles")
            updated = edit(current)
            if parse_map_roles(updated) == parse_map_roles(current):
                return current
            data["mapRoles"] = updated
            config_map.data = data
            # The read resourceVersion stays in metadata, so a write racing another
            # writer is refused with 409 instead of silently discarding their change.
            try:
                api.replace_namespaced_config_map(name, namespace, config_map, field_manager=FIELD_MANAGER)
                return current
            except ApiException as exc:
                if exc.status != 409:
                    raise
                self._back_off(attempt)
        raise RuntimeError(
            f"gave up updating ConfigMap {namespace}/{name}: it changed under us "
            f"on each of {self.max_attempts} attempts"
        )

    def _back_off(self, attempt: int) -> None:
        if attempt < self.max_attempts and self.conflict_backoff_seconds > 0:
            time.sleep(self.conflict_backoff_seconds * attempt)


def _mapping_from(props: dict[str, Any]) -> RoleMapping:
    return {
        "rolearn": props["role_arn"],
        "username": props["username"],
        "groups": list(props["groups"]),
    }


# --- resource -------------------------------------------------------------------------


class AwsAuthRoleMappingArgs:
    """Inputs for AwsAuthRoleMapping; defaults describe a Karpenter node role."""

    def __init__(
        self,
        role_arn: pulumi.Input[str],
        kubeconfig: pulumi.Input[str],
        namespace: pulumi.Input[str] = "kube-system",
        name: pulumi.Input[str] = "aws-auth",
        username: pulumi.Input[str] = NODE_USERNAME,
        groups: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
    ) -> None:
        self.role_arn = role_arn
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.name = name
        self.username = username
        self.groups: pulumi.Input[Sequence[pulumi.Input[str]]] = list(NODE_GROUPS) if groups is None else groups


class AwsAuthRoleMapping(pulumi.dynamic.Resource):
    """One mapRoles entry in the aws-auth ConfigMap, leaving every other entry alone."""

    role_arn: pulumi.Output[str]
    namespace: pulumi.Output[str]
    name: pulumi.Output[str]
    username: pulumi.Output[str]
    groups: pulumi.Output[list[str]]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        name: str,
        args: AwsAuthRoleMappingArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "role_arn": args.role_arn,
            "kubeconfig": args.kubeconfig,
            "namespace": args.namespace,
            "name": args.name,
            "username": args.username,
            "groups": args.groups,
            # Declared so the output exists; the provider fills it in.
            "adopted": None,
        }
        super().__init__(AwsAuthRoleMappingProvider(), name, props, opts)
