"""The peak memory of a command's whole process tree, sampled from /proc (Linux), for `make bench`:
synth forks its workers (or a fork server does), so the peak that waiting for synth reports, its own,
leaves them out."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

# Seconds between two samples; runs that are sampled are not timed (sampling costs time).
SAMPLE_EVERY = 0.02


def _kilobytes(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0  # gone, or not ours to read
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        threads = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for thread in threads:
        try:
            children = [int(child) for child in (thread / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def tree_peak(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Peak MB of a command's whole process tree (worker processes, a fork server, node's children),
    sampled: the largest sum of proportional set sizes (a page shared by n processes counts 1/n in
    each, processes outside the tree included), the largest sum of resident sets (a page shared by
    the tree's processes counts in each: an upper bound), and the largest resident set of any one
    process other than the command's own."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proportional = resident = other = 0
    while process.poll() is None:
        tree = [process.pid, *_descendants(process.pid)]
        proportional = max(proportional, sum(_kilobytes(pid, "Pss") for pid in tree))
        sizes = [_kilobytes(pid, "Rss") for pid in tree]
        resident = max(resident, sum(sizes))
        other = max([other, *sizes[1:]])
        time.sleep(SAMPLE_EVERY)
    if process.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}")
    return proportional / 1024, resident / 1024, other / 1024
