"""Controller settings the API server would refuse halfway through `pulumi up` are refused first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.values import quantity_value
from tests.conftest import settings_for


def _controller(resources: dict[str, dict[str, str]]) -> None:
    parse_stack_config(settings_for({"clusterName": "dev", "controller": {"resources": resources}}))


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            {"requests": {"cpu": "2"}, "limits": {"cpu": "1500m"}},
            "karpenter:controller.resources.requests.cpu: '2' is more than the limit '1500m' "
            "(karpenter:controller.resources.limits.cpu); Kubernetes refuses a request above its limit: "
            "lower the request or raise the limit",
        ),
        (
            {"requests": {"memory": "2Gi"}, "limits": {"memory": "2G"}},
            "karpenter:controller.resources.requests.memory: '2Gi' is more than the limit '2G' "
            "(karpenter:controller.resources.limits.memory); Kubernetes refuses a request above its limit: "
            "lower the request or raise the limit",
        ),
        (
            # The limit defaults to 1 CPU, so a larger request alone is refused too.
            {"requests": {"cpu": "4"}},
            "karpenter:controller.resources.requests.cpu: '4' is more than the limit '1' "
            "(karpenter:controller.resources.limits.cpu); Kubernetes refuses a request above its limit: "
            "lower the request or raise the limit",
        ),
    ],
)
def test_a_request_above_its_limit_is_refused(resources: dict[str, dict[str, str]], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _controller(resources)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "resources",
    [
        {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1000m", "memory": "1024Mi"}},
        {"requests": {"cpu": "2"}, "limits": {"cpu": "2"}},
    ],
)
def test_a_request_at_or_below_its_limit_is_accepted(resources: dict[str, dict[str, str]]) -> None:
    _controller(resources)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", "1"),
        ("500m", "0.5"),
        ("1Ki", "1024"),
        ("1Gi", "1073741824"),
        ("1G", "1000000000"),
        ("2e3", "2000"),
        ("2E3", "2000"),
        ("1E", "1000000000000000000"),
        ("1.5", "1.5"),
        ("100n", "0.0000001"),
    ],
)
def test_quantities_compare_by_what_they_stand_for(text: str, value: str) -> None:
    assert quantity_value(text) == Decimal(value)
