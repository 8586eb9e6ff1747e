"""A kubeconfig for an EKS cluster that authenticates with `aws eks get-token`, as plain data."""

from __future__ import annotations

from typing import Any


def kubeconfig(
    cluster_name: str,
    region: str,
    endpoint: str,
    certificate_authority: str,
    *,
    profile: str | None = None,
    role_arn: str | None = None,
) -> dict[str, Any]:
    """A kubeconfig that authenticates with `aws eks get-token`, as the AWS CLI writes it. The token
    is minted as `profile` (an AWS CLI profile) and, with `role_arn`, as that role assumed from it:
    the identity the AWS provider deploys the rest of the stack as."""
    token_args = ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]
    if profile:
        # An option, not AWS_PROFILE: the CLI ranks its options above credentials in the
        # environment, as pulumi-aws ranks aws:profile above them.
        token_args += ["--profile", profile]
    if role_arn:
        token_args += ["--role-arn", role_arn]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority},
            }
        ],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
        "users": [
            {
                "name": cluster_name,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": token_args,
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
    }
