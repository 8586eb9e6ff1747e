"""Discovery tags: the subnet and security-group tags Karpenter's node classes select on.

One `aws.ec2.Tag` per key per resource: the stack owns its tags, never the subnet or group. What
the stack added it deletes on destroy; a tag the resource already carried is someone else's and
stays. A marker tag per tagged resource (`pulumi-karpenter/added/<cluster>`) names the keys
the stack added, so later runs, which see those tags too, still tell them from the ones that were
there before. A tag someone else set to another value is left alone, and a discovery tag that
names another cluster is refused. With `karpenter:adopt`, the tags the runbook set are imported
and kept on destroy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from karpenter.config.errors import ConfigError

DISCOVERY_TAG = "karpenter.sh/discovery"
# EC2 tag keys are at most 127 characters, and EKS cluster names at most 100.
ADDED_TAGS_PREFIX = "pulumi-karpenter/added/"
# The marker's slug among a resource's planned tags (resource names derive from slugs).
ADDED_TAGS = "added-tags"

# Tags by a short stable name (the resource names derive from it): key and value.
WantedTags = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class PlannedTag:
    key: str
    value: str
    # The resource carried it before the stack did: someone else's, so destroy leaves it.
    pre_existing: bool = False


# The tags to declare on one resource, by slug.
TagPlan = dict[str, PlannedTag]


def subnet_tags(cluster_name: str) -> WantedTags:
    """Tags every node subnet gets: the runbook's two, plus the one the node classes select on."""
    return {
        "cluster": (f"kubernetes.io/cluster/{cluster_name}", "shared"),
        "subnet": ("subnet", "private"),
        "discovery": (DISCOVERY_TAG, cluster_name),
    }


def security_group_tags(cluster_name: str) -> WantedTags:
    return {"discovery": (DISCOVERY_TAG, cluster_name)}


def added_tags_key(cluster_name: str) -> str:
    """The key of the marker naming the tags this cluster's stack added to a resource."""
    return ADDED_TAGS_PREFIX + cluster_name


def plan_tags(
    cluster_name: str, wanted: WantedTags, existing: Mapping[str, str], *, where: str, config_key: str
) -> TagPlan:
    """The tags to declare on one resource, given the tags it has now, and the marker naming those
    the stack added.

    A key the resource lacks is the stack's to add, and goes into the marker. A key it carries with
    the wanted value is the stack's own if the marker names it (an earlier run added it), and
    otherwise was there before: declared, so the stack keeps it set, but left on destroy. Either way
    the plan is the same on every run. A key set to another value belongs to someone else:
    overwriting it now and deleting it on destroy would damage what relies on it (an `owned`
    cluster tag, for one), so it is left out. A discovery tag naming another cluster cannot be
    shared at all.
    """
    marker = added_tags_key(cluster_name)
    added_earlier = set(existing.get(marker, "").split())
    planned: TagPlan = {}
    for slug, (key, value) in wanted.items():
        current = existing.get(key)
        if current is None or current == value:
            planned[slug] = PlannedTag(key, value, pre_existing=current is not None and key not in added_earlier)
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
    added = sorted(tag.key for tag in planned.values() if not tag.pre_existing)
    if added:
        planned[ADDED_TAGS] = PlannedTag(marker, " ".join(added))
    return planned


# The tags the v0.x runbook sets (on the node subnets, and on the cluster security group): with
# karpenter:adopt they are the runbook's, imported where they already carry the value and kept on
# destroy, since the nodes and load balancers of the hand-made install may rely on them.
RUNBOOK_SUBNET_TAGS = ("cluster", "subnet")
RUNBOOK_SECURITY_GROUP_TAGS = ("discovery",)


@dataclass(frozen=True)
class DiscoveryTagsArgs:
    # The planned tags of each subnet (by id) and of the security group.
    subnet_tags: Mapping[str, TagPlan]
    security_group_id: pulumi.Input[str]
    security_group_tags: TagPlan
    adopt: bool = False


def tag_options(
    parent: pulumi.Resource,
    tag: PlannedTag,
    adopted: bool,
    resource_id: pulumi.Input[str],
    marker: list[aws.ec2.Tag],
    former_name: str | None = None,
) -> pulumi.ResourceOptions:
    """Keep on destroy what was there before the stack, and with adopt every runbook tag; import a
    runbook tag that was there (the import id is `resource-id,key`). The stack's own tags are made
    after the marker that names them and deleted before it, so no run, even one cut short, leaves
    a tag of the stack's that the marker does not name. `former_name`: the name the tag had in
    stacks deployed before, which the engine then takes for this one (an alias)."""
    imported = adopted and tag.pre_existing and isinstance(resource_id, str)
    return pulumi.ResourceOptions(
        parent=parent,
        depends_on=[] if tag.pre_existing else list(marker),
        import_=f"{resource_id},{tag.key}" if imported else None,
        retain_on_delete=True if tag.pre_existing or adopted else None,
        aliases=[pulumi.Alias(name=former_name)] if former_name else None,
    )


class DiscoveryTags(pulumi.ComponentResource):
    def __init__(self, name: str, args: DiscoveryTagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:discovery_tags:DiscoveryTags", name, None, opts)
        self.tags: list[aws.ec2.Tag] = []
        for subnet_id, plan in args.subnet_tags.items():
            self.tags += self._declare(f"{name}-{subnet_id}", subnet_id, plan, RUNBOOK_SUBNET_TAGS, args.adopt)
        # The first releases named the group's tags by its id. Renamed without an alias, the tag would
        # be replaced: the new one written, then the old one deleted, and the key with it.
        former = f"{name}-{args.security_group_id}" if isinstance(args.security_group_id, str) else None
        self.tags += self._declare(
            f"{name}-cluster-security-group",
            args.security_group_id,
            args.security_group_tags,
            RUNBOOK_SECURITY_GROUP_TAGS,
            args.adopt,
            former_prefix=former,
        )
        self.subnet_ids = list(args.subnet_tags)
        self.register_outputs({"subnetIds": self.subnet_ids, "securityGroupId": args.security_group_id})

    def _declare(
        self,
        prefix: str,
        resource_id: pulumi.Input[str],
        plan: TagPlan,
        runbook_slugs: tuple[str, ...],
        adopt: bool,
        former_prefix: str | None = None,
    ) -> list[aws.ec2.Tag]:
        """The marker first, then the tags it names and those that were there before. `former_prefix`:
        the prefix of the tags' names in stacks deployed before, kept as their aliases."""
        declared: list[aws.ec2.Tag] = []
        if ADDED_TAGS in plan:
            added = plan[ADDED_TAGS]
            declared.append(
                aws.ec2.Tag(
                    f"{prefix}-{ADDED_TAGS}",
                    resource_id=resource_id,
                    key=added.key,
                    value=added.value,
                    # Replaced, the old one goes first: deleting it after the new one was written could
                    # remove the key whatever its value.
                    opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
                )
            )
        marker = list(declared)
        for slug, tag in plan.items():
            if slug == ADDED_TAGS:
                continue
            declared.append(
                aws.ec2.Tag(
                    f"{prefix}-{slug}",
                    resource_id=resource_id,
                    key=tag.key,
                    value=tag.value,
                    opts=tag_options(
                        self,
                        tag,
                        adopt and slug in runbook_slugs,
                        resource_id,
                        marker,
                        f"{former_prefix}-{slug}" if former_prefix else None,
                    ),
                )
            )
        return declared
