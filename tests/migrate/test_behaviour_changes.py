"""What the converted stack does otherwise than the runbook's v0 install, derived from what was
converted: each note names the stack key, and a note appears only where the values left v0's
behaviour to a default that v1 does not share (or where the stack keeps v0's against its own)."""

from __future__ import annotations

import pytest
import yaml

from karpenter.migrate.behaviour_changes import behaviour_changes
from karpenter.migrate.runbook_values import ProvisionerSpec, RunbookInstall, read_install
from karpenter.migrate.stack_settings import stack_settings
from tests.conftest import FIXTURES
from tests.migrate.conftest import install

RUNBOOK = FIXTURES / "runbook"
CPU, GPU = "karpenter.defaultProvisionerSpec", "karpenter.gpuProvisionerSpec"
GPU_FAMILIES = [{"key": "karpenter.k8s.aws/instance-family", "operator": "NotIn", "values": ["p3", "g5"]}]
DRIFT = (
    "karpenter:nodePools: v1 replaces nodes that drift from their pool or node class (a new AMI, a changed "
    "requirement), always; v0 replaced none, its drift being off unless settings.featureGates.driftEnabled"
)
# What convert prints, and writes into the header, for the runbook's own values.
RUNBOOK_CHANGES = [
    "karpenter:nodePools.cpu.expireAfter: Never keeps v0's behaviour (karpenter.defaultProvisionerSpec sets no "
    "ttlSecondsUntilExpired, so nodes were never replaced for age); the stack's default is 720h",
    "karpenter:nodePools.cpu.instanceCategories: v0 could launch any family but p2, p3, g4dn, g5, p4d, p4de; "
    "this pool launches categories c, m and r of generation > 2 (the stack's default); set instanceCategories "
    "or instanceFamilies to widen it",
    "karpenter:nodePools.cpu.limits: v0 set no limits (karpenter.defaultProvisionerSpec has none); this pool "
    "stops launching at the stack's default limits (cpu 1000, memory 1000Gi)",
    "karpenter:nodePools.gpu.disruption: moves pods off underused GPU nodes at once (WhenEmptyOrUnderutilized, "
    "consolidateAfter: 0s), evicting running GPU jobs, as v0 did (karpenter.gpuProvisionerSpec does not set "
    "consolidation, and the chart's gpu-provisioner enabled it); the stack's default for GPU pools, WhenEmpty "
    "after 1m, removes only empty nodes: set disruption.consolidationPolicy: WhenEmpty if jobs must not move",
    "karpenter:nodePools.gpu.expireAfter: Never keeps v0's behaviour (karpenter.gpuProvisionerSpec sets no "
    "ttlSecondsUntilExpired, so nodes were never replaced for age); the stack's default is 720h",
    "karpenter:nodePools.gpu.instanceFamilies: v0 launched the chart's default GPU families p2, p3, g4dn, g5, "
    "p4d, p4de (karpenter.gpuProvisionerSpec.instanceFamilies is not set); this pool launches any NVIDIA GPU "
    "family of categories g and p of generation > 2; set instanceFamilies to restrict it",
    "karpenter:nodePools.gpu.limits: v0 set no limits (karpenter.gpuProvisionerSpec has none); this pool stops "
    "launching at the stack's default limits (cpu 1000, memory 1000Gi; GPU pools also an nvidia.com/gpu limit)",
    "karpenter:nodePools.gpu.taints: nodes carry nvidia.com/gpu=true:NoSchedule where v0's carried "
    "nvidia.com/gpu:NoSchedule (no value): a toleration of that key with no value and no operator (Equal, the "
    "default) no longer matches; give it operator: Exists",
    DRIFT,
    "karpenter:controller.resources: the runbook's requests cpu 50m, memory 100Mi; limits cpu 200m, memory "
    "256Mi are replaced by what Karpenter 1.14 recommends and the stack defaults to, 1 CPU and 1Gi as requests "
    "and limits; set karpenter:controller.resources to choose others",
]


def changes_of(runbook: RunbookInstall) -> dict[str, str]:
    return {change.key: change.text for change in behaviour_changes(runbook, stack_settings(runbook, "eu-west-1"))}


def test_the_runbooks_values_are_told_every_change_in_the_order_of_the_stack_keys() -> None:
    """Sources of the lines: the chart the runbook's values are for (truefoundry/infra-charts,
    charts/tfy-karpenter-config at 5e1311b79, 0.1.4: its gpu-provisioner template sets `consolidation:
    enabled: true`, taints `nvidia.com/gpu` with no value, and requires `instanceFamilies`, whose
    default in values.yaml is p2, p3, g4dn, g5, p4d, p4de); Karpenter v0.27.3's chart values
    (`featureGates.driftEnabled`: "is in ALPHA and is disabled by default") and v1 migration guide
    (website/content/en/v1.0/upgrading/v1-migration.md: drift "promoted to Stable, and cannot be
    disabled"); Karpenter 1.14.1's recommended controller resources (charts/karpenter/values.yaml)."""
    runbook = read_install(
        yaml.safe_load((RUNBOOK / "karpenter-values.yaml").read_text()),
        "karpenter-values.yaml",
        yaml.safe_load((RUNBOOK / "karpenter-config-values.yaml").read_text()),
        "karpenter-config-values.yaml",
    )
    changes = behaviour_changes(runbook, stack_settings(runbook))
    assert [str(change) for change in changes] == RUNBOOK_CHANGES


def test_a_cpu_provisioner_without_consolidation_is_told_the_pool_consolidates_what_v0_never_did() -> None:
    """Karpenter v0.27's deprovisioning docs (website/content/en/v0.27.2/concepts/deprovisioning.md):
    without `consolidation.enabled`, "Karpenter will not set default values for them and will not
    terminate nodes for that purpose"; the stack's pools default to WhenEmptyOrUnderutilized after 1m."""
    changes = changes_of(install(cpu=ProvisionerSpec(source=CPU, consolidation=False)))
    assert changes["karpenter:nodePools.cpu.disruption"] == (
        "v0 did not consolidate this provisioner's underused nodes (karpenter.defaultProvisionerSpec"
        ".consolidation.enabled is not true); this pool does, and removes empty ones, after 1m (the stack's "
        "default); set disruption.consolidationPolicy: WhenEmpty to only remove empty nodes, or "
        "consolidateAfter: Never to remove none"
    )


def test_a_gpu_provisioner_with_consolidation_off_is_not_consolidated_and_told_when_empty_nodes_go() -> None:
    runbook = install(gpu=ProvisionerSpec(source=GPU, consolidation=False))
    assert "disruption" not in stack_settings(runbook, "eu-west-1")["karpenter:nodePools"]["gpu"]
    assert changes_of(runbook)["karpenter:nodePools.gpu.disruption"] == (
        "v0 did not consolidate (karpenter.gpuProvisionerSpec.consolidation.enabled is false) and removed empty "
        "nodes after the chart's ttlSecondsAfterEmpty, which these values do not set; this pool removes empty "
        "nodes after 1m (WhenEmpty, the stack's default for GPU pools); set disruption.consolidateAfter to wait "
        "longer"
    )


def test_gpu_consolidation_the_values_turn_on_is_named_by_its_key() -> None:
    changes = changes_of(install(gpu=ProvisionerSpec(source=GPU, consolidation=True)))
    assert changes["karpenter:nodePools.gpu.disruption"] == (
        "moves pods off underused GPU nodes at once (WhenEmptyOrUnderutilized, consolidateAfter: 0s), evicting "
        "running GPU jobs, as v0 did (karpenter.gpuProvisionerSpec.consolidation.enabled is true); the stack's "
        "default for GPU pools, WhenEmpty after 1m, removes only empty nodes: set "
        "disruption.consolidationPolicy: WhenEmpty if jobs must not move"
    )


@pytest.mark.parametrize(
    "spec",
    [
        ProvisionerSpec(source=CPU, consolidation=True),
        ProvisionerSpec(source=CPU, ttl_seconds_after_empty=30),
    ],
    ids=["consolidation", "ttl-seconds-after-empty"],
)
def test_a_cpu_pool_that_removes_nodes_as_v0_did_has_no_disruption_note(spec: ProvisionerSpec) -> None:
    assert "karpenter:nodePools.cpu.disruption" not in changes_of(install(cpu=spec))


def test_empty_gpu_nodes_removed_after_a_ttl_have_no_disruption_note() -> None:
    assert "karpenter:nodePools.gpu.disruption" not in changes_of(
        install(gpu=ProvisionerSpec(source=GPU, ttl_seconds_after_empty=300))
    )


def test_expiry_carried_over_is_told_that_v1_expiry_is_forceful() -> None:
    """Karpenter's v1 migration guide (website/content/en/v1.0/upgrading/v1-migration.md, "Forceful
    Expiration"): "Once a NodeClaim expires, Karpenter will immediately begin draining the corresponding
    Node without first provisioning a replacement Node", also where PDBs or do-not-disrupt pods blocked
    it; v0.27 pre-spun replacements and respected them (deprovisioning.md)."""
    changes = changes_of(install(cpu=ProvisionerSpec(source=CPU, consolidation=True, ttl_seconds_until_expired=86400)))
    assert changes["karpenter:nodePools.cpu.expireAfter"] == (
        "24h from karpenter.defaultProvisionerSpec.ttlSecondsUntilExpired, but v1 expiry is forceful: an expired "
        "node starts draining at once, before its replacement is up and whatever disruption budgets or "
        "karpenter.sh/do-not-disrupt pods say; v0 expired a node only once it could be disrupted gracefully"
    )


def test_a_cpu_provisioner_with_no_family_requirement_could_launch_any_family() -> None:
    spec = ProvisionerSpec(
        source=CPU,
        consolidation=True,
        requirements=[{"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["4"]}],
    )
    assert changes_of(install(cpu=spec))["karpenter:nodePools.cpu.instanceCategories"] == (
        "v0 could launch any family; this pool launches categories c, m and r (the stack's default); set "
        "instanceCategories or instanceFamilies to widen it"
    )


def test_what_the_values_set_themselves_has_no_note() -> None:
    cpu = ProvisionerSpec(
        source=CPU,
        consolidation=True,
        requirements=[{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m5", "c5"]}],
        limits={"cpu": "64"},
    )
    gpu = ProvisionerSpec(source=GPU, instance_families=["g5"], limits={"nvidia.com/gpu": "4"})
    assert list(changes_of(install(cpu=cpu, gpu=gpu))) == [
        "karpenter:nodePools.cpu.expireAfter",
        "karpenter:nodePools.gpu.disruption",
        "karpenter:nodePools.gpu.expireAfter",
        "karpenter:nodePools.gpu.taints",
        "karpenter:nodePools",
    ]


def test_without_provisioners_there_is_no_note_on_pools_or_drift() -> None:
    assert changes_of(install()) == {}


@pytest.mark.parametrize(
    "resources",
    [
        {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
        {"limits": {"cpu": "1", "memory": "1024Mi"}},
    ],
    ids=["above", "equal"],
)
def test_controller_resources_kept_have_no_note(resources: dict[str, dict[str, str]]) -> None:
    assert changes_of(install(controller_resources=resources)) == {}
