"""The Ray engine: a run's tasks as Ray Core tasks (`thresher run --engine ray`).

- Where: on a local Ray started for the run (as many CPUs as workers used, no dashboard, a
  small object store) and stopped at its end; on the cluster at `--address`; or on the Ray
  this process had already joined (`ray.init` called before the run: used, and left running).
  At most `workers` tasks are in flight at once, so `--workers` is the share of a cluster the
  run takes.
- Data: a task gets its unit (file names), the recipe and the run folder's path, and returns a
  chunk's accounting: documents go through the run folder, never through the object store, so
  every node must see the run folder, the index and the inputs at the same path (shared
  storage); each task works in the folder the driver was started in, so relative paths hold.
- Failures: a task whose process dies (killed, out of memory, its node lost) is retried, up to
  `MAX_RETRIES` times; the chunks it had finished are read back from the run folder, not
  redone, and a half-written one is written again under its temporary name. An exception a
  task raises is the run's error, raised here as it was raised there (no retry: it would
  fail the same way).
- Interrupted (Ctrl-C, an error): on a cluster, the tasks in flight are cancelled, their
  processes killed, so that nothing writes into the run folder after the run ends; a local Ray
  started for the run is stopped whole instead (cancelling there races Ray's own bookkeeping:
  about one Ctrl-C in ten aborted the driver with Ray's "Tried to complete task that was not
  pending", exit 1 instead of 130). The same command resumes. A
  driver killed outright takes the local Ray it started with it (Ray's processes die with the
  process that started them).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import ray
from ray.exceptions import RayError, RayTaskError

from thresher.errors import ConfigError, OutputError, WorkerError
from thresher.run.pool import sigint_ignored, workers_to_use

Result = TypeVar("Result")

MAX_RETRIES = 3  # per task, on the loss of its process or node
# Tasks return a chunk's accounting (a few KiB): Ray's smallest object store is plenty.
_OBJECT_STORE_BYTES = 96 << 20
_CANCEL_WAIT_SECONDS = 30.0


# retry_exceptions=False: a task's own exception would come again; only a lost process retries
@ray.remote(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)
def _run_task(
    function: Callable[..., Any], task: tuple[Any, ...], folder: str, version: str
) -> tuple[Any, list[Any]]:
    """In a Ray worker: `function(*task)` in the driver's working folder; its result, and what
    it reported on the way (sent back with the result: a task's progress arrives when it
    ends)."""
    _ignore_interrupts()
    _require_version(version)
    _enter(folder)
    reports: list[Any] = []
    result = function(*task, report=reports.append)
    return result, reports


def _require_version(version: str) -> None:
    """A node with another thresher would write other bytes than the driver's run expects."""
    import thresher

    if thresher.__version__ != version:
        raise ConfigError(
            f"Ray node {socket.gethostname()} has thresher {thresher.__version__}, the driver"
            f" {version}: install the same version on every node"
        )


def _ignore_interrupts() -> None:
    """A Ctrl-C reaches every process of the terminal's group, Ray's workers too: it is the
    driver's to handle (it cancels the tasks, killing their processes), not a task's error."""
    with suppress(ValueError):  # not the worker's main thread: Ray's own handling stands
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _enter(folder: str) -> None:
    if os.getcwd() == folder:
        return
    try:
        os.chdir(folder)
    except OSError as exc:
        raise OutputError(
            f"{folder}: the folder the run was started in is not reachable on Ray node"
            f" {socket.gethostname()} ({exc}); every node must see the inputs, the"
            " run folder and the index at the same paths (shared storage)"
        ) from exc


class RayEngine:
    """Tasks on the Ray this process has joined, at most `workers` in flight. `own`: a local
    Ray started for the run, stopped whole when the run ends (its tasks with it)."""

    def __init__(self, workers: int, own: bool = False) -> None:
        self._workers = workers
        self._own = own

    @property
    def workers(self) -> int:
        return self._workers

    def map(
        self,
        function: Callable[..., Result],
        tasks: Sequence[tuple[Any, ...]],
        on_report: Callable[[Any], None],
    ) -> list[Result]:
        folder, version = str(Path.cwd()), _driver_version()
        results: dict[int, Result] = {}
        waiting = iter(enumerate(tasks))
        running: dict[ray.ObjectRef[Any], int] = {}
        try:
            while True:
                for number, task in waiting:
                    running[_run_task.remote(function, task, folder, version)] = number
                    if len(running) >= self._workers:
                        break
                if not running:
                    break
                finished, _ = ray.wait(list(running), num_returns=1)
                for ref in finished:
                    result, reports = _get(ref)
                    results[running.pop(ref)] = result
                    for report in reports:
                        on_report(report)
        except BaseException:
            if not self._own:  # an own Ray is stopped whole, tasks and all (ray_engine)
                _cancel(list(running))
            raise
        return [results[number] for number in range(len(tasks))]


def _driver_version() -> str:
    import thresher  # the package imports the pipeline, which imports this module

    return thresher.__version__


def _get(ref: ray.ObjectRef[Any]) -> Any:
    """A task's return value; its own exception raised as it was raised in the task; the loss
    of its process after every retry as a `WorkerError`."""
    try:
        return ray.get(ref)
    except RayTaskError as exc:
        cause = exc.cause
        if isinstance(cause, KeyboardInterrupt):  # the Ctrl-C reached the task first
            raise KeyboardInterrupt from exc
        if isinstance(cause, Exception):
            raise cause from exc
        raise
    except RayError as exc:
        raise WorkerError(
            f"a Ray task failed {MAX_RETRIES + 1} times, its process or node lost each time"
            f" ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''});"
            " finished chunks are kept: run the same command to resume"
        ) from exc


def _cancel(refs: list[ray.ObjectRef[Any]]) -> None:
    """Stop tasks in flight, killing their processes (a task left running could write into a
    run folder that the next run is resuming)."""
    for ref in refs:
        try:
            ray.cancel(ref, force=True)
        except (RayError, ValueError):  # finished meanwhile, or its Ray already gone
            continue
    # cancel returns before the processes are gone: wait for them, so that nothing writes
    # into the run folder once the run has ended (a cluster outlives this driver)
    with suppress(RayError, ValueError):
        ray.wait(refs, num_returns=len(refs), timeout=_CANCEL_WAIT_SECONDS)


@contextmanager
def ray_engine(workers: int, units: int, address: str | None) -> Iterator[RayEngine]:
    """A Ray engine on the Ray this process has joined, else on the cluster at `address`, else
    on a local Ray started here with as many CPUs as workers are used (capped at the usable
    cores and the units); a Ray started or joined here is left when the block ends."""
    if ray.is_initialized():
        yield RayEngine(workers)
        return
    if address is None:
        used = workers_to_use(workers, units)
        _start_local(used)
    else:
        used = workers
        _connect(address)
    try:
        yield RayEngine(used, own=address is None)
    finally:
        ray.shutdown()


def _start_local(cpus: int) -> None:
    """A local Ray for this run alone. Its processes are started ignoring SIGINT (they keep it
    through exec), so that a Ctrl-C, which reaches the whole process group, is this process's
    to handle: it cancels the tasks and stops Ray in order."""
    try:
        with sigint_ignored():
            ray.init(
                address="local",
                num_cpus=cpus,
                include_dashboard=False,
                object_store_memory=_OBJECT_STORE_BYTES,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
    except (ConnectionError, RuntimeError, OSError, ValueError) as exc:
        raise ConfigError(f"--engine ray: a local Ray could not start: {exc}") from exc


def _connect(address: str) -> None:
    try:
        ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"--address {address}: cannot join the Ray cluster there: {exc}") from exc
