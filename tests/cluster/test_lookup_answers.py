"""A lookup answered without a field AWS always gives (a hand-written mock's `call` returning `{}`) is
refused naming the lookup and the field, before anything is registered; not a None that fails later
inside the SDK."""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pytest

from karpenter import ClusterInputs, Karpenter, KarpenterArgs
from karpenter.cluster.answers import MOCKS_HINT, UnansweredLookup, answered
from karpenter.offline import monitor, program
from karpenter.offline.facts import OfflineInstanceProfile, OfflineRole
from karpenter.offline.mocks import OfflineMocks
from tests.conftest import Run, facts_with

FACTS = facts_with(
    existing_roles={"karpenter-node-role-dev": OfflineRole()},
    existing_instance_profiles={"karpenter-instance-profile-dev": OfflineInstanceProfile()},
)
SUBNET = "subnet-0a1b2c3d4e5f6a7b1"
ISSUER = str(FACTS.oidc_issuer)


def answering_without(monkeypatch: pytest.MonkeyPatch, token: str, path: tuple[str | int, ...]) -> None:
    """The offline mocks, with the field at `path` left out of every answer to `token`."""
    answer = OfflineMocks.call

    def leaving_out(self: OfflineMocks, args: pulumi.runtime.MockCallArgs) -> Any:
        found = answer(self, args)
        if args.token != token:
            return found
        found = copy.deepcopy(found)
        inner = found
        for step in path[:-1]:
            inner = inner[step]
        del inner[path[-1]]
        return found

    monkeypatch.setattr(OfflineMocks, "call", leaving_out)


def given_cluster(subnet_ids: Any) -> ClusterInputs:
    return ClusterInputs(
        name="dev",
        endpoint=str(FACTS.endpoint),
        certificate_authority=str(FACTS.certificate_authority),
        oidc_issuer=ISSUER,
        oidc_provider_arn=f"arn:aws:iam::123456789012:oidc-provider/{ISSUER.removeprefix('https://')}",
        subnet_ids=subnet_ids,
        security_group_id=str(FACTS.cluster_security_group_id),
    )


class AnsweringNothing(pulumi.runtime.Mocks):
    """The mocks of Pulumi's testing guide: every lookup answers `{}`, every resource its inputs."""

    def __init__(self, *_: Any) -> None:
        pass

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}_id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


CASES: list[tuple[str, tuple[str | int, ...], str, str]] = [
    ("aws:index/getPartition:getPartition", ("partition",), "", "partition"),
    ("aws:index/getRegion:getRegion", ("region",), "", "region"),
    ("aws:index/getCallerIdentity:getCallerIdentity", ("accountId",), "", "accountId"),
    ("aws:eks/getCluster:getCluster", ("endpoint",), "dev", "endpoint"),
    (
        "aws:eks/getCluster:getCluster",
        ("certificateAuthorities", 0, "data"),
        "dev",
        "certificateAuthorities[0].data",
    ),
    ("aws:eks/getCluster:getCluster", ("identities",), "dev", "identities[0].oidcs[0].issuer"),
    ("aws:eks/getCluster:getCluster", ("vpcConfig", "subnetIds"), "dev", "vpcConfig.subnetIds"),
    (
        "aws:eks/getCluster:getCluster",
        ("vpcConfig", "clusterSecurityGroupId"),
        "dev",
        "vpcConfig.clusterSecurityGroupId",
    ),
    ("aws:ec2/getSubnet:getSubnet", ("availabilityZone",), SUBNET, "availabilityZone"),
    ("aws:ec2/getSubnet:getSubnet", ("mapPublicIpOnLaunch",), SUBNET, "mapPublicIpOnLaunch"),
    ("aws:ec2/getSubnet:getSubnet", ("vpcId",), SUBNET, "vpcId"),
    ("aws:iam/getRole:getRole", ("arn",), "karpenter-node-role-dev", "arn"),
    (
        "aws:iam/getInstanceProfile:getInstanceProfile",
        ("arn",),
        "karpenter-instance-profile-dev",
        "arn",
    ),
]


@pytest.mark.parametrize(
    ("token", "path", "about", "named"),
    CASES,
    ids=[f"{token.rpartition(':')[2]}.{named}" for token, _, _, named in CASES],
)
def test_a_lookup_answered_without_a_field_the_stack_reads_is_refused_naming_both(
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    monitors: list[monitor.RecordingMonitor],
    token: str,
    path: tuple[str | int, ...],
    about: str,
    named: str,
) -> None:
    answering_without(monkeypatch, token, path)
    with pytest.raises(UnansweredLookup) as refused:
        run({"adopt": True}, facts=FACTS)
    subject = f" for {about!r}" if about else ""
    assert str(refused.value) == f"lookup {token}{subject} answered no {named}: {MOCKS_HINT}"
    assert [r.type for r in monitors[-1].registrations.values()] == []


def test_mocks_that_answer_every_lookup_with_nothing_are_told_the_first_field_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mocks most programs start from. Subnets known only when deploying are read inside an
    apply, where a None zone used to end in `TypeError: '<' not supported between instances of
    'NoneType' and 'NoneType'` raised from the SDK's serialization, with no frame of the component."""
    monkeypatch.setattr(program, "OfflineMocks", AnsweringNothing)

    def user_program() -> None:
        Karpenter(
            "karpenter",
            KarpenterArgs({"clusterName": "dev"}, cluster=given_cluster(pulumi.Output.from_input([SUBNET]))),
        )

    with pytest.raises(UnansweredLookup, match="^lookup aws:index/getPartition:getPartition answered no partition: "):
        program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, FACTS, cluster_name="dev")


def test_subnets_read_when_deploying_from_a_mock_that_leaves_out_their_zone_name_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answering_without(monkeypatch, "aws:ec2/getSubnet:getSubnet", ("availabilityZone",))

    def user_program() -> None:
        args = KarpenterArgs({"clusterName": "dev"}, cluster=given_cluster(pulumi.Output.from_input([SUBNET])))
        for name, value in Karpenter("karpenter", args).outputs.items():
            pulumi.export(name, value)

    with pytest.raises(UnansweredLookup) as refused:
        program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, FACTS, cluster_name="dev")
    assert str(refused.value) == (
        f"lookup aws:ec2/getSubnet:getSubnet for {SUBNET!r} answered no availabilityZone: {MOCKS_HINT}"
    )


def test_an_answer_holding_every_field_is_handed_back_and_an_empty_text_counts_as_missing() -> None:
    class Answer:
        def __init__(self, **fields: Any) -> None:
            self.__dict__.update(fields)

    cluster = Answer(identities=[Answer(oidcs=[Answer(issuer=ISSUER)])], vpc_config=Answer(subnet_ids=[SUBNET]))
    assert answered("t", cluster, "identities[0].oidcs[0].issuer", "vpcConfig.subnetIds") is cluster
    with pytest.raises(UnansweredLookup, match=r"^lookup t answered no identities\[1\]\.oidcs\[0\]\.issuer: "):
        answered("t", cluster, "identities[1].oidcs[0].issuer")
    with pytest.raises(UnansweredLookup, match="^lookup t for 'x' answered no region: "):
        answered("t", Answer(region=""), "region", about="x")


def test_the_security_group_of_a_cluster_the_stack_creates_read_from_a_mock_that_leaves_it_out_is_named(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    answering_without(monkeypatch, "aws:eks/getCluster:getCluster", ("vpcConfig", "clusterSecurityGroupId"))
    create = {"create": True, "vpcId": FACTS.vpc_id, "subnetIds": [s.id for s in FACTS.subnets if not s.public]}
    with pytest.raises(UnansweredLookup) as refused:
        run({"cluster": create}, facts=facts_with())
    assert str(refused.value) == (
        f"lookup aws:eks/getCluster:getCluster for 'dev' answered no vpcConfig.clusterSecurityGroupId: {MOCKS_HINT}"
    )
