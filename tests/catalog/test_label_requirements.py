"""Requirements meet an instance type's labels as Karpenter's scheduling package decides
(kubernetes-sigs/karpenter pkg/scheduling/requirement.go: Gt N is Gte N+1, Lt N is Lte N-1, bounds
take only whole numbers; requirements.go Intersects: a label a type lacks meets only NotIn and
DoesNotExist)."""

from __future__ import annotations

import pytest

from karpenter.catalog.label_requirements import compatible, requirement, type_requirement

CPU = "karpenter.k8s.aws/instance-cpu"
GPU_COUNT = "karpenter.k8s.aws/instance-gpu-count"
LABELS = {CPU: "16", "karpenter.k8s.aws/instance-size": "4xlarge"}


def _meets(key: str, operator: str, values: list[str], labels: dict[str, str] = LABELS) -> bool:
    return compatible(type_requirement(key, labels), requirement(operator, values))


@pytest.mark.parametrize(
    ("operator", "value", "meets"),
    [
        ("Gt", "15", True),
        ("Gt", "16", False),
        ("Gte", "16", True),
        ("Gte", "17", False),
        ("Lt", "17", True),
        ("Lt", "16", False),
        ("Lte", "16", True),
        ("Lte", "15", False),
    ],
)
def test_numeric_operators_bound_whole_number_values(operator: str, value: str, meets: bool) -> None:
    assert _meets(CPU, operator, [value]) is meets


def test_a_bound_on_a_label_that_is_no_number_meets_nothing() -> None:
    assert not _meets("karpenter.k8s.aws/instance-size", "Gt", ["0"])


@pytest.mark.parametrize(
    ("operator", "values", "meets"),
    [
        ("In", ["1"], False),
        ("NotIn", ["1"], True),
        ("Exists", [], False),
        ("DoesNotExist", [], True),
        ("Gt", ["0"], False),
    ],
)
def test_a_well_known_label_the_type_lacks_meets_only_not_in_and_does_not_exist(
    operator: str, values: list[str], meets: bool
) -> None:
    assert _meets(GPU_COUNT, operator, values) is meets


def test_a_label_of_the_users_own_selects_no_type_out() -> None:
    assert _meets("example.com/team", "In", ["ml"])


def test_two_requirements_on_one_key_intersect() -> None:
    both = requirement("Gte", ["4"]).intersection(requirement("Lte", ["8"]))
    assert not compatible(type_requirement(CPU, LABELS), both)
    assert compatible(type_requirement(CPU, {CPU: "8"}), both)


def test_bounds_that_cross_leave_nothing() -> None:
    crossed = requirement("Gt", ["8"]).intersection(requirement("Lt", ["9"]))
    assert crossed.operator == "DoesNotExist"
    assert not compatible(type_requirement(CPU, {CPU: "8"}), crossed)
