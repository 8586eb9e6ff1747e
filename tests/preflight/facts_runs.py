"""Running `python -m karpenter facts` in tests: boto3 clients made by the command itself, at the
`--endpoint-url` it is given (moto in server mode), with what moto lacks filled in as the AWS API
references document it, and the Price List API answered by botocore's Stubber."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from karpenter.preflight import aws_calls
from tests.preflight.aws_seed import REGION

# The cluster security group EKS makes, which moto's DescribeCluster does not report.
GROUP_TAGS = {"aws:eks:cluster-name": "dev", "team": "platform"}


class EksAsDocumented:
    """moto's EKS client, with what moto leaves out of DescribeCluster (resourcesVpcConfig's
    clusterSecurityGroupId and vpcId, accessConfig; EKS API reference, DescribeCluster) and
    DescribeAddon, which moto lacks: the Pod Identity agent installed."""

    def __init__(self, eks: Any, group: str, vpc: str, mode: str = "API_AND_CONFIG_MAP") -> None:
        self._eks, self._group, self._vpc, self._mode = eks, group, vpc, mode

    def __getattr__(self, name: str) -> Any:
        return getattr(self._eks, name)

    def describe_cluster(self, **request: Any) -> Any:
        answer = self._eks.describe_cluster(**request)
        vpc = answer["cluster"]["resourcesVpcConfig"]
        vpc.update(clusterSecurityGroupId=self._group, vpcId=self._vpc)
        answer["cluster"]["accessConfig"] = {"authenticationMode": self._mode}
        return answer

    def describe_addon(self, clusterName: str, addonName: str) -> Any:  # noqa: N803 - boto3's names
        return {"addon": {"addonName": addonName, "clusterName": clusterName, "status": "ACTIVE"}}


def price_document(instance_type: str | None, usd: str, family: str = "Compute Instance", region: str = REGION) -> str:
    """One GetProducts PriceList entry, as the Price List API returns it (a JSON string); without an
    instance type, an entry that names none."""
    attributes = {"operatingSystem": "Linux", "regionCode": region, "tenancy": "Shared"}
    if instance_type:
        attributes["instanceType"] = instance_type
    sku = f"SKU{(instance_type or 'none').replace('.', '')}"
    return json.dumps(
        {
            "product": {"productFamily": family, "attributes": attributes, "sku": sku},
            "serviceCode": "AmazonEC2",
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": usd}}
                        },
                        "sku": sku,
                    }
                }
            },
            "version": "20261201000000",
            "publicationDate": "2026-12-01T00:00:00Z",
        }
    )


def pricing(prices: dict[str, str] | None = None, error: tuple[str, int] | None = None) -> Any:
    """A Price List client answering the two GetProducts reads (shared tenancy, then bare metal) with
    `prices`, or failing with `error` (code, HTTP status)."""
    client = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "pricing", region_name="us-east-1"
    )
    stubber = Stubber(client)
    if error:
        stubber.add_client_error("get_products", error[0], "not for you", error[1])
    else:
        documents = [price_document(name, usd) for name, usd in (prices or {}).items()]
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": documents})
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": []})
    stubber.activate()
    return client


def put_moto_behind_the_command(
    monkeypatch: pytest.MonkeyPatch, *, wrap: Callable[[str, Any], Any], prices: dict[str, str]
) -> list[str | None]:
    """The command's own clients (credentials from the environment, its --endpoint-url), with `wrap`
    applied to each, and a Price List client answering `prices` each run; the endpoint URLs the command
    asked for."""
    original = aws_calls.session_clients
    asked: list[str | None] = []

    def session_clients(region: str, profile: str | None = None, endpoint_url: str | None = None) -> Any:
        asked.append(endpoint_url)
        made, price_list = original(region, profile, endpoint_url), pricing(prices)
        return lambda service: price_list if service == "pricing" else wrap(service, made(service))

    monkeypatch.setattr(aws_calls, "session_clients", session_clients)
    return asked


def client_error(code: str, status: int, operation: str = "DescribeCluster", message: str = "said AWS") -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, operation)
