"""Checks of what a stack that creates its cluster needs before the cluster exists: the name free, the
Kubernetes version, the VPC, the cluster's subnets, the system node role's name, and the instance types
the system node group and the pools ask for in the subnets' zones. Pure: facts in, verdicts out."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from karpenter.catalog.instance_types import RegionCatalog
from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig
from karpenter.preflight.aws_checks import kubernetes_version_verdict
from karpenter.preflight.observations import EksCluster, SubnetInfo, Unread, Vpc
from karpenter.preflight.verdicts import Verdict, failed, passed, warned
from karpenter.vocabulary import aws_names

# What each pool may launch from `catalog` in the node subnets' zones, one line per pool; raises
# ConfigError naming the key of a pool that can launch nothing there (as synth refuses it).
PoolPlanner = Callable[[StackConfig, RegionCatalog, tuple[str, ...], Mapping[str, str]], list[str]]


def check_cluster_name(config: StackConfig, region: str) -> Verdict:
    """No EKS cluster holds the name yet (one that cannot be read is judged as for any stack)."""
    return passed("cluster", f"no EKS cluster {config.cluster_name} in {region} yet: the stack creates it")


def check_created_cluster(config: StackConfig, cluster: EksCluster, system_role: bool | None | Unread) -> Verdict:
    """A cluster of the name exists: the stack's own when its system node role exists too, which the
    stack's first `pulumi up` makes with the cluster; else another's, and creating it would fail."""
    name, role = config.cluster_name, aws_names.system_node_role_name(config.cluster_name)
    if system_role is False:
        return failed(
            "cluster",
            f"EKS cluster {name} exists and is not this stack's (it has no {role}); pulumi up would fail "
            "creating a cluster of that name",
            "choose another karpenter:clusterName, or attach to that cluster: set karpenter:cluster.create to false",
        )
    if cluster.status != "ACTIVE":
        return failed("cluster", f"cluster {name} is {cluster.status}", "wait until it is ACTIVE")
    return passed("cluster", f"cluster {name} is ACTIVE (the stack created it)")


def check_kubernetes_version(config: StackConfig) -> Verdict:
    return kubernetes_version_verdict(
        config.cluster.kubernetes_version,
        config.version,
        whose=" (the new cluster's)",
        change="karpenter:cluster.kubernetesVersion",
    )


def check_vpc(vpc_id: str, region: str, vpc: Vpc | None | Unread) -> Verdict:
    if isinstance(vpc, Unread):
        return warned(
            "vpc",
            f"VPC {vpc_id} cannot be read: {vpc.reason}",
            vpc.action("allow ec2:DescribeVpcs and ec2:DescribeVpcAttribute"),
        )
    if vpc is None:
        return failed("vpc", f"VPC {vpc_id} does not exist in {region}", "check karpenter:cluster.vpcId and aws:region")
    off = [name for name, on in (("DNS resolution", vpc.dns_support), ("DNS hostnames", vpc.dns_hostnames)) if not on]
    if off:
        flags = " ".join(f"--enable-dns-{'support' if name == 'DNS resolution' else 'hostnames'}" for name in off)
        return failed(
            "vpc",
            f"VPC {vpc_id} has {' and '.join(off)} off, and EKS nodes cannot join a cluster without them",
            f"aws ec2 modify-vpc-attribute --vpc-id {vpc_id} {flags} (one flag a call)",
        )
    return passed("vpc", f"VPC {vpc_id} ({vpc.cidr}) has DNS resolution and DNS hostnames on")


def check_cluster_subnets(config: StackConfig, region: str, found: tuple[SubnetInfo, ...]) -> Verdict:
    """The cluster's subnets as `pulumi up` needs them: all there, in the VPC, private, in two zones or more."""
    check, vpc_id = "cluster-subnets", config.cluster.vpc_id
    by_id = {subnet.id: subnet for subnet in found}
    wanted = config.cluster.subnet_ids or []
    for index, subnet_id in enumerate(wanted):
        key = f"karpenter:cluster.subnetIds[{index}]"
        subnet = by_id.get(subnet_id)
        if subnet is None:
            return failed(check, f"{key}: subnet {subnet_id} does not exist in {region}", f"name subnets of {vpc_id}")
        if subnet.vpc_id != vpc_id:
            return failed(
                check,
                f"{key}: {subnet_id} is in {subnet.vpc_id}, not in karpenter:cluster.vpcId {vpc_id}",
                f"name subnets of {vpc_id}",
            )
        if subnet.public:
            why = "maps public IPs" if subnet.maps_public_ips else "routes 0.0.0.0/0 to an internet gateway"
            return failed(
                check,
                f"{key}: {subnet_id} is public ({why})",
                "the cluster's nodes belong in private subnets that reach the internet through a NAT gateway; name "
                "those in karpenter:cluster.subnetIds",
            )
    zones = sorted({by_id[s].zone for s in wanted})
    if len(zones) < 2:
        return failed(
            check,
            f"the cluster's subnets are all in {', '.join(zones)}; EKS needs subnets in two availability zones or more",
            "add a private subnet of another zone to karpenter:cluster.subnetIds",
        )
    described = ", ".join(f"{s} ({by_id[s].zone})" for s in wanted)
    return passed(check, f"{len(wanted)} private subnets of {vpc_id} in {len(zones)} zones: {described}")


def check_system_node_role(config: StackConfig, exists: bool | None | Unread) -> Verdict | None:
    """The system node group's role, which the stack creates under a fixed name and `adopt` does not
    take over; None when it is free."""
    role = aws_names.system_node_role_name(config.cluster_name)
    if isinstance(exists, Unread):
        return warned(
            "iam-names", f"IAM role {role} cannot be read: {exists.reason}", exists.action("allow iam:GetRole")
        )
    if exists:
        return failed(
            "iam-names",
            f"IAM role {role} (the system node group's) already exists; pulumi up would fail with EntityAlreadyExists",
            "delete that role if nothing uses it, or choose another karpenter:clusterName (adopt does not take "
            "it over)",
        )
    return None


def check_system_nodes(config: StackConfig, offerings: Mapping[str, frozenset[str]], zones: list[str]) -> Verdict:
    """The system node group launches in the cluster's subnets: each of its instance types must be
    offered in one of their zones at least."""
    check = "system-nodes"
    types = config.cluster.system_node_group.instance_types
    for index, name in enumerate(types):
        where = [zone for zone in zones if name in offerings.get(zone, frozenset())]
        if not where:
            elsewhere = sorted(zone for zone, offered in offerings.items() if name in offered)
            found = f"; it is offered in {', '.join(elsewhere)}" if elsewhere else "; the region does not offer it"
            return failed(
                check,
                f"karpenter:cluster.systemNodeGroup.instanceTypes[{index}]: {name} is offered in none of the "
                f"cluster's zones ({', '.join(zones)}){found}",
                "choose an instance type these zones offer (aws ec2 describe-instance-type-offerings "
                "--location-type availability-zone)",
            )
    bare = [zone for zone in zones if not any(name in offerings.get(zone, frozenset()) for name in types)]
    if bare:
        return warned(
            check,
            f"{', '.join(bare)} offer{'s' * (len(bare) == 1)} none of {', '.join(types)}, so no system node runs there",
            "add an instance type offered there to karpenter:cluster.systemNodeGroup.instanceTypes",
        )
    return passed(check, f"{', '.join(types)} offered in {', '.join(zones)}")


def check_instance_types(
    config: StackConfig, catalog: RegionCatalog, chosen: list[SubnetInfo], planner: PoolPlanner
) -> Verdict:
    """The pools against the instance types the node subnets' zones offer, as synth checks them
    against the shipped catalog."""
    zones = tuple(sorted({subnet.zone for subnet in chosen}))
    try:
        lines = planner(config, catalog, zones, {subnet.id: subnet.zone for subnet in chosen})
    except ConfigError as exc:
        why, _, action = str(exc).partition("; ")
        return failed("instance-types", why, action or "change the pool so that it may launch types offered there")
    return passed("instance-types", f"offered in {', '.join(zones)}: {'; '.join(lines)}")
