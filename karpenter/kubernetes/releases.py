"""Helm releases: Karpenter's CRDs, the controller, the NVIDIA device plugin and the node pools.

The values are plain data (`release_values`, `pool_values`); the component only wires them into
`helm.v3.Release`s, in an order that is also a safe destroy order.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from karpenter.charts import CONFIG_CHART_DIR
from karpenter.charts.digest import chart_digest
from karpenter.cluster.facts import ClusterFacts
from karpenter.cluster.placement import Placement
from karpenter.config.stack_config import StackConfig
from karpenter.kubernetes.pool_values import karpenter_config_values
from karpenter.kubernetes.release_values import karpenter_values, needs_device_plugin, nvidia_device_plugin_values

KARPENTER_CHART = "oci://public.ecr.aws/karpenter/karpenter"
KARPENTER_CRD_CHART = "oci://public.ecr.aws/karpenter/karpenter-crd"
NVIDIA_DEVICE_PLUGIN_REPO = "https://nvidia.github.io/k8s-device-plugin"
NVIDIA_DEVICE_PLUGIN_CHART = "nvidia-device-plugin"
NVIDIA_DEVICE_PLUGIN_VERSION = "0.17.1"
# Removing the node pools waits for Karpenter to drain and terminate every node it launched;
# draining may take a while, and leaving before it ends would orphan instances.
CONFIG_RELEASE_TIMEOUT_SECONDS = 1800


def config_chart_path() -> str:
    """The karpenter-config chart folder, relative to the folder the program runs in (Pulumi runs
    it from the project folder), as Helm is given it, with "/" on every system (Helm reads it so
    on Windows too): `karpenter/charts/karpenter-config` in this project, the same on every
    machine. Installed as a package, it is a path into site-packages, which differs between
    machines whose virtualenvs differ in place or Python version (see the README)."""
    try:
        path = os.path.relpath(CONFIG_CHART_DIR)
    except ValueError:  # another drive on Windows: there is no relative path
        path = str(CONFIG_CHART_DIR)
    return path.replace(os.sep, "/")


@dataclass(frozen=True)
class KarpenterReleasesArgs:
    config: StackConfig
    facts: ClusterFacts
    provider: k8s.Provider
    controller_role_arn: str
    interruption_queue: str | None
    instance_profile_name: str
    # The node subnets and their zones; an Output when they are known only once the cluster is.
    placement: Placement | pulumi.Output[Placement]
    # What the controller needs before it starts: its role and policies, node access, the queue.
    controller_prerequisites: Sequence[pulumi.Resource]
    # What the node classes need: the instance profile and the discovery tags.
    node_class_prerequisites: Sequence[pulumi.Resource]
    # Set: the node classes select the node subnets and this security group by id. None: they
    # select both by the discovery tag.
    security_group_id: pulumi.Input[str] | None = None


class KarpenterReleases(pulumi.ComponentResource):
    def __init__(self, name: str, args: KarpenterReleasesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:releases:KarpenterReleases", name, None, opts)
        config = args.config

        def options(depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(depends_on))

        # Its own release so that CRDs are upgraded with the version; Helm never upgrades the
        # CRDs bundled in a chart.
        self.crds = k8s.helm.v3.Release(
            "karpenter-crd",
            name="karpenter-crd",
            chart=KARPENTER_CRD_CHART,
            version=config.version,
            namespace=config.namespace,
            create_namespace=True,
            values={},
            opts=options(),
        )
        self.karpenter = k8s.helm.v3.Release(
            "karpenter",
            # Fixed: the IRSA trust names the service account this release name gives.
            name="karpenter",
            chart=KARPENTER_CHART,
            version=config.version,
            namespace=config.namespace,
            create_namespace=True,
            skip_crds=True,
            values=karpenter_values(
                config,
                args.facts,
                controller_role_arn=args.controller_role_arn,
                interruption_queue=args.interruption_queue,
            ),
            opts=options([self.crds, *args.controller_prerequisites]),
        )
        pool_prerequisites: list[pulumi.Resource] = [self.karpenter, *args.node_class_prerequisites]
        self.device_plugin: k8s.helm.v3.Release | None = None
        if needs_device_plugin(config):
            self.device_plugin = k8s.helm.v3.Release(
                "nvidia-device-plugin",
                name="nvidia-device-plugin",
                chart=NVIDIA_DEVICE_PLUGIN_CHART,
                version=NVIDIA_DEVICE_PLUGIN_VERSION,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=NVIDIA_DEVICE_PLUGIN_REPO),
                namespace="kube-system",
                values=nvidia_device_plugin_values(config),
                opts=options(),
            )
            pool_prerequisites.append(self.device_plugin)
        by_id = args.security_group_id is not None
        # The provider upgrades a local chart's release only when its inputs or Chart.yaml's
        # version change, never for a template edit alone: the digest in the values makes every
        # change to the chart's files a change of inputs.
        digest = chart_digest(CONFIG_CHART_DIR)

        def node_pool_values(placement: Placement, security_group_id: str | None) -> dict[str, Any]:
            # A group id that resolves to nothing is refused by karpenter_config_values.
            return karpenter_config_values(
                config,
                instance_profile_name=args.instance_profile_name,
                zones=list(placement.zones),
                ami_alias=config.ami_alias,
                subnet_ids=list(placement.subnet_ids) if by_id else None,
                security_group_ids=[security_group_id] if security_group_id is not None else None,
                chart_digest=digest,
            )

        values: pulumi.Input[dict[str, Any]]
        if isinstance(args.placement, Placement) and not by_id:
            values = node_pool_values(args.placement, None)
        else:
            # Plain data all the same, built once the subnets and the group are known.
            values = pulumi.Output.all(args.placement, args.security_group_id).apply(
                lambda known: node_pool_values(known[0], known[1])
            )
        # Depends on the controller, so `pulumi destroy` removes the pools first, while the
        # controller is still there to terminate their instances.
        self.node_pools = k8s.helm.v3.Release(
            "karpenter-config",
            name="karpenter-config",
            chart=config_chart_path(),
            namespace=config.namespace,
            values=values,
            timeout=CONFIG_RELEASE_TIMEOUT_SECONDS,
            opts=options(pool_prerequisites),
        )
        self.register_outputs({"releases": [self.crds.name, self.karpenter.name, self.node_pools.name]})
