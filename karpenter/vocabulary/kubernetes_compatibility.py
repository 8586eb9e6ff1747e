"""Which Kubernetes versions a Karpenter release supports: upstream's compatibility data as data.

From hack/docs/compatibilitymatrix_gen/compatibility.yaml at the v1.14.1 tag of
aws/karpenter-provider-aws, the file the compatibility page
(https://karpenter.sh/v1.14/upgrading/compatibility/) is generated from. The page shows only the
newest seven Kubernetes versions (1.30 to 1.36); the file goes further back, and its range for
Karpenter 1.14 (1.26 to 1.36) is the one the 1.14.1 controller checks the cluster against
(pkg/providers/version/version.go, MinK8sVersion and MaxK8sVersion).
"""

from __future__ import annotations

# Kubernetes minor version -> the oldest Karpenter release that supports it.
MINIMUM_KARPENTER = {
    "1.26": "0.28",
    "1.27": "0.28",
    "1.28": "0.31",
    "1.29": "0.34",
    "1.30": "0.37",
    "1.31": "1.0.5",
    "1.32": "1.2",
    "1.33": "1.5",
    "1.34": "1.6",
    "1.35": "1.9",
    "1.36": "1.13",
}
# Karpenter release -> the oldest Kubernetes it and the releases after it (up to the next entry) support.
OLDEST_KUBERNETES = {
    "0.28": "1.23",
    "1.0": "1.25",
    "1.5": "1.26",
}
SOURCE = "https://karpenter.sh/v1.14/upgrading/compatibility/"


def version_tuple(text: str) -> tuple[int, ...]:
    """`1.0.5` as (1, 0, 5), for comparing; a leading `v` is allowed."""
    return tuple(int(part) for part in text.removeprefix("v").split("."))


def kubernetes_minor(version: str) -> str:
    """`1.33` of an EKS version such as `1.33` or `1.33.2-eks-1234`."""
    major, minor = version.removeprefix("v").split("-", 1)[0].split(".")[:2]
    return f"{int(major)}.{int(minor)}"


def supported_kubernetes(karpenter_version: str) -> tuple[str, str]:
    """The oldest and the newest Kubernetes minor version the Karpenter release supports."""
    release = version_tuple(karpenter_version)
    floors = [oldest for since, oldest in OLDEST_KUBERNETES.items() if version_tuple(since) <= release]
    listed = sorted(MINIMUM_KARPENTER, key=version_tuple)
    supported = [minor for minor in listed if version_tuple(MINIMUM_KARPENTER[minor]) <= release]
    oldest = max(floors, key=version_tuple) if floors else listed[0]
    return oldest, supported[-1] if supported else oldest


def compatibility_problem(kubernetes_version: str, karpenter_version: str) -> str | None:
    """Why the Karpenter release does not run on the Kubernetes version, naming the range it supports;
    None when upstream's data says it does."""
    minor = kubernetes_minor(kubernetes_version)
    oldest, newest = supported_kubernetes(karpenter_version)
    if version_tuple(oldest) <= version_tuple(minor) <= version_tuple(newest):
        return None
    why = f"Karpenter {karpenter_version} supports Kubernetes {oldest} to {newest}, not {minor}"
    needed = MINIMUM_KARPENTER.get(minor)
    if needed and version_tuple(minor) > version_tuple(newest):
        why += f" (Kubernetes {minor} needs Karpenter {needed} or later)"
    return why
