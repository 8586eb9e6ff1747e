"""Where nodes go: the node subnets (configured, or the cluster's private ones) and the zones they
cover, checked against the pools' zones and the node classes' subnets."""

from __future__ import annotations

from dataclasses import dataclass

from karpenter.cluster.facts import ClusterFacts
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig


@dataclass(frozen=True)
class Placement:
    """Where nodes go: the subnets the stack tags for discovery and the zones they cover."""

    subnet_ids: tuple[str, ...]
    zones: tuple[str, ...]


def node_placement(config: StackConfig, facts: ClusterFacts) -> Placement:
    """The node subnets (configured, else the cluster's private ones) and their zones.

    Refuses, naming the key, subnets the cluster does not have, pool zones no subnet covers, and
    node class subnet ids that are not node subnets.
    """
    by_id = {subnet.id: subnet for subnet in facts.subnets}
    if config.subnet_ids is not None:
        for index, subnet_id in enumerate(config.subnet_ids):
            if subnet_id not in by_id:
                raise ConfigError(
                    f"karpenter:subnetIds[{index}]: {subnet_id!r} is not a subnet of cluster "
                    f"{facts.name!r}; its subnets are {', '.join(sorted(by_id))}"
                )
            if by_id[subnet_id].public:
                # Tagged for discovery, it would take nodes that get public IPs at launch.
                raise ConfigError(
                    f"karpenter:subnetIds[{index}]: {subnet_id!r} is a public subnet (it maps public IPs on "
                    "launch), so nodes launched there would get public IPs; name private subnets"
                )
        chosen = [by_id[subnet_id] for subnet_id in config.subnet_ids]
    else:
        chosen = [subnet for subnet in facts.subnets if not subnet.public]
        if not chosen:
            raise ConfigError(
                f"karpenter:subnetIds: cluster {facts.name!r} has no private subnets, and nodes go only into "
                "private ones; add a private subnet to the cluster"
            )
    zones = tuple(sorted({subnet.zone for subnet in chosen}))
    for pool_name, pool in config.node_pools.items():
        for index, zone in enumerate(pool.zones or ()):
            if zone not in zones:
                raise ConfigError(
                    f"karpenter:nodePools.{pool_name}.zones[{index}]: {zone!r} is not one of {', '.join(zones)} "
                    "(the zones of the node subnets)"
                )
    node_subnets = [subnet.id for subnet in chosen]
    for class_name, node_class in config.node_classes.items():
        # A class may narrow the node subnets, never widen them: the others are untagged, maybe public.
        for index, term in enumerate(node_class.subnet_selector_terms or ()):
            if term.id is not None and term.id not in node_subnets:
                raise ConfigError(
                    f"karpenter:nodeClasses.{class_name}.subnetSelectorTerms[{index}].id: {term.id!r} is not one of "
                    f"the node subnets ({', '.join(node_subnets)}); name one of those, or select by tags"
                )
    return Placement(subnet_ids=tuple(node_subnets), zones=zones)
