"""Config errors: one line naming the key path a user typed, and what is allowed."""

from __future__ import annotations

import re
from typing import Any

import pulumi

from karpenter.config.values import NAMESPACE, PATTERN_HINTS


class ConfigError(pulumi.RunError):
    """Bad stack configuration: one message naming the key and what is allowed.

    A RunError, so `pulumi up` and `pulumi preview` print the message alone, without a traceback.
    """


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


def error_message(error: Any) -> str:
    """One pydantic error as the line a user reads: `karpenter:<key path>: <what is wrong>`."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = tuple(part for part in error["loc"] if part != "[key]")
    if "key" in ctx:
        # A check of a whole model names the key it is about (`controller.replicas`) in its context.
        loc = (*loc, str(ctx["key"]))
    path = f"{NAMESPACE}:{_path(loc)}"
    value = error.get("input")
    if kind in ("enum", "literal_error"):
        expected = ctx["expected"]
        allowed = ", ".join(part.strip(" '") for part in re.split(r",| or ", expected) if part.strip())
        return f"{path}: {value!r} is not one of {allowed}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{path}: {value!r} is not one of true, false"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        bound = next(f"{sign} {ctx[name]:g}" for name, sign in (("gt", ">"), ("ge", "≥"), ("le", "≤")) if name in ctx)
        return f"{path}: {value!r} must be a number {bound}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{path}: {value!r} is not a whole number"
    if kind == "too_short":
        # Every list and map the config bounds below asks for one entry at least.
        return f"{path}: give at least one entry; it is empty"
    if kind == "too_long":
        return f"{path}: holds {len(value)} entries, and at most {ctx['max_length']} are allowed; remove some"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "string_pattern_mismatch":
        return f"{path}: {value!r} {PATTERN_HINTS.get(ctx['pattern'], 'has the wrong form')}"
    if kind == "string_too_long":
        return f"{path}: {value!r} is longer than {ctx['max_length']} characters"
    if kind == "string_type" and isinstance(value, float) and path.lower().endswith("version"):
        # YAML reads an unquoted 1.30 as the number 1.3: what was typed is gone by now.
        return f'{path}: {value!r} is a number; quote it, e.g. "1.30"'
    if "[key]" in error["loc"]:
        return f"{path}: {value!r} is not a valid name: {error['msg']}"
    return f"{path}: {error['msg']}"
