"""A pool's extra requirements: label keys and values at Kubernetes limits, keys the pool sets, GPU entry."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.requirements import Requirement, generated_requirement_fields
from karpenter.vocabulary.node_labels import label_domain
from tests.conftest import settings_for

GPU_TAINT_HINT = (
    "lets in GPU instances, which this pool would launch without the nvidia.com/gpu taint; set gpu: true on the "
    "pool, or require instances without GPUs"
)
# A DNS subdomain of 252 characters (every label at most 63), and one of 253, the most Kubernetes allows.
PREFIX_252 = f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 60}"
PREFIX_253 = f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 61}"


def _requirements(requirement: dict[str, Any], **pool: Any) -> list[Requirement]:
    config = parse_stack_config(
        settings_for({"clusterName": "dev", "nodePools": {"cpu": {**pool, "requirements": [requirement]}}})
    )
    return config.node_pools["cpu"].requirements


def _refusal(requirement: dict[str, Any], **pool: Any) -> str:
    with pytest.raises(ConfigError) as refused:
        _requirements(requirement, **pool)
    return str(refused.value)


# --- label keys: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters ----------------


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("a" * 63, id="name-of-63"),
        pytest.param(f"example.com/{'a' * 63}", id="prefixed-name-of-63"),
        pytest.param("9", id="one-digit"),
        pytest.param("Team_a.b-C", id="mixed-case-with-inner-punctuation"),
        pytest.param(f"{PREFIX_252}/{'n' * 63}", id="316-characters"),
    ],
)
def test_label_keys_within_the_kubernetes_rules_are_accepted(key: str) -> None:
    [requirement] = _requirements({"key": key, "operator": "Exists"})
    assert requirement.key == key


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("a" * 64, id="name-of-64"),
        pytest.param(f"example.com/{'a' * 64}", id="prefixed-name-of-64"),
        pytest.param(f"{PREFIX_253}/{'n' * 63}", id="317-characters"),
        pytest.param("-team", id="name-starts-with-dash"),
        pytest.param("team-", id="name-ends-with-dash"),
        pytest.param("_team", id="name-starts-with-underscore"),
        pytest.param("team.", id="name-ends-with-dot"),
        pytest.param("not ready", id="space"),
        pytest.param("Example.com/team", id="upper-case-prefix"),
        pytest.param("example-.com/team", id="prefix-label-ends-with-dash"),
        pytest.param("example_co.com/team", id="underscore-in-prefix"),
        pytest.param("example.com/", id="prefix-without-name"),
        pytest.param("example.com/a/b", id="two-slashes"),
    ],
)
def test_label_keys_outside_the_kubernetes_rules_are_refused(key: str) -> None:
    assert _refusal({"key": key, "operator": "Exists"}) == (
        f"karpenter:nodePools.cpu.requirements[0].key: '{key}' is not a Kubernetes label key"
    )


# --- reserved domains: a key whose prefix is kubernetes.io, k8s.io, karpenter.sh or karpenter.k8s.aws, or a
# subdomain of one, must be a label Karpenter knows ------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("topology.kubernetes.io/rack", id="kubernetes-io-subdomain"),
        pytest.param("team.karpenter.sh/owner", id="karpenter-sh-subdomain"),
        # The CRD reads a key without '/' whole, and Karpenter's domains by a plain suffix.
        pytest.param("karpenter.sh", id="karpenter-sh-alone"),
        pytest.param("x.karpenter.k8s.aws", id="karpenter-k8s-aws-subdomain-alone"),
        pytest.param("examplekarpenter.sh/team", id="karpenter-sh-suffix-without-dot"),
    ],
)
def test_a_subdomain_of_a_reserved_domain_is_reserved_too(key: str) -> None:
    assert _refusal({"key": key, "operator": "Exists"}) == (
        f"karpenter:nodePools.cpu.requirements[0].key: '{key}' is in a domain Kubernetes or Karpenter reserve "
        "(kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws) and is none of the well-known labels Karpenter "
        "knows; use a well-known label, or a label of your own domain"
    )


@pytest.mark.parametrize("key", ["kubernetes.io", "k8s.io"])
def test_a_key_without_a_prefix_is_in_no_domain_even_when_its_name_reads_like_one(key: str) -> None:
    [requirement] = _requirements({"key": key, "operator": "Exists"})
    assert requirement.key == key


def test_a_keys_domain_is_its_prefix_and_a_key_without_one_has_none() -> None:
    assert label_domain("topology.kubernetes.io/zone") == "topology.kubernetes.io"
    assert label_domain("team") == ""


# --- label values: empty, or at most 63 characters starting and ending with a letter or digit ----------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a" * 63, id="63-characters"),
        pytest.param("", id="empty"),
        pytest.param("7", id="one-digit"),
        pytest.param("Ab-c_d.9", id="mixed-case-with-inner-punctuation"),
    ],
)
def test_label_values_within_the_kubernetes_rules_are_accepted(value: str) -> None:
    [requirement] = _requirements({"key": "example.com/team", "operator": "In", "values": ["ml", value]})
    assert requirement.values == ["ml", value]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a" * 64, id="64-characters"),
        pytest.param("-ml", id="starts-with-dash"),
        pytest.param("ml-", id="ends-with-dash"),
        pytest.param("_ml", id="starts-with-underscore"),
        pytest.param("ml.", id="ends-with-dot"),
        pytest.param("m l", id="space"),
        pytest.param("ml/ops", id="slash"),
    ],
)
def test_label_values_outside_the_kubernetes_rules_are_refused(value: str) -> None:
    assert _refusal({"key": "example.com/team", "operator": "In", "values": ["ml", value]}) == (
        f"karpenter:nodePools.cpu.requirements[0].values[1]: '{value}' is not a Kubernetes label value"
    )


def test_whole_numbers_become_label_values_and_other_non_text_values_are_refused() -> None:
    [requirement] = _requirements({"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gte", "values": [8]})
    assert requirement.values == ["8"]
    for value in (True, 4.5):
        assert _refusal({"key": "example.com/team", "operator": "In", "values": [value]}) == (
            "karpenter:nodePools.cpu.requirements[0].values[0]: Input should be a valid string"
        )


def test_min_values_equal_to_the_number_of_in_values_is_accepted() -> None:
    requirement = {"key": "karpenter.k8s.aws/instance-size", "operator": "In", "values": ["large", "xlarge"]}
    [parsed] = _requirements({**requirement, "minValues": 2})
    assert parsed.min_values == 2


# --- keys the pool's own fields already require ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "requirement", "message"),
    [
        pytest.param(
            {},
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.sh/capacity-type' is already required by "
            "capacityTypes; set it there",
            id="capacity-type",
        ),
        pytest.param(
            {},
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1a"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'topology.kubernetes.io/zone' is already required by "
            "zones; set it there",
            id="zone",
        ),
        pytest.param(
            {},
            {"key": "karpenter.k8s.aws/instance-category", "operator": "In", "values": ["c"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.k8s.aws/instance-category' is already required "
            "by instanceCategories; set it there",
            id="instance-category",
        ),
        pytest.param(
            {"gpu": True},
            {"key": "karpenter.k8s.aws/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.k8s.aws/instance-gpu-manufacturer' is already "
            "required by gpu (NVIDIA only); set it there",
            id="gpu-manufacturer-on-gpu-pool",
        ),
        pytest.param(
            {},
            {"key": "karpenter.k8s.aws/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]},
            "karpenter:nodePools.cpu.requirements[0].key: 'karpenter.k8s.aws/instance-gpu-manufacturer' "
            + GPU_TAINT_HINT,
            id="gpu-manufacturer-on-cpu-pool",
        ),
    ],
)
def test_a_requirement_on_a_key_the_pool_already_sets_names_the_field_that_sets_it(
    pool: dict[str, Any], requirement: dict[str, Any], message: str
) -> None:
    assert _refusal(requirement, **pool) == message


def test_generated_requirement_fields_name_the_setting_behind_each_key() -> None:
    own = {
        "karpenter.sh/capacity-type": "capacityTypes",
        "topology.kubernetes.io/zone": "zones",
        "kubernetes.io/arch": "architectures",
        "karpenter.k8s.aws/instance-category": "instanceCategories",
        "karpenter.k8s.aws/instance-generation": "minInstanceGeneration",
        "kubernetes.io/os": "the stack, which launches Linux nodes only",
    }
    assert generated_requirement_fields(gpu=False, families=False) == own
    assert generated_requirement_fields(gpu=True, families=True) == {
        **own,
        "karpenter.k8s.aws/instance-family": "instanceFamilies",
        "karpenter.k8s.aws/instance-gpu-manufacturer": "gpu (NVIDIA only)",
    }


# --- requirements that let GPU instances into a pool without gpu: true ----------------------------------------


@pytest.mark.parametrize(
    "requirement",
    [
        pytest.param({"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "In", "values": ["0"]}, id="in-0"),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "In", "values": ["0", "0"]}, id="in-0-twice"
        ),
        pytest.param({"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "Lt", "values": ["1"]}, id="lt-1"),
        pytest.param({"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "Lt", "values": ["0"]}, id="lt-0"),
        pytest.param({"key": "karpenter.k8s.aws/instance-gpu-name", "operator": "DoesNotExist"}, id="no-gpu-name"),
    ],
)
def test_gpu_label_requirements_that_rule_out_gpus_are_accepted_on_a_pool_without_gpu_true(
    requirement: dict[str, Any],
) -> None:
    [parsed] = _requirements(requirement)
    assert (parsed.key, parsed.operator.value, parsed.values) == (
        requirement["key"],
        requirement["operator"],
        requirement.get("values", []),
    )


@pytest.mark.parametrize(
    "requirement",
    [
        pytest.param({"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "In", "values": ["1"]}, id="in-1"),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "In", "values": ["0", "1"]}, id="in-0-or-1"
        ),
        pytest.param({"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "Lt", "values": ["2"]}, id="lt-2"),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "NotIn", "values": ["0"]}, id="not-in-0"
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-gpu-memory", "operator": "In", "values": ["0"]}, id="gpu-memory-in-0"
        ),
        pytest.param(
            {"key": "karpenter.k8s.aws/instance-gpu-memory", "operator": "Lt", "values": ["1"]}, id="gpu-memory-lt-1"
        ),
    ],
)
def test_gpu_label_requirements_that_leave_gpus_possible_are_refused_on_a_pool_without_gpu_true(
    requirement: dict[str, Any],
) -> None:
    assert _refusal(requirement) == f"karpenter:nodePools.cpu.requirements[0].key: '{requirement['key']}' " + (
        GPU_TAINT_HINT
    )


def test_values_of_own_labels_that_look_like_gpu_categories_or_families_let_in_nothing() -> None:
    [parsed] = _requirements({"key": "example.com/tier", "operator": "In", "values": ["p", "g", "g5"]})
    assert parsed.values == ["p", "g", "g5"]


def test_an_instance_family_value_is_read_whole_not_cut_at_a_dot_like_an_instance_type() -> None:
    [parsed] = _requirements({"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g5.xlarge"]})
    assert parsed.values == ["g5.xlarge"]
    assert _refusal({"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7i", "g5"]}) == (
        "karpenter:nodePools.cpu.requirements[0].values: 'g5' " + GPU_TAINT_HINT
    )


def test_an_instance_type_belongs_to_the_family_before_its_first_dot() -> None:
    assert _refusal({"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["g5.xlarge.spare"]}) == (
        "karpenter:nodePools.cpu.requirements[0].values: 'g5.xlarge.spare' " + GPU_TAINT_HINT
    )
    [parsed] = _requirements({"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["m7i.g5"]})
    assert parsed.values == ["m7i.g5"]
