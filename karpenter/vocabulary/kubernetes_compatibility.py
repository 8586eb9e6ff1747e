"""Which Kubernetes versions a Karpenter release supports: upstream's compatibility matrix as data.

From the compatibility page of the Karpenter 1.14 documentation
(https://karpenter.sh/v1.14/upgrading/compatibility/, generated upstream by
hack/docs/compatibilitymatrix_gen): each Kubernetes minor version and the oldest Karpenter that
supports it. The page lists nothing older than 1.30 for Karpenter 1.14.
"""

from __future__ import annotations

# Kubernetes minor version -> the oldest Karpenter release that supports it.
MINIMUM_KARPENTER = {
    "1.30": "0.37",
    "1.31": "1.0.5",
    "1.32": "1.2",
    "1.33": "1.5",
    "1.34": "1.6",
    "1.35": "1.9",
    "1.36": "1.13",
}
SOURCE = "https://karpenter.sh/v1.14/upgrading/compatibility/"


def version_tuple(text: str) -> tuple[int, ...]:
    """`1.0.5` as (1, 0, 5), for comparing; a leading `v` is allowed."""
    return tuple(int(part) for part in text.removeprefix("v").split("."))


def kubernetes_minor(version: str) -> str:
    """`1.33` of an EKS version such as `1.33` or `1.33.2-eks-1234`."""
    major, minor = version.removeprefix("v").split("-", 1)[0].split(".")[:2]
    return f"{int(major)}.{int(minor)}"


def compatibility_problem(kubernetes_version: str, karpenter_version: str) -> tuple[str, str] | None:
    """(`FAIL` or `WARN`, why) when the Karpenter release may not run on the Kubernetes version;
    None when upstream's matrix says it does."""
    minor = kubernetes_minor(kubernetes_version)
    listed = sorted(MINIMUM_KARPENTER, key=version_tuple)
    if minor in MINIMUM_KARPENTER:
        needed = MINIMUM_KARPENTER[minor]
        if version_tuple(karpenter_version) < version_tuple(needed):
            return (
                "FAIL",
                f"Kubernetes {minor} needs Karpenter {needed} or later, and the stack runs {karpenter_version}",
            )
        return None
    if version_tuple(minor) > version_tuple(listed[-1]):
        return (
            "FAIL",
            f"Kubernetes {minor} is newer than any version the compatibility matrix lists (up to {listed[-1]}); "
            f"Karpenter {karpenter_version} is not known to support it",
        )
    return (
        "WARN",
        f"Kubernetes {minor} is older than any version the compatibility matrix lists (from {listed[0]}); "
        f"Karpenter {karpenter_version} is not tested on it",
    )
