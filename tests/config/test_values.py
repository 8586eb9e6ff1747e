"""The value types of the config, as a program using `StackConfig` directly sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from karpenter.config.errors import ConfigError
from karpenter.config.loading import validate_settings
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import quantity_value


def _error(settings: dict) -> dict:
    with pytest.raises(ValidationError) as refused:
        StackConfig.model_validate({"clusterName": "dev", **settings})
    (error,) = refused.value.errors()
    return dict(error)


def test_the_configs_own_refusals_share_one_type_a_program_can_catch() -> None:
    # pydantic's own kinds keep theirs; every check of this config's own raises karpenter_config.
    assert _error({"version": "1.0.0"})["type"] == "karpenter_config"
    assert _error({"nodePools": {"cpu": {"limits": {"cpu": "lots"}}}})["type"] == "karpenter_config"
    assert _error({"nodePools": {"cpu": {"limits": {"cpu": [4]}}}})["type"] == "karpenter_config"
    assert _error({"nodePools": {"cpu": {"disruption": {"consolidateAfter": "1d"}}}})["type"] == "karpenter_config"
    assert _error({"nodePools": {"cpu": {"weight": "heavy"}}})["type"] == "int_parsing"


@pytest.mark.parametrize("value", [True, [4], {"n": 4}])
def test_a_quantity_that_is_not_a_number_or_text_is_refused(value: object) -> None:
    with pytest.raises(ConfigError) as refused:
        validate_settings({"clusterName": "dev", "nodePools": {"cpu": {"limits": {"cpu": value}}}})
    assert str(refused.value) == (
        "karpenter:nodePools.cpu.limits.cpu: expected a Kubernetes quantity such as 100, 500m or 64Gi"
    )


def _lower_bounds(schema: object) -> list[int]:
    """Every minItems and minProperties in a JSON schema."""
    if isinstance(schema, dict):
        found = [schema[key] for key in ("minItems", "minProperties") if key in schema]
        return found + [bound for value in schema.values() for bound in _lower_bounds(value)]
    if isinstance(schema, list):
        return [bound for value in schema for bound in _lower_bounds(value)]
    return []


def test_every_bounded_list_or_map_asks_for_one_entry_as_the_refusal_says() -> None:
    # The refusal of a too-short list reads "give at least one entry; it is empty".
    bounds = _lower_bounds(StackConfig.model_json_schema(by_alias=True))
    assert bounds
    assert set(bounds) == {1}


def test_helm_values_are_judged_against_the_default_chart_while_the_version_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        StackConfig.model_validate({"clusterName": "dev", "version": "1.13.2", "helmValues": {"bogus": 1}})
    assert [(error["loc"], error["msg"]) for error in refused.value.errors()] == [
        (("version",), "'1.13.2' is not a version this program supports; supported: 1.14.0, 1.14.1"),
        (("helmValues",), "not a value of the karpenter chart 1.14.1"),
    ]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("3", 3),
        ("1Ki", 1024),
        ("1Mi", 1024**2),
        ("1Gi", 1024**3),
        ("1Ti", 1024**4),
        ("1Pi", 1024**5),
        ("1Ei", 1024**6),
        ("2n", Decimal("2e-9")),
        ("2u", Decimal("2e-6")),
        ("500m", Decimal("0.5")),
        ("2k", 2000),
        ("2M", 2 * 10**6),
        ("2G", 2 * 10**9),
        ("2T", 2 * 10**12),
        ("2P", 2 * 10**15),
        ("2E", 2 * 10**18),
        ("+1.5e3", 1500),
    ],
)
def test_a_quantity_stands_for_the_number_kubernetes_reads_it_as(text: str, number: Decimal | int) -> None:
    # k8s.io/apimachinery resource.Quantity: binary suffixes are powers of 1024, decimal ones powers of 10.
    assert quantity_value(text) == number
