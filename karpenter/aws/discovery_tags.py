"""Discovery tags: the subnet and security-group tags Karpenter's node classes select on.

One `aws.ec2.Tag` per key per resource: the stack owns its tags, never the subnet or group, so
destroying the stack removes its tags and nothing else. A tag someone else already set to
another value is left alone, and a discovery tag that names another cluster is refused. With
`karpenter:adopt`, the tags the runbook set are imported and kept on destroy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
            # Karpenter selects by this tag: shared, both clusters' nodes would land in the same place.
            remedy = (
                "give this cluster other subnets, or retag that one"
                if where.startswith("subnet")
                else "retag it, or remove the tag if that cluster is gone"
            )
            raise ConfigError(
                f"{config_key}: {where} is tagged {key}={current}, so another cluster's Karpenter selects it "
                f"for its nodes; {remedy}"
            )
    return planned


# The tags the v0.x runbook sets (on the node subnets, and on the cluster security group): with
# karpenter:adopt they are the runbook's, imported where they already carry the value and kept on
# destroy, since the nodes and load balancers of the hand-made install may rely on them.
RUNBOOK_SUBNET_TAGS = ("cluster", "subnet")
RUNBOOK_SECURITY_GROUP_TAGS = ("discovery",)


@dataclass(frozen=True)
class DiscoveryTagsArgs:
    subnet_tags: Mapping[str, TagPlan]
    security_group_id: pulumi.Input[str]
    security_group_tags: TagPlan
    adopt: bool = False
    # The tags the subnets (by id) and the security group have before the stack runs.
    existing_subnet_tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    existing_security_group_tags: Mapping[str, str] = field(default_factory=dict)


def tag_options(
    parent: pulumi.Resource,
    adopted: bool,
    resource_id: pulumi.Input[str],
    key: str,
    value: str,
    existing: Mapping[str, str],
) -> pulumi.ResourceOptions:
    """Import a runbook tag that already carries the value (the import id is `resource-id,key`), and
    keep every runbook tag on destroy; the stack's own tags are created and deleted with it."""
    if not adopted:
        return pulumi.ResourceOptions(parent=parent)
    carried = existing.get(key) == value and isinstance(resource_id, str)
    return pulumi.ResourceOptions(
        parent=parent, import_=f"{resource_id},{key}" if carried else None, retain_on_delete=True
    )


class DiscoveryTags(pulumi.ComponentResource):
    def __init__(self, name: str, args: DiscoveryTagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:discovery_tags:DiscoveryTags", name, None, opts)
        self.tags: list[aws.ec2.Tag] = [
            aws.ec2.Tag(
                f"{name}-{subnet_id}-{slug}",
                resource_id=subnet_id,
                key=key,
                value=value,
                opts=tag_options(
                    self,
                    args.adopt and slug in RUNBOOK_SUBNET_TAGS,
                    subnet_id,
                    key,
                    value,
                    args.existing_subnet_tags.get(subnet_id, {}),
                ),
            )
            for subnet_id, plan in args.subnet_tags.items()
            for slug, (key, value) in plan.items()
        ]
        self.tags += [
            aws.ec2.Tag(
                f"{name}-cluster-security-group-{slug}",
                resource_id=args.security_group_id,
                key=key,
                value=value,
                opts=tag_options(
                    self,
                    args.adopt and slug in RUNBOOK_SECURITY_GROUP_TAGS,
                    args.security_group_id,
                    key,
                    value,
                    args.existing_security_group_tags,
                ),
            )
            for slug, (key, value) in args.security_group_tags.items()
        ]
        self.subnet_ids = list(args.subnet_tags)
        self.register_outputs({"subnetIds": self.subnet_ids, "securityGroupId": args.security_group_id})
