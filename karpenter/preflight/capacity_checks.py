"""Checks of where and how much Karpenter can launch: the node subnets (present, private, free IPs,
not another cluster's) and the EC2 vCPU quotas against the pools' limits. Pure: facts in, verdicts out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from karpenter.config.node_pool import NodePool
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import quantity_value
from karpenter.preflight.observations import SubnetInfo, Unread
from karpenter.preflight.verdicts import Verdict, failed, passed, warned
from karpenter.vocabulary import ec2_quotas
from karpenter.vocabulary.instance_families import family_category

DISCOVERY_TAG = "karpenter.sh/discovery"
# Below this many free addresses in a zone, a few nodes with their pods (one VPC address each with
# the VPC CNI) use the zone up, and launches there fail.
LOW_FREE_IPS = 64


def node_subnets(
    config: StackConfig, cluster_subnet_ids: tuple[str, ...], found: tuple[SubnetInfo, ...]
) -> list[SubnetInfo]:
    """The subnets the stack puts nodes in: the configured ones, else the cluster's that do not map
    public IPs (as the stack chooses them)."""
    by_id = {subnet.id: subnet for subnet in found}
    if config.subnet_ids is not None:
        return [by_id[s] for s in config.subnet_ids if s in by_id]
    return [by_id[s] for s in cluster_subnet_ids if s in by_id and not by_id[s].maps_public_ips]


def check_node_subnets(
    config: StackConfig, cluster_subnet_ids: tuple[str, ...], found: tuple[SubnetInfo, ...], missing: tuple[str, ...]
) -> Verdict:
    check = "node-subnets"
    if missing:
        return failed(
            check,
            f"subnet {', '.join(missing)} cannot be found",
            "name subnets of the cluster's VPC in karpenter:subnetIds, or leave it out for the cluster's private ones",
        )
    chosen = node_subnets(config, cluster_subnet_ids, found)
    if not chosen:
        return failed(
            check, "the cluster has no private subnets", "add a private subnet (with a NAT route) to the cluster"
        )
    public = [s for s in chosen if s.public]
    if public:
        why = ", ".join(
            f"{s.id} ({'maps public IPs' if s.maps_public_ips else 'routes 0.0.0.0/0 to an internet gateway'})"
            for s in public
        )
        return failed(
            check,
            f"node subnet {why} is public",
            "nodes belong in private subnets that reach the internet through a NAT gateway; name those in "
            "karpenter:subnetIds",
        )
    left_out = sorted(set(cluster_subnet_ids) - {s.id for s in chosen}) if config.subnet_ids is None else []
    described = ", ".join(f"{s.id} ({s.zone})" for s in chosen)
    note = f"; public {', '.join(left_out)} left out" if left_out else ""
    return passed(check, f"{len(chosen)} private subnets: {described}{note}")


def subnets_unread(check: str, unread: Unread) -> Verdict:
    """The subnets could not be read: `check` (the first of the subnet checks) says why and what to allow."""
    return warned(
        check,
        f"the subnets cannot be read: {unread.reason}",
        unread.action("allow ec2:DescribeSubnets and ec2:DescribeRouteTables"),
    )


def check_subnet_discovery(cluster_name: str, chosen: list[SubnetInfo]) -> Verdict:
    taken = [(s.id, s.tags[DISCOVERY_TAG]) for s in chosen if s.tags.get(DISCOVERY_TAG, cluster_name) != cluster_name]
    if taken:
        described = ", ".join(f"{subnet} (cluster {owner})" for subnet, owner in taken)
        return failed(
            "subnet-discovery",
            f"{described} tagged {DISCOVERY_TAG} for another cluster, whose Karpenter launches nodes there",
            "give this cluster other subnets in karpenter:subnetIds, or retag that subnet",
        )
    return passed("subnet-discovery", "no node subnet is discovered by another cluster's Karpenter")


def check_free_ips(chosen: list[SubnetInfo], threshold: int = LOW_FREE_IPS) -> Verdict:
    by_zone: dict[str, int] = defaultdict(int)
    for subnet in chosen:
        by_zone[subnet.zone] += subnet.available_ips
    described = ", ".join(f"{zone} {count}" for zone, count in sorted(by_zone.items()))
    low = sorted(zone for zone, count in by_zone.items() if count < threshold)
    if low:
        return warned(
            "free-ips",
            f"free IP addresses per zone: {described}; under {threshold} in {', '.join(low)}",
            "launches in those zones fail once the addresses run out: add subnets there, or leave the zones "
            "out of the pools' zones",
        )
    return passed("free-ips", f"free IP addresses per zone: {described}")


def check_pool_zones(config: StackConfig, chosen: list[SubnetInfo]) -> Verdict:
    zones = sorted({s.zone for s in chosen})
    for pool_name, pool in config.node_pools.items():
        for index, zone in enumerate(pool.zones or ()):
            if zone not in zones:
                return failed(
                    "pool-zones",
                    f"karpenter:nodePools.{pool_name}.zones[{index}]: {zone} has no node subnet "
                    f"(they cover {', '.join(zones) or 'no zone'})",
                    "remove the zone from the pool, or add a private subnet there",
                )
    return passed("pool-zones", f"every pool zone has a node subnet ({', '.join(zones)})")


def pool_classes(pool: NodePool) -> set[str]:
    """The quota classes a pool's instances count against."""
    categories = set(pool.instance_categories or (["g", "p"] if pool.gpu else ["c", "m", "r"]))
    if pool.instance_families:
        categories = {c for c in (family_category(f) for f in pool.instance_families) if c}
    return {c for c in (ec2_quotas.instance_class(category) for category in categories) if c}


def _cpu_limit(pool: NodePool) -> Decimal | None:
    return quantity_value(pool.limits["cpu"]) if "cpu" in pool.limits else None


def check_quotas(config: StackConfig, quotas: Mapping[str, float | Unread]) -> list[Verdict]:
    """One verdict per quota the pools launch against: FAIL when a pool can launch nothing at all
    (every capacity type it allows has a zero quota), WARN when a quota is below the pools' cpu limits."""
    needed: dict[str, Decimal | None] = {}
    users: dict[str, list[str]] = defaultdict(list)
    verdicts: list[Verdict] = []
    for name, pool in config.node_pools.items():
        launchable = False
        for capacity in (c.value for c in pool.capacity_types):
            for instance_class in sorted(pool_classes(pool)):
                quota = ec2_quotas.quota_for(instance_class, capacity)
                if quota is None:
                    continue
                limit = _cpu_limit(pool)
                current = needed.get(quota.code, Decimal(0))
                needed[quota.code] = None if limit is None or current is None else current + limit
                users[quota.code].append(name)
                value = quotas.get(quota.code)
                launchable |= value is None or isinstance(value, Unread) or value > 0
        if pool_classes(pool) and not launchable:
            verdicts.append(
                failed(
                    "ec2-quotas",
                    f"pool {name} can launch nothing: every quota it launches against is 0 vCPUs",
                    "request an increase in Service Quotas (EC2) before relying on the pool",
                )
            )
    for quota in ec2_quotas.QUOTAS:
        if quota.code not in needed:
            continue
        value = quotas.get(quota.code)
        pools = ", ".join(users[quota.code])
        if isinstance(value, Unread) or value is None:
            unread = value if isinstance(value, Unread) else Unread("not returned")
            verdicts.append(
                warned(
                    "ec2-quotas",
                    f"{quota.code} ({quota.name}) cannot be read: {unread.reason}",
                    unread.action("allow servicequotas:GetServiceQuota to check it"),
                )
            )
            continue
        limit = needed[quota.code]
        wanted = "unbounded" if limit is None else f"{limit.normalize():f}"
        summary = f"{quota.code} {quota.name}: {value:g} vCPUs for pools {pools} (cpu limits {wanted})"
        if limit is None or Decimal(str(value)) < limit:
            verdicts.append(
                warned(
                    "ec2-quotas",
                    summary,
                    "Karpenter stops at the quota before the pools' limits: request an increase, or lower the limits",
                )
            )
        else:
            verdicts.append(passed("ec2-quotas", summary))
    return verdicts
