"""The clients drain-legacy works with: the cluster's CoreV1Api (through EKS, with the operator's AWS
credentials) and EC2, both for the stack's region."""

from __future__ import annotations

from typing import Any

from karpenter.cluster.eks_access import cluster_access, eks_token


def cluster_clients(cluster_name: str, region: str, profile: str | None = None) -> tuple[Any, Any]:
    import boto3
    from kubernetes import client

    session = boto3.Session(profile_name=profile, region_name=region)
    found = session.client("eks").describe_cluster(name=cluster_name)["cluster"]
    access = cluster_access(
        cluster_name, found["endpoint"], found["certificateAuthority"]["data"], session.client("sts")
    )
    configuration = client.Configuration()
    for name, value in access.configuration().items():
        setattr(configuration, name, value)
    sts = session.client("sts")

    def refresh(current: Any) -> None:
        # EKS honours a token for 15 minutes, and a drain takes longer: sign a new one for each request.
        current.api_key["authorization"] = eks_token(sts, cluster_name)

    setattr(configuration, "refresh_api_key_hook", refresh)  # noqa: B010 - typed None in the client
    return client.CoreV1Api(client.ApiClient(configuration)), session.client("ec2")
