"""Attaching to an existing cluster: subnets, zones, discovery tags, node access, spot role,
interruption queue and stack outputs, under the mock engine."""

from __future__ import annotations

import json

import pytest

from karpenter.config.errors import ConfigError
from tests.conftest import Run, facts_with, policy

PRIVATE = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]
PUBLIC = ["subnet-0a1b2c3d4e5f6a7b4", "subnet-0a1b2c3d4e5f6a7b5", "subnet-0a1b2c3d4e5f6a7b6"]


def _tags(result) -> dict[tuple[str, str], str]:
    return {(t.inputs["resourceId"], t.inputs["key"]): t.inputs["value"] for t in result.of_type("aws:ec2/tag:Tag")}


def test_private_subnets_are_chosen_by_default_and_give_the_zones(run: Run) -> None:
    result = run()
    assert result.outputs["subnetIds"] == PRIVATE
    assert result.outputs["zones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_configured_subnets_limit_the_zones(run: Run) -> None:
    result = run({"subnetIds": PRIVATE[:2]})
    assert result.outputs["subnetIds"] == PRIVATE[:2]
    assert result.outputs["zones"] == ["eu-west-1a", "eu-west-1b"]


def test_a_pool_zone_the_subnets_do_not_cover_is_refused(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run({"subnetIds": PRIVATE[:2], "nodePools": {"cpu": {"zones": ["eu-west-1a", "eu-west-1c"]}}})
    assert str(refused.value) == (
        "karpenter:nodePools.cpu.zones[1]: 'eu-west-1c' is not one of eu-west-1a, eu-west-1b (the zones of the node "
        "subnets)"
    )


def test_a_subnet_outside_the_cluster_is_refused(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run({"subnetIds": ["subnet-0fffffffffffffff0"]})
    assert str(refused.value) == (
        "karpenter:subnetIds[0]: 'subnet-0fffffffffffffff0' is not a subnet of cluster 'dev'; its subnets are "
        + ", ".join([*PRIVATE, *PUBLIC])
    )


def test_a_cluster_with_only_public_subnets_is_refused(run: Run) -> None:
    facts = facts_with()
    public_only = facts.model_copy(update={"subnets": [s for s in facts.subnets if s.public]})
    with pytest.raises(ConfigError) as refused:
        run(facts=public_only)
    assert str(refused.value) == (
        "karpenter:subnetIds: cluster 'dev' has no private subnets, and nodes go only into private ones; "
        "add a private subnet to the cluster"
    )


def test_a_public_subnet_named_for_nodes_is_refused(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run({"subnetIds": [PRIVATE[0], PUBLIC[1]]})
    assert str(refused.value) == (
        f"karpenter:subnetIds[1]: {PUBLIC[1]!r} is a public subnet (it maps public IPs on launch), so nodes "
        "launched there would get public IPs; name private subnets"
    )


def test_each_node_subnet_gets_three_tags_and_the_security_group_one(run: Run) -> None:
    result = run()
    tags = _tags(result)
    for subnet in PRIVATE:
        assert tags[(subnet, "kubernetes.io/cluster/dev")] == "shared"
        assert tags[(subnet, "subnet")] == "private"
        assert tags[(subnet, "karpenter.sh/discovery")] == "dev"
    assert tags[("sg-0a1b2c3d4e5f6a7b8", "karpenter.sh/discovery")] == "dev"
    # And on each, the marker naming the tags the stack added (all of them: the facts carry none).
    for subnet in PRIVATE:
        assert tags[(subnet, "pulumi-karpenter/added/dev")] == "karpenter.sh/discovery kubernetes.io/cluster/dev subnet"
    assert tags[("sg-0a1b2c3d4e5f6a7b8", "pulumi-karpenter/added/dev")] == "karpenter.sh/discovery"
    assert len(tags) == 4 * len(PRIVATE) + 2
    assert not any(subnet in PUBLIC for subnet, _ in tags)
    # The stack owns tags, never the subnets or the group themselves.
    assert result.of_type("aws:ec2/subnet:Subnet") == []
    assert result.of_type("aws:ec2/securityGroup:SecurityGroup") == []


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("API", "access-entry"), ("API_AND_CONFIG_MAP", "access-entry"), ("CONFIG_MAP", "aws-auth")],
)
@pytest.mark.parametrize("identity", ["irsa", "pod-identity"])
def test_auto_node_access_follows_the_authentication_mode(run: Run, mode: str, expected: str, identity: str) -> None:
    result = run({"identity": identity}, facts=facts_with(authentication_mode=mode))
    assert result.outputs["nodeAccess"] == expected
    entries = result.of_type("aws:eks/accessEntry:AccessEntry")
    mappings = result.of_type("pulumi-python:dynamic:Resource")
    node_role = result.named("node-role")
    if expected == "access-entry":
        (entry,) = entries
        assert mappings == []
        assert entry.inputs["type"] == "EC2_LINUX"
        assert entry.inputs["clusterName"] == "dev"
        assert entry.inputs["principalArn"] == "arn:aws:iam::123456789012:role/karpenter-node-role-dev"
        assert node_role.urn in entry.dependencies
    else:
        (mapping,) = mappings
        assert entries == []
        assert mapping.inputs["role_arn"] == "arn:aws:iam::123456789012:role/karpenter-node-role-dev"
        assert mapping.inputs["groups"] == ["system:bootstrappers", "system:nodes"]
        assert mapping.inputs["username"] == "system:node:{{EC2PrivateDNSName}}"
        assert (mapping.inputs["namespace"], mapping.inputs["name"]) == ("kube-system", "aws-auth")
        assert node_role.urn in mapping.dependencies
        kubeconfig = json.loads(mapping.inputs["kubeconfig"])
        assert kubeconfig["clusters"][0]["cluster"]["server"] == facts_with().endpoint
        command = kubeconfig["users"][0]["user"]["exec"]
        assert [command["command"], *command["args"]] == [
            "aws",
            "eks",
            "get-token",
            "--cluster-name",
            "dev",
            "--region",
            "eu-west-1",
        ]
        # Never a resource that owns the whole shared ConfigMap.
        assert result.of_type("kubernetes:core/v1:ConfigMap") == []
        assert result.of_type("kubernetes:core/v1:ConfigMapPatch") == []


@pytest.mark.parametrize(("requested", "mode"), [("access-entry", "CONFIG_MAP"), ("aws-auth", "API")])
def test_node_access_that_cannot_work_on_the_cluster_is_refused(run: Run, requested: str, mode: str) -> None:
    with pytest.raises(ConfigError, match=rf"^karpenter:nodeAccess: '{requested}' does not work"):
        run({"nodeAccess": requested}, facts=facts_with(authentication_mode=mode))


def test_explicit_aws_auth_on_a_mixed_cluster_maps_the_role(run: Run) -> None:
    result = run({"nodeAccess": "aws-auth"}, facts=facts_with(authentication_mode="API_AND_CONFIG_MAP"))
    assert len(result.of_type("pulumi-python:dynamic:Resource")) == 1
    assert result.of_type("aws:eks/accessEntry:AccessEntry") == []


def test_existing_spot_role_is_adopted_and_never_deleted(run: Run) -> None:
    result = run(facts=facts_with(spot_service_linked_role_exists=True))
    (role,) = result.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["awsServiceName"] == "spot.amazonaws.com"
    assert role.options["retainOnDelete"] is True
    assert role.options["importId"] == (
        "arn:aws:iam::123456789012:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot"
    )
    # AWS sets these on the role it made; a difference must neither fail the import nor plan an update.
    assert role.options["ignoreChanges"] == ["customSuffix", "description", "tags", "tagsAll"]


def test_missing_spot_role_is_created_and_kept_on_destroy(run: Run) -> None:
    result = run(facts=facts_with(spot_service_linked_role_exists=False))
    (role,) = result.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.options["retainOnDelete"] is True
    assert "importId" not in role.options


def test_spot_role_skip_leaves_the_account_alone(run: Run) -> None:
    assert run({"spotServiceLinkedRole": "skip"}).of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole") == []


def test_interruption_queue_is_short_lived_and_encrypted(run: Run) -> None:
    result = run()
    (queue,) = result.of_type("aws:sqs/queue:Queue")
    assert queue.inputs["name"] == "karpenter-dev"
    assert queue.inputs["messageRetentionSeconds"] == 300
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert result.outputs["interruptionQueueName"] == "karpenter-dev"


def test_a_100_character_cluster_gets_a_queue_name_within_80(run: Run) -> None:
    result = run({"clusterName": "q" * 100})
    (queue,) = result.of_type("aws:sqs/queue:Queue")
    assert len(queue.inputs["name"]) <= 80
    for rule in result.of_type("aws:cloudwatch/eventRule:EventRule"):
        assert len(rule.inputs["name"]) <= 64


def test_queue_policy_admits_eventbridge_and_sqs_and_denies_plain_http(run: Run) -> None:
    result = run()
    (queue_policy,) = result.of_type("aws:sqs/queuePolicy:QueuePolicy")
    document = policy(queue_policy)
    allow = [s for s in document["Statement"] if s["Effect"] == "Allow"]
    deny = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    services = {service for s in allow for service in s["Principal"]["Service"]}
    assert services == {"events.amazonaws.com", "sqs.amazonaws.com"}
    assert all(s["Resource"] == "arn:aws:sqs:eu-west-1:123456789012:karpenter-dev" for s in allow)
    (no_tls,) = deny
    assert no_tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert result.named("interruption-queue").urn in queue_policy.dependencies


def test_each_interruption_rule_has_a_name_of_its_own(run: Run) -> None:
    names = [rule.inputs["name"] for rule in run().of_type("aws:cloudwatch/eventRule:EventRule")]
    assert names == [
        "karpenter-dev-health",
        "karpenter-dev-spot-interruption",
        "karpenter-dev-rebalance",
        "karpenter-dev-state-change",
        "karpenter-dev-capacity-reservation",
    ]


def test_five_event_rules_target_the_queue(run: Run) -> None:
    result = run()
    patterns = sorted(
        (p["source"][0], p["detail-type"][0])
        for p in (json.loads(r.inputs["eventPattern"]) for r in result.of_type("aws:cloudwatch/eventRule:EventRule"))
    )
    assert patterns == [
        ("aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"),
        ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
        ("aws.ec2", "EC2 Instance State-change Notification"),
        ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
        ("aws.health", "AWS Health Event"),
    ]
    targets = result.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert len(targets) == 5
    queue = result.named("interruption-queue")
    for target in targets:
        assert target.inputs["arn"] == "arn:aws:sqs:eu-west-1:123456789012:karpenter-dev"
        assert queue.urn in target.dependencies


def test_interruption_rules_say_whose_they_are_and_deliver_once_the_queue_admits_eventbridge(run: Run) -> None:
    result = run()
    descriptions = [rule.inputs["description"] for rule in result.of_type("aws:cloudwatch/eventRule:EventRule")]
    assert descriptions == ["Karpenter interruption events for EKS cluster dev"] * 5
    (queue_policy,) = result.of_type("aws:sqs/queuePolicy:QueuePolicy")
    targets = result.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert [target.inputs["targetId"] for target in targets] == ["karpenter-interruption-queue"] * 5
    # Without the policy in place first, EventBridge's first deliveries would be refused.
    assert [queue_policy.urn in target.dependencies for target in targets] == [True] * 5


def test_stack_outputs_name_what_other_tools_need(run: Run) -> None:
    outputs = run().outputs
    assert outputs == {
        "clusterName": "dev",
        "nodeRoleName": "karpenter-node-role-dev",
        "nodeRoleArn": "arn:aws:iam::123456789012:role/karpenter-node-role-dev",
        "instanceProfileName": "karpenter-instance-profile-dev",
        "controllerRoleArn": "arn:aws:iam::123456789012:role/karpenter-controller-role-dev",
        "interruptionQueueName": "karpenter-dev",
        "subnetIds": PRIVATE,
        "zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        "nodeAccess": "access-entry",
        "identity": "irsa",
    }


def test_unknown_cluster_is_refused_naming_the_key(run: Run) -> None:
    import pulumi

    with pytest.raises(pulumi.RunError) as refused:
        run({"clusterName": "nope"}, facts=facts_with(cluster_name="dev"))
    assert str(refused.value) == (
        "karpenter:clusterName: EKS cluster 'nope' was not found in eu-west-1: invoke of "
        "aws:eks/getCluster:getCluster failed: couldn't find resource: EKS cluster nope (name)"
    )


def _with_subnet_tags(tags: dict[str, str]):
    facts = facts_with()
    subnets = [s.model_copy(update={"tags": tags}) if s.id == PRIVATE[0] else s for s in facts.subnets]
    return facts.model_copy(update={"subnets": subnets})


def test_a_tag_someone_else_set_to_another_value_is_left_alone(run: Run) -> None:
    result = run(facts=_with_subnet_tags({"kubernetes.io/cluster/dev": "owned", "subnet": "private"}))
    tags = _tags(result)
    # Not overwritten to "shared" now, nor deleted on destroy: the stack declares no tag for it.
    assert (PRIVATE[0], "kubernetes.io/cluster/dev") not in tags
    assert tags[(PRIVATE[0], "subnet")] == "private"
    assert tags[(PRIVATE[0], "karpenter.sh/discovery")] == "dev"
    assert tags[(PRIVATE[1], "kubernetes.io/cluster/dev")] == "shared"


def test_a_subnet_another_clusters_karpenter_discovers_is_refused(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run(facts=_with_subnet_tags({"karpenter.sh/discovery": "prod"}))
    assert str(refused.value) == (
        f"karpenter:subnetIds: subnet {PRIVATE[0]} is tagged karpenter.sh/discovery=prod, so another cluster's "
        "Karpenter selects it for its nodes; give this cluster other subnets, or retag that one"
    )


def test_a_security_group_another_clusters_karpenter_uses_is_refused(run: Run) -> None:
    facts = facts_with(cluster_security_group_tags={"karpenter.sh/discovery": "prod"})
    with pytest.raises(ConfigError) as refused:
        run(facts=facts)
    assert str(refused.value) == (
        "karpenter:clusterName: the cluster security group is tagged karpenter.sh/discovery=prod, so another "
        "cluster's Karpenter selects it for its nodes; retag it, or remove the tag if that cluster is gone"
    )
    assert (
        _tags(run(facts=facts_with(cluster_security_group_tags={"karpenter.sh/discovery": "dev"})))[
            ("sg-0a1b2c3d4e5f6a7b8", "karpenter.sh/discovery")
        ]
        == "dev"
    )
