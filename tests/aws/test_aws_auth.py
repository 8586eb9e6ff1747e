"""Tests for the aws-auth mapRoles read-modify-write: pure edits, provider, resource."""

from __future__ import annotations

import base64
import copy
import json
import os
import pickle
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic.dynamic
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from kubernetes.client import V1ConfigMap, V1ObjectMeta
from kubernetes.client.exceptions import ApiException

from karpenter.aws.aws_auth_client import core_v1_api
from karpenter.aws.aws_auth_mapping import (
    merge_role_mappings,
    parse_map_roles,
    remove_role_mappings,
)
from karpenter.aws.aws_auth_provider import AwsAuthRoleMapping, AwsAuthRoleMappingArgs, AwsAuthRoleMappingProvider
from karpenter.offline import monitor as offline_monitor
from tests.conftest import Run, facts_with

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KARPENTER_ARN = "arn:aws:iam::111122223333:role/KarpenterNodeRole-demo"
NODEGROUP_ARN = "arn:aws:iam::111122223333:role/eks-ng-default-NodeInstanceRole"
FARGATE_ARN = "arn:aws:iam::111122223333:role/eks-fargate-pod-execution-role"
# The user name and groups EKS's documentation gives a node role's mapRoles entry.
NODE_USERNAME = "system:node:{{EC2PrivateDNSName}}"
NODE_GROUPS = ("system:bootstrappers", "system:nodes")


def node_role_mapping(role_arn: str) -> dict[str, Any]:
    """The mapRoles entry that lets instances with `role_arn` join as nodes."""
    return {"rolearn": role_arn, "username": NODE_USERNAME, "groups": list(NODE_GROUPS)}


NODEGROUP_ENTRY = {
    "rolearn": NODEGROUP_ARN,
    "username": NODE_USERNAME,
    "groups": ["system:bootstrappers", "system:nodes"],
}
FARGATE_ENTRY = {
    "rolearn": FARGATE_ARN,
    "username": "system:node:{{SessionName}}",
    "groups": ["system:bootstrappers", "system:nodes", "system:node-proxier"],
}
MAP_USERS = "- userarn: arn:aws:iam::111122223333:user/ops\n  username: ops\n"
MAP_ACCOUNTS = "- '111122223333'\n"


def entries_with_key_order(entries: list[dict[str, Any]]) -> list[list[Any]]:
    """Dict equality ignores key order; people reading the ConfigMap do not."""
    return [list(e.items()) for e in entries]


# --- strategies -----------------------------------------------------------------------

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=12,
)
role_arns = st.builds(
    "arn:aws:iam::{}:role/{}".format,
    st.from_regex(r"\A[0-9]{12}\Z"),
    st.from_regex(r"\A[A-Za-z0-9+=,.@_-]{1,20}\Z"),
)
scalars = st.one_of(words, st.integers(), st.booleans(), st.none())


@st.composite
def map_role_entries(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if draw(st.integers(0, 9)):  # mostly roles, sometimes a hand-edited odd entry
        entry["rolearn"] = draw(role_arns)
    if draw(st.booleans()):
        entry["username"] = draw(st.sampled_from([NODE_USERNAME, "admin"]) | words)
    if draw(st.booleans()):
        entry["groups"] = draw(st.lists(words, max_size=3))
    extras = draw(
        st.dictionaries(
            words.filter(lambda k: k not in {"rolearn", "username", "groups"}),
            scalars,
            max_size=2,
        )
    )
    # Extras first sometimes, so key order is exercised too.
    return {**extras, **entry} if draw(st.booleans()) else {**entry, **extras}


def render(entries: list[dict[str, Any]] | None, style: str) -> str | None:
    """mapRoles as different writers leave it: eksctl, the console, kubectl edit."""
    if entries is None:
        return None
    if style == "json":
        return json.dumps(entries, ensure_ascii=False)
    return yaml.safe_dump(entries, sort_keys=False, default_flow_style=style == "flow")


existing_lists = st.lists(map_role_entries(), max_size=6)
styles = st.sampled_from(["block", "flow", "json"])


@st.composite
def existing_and_mappings(
    draw: st.DrawFn,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Existing entries plus mappings that may reuse some of their rolearns."""
    existing = draw(existing_lists)
    reusable = [e["rolearn"] for e in existing if "rolearn" in e]
    arn_choice = role_arns | st.sampled_from(reusable) if reusable else role_arns
    arns = draw(st.lists(arn_choice, min_size=1, max_size=3, unique=True))
    mappings = [
        {
            "rolearn": arn,
            "username": draw(st.sampled_from([NODE_USERNAME]) | words),
            "groups": draw(st.lists(words, max_size=3)),
        }
        for arn in arns
    ]
    return existing, mappings


# --- pure functions: properties -------------------------------------------------------


@FAST
@given(existing_and_mappings(), styles)
def test_merge_keeps_every_other_entry_exactly_and_in_order(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]], style: str
) -> None:
    existing, mappings = case
    ours = {m["rolearn"] for m in mappings}
    merged = parse_map_roles(merge_role_mappings(render(existing, style), mappings))

    others_before = [e for e in existing if e.get("rolearn") not in ours]
    others_after = [e for e in merged if e.get("rolearn") not in ours]
    assert entries_with_key_order(others_after) == entries_with_key_order(others_before)

    for mapping in mappings:
        assert merged.count(mapping) == 1
        assert [e for e in merged if e.get("rolearn") == mapping["rolearn"]] == [mapping]


@FAST
@given(existing_and_mappings())
def test_merge_replaces_an_existing_role_in_place_and_appends_new_ones(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    existing, mappings = case
    ours = {m["rolearn"] for m in mappings}
    merged = parse_map_roles(merge_role_mappings(render(existing, "block"), mappings))

    def others_before_first(entries: list[dict[str, Any]], arn: str) -> int:
        index = next(i for i, e in enumerate(entries) if e.get("rolearn") == arn)
        return sum(1 for e in entries[:index] if e.get("rolearn") not in ours)

    existing_arns = [e.get("rolearn") for e in existing]
    new = [m for m in mappings if m["rolearn"] not in existing_arns]
    for mapping in mappings:
        if mapping["rolearn"] in existing_arns:
            assert others_before_first(merged, mapping["rolearn"]) == (
                others_before_first(existing, mapping["rolearn"])
            )
    assert merged[len(merged) - len(new) :] == new


@FAST
@given(existing_and_mappings(), styles)
def test_merge_is_idempotent(case: tuple[list[dict[str, Any]], list[dict[str, Any]]], style: str) -> None:
    existing, mappings = case
    once = merge_role_mappings(render(existing, style), mappings)
    assert merge_role_mappings(once, mappings) == once


@FAST
@given(existing_and_mappings(), styles)
def test_remove_undoes_merge_when_the_roles_were_not_there_before(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]], style: str
) -> None:
    existing, mappings = case
    arns = [m["rolearn"] for m in mappings]
    assume(not any(e.get("rolearn") in arns for e in existing))
    merged = merge_role_mappings(render(existing, style), mappings)
    restored = parse_map_roles(remove_role_mappings(merged, arns))
    assert entries_with_key_order(restored) == entries_with_key_order(existing)


@FAST
@given(existing_lists, st.lists(role_arns, max_size=3), styles)
def test_remove_is_idempotent_and_keeps_other_entries_in_order(
    existing: list[dict[str, Any]], arns: list[str], style: str
) -> None:
    arns = arns + [e["rolearn"] for e in existing[:1] if "rolearn" in e]
    once = remove_role_mappings(render(existing, style), arns)
    assert remove_role_mappings(once, arns) == once
    expected = [e for e in existing if e.get("rolearn") not in arns]
    assert entries_with_key_order(parse_map_roles(once)) == entries_with_key_order(expected)


# --- pure functions: examples ---------------------------------------------------------


@st.composite
def malformed_entries(draw: st.DrawFn) -> dict[str, Any]:
    """Entries people leave behind by hand: a rolearn that is not text, groups that are not a list,
    or no groups at all."""
    entry: dict[str, Any] = {"rolearn": draw(st.none() | st.integers() | st.booleans() | st.lists(words, max_size=2))}
    groups = draw(st.sampled_from(["missing", "text", "list"]))
    if groups == "text":
        entry["groups"] = draw(words)
    elif groups == "list":
        entry["groups"] = draw(st.lists(words, max_size=2))
    return entry


@FAST
@given(existing_lists, st.lists(malformed_entries(), min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_merge_keeps_malformed_entries_as_they_were(
    existing: list[dict[str, Any]], malformed: list[dict[str, Any]], shuffle: Any
) -> None:
    entries = existing + malformed
    shuffle.shuffle(entries)
    ours = node_role_mapping(KARPENTER_ARN)
    assume(all(entry.get("rolearn") != KARPENTER_ARN for entry in entries))
    merged = parse_map_roles(merge_role_mappings(render(entries, "block"), [ours]))
    assert merged == [*entries, ours]
    assert parse_map_roles(remove_role_mappings(render(merged, "block"), [KARPENTER_ARN])) == entries


@FAST
@given(st.lists(words, min_size=1, max_size=3), st.integers(2, 4))
def test_entries_sharing_one_groups_list_through_a_yaml_anchor_are_kept_and_written_out_in_full(
    groups: list[str], count: int
) -> None:
    # One list object referenced by several entries is dumped as &id001 / *id001, as some tools write it.
    shared = list(groups)
    entries = [{"rolearn": f"arn:aws:iam::111122223333:role/ng-{index}", "groups": shared} for index in range(count)]
    written = yaml.safe_dump(entries, sort_keys=False)
    assert any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(written))
    merged = merge_role_mappings(written, [node_role_mapping(KARPENTER_ARN)])
    assert not any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(merged))
    assert parse_map_roles(merged) == [*entries, node_role_mapping(KARPENTER_ARN)]


def test_realistic_aws_auth_keeps_node_group_and_fargate_entries() -> None:
    map_roles = render([NODEGROUP_ENTRY, FARGATE_ENTRY], "block")
    data = {"mapRoles": map_roles, "mapUsers": MAP_USERS}
    original = copy.deepcopy(data)

    merged = merge_role_mappings(data["mapRoles"], [node_role_mapping(KARPENTER_ARN)])

    assert parse_map_roles(merged) == [
        NODEGROUP_ENTRY,
        FARGATE_ENTRY,
        {
            "rolearn": KARPENTER_ARN,
            "username": "system:node:{{EC2PrivateDNSName}}",
            "groups": ["system:bootstrappers", "system:nodes"],
        },
    ]
    assert data == original  # only the mapRoles string is an input; nothing else moved
    assert parse_map_roles(remove_role_mappings(merged, [KARPENTER_ARN])) == [
        NODEGROUP_ENTRY,
        FARGATE_ENTRY,
    ]


def test_merge_output_is_block_yaml_without_anchors() -> None:
    shared_groups = ["system:nodes"]
    merged = merge_role_mappings(
        None,
        [
            {"rolearn": KARPENTER_ARN, "username": "a", "groups": shared_groups},
            {"rolearn": NODEGROUP_ARN, "username": "b", "groups": shared_groups},
        ],
    )
    assert "&" not in merged and "*" not in merged
    assert merged.startswith(f"- rolearn: {KARPENTER_ARN}\n  username: a\n")


@pytest.mark.parametrize("empty", [None, "", "  \n", "[]", "null"])
def test_empty_map_roles_means_no_entries(empty: str | None) -> None:
    merged = merge_role_mappings(empty, [node_role_mapping(KARPENTER_ARN)])
    assert parse_map_roles(merged) == [node_role_mapping(KARPENTER_ARN)]
    assert parse_map_roles(remove_role_mappings(empty, [KARPENTER_ARN])) == []


def test_merge_collapses_duplicate_entries_for_our_role_into_one() -> None:
    existing = render(
        [{"rolearn": KARPENTER_ARN}, NODEGROUP_ENTRY, {"rolearn": KARPENTER_ARN}],
        "block",
    )
    merged = parse_map_roles(merge_role_mappings(existing, [node_role_mapping(KARPENTER_ARN)]))
    assert merged == [node_role_mapping(KARPENTER_ARN), NODEGROUP_ENTRY]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("rolearn: x\nusername: y\n", "aws-auth mapRoles must be a YAML list of role mappings, got dict"),
        ("- just-a-string\n", "aws-auth mapRoles entry 0 is not a mapping: 'just-a-string'"),
        ("42", "aws-auth mapRoles must be a YAML list of role mappings, got int"),
    ],
)
def test_bad_existing_map_roles_raises_instead_of_dropping_content(bad: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        merge_role_mappings(bad, [node_role_mapping(KARPENTER_ARN)])
    assert str(refused.value) == message
    with pytest.raises(ValueError) as refused:
        remove_role_mappings(bad, [KARPENTER_ARN])
    assert str(refused.value) == message


def test_map_roles_that_is_not_yaml_is_refused_with_the_parsers_words() -> None:
    with pytest.raises(ValueError) as refused:
        merge_role_mappings("- rolearn: [unclosed\n", [node_role_mapping(KARPENTER_ARN)])
    assert str(refused.value).splitlines()[0] == "aws-auth mapRoles is not valid YAML: while parsing a flow sequence"


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        ([{"username": "no-arn"}], "role mapping needs a non-empty string rolearn: {'username': 'no-arn'}"),
        ([{"rolearn": ""}], "role mapping needs a non-empty string rolearn: {'rolearn': ''}"),
        (["arn:aws:iam::1:role/x"], "role mapping needs a non-empty string rolearn: 'arn:aws:iam::1:role/x'"),
        (
            [node_role_mapping(KARPENTER_ARN), node_role_mapping(KARPENTER_ARN)],
            f"role mapping for {KARPENTER_ARN} given more than once",
        ),
    ],
)
def test_merge_rejects_mappings_without_a_unique_rolearn(mappings: list[Any], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        merge_role_mappings(None, mappings)
    assert str(refused.value) == message


# --- provider with an in-memory API server --------------------------------------------


class FakeCoreV1Api:
    """ConfigMaps in memory, with the API server's optimistic-concurrency rules."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], V1ConfigMap] = {}
        self.revision = 100
        self.writes = 0
        self.conflicts = 0
        self.before_write: list[Callable[[FakeCoreV1Api], None]] = []
        # Who each create and replace named as field manager: the server records it in managedFields.
        self.field_managers: list[tuple[str, str | None]] = []

    def _next_revision(self) -> str:
        self.revision += 1
        return str(self.revision)

    def seed(
        self,
        data: dict[str, str],
        namespace: str = "kube-system",
        name: str = "aws-auth",
    ) -> None:
        self.put(namespace, name, data)

    def put(self, namespace: str, name: str, data: dict[str, str]) -> None:
        """A write by someone else, bypassing the concurrency check."""
        self.store[(namespace, name)] = V1ConfigMap(
            metadata=V1ObjectMeta(
                name=name,
                namespace=namespace,
                resource_version=self._next_revision(),
                labels={"app": "keep-me"},
            ),
            data=dict(data),
        )

    def data(self, namespace: str = "kube-system", name: str = "aws-auth") -> dict[str, str]:
        return dict(self.store[(namespace, name)].data or {})

    def read_namespaced_config_map(self, name: str, namespace: str) -> V1ConfigMap:
        if (namespace, name) not in self.store:
            raise ApiException(status=404, reason="Not Found")
        return copy.deepcopy(self.store[(namespace, name)])

    def replace_namespaced_config_map(
        self,
        name: str,
        namespace: str,
        body: V1ConfigMap,
        *,
        field_manager: str | None = None,
    ) -> V1ConfigMap:
        self.field_managers.append(("replace", field_manager))
        if self.before_write:
            self.before_write.pop(0)(self)
        current = self.store.get((namespace, name))
        if current is None:
            raise ApiException(status=404, reason="Not Found")
        sent = meta(body).resource_version
        # A real server would accept this unconditionally; that is the bug to catch.
        assert sent, "replace without resourceVersion overwrites concurrent writers"
        if sent != meta(current).resource_version:
            self.conflicts += 1
            raise ApiException(status=409, reason="Conflict")
        return self._store(namespace, name, body)

    def create_namespaced_config_map(
        self, namespace: str, body: V1ConfigMap, *, field_manager: str | None = None
    ) -> V1ConfigMap:
        self.field_managers.append(("create", field_manager))
        if self.before_write:
            self.before_write.pop(0)(self)
        name = meta(body).name or ""
        if (namespace, name) in self.store:
            self.conflicts += 1
            raise ApiException(status=409, reason="AlreadyExists")
        return self._store(namespace, name, body)

    def _store(self, namespace: str, name: str, body: V1ConfigMap) -> V1ConfigMap:
        stored = copy.deepcopy(body)
        meta(stored).resource_version = self._next_revision()
        self.store[(namespace, name)] = stored
        self.writes += 1
        return copy.deepcopy(stored)


def meta(config_map: V1ConfigMap) -> V1ObjectMeta:
    assert config_map.metadata is not None
    return config_map.metadata


@pytest.fixture
def api() -> FakeCoreV1Api:
    return FakeCoreV1Api()


@pytest.fixture
def provider(api: FakeCoreV1Api) -> AwsAuthRoleMappingProvider:
    return AwsAuthRoleMappingProvider(api_factory=lambda _kubeconfig: api, conflict_backoff_seconds=0)


def props(role_arn: str = KARPENTER_ARN, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "role_arn": role_arn,
        "kubeconfig": '{"apiVersion": "v1"}',
        "namespace": "kube-system",
        "name": "aws-auth",
        "username": NODE_USERNAME,
        "groups": list(NODE_GROUPS),
        "adopted": None,
    }
    return {**base, **overrides}


def roles(api: FakeCoreV1Api) -> list[dict[str, Any]]:
    return parse_map_roles(api.data().get("mapRoles"))


def test_create_adds_our_entry_and_keeps_other_entries_and_data_keys(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    api.seed(
        {
            "mapRoles": render([NODEGROUP_ENTRY, FARGATE_ENTRY], "block") or "",
            "mapUsers": MAP_USERS,
            "mapAccounts": MAP_ACCOUNTS,
        }
    )
    result = provider.create(props())

    assert roles(api) == [
        NODEGROUP_ENTRY,
        FARGATE_ENTRY,
        node_role_mapping(KARPENTER_ARN),
    ]
    assert api.data()["mapUsers"] == MAP_USERS
    assert api.data()["mapAccounts"] == MAP_ACCOUNTS
    assert meta(api.store[("kube-system", "aws-auth")]).labels == {"app": "keep-me"}
    assert result.outs is not None and result.outs["adopted"] is False
    assert result.outs["role_arn"] == KARPENTER_ARN


def test_create_names_the_entry_by_its_config_map_and_role(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    result = provider.create(props())
    assert result.id == "kube-system/aws-auth/arn:aws:iam::111122223333:role/KarpenterNodeRole-demo"


def test_every_write_names_the_stacks_field_manager(api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider) -> None:
    # managedFields (kubectl get --show-managed-fields) tell whoever reads aws-auth which tool wrote it.
    created = provider.create(props())
    assert created.outs is not None
    provider.update(created.id, created.outs, props(groups=["system:nodes"]))
    assert api.field_managers == [
        ("create", "pulumi-karpenter-aws-auth"),
        ("replace", "pulumi-karpenter-aws-auth"),
    ]


def test_concurrent_writer_causes_a_retry_and_both_changes_survive(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})

    def node_group_added_meanwhile(fake: FakeCoreV1Api) -> None:
        fake.put(
            "kube-system",
            "aws-auth",
            {
                "mapRoles": render([NODEGROUP_ENTRY, FARGATE_ENTRY], "block") or "",
                "mapUsers": MAP_USERS,
            },
        )

    api.before_write.append(node_group_added_meanwhile)
    provider.create(props())

    assert api.conflicts == 1
    assert roles(api) == [
        NODEGROUP_ENTRY,
        FARGATE_ENTRY,
        node_role_mapping(KARPENTER_ARN),
    ]
    assert api.data()["mapUsers"] == MAP_USERS


def someone_else_writes(fake: FakeCoreV1Api) -> None:
    """Another writer saves aws-auth between our read and our write: our write then conflicts."""
    fake.put("kube-system", "aws-auth", fake.data())


def test_create_gives_up_after_bounded_conflicts_without_writing(
    api: FakeCoreV1Api,
) -> None:
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})
    provider = AwsAuthRoleMappingProvider(api_factory=lambda _: api, max_attempts=3, conflict_backoff_seconds=0)

    api.before_write.extend([someone_else_writes] * 3)
    with pytest.raises(RuntimeError, match="3 attempts"):
        provider.create(props())
    assert api.conflicts == 3
    assert roles(api) == [NODEGROUP_ENTRY]


def test_the_default_provider_tries_five_times_backing_off_longer_before_each_retry(
    api: FakeCoreV1Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})

    api.before_write.extend([someone_else_writes] * 6)
    provider = AwsAuthRoleMappingProvider(api_factory=lambda _kubeconfig: api)
    with pytest.raises(RuntimeError) as gave_up:
        provider.create(props())
    assert str(gave_up.value) == (
        "gave up updating ConfigMap kube-system/aws-auth: it changed under us on each of 5 attempts"
    )
    assert api.conflicts == 5
    # No wait after the last attempt: the error comes at once.
    assert slept == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert roles(api) == [NODEGROUP_ENTRY]


def test_create_on_missing_config_map_creates_it_with_only_our_entry(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    result = provider.create(props())
    assert api.data() == {
        "mapRoles": (
            "- rolearn: arn:aws:iam::111122223333:role/KarpenterNodeRole-demo\n"
            "  username: system:node:{{EC2PrivateDNSName}}\n"
            "  groups:\n"
            "  - system:bootstrappers\n"
            "  - system:nodes\n"
        )
    }
    assert result.outs is not None and result.outs["adopted"] is False


def test_create_merges_into_a_config_map_created_concurrently(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    def created_meanwhile(fake: FakeCoreV1Api) -> None:
        fake.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})

    api.before_write.append(created_meanwhile)
    provider.create(props())
    assert roles(api) == [NODEGROUP_ENTRY, node_role_mapping(KARPENTER_ARN)]


def test_create_refuses_to_rewrite_unparseable_map_roles(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    api.seed({"mapRoles": "rolearn: not-a-list\n"})
    with pytest.raises(ValueError, match="YAML list"):
        provider.create(props())
    assert api.writes == 0
    assert api.data() == {"mapRoles": "rolearn: not-a-list\n"}


def test_delete_removes_only_our_entry(api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider) -> None:
    api.seed(
        {
            "mapRoles": render([NODEGROUP_ENTRY, FARGATE_ENTRY], "block") or "",
            "mapUsers": MAP_USERS,
        }
    )
    result = provider.create(props())
    assert result.outs is not None
    provider.delete(result.id, result.outs)

    assert roles(api) == [NODEGROUP_ENTRY, FARGATE_ENTRY]
    assert api.data()["mapUsers"] == MAP_USERS


def test_delete_retries_on_conflict_and_keeps_the_concurrent_change(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})
    result = provider.create(props())
    assert result.outs is not None

    def fargate_added_meanwhile(fake: FakeCoreV1Api) -> None:
        fake.put(
            "kube-system",
            "aws-auth",
            {"mapRoles": merge_role_mappings(fake.data()["mapRoles"], [FARGATE_ENTRY])},
        )

    api.before_write.append(fargate_added_meanwhile)
    provider.delete(result.id, result.outs)
    assert api.conflicts == 1
    assert roles(api) == [NODEGROUP_ENTRY, FARGATE_ENTRY]


def test_adopted_entry_survives_delete(api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider) -> None:
    shared = node_role_mapping(NODEGROUP_ARN)  # e.g. Karpenter reusing the node group role
    api.seed({"mapRoles": render([shared, FARGATE_ENTRY], "block") or ""})

    result = provider.create(props(NODEGROUP_ARN))
    assert result.outs is not None and result.outs["adopted"] is True
    assert api.writes == 0  # already exactly right: nothing to write

    provider.delete(result.id, result.outs)
    assert roles(api) == [shared, FARGATE_ENTRY]


def test_differing_entry_for_our_role_is_taken_over_not_adopted(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    api.seed({"mapRoles": render([{"rolearn": KARPENTER_ARN, "username": "old"}, FARGATE_ENTRY], "block") or ""})
    result = provider.create(props())
    assert result.outs is not None and result.outs["adopted"] is False
    assert roles(api) == [node_role_mapping(KARPENTER_ARN), FARGATE_ENTRY]


def test_delete_of_missing_config_map_is_fine(api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider) -> None:
    provider.delete("kube-system/aws-auth/x", props(adopted=False))
    assert api.store == {}


def test_update_swaps_the_role_arn_in_one_write(api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider) -> None:
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or "", "mapUsers": MAP_USERS})
    created = provider.create(props())
    assert created.outs is not None
    writes_before = api.writes

    new_arn = "arn:aws:iam::111122223333:role/KarpenterNodeRole-v2"
    updated = provider.update(created.id, created.outs, props(new_arn))

    assert api.writes == writes_before + 1
    assert roles(api) == [NODEGROUP_ENTRY, node_role_mapping(new_arn)]
    assert api.data()["mapUsers"] == MAP_USERS
    assert updated.outs is not None and updated.outs["adopted"] is False
    assert updated.outs["role_arn"] == new_arn


def test_update_away_from_an_adopted_role_leaves_that_entry(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})
    created = provider.create(props(NODEGROUP_ARN))
    assert created.outs is not None and created.outs["adopted"] is True

    updated = provider.update(created.id, created.outs, props(KARPENTER_ARN))
    assert roles(api) == [NODEGROUP_ENTRY, node_role_mapping(KARPENTER_ARN)]
    assert updated.outs is not None and updated.outs["adopted"] is False


def test_update_of_groups_rewrites_our_entry_in_place(api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider) -> None:
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})
    created = provider.create(props())
    assert created.outs is not None
    provider.update(created.id, created.outs, props(groups=["system:nodes"]))
    assert roles(api) == [
        NODEGROUP_ENTRY,
        {
            "rolearn": KARPENTER_ARN,
            "username": NODE_USERNAME,
            "groups": ["system:nodes"],
        },
    ]


def test_update_recreates_an_aws_auth_deleted_meanwhile_with_our_entry(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    created = provider.create(props())
    assert created.outs is not None
    del api.store[("kube-system", "aws-auth")]
    updated = provider.update(created.id, created.outs, props(groups=["system:nodes"]))
    assert roles(api) == [{"rolearn": KARPENTER_ARN, "username": NODE_USERNAME, "groups": ["system:nodes"]}]
    assert updated.outs is not None and updated.outs["adopted"] is False


def test_an_in_place_update_of_our_own_entry_keeps_it_ours(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})
    created = provider.create(props())
    assert created.outs is not None and created.outs["adopted"] is False

    # Our entry is already exactly right when the kubeconfig changes; it is still ours to remove.
    updated = provider.update(created.id, created.outs, props(kubeconfig='{"kind": "Config"}'))
    assert updated.outs is not None and updated.outs["adopted"] is False
    provider.delete(created.id, updated.outs)
    assert roles(api) == [NODEGROUP_ENTRY]


def test_update_onto_a_role_someone_else_already_maps_adopts_their_entry(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    shared = node_role_mapping(NODEGROUP_ARN)
    api.seed({"mapRoles": render([shared, FARGATE_ENTRY], "block") or ""})
    created = provider.create(props())
    assert created.outs is not None and created.outs["adopted"] is False

    updated = provider.update(created.id, created.outs, props(NODEGROUP_ARN))
    assert updated.outs is not None and updated.outs["adopted"] is True
    assert roles(api) == [shared, FARGATE_ENTRY]
    provider.delete(created.id, updated.outs)
    assert roles(api) == [shared, FARGATE_ENTRY]


@pytest.mark.parametrize(
    ("change", "changes", "replaces"),
    [
        ({}, False, []),
        ({"role_arn": "arn:aws:iam::111122223333:role/Other"}, True, []),
        ({"username": "someone"}, True, []),
        ({"groups": ["system:nodes"]}, True, []),
        ({"namespace": "other"}, True, ["namespace"]),
        ({"name": "aws-auth-2"}, True, ["name"]),
        ({"kubeconfig": '{"apiVersion": "v1", "kind": "Config"}'}, True, []),
    ],
)
def test_diff_reports_changes_and_replaces_only_on_config_map_identity(
    provider: AwsAuthRoleMappingProvider,
    change: dict[str, Any],
    changes: bool,
    replaces: list[str],
) -> None:
    olds = {**props(), "adopted": False, "__provider": "blob"}
    result = provider.diff("id", olds, {**props(), **change})
    assert result.changes is changes
    assert result.replaces == replaces
    assert result.delete_before_replace is False


def test_check_rejects_a_role_arn_that_is_not_an_iam_role(
    provider: AwsAuthRoleMappingProvider,
) -> None:
    assert provider.check({}, props()).failures == []
    failures = provider.check({}, props("arn:aws:iam::111122223333:user/ops")).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("role_arn", "not an IAM role ARN: 'arn:aws:iam::111122223333:user/ops'")
    ]
    unknown = provider.check({}, props(pulumi.runtime.rpc.UNKNOWN))
    assert unknown.failures == []


def test_check_hands_back_the_inputs_it_was_given(provider: AwsAuthRoleMappingProvider) -> None:
    # Pulumi's dynamic-provider host takes the checked inputs from here; none means every preview fails.
    given = props()
    assert provider.check({}, given).inputs == given
    assert provider.check({}, props("arn:aws:iam::111122223333:user/ops")).inputs == props(
        "arn:aws:iam::111122223333:user/ops"
    )


def test_an_in_place_update_of_an_adopted_entry_keeps_it_adopted(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    shared = node_role_mapping(NODEGROUP_ARN)
    api.seed({"mapRoles": render([shared, FARGATE_ENTRY], "block") or ""})
    created = provider.create(props(NODEGROUP_ARN))
    assert created.outs is not None and created.outs["adopted"] is True

    # Same role, new kubeconfig: still someone else's entry, so a later delete must leave it.
    updated = provider.update(created.id, created.outs, props(NODEGROUP_ARN, kubeconfig='{"kind": "Config"}'))
    assert updated.outs is not None and updated.outs["adopted"] is True
    provider.delete(created.id, updated.outs)
    assert roles(api) == [shared, FARGATE_ENTRY]


def test_the_provider_talks_to_the_cluster_of_the_kubeconfig_it_is_given(api: FakeCoreV1Api) -> None:
    asked: list[str] = []

    def factory(kubeconfig: str) -> FakeCoreV1Api:
        asked.append(kubeconfig)
        return api

    provider = AwsAuthRoleMappingProvider(api_factory=factory, conflict_backoff_seconds=0)
    created = provider.create(props(kubeconfig='{"for": "create"}'))
    assert created.outs is not None
    provider.update(created.id, created.outs, props(kubeconfig='{"for": "update"}', groups=["system:nodes"]))
    provider.read(created.id, props(kubeconfig='{"for": "refresh"}', adopted=False))
    provider.delete(created.id, props(kubeconfig='{"for": "delete"}', adopted=False))
    assert asked == ['{"for": "create"}', '{"for": "update"}', '{"for": "refresh"}', '{"for": "delete"}']


def test_conflicts_back_off_longer_each_time_before_retrying(
    api: FakeCoreV1Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})

    api.before_write += [someone_else_writes, someone_else_writes]
    provider = AwsAuthRoleMappingProvider(api_factory=lambda _kubeconfig: api, conflict_backoff_seconds=0.5)
    provider.create(props())
    assert api.conflicts == 2
    assert slept == [0.5, 1.0]
    assert roles(api) == [NODEGROUP_ENTRY, node_role_mapping(KARPENTER_ARN)]


def test_provider_serializes_for_pulumi_and_round_trips() -> None:
    provider = AwsAuthRoleMappingProvider()
    blob = pulumi.dynamic.dynamic.serialize_provider(provider)
    restored = pickle.loads(base64.b64decode(blob))
    assert isinstance(restored, AwsAuthRoleMappingProvider)
    assert restored.api_factory is core_v1_api
    assert restored.max_attempts == provider.max_attempts
    # Plain pickle is stricter than Pulumi's dill: it fails on clients, pools and locks.
    assert pickle.loads(pickle.dumps(provider)).api_factory is core_v1_api


UNPICKLE_LIKE_THE_PROVIDER_HOST = """
import base64, json, sys
import dill
import pulumi.dynamic

provider = dill.loads(base64.b64decode(sys.stdin.read()))
cls = type(provider)
print(json.dumps({
    "class": f"{cls.__module__}.{cls.__qualname__}",
    "module_file": sys.modules[cls.__module__].__file__,
    "api_factory": f"{provider.api_factory.__module__}.{provider.api_factory.__qualname__}",
    "own": sorted(m for m in ("read", "create", "update", "delete", "diff", "check")
                  if getattr(cls, m) is not getattr(pulumi.dynamic.ResourceProvider, m)),
    "kubernetes_loaded": "kubernetes" in sys.modules,
}))
"""


def test_the_provider_in_a_stacks_state_unpickles_in_a_fresh_provider_host_process(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The `__provider` the program registers is what the stack's state keeps and what
    `pulumi-resource-pulumi-python` later unpickles to refresh and delete: pulumi/dynamic/__main__.py
    `get_provider` does `dill.loads(base64.b64decode(providerStr))` in a process of its own, in the
    program's venv with the program's folder as working directory. dill pickles the class and
    `api_factory` by reference to their module path (pulumi/dynamic/dynamic.py `serialize_provider`),
    so moving or renaming either breaks refresh and destroy on every existing stack. Here the process is
    fresh, runs in another folder, and has only the project on PYTHONPATH, as an installed package would."""
    serialized: list[str] = []
    record = offline_monitor.RecordingMonitor.RegisterResource

    def keep_the_provider(self: offline_monitor.RecordingMonitor, request: Any) -> Any:
        if request.type == "pulumi-python:dynamic:Resource":
            serialized.append(pulumi.runtime.rpc.deserialize_properties(request.object)["__provider"])
        return record(self, request)

    monkeypatch.setattr(offline_monitor.RecordingMonitor, "RegisterResource", keep_the_provider)
    result = run({"nodeAccess": "aws-auth"}, facts=facts_with(authentication_mode="CONFIG_MAP"))
    assert [r.name for r in result.of_type("pulumi-python:dynamic:Resource")] == ["node-access-aws-auth"]
    (blob,) = serialized

    project = Path(__file__).resolve().parents[2]
    host = subprocess.run(
        [sys.executable, "-c", UNPICKLE_LIKE_THE_PROVIDER_HOST],
        input=blob,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(project), "PATH": os.environ.get("PATH", "")},
        check=False,
    )
    assert host.returncode == 0, host.stderr
    found = json.loads(host.stdout)
    assert found["class"] == "karpenter.aws.aws_auth_provider.AwsAuthRoleMappingProvider"
    assert Path(found["module_file"]) == project / "karpenter" / "aws" / "aws_auth_provider.py"
    assert found["api_factory"] == "karpenter.aws.aws_auth_client.core_v1_api"
    assert found["own"] == ["check", "create", "delete", "diff", "read", "update"]
    # The client loads when the provider talks to the cluster, not when the host unpickles it.
    assert found["kubernetes_loaded"] is False


# --- refresh: read --------------------------------------------------------------------
#
# `pulumi refresh` calls Read with the state's outputs (pulumi/dynamic/__main__.py `Read`:
# "On refresh the engine passes prior outputs in `properties`") and stores what it returns.


def program_inputs(role_arn: str = KARPENTER_ARN) -> dict[str, Any]:
    """What the program declares on every `up`, as Check hands it on."""
    return props(role_arn)


def test_refresh_after_another_tool_removed_our_entry_reports_it_gone(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    """A blank id means the resource no longer exists: the engine drops it from the state
    (pulumi/pulumi pkg/resource/deploy/step.go `RefreshStep.Apply`: "If the ID is blank treat this as
    a delete"; docs/architecture/providers/implementers-guide.md, Refresh step 2), so the next `up`
    creates it again. The outs stay a dict: pulumi/dynamic/__main__.py `Read` sets
    `outs[PROVIDER_KEY]` on them whatever the id."""
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})
    created = provider.create(program_inputs())
    assert created.outs is not None
    api.put("kube-system", "aws-auth", {"mapRoles": remove_role_mappings(api.data()["mapRoles"], [KARPENTER_ARN])})
    writes = api.writes

    refreshed = provider.read(created.id, created.outs)

    assert refreshed.id == ""
    assert refreshed.outs == {}
    assert api.writes == writes
    assert roles(api) == [NODEGROUP_ENTRY]


@pytest.mark.parametrize("style", ["block", "flow", "json"])
def test_refresh_after_the_whole_config_map_was_rewritten_without_our_entry_reports_it_gone(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider, style: str
) -> None:
    """eksctl and other tools write all of mapRoles in their own format, dropping entries they do not
    know; a blank id from Read is the engine's "gone" (pulumi/pulumi pkg/resource/deploy/step.go
    `RefreshStep.Apply`), which the next `up` recreates."""
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or ""})
    created = provider.create(program_inputs())
    assert created.outs is not None
    api.put("kube-system", "aws-auth", {"mapRoles": render([FARGATE_ENTRY, NODEGROUP_ENTRY], style) or ""})

    refreshed = provider.read(created.id, created.outs)

    assert refreshed.id == ""
    assert api.field_managers == [("replace", "pulumi-karpenter-aws-auth")]  # create's write only


def test_refresh_with_the_config_map_missing_reports_the_entry_gone(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    """No aws-auth at all is no entry: a blank id (pulumi/pulumi pkg/resource/deploy/step.go
    `RefreshStep.Apply`), and no ConfigMap is created by a refresh."""
    created = provider.create(program_inputs())
    assert created.outs is not None
    del api.store[("kube-system", "aws-auth")]

    refreshed = provider.read(created.id, created.outs)

    assert refreshed.id == ""
    assert api.store == {}


def test_refresh_after_someone_changed_our_groups_records_them_so_the_next_up_puts_ours_back(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    """Read's outs become the state's outputs while the inputs stay the program's (ReadResult.inputs
    left None: pulumi/dynamic/dynamic.py "If not provided, inputs will remain unchanged"). The engine
    then calls Diff with the outputs as olds and the program's inputs as news, on refresh
    (docs/architecture/providers/implementers-guide.md, Refresh step 4) and again on the next `up`
    (pkg/resource/deploy/step_generator.go `diffResource`, `Olds: OldOutputs`), and updates."""
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or "", "mapUsers": MAP_USERS})
    created = provider.create(program_inputs())
    assert created.outs is not None
    changed = {"rolearn": KARPENTER_ARN, "username": "karpenter", "groups": ["system:masters"]}
    api.put("kube-system", "aws-auth", {"mapRoles": render([NODEGROUP_ENTRY, changed], "block") or ""})
    writes = api.writes

    refreshed = provider.read(created.id, created.outs)
    assert api.writes == writes
    assert refreshed.id == created.id
    assert refreshed.outs == {**created.outs, "username": "karpenter", "groups": ["system:masters"]}
    assert refreshed.inputs is None

    drift = provider.diff(created.id, refreshed.outs, program_inputs())
    assert (drift.changes, drift.replaces) == (True, [])
    updated = provider.update(created.id, refreshed.outs, program_inputs())
    assert roles(api) == [NODEGROUP_ENTRY, node_role_mapping(KARPENTER_ARN)]
    assert updated.outs is not None and updated.outs["adopted"] is False


@pytest.mark.parametrize("adopted", [False, True], ids=["ours", "adopted"])
def test_refresh_with_nothing_changed_keeps_the_state_as_it_was(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider, adopted: bool
) -> None:
    """Unchanged outs mean no drift (docs/architecture/providers/implementers-guide.md, Refresh step 5).
    They keep `adopted`, which decides whether destroy removes the entry, and the kubeconfig, which
    delete reads from the state (pulumi/dynamic/__main__.py `Delete` passes `request.properties`)."""
    role_arn = NODEGROUP_ARN if adopted else KARPENTER_ARN
    api.seed({"mapRoles": render([node_role_mapping(NODEGROUP_ARN), FARGATE_ENTRY], "block") or ""})
    created = provider.create(program_inputs(role_arn))
    assert created.outs is not None and created.outs["adopted"] is adopted
    state = {**created.outs, "__provider": "blob"}
    writes = api.writes

    refreshed = provider.read(created.id, state)

    assert (refreshed.id, refreshed.outs) == (created.id, state)
    assert api.writes == writes
    assert provider.diff(created.id, state, program_inputs(role_arn)).changes is False


def test_refresh_of_unparseable_map_roles_fails_instead_of_guessing(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    # Reporting the entry gone would make the next `up` try to merge into content it cannot read.
    created = provider.create(program_inputs())
    assert created.outs is not None
    api.put("kube-system", "aws-auth", {"mapRoles": "rolearn: not-a-list\n"})
    with pytest.raises(ValueError, match="must be a YAML list"):
        provider.read(created.id, created.outs)
    assert api.data() == {"mapRoles": "rolearn: not-a-list\n"}


def test_create_then_removal_then_refresh_then_up_restores_our_entry_and_leaves_others_alone(
    api: FakeCoreV1Api, provider: AwsAuthRoleMappingProvider
) -> None:
    """The whole cycle as the engine runs it: refresh drops a resource whose Read returns a blank id
    from the state (pulumi/pulumi pkg/resource/deploy/step.go `RefreshStep.New` returns nil when
    `isDeleted`), so the next `up` finds no old state for it and calls Create with the program's inputs."""
    api.seed({"mapRoles": render([NODEGROUP_ENTRY], "block") or "", "mapUsers": MAP_USERS})
    created = provider.create(program_inputs())
    assert created.outs is not None

    rewritten = {"mapRoles": render([NODEGROUP_ENTRY, FARGATE_ENTRY], "json") or "", "mapUsers": MAP_USERS}
    api.put("kube-system", "aws-auth", rewritten)
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.id == ""

    # Another writer saves aws-auth between our read and our write: the retry keeps their change too.
    api.before_write.append(someone_else_writes)
    recreated = provider.create(program_inputs())

    assert recreated.id == created.id
    assert roles(api) == [NODEGROUP_ENTRY, FARGATE_ENTRY, node_role_mapping(KARPENTER_ARN)]
    assert api.data()["mapUsers"] == MAP_USERS
    assert recreated.outs is not None and recreated.outs["adopted"] is False
    assert provider.read(recreated.id, recreated.outs).outs == recreated.outs


# --- the real seam, offline -----------------------------------------------------------


def test_core_v1_api_loads_an_exec_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = tmp_path / "aws"
    credential = {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "status": {"token": "k8s-aws-v1.fake"},
    }
    fake_aws.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(credential)}\nEOF\n")
    fake_aws.chmod(fake_aws.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path), prepend=":")
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "demo", "cluster": {"server": "https://demo.eks.example"}}],
        "contexts": [{"name": "demo", "context": {"cluster": "demo", "user": "aws"}}],
        "current-context": "demo",
        "users": [
            {
                "name": "aws",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", "demo"],
                    }
                },
            }
        ],
    }
    api = core_v1_api(json.dumps(kubeconfig))
    configuration = api.api_client.configuration  # type: ignore[attr-defined]
    assert configuration.host == "https://demo.eks.example"
    assert configuration.api_key["BearerToken"] == "Bearer k8s-aws-v1.fake"


# --- resource under Pulumi mocks ------------------------------------------------------


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        self.resources.append(args)
        return f"{args.name}-id", {**args.inputs, "adopted": False}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Iterator[RecordingMocks]:
    # Set per test, not at import: other test modules install their own mocks.
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, preview=False)
    yield recording


@pulumi.runtime.test
def test_resource_registers_as_a_dynamic_resource_with_role_arn_input(
    mocks: RecordingMocks,
) -> pulumi.Output[Any]:
    mapping = AwsAuthRoleMapping(
        "karpenter-node-role",
        AwsAuthRoleMappingArgs(role_arn=KARPENTER_ARN, kubeconfig='{"apiVersion": "v1"}'),
    )
    ops = AwsAuthRoleMapping(
        "ops-role",
        AwsAuthRoleMappingArgs(role_arn=NODEGROUP_ARN, kubeconfig='{"apiVersion": "v1"}', groups=["ops"]),
    )

    def check(values: list[Any]) -> None:
        # Both mappings' outputs are awaited, so both are registered by now.
        role_arn, adopted, _ = values
        assert role_arn == KARPENTER_ARN
        assert adopted is False
        registered = {r.name: r for r in mocks.resources}
        assert registered["karpenter-node-role"].typ == "pulumi-python:dynamic:Resource"
        inputs = {k: v for k, v in registered["karpenter-node-role"].inputs.items() if k != "__provider"}
        assert inputs == {
            "role_arn": KARPENTER_ARN,
            "kubeconfig": '{"apiVersion": "v1"}',
            "namespace": "kube-system",
            "name": "aws-auth",
            "username": "system:node:{{EC2PrivateDNSName}}",
            "groups": ["system:bootstrappers", "system:nodes"],
        }
        assert registered["ops-role"].inputs["groups"] == ["ops"]

    return pulumi.Output.all(mapping.role_arn, mapping.adopted, ops.role_arn).apply(check)


@pulumi.runtime.test
def test_resource_carries_the_aws_auth_provider_for_the_engine_to_run(mocks: RecordingMocks) -> pulumi.Output[Any]:
    mapping = AwsAuthRoleMapping(
        "karpenter-node-role",
        AwsAuthRoleMappingArgs(role_arn=KARPENTER_ARN, kubeconfig='{"apiVersion": "v1"}'),
    )

    def check(_role_arn: str) -> None:
        (registered,) = mocks.resources
        provider = pickle.loads(base64.b64decode(registered.inputs["__provider"]))
        assert isinstance(provider, AwsAuthRoleMappingProvider)
        assert provider.api_factory is core_v1_api

    return mapping.role_arn.apply(check)
