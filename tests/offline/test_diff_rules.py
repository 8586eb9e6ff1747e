"""The rules behind `diff`: which inputs replace a resource, in which order, and what Karpenter does
about each change of a rendered object. Plain data in, verdicts out."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.node_pool import NodePool
from karpenter.kubernetes.pool_values import node_pool_values
from karpenter.offline.diff_command import rendered_objects
from karpenter.offline.monitor import Registration
from karpenter.offline.object_changes import (
    DRIFT,
    NEW_NODES,
    object_changes,
)
from karpenter.offline.replacements import REPLACEMENTS
from karpenter.offline.resource_changes import resource_changes
from tests.conftest import Run

# The kinds as they are written in the manifests, and the name the diff gives the device plugin's config.
NODE_POOL, NODE_CLASS, NODE_OVERLAY = "NodePool", "EC2NodeClass", "NodeOverlay"
DEVICE_PLUGIN_CONFIG = "DevicePluginConfig"


def registration(typ: str, inputs: dict[str, Any], options: dict[str, Any] | None = None) -> Registration:
    return Registration(f"urn:{typ}::x", typ, "x", True, "", [], inputs, options or {})


def test_a_tags_value_updates_in_place_and_its_key_replaces_it() -> None:
    """terraform-provider-aws internal/service/ec2/tag.go (ResourceTag): resource_id and key are
    ForceNew; value is not, and Update rewrites it."""
    tag = "aws:ec2/tag:Tag"
    base = [registration(tag, {"resourceId": "subnet-1", "key": "k", "value": "a"})]
    (value,) = resource_changes(base, [registration(tag, {"resourceId": "subnet-1", "key": "k", "value": "b"})])
    (key,) = resource_changes(base, [registration(tag, {"resourceId": "subnet-1", "key": "j", "value": "a"})])
    assert (value.action, value.keys) == ("update", ["value"])
    assert (key.action, key.replacing) == ("replace", ["key"])


def test_a_replacement_is_create_before_delete_unless_the_registration_says_otherwise() -> None:
    """Pulumi's engine creates the new resource before deleting the old one unless the resource sets
    deleteBeforeReplace (pulumi/pulumi resource options); our own added-tags markers set it."""
    tag = "aws:ec2/tag:Tag"
    base = [registration(tag, {"resourceId": "sg-1", "key": "k", "value": "v"})]
    plain = registration(tag, {"resourceId": "sg-2", "key": "k", "value": "v"})
    first = registration(tag, {"resourceId": "sg-2", "key": "k", "value": "v"}, {"deleteBeforeReplace": True})
    assert resource_changes(base, [plain])[0].as_data()["order"] == "create-before-delete"
    assert resource_changes(base, [first])[0].as_data()["order"] == "delete-before-replace"


def test_an_iam_policys_description_replaces_it_but_its_document_updates_in_place() -> None:
    """pulumi/terraform-provider-aws internal/service/iam/policy.go: description, path, name and
    name_prefix are ForceNew; policy is updated with a new default version."""
    policy = "aws:iam/policy:Policy"
    base = [registration(policy, {"name": "p", "description": "a", "policy": "{}"})]
    (document,) = resource_changes(base, [registration(policy, {"name": "p", "description": "a", "policy": "[]"})])
    (described,) = resource_changes(base, [registration(policy, {"name": "p", "description": "b", "policy": "{}"})])
    assert document.action == "update"
    assert described.action == "replace"


def test_a_helm_release_is_replaced_for_its_name_or_namespace_only() -> None:
    """pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go Diff: name and namespace
    replace, with DeleteBeforeReplace false; every other input, values included, upgrades in place."""
    assert REPLACEMENTS["kubernetes:helm.sh/v3:Release"].properties == {"name", "namespace"}
    assert not REPLACEMENTS["kubernetes:helm.sh/v3:Release"].delete_first


@pytest.mark.parametrize(
    "config",
    [{}, {"identity": "pod-identity"}, {"nodeAccess": "aws-auth"}],
    ids=["irsa-access-entry", "pod-identity", "aws-auth"],
)
def test_every_resource_type_the_program_registers_has_replacement_data(run: Run, config: dict[str, Any]) -> None:
    # Only the provider resource has no replacing inputs of its own.
    types = {r.type for r in run(config).resources if r.custom and not r.type.startswith("pulumi:providers:")}
    assert types - set(REPLACEMENTS) == set()


def _pool(requirements: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    template = {"spec": {"nodeClassRef": {"name": "default"}, "requirements": requirements, **spec}}
    return {"kind": NODE_POOL, "metadata": {"name": "cpu"}, "spec": {"template": template}}


def _categories(*values: str) -> list[dict[str, Any]]:
    return [{"key": "karpenter.k8s.aws/instance-category", "operator": "In", "values": list(values)}]


@pytest.mark.parametrize(
    ("before", "after", "effect"),
    [
        (_categories("c", "m"), _categories("c"), DRIFT),
        (_categories("c"), _categories("c", "m"), NEW_NODES),
        (_categories("c"), [], NEW_NODES),
        ([], _categories("c"), DRIFT),
        (
            [{"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["2"]}],
            [{"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["5"]}],
            DRIFT,
        ),
    ],
    ids=["narrowed", "widened", "dropped", "added", "generation-raised"],
)
def test_requirements_drift_only_nodes_they_no_longer_admit(
    before: list[dict[str, Any]], after: list[dict[str, Any]], effect: str
) -> None:
    """kubernetes-sigs/karpenter pkg/apis/v1/nodepool.go: requirements carry `hash:"ignore"`; drift.go
    drifts a NodeClaim whose labels no longer meet the NodePool's requirements."""
    (change,) = object_changes({(NODE_POOL, "cpu"): _pool(before)}, {(NODE_POOL, "cpu"): _pool(after)})
    assert change.effect == effect


def test_limits_drift_nothing_but_the_template_drifts_every_node() -> None:
    """kubernetes-sigs/karpenter pkg/apis/v1/nodepool.go: `Hash()` hashes spec.template only (limits,
    weight and disruption lie outside it; budgets carry `hash:"ignore"`)."""
    base = _pool([]) | {"spec": {**_pool([])["spec"], "limits": {"cpu": "10"}}}
    limits = _pool([]) | {"spec": {**_pool([])["spec"], "limits": {"cpu": "20"}}}
    expiry = _pool([], expireAfter="24h")
    (more,) = object_changes({(NODE_POOL, "cpu"): base}, {(NODE_POOL, "cpu"): limits})
    (expiring,) = object_changes({(NODE_POOL, "cpu"): _pool([])}, {(NODE_POOL, "cpu"): expiry})
    assert (more.effect, expiring.effect) == (NEW_NODES, DRIFT)


def test_a_node_class_change_names_the_pools_using_it_and_ip_prefixes_drift_nothing() -> None:
    """aws/karpenter-provider-aws pkg/apis/v1/ec2nodeclass.go: ipPrefixCount carries `hash:"ignore"`;
    userData is hashed, so a change drifts every node launched from the class."""
    pools = {(NODE_POOL, "cpu"): _pool([]), (NODE_POOL, "other"): _pool([]) | {"metadata": {"name": "other"}}}

    def node_class(**spec: Any) -> dict[str, Any]:
        return {"kind": NODE_CLASS, "metadata": {"name": "default"}, "spec": spec}

    base = {**pools, (NODE_CLASS, "default"): node_class(userData="a", ipPrefixCount=1)}
    (prefixes,) = object_changes(base, {**pools, (NODE_CLASS, "default"): node_class(userData="a", ipPrefixCount=2)})
    (user_data,) = object_changes(base, {**pools, (NODE_CLASS, "default"): node_class(userData="b", ipPrefixCount=1)})
    assert prefixes.effect == NEW_NODES
    assert (user_data.effect, user_data.pools) == (DRIFT, ["cpu", "other"])


def test_a_retired_pool_launches_nothing_and_its_template_changes() -> None:
    pool = NodePool.model_validate({"limits": {"cpu": "100"}, "retired": True})
    values = node_pool_values("cpu", pool, ["eu-west-1a"])
    assert values["limits"] == {"cpu": "0"}
    assert values["labels"] == {"karpenter-stack/retired": "true"}


def test_a_retired_static_pool_keeps_no_node() -> None:
    pool = NodePool.model_validate({"replicas": 3, "retired": True})
    values = node_pool_values("cpu", pool, ["eu-west-1a"])
    assert (values["replicas"], values["limits"]) == (0, {"nodes": "0"})


def test_synth_warns_that_a_retired_pool_awaits_removal(run: Run) -> None:
    result = run({"nodePools": {"old": {"retired": True}, "new": {}}})
    assert (
        "WARNING: karpenter:nodePools.old: retired, it launches nothing and its nodes drift to other pools; "
        "remove it once `kubectl get nodes -l karpenter.sh/nodepool=old` lists no node"
    ) in result.warnings
    assert set(result.pools.pools) == {"new"}


def test_gpu_sharing_shows_as_a_device_plugin_config_and_a_node_overlay_that_replace_no_node(run: Run) -> None:
    def rendered(replicas: int) -> dict[tuple[str, str], dict[str, Any]]:
        pool = {"gpu": True, "instanceFamilies": ["g5"], "gpuSharing": {"timeSlicing": {"replicas": replicas}}}
        return rendered_objects(run({"nodePools": {"gpu": pool}}))

    every_change = object_changes(rendered(2), rendered(4))
    changes = {(c.kind, c.action): c for c in every_change}
    config = changes[(DEVICE_PLUGIN_CONFIG, "update")]
    assert config.effect == NEW_NODES
    assert any(f.path.startswith("map.time-sliced-") for f in config.fields)
    assert {kind for kind, _ in changes} >= {DEVICE_PLUGIN_CONFIG, NODE_OVERLAY}
    assert all(change.effect != DRIFT for (kind, _), change in changes.items() if kind != NODE_POOL)
    overlay_reasons = {f.why for c in every_change if c.kind == NODE_OVERLAY for f in c.fields}
    assert overlay_reasons == {"changes what Karpenter assumes of matching instances when it launches and consolidates"}


def test_an_access_entry_is_replaced_for_its_cluster_or_type_and_a_pod_identity_association_for_its_account() -> None:
    """terraform-provider-aws internal/service/eks/access_entry.go: cluster_name, principal_arn and type
    are ForceNew (the id is cluster:principal; Update changes only groups and user name);
    pod_identity_association.go: cluster_name, namespace and service_account require replacement."""
    assert {"clusterName", "principalArn", "type"} <= REPLACEMENTS["aws:eks/accessEntry:AccessEntry"].properties
    association = REPLACEMENTS["aws:eks/podIdentityAssociation:PodIdentityAssociation"]
    assert association.properties == {"clusterName", "namespace", "serviceAccount"}
