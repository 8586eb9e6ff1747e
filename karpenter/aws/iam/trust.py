"""Trust policies: who may assume the node role (EC2) and the controller role (IRSA or Pod Identity)."""

from __future__ import annotations

import json
from typing import Any

from karpenter.aws.iam.documents import PolicyDocument, Statement, document

POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"


def node_trust_policy(*, url_suffix: str = "amazonaws.com") -> PolicyDocument:
    """Trust policy letting EC2 instances assume the node role.

    Upstream uses ``ec2.${AWS::URLSuffix}``; pass ``url_suffix="amazonaws.com.cn"`` to reproduce that in China.
    """
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": f"ec2.{url_suffix}"},
                "Action": ["sts:AssumeRole"],
            }
        ]
    )


def irsa_trust_policy(
    *, oidc_provider_arn: str, issuer_host: str, namespace: str, service_account: str
) -> PolicyDocument:
    """Trust policy for IAM Roles for Service Accounts; ``issuer_host`` is the issuer URL without ``https://``."""
    if "://" in issuer_host:
        raise ValueError(f"issuer_host must not include a scheme: {issuer_host!r}")
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {
                    "StringEquals": {
                        f"{issuer_host}:aud": "sts.amazonaws.com",
                        f"{issuer_host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    }
                },
            }
        ]
    )


def pod_identity_trust_policy() -> PolicyDocument:
    """Trust policy for EKS Pod Identity."""
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": POD_IDENTITY_SERVICE},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ]
    )


def _statements(trust_policy: str) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(trust_policy)
    except ValueError:
        return []
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    statements = [statements] if isinstance(statements, dict) else statements
    return [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _web_identity(statement: Statement) -> bool:
    return WEB_IDENTITY_ACTION in _listed(statement.get("Action"))


def _pod_identity(statement: Statement) -> bool:
    principal = statement.get("Principal")
    return isinstance(principal, dict) and POD_IDENTITY_SERVICE in _listed(principal.get("Service"))


def trusts_irsa(trust_policy: str) -> bool:
    """Whether a trust policy (JSON text) lets a web identity (an IRSA service account) assume the role."""
    return any(_web_identity(s) for s in _statements(trust_policy))


def trusts_pod_identity(trust_policy: str) -> bool:
    """Whether a trust policy (JSON text) lets EKS Pod Identity assume the role."""
    return any(_pod_identity(s) for s in _statements(trust_policy))


def kept_while_switching(deployed_trust: str, *, to_pod_identity: bool) -> list[Statement]:
    """The statements of a deployed controller role's trust (JSON text) that a switch of identity keeps for
    one more run: those of the identity it leaves, while the deployed trust lacks the one it takes up.

    The controller pods that run keep the credentials they were admitted with (EKS injects IRSA's token
    and Pod Identity's endpoint only when a pod is created) until the karpenter release restarts them,
    after the Pod Identity association exists; the role keeps trusting them until then. The run after,
    the deployed trust has both, and the old statements go."""
    if to_pod_identity:
        return [] if trusts_pod_identity(deployed_trust) else list(filter(_web_identity, _statements(deployed_trust)))
    return [] if trusts_irsa(deployed_trust) else list(filter(_pod_identity, _statements(deployed_trust)))


def with_statements(policy: PolicyDocument, kept: list[Statement]) -> PolicyDocument:
    """`policy` allowing what `kept` allows too."""
    return document([*policy["Statement"], *kept])
