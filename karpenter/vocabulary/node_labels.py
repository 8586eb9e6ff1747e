"""Node labels as Karpenter 1.14.1's CRDs see them: the well-known labels a NodePool or a NodeOverlay
may require, and the labels of Karpenter's own domains each CRD lets through.

Standard library only; read from `x-kubernetes-validations` of the v1.14.1 CRDs.
"""

from __future__ import annotations

HOSTNAME = "kubernetes.io/hostname"
NODE_POOL = "karpenter.sh/nodepool"
CAPACITY_TYPE = "karpenter.sh/capacity-type"
ZONE = "topology.kubernetes.io/zone"
ARCHITECTURE = "kubernetes.io/arch"
OS = "kubernetes.io/os"
INSTANCE_CATEGORY = "karpenter.k8s.aws/instance-category"
INSTANCE_FAMILY = "karpenter.k8s.aws/instance-family"
INSTANCE_GENERATION = "karpenter.k8s.aws/instance-generation"
INSTANCE_TYPE = "node.kubernetes.io/instance-type"
GPU_MANUFACTURER = "karpenter.k8s.aws/instance-gpu-manufacturer"
GPU_COUNT = "karpenter.k8s.aws/instance-gpu-count"
GPU_LABEL_PREFIX = "karpenter.k8s.aws/instance-gpu-"

# Labels Kubernetes and AWS put on every node, which Karpenter knows for each instance type.
KUBERNETES_WELL_KNOWN = (
    ZONE,
    "topology.kubernetes.io/region",
    "topology.k8s.aws/zone-id",
    INSTANCE_TYPE,
    OS,
    ARCHITECTURE,
    "node.kubernetes.io/windows-build",
)

# The karpenter.k8s.aws labels both CRDs let a requirement name.
INSTANCE_LABELS = (
    "karpenter.k8s.aws/ec2nodeclass",
    "karpenter.k8s.aws/instance-encryption-in-transit-supported",
    INSTANCE_CATEGORY,
    "karpenter.k8s.aws/instance-hypervisor",
    INSTANCE_FAMILY,
    INSTANCE_GENERATION,
    "karpenter.k8s.aws/instance-local-nvme",
    "karpenter.k8s.aws/instance-size",
    "karpenter.k8s.aws/instance-cpu",
    "karpenter.k8s.aws/instance-cpu-manufacturer",
    "karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz",
    "karpenter.k8s.aws/instance-memory",
    "karpenter.k8s.aws/instance-ebs-bandwidth",
    "karpenter.k8s.aws/instance-network-bandwidth",
    "karpenter.k8s.aws/instance-gpu-name",
    GPU_MANUFACTURER,
    GPU_COUNT,
    "karpenter.k8s.aws/instance-gpu-memory",
    "karpenter.k8s.aws/instance-accelerator-name",
    "karpenter.k8s.aws/instance-accelerator-manufacturer",
    "karpenter.k8s.aws/instance-accelerator-count",
    "karpenter.k8s.aws/instance-capability-flex",
)
# The NodePool CRD also lets through the labels of reservations and placement groups.
NODE_POOL_AWS_LABELS = frozenset(
    (
        "karpenter.k8s.aws/instance-tenancy",
        "karpenter.k8s.aws/capacity-reservation-type",
        "karpenter.k8s.aws/capacity-reservation-id",
        "karpenter.k8s.aws/capacity-reservation-interruptible",
        *INSTANCE_LABELS,
        "karpenter.k8s.aws/placement-group-id",
        "karpenter.k8s.aws/placement-group-partition",
    )
)
NODE_OVERLAY_AWS_LABELS = frozenset(INSTANCE_LABELS)

# The taints Karpenter puts on nodes it launches (sigs.k8s.io/karpenter v1.14.1 pkg/apis/v1/taints.go): on
# a node it is disrupting, and on a node until it registers. Pods that tolerate them stay on or go to such nodes.
KARPENTER_TAINTS = (("karpenter.sh/disrupted", "NoSchedule"), ("karpenter.sh/unregistered", "NoExecute"))

# Karpenter's own domains: its CRDs reserve every domain that ends in one, after a dot or not.
KARPENTER_DOMAINS = ("karpenter.sh", "karpenter.k8s.aws")
# Domains Kubernetes and Karpenter keep for themselves: a key there must be one they define.
RESERVED_DOMAINS = ("kubernetes.io", "k8s.io", *KARPENTER_DOMAINS)


def label_domain(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


def in_domain(key: str, domains: tuple[str, ...]) -> bool:
    domain = label_domain(key)
    return any(domain == d or domain.endswith("." + d) for d in domains)


def in_reserved_domain(key: str) -> bool:
    """Whether `key` is in a domain Kubernetes or Karpenter reserve. The CRDs' rules take everything before the
    first '/' (the whole key without one) and test Karpenter's domains by a plain suffix, so `karpenter.sh`
    alone and `examplekarpenter.sh/x` are reserved too."""
    return in_domain(key, RESERVED_DOMAINS) or key.split("/", 1)[0].endswith(KARPENTER_DOMAINS)


def requirement_key_problem(key: str, *, overlay: bool) -> str | None:
    """Why a NodePool (or, with `overlay`, a NodeOverlay) may not require `key`, or None."""
    if key == HOSTNAME:
        return f"'{key}' is restricted: every node has its own, so no pool can require one"
    if key == NODE_POOL and not overlay:
        return f"'{key}' is restricted: Karpenter sets it to the pool's own name"
    allowed = {
        *KUBERNETES_WELL_KNOWN,
        CAPACITY_TYPE,
        *(NODE_OVERLAY_AWS_LABELS if overlay else NODE_POOL_AWS_LABELS),
        *((NODE_POOL,) if overlay else ()),
    }
    if key in allowed or not in_reserved_domain(key):
        return None
    return (
        f"'{key}' is in a domain Kubernetes or Karpenter reserve ({', '.join(RESERVED_DOMAINS)}) and is none of "
        "the well-known labels Karpenter knows; use a well-known label, or a label of your own domain"
    )


# Put on the template of a pool marked `retired`: it changes the NodePool's hash, so its nodes drift.
RETIRED_LABEL = "karpenter-stack/retired"
