"""Trust policies: who may assume the node role (EC2) and the controller role (IRSA or Pod Identity)."""

from __future__ import annotations

from karpenter.aws.iam.documents import PolicyDocument, document


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
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ]
    )
