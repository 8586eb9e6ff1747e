"""When Karpenter may remove a pool's nodes, as config: the consolidation policy and delay, and
disruption budgets (how many nodes at once, for which reasons, on which cron schedule), checked as
the NodePool CRD of Karpenter 1.14.1 checks them."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import ConsolidationPolicy, Duration

# The CRD's patterns: a count or a percentage of the pool's nodes; minutes and hours only.
_NODES = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")
_BUDGET_DURATION = re.compile(r"^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$")
CRON_MACROS = ("@annually", "@yearly", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# Name, lowest, highest and the names each cron field also takes (robfig/cron's standard parser).
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)


class DisruptionReason(StrEnum):
    UNDERUTILIZED = "Underutilized"
    EMPTY = "Empty"
    DRIFTED = "Drifted"


def _cron_value(text: str, low: int, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    if text.upper() in names:
        return names.index(text.upper()) + low
    return None


def _cron_field_problem(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    for item in text.split(","):
        span, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return f"the {name} field's step '{step}' is not a whole number above 0"
        if span in ("*", "?") and (span == "*" or name.startswith("day")):
            continue
        parsed = [_cron_value(part, low, names) for part in span.split("-", 1)]
        bounds = [bound for bound in parsed if bound is not None and low <= bound <= high]
        if len(bounds) != len(parsed):
            return f"'{item}' is out of the {name} field's range ({low}-{high}{' or names' if names else ''})"
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            return f"the {name} range '{span}' runs backwards"
    return None


def cron_problem(schedule: str) -> str | None:
    """Why `schedule` is not a cron schedule Karpenter takes (five fields, or a macro such as @daily)."""
    if schedule.startswith("@"):
        return None if schedule in CRON_MACROS else f"'{schedule}' is not one of {', '.join(CRON_MACROS)}"
    fields = schedule.split()
    if any("=" in field for field in fields):
        return "time zones are not supported; the schedule is in UTC"
    if len(fields) != len(_CRON_FIELDS):
        return f"a cron schedule has five fields (minute hour day-of-month month day-of-week), not {len(fields)}"
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        problem = _cron_field_problem(text, name, low, high, names)
        if problem:
            return problem
    return None


def _nodes(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and not _NODES.match(value):
        raise refusal("'{v}' is not a node count or a percentage such as 10%", {"v": value})
    return value


def _unique_reasons(v: list[DisruptionReason] | None) -> list[DisruptionReason] | None:
    if v is not None and len(set(v)) != len(v):
        raise refusal("values must not repeat")
    return v


def _cron_schedule(v: str | None) -> str | None:
    problem = cron_problem(v) if v is not None else None
    if problem:
        raise refusal("{problem}", {"problem": problem})
    return v


def _budget_duration(v: str | None) -> str | None:
    if v is not None and not _BUDGET_DURATION.match(v):
        raise refusal("'{v}' is not a duration in hours and minutes, such as 30m, 8h or 1h30m", {"v": v})
    return v


def _schedule_with_duration(budget: Budget) -> Budget:
    if (budget.schedule is None) != (budget.duration is None):
        missing = "duration" if budget.duration is None else "schedule"
        raise refusal(
            "a schedule and a duration go together (when the budget starts, and for how long); add {m}",
            {"key": missing, "m": missing},
        )
    return budget


class Budget(StrictModel):
    nodes: Annotated[str, BeforeValidator(_nodes)] = Field(
        description="Most nodes disrupted at once: a count, or a percentage of the pool such as 10%."
    )
    reasons: list[DisruptionReason] | None = Field(
        default=None, min_length=1, description="Underutilized, Empty, Drifted (default: every reason)."
    )
    schedule: str | None = Field(
        default=None, description="Cron schedule (UTC) when the budget starts applying, such as '0 9 * * 1-5'."
    )
    duration: str | None = Field(default=None, description="How long it applies from each start, such as 8h or 30m.")

    _check_reasons = field_validator("reasons")(_unique_reasons)
    _check_schedule = field_validator("schedule")(_cron_schedule)
    _check_duration = field_validator("duration")(_budget_duration)
    _check_schedule_with_duration = model_validator(mode="after")(_schedule_with_duration)


class Disruption(StrictModel):
    consolidation_policy: ConsolidationPolicy | None = Field(
        default=None,
        description="WhenEmpty, WhenEmptyOrUnderutilized or Balanced (default: WhenEmpty for GPU pools, else "
        "WhenEmptyOrUnderutilized).",
    )
    consolidate_after: Duration = Field(
        default="1m", description="How long a node stays empty or underused before consolidation (s, m, h, or Never)."
    )
    budgets: list[Budget] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Disruption budgets; the most restrictive active one applies (default: Karpenter's 10%).",
    )
