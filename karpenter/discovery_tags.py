"""Discovery tags: the subnet and security-group tags Karpenter's node classes select on.

One `aws.ec2.Tag` per key per resource: the stack owns its tags, never the subnet or group, so
destroying the stack removes exactly these tags and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

DISCOVERY_TAG = "karpenter.sh/discovery"


def subnet_tags(cluster_name: str) -> dict[str, tuple[str, str]]:
    """Tags every node subnet gets, by a short stable name: the runbook's two, plus the one the
    node classes select on."""
    return {
        "cluster": (f"kubernetes.io/cluster/{cluster_name}", "shared"),
        "subnet": ("subnet", "private"),
        "discovery": (DISCOVERY_TAG, cluster_name),
    }


def security_group_tags(cluster_name: str) -> dict[str, tuple[str, str]]:
    return {"discovery": (DISCOVERY_TAG, cluster_name)}


@dataclass(frozen=True)
class DiscoveryTagsArgs:
    cluster_name: str
    subnet_ids: tuple[str, ...]
    security_group_id: pulumi.Input[str]


class DiscoveryTags(pulumi.ComponentResource):
    def __init__(self, name: str, args: DiscoveryTagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:discovery_tags:DiscoveryTags", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.tags: list[aws.ec2.Tag] = [
            aws.ec2.Tag(
                f"{name}-{subnet_id}-{slug}",
                resource_id=subnet_id,
                key=key,
                value=value,
                opts=child,
            )
            for subnet_id in args.subnet_ids
            for slug, (key, value) in subnet_tags(args.cluster_name).items()
        ]
        self.tags += [
            aws.ec2.Tag(
                f"{name}-cluster-security-group-{slug}",
                resource_id=args.security_group_id,
                key=key,
                value=value,
                opts=child,
            )
            for slug, (key, value) in security_group_tags(args.cluster_name).items()
        ]
        self.subnet_ids = list(args.subnet_ids)
        self.register_outputs({"subnetIds": self.subnet_ids, "securityGroupId": args.security_group_id})
