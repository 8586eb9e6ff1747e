"""A kubernetes client for the cluster doctor found, with the caller's AWS credentials."""

from __future__ import annotations

from typing import Any

from karpenter.cluster.eks_access import cluster_access
from karpenter.preflight.observations import EksCluster


def eks_api_client(cluster: EksCluster, sts: Any) -> Any:
    """An ApiClient for the cluster's endpoint, trusting its certificate authority."""
    from kubernetes import client

    configuration = client.Configuration()
    for name, value in (
        cluster_access(cluster.name, cluster.endpoint, cluster.certificate_authority, sts).configuration().items()
    ):
        setattr(configuration, name, value)
    return client.ApiClient(configuration)
