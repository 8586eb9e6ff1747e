"""Doctor's verdicts as text (a line each, with what to do) or as JSON with a stable key order."""

from __future__ import annotations

import json
from collections import Counter

from karpenter.preflight.verdicts import Status, Verdict

CHECK_WIDTH = 22


def counts(verdicts: list[Verdict]) -> dict[str, int]:
    tally = Counter(v.status.value for v in verdicts)
    return {status.value: tally.get(status.value, 0) for status in Status}


def as_text(header: str, verdicts: list[Verdict]) -> str:
    lines = [header]
    for verdict in verdicts:
        lines.append(f"{verdict.status.value:<4}  {verdict.check:<{CHECK_WIDTH}}  {verdict.summary}")
        if verdict.action:
            lines.append(f"{'':<4}  {'':<{CHECK_WIDTH}}  -> {verdict.action}")
    tally = counts(verdicts)
    skips = f", {tally['SKIP']} SKIP" if tally["SKIP"] else ""
    lines.append(f"\n{tally['FAIL']} FAIL, {tally['WARN']} WARN, {tally['PASS']} PASS{skips}")
    return "\n".join(lines) + "\n"


def as_json(target: dict[str, str], verdicts: list[Verdict]) -> str:
    document = {**target, "checks": [v.as_dict() for v in verdicts], "counts": counts(verdicts)}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
