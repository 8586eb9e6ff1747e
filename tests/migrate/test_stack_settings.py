"""The runbook's install as this stack's settings: every provisioner field lands on its pool setting,
what v0 left implicit is written out, and what cannot be carried over is refused naming the values key."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.errors import ConfigError
from karpenter.migrate.runbook_values import ProvisionerSpec
from karpenter.migrate.stack_settings import stack_settings
from tests.migrate.conftest import install

CPU_SOURCE, GPU_SOURCE = "defaultProvisionerSpec", "gpuProvisionerSpec"


def cpu_pool(spec: ProvisionerSpec) -> dict[str, Any]:
    return stack_settings(install(cpu=spec), "eu-west-1")["karpenter:nodePools"]["cpu"]


def test_every_provisioner_field_becomes_its_pool_setting() -> None:
    cpu = ProvisionerSpec(
        source=CPU_SOURCE,
        requirements=[
            {"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["4"]},
            {"key": "karpenter.k8s.aws/instance-family", "operator": "NotIn", "values": ["p3", "g4dn"]},
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
        ],
        zones=["eu-west-1a"],
        ttl_seconds_after_empty=30,
        ttl_seconds_until_expired=7200,
        limits={"cpu": "100"},
        labels={"team": "web"},
        taints=[{"key": "dedicated", "value": "web", "effect": "NoSchedule"}],
        weight=5,
    )
    gpu = ProvisionerSpec(
        source=GPU_SOURCE,
        capacity_types=["on-demand"],
        ttl_seconds_until_expired=90,
        limits={"nvidia.com/gpu": "8"},
        labels={"accelerator": "nvidia"},
        taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
    )
    runbook = install(
        endpoint="https://ABC123.gr7.eu-west-1.eks.amazonaws.com",
        controller_role_arn="arn:aws:iam::111122223333:role/karpenter-controller-role-dev",
        replicas=2,
        cpu=cpu,
        gpu=gpu,
    )
    assert stack_settings(runbook) == {
        "aws:region": "eu-west-1",
        "karpenter:clusterName": "dev",
        "karpenter:namespace": "karpenter",
        "karpenter:identity": "irsa",
        "karpenter:adopt": True,
        "karpenter:controller": {"replicas": 2},
        "karpenter:nodePools": {
            "cpu": {
                "minInstanceGeneration": 4,
                "architectures": ["amd64"],
                "zones": ["eu-west-1a"],
                "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "30s"},
                "expireAfter": "2h",
                "limits": {"cpu": "100"},
                "labels": {"team": "web"},
                "taints": [{"key": "dedicated", "value": "web", "effect": "NoSchedule"}],
                "weight": 5,
            },
            # The GPU pool taints its nodes itself; the provisioner's taints are not carried over.
            "gpu": {
                "gpu": True,
                "capacityTypes": ["on-demand"],
                "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s"},
                "expireAfter": "90s",
                "limits": {"nvidia.com/gpu": "8"},
                "labels": {"accelerator": "nvidia"},
                "weight": 10,
            },
        },
    }


def test_bare_provisioners_keep_nodes_until_removed_and_only_the_gpu_pool_weighs_by_default() -> None:
    runbook = install(
        cpu=ProvisionerSpec(source=CPU_SOURCE, consolidation=True),
        gpu=ProvisionerSpec(source=GPU_SOURCE, weight=3),
    )
    assert stack_settings(runbook, "us-east-2") == {
        "aws:region": "us-east-2",
        "karpenter:clusterName": "dev",
        "karpenter:namespace": "karpenter",
        "karpenter:identity": "irsa",
        "karpenter:adopt": True,
        "karpenter:nodePools": {
            "cpu": {
                "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s"},
                "expireAfter": "Never",
            },
            "gpu": {
                "gpu": True,
                "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s"},
                "expireAfter": "Never",
                "weight": 3,
            },
        },
    }


def test_a_cpu_provisioner_without_consolidation_gets_no_disruption_setting() -> None:
    assert cpu_pool(ProvisionerSpec(source=CPU_SOURCE, consolidation=False)) == {"expireAfter": "Never"}


def test_a_gpu_provisioner_with_consolidation_turned_off_is_not_consolidated() -> None:
    """The karpenter-config chart's gpu-provisioner template (tfy-karpenter-config 0.1.13,
    truefoundry/infra-charts b5f5bea2c) writes `consolidation: enabled: true` only if the values
    enable it, and else `ttlSecondsAfterEmpty`: the pool keeps the stack's GPU default, WhenEmpty."""
    runbook = install(gpu=ProvisionerSpec(source=GPU_SOURCE, consolidation=False))
    assert stack_settings(runbook, "eu-west-1")["karpenter:nodePools"]["gpu"] == {
        "gpu": True,
        "expireAfter": "Never",
        "weight": 10,
    }


RUNBOOK_RESOURCES = {"requests": {"cpu": "50m", "memory": "100Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}}


@pytest.mark.parametrize(
    "resources",
    [
        RUNBOOK_RESOURCES,
        {"limits": {"cpu": "2", "memory": "512Mi"}},
        {"requests": {"cpu": "999m"}},
    ],
    ids=["runbook", "memory-limit-under", "cpu-request-under"],
)
def test_controller_resources_under_the_recommendation_give_way_to_the_stacks_defaults(
    resources: dict[str, dict[str, str]],
) -> None:
    """Karpenter 1.14.1's chart (charts/karpenter/values.yaml) leaves `controller.resources` empty and
    suggests requests and limits of cpu 1 and memory 1Gi; its getting-started guide installs with
    exactly those (step08-apply-helm-chart.sh). The stack's defaults are that recommendation."""
    assert "karpenter:controller" not in stack_settings(install(controller_resources=resources), "eu-west-1")
    with_replicas = stack_settings(install(controller_resources=resources, replicas=3), "eu-west-1")
    assert with_replicas["karpenter:controller"] == {"replicas": 3}


def test_controller_resources_at_or_above_the_recommendation_are_kept() -> None:
    resources = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2048Mi"}}
    settings = stack_settings(install(controller_resources=resources), "eu-west-1")
    assert settings["karpenter:controller"] == {"resources": resources}


@pytest.mark.parametrize(
    ("seconds", "expire_after"),
    [(3600, "1h"), (86400, "24h"), (2592000, "720h"), (5400, "5400s"), (59, "59s"), (1, "1s")],
)
def test_expiry_in_whole_hours_is_written_in_hours_and_otherwise_in_seconds(seconds: int, expire_after: str) -> None:
    pool = cpu_pool(ProvisionerSpec(source=CPU_SOURCE, ttl_seconds_until_expired=seconds))
    assert pool == {"expireAfter": expire_after}


@pytest.mark.parametrize(
    ("requirement", "message"),
    [
        (
            {"key": "karpenter.k8s.aws/instance-generation", "operator": "In", "values": ["4"]},
            "defaultProvisionerSpec.requirements[0]: karpenter.k8s.aws/instance-generation In has no equivalent "
            "among a pool's settings",
        ),
        (
            {"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["4", "5"]},
            "defaultProvisionerSpec.requirements[0]: karpenter.k8s.aws/instance-generation Gt has no equivalent "
            "among a pool's settings",
        ),
        (
            {"key": "karpenter.k8s.aws/instance-family", "operator": "NotIn", "values": ["p3", "m5", "c5"]},
            "defaultProvisionerSpec.requirements[0]: NotIn m5, c5: the stack's pools exclude no families but GPU ones",
        ),
        (
            {"key": "karpenter.k8s.aws/instance-family", "operator": "Exists"},
            "defaultProvisionerSpec.requirements[0]: karpenter.k8s.aws/instance-family Exists has no equivalent "
            "among a pool's settings",
        ),
        (
            {"key": "node.kubernetes.io/instance-type", "operator": "Gt", "values": ["4"]},
            "defaultProvisionerSpec.requirements[0]: node.kubernetes.io/instance-type Gt has no equivalent "
            "among a pool's settings",
        ),
    ],
)
def test_a_requirement_no_pool_setting_expresses_is_refused(requirement: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        cpu_pool(ProvisionerSpec(source=CPU_SOURCE, requirements=[requirement]))
    assert str(refused.value) == message


def test_the_gpu_provisioner_may_not_exclude_families() -> None:
    spec = ProvisionerSpec(
        source=GPU_SOURCE,
        requirements=[{"key": "karpenter.k8s.aws/instance-family", "operator": "NotIn", "values": ["p3"]}],
    )
    with pytest.raises(ConfigError) as refused:
        stack_settings(install(gpu=spec), "eu-west-1")
    assert str(refused.value) == (
        "gpuProvisionerSpec.requirements[0]: karpenter.k8s.aws/instance-family NotIn has no equivalent "
        "among a pool's settings"
    )


def test_a_family_requirement_becomes_the_pools_families() -> None:
    spec = ProvisionerSpec(
        source=CPU_SOURCE,
        requirements=[{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m5", "c5"]}],
    )
    assert cpu_pool(spec) == {"instanceFamilies": ["m5", "c5"], "expireAfter": "Never"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"instance_profile": "KarpenterNodeInstanceProfile"},
            "settings.aws.defaultInstanceProfile: 'KarpenterNodeInstanceProfile' is not the stack's instance profile "
            "'karpenter-instance-profile-dev'; adopt takes over only the runbook's names",
        ),
        (
            {"controller_role_arn": "arn:aws:iam::111122223333:role/karpenter-controller-role-prod"},
            "serviceAccount.annotations.eks.amazonaws.com/role-arn: "
            "'arn:aws:iam::111122223333:role/karpenter-controller-role-prod' is not the stack's controller role "
            "'karpenter-controller-role-dev'",
        ),
        (
            {"interruption_queue": "karpenter-prod"},
            "settings.aws.interruptionQueueName: 'karpenter-prod' is not the queue the stack makes "
            "('karpenter-dev'); remove it, and delete that queue after the cut-over",
        ),
    ],
)
def test_names_other_than_the_runbooks_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        stack_settings(install(**changes), "eu-west-1")
    assert str(refused.value) == message


def test_the_runbooks_own_names_are_accepted() -> None:
    runbook = install(
        instance_profile="karpenter-instance-profile-dev",
        controller_role_arn="arn:aws:iam::111122223333:role/karpenter-controller-role-dev",
        interruption_queue="karpenter-dev",
    )
    assert stack_settings(runbook, "eu-west-1")["karpenter:clusterName"] == "dev"


@pytest.mark.parametrize("endpoint", [None, "https://kubernetes.example.com"])
def test_without_an_eks_endpoint_the_region_must_be_passed(endpoint: str | None) -> None:
    with pytest.raises(ConfigError) as refused:
        stack_settings(install(endpoint=endpoint))
    assert str(refused.value) == "aws:region: the values name no EKS endpoint to read it from; pass --region"


def test_a_china_endpoint_gives_its_region() -> None:
    runbook = install(endpoint="https://ABC123.yl4.cn-north-1.eks.amazonaws.com.cn")
    assert stack_settings(runbook)["aws:region"] == "cn-north-1"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"cpu": ProvisionerSpec(source=CPU_SOURCE, limits={"cpu": "lots"})},
            "defaultProvisionerSpec: cannot be converted: karpenter:nodePools.cpu.limits.cpu: 'lots' is not a "
            "Kubernetes quantity ≥ 0 such as 100, 500m or 64Gi",
        ),
        (
            {
                "cpu": ProvisionerSpec(source=CPU_SOURCE),
                "gpu": ProvisionerSpec(source=GPU_SOURCE, labels={"team": "a b"}),
            },
            "gpuProvisionerSpec: cannot be converted: karpenter:nodePools.gpu.labels: 'a b' is not a Kubernetes "
            "label value",
        ),
        (
            {"replicas": 0},
            "the karpenter values: cannot be converted: karpenter:controller.replicas: 0 must be a number ≥ 1",
        ),
    ],
)
def test_what_validation_refuses_names_the_values_key_it_came_from(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        stack_settings(install(**changes), "eu-west-1")
    assert str(refused.value) == message
