"""doctor's verdicts for a stack that creates its cluster while no cluster of its name exists: what must
hold before the cluster does (the name, the VPC and subnets, the instance types offered in their zones,
what the node classes select, quotas, IAM names). The cluster's API is not read: one SKIP says why."""

from __future__ import annotations

from karpenter.config.stack_config import StackConfig
from karpenter.config.stack_target import StackTarget
from karpenter.preflight import aws_checks, capacity_checks, new_cluster_checks, node_class_checks
from karpenter.preflight.catalog_reader import offered_catalog
from karpenter.preflight.new_cluster_checks import PoolPlanner
from karpenter.preflight.observations import AwsObservations, BeforeCluster, SubnetInfo, Unread
from karpenter.preflight.verdicts import Verdict, skipped, warned
from karpenter.vocabulary import aws_names

NO_CLUSTER_API = (
    "the stack creates the cluster, so there is no Kubernetes API to read yet; doctor reads it once the cluster exists"
)


def judge_before_cluster(
    target: StackTarget, aws: AwsObservations, pulumi_version: str | None, planner: PoolPlanner | None
) -> list[Verdict]:
    """Every verdict after `credentials`, in a fixed order."""
    config, before = target.config, aws.before_cluster
    assert before is not None
    return [
        new_cluster_checks.check_cluster_name(config, target.region),
        new_cluster_checks.check_kubernetes_version(config),
        new_cluster_checks.check_vpc(config.cluster.vpc_id or "", target.region, before.vpc),
        *_subnet_verdicts(target, aws, before, planner),
        aws_checks.check_spot_role(config, aws.spot_role_exists),
        *capacity_checks.check_quotas(config, aws.quotas),
        new_cluster_checks.check_system_node_role(config, aws.system_node_role_exists)
        or aws_checks.check_iam_names(config, aws.existing_iam),
        skipped("controller-permissions", "the stack's IAM names could not be read (see iam-names)")
        if isinstance(aws.existing_iam, Unread)
        else aws_checks.check_controller_simulation(
            aws_names.controller_role_name(config.cluster_name), aws.simulations
        ),
        aws_checks.check_pulumi_cli(config, pulumi_version),
        skipped("cluster-api", NO_CLUSTER_API),
    ]


# Checks that need the zones of the subnets: left out, saying why, when the subnets were not read.
ZONE_CHECKS = ("subnet-discovery", "free-ips", "pool-zones", "instance-types", "system-nodes", "capacity-reservations")


def _subnet_verdicts(
    target: StackTarget, aws: AwsObservations, before: BeforeCluster, planner: PoolPlanner | None
) -> list[Verdict]:
    config = target.config
    if isinstance(aws.subnets, Unread):
        return [
            capacity_checks.subnets_unread("cluster-subnets", aws.subnets),
            *(skipped(check, "the subnets could not be read (see cluster-subnets)") for check in _zone_checks(config)),
            *_zoneless_selections(before),
        ]
    found = new_cluster_checks.check_cluster_subnets(config, target.region, aws.subnets)
    chosen = capacity_checks.node_subnets(config, tuple(config.cluster.subnet_ids or ()), aws.subnets)
    if not chosen:
        return [
            found,
            *(skipped(check, "no node subnet was found (see cluster-subnets)") for check in _zone_checks(config)),
            *_zoneless_selections(before),
        ]
    node_zones = sorted({s.zone for s in chosen})
    return [
        found,
        capacity_checks.check_subnet_discovery(config.cluster_name, chosen),
        capacity_checks.check_free_ips(chosen),
        capacity_checks.check_pool_zones(config, chosen),
        *_offering_verdicts(target, aws.subnets, chosen, before, planner),
        *_present(node_class_checks.check_reservations(before.reservations, node_zones)),
        *_zoneless_selections(before),
    ]


def _zone_checks(config: StackConfig) -> list[str]:
    uses_reservations = any(c.selects_reservations for c in config.node_classes.values())
    return [c for c in ZONE_CHECKS if c != "capacity-reservations" or uses_reservations]


def _offering_verdicts(
    target: StackTarget,
    found: tuple[SubnetInfo, ...],
    chosen: list[SubnetInfo],
    before: BeforeCluster,
    planner: PoolPlanner | None,
) -> list[Verdict]:
    config = target.config
    if isinstance(before.offerings, Unread):
        unread = before.offerings
        return [
            warned(
                "instance-types",
                f"the zones' instance-type offerings cannot be read: {unread.reason}",
                unread.action("allow ec2:DescribeInstanceTypeOfferings"),
            ),
            skipped("system-nodes", "the offerings could not be read (see instance-types)"),
        ]
    wanted = set(config.cluster.subnet_ids or ())
    cluster_zones = sorted({s.zone for s in found if s.id in wanted})
    verdicts = []
    if planner is not None:
        catalog = offered_catalog(target.region, before.offerings)
        verdicts.append(new_cluster_checks.check_instance_types(config, catalog, chosen, planner))
    verdicts.append(new_cluster_checks.check_system_nodes(config, before.offerings, cluster_zones))
    return verdicts


def _zoneless_selections(before: BeforeCluster) -> list[Verdict]:
    """What the node classes select wherever it is: placement groups, AMIs, KMS keys."""
    return [
        *_present(node_class_checks.check_placement_groups(before.placement_groups)),
        *_present(node_class_checks.check_images(before.images)),
        *_present(node_class_checks.check_kms_keys(before.kms_keys)),
    ]


def _present(verdict: Verdict | None) -> list[Verdict]:
    return [] if verdict is None else [verdict]
