"""The guardrails as Pulumi policies: a thin layer over `karpenter.guardrails`, whose pure rules
offline synth runs too, so the pack and synth can never disagree."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

# The Pulumi CLI runs the pack from this folder with its own venv (pulumi, pulumi-policy); the
# rules live in the program's package one folder up, and need nothing but the standard library.
PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from karpenter.guardrails.rules import RULES, Check  # noqa: E402 - needs the path above


def _validate_with(check: Check) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args.resource_type, args.name, args.props):
            report_violation(message, None)

    return validate


POLICIES: list[ResourceValidationPolicy] = [
    ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_validate_with(rule.check),
    )
    for rule in RULES
]
