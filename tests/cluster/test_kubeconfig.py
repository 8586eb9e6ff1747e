"""The kubeconfig the stack builds for its Kubernetes provider and the aws-auth entry."""

from __future__ import annotations

from karpenter.cluster.kubeconfig import kubeconfig


def test_the_kubeconfig_names_the_server_its_certificate_and_an_aws_token_user() -> None:
    assert kubeconfig("prod", "us-east-1", "https://ABC.gr7.us-east-1.eks.amazonaws.com", "Q0VSVA==") == {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "prod",
                "cluster": {
                    "server": "https://ABC.gr7.us-east-1.eks.amazonaws.com",
                    "certificate-authority-data": "Q0VSVA==",
                },
            }
        ],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "prod"}}],
        "current-context": "prod",
        "users": [
            {
                "name": "prod",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", "prod", "--region", "us-east-1"],
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
    }


def test_the_token_command_names_the_profile_and_the_role_to_sign_in_as() -> None:
    """The AWS CLI's `aws eks get-token` takes `--role-arn` (the role to assume for the token) and
    the global `--profile`, the options pulumi-eks's KubeconfigOptions carries too."""
    document = kubeconfig(
        "prod", "us-east-1", "https://x", "Q0VSVA==", profile="ops", role_arn="arn:aws:iam::123456789012:role/d"
    )
    assert document["users"][0]["user"]["exec"]["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        "prod",
        "--region",
        "us-east-1",
        "--profile",
        "ops",
        "--role-arn",
        "arn:aws:iam::123456789012:role/d",
    ]
