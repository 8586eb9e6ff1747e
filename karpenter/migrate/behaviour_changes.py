"""What the converted stack does differently from the v0 install it came from, read off the install and
the settings convert wrote: one line per change, named by its stack key, for the stack file's header
and convert's output. Facts: Karpenter v0.27's deprovisioning docs and chart, its v1 migration guide,
the karpenter-config chart's templates (tfy-karpenter-config 0.1.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from karpenter.config.controller import Resources
from karpenter.config.node_pool import NodePool
from karpenter.config.pool_disruption import Disruption
from karpenter.migrate.runbook_values import ProvisionerSpec, RunbookInstall

# The chart's gpuProvisionerSpec.instanceFamilies, which its gpu-provisioner required when the values
# left them out (the runbook's do).
CHART_GPU_FAMILIES = ("p2", "p3", "g4dn", "g5", "p4d", "p4de")
_FAMILY = "karpenter.k8s.aws/instance-family"


@dataclass(frozen=True)
class Change:
    key: str
    text: str

    def __str__(self) -> str:
        return f"{self.key}: {self.text}"


def _disruption(spec: ProvisionerSpec, pool: dict[str, Any], key: str, *, gpu: bool) -> Change | None:
    written = pool.get("disruption")
    after = Disruption().consolidate_after
    if written is None and not gpu:
        return Change(
            f"{key}.disruption",
            f"v0 did not consolidate this provisioner's underused nodes ({spec.source}.consolidation.enabled is "
            f"not true); this pool does, and removes empty ones, after {after} (the stack's default); set "
            "disruption.consolidationPolicy: WhenEmpty to only remove empty nodes, or consolidateAfter: Never "
            "to remove none",
        )
    if written is None:
        return Change(
            f"{key}.disruption",
            f"v0 did not consolidate ({spec.source}.consolidation.enabled is false) and removed empty nodes after "
            f"the chart's ttlSecondsAfterEmpty, which these values do not set; this pool removes empty nodes "
            f"after {after} (WhenEmpty, the stack's default for GPU pools); set disruption.consolidateAfter to "
            "wait longer",
        )
    if gpu and written["consolidationPolicy"] == "WhenEmptyOrUnderutilized":
        why = (
            f"{spec.source}.consolidation.enabled is true"
            if spec.consolidation
            else f"{spec.source} does not set consolidation, and the chart's gpu-provisioner enabled it"
        )
        return Change(
            f"{key}.disruption",
            f"moves pods off underused GPU nodes at once (WhenEmptyOrUnderutilized, consolidateAfter: 0s), "
            f"evicting running GPU jobs, as v0 did ({why}); the stack's default for GPU pools, WhenEmpty after "
            f"{after}, removes only empty nodes: set disruption.consolidationPolicy: WhenEmpty if jobs must not move",
        )
    return None


def _expiry(spec: ProvisionerSpec, pool: dict[str, Any], key: str) -> Change:
    if spec.ttl_seconds_until_expired is None:
        return Change(
            f"{key}.expireAfter",
            f"Never keeps v0's behaviour ({spec.source} sets no ttlSecondsUntilExpired, so nodes were never "
            f"replaced for age); the stack's default is {NodePool().expire_after}",
        )
    return Change(
        f"{key}.expireAfter",
        f"{pool['expireAfter']} from {spec.source}.ttlSecondsUntilExpired, but v1 expiry is forceful: an expired "
        "node starts draining at once, before its replacement is up and whatever disruption budgets or "
        "karpenter.sh/do-not-disrupt pods say; v0 expired a node only once it could be disrupted gracefully",
    )


def _families(spec: ProvisionerSpec, pool: dict[str, Any], key: str, *, gpu: bool) -> Change | None:
    if "instanceFamilies" in pool or "instanceCategories" in pool:
        return None
    generation = "" if "minInstanceGeneration" in pool else f" of generation > {NodePool().min_instance_generation}"
    if gpu:
        return Change(
            f"{key}.instanceFamilies",
            f"v0 launched the chart's default GPU families {', '.join(CHART_GPU_FAMILIES)} ({spec.source}"
            f".instanceFamilies is not set); this pool launches any NVIDIA GPU family of categories g and p"
            f"{generation}; set instanceFamilies to restrict it",
        )
    excluded = [
        value
        for requirement in spec.requirements
        if requirement.get("key") == _FAMILY and requirement.get("operator") == "NotIn"
        for value in requirement.get("values") or []
    ]
    v0 = f"any family but {', '.join(excluded)}" if excluded else "any family"
    return Change(
        f"{key}.instanceCategories",
        f"v0 could launch {v0}; this pool launches categories c, m and r{generation} (the stack's default); set "
        "instanceCategories or instanceFamilies to widen it",
    )


def _limits(spec: ProvisionerSpec, key: str, *, gpu: bool) -> Change | None:
    if spec.limits:
        return None
    limits = ", ".join(f"{name} {value}" for name, value in NodePool().limits.items())
    gpus = "; GPU pools also an nvidia.com/gpu limit" if gpu else ""
    return Change(
        f"{key}.limits",
        f"v0 set no limits ({spec.source} has none); this pool stops launching at the stack's default limits "
        f"({limits}{gpus})",
    )


def _taint(key: str) -> Change:
    return Change(
        f"{key}.taints",
        "nodes carry nvidia.com/gpu=true:NoSchedule where v0's carried nvidia.com/gpu:NoSchedule (no value): "
        "a toleration of that key with no value and no operator (Equal, the default) no longer matches; "
        "give it operator: Exists",
    )


def _pool_changes(spec: ProvisionerSpec, pool: dict[str, Any], name: str) -> list[Change]:
    key, gpu = f"karpenter:nodePools.{name}", bool(pool.get("gpu"))
    found = [
        _disruption(spec, pool, key, gpu=gpu),
        _expiry(spec, pool, key),
        _families(spec, pool, key, gpu=gpu),
        _limits(spec, key, gpu=gpu),
        _taint(key) if gpu else None,
    ]
    return [change for change in found if change is not None]


def _format(resources: dict[str, dict[str, str]]) -> str:
    return "; ".join(
        f"{part} {', '.join(f'{name} {value}' for name, value in values.items())}" for part, values in resources.items()
    )


def behaviour_changes(install: RunbookInstall, config: dict[str, Any]) -> list[Change]:
    """Each way the stack in `config` (as convert writes it) behaves otherwise than the runbook's v0
    install, or keeps v0's behaviour against the stack's defaults, in the order of the stack's keys."""
    changes: list[Change] = []
    pools = config.get("karpenter:nodePools") or {}
    for name, spec in (("cpu", install.cpu), ("gpu", install.gpu)):
        if spec is not None and name in pools:
            changes += _pool_changes(spec, pools[name], name)
    if pools:
        # v0.27's chart: featureGates.driftEnabled "is in ALPHA and is disabled by default", and its drift
        # covered AMIs only; the v1 migration guide: drift "was dropped and promoted to Stable, and cannot
        # be disabled". The reader refuses featureGates, so these values left it off.
        changes.append(
            Change(
                "karpenter:nodePools",
                "v1 replaces nodes that drift from their pool or node class (a new AMI, a changed requirement), "
                "always; v0 replaced none, its drift being off unless settings.featureGates.driftEnabled",
            )
        )
    controller = config.get("karpenter:controller") or {}
    if install.controller_resources and "resources" not in controller:
        recommended = Resources()
        changes.append(
            Change(
                "karpenter:controller.resources",
                f"the runbook's {_format(install.controller_resources)} are replaced by what Karpenter 1.14 "
                f"recommends and the stack defaults to, {recommended.cpu} CPU and {recommended.memory} as "
                "requests and limits; set karpenter:controller.resources to choose others",
            )
        )
    return changes
