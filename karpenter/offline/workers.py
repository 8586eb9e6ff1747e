"""Worker processes for rendering many stacks at once, each starting with the SDKs imported.

Helm's Go runtime does not survive a plain fork (a child forked from a process that has loaded
helm_python hangs), so workers are forked by a fork server: a fresh interpreter that imports the
SDKs and the program's modules once, never helm_python, and forks a worker from that state.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Python's collection thresholds (allocations before a young collection, young collections before an
# older one, older ones before a full one) for synth. A render makes a great many objects that live
# as long as the process (the SDKs' classes, the mock engine's records) and few cycles, which die
# young: at the defaults, re-examining the long-lived objects over and over took a fifth of a
# one-stack synth. Young cycles are still collected; ten stacks in one process grow it by ~5 MB.
FEW_COLLECTIONS = (20_000, 50, 1000)

# Imported once by the fork server. Nothing here may import helm_python (tests/offline/test_workers.py).
PRELOAD = ("karpenter.offline.sdk_preload", "karpenter.offline.synth", "karpenter.stack")


@dataclass(frozen=True)
class StackLine:
    """What `synth --all` says of one stack: why it was refused, or what it rendered."""

    refusal: str | None
    resources: int = 0
    region: str = ""
    warnings: tuple[str, ...] = ()


def render_line(stack: str, out: Path, project_dir: Path, preview: bool) -> StackLine:
    """Render one stack into `out` as `synth --stack` does, in a worker: what comes back is small,
    and neither it nor this function needs the process that hands out the stacks to load the SDKs."""
    import pulumi

    from karpenter.offline import errors, facts, report, synth

    try:
        result = synth.render(stack, out, project_dir, preview)
    except (pulumi.RunError, errors.SynthError) as exc:
        return StackLine(str(exc))
    notes = [facts.sample_cluster_note(stack)] if result.sample_cluster else []
    return StackLine(None, report.resource_count(result), result.region, (*notes, *result.warnings))


def default_jobs() -> int:
    return os.cpu_count() or 1


def start(jobs: int) -> None:
    """With more than one job, start the fork server now, while this process has other work to do:
    the server imports the SDKs meanwhile."""
    if jobs > 1 and "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
        forkserver.ensure_running()


def in_order(function: Callable[..., T], calls: Sequence[tuple[Any, ...]], jobs: int) -> Iterator[T]:
    """`function(*call)` for each call, yielded in the order of `calls` as each is ready: in up to
    `jobs` worker processes, or in this one when there is one job or one call. `function` must be a
    module-level function and its arguments and result picklable."""
    if jobs <= 1 or len(calls) <= 1:
        for call in calls:
            yield function(*call)
        return
    context: multiprocessing.context.BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))
    else:
        # Windows: each worker a fresh interpreter, which imports the SDKs itself.
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(calls)), mp_context=context, initializer=_start_worker)
    try:
        yield from pool.map(function, *zip(*calls, strict=True))
    finally:
        # A stop part way (an error, Ctrl-C) leaves the stacks not yet started unrendered.
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker() -> None:
    from karpenter.offline import lazy_packages

    # A spawned worker's own imports; a forked one has it from the fork server already.
    lazy_packages.install()
    # What the fork server imported is never collected: collections skip it, and leave the pages
    # the worker shares with the fork server (and the other workers) shared.
    gc.freeze()
    gc.set_threshold(*FEW_COLLECTIONS)
