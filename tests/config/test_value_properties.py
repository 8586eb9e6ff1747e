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
from tests import upstream_crds

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Letters the rules care about: the edges of names, their separators, and a few that are never allowed.
texts = st.text(alphabet="aZ09-_./@ :", max_size=70)


@cache
def _node_pool_schema() -> dict[str, Any]:
    crd = yaml.safe_load((upstream_crds.located() / "karpenter.sh_nodepools.yaml").read_text())
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return schema["properties"]


def _pattern(schema: dict[str, Any]) -> re.Pattern[str]:
    return re.compile(schema["pattern"])


def _accepted(pool: dict[str, Any]) -> bool:
    return _settings_accepted({"nodePools": {"cpu": pool}})


def _settings_accepted(settings: dict[str, Any]) -> bool:
    try:
        validate_settings({"clusterName": "dev", **settings})
    except ConfigError:
        return False
    return True


@cache
def _node_class_schema() -> dict[str, Any]:
    crd = yaml.safe_load((upstream_crds.located() / "karpenter.k8s.aws_ec2nodeclasses.yaml").read_text())
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return schema["properties"]


def _domain(key: str) -> str:
    # CEL's `self.find("^([^/]+)")`: everything before the first '/', or the whole key without one.
    return key.split("/", 1)[0]


def _crd_accepts_requirement_key(key: str) -> bool:
    schema = _node_pool_schema()["template"]["properties"]["spec"]["properties"]["requirements"]["items"]
    key_schema = schema["properties"]["key"]
    karpenter_sh, nodepool, hostname, karpenter_aws = (rule["rule"] for rule in key_schema["x-kubernetes-validations"])
    # The CEL rules, read as written in the CRD: the two restricted domains let through only the keys they list.
    allowed_aws = set(re.findall(r'"(karpenter\.k8s\.aws/[^"]+)"', karpenter_aws))
    assert 'self != "karpenter.sh/nodepool"' == nodepool and 'self != "kubernetes.io/hostname"' == hostname
    assert karpenter_sh.startswith('self in ["karpenter.sh/capacity-type", "karpenter.sh/nodepool"]')
    return (
        len(key) <= key_schema["maxLength"]
        and bool(_pattern(key_schema).match(key))
        and (key == "karpenter.sh/capacity-type" or not _domain(key).endswith("karpenter.sh"))
        and key not in ("karpenter.sh/nodepool", "kubernetes.io/hostname")
        and (key in allowed_aws or not _domain(key).endswith("karpenter.k8s.aws"))
    )


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


# Keys built from the parts the rules look at: restricted and ordinary domains, their subdomains, edges.
label_keys = st.one_of(
    texts,
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["", "karpenter.sh", "karpenter.k8s.aws", "x.karpenter.sh", "kubernetes.io", "example.com"]),
        st.sampled_from(["", "/"]),
        st.sampled_from(["", "capacity-type", "nodepool", "hostname", "instance-family", "team", "a" * 64]),
    ),
)


@FAST
@given(key=label_keys)
def test_a_requirement_key_the_config_accepts_the_crd_accepts(key: str) -> None:
    if _accepted({"requirements": [{"key": key, "operator": "Exists"}]}):
        assert _crd_accepts_requirement_key(key)


@FAST
@given(
    alias=st.one_of(
        st.text(alphabet="al2023@bottlerckwindsv.-_ ", max_size=34),
        st.builds(
            "{}@{}".format,
            st.sampled_from(["al2", "al2023", "bottlerocket", "windows2022", "AL2023", "ubuntu", "", "al2023@v1"]),
            st.one_of(
                st.sampled_from(["latest", "v20251117", "1.42.0", "v1.42.0", "latest@v1"]),
                st.text(alphabet="latesv0123456789.-_@ ", max_size=28),
            ),
        ),
    )
)
def test_an_ami_alias_the_config_accepts_the_crd_accepts(alias: str) -> None:
    schema = _node_class_schema()["amiSelectorTerms"]["items"]["properties"]["alias"]
    form, families, windows = (rule["rule"] for rule in schema["x-kubernetes-validations"])
    assert form == "self.matches('^[a-zA-Z0-9]+@.+$')"
    supported = re.findall(r"'([a-z0-9]+)'", families)
    if _settings_accepted({"nodeClasses": {"x": {"amiAlias": alias}}}):
        family, _, version = alias.partition("@")
        assert len(alias) <= schema["maxLength"]
        assert re.search(r"^[a-zA-Z0-9]+@.+$", alias)
        assert family in supported
        # Windows families may only name their latest AMI.
        assert not family.startswith("windows") or alias.split("@")[1] == "latest", windows
        assert version


@FAST
@given(quantity=st.one_of(st.text(alphabet="0123456789.+-eEKMGTPimnuk ", max_size=8), st.integers(-5, 10**6)))
def test_a_limit_the_config_accepts_the_crd_accepts(quantity: str | int) -> None:
    schema = _node_pool_schema()["limits"]["additionalProperties"]
    if _accepted({"limits": {"cpu": quantity}}):
        # An integer is valid as it is; a string must be a Kubernetes quantity.
        assert isinstance(quantity, int) or _pattern(schema).match(quantity)


def test_the_properties_see_both_verdicts() -> None:
    # The strategies above reach accepted and refused values alike, or they would prove nothing.
    assert _accepted({"labels": {"example.com/team": "a-b.c_d"}})
    assert not _accepted({"labels": {"example.com/team": "a b"}})
    taint = {"key": "example.com/team", "value": "a-b.c_d", "effect": "NoSchedule"}
    assert _accepted({"taints": [taint]})
    assert not _accepted({"taints": [{**taint, "key": "example.com/a b"}]})
    assert not _accepted({"taints": [{**taint, "value": "a b"}]})
    assert _accepted({"expireAfter": "1h30m"}) and not _accepted({"expireAfter": "1d"})
    assert _accepted({"requirements": [{"key": "example.com/team", "operator": "Exists"}]})
    assert not _accepted({"requirements": [{"key": "karpenter.sh/nodepool", "operator": "Exists"}]})
    assert _settings_accepted({"nodeClasses": {"x": {"amiAlias": "al2023@v20251117"}}})
    assert not _settings_accepted({"nodeClasses": {"x": {"amiAlias": "ubuntu@latest"}}})
    assert _accepted({"limits": {"cpu": "1.5k"}}) and not _accepted({"limits": {"cpu": "1.5kb"}})
