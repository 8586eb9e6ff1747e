"""The runbook's install as this stack's settings: the same cluster, namespace `karpenter` (where the
runbook installed), the controller's resources unless they are under Karpenter's recommendation, node
pools `cpu` and `gpu` with the provisioners' zones and capacity types, and `adopt: true`. Validated as
`pulumi up` would; what cannot be carried over is refused naming the key of the values file it came
from."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from karpenter.config.controller import ControllerResources, Resources
from karpenter.config.errors import ConfigError
from karpenter.config.loading import validate_settings
from karpenter.config.values import quantity_value
from karpenter.migrate.runbook_values import ProvisionerSpec, RunbookInstall
from karpenter.vocabulary import aws_names
from karpenter.vocabulary.instance_families import family_gpu_manufacturer

RUNBOOK_NAMESPACE = "karpenter"
_REGION_IN_ENDPOINT = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-[0-9])\.eks\.amazonaws\.com(?:\.cn)?/?$")
# Requirement keys a pool's own fields express, by the field.
_REQUIREMENT_FIELDS = {
    "karpenter.sh/capacity-type": "capacityTypes",
    "topology.kubernetes.io/zone": "zones",
    "kubernetes.io/arch": "architectures",
    "karpenter.k8s.aws/instance-family": "instanceFamilies",
    "karpenter.k8s.aws/instance-category": "instanceCategories",
}


def region_of(endpoint: str | None) -> str | None:
    """eu-west-1 of https://<id>.gr7.eu-west-1.eks.amazonaws.com."""
    found = _REGION_IN_ENDPOINT.search(endpoint or "")
    return found.group(1) if found else None


def _duration(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds}s"


def _consolidates(spec: ProvisionerSpec, *, gpu: bool) -> bool:
    """Whether the v0 provisioner consolidated underused nodes: the CPU one when its values say so; the
    GPU one unless they turn it off, as the karpenter-config chart's gpu-provisioner template enabled
    consolidation of itself (tfy-karpenter-config 0.1.4, and by default since its values took the key)."""
    if spec.ttl_seconds_after_empty is not None:
        return False
    return spec.consolidation is not False if gpu else spec.consolidation is True


def _below_recommendation(resources: dict[str, dict[str, str]]) -> bool:
    """Whether any cpu or memory the runbook gave the controller is under the stack's defaults, which
    are what Karpenter recommends (1 CPU, 1Gi as requests and limits). Resources that are no valid
    quantities are not: validation refuses them, naming the key."""
    try:
        ControllerResources.model_validate(resources)
    except ValidationError:
        return False
    recommended = Resources()
    return any(
        quantity_value(value) < quantity_value(getattr(recommended, name))
        for part in resources.values()
        for name, value in part.items()
        if name in ("cpu", "memory")
    )


def pool_settings(spec: ProvisionerSpec, *, gpu: bool) -> dict[str, Any]:
    """One provisioner as a node pool; v0 defaults made explicit where the stack's differ."""
    pool: dict[str, Any] = {"gpu": True} if gpu else {}
    for index, requirement in enumerate(spec.requirements):
        where = f"{spec.source}.requirements[{index}]"
        key, operator, values = (
            requirement.get("key"),
            requirement.get("operator"),
            list(requirement.get("values") or []),
        )
        if key == "karpenter.k8s.aws/instance-generation" and operator == "Gt" and len(values) == 1:
            pool["minInstanceGeneration"] = int(values[0])
        elif key == "karpenter.k8s.aws/instance-family" and operator == "NotIn" and not gpu:
            # The chart kept GPU families off the CPU provisioner; the stack's CPU pools admit none anyway.
            kept = [f for f in values if family_gpu_manufacturer(f) is None]
            if kept:
                raise ConfigError(
                    f"{where}: NotIn {', '.join(kept)}: the stack's pools exclude no families but GPU ones"
                )
        elif key in _REQUIREMENT_FIELDS and operator == "In":
            pool[_REQUIREMENT_FIELDS[key]] = values
        else:
            raise ConfigError(f"{where}: {key} {operator} has no equivalent among a pool's settings")
    for name, value in (
        ("capacityTypes", spec.capacity_types),
        ("zones", spec.zones),
        ("instanceFamilies", spec.instance_families),
    ):
        if value is not None:
            pool[name] = list(value)
    if spec.ttl_seconds_after_empty is not None:
        pool["disruption"] = {
            "consolidationPolicy": "WhenEmpty",
            "consolidateAfter": f"{spec.ttl_seconds_after_empty}s",
        }
    elif _consolidates(spec, gpu=gpu):
        # v0 consolidated without delay; v1 does with consolidateAfter 0s (Karpenter's v1 migration guide).
        pool["disruption"] = {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s"}
    # A v0 node lived until something removed it; Never keeps that, where the stack's default is 720h.
    pool["expireAfter"] = _duration(spec.ttl_seconds_until_expired) if spec.ttl_seconds_until_expired else "Never"
    if spec.limits:
        pool["limits"] = dict(spec.limits)
    if spec.labels:
        pool["labels"] = dict(spec.labels)
    if spec.taints and not gpu:
        pool["taints"] = [dict(t) for t in spec.taints]
    weight = spec.weight if spec.weight is not None else (10 if gpu else None)
    if weight is not None:
        pool["weight"] = weight
    return pool


def _origin(install: RunbookInstall, config_key: str) -> str:
    """The values key a stack key came from, for refusals raised by validation."""
    for pool, spec in (("cpu", install.cpu), ("gpu", install.gpu)):
        if spec and config_key.startswith(f"karpenter:nodePools.{pool}"):
            return spec.source
    return "the karpenter values"


def stack_settings(install: RunbookInstall, region: str | None = None) -> dict[str, Any]:
    """`config:` of the stack file: `aws:region` and the `karpenter:` keys; raises ConfigError naming
    the values key (or the stack key) of what cannot be carried over."""
    name = install.cluster_name
    if install.instance_profile not in (None, aws_names.instance_profile_name(name)):
        raise ConfigError(
            f"settings.aws.defaultInstanceProfile: {install.instance_profile!r} is not the stack's instance profile "
            f"{aws_names.instance_profile_name(name)!r}; adopt takes over only the runbook's names"
        )
    role = install.controller_role_arn
    if role is not None and not role.endswith(f":role/{aws_names.controller_role_name(name)}"):
        raise ConfigError(
            f"serviceAccount.annotations.eks.amazonaws.com/role-arn: {role!r} is not the stack's controller role "
            f"{aws_names.controller_role_name(name)!r}"
        )
    if install.interruption_queue not in (None, aws_names.interruption_queue_name(name)):
        raise ConfigError(
            f"settings.aws.interruptionQueueName: {install.interruption_queue!r} is not the queue the stack makes "
            f"({aws_names.interruption_queue_name(name)!r}); remove it, and delete that queue after the cut-over"
        )
    chosen_region = region or region_of(install.endpoint)
    if not chosen_region:
        raise ConfigError("aws:region: the values name no EKS endpoint to read it from; pass --region")
    pools = {}
    if install.cpu:
        pools["cpu"] = pool_settings(install.cpu, gpu=False)
    if install.gpu:
        pools["gpu"] = pool_settings(install.gpu, gpu=True)
    settings: dict[str, Any] = {
        "clusterName": name,
        "namespace": RUNBOOK_NAMESPACE,
        "identity": "irsa",
        "adopt": True,
    }
    controller: dict[str, Any] = {}
    if install.replicas is not None:
        controller["replicas"] = install.replicas
    # The runbook's 200m / 256Mi limits are far under what Karpenter 1.14 recommends; the stack's
    # defaults are that recommendation, and convert says so (behaviour_changes).
    if install.controller_resources and not _below_recommendation(install.controller_resources):
        controller["resources"] = install.controller_resources
    if controller:
        settings["controller"] = controller
    if pools:
        settings["nodePools"] = pools
    try:
        validate_settings(settings)
    except ConfigError as exc:
        key = str(exc).split(":", 2)
        raise ConfigError(f"{_origin(install, ':'.join(key[:2]))}: cannot be converted: {exc}") from None
    return {"aws:region": chosen_region, **{f"karpenter:{key}": value for key, value in settings.items()}}
