"""Where a run stands, for a person watching it: documents done, documents a second and an
estimate of the time left, reported each time a chunk of records is done (by whichever worker).

Each pass goes over every document. The first pass measures itself by the bytes of the input
files read (their sizes are known before it starts: the most honest measure of work left; a
file being read counts up to its reader's offset, where Linux's /proc tells it); later passes by
documents, counted by the first. A resumed run counts the chunks it
reads back as done, but not into the rate, so its estimate is of the work really left."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunProgress:
    """One report to `run(progress=...)`: the current pass (from 1) of `passes`, the documents
    it has done (of `docs_total`, known from the second pass on), the share of the pass done
    (None while unknown), documents a second and the seconds left in the pass (None until
    there is a rate to go by)."""

    pass_number: int
    passes: int
    docs: int
    docs_total: int | None
    fraction: float | None
    docs_per_second: float
    eta_seconds: float | None

    def describe(self) -> str:
        """One line: `pass 1/2: 12,000 docs, 2,100 docs/s, 40% of the input, ETA 0:00:09`."""
        return f"pass {self.pass_number}/{self.passes}: {self.details()}"

    def details(self) -> str:
        """The line without its pass."""
        of_total = "" if self.docs_total is None else f" of {self.docs_total:,}"
        parts = [f"{self.docs:,}{of_total} docs", f"{self.docs_per_second:,.0f} docs/s"]
        if self.fraction is not None:
            of_what = " of the input" if self.pass_number == 1 else ""
            parts.append(f"{self.fraction:.0%}{of_what}")
        if self.eta_seconds is not None:
            parts.append(f"ETA {clock(self.eta_seconds)}")
        return ", ".join(parts)


Progress = Callable[[RunProgress], None]


def clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


@dataclass(frozen=True)
class ChunkDone:
    """What a worker says when it has done a chunk: its documents, the bytes of the input files
    it read (first pass only), and whether an earlier try of the run had done it already (it
    was read back)."""

    docs: int
    input_bytes: int
    read_back: bool


class Ticker:
    """Turns chunk reports into `RunProgress` for the run's `progress` callback."""

    def __init__(self, progress: Progress | None, passes: int, input_bytes: int) -> None:
        self.progress, self.passes, self.input_bytes = progress, passes, input_bytes
        self.start_pass(0, None)

    def start_pass(self, number: int, docs_total: int | None) -> None:
        """Pass `number` (from 0) begins; `docs_total` is its documents, where known."""
        self.number, self.docs_total = number, docs_total
        self.docs = self.fresh_docs = 0
        self.bytes = self.fresh_bytes = 0
        self.started = time.monotonic()

    def chunk_done(self, chunk: ChunkDone) -> None:
        self.docs += chunk.docs
        self.bytes += chunk.input_bytes
        if not chunk.read_back:
            self.fresh_docs += chunk.docs
            self.fresh_bytes += chunk.input_bytes
        if self.progress is not None:
            self.progress(self.report())

    def report(self) -> RunProgress:
        seconds = time.monotonic() - self.started
        if self.number == 0:
            done, total, fresh = self.bytes, self.input_bytes, self.fresh_bytes
        else:
            done, total, fresh = self.docs, self.docs_total or 0, self.fresh_docs
        # no file read to its end yet: not 0% done, but not known
        known = total > 0 and (done > 0 or self.docs == 0)
        return RunProgress(
            pass_number=self.number + 1,
            passes=self.passes,
            docs=self.docs,
            docs_total=self.docs_total,
            fraction=min(done / total, 1.0) if known else None,
            docs_per_second=self.fresh_docs / seconds if seconds > 0 else 0.0,
            eta_seconds=_seconds_left(total - done, fresh, seconds),
        )


def _seconds_left(left: int, fresh: int, seconds: float) -> float | None:
    if left <= 0:
        return 0.0
    if fresh == 0 or seconds <= 0:
        return None
    return left * seconds / fresh
