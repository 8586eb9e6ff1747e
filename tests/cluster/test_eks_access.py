"""The EKS bearer token, as `aws eks get-token` makes it: a presigned STS GetCallerIdentity URL that
signs the cluster's name, computed locally from dummy credentials (nothing is sent)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import boto3

from karpenter.cluster.eks_access import cluster_access, eks_token


def test_the_token_is_a_presigned_get_caller_identity_url_naming_the_cluster() -> None:
    sts = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret").client(
        "sts", region_name="eu-west-1"
    )
    token = eks_token(sts, "dev")
    assert token.startswith("k8s-aws-v1.")
    encoded = token.removeprefix("k8s-aws-v1.")
    url = urlparse(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode())
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc) == ("https", "sts.eu-west-1.amazonaws.com")
    assert query["Action"] == ["GetCallerIdentity"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0].split(";")
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Signature"]


def test_the_access_trusts_the_clusters_certificate_authority() -> None:
    sts = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret").client(
        "sts", region_name="eu-west-1"
    )
    pem = b"-----BEGIN CERTIFICATE-----\nEXAMPLE\n-----END CERTIFICATE-----\n"
    access = cluster_access("dev", "https://example.eks.amazonaws.com", base64.b64encode(pem).decode(), sts)
    with open(access.ca_file, "rb") as ca:
        assert ca.read() == pem
    assert access.configuration()["api_key_prefix"] == {"authorization": "Bearer"}
