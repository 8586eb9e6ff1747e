"""The value types of the config, as a program using `StackConfig` directly sees them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from karpenter.config.errors import ConfigError
from karpenter.config.loading import validate_settings
from karpenter.config.stack_config import StackConfig


def _error(settings: dict) -> dict:
    with pytest.raises(ValidationError) as refused:
        StackConfig.model_validate({"clusterName": "dev", **settings})
    (error,) = refused.value.errors()
    return dict(error)


def test_custom_value_errors_carry_a_type_a_program_can_branch_on() -> None:
    assert _error({"version": "1.0.0"})["type"] == "version"
    assert _error({"nodePools": {"cpu": {"limits": {"cpu": "lots"}}}})["type"] == "quantity"
    assert _error({"nodePools": {"cpu": {"limits": {"cpu": [4]}}}})["type"] == "quantity"
    assert _error({"nodePools": {"cpu": {"disruption": {"consolidateAfter": "1d"}}}})["type"] == "duration"


@pytest.mark.parametrize("value", [True, [4], {"n": 4}])
def test_a_quantity_that_is_not_a_number_or_text_is_refused(value: object) -> None:
    with pytest.raises(ConfigError) as refused:
        validate_settings({"clusterName": "dev", "nodePools": {"cpu": {"limits": {"cpu": value}}}})
    assert str(refused.value) == (
        "karpenter:nodePools.cpu.limits.cpu: expected a Kubernetes quantity such as 100, 500m or 64Gi"
    )
