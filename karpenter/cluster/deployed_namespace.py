"""The namespace a deployed stack installed Karpenter in, read from the controller role it made, and
the refusal of a `karpenter:namespace` that differs. Plain data and rules; the lookup is elsewhere.

The program cannot read its own state, so it reads what AWS says before anything is registered: the
role's namespace tag, or, for a role made before the tag, the namespace its IRSA trust names. A Pod
Identity role made before the tag names none (its trust is the EKS service's), so nothing is known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from karpenter.cluster.adoption import ExistingIam, ExistingRole, controller_role_made_by_stack
from karpenter.config.errors import ConfigError
from karpenter.vocabulary import aws_names

NAMESPACE_KEY = "karpenter:namespace"
SERVICE_ACCOUNT_SUBJECT = "system:serviceaccount:"
# The README section a refusal points to.
MOVE_SECTION = "Moving Karpenter to another namespace"


@dataclass(frozen=True)
class DeployedNamespace:
    namespace: str
    # How it was read, as a refusal says it.
    evidence: str


def _statements(trust_policy: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(trust_policy)
    except ValueError:
        return []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    statements = [statements] if isinstance(statements, dict) else statements
    return [statement for statement in statements if isinstance(statement, dict)]


def irsa_namespaces(trust_policy: str) -> set[str]:
    """The namespaces that an IRSA trust policy's `<issuer>:sub` conditions name, as
    `system:serviceaccount:<namespace>:<service account>`; wildcards name none."""
    found: set[str] = set()
    for statement in _statements(trust_policy):
        condition = statement.get("Condition")
        for operator in ("StringEquals", "StringLike"):
            tests = condition.get(operator) if isinstance(condition, dict) else None
            for key, value in (tests if isinstance(tests, dict) else {}).items():
                if not key.endswith(":sub"):
                    continue
                for subject in value if isinstance(value, list) else [value]:
                    if not isinstance(subject, str) or not subject.startswith(SERVICE_ACCOUNT_SUBJECT):
                        continue
                    parts = subject.removeprefix(SERVICE_ACCOUNT_SUBJECT).split(":")
                    if len(parts) == 2 and parts[0] and not any(c in parts[0] for c in "*?"):
                        found.add(parts[0])
    return found


def deployed_namespace(role: ExistingRole | None, cluster_name: str) -> DeployedNamespace | None:
    """The namespace the stack that made `role` installed Karpenter in. None for no role (a first
    deploy), a role this stack did not make, and one that names no single namespace."""
    if role is None or not controller_role_made_by_stack(ExistingIam(controller_role=role), cluster_name):
        return None
    tagged = role.tags.get(aws_names.CONTROLLER_NAMESPACE_TAG)
    if tagged:
        return DeployedNamespace(tagged, f"tag {aws_names.CONTROLLER_NAMESPACE_TAG} of IAM role {role.name}")
    trusted = irsa_namespaces(role.trust_policy)
    if len(trusted) == 1:
        (namespace,) = trusted
        return DeployedNamespace(namespace, f"the IRSA trust of IAM role {role.name}")
    return None


def check_namespace_unchanged(namespace: str, role: ExistingRole | None, cluster_name: str) -> None:
    """Refuse a namespace other than the deployed stack's, naming the key, the deployed namespace and
    what to do.

    `helm.v3.Release` replaces a release whose name or namespace changes, creating the new one before
    deleting the old: the new karpenter-crd release cannot take the CRDs the old one owns, the new
    controller would run beside the old one (each with a leader lease in its own namespace), and the
    trust that moves with the namespace takes the old controller's credentials away."""
    deployed = deployed_namespace(role, cluster_name)
    if deployed is None or deployed.namespace == namespace or role is None:
        return
    raise ConfigError(
        f"{NAMESPACE_KEY}: the deployed stack runs Karpenter in namespace {deployed.namespace!r} "
        f"({deployed.evidence} says so), and the config says {namespace!r}; pulumi up would replace the "
        "karpenter-crd, karpenter and karpenter-config releases, new ones first, and stop halfway: the new "
        "karpenter-crd release cannot take the CRDs the old one owns, and a second controller would start beside "
        "the old one, which loses its IAM credentials. "
        f'Set {NAMESPACE_KEY} back to {deployed.namespace!r}, or move Karpenter as the README\'s "{MOVE_SECTION}" '
        f"says: hand the CRDs and node pools to {namespace!r}, make Helm and Pulumi forget the old releases, "
        f"uninstall the old controller, tag IAM role {role.name} with "
        f"{aws_names.CONTROLLER_NAMESPACE_TAG}={namespace}, then pulumi up"
    )


def undetected_namespace_warning(namespace: str, role: ExistingRole | None, cluster_name: str) -> str | None:
    """What a run cannot check: the stack made the role, but it names no namespace (a Pod Identity role
    made before the tag). This run tags it, so the next one can."""
    if role is None or deployed_namespace(role, cluster_name) is not None:
        return None
    if not controller_role_made_by_stack(ExistingIam(controller_role=role), cluster_name):
        return None
    return (
        f"{NAMESPACE_KEY}: IAM role {role.name} names no namespace (made before the stack tagged it, and its trust "
        f"names no single service account's, as a Pod Identity trust never does), so a namespace change "
        f"cannot be refused in this run; if Karpenter runs in "
        f"another namespace than {namespace!r}, cancel and set {NAMESPACE_KEY} to it. This run tags the role with "
        f"{aws_names.CONTROLLER_NAMESPACE_TAG}={namespace}"
    )
