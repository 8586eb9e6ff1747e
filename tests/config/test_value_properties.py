"""The config's value checks agree with the NodePool CRD they stand in for: what the config accepts,
the API server accepts, read from the upstream CRD itself."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karpenter.config.errors import ConfigError
from karpenter.config.loading import validate_settings
from tests.kubernetes.test_karpenter_config_chart import CRD_DIR, require_crd_dir

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Letters the rules care about: the edges of names, their separators, and a few that are never allowed.
texts = st.text(alphabet="aZ09-_./@ :", max_size=70)


@cache
def _node_pool_schema() -> dict[str, Any]:
    crd = yaml.safe_load((require_crd_dir(CRD_DIR) / "karpenter.sh_nodepools.yaml").read_text())
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return schema["properties"]


def _pattern(schema: dict[str, Any]) -> re.Pattern[str]:
    return re.compile(schema["pattern"])


def _accepted(pool: dict[str, Any]) -> bool:
    try:
        validate_settings({"clusterName": "dev", "nodePools": {"cpu": pool}})
    except ConfigError:
        return False
    return True


@FAST
@given(value=texts)
def test_a_label_value_is_accepted_exactly_when_the_crd_accepts_it(value: str) -> None:
    labels = _node_pool_schema()["template"]["properties"]["metadata"]["properties"]["labels"]["additionalProperties"]
    crd_accepts = len(value) <= labels["maxLength"] and bool(_pattern(labels).match(value))
    assert _accepted({"labels": {"example.com/team": value}}) is crd_accepts


@FAST
@given(key=texts, value=texts)
def test_a_taint_the_config_accepts_the_crd_accepts(key: str, value: str) -> None:
    taint = _node_pool_schema()["template"]["properties"]["spec"]["properties"]["taints"]["items"]["properties"]
    if _accepted({"taints": [{"key": key, "value": value, "effect": "NoSchedule"}]}):
        assert _pattern(taint["key"]).match(key)
        # An empty value is rendered as no value at all.
        assert value == "" or _pattern(taint["value"]).match(value)


@FAST
@given(duration=st.text(alphabet="0123456789smhdNevr ", max_size=10))
def test_a_duration_is_accepted_exactly_when_the_crd_accepts_it(duration: str) -> None:
    schema = _node_pool_schema()
    expire = schema["template"]["properties"]["spec"]["properties"]["expireAfter"]
    consolidate = schema["disruption"]["properties"]["consolidateAfter"]
    assert _accepted({"expireAfter": duration}) is bool(_pattern(expire).match(duration))
    assert _accepted({"disruption": {"consolidateAfter": duration}}) is bool(_pattern(consolidate).match(duration))


def test_the_properties_see_both_verdicts() -> None:
    # The strategies above reach accepted and refused values alike, or they would prove nothing.
    assert _accepted({"labels": {"example.com/team": "a-b.c_d"}})
    assert not _accepted({"labels": {"example.com/team": "a b"}})
    assert _accepted({"expireAfter": "1h30m"}) and not _accepted({"expireAfter": "1d"})
