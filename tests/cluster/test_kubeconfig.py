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
