#!/usr/bin/env python3
"""What extracting each page in a helper process (`thresher.extract`'s default, so that the
deadline holds inside the C parser) costs against extracting in this process, with pages back to
back as a run extracts them, or interleaved with trafilatura and resiliparse as
bench/eval_extract.py runs them (the helper idle, its caches cold, between two of its pages).

    .venv/bin/python bench/extract_isolation.py [--data ../shared/data/extraction] [--rounds 3]
        [--sets aeb,wcxb,readability] [--interleave] [--compare OLD_ISOLATE.py] [--check]
        [--by-page]

Per set: pages/s of `auto` isolated and in-process, alternated pass by pass, the best pass of
`rounds` and the median; and, in ms a page (medians over passes), the calls' wall time and
their CPU time (this thread, and the helper's from /proc/PID/schedstat), for a helper with
its excess over the in-process pass of the same round in brackets: what the helper costs a
page. The CPU figure holds on a loaded machine, where the wall time does not: the time the
two processes waited on a run queue for a core another process held is shown as well.
`--compare PATH` adds a third variant: the helper of another copy of `extract/isolate.py` (an
older one, say `git show debf1e4:src/thresher/extract/isolate.py > /tmp/isolate_old.py`), in
the same passes. `--interleave` calls trafilatura and resiliparse on each page between two
extractions, untimed. `--by-page` alternates the variants page by page rather than pass by
pass (a round is then one pass of each, made of their turns): on a loaded machine, load that
comes and goes weighs on all of them alike. `--check` first compares every page's text and
metadata, isolated (and `--compare`'s) against in-process, and stops on the first difference.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import thresher

SETS = {"aeb": "scrapinghub-aeb/html", "wcxb": "wcxb-dev/html", "readability": "readability/pages"}
EXTRACT: Any = importlib.import_module("thresher.extract")  # the package, not the function
CURRENT = EXTRACT._isolate


def pages_of(root: Path) -> list[bytes]:
    files = sorted(root.glob("*.html.gz")) or sorted(root.glob("*/source.html.gz"))
    return [gzip.decompress(path.read_bytes()) for path in files]


def other_isolate(path: Path) -> ModuleType:
    """Another copy of the isolate module, whose helpers run that copy's `serve`."""
    spec = importlib.util.spec_from_file_location("isolate_compared", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._SERVE = (  # type: ignore[attr-defined]
        f"import importlib.util as u; s = u.spec_from_file_location('m', {str(path)!r});"
        " m = u.module_from_spec(s); s.loader.exec_module(m); serve = m.serve"
    )
    return module


def interleaved() -> Callable[[bytes], None]:
    """What bench/eval_extract.py runs between two of thresher's pages."""
    import trafilatura
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import detect_encoding
    from resiliparse.parse.html import HTMLTree

    def others(page: bytes) -> None:
        trafilatura.extract(page, output_format="txt", include_comments=False)
        extract_plain_text(
            HTMLTree.parse_from_bytes(page, detect_encoding(page) or "utf-8"), main_content=True
        )

    return others


class Pass(NamedTuple):
    """One pass's extraction calls: wall seconds; the CPU seconds of this thread and of the
    helper; and their waits on a run queue (another process had the core: load, not cost)."""

    wall: float
    cpu: float
    waited: float


def _schedstat(fd: int) -> tuple[int, int]:
    """Linux's /proc/PID/schedstat: ns on a CPU, ns runnable but waiting for one."""
    on_cpu, waiting = os.pread(fd, 200, 0).split()[:2]
    return int(on_cpu), int(waiting)


def seconds_of(
    pages: list[bytes], variant: ModuleType | None, others: Callable[[bytes], None] | None
) -> Pass:
    """One pass (the helper of `variant`, or in-process)."""
    EXTRACT._isolate = variant or CURRENT
    wall = cpu = waited = 0.0
    fds: list[int] = []
    try:
        for page in pages:
            if not fds and os.path.exists("/proc/self/schedstat"):
                fds.append(os.open("/proc/self/schedstat", os.O_RDONLY))
                helper = getattr(EXTRACT._isolate._local, "helper", None)
                if variant is not None and helper is not None:
                    fds.append(os.open(f"/proc/{helper.process.pid}/schedstat", os.O_RDONLY))
            before = [_schedstat(fd) for fd in fds]
            started, started_cpu = time.perf_counter(), time.thread_time()
            thresher.extract(page, isolate=variant is not None)
            wall += time.perf_counter() - started
            cpu += time.thread_time() - started_cpu
            for number, (fd, (on_cpu, waiting)) in enumerate(zip(fds, before, strict=True)):
                now_on_cpu, now_waiting = _schedstat(fd)
                waited += (now_waiting - waiting) / 1e9
                if number:  # the helper's (asleep now: exact; this thread's own lags a tick)
                    cpu += (now_on_cpu - on_cpu) / 1e9
            if others is not None:
                others(page)
    finally:
        EXTRACT._isolate = CURRENT
        for fd in fds:
            os.close(fd)
    return Pass(wall, cpu, waited)


def check(name: str, pages: list[bytes], variants: dict[str, ModuleType]) -> bool:
    for number, page in enumerate(pages):
        here = thresher.extract(page, isolate=False)
        for label, variant in variants.items():
            EXTRACT._isolate = variant
            try:
                there = thresher.extract(page)
            finally:
                EXTRACT._isolate = CURRENT
            if (there.text, there.metadata, there.rejection) != (
                here.text,
                here.metadata,
                here.rejection,
            ):
                print(f"{name}: page {number} differs, {label} against in-process")
                return False
    print(f"{name}: {len(pages)} pages, text and metadata the same in {', '.join(variants)}")
    return True


def figures(p: Pass) -> dict[str, float]:
    return {"wall": p.wall, "CPU": p.cpu}


def report(name: str, count: int, spent: dict[str, list[Pass]]) -> None:
    """Pages/s (best and median pass); ms a page, medians over passes, of wall time and of CPU
    time (this thread and the helper); for a helper, in brackets, each figure's excess over
    the in-process pass of the same round; and the time a page waited on a run queue."""
    median = statistics.median
    base = [figures(p) for p in spent["in-process"]]
    print(f"{name}: {count} pages")
    for label, passes in spent.items():
        walls = [p.wall for p in passes]
        cells = []
        for what in base[0]:
            values = [figures(p)[what] for p in passes]
            cell = f"{what} {median(values) / count * 1000:.3f}"
            if label != "in-process":
                extra = [v - b[what] for v, b in zip(values, base, strict=True)]
                cell += f" (+{median(extra) / count * 1000:.3f})"
            cells.append(cell)
        print(
            f"  {label:10s} {count / min(walls):6.1f} pages/s best, {count / median(walls):6.1f}"
            f" median; ms a page: {', '.join(cells)}; run-queue waits"
            f" {median(p.waited for p in passes) / count * 1000:.3f}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/extraction"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--interleave", action="store_true")
    parser.add_argument("--compare", type=Path, help="another isolate.py, measured alongside")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--by-page", action="store_true", help="alternate page by page")
    args = parser.parse_args()
    variants: dict[str, ModuleType | None] = {"isolated": CURRENT}
    if args.compare:
        variants["compared"] = other_isolate(args.compare)
    variants["in-process"] = None
    others = interleaved() if args.interleave else None
    for name in args.sets.split(","):
        root = args.data / SETS[name]
        if not root.is_dir():
            print(f"{name}: {root} absent, skipped")
            continue
        pages = pages_of(root)
        helpers = {k: v for k, v in variants.items() if v is not None}
        if args.check and not check(name, pages, helpers):
            return 1
        if args.rounds < 1:
            continue
        for variant in variants.values():  # each helper's start is not a page's time
            seconds_of(pages[:1], variant, None)
        spent: dict[str, list[Pass]] = {label: [] for label in variants}
        for round_ in range(args.rounds):
            # alternated, and each round in another order, so drift favours none
            order = list(variants.items())
            order = order[round_ % len(order) :] + order[: round_ % len(order)]
            if not args.by_page:
                for label, variant in order:
                    spent[label].append(seconds_of(pages, variant, others))
                continue
            parts: dict[str, list[Pass]] = {label: [] for label in variants}
            for number, page in enumerate(pages):
                turn = order[number % len(order) :] + order[: number % len(order)]
                for label, variant in turn:
                    parts[label].append(seconds_of([page], variant, others))
            for label, passes in parts.items():
                spent[label].append(Pass(*(sum(column) for column in zip(*passes, strict=True))))
        report(name, len(pages), spent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
