"""Disruption budgets at their edges: each cron field's bounds, steps, ranges, lists, macros; node counts, reasons."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.pool_disruption import Budget, DisruptionReason
from tests.conftest import settings_for

SCHEDULE_KEY = "karpenter:nodePools.cpu.disruption.budgets[0].schedule"


def _budgets(*budgets: dict[str, Any]) -> list[Budget]:
    settings = settings_for({"clusterName": "dev", "nodePools": {"cpu": {"disruption": {"budgets": list(budgets)}}}})
    parsed = parse_stack_config(settings).node_pools["cpu"].disruption.budgets
    assert parsed is not None
    return parsed


def _refusal(*budgets: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as refused:
        _budgets(*budgets)
    return str(refused.value)


def _scheduled(schedule: str) -> dict[str, Any]:
    return {"nodes": "0", "schedule": schedule, "duration": "8h"}


# --- cron: what each field takes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [
        pytest.param("0 0 1 1 0", id="first-values"),
        pytest.param("59 23 31 12 6", id="last-values"),
        pytest.param("0-59 0-23 1-31 1-12 0-6", id="whole-ranges"),
        pytest.param("0,59 0,23 1,31 1,12 0,6", id="lists-of-both-ends"),
        pytest.param("0 0 1 jan sun", id="first-names"),
        pytest.param("0 0 1 DEC Sat", id="last-names-any-case"),
        pytest.param("0 0 1 jan-dec sun-sat", id="name-ranges"),
        pytest.param("5-5 0 1 * *", id="range-of-one-value"),
        pytest.param("0 0 ? * ?", id="question-mark-in-day-fields"),
        pytest.param("0 0 ?,15 * ?,mon", id="question-mark-in-a-day-list"),
        pytest.param("*/1 */23 1-31/30 */12 0-6/6", id="steps-from-one-to-the-field-width"),
        pytest.param("5/15 0 1 * *", id="step-from-a-single-value"),
        pytest.param("*,0 * * * *", id="star-then-a-value"),
    ],
)
def test_cron_schedules_within_each_fields_range_are_accepted(schedule: str) -> None:
    assert _budgets(_scheduled(schedule))[0].schedule == schedule


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        pytest.param("60 0 1 1 0", "'60' is out of the minute field's range (0-59)", id="minute-60"),
        pytest.param("0 24 1 1 0", "'24' is out of the hour field's range (0-23)", id="hour-24"),
        pytest.param("0 0 0 1 0", "'0' is out of the day of month field's range (1-31)", id="day-of-month-0"),
        pytest.param("0 0 32 1 0", "'32' is out of the day of month field's range (1-31)", id="day-of-month-32"),
        pytest.param("0 0 1 0 0", "'0' is out of the month field's range (1-12 or names)", id="month-0"),
        pytest.param("0 0 1 13 0", "'13' is out of the month field's range (1-12 or names)", id="month-13"),
        pytest.param("0 0 1 1 7", "'7' is out of the day of week field's range (0-6 or names)", id="day-of-week-7"),
        pytest.param("0-60 0 1 1 0", "'0-60' is out of the minute field's range (0-59)", id="range-ending-past"),
        pytest.param("0 0 0-31 1 0", "'0-31' is out of the day of month field's range (1-31)", id="range-from-before"),
        pytest.param(
            "0 0 1 * mon-fri/0", "the day of week field's step '0' is not a whole number above 0", id="step-0"
        ),
        pytest.param("*/0 0 1 1 0", "the minute field's step '0' is not a whole number above 0", id="star-step-0"),
        pytest.param(
            "*/x 0 1 1 0", "the minute field's step 'x' is not a whole number above 0", id="step-not-a-number"
        ),
        pytest.param(
            "0 0 1 1 mon/-1", "the day of week field's step '-1' is not a whole number above 0", id="step-neg"
        ),
        pytest.param(
            "0 0 1 1 jan", "'jan' is out of the day of week field's range (0-6 or names)", id="month-name-as-day"
        ),
        pytest.param(
            "0 0 mon 1 0", "'mon' is out of the day of month field's range (1-31)", id="day-name-in-month-day"
        ),
        pytest.param("? 0 1 1 0", "'?' is out of the minute field's range (0-59)", id="question-mark-minute"),
        pytest.param("0 ? 1 1 0", "'?' is out of the hour field's range (0-23)", id="question-mark-hour"),
        pytest.param("0 0 1 ? 0", "'?' is out of the month field's range (1-12 or names)", id="question-mark-month"),
        pytest.param("*,60 0 1 1 0", "'60' is out of the minute field's range (0-59)", id="bad-value-after-star"),
        pytest.param("0 0 ?,32 1 0", "'32' is out of the day of month field's range (1-31)", id="bad-value-after-any"),
        pytest.param("1-5-7 0 1 1 0", "'1-5-7' is out of the minute field's range (0-59)", id="two-hyphens"),
        pytest.param("5-1 0 1 1 0", "the minute range '5-1' runs backwards", id="backwards-range"),
        pytest.param("0 0 1 1 fri-mon", "the day of week range 'fri-mon' runs backwards", id="backwards-names"),
        pytest.param("0 0 31-30/2 1 0", "the day of month range '31-30' runs backwards", id="backwards-stepped"),
    ],
)
def test_cron_schedules_outside_a_fields_range_are_refused_naming_the_field(schedule: str, problem: str) -> None:
    assert _refusal(_scheduled(schedule)) == f"{SCHEDULE_KEY}: {problem}"


@pytest.mark.parametrize("schedule", ["@annually", "@yearly", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"])
def test_every_cron_macro_karpenter_knows_is_accepted(schedule: str) -> None:
    assert _budgets(_scheduled(schedule))[0].schedule == schedule


def test_a_schedule_with_six_fields_is_refused_naming_the_count() -> None:
    assert _refusal(_scheduled("0 0 0 1 1 0")) == (
        f"{SCHEDULE_KEY}: a cron schedule has five fields (minute hour day-of-month month day-of-week), not 6"
    )


# --- nodes and reasons --------------------------------------------------------------------------


def test_a_node_count_given_as_a_number_is_kept_as_that_count() -> None:
    assert [budget.nodes for budget in _budgets({"nodes": 5}, {"nodes": 0}, {"nodes": "10%"})] == ["5", "0", "10%"]


def test_a_budget_naming_a_reason_twice_is_refused() -> None:
    assert _refusal({"nodes": "1", "reasons": ["Empty", "Drifted", "Empty"]}) == (
        "karpenter:nodePools.cpu.disruption.budgets[0].reasons: values must not repeat"
    )


def test_a_budget_naming_each_reason_once_keeps_them_in_order() -> None:
    assert _budgets({"nodes": "1", "reasons": ["Drifted", "Empty", "Underutilized"]})[0].reasons == [
        DisruptionReason.DRIFTED,
        DisruptionReason.EMPTY,
        DisruptionReason.UNDERUTILIZED,
    ]
