"""The aws-auth dynamic provider: adds Karpenter's node role to `kube-system/aws-auth` without owning it.

Other writers (managed node groups, Fargate profiles, people) keep their own entries in
the same `mapRoles` string, so every change here is a read-modify-write of that one
string, guarded by the ConfigMap's resourceVersion, touching only our `rolearn`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pulumi
import pulumi.dynamic

from karpenter.aws.aws_auth_client import ApiFactory, core_v1_api
from karpenter.aws.aws_auth_mapping import (
    NODE_GROUPS,
    NODE_USERNAME,
    RoleMapping,
    contains_entry,
    find_role_mapping,
    merge_role_mappings,
    parse_map_roles,
    remove_role_mappings,
)

# The kubernetes client is imported where the provider talks to the cluster, not here: the
# program only declares the resource, and the client costs a tenth of a second to import.
FIELD_MANAGER = "pulumi-karpenter-aws-auth"


# --- dynamic provider -----------------------------------------------------------------
#
# Never move or rename this class, its module, its attributes or aws_auth_client.core_v1_api: every
# stack's state holds the provider as a dill pickle naming them by reference (pulumi/dynamic/dynamic.py
# `serialize_provider`) that `pulumi-resource-pulumi-python` unpickles to refresh and delete the entry
# (pulumi/dynamic/__main__.py `get_provider`): a moved name breaks refresh and destroy of existing stacks.
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
        # A new kubeconfig is an in-place update so delete later uses the current one;
        # it never replaces, since the entry itself is unchanged.
        updated = any(olds.get(k) != news.get(k) for k in ("role_arn", "username", "groups", "kubeconfig"))
        return pulumi.dynamic.DiffResult(
            changes=bool(replaces) or updated,
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
        outs = {**props, "adopted": contains_entry(before, mapping)}
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
        adopted = contains_entry(before, mapping) if arn_changed else olds.get("adopted")
        return pulumi.dynamic.UpdateResult({**news, "adopted": bool(adopted)})

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """What `pulumi refresh` records: our entry as the cluster has it; never writes.

        A blank id is a resource gone: the engine drops it from the state and the next `up` creates
        it again. Changed username or groups become outputs the next `up` diffs and updates; the rest
        (`adopted`, the kubeconfig deletes use) is kept from the state."""
        from kubernetes.client.exceptions import ApiException

        api = self.api_factory(props["kubeconfig"])
        try:
            map_roles = (api.read_namespaced_config_map(props["name"], props["namespace"]).data or {}).get("mapRoles")
        except ApiException as exc:
            if exc.status != 404:
                raise
            map_roles = None
        entry = find_role_mapping(map_roles, props["role_arn"])
        if entry is None:
            # Outs stay a dict: the provider host adds `__provider` to them whatever the id.
            return pulumi.dynamic.ReadResult("", {})
        live = {"username": entry.get("username"), "groups": entry.get("groups")}
        return pulumi.dynamic.ReadResult(id_, {**props, **live})

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
