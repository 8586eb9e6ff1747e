"""`python -m karpenter doctor --stack NAME [--json]`: read the account and the cluster the stack names,
or, for a stack that creates its cluster, what must exist before it does (nothing is written), judge
them check by check, and print a line per verdict. Exit 1 on any FAIL."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from karpenter.config.errors import ConfigError
from karpenter.config.stack_config import StackConfig
from karpenter.config.stack_target import StackTarget, load_stack_target
from karpenter.preflight import aws_checks, capacity_checks, cluster_checks, new_cluster_checks, report
from karpenter.preflight.before_cluster import judge_before_cluster
from karpenter.preflight.new_cluster_checks import PoolPlanner
from karpenter.preflight.observations import AwsObservations, Caller, EksCluster, KubeObservations, Unread
from karpenter.preflight.verdicts import Status, Verdict, skipped
from karpenter.vocabulary import aws_names

# Builds a kubernetes ApiClient for the cluster doctor found.
KubeFactory = Callable[[EksCluster], Any]


# The stack doctor checks: its config and region.
Target = StackTarget


def load_target(stack: str, project_dir: Path, region: str | None = None) -> Target:
    return load_stack_target(stack, project_dir, region)


def pulumi_cli_version() -> str | None:
    """The Pulumi CLI's version (`3.200.0`), or None when it is not on PATH."""
    if shutil.which("pulumi") is None:
        return None
    done = subprocess.run(["pulumi", "version"], capture_output=True, text=True, check=False, timeout=60)
    return done.stdout.strip().removeprefix("v") or None


def _node_role_arn(caller: Caller, cluster_name: str) -> str:
    partition = caller.arn.split(":")[1]
    return f"arn:{partition}:iam::{caller.account}:role/{aws_names.node_role_name(cluster_name)}"


def judge(
    target: Target,
    aws: AwsObservations,
    kube: KubeObservations | Unread | None,
    pulumi_version: str | None,
    planner: PoolPlanner | None = None,
) -> list[Verdict]:
    """Every verdict, in a fixed order, from what was read. Checks that need a fact a failed one
    should have given are left out rather than guessed. A stack that creates its cluster is checked,
    until the cluster exists, for what must hold before it does; `planner` checks its pools against
    the zones' offerings."""
    config = target.config
    verdicts = [aws_checks.check_credentials(aws.caller, target.region)]
    if isinstance(aws.caller, Unread):
        return verdicts
    if aws.before_cluster is not None:
        return [*verdicts, *judge_before_cluster(target, aws, pulumi_version, planner)]
    if config.cluster.create and isinstance(aws.cluster, EksCluster):
        verdicts.append(new_cluster_checks.check_created_cluster(config, aws.cluster, aws.system_node_role_exists))
    else:
        verdicts.append(aws_checks.check_cluster(config.cluster_name, target.region, aws.cluster))
    cluster = aws.cluster
    if not isinstance(cluster, EksCluster) or verdicts[-1].status is not Status.PASS:
        return verdicts
    verdicts += [
        aws_checks.check_kubernetes_version(cluster, config.version),
        aws_checks.check_node_access(cluster, config.node_access),
        aws_checks.check_controller_identity(config, aws.oidc_provider_exists, aws.pod_identity_agent),
    ]
    verdicts += _subnet_verdicts(config, cluster, aws)
    verdicts.append(aws_checks.check_spot_role(config, aws.spot_role_exists))
    verdicts += capacity_checks.check_quotas(config, aws.quotas)
    verdicts += [
        aws_checks.check_iam_names(config, aws.existing_iam),
        skipped("controller-permissions", "the stack's IAM names could not be read (see iam-names)")
        if isinstance(aws.existing_iam, Unread)
        else aws_checks.check_controller_simulation(
            aws_names.controller_role_name(config.cluster_name), aws.simulations
        ),
        aws_checks.check_pulumi_cli(config, pulumi_version),
    ]
    if kube is None:
        return verdicts
    if isinstance(kube, Unread):
        return [*verdicts, cluster_checks.unreachable(kube)]
    return [
        *verdicts,
        cluster_checks.check_existing_karpenter(kube, config.namespace, target.stack),
        cluster_checks.check_crds(kube, config.namespace),
        cluster_checks.check_legacy_objects(kube),
        cluster_checks.check_legacy_nodes(kube, target.stack),
        cluster_checks.check_aws_auth(
            kube, _node_role_arn(aws.caller, config.cluster_name), cluster.authentication_mode
        ),
    ]


SUBNET_CHECKS = ("subnet-discovery", "free-ips", "pool-zones")


def _subnet_verdicts(config: StackConfig, cluster: EksCluster, aws: AwsObservations) -> list[Verdict]:
    """node-subnets, then the checks of the subnets it chose: skipped, never passed on no subnets,
    when the subnets could not be read or none was found."""
    if isinstance(aws.subnets, Unread):
        return [
            capacity_checks.subnets_unread("node-subnets", aws.subnets),
            *(skipped(check, "the node subnets could not be read (see node-subnets)") for check in SUBNET_CHECKS),
        ]
    chosen = capacity_checks.node_subnets(config, cluster.subnet_ids, aws.subnets)
    found = capacity_checks.check_node_subnets(config, cluster.subnet_ids, aws.subnets, aws.missing_subnets)
    if not chosen:
        return [found, *(skipped(check, "no node subnet was found (see node-subnets)") for check in SUBNET_CHECKS)]
    return [
        found,
        capacity_checks.check_subnet_discovery(config.cluster_name, chosen),
        capacity_checks.check_free_ips(chosen),
        capacity_checks.check_pool_zones(config, chosen),
    ]


# The hints for a cluster API that did not answer, by cause; a 401 or 403 is the check's own (access).
_KUBE_NETWORK = (
    "network: the cluster's API cannot be reached from here (DNS, a private endpoint, a proxy); run doctor "
    "where it can be, or pass --skip-cluster"
)
_KUBE_THROTTLED = "throttling: the cluster's API limits the rate of requests; wait a minute and run again"
_KUBE_SERVER = "server error: the cluster's API failed to answer; run again later"


def read_kube(cluster: EksCluster, kube_factory: KubeFactory) -> KubeObservations | Unread:
    from botocore.exceptions import BotoCoreError, ClientError
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from karpenter.preflight.aws_calls import as_unread
    from karpenter.preflight.cluster_reader import read_cluster_state

    try:
        return read_cluster_state(kube_factory(cluster))
    except ApiException as exc:
        status = int(exc.status or 0)
        hint = _KUBE_THROTTLED if status == 429 else _KUBE_SERVER if status >= 500 else ""
        return Unread(f"{exc.status} {exc.reason}", hint)
    except (BotoCoreError, ClientError) as exc:
        # Signing the EKS token calls STS.
        return as_unread(exc)
    except (HTTPError, OSError) as exc:
        return Unread(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, _KUBE_NETWORK)


def examine(
    target: Target,
    clients: Any,
    kube_factory: KubeFactory | None,
    pulumi_version: str | None,
    planner: PoolPlanner | None = None,
) -> list[Verdict]:
    """Read the account (and, when a factory is given, the cluster) and judge what was read."""
    from karpenter.preflight.aws_reader import read_account

    aws = read_account(clients, target.config, target.region)
    kube = None
    if kube_factory is not None and isinstance(aws.cluster, EksCluster) and aws.cluster.status == "ACTIVE":
        kube = read_kube(aws.cluster, kube_factory)
    return judge(target, aws, kube, pulumi_version, planner)


def render(target: Target, verdicts: list[Verdict], as_json: bool) -> tuple[str, int]:
    """The output and the exit code: 1 when any check failed (WARN and SKIP do not)."""
    code = 1 if any(v.status is Status.FAIL for v in verdicts) else 0
    if as_json:
        return report.as_json(target.describe(), verdicts), code
    header = (
        f"doctor: stack {target.stack}, cluster {target.config.cluster_name} ({target.region}), "
        f"Karpenter {target.config.version}"
    )
    return report.as_text(header, verdicts), code


def run_command(
    stack: str,
    project_dir: Path,
    *,
    region: str | None = None,
    profile: str | None = None,
    as_json: bool = False,
    read_cluster: bool = True,
    endpoint_url: str | None = None,
    pool_planner: PoolPlanner | None = None,
) -> int:
    """The command: 2 (one line on stderr) for a bad stack file or key, else 1 on any FAIL, else 0 (a
    SKIP, a check whose input could not be read, does not fail it: the WARN of that reading says why)."""
    import sys

    from karpenter.preflight.aws_calls import session_clients
    from karpenter.preflight.kube_access import eks_api_client

    try:
        target = load_target(stack, project_dir, region)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    clients = session_clients(target.region, profile, endpoint_url)
    factory = (lambda cluster: eks_api_client(cluster, clients("sts"))) if read_cluster else None
    verdicts = examine(target, clients, factory, pulumi_cli_version(), pool_planner)
    output, code = render(target, verdicts, as_json)
    sys.stdout.write(output)
    return code
