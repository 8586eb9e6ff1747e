"""`karpenter:helmValues` and `karpenter:version`: only what the chart at a supported release reads,
with the types it reads, and nothing the stack sets itself."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import DEFAULT_KARPENTER_VERSION
from karpenter.offline import program
from karpenter.vocabulary.karpenter_chart_keys import (
    CHART_VALUES,
    STACK_OWNED,
    SUPPORTED_VERSIONS,
    ValueType,
    chart_misfit,
)
from tests.conftest import Run, settings_for

RELEASE = "kubernetes:helm.sh/v3:Release"
VPC = "vpc-0a1b2c3d4e5f6a7b8"
PRIVATE = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]
NEW_CLUSTER = {"create": True, "vpcId": VPC, "subnetIds": PRIVATE}
SERVICE_ACCOUNT = (
    "changes the service account the chart renders; the IRSA trust policy and the Pod Identity association "
    "name the account karpenter, which the chart derives from the release name karpenter; remove it"
)
ROLE = (
    "set by the stack from karpenter:identity (the stack creates the controller role and annotates the "
    "service account with it); remove it"
)


def _parse(**config: Any) -> StackConfig:
    return parse_stack_config(settings_for({"clusterName": "dev", **config}))


def _refusal(**config: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        _parse(**config)
    return str(caught.value)


def _controller_values(result: program.SynthResult) -> dict[str, Any]:
    (release,) = [r for r in result.of_type(RELEASE) if r.inputs["name"] == "karpenter"]
    values: dict[str, Any] = release.inputs["values"]
    return values


@pytest.mark.parametrize(
    ("helm_values", "message"),
    [
        (
            {"replicas": 3},
            "karpenter:helmValues.replicas: set by the stack from karpenter:controller.replicas; set it there",
        ),
        (
            {"replicas": "lots"},
            "karpenter:helmValues.replicas: set by the stack from karpenter:controller.replicas; set it there",
        ),
        (
            {"controller": {"resources": {"limits": {"memory": "2Gi"}}}},
            "karpenter:helmValues.controller.resources: set by the stack from karpenter:controller.resources; "
            "set it there",
        ),
        (
            {"settings": {"clusterName": "other"}},
            "karpenter:helmValues.settings.clusterName: set by the stack from karpenter:clusterName; set it there",
        ),
        (
            {"settings": {"clusterEndpoint": "https://example.com"}},
            "karpenter:helmValues.settings.clusterEndpoint: set by the stack from the endpoint it reads from the "
            "cluster; remove it",
        ),
        (
            {"settings": {"interruptionQueue": "arn:aws:sqs:eu-west-1:123456789012:karpenter-dev"}},
            "karpenter:helmValues.settings.interruptionQueue: set by the stack from karpenter:interruption, which "
            "creates and names its own queue; set it there",
        ),
        (
            {"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::210987654321:role/x"}}},
            f'karpenter:helmValues.serviceAccount.annotations."eks.amazonaws.com/role-arn": {ROLE}',
        ),
        (
            {"additionalAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::210987654321:role/x"}},
            f'karpenter:helmValues.additionalAnnotations."eks.amazonaws.com/role-arn": {ROLE}',
        ),
        ({"serviceAccount": {"name": "controller"}}, f"karpenter:helmValues.serviceAccount.name: {SERVICE_ACCOUNT}"),
        ({"serviceAccount": {"create": False}}, f"karpenter:helmValues.serviceAccount.create: {SERVICE_ACCOUNT}"),
        ({"nameOverride": "autoscaler"}, f"karpenter:helmValues.nameOverride: {SERVICE_ACCOUNT}"),
        ({"fullnameOverride": "autoscaler"}, f"karpenter:helmValues.fullnameOverride: {SERVICE_ACCOUNT}"),
        (
            {"controller": {"image": {"tag": "1.13.2"}}},
            "karpenter:helmValues.controller.image.tag: follows karpenter:version, which keeps the image, CRDs and "
            "IAM of one release together; set that instead",
        ),
        (
            {"controller": {"env": [{"name": "GOMEMLIMIT", "value": "1GiB"}, {"name": "CLUSTER_NAME", "value": "x"}]}},
            "karpenter:helmValues.controller.env[1].name: CLUSTER_NAME is set by the stack from "
            "karpenter:clusterName; remove it",
        ),
        (
            # An entry that is no map is passed over, and the next one still judged.
            {"controller": {"env": ["GOMEMLIMIT=1GiB", {"name": "CLUSTER_NAME", "value": "x"}]}},
            "karpenter:helmValues.controller.env[1].name: CLUSTER_NAME is set by the stack from "
            "karpenter:clusterName; remove it",
        ),
        (
            {"controller": {"env": [{"name": "INTERRUPTION_QUEUE", "value": "other"}]}},
            "karpenter:helmValues.controller.env[0].name: INTERRUPTION_QUEUE is set by the stack from "
            "karpenter:interruption; remove it",
        ),
        (
            {"controller": {"env": [{"name": "CLUSTER_ENDPOINT", "value": "https://example.com"}]}},
            "karpenter:helmValues.controller.env[0].name: CLUSTER_ENDPOINT is set by the stack from the cluster's "
            "endpoint; remove it",
        ),
    ],
)
def test_values_the_stack_sets_are_refused_naming_where_they_come_from(
    helm_values: dict[str, Any], message: str
) -> None:
    assert _refusal(helmValues=helm_values) == message


@pytest.mark.parametrize(
    ("helm_values", "message"),
    [
        (
            {"logLevel": 42},
            'karpenter:helmValues.logLevel: 42 is a number; the chart expects a string such as "info"',
        ),
        (
            {"logLevel": None},
            'karpenter:helmValues.logLevel: the value is null; the chart expects a string such as "info"',
        ),
        (
            {"revisionHistoryLimit": "lots"},
            'karpenter:helmValues.revisionHistoryLimit: "lots" is a string; the chart expects an integer such as 10',
        ),
        (
            {"serviceMonitor": {"sampleLimit": 1.5}},
            "karpenter:helmValues.serviceMonitor.sampleLimit: 1.5 is a number; the chart expects an integer",
        ),
        (
            # The value is quoted as the user wrote it, letters beyond ASCII included.
            {"hostNetwork": "oui, ça"},
            'karpenter:helmValues.hostNetwork: "oui, ça" is a string; the chart expects a boolean such as false',
        ),
        (
            {"hostNetwork": "yes"},
            'karpenter:helmValues.hostNetwork: "yes" is a string; the chart expects a boolean such as false',
        ),
        (
            {"settings": {"featureGates": {"nodeRepair": "true"}}},
            'karpenter:helmValues.settings.featureGates.nodeRepair: "true" is a string; the chart expects a boolean '
            "such as false",
        ),
        (
            {"settings": {"vmMemoryOverheadPercent": "7.5%"}},
            'karpenter:helmValues.settings.vmMemoryOverheadPercent: "7.5%" is a string; the chart expects a number '
            "such as 0.075",
        ),
        (
            {"settings": {"batchMaxDuration": 10}},
            'karpenter:helmValues.settings.batchMaxDuration: 10 is a number; the chart expects a string such as "10s"',
        ),
        (
            {"podDisruptionBudget": {"maxUnavailable": True}},
            "karpenter:helmValues.podDisruptionBudget.maxUnavailable: true is a boolean; the chart expects an integer "
            "or a percentage such as 1",
        ),
        (
            {"tolerations": {"key": "CriticalAddonsOnly", "operator": "Exists"}},
            "karpenter:helmValues.tolerations: the value is a map; the chart expects a list",
        ),
        (
            {"initContainers": {}},
            "karpenter:helmValues.initContainers: the value is a map; the chart expects a list",
        ),
        (
            {"podAnnotations": ["a=b"]},
            "karpenter:helmValues.podAnnotations: the value is a list; the chart expects a map",
        ),
        (
            {"settings": None},
            "karpenter:helmValues.settings: the value is null; the chart expects a map",
        ),
        (
            {"controller": {"securityContext": "restricted"}},
            'karpenter:helmValues.controller.securityContext: "restricted" is a string; the chart expects a map',
        ),
    ],
)
def test_a_value_of_another_type_than_the_chart_reads_is_refused(helm_values: dict[str, Any], message: str) -> None:
    assert _refusal(helmValues=helm_values) == message


@pytest.mark.parametrize(
    ("helm_values", "message"),
    [
        (
            {"settings": {"awsFeatureGates": {"nodeClassCEL": True}}},
            "karpenter:helmValues.settings.awsFeatureGates: not a value of the karpenter chart 1.14.1",
        ),
        (
            {"controller": {"securityContext": {"runAsUser": 0}}},
            "karpenter:helmValues.controller.securityContext.runAsUser: not a value of the karpenter chart 1.14.1",
        ),
        (
            {"settings": {"clustername": "x"}},
            "karpenter:helmValues.settings.clustername: not a value of the karpenter chart 1.14.1",
        ),
        (
            {"settings": {"aws": {"clusterName": "dev"}}},
            "karpenter:helmValues.settings.aws: not a value of the karpenter chart 1.14.1",
        ),
        (
            {"settings": {"featureGates.nodeRepair": True}},
            'karpenter:helmValues.settings."featureGates.nodeRepair": not a value of the karpenter chart 1.14.1',
        ),
    ],
)
def test_a_key_the_chart_does_not_read_is_refused(helm_values: dict[str, Any], message: str) -> None:
    assert _refusal(helmValues=helm_values) == message


def test_an_unknown_key_is_refused_naming_the_configured_release() -> None:
    assert (
        _refusal(version="1.14.0", helmValues={"logFormat": "json"})
        == "karpenter:helmValues.logFormat: not a value of the karpenter chart 1.14.0"
    )


@pytest.mark.parametrize(
    "helm_values",
    [
        {"logLevel": "debug"},
        {"controller": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}},
        {"settings": {"featureGates": {"spotToSpotConsolidation": True}}},
        {"podAnnotations": {"prometheus.io/scrape": "true"}},
        {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "system", "effect": "NoSchedule"}]},
        {"tolerations": []},
        {"serviceAccount": {"annotations": {"example.com/owner": "platform"}}},
        {"serviceAccount": {"annotations": None}},
        {"additionalAnnotations": {"example.com/owner": "platform"}},
        {"nodeSelector": {"workload-type": "controllers"}},
        {"affinity": {"podAntiAffinity": None}},
        {"podDisruptionBudget": {"maxUnavailable": "50%"}},
        {"settings": {"vmMemoryOverheadPercent": 0}},
        {"settings": {"reservedENIs": "1", "isolatedVPC": True}},
        {"controller": {"image": {"repository": "registry.example.com/karpenter/controller"}}},
        {"controller": {"env": [{"name": "GOMEMLIMIT", "value": "1GiB"}]}},
        {"terminationGracePeriodSeconds": 60},
        {"serviceMonitor": {"enabled": True, "sampleLimit": 5000}},
    ],
)
def test_values_the_chart_reads_with_its_types_are_accepted(helm_values: dict[str, Any]) -> None:
    assert _parse(helmValues=helm_values).helm_values == helm_values


def test_a_null_service_account_annotations_map_cannot_drop_the_role_the_stack_sets(run: Run) -> None:
    values = _controller_values(run({"helmValues": {"serviceAccount": {"annotations": None}}}))
    assert values["serviceAccount"] == {
        "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/karpenter-controller-role-dev"}
    }


def test_node_selector_from_helm_values_is_merged_over_the_system_node_pin_on_a_new_cluster(run: Run) -> None:
    values = _controller_values(
        run({"cluster": NEW_CLUSTER, "helmValues": {"nodeSelector": {"workload-type": "controllers", "tier": "a"}}})
    )
    assert values["nodeSelector"] == {"kubernetes.io/os": "linux", "workload-type": "controllers", "tier": "a"}


def _stack_set_paths(values: dict[str, Any], at: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of what the stack sets, stopping at the values it owns."""
    paths: list[tuple[str, ...]] = []
    for key, value in values.items():
        path = (*at, key)
        if path not in STACK_OWNED and isinstance(value, dict):
            paths.extend(_stack_set_paths(value, path))
        else:
            paths.append(path)
    return paths


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"identity": "pod-identity", "interruption": False},
        {"cluster": NEW_CLUSTER},
        {"cluster": NEW_CLUSTER, "identity": "pod-identity"},
    ],
)
def test_every_value_the_program_sets_is_in_the_chart_table_with_its_type(run: Run, config: dict[str, Any]) -> None:
    values = _controller_values(run(config))
    assert chart_misfit(values, version=DEFAULT_KARPENTER_VERSION) is None


@pytest.mark.parametrize("config", [{}, {"cluster": NEW_CLUSTER}])
def test_every_value_the_program_sets_is_refused_in_helm_values_except_the_node_selector(
    run: Run, config: dict[str, Any]
) -> None:
    paths = _stack_set_paths(_controller_values(run(config)))
    assert [path for path in paths if path not in STACK_OWNED and path[0] != "nodeSelector"] == []


def test_every_value_the_stack_owns_is_a_value_of_the_chart() -> None:
    for path in STACK_OWNED:
        dotted = ".".join(path)
        # An annotation is a key inside a map the chart passes through whole.
        parent = CHART_VALUES.get(".".join(path[:-1]))
        assert dotted in CHART_VALUES or (parent is not None and parent[0] is ValueType.MAP), dotted


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.13.2", "karpenter:version: '1.13.2' is not a version this program supports; supported: 1.14.0, 1.14.1"),
        ("1.15.0", "karpenter:version: '1.15.0' is not a version this program supports; supported: 1.14.0, 1.14.1"),
        ("v1.14.1", "karpenter:version: 'v1.14.1' is not a Karpenter 1.x version like 1.14.1"),
        ("1.14", "karpenter:version: '1.14' is not a Karpenter 1.x version like 1.14.1"),
        ("latest", "karpenter:version: 'latest' is not a Karpenter 1.x version like 1.14.1"),
    ],
)
def test_a_version_the_program_does_not_know_is_refused_listing_the_supported_ones(version: str, message: str) -> None:
    assert _refusal(version=version) == message


@pytest.mark.parametrize("version", ["1.14.0", "1.14.1"])
def test_a_supported_version_is_accepted(version: str) -> None:
    assert _parse(version=version).version == version


def test_the_default_version_is_the_newest_supported_release() -> None:
    assert _parse().version == DEFAULT_KARPENTER_VERSION == SUPPORTED_VERSIONS[-1] == "1.14.1"
