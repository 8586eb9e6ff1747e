"""Discovery tags: the subnet and security-group tags Karpenter's node classes select on.

One `aws.ec2.Tag` per key per resource: the stack owns its tags, never the subnet or group, so
destroying the stack removes its tags and nothing else. A tag someone else already set to
another value is left alone, and a discovery tag that names another cluster is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from karpenter.config.errors import ConfigError

DISCOVERY_TAG = "karpenter.sh/discovery"

# Tags by a short stable name (the resource names derive from it): key and value.
TagPlan = dict[str, tuple[str, str]]


def subnet_tags(cluster_name: str) -> TagPlan:
    """Tags every node subnet gets: the runbook's two, plus the one the node classes select on."""
    return {
        "cluster": (f"kubernetes.io/cluster/{cluster_name}", "shared"),
        "subnet": ("subnet", "private"),
        "discovery": (DISCOVERY_TAG, cluster_name),
    }


def security_group_tags(cluster_name: str) -> TagPlan:
    return {"discovery": (DISCOVERY_TAG, cluster_name)}


def plan_tags(wanted: TagPlan, existing: Mapping[str, str], *, where: str, config_key: str) -> TagPlan:
    """The tags to own on one resource, given the tags it already has.

    A key already set to another value belongs to someone else: overwriting it now and deleting
    it on destroy would damage what relies on it (an `owned` cluster tag, for one), so it is
    left out. A discovery tag naming another cluster cannot be shared at all.
    """
    planned: TagPlan = {}
    for slug, (key, value) in wanted.items():
        current = existing.get(key)
        if current is None or current == value:
            planned[slug] = (key, value)
        elif key == DISCOVERY_TAG:
            raise ConfigError(
                f"{config_key}: {where} is tagged {key}={current}, so another cluster's Karpenter launches "
                f"nodes there; give this cluster other subnets, or retag that one"
            )
    return planned


@dataclass(frozen=True)
class DiscoveryTagsArgs:
    subnet_tags: Mapping[str, TagPlan]
    security_group_id: pulumi.Input[str]
    security_group_tags: TagPlan


class DiscoveryTags(pulumi.ComponentResource):
    def __init__(self, name: str, args: DiscoveryTagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:discovery_tags:DiscoveryTags", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.tags: list[aws.ec2.Tag] = [
            aws.ec2.Tag(f"{name}-{subnet_id}-{slug}", resource_id=subnet_id, key=key, value=value, opts=child)
            for subnet_id, plan in args.subnet_tags.items()
            for slug, (key, value) in plan.items()
        ]
        self.tags += [
            aws.ec2.Tag(
                f"{name}-cluster-security-group-{slug}",
                resource_id=args.security_group_id,
                key=key,
                value=value,
                opts=child,
            )
            for slug, (key, value) in args.security_group_tags.items()
        ]
        self.subnet_ids = list(args.subnet_tags)
        self.register_outputs({"subnetIds": self.subnet_ids, "securityGroupId": args.security_group_id})
