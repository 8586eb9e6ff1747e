"""What each component registers as its outputs: the values `pulumi stack` shows under it, and what
a program that builds on a component reads back from the state."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from karpenter import ClusterInputs, Karpenter, KarpenterArgs
from karpenter.aws.discovery_tags import DiscoveryTags, DiscoveryTagsArgs, plan_tags, subnet_tags
from karpenter.offline import program
from karpenter.offline.program import SynthResult
from tests.conftest import Run, facts_with

ACCOUNT = "123456789012"
SUBNETS = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]
SECURITY_GROUP = "sg-0a1b2c3d4e5f6a7b8"


def registered(result: SynthResult, name: str, typ: str) -> dict[str, Any]:
    return result.component_outputs[result.named(name, typ).urn]


def test_the_discovery_tags_register_the_subnets_and_the_security_group_they_tag(run: Run) -> None:
    result = run()
    assert registered(result, "discovery", "karpenter:discovery_tags:DiscoveryTags") == {
        "subnetIds": SUBNETS,
        "securityGroupId": SECURITY_GROUP,
    }


def test_each_identity_registers_its_role(run: Run) -> None:
    result = run()
    assert registered(result, "node", "karpenter:node_identity:NodeIdentity") == {
        "roleName": "karpenter-node-role-dev",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/karpenter-node-role-dev",
        "instanceProfileName": "karpenter-instance-profile-dev",
    }
    assert registered(result, "controller", "karpenter:controller_identity:ControllerIdentity") == {
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/karpenter-controller-role-dev",
    }
    assert registered(result, "spot", "karpenter:spot_role:SpotServiceLinkedRole") == {
        "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot",
    }


def test_the_queue_node_access_and_releases_register_what_they_made(run: Run) -> None:
    result = run()
    assert registered(result, "interruption", "karpenter:interruption:InterruptionQueue") == {
        "queueName": "karpenter-dev",
        "queueArn": f"arn:aws:sqs:eu-west-1:{ACCOUNT}:karpenter-dev",
    }
    assert registered(result, "node-access", "karpenter:node_access:NodeAccess") == {"method": "access-entry"}
    assert registered(result, "releases", "karpenter:releases:KarpenterReleases") == {
        "releases": ["karpenter-crd", "karpenter", "karpenter-config"],
    }


def test_the_karpenter_component_registers_the_stack_outputs(run: Run) -> None:
    result = run()
    assert registered(result, "karpenter", "karpenter:stack:Karpenter") == {
        "clusterName": "dev",
        "nodeRoleName": "karpenter-node-role-dev",
        "nodeRoleArn": f"arn:aws:iam::{ACCOUNT}:role/karpenter-node-role-dev",
        "instanceProfileName": "karpenter-instance-profile-dev",
        "controllerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/karpenter-controller-role-dev",
        "interruptionQueueName": "karpenter-dev",
        "subnetIds": SUBNETS,
        "zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        "nodeAccess": "access-entry",
        "identity": "irsa",
    }


def _given_cluster(subnets: Any) -> ClusterInputs:
    facts = facts_with()
    return ClusterInputs(
        name="dev",
        endpoint=str(facts.endpoint),
        certificate_authority=str(facts.certificate_authority),
        oidc_issuer=str(facts.oidc_issuer),
        oidc_provider_arn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/{str(facts.oidc_issuer).removeprefix('https://')}",
        subnet_ids=subnets,
        security_group_id=SECURITY_GROUP,
    )


@pytest.mark.parametrize(
    ("settings", "cluster"),
    [
        ({"clusterName": "dev"}, None),
        ({"clusterName": "dev", "interruption": False}, None),
        ({"clusterName": "dev", "identity": "pod-identity", "nodeAccess": "aws-auth"}, None),
        ({"clusterName": "dev"}, lambda: _given_cluster(SUBNETS)),
        ({"clusterName": "dev"}, lambda: _given_cluster(pulumi.Output.from_input(SUBNETS))),
    ],
    ids=["looked-up", "no-queue", "other-modes", "given-cluster", "subnets-known-when-deploying"],
)
def test_every_value_of_the_components_outputs_is_an_output(settings: dict[str, Any], cluster: Any) -> None:
    """A program applies, exports or combines each output alike, whether the value was known when the
    program ran (the cluster's name, the modes, no queue) or is computed."""
    kinds: dict[str, str] = {}

    def user_program() -> None:
        karpenter = Karpenter("karpenter", KarpenterArgs(settings, cluster=cluster() if cluster else None))
        kinds.update({name: type(value).__name__ for name, value in karpenter.outputs.items()})
        for name, value in karpenter.outputs.items():
            pulumi.export(name, value)

    facts = facts_with(pod_identity_agent=True)
    result = program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, facts, cluster_name="dev")
    assert set(kinds) == set(result.outputs) >= {"clusterName", "interruptionQueueName", "nodeAccess", "identity"}
    assert set(kinds.values()) == {"Output"}
    assert result.outputs["clusterName"] == "dev"
    queue = None if settings.get("interruption") is False else "karpenter-dev"
    assert result.outputs["interruptionQueueName"] == queue
    assert result.outputs["identity"] == settings.get("identity", "irsa")


def test_a_runbook_tag_on_a_subnet_whose_tags_are_unknown_is_created_and_kept_on_destroy() -> None:
    """A program may adopt without telling the component what tags a subnet carries: nothing is
    imported then (there is nothing known to import), and the runbook's tags still outlive a destroy."""

    def adopting_program() -> None:
        DiscoveryTags(
            "discovery",
            DiscoveryTagsArgs(
                subnet_tags={SUBNETS[0]: plan_tags("dev", subnet_tags("dev"), {}, where="subnet", config_key="k")},
                security_group_id=SECURITY_GROUP,
                security_group_tags={},
                adopt=True,
            ),
        )

    result = program.run_mocked(adopting_program, "test", {"aws:region": "eu-west-1"}, facts_with(), cluster_name="dev")
    tags = {r.name: (r.inputs["key"], r.options) for r in result.of_type("aws:ec2/tag:Tag")}
    assert tags == {
        f"discovery-{SUBNETS[0]}-added-tags": ("pulumi-karpenter/added/dev", {"deleteBeforeReplace": True}),
        f"discovery-{SUBNETS[0]}-cluster": ("kubernetes.io/cluster/dev", {"retainOnDelete": True}),
        f"discovery-{SUBNETS[0]}-subnet": ("subnet", {"retainOnDelete": True}),
        f"discovery-{SUBNETS[0]}-discovery": ("karpenter.sh/discovery", {}),
    }
