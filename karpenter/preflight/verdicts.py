"""A check's verdict: PASS, WARN, FAIL, or SKIP (its input could not be read, so it did not run), what
was found, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Verdict:
    check: str
    status: Status
    summary: str
    # What to do; empty when nothing is to be done.
    action: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status.value, "summary": self.summary, "action": self.action}


def passed(check: str, summary: str) -> Verdict:
    return Verdict(check, Status.PASS, summary)


def warned(check: str, summary: str, action: str) -> Verdict:
    return Verdict(check, Status.WARN, summary, action)


def failed(check: str, summary: str, action: str) -> Verdict:
    return Verdict(check, Status.FAIL, summary, action)


def skipped(check: str, why: str) -> Verdict:
    """A check that did not run: `why` names the reading it needed (whose own verdict says what to do)."""
    return Verdict(check, Status.SKIP, why)
