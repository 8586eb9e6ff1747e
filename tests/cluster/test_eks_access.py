"""The EKS bearer token, as `aws eks get-token` makes it: a presigned STS GetCallerIdentity URL that
signs the cluster's name, computed locally from dummy credentials (nothing is sent)."""

from __future__ import annotations

import base64
import datetime
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import botocore.auth
import pytest

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


# A token signed at this instant by AKIDEXAMPLE/secret in eu-west-1 for the cluster "dev".
SIGNED_AT = datetime.datetime(2024, 1, 2, 3, 4, 5)
DEV_URL = (
    "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
    "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240102%2Feu-west-1%2Fsts%2Faws4_request"
    "&X-Amz-Date=20240102T030405Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"
    "&X-Amz-Signature=74892fb5fd368b7e595c1212a22aec81173d4bdc02232b5356f35139581e4aad"
)
# The URL's base64 ends in "==", which EKS's authenticator (raw URL-safe base64) does not accept.
DEV_TOKEN = (
    "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEt"
    "MDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjQwMTAyJTJGZXUt"
    "d2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25l"
    "ZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9NzQ4OTJmYjVmZDM2OGI3ZTU5NWMxMjEyYTIyYWVjODExNzNkNGJk"
    "YzAyMjMyYjUzNTZmMzUxMzk1ODFlNGFhZA"
)


@pytest.fixture
def signing_sts(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An STS client for eu-west-1 whose signatures are all made at SIGNED_AT."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: SIGNED_AT)
    return boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret").client(
        "sts", region_name="eu-west-1"
    )


def test_the_token_is_the_unpadded_url_safe_base64_of_a_get_signed_url(signing_sts: Any) -> None:
    token = eks_token(signing_sts, "dev")
    assert token == DEV_TOKEN
    assert base64.urlsafe_b64decode(token.removeprefix("k8s-aws-v1.") + "==").decode() == DEV_URL


def test_the_access_holds_the_endpoint_a_crt_file_and_the_token_as_a_bearer_key(
    signing_sts: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pem = b"-----BEGIN CERTIFICATE-----\nEXAMPLE\n-----END CERTIFICATE-----\n"
    access = cluster_access("dev", "https://example.eks.amazonaws.com", base64.b64encode(pem).decode(), signing_sts)
    ca_file = Path(access.ca_file)
    assert ca_file.parent == tmp_path
    assert ca_file.suffix == ".crt"
    assert ca_file.read_bytes() == pem
    assert access.configuration() == {
        "host": "https://example.eks.amazonaws.com",
        "ssl_ca_cert": str(ca_file),
        "api_key": {"authorization": DEV_TOKEN},
        "api_key_prefix": {"authorization": "Bearer"},
    }
