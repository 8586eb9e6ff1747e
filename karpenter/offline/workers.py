"""Worker processes for rendering many stacks at once, each starting with the SDKs imported.

Helm's Go runtime does not survive a plain fork (a child forked from a process that has loaded
helm_python hangs). On Linux, a process that has not loaded it imports the SDKs and the program's
modules once, forks the other workers from that state and renders stacks itself beside them: no
second interpreter, and every page it loaded shared. Elsewhere, or once Helm is loaded, workers
are forked by a fork server: a fresh interpreter that imports the same, never helm_python.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Python's collection thresholds (allocations before a young collection, young collections before an
# older one, older ones before a full one) for synth. A render makes a great many objects that live
# as long as the process (the SDKs' classes, the mock engine's records) and few cycles, which die
# young: at the defaults, re-examining the long-lived objects over and over took a fifth of a
# one-stack synth. Young cycles are still collected; ten stacks in one process grow it by ~5 MB.
FEW_COLLECTIONS = (20_000, 50, 1000)

# Imported once before workers are forked, by the process that forks them or by the fork server.
# Nothing here may import helm_python (tests/offline/test_workers.py).
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
    """With more than one job and a fork server to come, start it now, while this process has other
    work to do: the server imports the SDKs meanwhile."""
    if jobs > 1 and not _forks_itself() and "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
        forkserver.ensure_running()


def in_order(function: Callable[..., T], calls: Sequence[tuple[Any, ...]], jobs: int) -> Iterator[T]:
    """`function(*call)` for each call, yielded in the order of `calls` as each is ready: in up to
    `jobs` processes, or in this one alone when there is one job or one call. `function` must be a
    module-level function and its arguments and result picklable."""
    if jobs <= 1 or len(calls) <= 1:
        for call in calls:
            yield function(*call)
        return
    if _forks_itself():
        yield from _beside_forked(function, calls, min(jobs, len(calls)) - 1)
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


def _forks_itself() -> bool:
    # A fork copies only the thread that forks: another thread's lock held then stays held in the
    # child. macOS has fork too, but its system frameworks do not survive it.
    return sys.platform == "linux" and "helm_python" not in sys.modules and threading.active_count() == 1


def _beside_forked(function: Callable[..., T], calls: Sequence[tuple[Any, ...]], forked: int) -> Iterator[T]:
    """This process loads what a render needs, forks `forked` workers and renders too: each worker is
    handed the first call no one has taken when it is free, this process takes the last, until none
    is left."""
    for module in PRELOAD:
        importlib.import_module(module)
    # Frozen before the fork (not collected first, which would leave holes in the shared pages), as
    # Python's documentation of gc.freeze advises: collections then never write to what is shared.
    gc.freeze()
    pool = ProcessPoolExecutor(
        max_workers=forked, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker
    )
    results: list[Future[T]] = [Future() for _ in calls]
    lock = threading.Lock()
    untaken = [0, len(calls)]  # the first and one past the last call no one has taken

    def hand_out(_: object = None) -> None:
        # Called again as each worker's call is done, in this process's thread that waits for them.
        with lock:
            if untaken[0] == untaken[1]:
                return
            index = untaken[0]
            untaken[0] += 1
        try:
            done = pool.submit(function, *calls[index])
        except RuntimeError:  # shut down by a stop in this process
            return
        done.add_done_callback(partial(_pass_on, results[index]))
        done.add_done_callback(hand_out)

    try:
        # The first submit forks every worker (none is forked later), before this process renders
        # and so before it loads Helm.
        for _ in range(forked):
            hand_out()
        given = 0
        while True:
            with lock:
                if untaken[0] == untaken[1]:
                    break
                untaken[1] -= 1
                index = untaken[1]
            results[index].set_result(function(*calls[index]))
            while given < len(calls) and results[given].done():
                yield results[given].result()
                given += 1
        for result in results[given:]:
            yield result.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _pass_on(result: Future[T], done: Future[T]) -> None:
    if done.cancelled():  # by the shutdown after a stop in this process
        result.cancel()
        return
    error = done.exception()
    if error is not None:
        result.set_exception(error)
    else:
        result.set_result(done.result())


def _start_worker() -> None:
    from karpenter.offline import lazy_packages

    # A spawned worker's own imports; a forked one has it already.
    lazy_packages.install()
    # What the process it was forked from imported is never collected: collections skip it, and
    # leave the pages the worker shares with that process (and the other workers) shared.
    gc.freeze()
    gc.set_threshold(*FEW_COLLECTIONS)
