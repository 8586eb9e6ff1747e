"""The mock engine answers a lookup only for what the facts hold, as AWS would."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from karpenter.offline.facts import sample_facts
from karpenter.offline.mocks import OfflineMocks

FACTS = sample_facts("eu-west-1")


def _call(token: str, **args: Any) -> Any:
    mocks = OfflineMocks(FACTS, "dev", preview=False)
    return mocks.call(pulumi.runtime.MockCallArgs(token=token, args=args, provider=""))


def test_the_cluster_lookup_finds_only_the_stacks_cluster() -> None:
    found = _call("aws:eks/getCluster:getCluster", name="dev")
    assert found["name"] == "dev"
    assert found["vpcConfig"]["subnetIds"] == [subnet.id for subnet in FACTS.subnets]
    assert _call("aws:eks/getCluster:getCluster", name="prod") == (
        {},
        [("name", "couldn't find resource: EKS cluster prod")],
    )


def test_the_subnet_lookup_answers_for_the_subnet_asked_about() -> None:
    first, last = FACTS.subnets[0], FACTS.subnets[-1]
    assert _call("aws:ec2/getSubnet:getSubnet", id=first.id) == {
        "id": first.id,
        "availabilityZone": "eu-west-1a",
        "mapPublicIpOnLaunch": False,
        "vpcId": FACTS.vpc_id,
        "tags": {},
    }
    assert _call("aws:ec2/getSubnet:getSubnet", id=last.id)["mapPublicIpOnLaunch"] is True
    assert _call("aws:ec2/getSubnet:getSubnet", id="subnet-0fffffffffffffff0") == (
        {},
        [("id", "no matching EC2 Subnet found: subnet-0fffffffffffffff0")],
    )


def test_the_security_group_lookup_knows_only_the_cluster_group() -> None:
    assert _call("aws:ec2/getSecurityGroup:getSecurityGroup", id=FACTS.cluster_security_group_id)["vpcId"] == (
        FACTS.vpc_id
    )
    assert _call("aws:ec2/getSecurityGroup:getSecurityGroup", id="sg-0fffffffffffffff0") == (
        {},
        [("id", "no matching EC2 Security Group found: sg-0fffffffffffffff0")],
    )


@pytest.mark.parametrize(
    ("addon", "found"),
    [("eks-pod-identity-agent", True), ("vpc-cni", False)],
)
def test_the_add_on_lookup_finds_only_the_pod_identity_agent(addon: str, found: bool) -> None:
    answer = _call("aws:eks/getAddon:getAddon", addonName=addon, clusterName="dev")
    if found:
        assert answer == {"id": "dev:eks-pod-identity-agent", "addonName": "eks-pod-identity-agent"}
    else:
        assert answer == ({}, [("addonName", "couldn't find resource")])


def test_the_oidc_provider_lookup_echoes_the_provider_asked_about() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X"
    assert _call("aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider", arn=arn)["arn"] == arn


def test_an_unknown_lookup_is_an_error_not_an_empty_answer() -> None:
    with pytest.raises(Exception, match="^offline synth has no answer for the lookup aws:ec2/getVpc:getVpc$"):
        _call("aws:ec2/getVpc:getVpc", id="vpc-1")
