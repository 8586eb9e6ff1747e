"""The upstream `karpenter` chart at the releases this program deploys: the versions it supports,
the type of every value the chart reads, and the values the stack sets itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Releases whose IAM, chart values and CRDs this program knows. Between the v1.14.0 and v1.14.1
# tags neither the charts nor the controller's AWS calls changed.
SUPPORTED_VERSIONS = ("1.14.0", "1.14.1")


class ValueType(StrEnum):
    """What the chart's templates need a value to be, worded for a message."""

    STRING = "a string"
    INTEGER = "an integer"
    NUMBER = "a number"
    BOOLEAN = "a boolean"
    MAP = "a map"
    LIST = "a list"
    INTEGER_OR_PERCENTAGE = "an integer or a percentage"


STRING, INTEGER, NUMBER, BOOLEAN, MAP, LIST, INTEGER_OR_PERCENTAGE = ValueType

# Read from charts/karpenter/values.yaml and templates/ at the v1.14.1 tag of aws/karpenter-provider-aws.
# Each key: its type, and the chart's default where that makes a useful example. Maps and lists
# are handed to Kubernetes whole; the chart does not read inside them.
CHART_VALUES: dict[str, tuple[ValueType, Any]] = {
    "nameOverride": (STRING, None),
    "fullnameOverride": (STRING, None),
    "additionalLabels": (MAP, None),
    "additionalAnnotations": (MAP, None),
    "imagePullPolicy": (STRING, "IfNotPresent"),
    "imagePullSecrets": (LIST, None),
    "service.annotations": (MAP, None),
    "serviceAccount.create": (BOOLEAN, True),
    "serviceAccount.name": (STRING, None),
    "serviceAccount.annotations": (MAP, None),
    "additionalClusterRoleRules": (LIST, None),
    "serviceMonitor.enabled": (BOOLEAN, False),
    "serviceMonitor.additionalLabels": (MAP, None),
    "serviceMonitor.relabelings": (LIST, None),
    "serviceMonitor.metricRelabelings": (LIST, None),
    "serviceMonitor.endpointConfig": (MAP, None),
    # Null by default; rendered as the ServiceMonitor's sampleLimit, a count.
    "serviceMonitor.sampleLimit": (INTEGER, None),
    "replicas": (INTEGER, 2),
    "revisionHistoryLimit": (INTEGER, 10),
    "strategy": (MAP, None),
    "podLabels": (MAP, None),
    "podAnnotations": (MAP, None),
    "podDisruptionBudget.name": (STRING, "karpenter"),
    # A PodDisruptionBudget takes a count or a percentage such as "25%".
    "podDisruptionBudget.maxUnavailable": (INTEGER_OR_PERCENTAGE, 1),
    "podSecurityContext": (MAP, None),
    "priorityClassName": (STRING, "system-cluster-critical"),
    # Null by default; rendered as the pod's terminationGracePeriodSeconds, a count.
    "terminationGracePeriodSeconds": (INTEGER, None),
    "hostNetwork": (BOOLEAN, False),
    "schedulerName": (STRING, "default-scheduler"),
    "dnsPolicy": (STRING, "ClusterFirst"),
    "dnsConfig": (MAP, None),
    # The default is {}, but the template renders it as the pod's list of init containers.
    "initContainers": (LIST, None),
    "nodeSelector": (MAP, None),
    "affinity": (MAP, None),
    "topologySpreadConstraints": (LIST, None),
    "tolerations": (LIST, None),
    "extraVolumes": (LIST, None),
    "controller.containerName": (STRING, "controller"),
    "controller.image.repository": (STRING, "public.ecr.aws/karpenter/controller"),
    "controller.image.tag": (STRING, None),
    "controller.image.digest": (STRING, None),
    "controller.env": (LIST, None),
    "controller.envFrom": (LIST, None),
    "controller.securityContext.appArmorProfile": (MAP, None),
    "controller.securityContext.seLinuxOptions": (MAP, None),
    "controller.securityContext.seccompProfile": (MAP, None),
    "controller.resources": (MAP, None),
    "controller.extraVolumeMounts": (LIST, None),
    "controller.sidecarContainer": (LIST, None),
    "controller.sidecarVolumeMounts": (LIST, None),
    "controller.metrics.port": (INTEGER, 8080),
    "controller.healthProbe.port": (INTEGER, 8081),
    "logLevel": (STRING, "info"),
    "logOutputPaths": (LIST, None),
    "logErrorOutputPaths": (LIST, None),
    "settings.batchMaxDuration": (STRING, "10s"),
    "settings.batchIdleDuration": (STRING, "1s"),
    "settings.preferencePolicy": (STRING, "Respect"),
    "settings.minValuesPolicy": (STRING, "Strict"),
    "settings.clusterCABundle": (STRING, None),
    "settings.clusterName": (STRING, None),
    "settings.clusterEndpoint": (STRING, None),
    "settings.isolatedVPC": (BOOLEAN, False),
    "settings.eksControlPlane": (BOOLEAN, False),
    "settings.vmMemoryOverheadPercent": (NUMBER, 0.075),
    "settings.interruptionQueue": (STRING, None),
    "settings.enableZonalShift": (BOOLEAN, False),
    "settings.reservedENIs": (STRING, "0"),
    "settings.ignoreDRARequests": (BOOLEAN, True),
    "settings.disableClusterStateObservability": (BOOLEAN, False),
    "settings.disableDryRun": (BOOLEAN, False),
    "settings.amiRefreshInterval": (STRING, "1m"),
    "settings.subnetRefreshInterval": (STRING, "1m"),
    "settings.featureGates.nodeRepair": (BOOLEAN, False),
    "settings.featureGates.nodeOverlay": (BOOLEAN, False),
    "settings.featureGates.reservedCapacity": (BOOLEAN, True),
    "settings.featureGates.spotToSpotConsolidation": (BOOLEAN, False),
    "settings.featureGates.staticCapacity": (BOOLEAN, False),
    "settings.featureGates.capacityBuffer": (BOOLEAN, False),
}

ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
# A pod annotation naming the controller's identity where it is Pod Identity: a switch of identity
# changes the pod template, so the controller pods restart and are admitted with the new credentials.
IDENTITY_POD_ANNOTATION = "karpenter-stack/identity"
_ROLE = (
    "set by the stack from karpenter:identity (the stack creates the controller role and annotates the "
    "service account with it); remove it"
)
_SERVICE_ACCOUNT = (
    "changes the service account the chart renders; the IRSA trust policy and the Pod Identity association "
    "name the account karpenter, which the chart derives from the release name karpenter; remove it"
)

# Values the stack sets or derives, and where they come from; `helmValues` may not set them.
STACK_OWNED: dict[tuple[str, ...], str] = {
    ("settings", "clusterName"): "set by the stack from karpenter:clusterName; set it there",
    ("settings", "clusterEndpoint"): "set by the stack from the endpoint it reads from the cluster; remove it",
    ("settings", "interruptionQueue"): (
        "set by the stack from karpenter:interruption, which creates and names its own queue; set it there"
    ),
    ("serviceAccount", "annotations", ROLE_ARN_ANNOTATION): _ROLE,
    # The chart puts additionalAnnotations on the service account too.
    ("additionalAnnotations", ROLE_ARN_ANNOTATION): _ROLE,
    ("serviceAccount", "name"): _SERVICE_ACCOUNT,
    ("serviceAccount", "create"): _SERVICE_ACCOUNT,
    ("nameOverride",): _SERVICE_ACCOUNT,
    ("fullnameOverride",): _SERVICE_ACCOUNT,
    ("controller", "resources"): "set by the stack from karpenter:controller.resources; set it there",
    ("replicas",): "set by the stack from karpenter:controller.replicas; set it there",
    ("controller", "image", "tag"): (
        "follows karpenter:version, which keeps the image, CRDs and IAM of one release together; set that instead"
    ),
}

# Variables the chart renders from values the stack owns; a later entry of the same name wins.
STACK_OWNED_ENV = {
    "CLUSTER_NAME": "karpenter:clusterName",
    "CLUSTER_ENDPOINT": "the cluster's endpoint",
    "INTERRUPTION_QUEUE": "karpenter:interruption",
}


@dataclass(frozen=True)
class Refusal:
    """A value `helmValues` may not hold: where it is (dotted) and why."""

    path: str
    reason: str


_TABLE = {tuple(key.split(".")): entry for key, entry in CHART_VALUES.items()}
_PREFIXES = {path[:i] for path in _TABLE for i in range(1, len(path))}


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(f'"{part}"' if "." in part else part for part in path)


def _given(value: Any) -> str:
    if value is None:
        return "the value is null"
    if isinstance(value, Mapping):
        return "the value is a map"
    if isinstance(value, list):
        return "the value is a list"
    kind = "a boolean" if isinstance(value, bool) else "a number" if isinstance(value, int | float) else "a string"
    return f"{json.dumps(value, ensure_ascii=False)} is {kind}"


def _fits(kind: ValueType, value: Any) -> bool:
    # Null drops a map's or a list's chart default, the way Helm documents.
    if kind is MAP:
        return value is None or isinstance(value, Mapping)
    if kind is LIST:
        return value is None or isinstance(value, list)
    whole = isinstance(value, int) and not isinstance(value, bool)
    if kind is INTEGER:
        return whole
    if kind is NUMBER:
        return whole or isinstance(value, float)
    if kind is BOOLEAN:
        return isinstance(value, bool)
    if kind is INTEGER_OR_PERCENTAGE:
        return whole or isinstance(value, str)
    return isinstance(value, str)


def chart_misfit(values: Mapping[str, Any], *, version: str, at: tuple[str, ...] = ()) -> Refusal | None:
    """The first value in `values` the chart does not read, or reads as another type; or None."""
    for key, value in values.items():
        path = (*at, str(key))
        if path in _TABLE:
            kind, example = _TABLE[path]
            if not _fits(kind, value):
                such_as = "" if example is None else f" such as {json.dumps(example)}"
                return Refusal(_dotted(path), f"{_given(value)}; the chart expects {kind}{such_as}")
        elif path in _PREFIXES:
            if not isinstance(value, Mapping):
                return Refusal(_dotted(path), f"{_given(value)}; the chart expects a map")
            found = chart_misfit(value, version=version, at=path)
            if found:
                return found
        else:
            return Refusal(_dotted(path), f"not a value of the karpenter chart {version}")
    return None


def _holds(values: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = values
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def stack_owned(values: Mapping[str, Any]) -> Refusal | None:
    """The first value in `values` that the stack sets itself, or None."""
    for path, reason in STACK_OWNED.items():
        if _holds(values, path):
            return Refusal(_dotted(path), reason)
    controller = values.get("controller")
    env = controller.get("env") if isinstance(controller, Mapping) else None
    for index, variable in enumerate(env if isinstance(env, list) else []):
        name = variable.get("name") if isinstance(variable, Mapping) else None
        if name in STACK_OWNED_ENV:
            owner = STACK_OWNED_ENV[name]
            return Refusal(f"controller.env[{index}].name", f"{name} is set by the stack from {owner}; remove it")
    return None


def helm_values_refusal(values: Mapping[str, Any], *, version: str) -> Refusal | None:
    """Why `values` may not be merged over the stack's chart values, or None if they may."""
    return stack_owned(values) or chart_misfit(values, version=version)
