"""Node selector requirements as Karpenter 1.14.1 evaluates them against an instance type's labels
(kubernetes-sigs/karpenter pkg/scheduling/requirement.go and requirements.go): Gt and Lt become
inclusive bounds on whole-number values, requirements on one key intersect, and a label a type lacks
meets only NotIn and DoesNotExist. Plain data; imports vocabulary only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from karpenter.vocabulary import node_labels

# The labels Karpenter gives every instance type, with a value or as DoesNotExist when it has none
# (karpenter-provider-aws pkg/providers/instancetype/types.go, computeRequirements). A pool's
# requirement on any other key (a label of its own) selects no type out.
TYPE_LABEL_KEYS = frozenset(
    {
        node_labels.INSTANCE_TYPE,
        node_labels.ARCHITECTURE,
        node_labels.OS,
        "node.kubernetes.io/windows-build",
        "karpenter.k8s.aws/instance-tenancy",
        *node_labels.INSTANCE_LABELS,
    }
) - {"karpenter.k8s.aws/ec2nodeclass"}
# Every type may launch with either tenancy.
_TENANCY = "karpenter.k8s.aws/instance-tenancy"
_TENANCIES = frozenset({"default", "dedicated"})


@dataclass(frozen=True)
class LabelRequirement:
    """One key's allowed values: a set, or (complement) everything but a set, within inclusive bounds."""

    complement: bool
    values: frozenset[str]
    gte: int | None = None
    lte: int | None = None
    min_values: int | None = None

    def has(self, value: str) -> bool:
        inside = value not in self.values if self.complement else value in self.values
        return inside and _within(value, self.gte, self.lte)

    @property
    def operator(self) -> str:
        # As Karpenter reads back a requirement: bounds alone are Exists, and an empty set DoesNotExist.
        if self.complement:
            return "NotIn" if self.values else "Exists"
        return "In" if self.values else "DoesNotExist"

    def intersection(self, other: LabelRequirement) -> LabelRequirement:
        gte = _max(self.gte, other.gte)
        lte = _min(self.lte, other.lte)
        min_values = _max(self.min_values, other.min_values)
        if gte is not None and lte is not None and gte > lte:
            return LabelRequirement(False, frozenset(), min_values=min_values)
        if self.complement and other.complement:
            values = self.values | other.values
        elif self.complement:
            values = other.values - self.values
        elif other.complement:
            values = self.values - other.values
        else:
            values = self.values & other.values
        values = frozenset(v for v in values if _within(v, gte, lte))
        complement = self.complement and other.complement
        if not complement:
            gte = lte = None
        return LabelRequirement(complement, values, gte, lte, min_values)


def requirement(operator: str, values: Iterable[str] = (), min_values: int | None = None) -> LabelRequirement:
    """A rendered requirement's operator and values as Karpenter holds them (Gt N is Gte N+1, Lt N is Lte N-1)."""
    values = [str(v) for v in values]
    if operator == "In":
        return LabelRequirement(False, frozenset(values), min_values=min_values)
    if operator == "NotIn":
        return LabelRequirement(True, frozenset(values), min_values=min_values)
    if operator == "DoesNotExist":
        return LabelRequirement(False, frozenset(), min_values=min_values)
    bound = {"Gt": (1, None), "Gte": (0, None), "Lt": (None, -1), "Lte": (None, 0)}.get(operator)
    if bound is None:  # Exists
        return LabelRequirement(True, frozenset(), min_values=min_values)
    low, high = bound
    number = int(values[0])
    return LabelRequirement(
        True,
        frozenset(),
        gte=None if low is None else number + low,
        lte=None if high is None else number + high,
        min_values=min_values,
    )


def from_rendered(rendered: Mapping[str, Any]) -> LabelRequirement:
    return requirement(rendered["operator"], rendered.get("values") or (), rendered.get("minValues"))


def type_requirement(key: str, labels: Mapping[str, str]) -> LabelRequirement | None:
    """What an instance type with these labels offers for `key`; None for a key Karpenter gives no type."""
    if key == _TENANCY:
        return LabelRequirement(False, _TENANCIES)
    if key in labels:
        return LabelRequirement(False, frozenset({labels[key]}))
    if key in TYPE_LABEL_KEYS:
        return LabelRequirement(False, frozenset())
    return None


def compatible(offered: LabelRequirement | None, required: LabelRequirement) -> bool:
    """Requirements.Intersects for one key: the two share a value, or both are NotIn / DoesNotExist."""
    if offered is None:
        return True
    if _intersects(offered, required):
        return True
    return required.operator in ("NotIn", "DoesNotExist") and offered.operator in ("NotIn", "DoesNotExist")


def _intersects(a: LabelRequirement, b: LabelRequirement) -> bool:
    gte, lte = _max(a.gte, b.gte), _min(a.lte, b.lte)
    if gte is not None and lte is not None and gte > lte:
        return False
    if a.complement and b.complement:
        return True
    if a.complement:
        return any(v not in a.values and _within(v, gte, lte) for v in b.values)
    if b.complement:
        return any(v not in b.values and _within(v, gte, lte) for v in a.values)
    return any(v in b.values and _within(v, gte, lte) for v in a.values)


def _within(value: str, gte: int | None, lte: int | None) -> bool:
    if gte is None and lte is None:
        return True
    try:
        number = int(value)
    except ValueError:
        # With bounds, a value that is no whole number is outside them.
        return False
    return (gte is None or number >= gte) and (lte is None or number <= lte)


def _max(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)
