"""Engines: where a run's work runs. The pipeline (`thresher.run.pipeline`) cuts a run into
tasks (one pass over one unit, chunk by chunk; one partition of a corpus step's decision) and
merges their results in task order; an engine only runs the tasks somewhere and hands the results
back in that order. So the output cannot depend on the engine, nor on its number of workers.

- `local`: in this process (one worker, or one task), else in a pool of spawned processes
  kept for the whole run, every pass and decision (`thresher.run.pool`).
- `ray`: Ray Core tasks on a local Ray started for the run, or on a running cluster
  (`thresher.run.ray_engine`; needs `pip install thresher[ray]`).

A task is `function(*task, report=callback)`: what it passes to `report` (a finished chunk, for
progress) reaches the pipeline's `on_report`; its return value is small (a chunk's accounting),
as every document goes through the run folder, never through the engine."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from thresher.errors import ConfigError
from thresher.run.pool import WorkerPool, workers_to_use

Result = TypeVar("Result")

LOCAL = "local"
RAY = "ray"
ENGINES = (LOCAL, RAY)
RAY_INSTALL = "pip install 'thresher[ray]'"
_CONNECT_SECONDS = 10.0


class Engine(Protocol):
    """Runs tasks; the results come back in task order."""

    @property
    def workers(self) -> int:
        """How many tasks may run at once (what `timing.json` reports as the workers used)."""
        ...

    def map(
        self,
        function: Callable[..., Result],
        tasks: Sequence[tuple[Any, ...]],
        on_report: Callable[[Any], None],
    ) -> list[Result]:
        """`function(*task, report=...)` for each task; the results in task order."""
        ...


class LocalEngine:
    """Tasks in this process when one worker (or one task) is all there is, else in a pool of
    `workers` processes, Ctrl-C safe (`thresher.run.pool`)."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool = WorkerPool(workers)  # started at its first use, kept for the run

    @property
    def workers(self) -> int:
        return self._workers

    def map(
        self,
        function: Callable[..., Result],
        tasks: Sequence[tuple[Any, ...]],
        on_report: Callable[[Any], None],
    ) -> list[Result]:
        if self._workers <= 1 or len(tasks) <= 1:
            return [function(*task, report=on_report) for task in tasks]
        return self._pool.map(function, tasks, on_report)

    def close(self) -> None:
        self._pool.close()


@dataclass(frozen=True)
class EngineChoice:
    """The engine a run asked for: its name, the workers asked for, a Ray cluster's address."""

    name: str = LOCAL
    workers: int = 1
    address: str | None = None

    def check(self) -> None:
        """Refuse an engine that cannot run, before anything of the run is touched."""
        if self.name not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {self.name!r}")
        if self.address is not None and self.name != RAY:
            raise ConfigError(f"--address {self.address}: an address is for --engine ray only")
        if self.name == RAY:
            try:
                import thresher.run.ray_engine  # noqa: F401  (imports ray)
            except ImportError as exc:
                raise ConfigError(
                    f"--engine ray needs Ray, which cannot be imported ({exc}): {RAY_INSTALL}"
                ) from exc
        if self.address is not None:
            require_reachable(self.address)


def require_reachable(address: str) -> None:
    """Refuse a Ray address where nothing answers: `ray.init` would retry it for minutes.
    Forms without a port (`auto`) are left to Ray."""
    host, colon, port = address.split("://", 1)[-1].rpartition(":")
    if not colon or not port.isdigit():
        return
    host = host.removeprefix("[").removesuffix("]")  # "[::1]:6379": an IPv6 address
    try:
        socket.create_connection((host, int(port)), timeout=_CONNECT_SECONDS).close()
    except OSError as exc:
        raise ConfigError(f"--address {address}: no Ray cluster answers there ({exc})") from exc


@contextmanager
def open_engine(choice: EngineChoice, units: int) -> Iterator[Engine]:
    """The engine `choice` names, for a run of `units` units; a local Ray that it starts is
    stopped when the block ends, however it ends."""
    choice.check()
    if choice.name == LOCAL:
        engine = LocalEngine(workers_to_use(choice.workers, units))
        try:
            yield engine
        finally:
            engine.close()
        return
    from thresher.run.ray_engine import ray_engine

    with ray_engine(choice.workers, units, choice.address) as ray:
        yield ray
