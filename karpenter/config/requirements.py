"""Node selector requirements as config: a NodePool's extra requirements and a NodeOverlay's, checked
as the CRDs of Karpenter 1.14.1 check them (label keys, operators and values, minValues)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import LABEL_KEY, LABEL_VALUE
from karpenter.vocabulary import instance_families, node_labels


class Operator(StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"
    GT = "Gt"
    LT = "Lt"
    GTE = "Gte"
    LTE = "Lte"


_NUMERIC = (Operator.GT, Operator.LT, Operator.GTE, Operator.LTE)


def _as_text(value: Any) -> Any:
    # `values: [4]` in YAML is a number; a label value is text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _label_value(value: str) -> str:
    if len(value) > 63 or not LABEL_VALUE.match(value):
        raise refusal("'{v}' is not a Kubernetes label value", {"v": value})
    return value


LabelValue = Annotated[str, BeforeValidator(_as_text), AfterValidator(_label_value)]


# The checks of a requirement, plain functions that the models below run as their validators.


def _label_key(cls: type[OverlayRequirement], v: str) -> str:
    # `cls` is the model validating: an overlay's requirement or a pool's (see for_overlay).
    if len(v) > 316 or not LABEL_KEY.match(v):
        raise refusal("'{k}' is not a Kubernetes label key", {"k": v})
    problem = node_labels.requirement_key_problem(v, overlay=cls.for_overlay)
    if problem:
        raise refusal("{problem}", {"problem": problem})
    return v


def _operator_values(requirement: OverlayRequirement) -> OverlayRequirement:
    operator, values = requirement.operator, requirement.values
    if operator in (Operator.IN, Operator.NOT_IN) and not values:
        raise refusal("{op} needs at least one value", {"key": "values", "op": operator.value})
    if operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values:
        raise refusal("{op} takes no values; remove them", {"key": "values", "op": operator.value})
    if operator in _NUMERIC and (len(values) != 1 or not values[0].isdigit()):
        raise refusal(
            '{op} takes one whole number ≥ 0, such as ["4"]',
            {"key": "values", "op": operator.value},
        )
    return requirement


def _min_values(requirement: Requirement) -> Requirement:
    if (
        requirement.min_values is not None
        and requirement.operator is Operator.IN
        and len(requirement.values) < requirement.min_values
    ):
        raise refusal(
            "{m} is more than the {n} values In lists; list at least {m} or lower minValues",
            {"key": "minValues", "m": requirement.min_values, "n": len(requirement.values)},
        )
    return requirement


class OverlayRequirement(StrictModel):
    """A requirement of a NodeOverlay: which instance types (and pools) it applies to."""

    for_overlay: ClassVar[bool] = True

    key: str = Field(description="A well-known label, such as karpenter.k8s.aws/instance-family, or one of yours.")
    operator: Operator = Field(description="In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte or Lte.")
    values: list[LabelValue] = Field(
        default_factory=list, description="Values; one whole number for Gt, Lt, Gte and Lte, none for (Does)Exist(s)."
    )

    _check_key = field_validator("key")(_label_key)
    _check_operator_values = model_validator(mode="after")(_operator_values)


class Requirement(OverlayRequirement):
    """A requirement of a NodePool: every node it launches satisfies it."""

    for_overlay: ClassVar[bool] = False

    min_values: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="Fewest distinct values Karpenter keeps to choose from (spot flexibility).",
    )

    _check_min_values = model_validator(mode="after")(_min_values)


def generated_requirement_fields(*, gpu: bool, families: bool) -> dict[str, str]:
    """The label keys a pool's own fields already require, and the field that sets each."""
    fields = {
        node_labels.CAPACITY_TYPE: "capacityTypes",
        node_labels.ZONE: "zones",
        node_labels.ARCHITECTURE: "architectures",
        node_labels.INSTANCE_CATEGORY: "instanceCategories",
        node_labels.INSTANCE_GENERATION: "minInstanceGeneration",
        node_labels.OS: "the stack, which launches Linux nodes only",
    }
    if families:
        fields[node_labels.INSTANCE_FAMILY] = "instanceFamilies"
    if gpu:
        fields[node_labels.GPU_MANUFACTURER] = "gpu (NVIDIA only)"
    return fields


def _admits_gpus(requirement: Requirement) -> tuple[str, str] | None:
    """Where and by what a requirement lets GPU instances in: ("key", the label) for a GPU label it
    does not rule out, ("values", the value) for a GPU category, family or type; or None."""
    key, operator, values = requirement.key, requirement.operator, requirement.values
    if key.startswith(node_labels.GPU_LABEL_PREFIX):
        excludes = operator is Operator.DOES_NOT_EXIST or (
            key == node_labels.GPU_COUNT
            and (
                (operator is Operator.IN and all(v == "0" for v in values))
                or (operator is Operator.LT and int(values[0]) <= 1)
            )
        )
        return None if excludes else ("key", key)
    if operator is not Operator.IN:
        return None
    for value in values:
        if key == node_labels.INSTANCE_CATEGORY and instance_families.categories_admit_gpus([value]):
            return "values", value
        family = value.split(".", 1)[0] if key == node_labels.INSTANCE_TYPE else value
        if key in (node_labels.INSTANCE_FAMILY, node_labels.INSTANCE_TYPE) and (
            instance_families.family_gpu_manufacturer(family) is not None
        ):
            return "values", value
    return None


def requirements_problem(requirements: list[Requirement], *, gpu: bool, families: bool) -> tuple[str, str] | None:
    """A pool's extra requirement that repeats one of its own fields, or that lets a pool without
    gpu: true launch GPU instances (untainted), as (the key below the pool, why); or None."""
    generated = generated_requirement_fields(gpu=gpu, families=families)
    for index, requirement in enumerate(requirements):
        where = f"requirements[{index}]"
        if requirement.key in generated:
            return (
                f"{where}.key",
                f"'{requirement.key}' is already required by {generated[requirement.key]}; set it there",
            )
        admits = None if gpu else _admits_gpus(requirement)
        if admits:
            field, what = admits
            return (
                f"{where}.{field}",
                f"'{what}' lets in GPU instances, which this pool would launch without the nvidia.com/gpu taint; "
                "set gpu: true on the pool, or require instances without GPUs",
            )
    return None
