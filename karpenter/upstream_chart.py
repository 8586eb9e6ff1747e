"""Facts about the upstream `karpenter` Helm chart (1.14.1): the value keys it reads.

Used to refuse a misspelt `helmValues` key before anything is deployed, and to check that the
values the program itself passes exist in the chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keys whose value is passed through as a whole (maps and lists of Kubernetes objects).
OPEN_KEYS = frozenset(
    {
        "additionalLabels",
        "additionalAnnotations",
        "imagePullSecrets",
        "service.annotations",
        "serviceAccount.annotations",
        "additionalClusterRoleRules",
        "serviceMonitor.additionalLabels",
        "serviceMonitor.relabelings",
        "serviceMonitor.metricRelabelings",
        "serviceMonitor.endpointConfig",
        "strategy",
        "podLabels",
        "podAnnotations",
        "podSecurityContext",
        "dnsConfig",
        "initContainers",
        "nodeSelector",
        "affinity",
        "topologySpreadConstraints",
        "tolerations",
        "extraVolumes",
        "controller.env",
        "controller.envFrom",
        "controller.securityContext",
        "controller.resources",
        "controller.extraVolumeMounts",
        "controller.sidecarContainer",
        "controller.sidecarVolumeMounts",
        "logOutputPaths",
        "logErrorOutputPaths",
    }
)

# Keys holding one scalar value.
SCALAR_KEYS = frozenset(
    {
        "nameOverride",
        "fullnameOverride",
        "imagePullPolicy",
        "serviceAccount.create",
        "serviceAccount.name",
        "serviceMonitor.enabled",
        "serviceMonitor.sampleLimit",
        "replicas",
        "revisionHistoryLimit",
        "podDisruptionBudget.name",
        "podDisruptionBudget.maxUnavailable",
        "priorityClassName",
        "terminationGracePeriodSeconds",
        "hostNetwork",
        "schedulerName",
        "dnsPolicy",
        "controller.containerName",
        "controller.image.repository",
        "controller.image.tag",
        "controller.image.digest",
        "controller.metrics.port",
        "controller.healthProbe.port",
        "logLevel",
        "settings.batchMaxDuration",
        "settings.batchIdleDuration",
        "settings.preferencePolicy",
        "settings.minValuesPolicy",
        "settings.clusterCABundle",
        "settings.clusterName",
        "settings.clusterEndpoint",
        "settings.isolatedVPC",
        "settings.eksControlPlane",
        "settings.vmMemoryOverheadPercent",
        "settings.interruptionQueue",
        "settings.enableZonalShift",
        "settings.reservedENIs",
        "settings.ignoreDRARequests",
        "settings.disableClusterStateObservability",
        "settings.disableDryRun",
        "settings.amiRefreshInterval",
        "settings.subnetRefreshInterval",
        "settings.featureGates.nodeRepair",
        "settings.featureGates.nodeOverlay",
        "settings.featureGates.reservedCapacity",
        "settings.featureGates.spotToSpotConsolidation",
        "settings.featureGates.staticCapacity",
        "settings.featureGates.capacityBuffer",
        "settings.awsFeatureGates.nodeClassCEL",
    }
)

_PREFIXES = frozenset(key.rsplit(".", i)[0] for key in OPEN_KEYS | SCALAR_KEYS for i in range(1, key.count(".") + 1))


def unknown_value_key(values: Mapping[str, Any], prefix: str = "") -> str | None:
    """The first dotted key in `values` the chart does not read, or None."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if path in OPEN_KEYS or path in SCALAR_KEYS:
            continue
        if path in _PREFIXES and isinstance(value, Mapping):
            found = unknown_value_key(value, f"{path}.")
            if found:
                return found
            continue
        return path
    return None
