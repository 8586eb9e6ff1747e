"""The base of every config model: frozen, camelCase keys, unknown keys refused with the allowed
ones listed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel

from karpenter.config.refusal import refusal


def _refuse_unknown_keys(cls: type[StrictModel], data: Any) -> Any:
    # `cls` is the model being validated (a subclass), so the allowed keys listed are its own.
    if isinstance(data, Mapping):
        allowed = [f.alias or name for name, f in cls.model_fields.items()]
        for key in data:
            if key not in allowed:
                raise refusal(
                    "unknown key; allowed keys are {allowed}",
                    {"key": str(key), "allowed": ", ".join(allowed)},
                )
    return data


class StrictModel(BaseModel):
    """Frozen, camelCase keys, and unknown keys refused with the allowed ones listed."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        use_enum_values=False,
        validate_default=True,
    )

    _check_unknown_keys = model_validator(mode="before")(_refuse_unknown_keys)
