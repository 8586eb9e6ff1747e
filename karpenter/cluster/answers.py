"""What the stack needs of a lookup's answer. AWS's provider always fills these fields; a mock engine
may not (`pulumi.runtime.set_mocks` with a `call` that returns `{}`), and a field it leaves out is
named here, with the lookup, instead of surfacing later as a None far from its cause (a
`TypeError: '<' not supported between instances of 'NoneType'` from inside the SDK). Imports nothing of
ours."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import pulumi

T = TypeVar("T")

MOCKS_HINT = (
    "a mock engine must answer it (in your Mocks.call); karpenter.testing.KarpenterMocks answers every lookup "
    "of the component from the facts a test gives"
)
# A field path as the engine spells it: `vpcConfig.subnetIds`, `identities[0].oidcs[0].issuer`.
_STEP = re.compile(r"([A-Za-z]+)|\[(\d+)\]")


class UnansweredLookup(pulumi.RunError):
    """A lookup's answer lacks a field AWS always gives: a mock engine left it out."""


def answered(token: str, answer: T, *fields: str, about: str = "") -> T:
    """`answer` (a data source's result), once each of `fields` holds a value; else UnansweredLookup
    naming the lookup, what it was about (`about`, such as a subnet id) and the first field missing."""
    for path in fields:
        if _at(answer, path) in (None, ""):
            subject = f" for {about!r}" if about else ""
            raise UnansweredLookup(f"lookup {token}{subject} answered no {path}: {MOCKS_HINT}")
    return answer


def _at(value: Any, path: str) -> Any:
    """The value at `path` in a result, whose attributes are the engine's names in snake case; None
    where any step is missing."""
    for name, index in _STEP.findall(path):
        if value is None:
            return None
        if name:
            value = getattr(value, re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower(), None)
        else:
            value = value[int(index)] if isinstance(value, list | tuple) and int(index) < len(value) else None
    return value
