"""The worker processes of a local run, made safe to interrupt.

- As many workers as can help: no more than the usable cores, nor than the units of work (each
  extra process only costs its start and its memory).
- Ctrl-C reaches the whole process group. Workers ignore it, so that only this process hears
  it: it cancels what has not started, ends the workers and lets the interrupt go on (the CLI
  prints one line). Unfinished chunks are redone by the next run.
- A worker never outlives this process: killed with SIGKILL, it takes its workers with it
  (Linux: the kernel's parent-death signal; elsewhere a thread that watches the parent), so no
  orphan goes on writing into a run folder that a new run is resuming.
- Workers report each finished chunk through a queue as they go, for progress.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import SimpleQueue
from typing import Any, TypeVar

from thresher.errors import ThresherWarning, WorkerError

Result = TypeVar("Result")

_POLL_SECONDS = 0.2  # how often the parent passes the workers' reports on
_PARENT_POLL_SECONDS = 1.0  # how often a worker without a parent-death signal checks
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_STOP_SECONDS = 10.0  # how long a terminated worker may take to go before it is killed


def usable_cores() -> int:
    """The CPUs this process may run on: its affinity where the platform tells it."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def workers_to_use(asked: int, units: int) -> int:
    """`asked`, capped at the usable cores and the units of work, with a `ThresherWarning`
    saying so when it is capped."""
    cores = usable_cores()
    used = max(1, min(asked, cores, units))
    if used < asked:
        if cores <= units:
            why = f"{cores} usable core{'s' if cores != 1 else ''}"
        else:
            why = (
                f"{units} unit{'s' if units != 1 else ''} of work: a worker takes a whole input"
                " file, or a group of small ones"
            )
        warnings.warn(
            f"asked for {asked} workers; using {used} ({why})", ThresherWarning, stacklevel=3
        )
    return used


class WorkerPool:
    """Spawned worker processes, started at the first `map` and kept for the next ones (a
    run's passes and decisions reuse them: each start costs an interpreter and thresher's
    imports) until `close`. An interrupt or an error in a `map` ends them first; the next
    `map` starts new ones."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._reports: SimpleQueue[Any] | None = None

    def map(
        self,
        function: Callable[..., Result],
        tasks: Sequence[tuple[Any, ...]],
        on_report: Callable[[Any], None],
    ) -> list[Result]:
        """`function(*task, report=...)` for each task; the results in task order. What
        `function` passes to `report` reaches `on_report` here, as it is sent."""
        pool, reports = self._started()
        try:
            with sigint_ignored():  # workers start at the first submit, inheriting it
                futures = [pool.submit(_call, function, task) for task in tasks]
            _wait_passing_reports(futures, reports, on_report)
            return [future.result() for future in futures]
        except BrokenProcessPool as exc:
            self._stop()
            raise WorkerError(
                "a worker process died before finishing its work (killed from outside, perhaps"
                " by the system for lack of memory); finished chunks are kept: run the same"
                " command to resume, with fewer --workers if memory is short"
            ) from exc
        except BaseException:
            self._stop()
            raise

    def close(self) -> None:
        """End the workers once they are idle."""
        if self._pool is not None:
            self._pool.shutdown()
        self._forget()

    def _started(self) -> tuple[ProcessPoolExecutor, SimpleQueue[Any]]:
        if self._pool is None or self._reports is None:
            context = multiprocessing.get_context("spawn")
            self._reports = context.SimpleQueue()
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(self._reports, os.getpid()),
            )
        return self._pool, self._reports

    def _stop(self) -> None:
        if self._pool is not None:
            _stop(self._pool)
        self._forget()

    def _forget(self) -> None:
        if self._reports is not None:
            self._reports.close()
        self._pool = self._reports = None


def _wait_passing_reports(
    futures: list[Future[Result]], reports: SimpleQueue[Any], on_report: Callable[[Any], None]
) -> None:
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
        # a worker's report is in the pipe before its result is sent: none is left behind
        while not reports.empty():
            on_report(reports.get())


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while workers are started: a process started ignoring it goes on
    ignoring it (Python keeps the disposition it inherits), so a Ctrl-C while a worker is
    still importing cannot end it with a traceback. Signals are only this thread's to set in
    the main thread; elsewhere the workers' initializer is the only guard."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (no public way before Python 3.14
    to reach them: `terminate_workers` where it exists, else the pool's own list)."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:  # it shuts the pool down too, cancelling what has not started
        terminate()
        return
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(_STOP_SECONDS)
        if process.is_alive():
            process.kill()


# --- in a worker --------------------------------------------------------------------------

_reports: SimpleQueue[Any] | None = None


def _start_worker(reports: SimpleQueue[Any], parent: int) -> None:
    """A worker's first step: leave Ctrl-C to the parent, die with it, keep its report queue."""
    global _reports
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)
    _reports = reports


def _call(function: Callable[..., Result], task: tuple[Any, ...]) -> Result:
    assert _reports is not None, "_start_worker runs first in every worker"
    return function(*task, report=_reports.put)


def _exit_with_parent(parent: int) -> None:
    if _parent_death_signal(signal.SIGKILL):
        if os.getppid() != parent:  # the parent was gone before the signal was asked for
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _parent_death_signal(sig: int) -> bool:
    """Ask Linux to send `sig` to this process when its parent dies; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)
