"""How a config check refuses a value: one error type for all of them, and the message a user reads."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

# The type of every error the config's own checks raise, beside pydantic's (`missing`, `enum` ...).
REFUSED = "karpenter_config"


def refusal(message: str, context: dict[str, Any] | None = None) -> PydanticCustomError:
    """A refused value: `message` with its `{fields}` filled from `context`; a `key` in the context
    names the key, below the one validated, that the message is about."""
    return PydanticCustomError(REFUSED, message, context)
