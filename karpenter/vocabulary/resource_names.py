"""The resource names a Karpenter NodePool's `limits` map may hold, and why a name is not one.

Standard library only, so the policy pack can import it without pydantic.
"""

from __future__ import annotations

import difflib
import re

STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage", "pods")
HUGEPAGES_PREFIX = "hugepages-"
# Not node capacity: Karpenter counts the pool's nodes against a limit of this name.
NODE_COUNT = "nodes"
# Extended resources whose device plugins run on EKS nodes; offered when a name is mistyped.
WELL_KNOWN_EXTENDED_RESOURCES = ("nvidia.com/gpu", "aws.amazon.com/neuron", "vpc.amazonaws.com/efa")
# Kubernetes keeps names in this domain for itself; none of them is an extended resource.
KUBERNETES_DOMAIN = "kubernetes.io"

_SUGGESTIONS = (
    *STANDARD_RESOURCES,
    NODE_COUNT,
    f"{HUGEPAGES_PREFIX}2Mi",
    f"{HUGEPAGES_PREFIX}1Gi",
    *WELL_KNOWN_EXTENDED_RESOURCES,
)
# `gpu` means nvidia.com/gpu, `neuron` aws.amazon.com/neuron: the name after the domain.
_EXTENDED_BY_NAME = {resource.rpartition("/")[2]: resource for resource in WELL_KNOWN_EXTENDED_RESOURCES}
_STANDARD_HINT = (
    "Standard names are cpu, memory, ephemeral-storage, pods, hugepages-<size>; "
    "extended resources are domain-qualified, such as nvidia.com/gpu"
)
# Kubernetes' rules for a DNS subdomain, a qualified name's name part, and a quantity ≥ 0.
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_QUANTITY = re.compile(
    r"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)


def _suggestion(name: str) -> str | None:
    lowered = name.lower()
    extended = _EXTENDED_BY_NAME.get(lowered.rpartition("/")[2])
    if extended:
        return extended
    matches = difflib.get_close_matches(lowered, _SUGGESTIONS)
    return matches[0] if matches else None


def _did_you_mean(name: str) -> str:
    suggestion = _suggestion(name)
    return f"; did you mean '{suggestion}'?" if suggestion and suggestion != name else ""


def resource_name_problem(name: str) -> str | None:
    """Why `name` cannot be a key of a NodePool's `limits`, or None when it can."""
    if name in STANDARD_RESOURCES or name == NODE_COUNT:
        return None
    if name.startswith(HUGEPAGES_PREFIX):
        size = name[len(HUGEPAGES_PREFIX) :]
        if _QUANTITY.match(size):
            return None
        return f"'{size}' is not a page size; name huge pages by their size, such as hugepages-2Mi or hugepages-1Gi"
    if "/" not in name:
        suggestion = _suggestion(name)
        if suggestion:
            return f"not a Kubernetes resource name; did you mean '{suggestion}'? {_STANDARD_HINT}"
        return f"not a Kubernetes resource name. {_STANDARD_HINT}"
    domain, _, local = name.partition("/")
    if len(domain) > 253:
        return f"'{domain}' is longer than the 253 characters a DNS domain may have"
    if "." not in domain or not _DNS_SUBDOMAIN.match(domain):
        return (
            f"'{domain}' is not a DNS domain with a dot; extended resources are domain-qualified, "
            f"such as nvidia.com/gpu{_did_you_mean(name)}"
        )
    if domain == KUBERNETES_DOMAIN or domain.endswith("." + KUBERNETES_DOMAIN):
        return f"the {KUBERNETES_DOMAIN} domain is Kubernetes' own and holds no extended resources{_did_you_mean(name)}"
    if len(local) > 63 or not _QUALIFIED_NAME.match(local):
        return (
            f"'{local}' is not a resource name within {domain}: letters, digits, -, _ and ., starting and ending "
            "with a letter or digit, at most 63 characters"
        )
    return None
