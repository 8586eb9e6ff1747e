"""The values files synth writes: libyaml's emitter writes them where it writes what PyYAML's
pure-Python emitter writes, and PyYAML's own writes the rest, so the bytes never depend on which
one ran (or on whether PyYAML was built with libyaml)."""

from __future__ import annotations

import string
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karpenter.offline import report

_PRINTABLE = "".join(c for c in string.printable if c not in "\t\n\r\x0b\x0c")
_TEXT = st.text(alphabet=_PRINTABLE, max_size=300)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _TEXT)
_KEYS = st.text(alphabet=_PRINTABLE, min_size=1, max_size=200)
_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(_KEYS, inner, max_size=5)),
    max_leaves=60,
)
_VALUES = st.dictionaries(_KEYS, _TREES, max_size=6)


def _pure(values: dict[str, Any]) -> str:
    return yaml.dump(values, Dumper=yaml.SafeDumper, sort_keys=True, default_flow_style=False)


@pytest.fixture(autouse=True)
def _libyaml() -> None:
    assert report._FAST_DUMPER is not None, "PyYAML without libyaml: the pure-Python emitter writes every file"


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(_VALUES)
def test_values_of_printable_ascii_text_are_written_by_libyaml_as_pyyaml_writes_them(values: dict[str, Any]) -> None:
    assert report._written_alike(values)
    fast = yaml.dump(values, Dumper=report._FAST_DUMPER, sort_keys=True, default_flow_style=False)
    assert fast == _pure(values) == report.values_yaml(values)


@pytest.mark.parametrize(
    "values",
    [
        {"userData": "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n" * 2},
        {"config": {"map": {"time-sliced-4": "version: v1\nflags:\n  migStrategy: none\nsharing:\n" * 2}}},
        {"": None},
        {"tags": {"team": "équipe plateforme " * 6}},
        {"tab": "a\tb " * 30},
    ],
    ids=["line-breaks", "nested-line-breaks", "empty-key", "non-ascii", "tab"],
)
def test_values_libyaml_would_write_otherwise_are_written_by_pyyaml(values: dict[str, Any]) -> None:
    assert not report._written_alike(values)
    assert report.values_yaml(values) == _pure(values)
    if values != {"tags": {"team": "équipe plateforme " * 6}}:
        # Where the two differ: the reason these go to PyYAML's own.
        assert yaml.dump(values, Dumper=report._FAST_DUMPER, sort_keys=True, default_flow_style=False) != _pure(values)
