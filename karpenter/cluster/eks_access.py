"""Reaching an EKS cluster's API with the caller's AWS credentials, as `aws eks get-token` does: a
bearer token that is a presigned STS GetCallerIdentity URL naming the cluster. Needs only an STS
client (boto3's, passed in); loads neither boto3 nor the kubernetes client itself."""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass
from typing import Any

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_HEADER = "x-k8s-aws-id"
# EKS accepts tokens up to 15 minutes old; commands ask for a new one well within that.
TOKEN_SECONDS = 60


@dataclass(frozen=True)
class ClusterAccess:
    """What a kubernetes client needs: the API endpoint, a file with its CA, a bearer token."""

    host: str
    ca_file: str
    token: str

    def configuration(self) -> dict[str, Any]:
        """The attributes to set on a `kubernetes.client.Configuration`."""
        return {
            "host": self.host,
            "ssl_ca_cert": self.ca_file,
            "api_key": {"authorization": self.token},
            "api_key_prefix": {"authorization": "Bearer"},
        }


def eks_token(sts: Any, cluster_name: str) -> str:
    """A bearer token for the cluster, signed with the STS client's credentials and region."""
    region = sts.meta.region_name
    params = {
        "method": "GET",
        "url": f"https://sts.{region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        "body": {},
        "headers": {CLUSTER_HEADER: cluster_name},
        "context": {},
    }
    url = sts._request_signer.generate_presigned_url(
        params, region_name=region, expires_in=TOKEN_SECONDS, operation_name=""
    )
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def cluster_access(name: str, endpoint: str, certificate_authority: str, sts: Any) -> ClusterAccess:
    with tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False) as ca:
        ca.write(base64.b64decode(certificate_authority))
    return ClusterAccess(host=endpoint, ca_file=ca.name, token=eks_token(sts, name))
