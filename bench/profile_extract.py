"""Extraction profile and output check (issue 18, point 3), on every set in
../shared/data/extraction, in-process (`isolate=False`).

    nice -n 19 .venv/bin/python bench/profile_extract.py stages [--repeat 3]
        CPU ms a page per stage (exclusive: a stage's time excludes the stages it calls), per
        set, and how many pages end in each pass (fast, container, wide, careful, page).
    nice -n 19 .venv/bin/python bench/profile_extract.py dump OUT.json [--mode auto]
        every page's text, metadata and rejection, for comparing two trees exactly:
        PYTHONPATH=/tmp/extract-before/src .venv/bin/python bench/profile_extract.py dump a.json
    .venv/bin/python bench/profile_extract.py compare A.json B.json
    nice -n 19 .venv/bin/python bench/profile_extract.py ab SRC_A SRC_B [--runs 3]
        CPU pages/s of two source trees (each in its own worker process, PYTHONPATH=SRC),
        interleaved set by set and run by run; `--isolate` adds the helper process's CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction"


def load_all(sets: list[str]) -> dict[str, list[tuple[str, bytes]]]:
    from eval_extract import LOADERS

    out = {}
    for key in sets:
        folder, load = LOADERS[key]
        out[folder] = [(p.id, p.raw) for p in load(DATA / folder)]
    return out


class Timers:
    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.stack: list[list[float]] = []  # [started, child time]

    def wrap(self, name, fn):  # type: ignore[no-untyped-def]
        clock = time.process_time

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.stack.append([clock(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                started, children = self.stack.pop()
                spent = clock() - started
                self.total[name] += spent - children
                if self.stack:
                    self.stack[-1][1] += spent

        return timed


def stages(args: argparse.Namespace) -> None:
    import importlib

    ex = importlib.import_module("thresher.extract")
    m = importlib.import_module("thresher.extract.main")
    from resiliparse.parse.html import HTMLTree

    timers = Timers()
    orig_parse = HTMLTree.parse
    timed_parse = timers.wrap("parse", orig_parse)

    class Tree:
        parse = staticmethod(timed_parse)

    ex.HTMLTree = Tree  # type: ignore[misc]
    for name in (
        "decode_html",
        "too_deep",
        "page_metadata",
        "drop_furniture",
        "paragraph_words",
        "container_text",
        "covers",
        "careful_text",
        "_extract",
    ):
        setattr(ex, name, timers.wrap(name, getattr(ex, name)))
    m.extract_plain_text = timers.wrap(
        "extract_plain_text (main-content pass)", m.extract_plain_text
    )
    m._joined_text = timers.wrap("text assembly (tidy, repeats)", m._joined_text)
    orig_blocks = m.blocks
    m.blocks = timers.wrap("blocks (python)", orig_blocks)
    m._rescue_list = timers.wrap("rescue lists", m._rescue_list)
    m._keep_only = timers.wrap("container: keep_only", m._keep_only)
    m._first_substantial = timers.wrap("container: query", m._first_substantial)
    wrapped_fast = timers.wrap("fast_text (kadane)", m.fast_text)
    ex.fast_text = wrapped_fast
    m.fast_text = wrapped_fast
    answer = timers.wrap("answer (rest)", ex.answer)
    pages = load_all(args.sets.split(","))
    rows: dict[str, dict[str, float]] = {}
    passes: dict[str, Counter[str]] = {}
    for folder, members in pages.items():
        answer(members[0][1], None, None, "auto", 10.0)
        timers.total.clear()
        used: Counter[str] = Counter()
        started = time.process_time()
        for _ in range(args.repeat):
            for _pid, raw in members:
                _text, meta, rejected = answer(raw, None, None, args.mode, 10.0)
                used[meta.get("extractor", rejected[0] if rejected else "?")] += 1
        whole = time.process_time() - started
        n = len(members) * args.repeat
        rows[folder] = {k: 1000 * v / n for k, v in timers.total.items()}
        rows[folder]["TOTAL"] = 1000 * whole / n
        passes[folder] = Counter({k: v // args.repeat for k, v in used.items()})
    names = sorted(
        {k for r in rows.values() for k in r}, key=lambda k: -rows[next(iter(rows))].get(k, 0)
    )
    print("| stage | " + " | ".join(f"{f} ({len(pages[f])})" for f in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{rows[f].get(name, 0):.3f}" for f in rows) + " |")
    for folder, used in passes.items():
        print(folder, dict(used))


def dump(args: argparse.Namespace) -> None:
    import thresher

    out = {}
    for folder, members in load_all(args.sets.split(",")).items():
        for pid, raw in members:
            doc = thresher.extract(raw, mode=args.mode, isolate=False)
            rejection = doc.rejection
            out[f"{folder}/{pid}"] = [
                doc.text,
                doc.metadata,
                None if rejection is None else [rejection.reason, rejection.detail],
            ]
    Path(args.out).write_text(json.dumps(out, sort_keys=True), encoding="utf-8")
    print(f"{len(out)} pages -> {args.out} ({thresher.__file__})")


def compare(args: argparse.Namespace) -> None:
    a = json.loads(Path(args.a).read_text(encoding="utf-8"))
    b = json.loads(Path(args.b).read_text(encoding="utf-8"))
    assert a.keys() == b.keys(), "different pages"
    differ = [k for k in a if a[k] != b[k]]
    for k in differ[:20]:
        print("DIFFERS", k)
    print(f"{len(a)} pages compared, {len(differ)} differ")
    raise SystemExit(1 if differ else 0)


_WORKER = r"""
import sys, time, json, os
sys.path.insert(0, {bench!r})
from profile_extract import load_all
import thresher
pages = load_all({sets!r})
isolate = {isolate!r}
def helper_cpu():
    if not isolate:
        return 0.0
    from thresher.extract import isolate as iso
    h = getattr(iso._local, "helper", None)
    if h is None:
        return 0.0
    fields = open(f"/proc/{{h.process.pid}}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
for members in pages.values():
    thresher.extract(members[0][1], isolate=isolate)
print("ready", flush=True)
for line in sys.stdin:
    folder = line.strip()
    members = pages[folder]
    h0 = helper_cpu(); t0 = time.process_time()
    for pid, raw in members:
        thresher.extract(raw, isolate=isolate)
    spent = time.process_time() - t0 + helper_cpu() - h0
    print(json.dumps([folder, len(members), spent]), flush=True)
"""


def ab(args: argparse.Namespace) -> None:
    sets = args.sets.split(",")
    workers = []
    for src in (args.a, args.b):
        code = _WORKER.format(
            bench=str(Path(__file__).resolve().parent), sets=sets, isolate=args.isolate
        )
        env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        workers.append(proc)
    from eval_extract import LOADERS

    folders = [LOADERS[k][0] for k in sets]
    rates: dict[str, dict[int, list[float]]] = {f: {0: [], 1: []} for f in folders}
    for run in range(args.runs):
        for folder in folders:
            order = (0, 1) if run % 2 == 0 else (1, 0)
            for i in order:
                proc = workers[i]
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(folder + "\n")
                proc.stdin.flush()
                _f, n, spent = json.loads(proc.stdout.readline())
                rates[folder][i].append(n / spent)
        print(
            f"run {run + 1}: "
            + "; ".join(f"{f} A {rates[f][0][-1]:.1f} B {rates[f][1][-1]:.1f}" for f in folders),
            flush=True,
        )
    for proc in workers:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    print(f"\nCPU pages/s (isolate={args.isolate}), A={args.a} B={args.b}")
    print("| set | A runs | B runs | A median | B median | B/A |")
    print("|---|---|---|---|---|---|")
    for f in folders:
        ma, mb = statistics.median(rates[f][0]), statistics.median(rates[f][1])
        runs_a = ", ".join(f"{x:.1f}" for x in rates[f][0])
        runs_b = ", ".join(f"{x:.1f}" for x in rates[f][1])
        print(f"| {f} | {runs_a} | {runs_b} | {ma:.1f} | {mb:.1f} | {mb / ma:.3f}x |")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("stages")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--mode", default="auto")
    p.add_argument("--sets", default="aeb,wcxb,readability")
    p = sub.add_parser("dump")
    p.add_argument("out")
    p.add_argument("--mode", default="auto")
    p.add_argument("--sets", default="aeb,wcxb,readability")
    p = sub.add_parser("compare")
    p.add_argument("a")
    p.add_argument("b")
    p = sub.add_parser("ab")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--isolate", action="store_true")
    p.add_argument("--sets", default="aeb,wcxb,readability")
    args = parser.parse_args()
    {"stages": stages, "dump": dump, "compare": compare, "ab": ab}[args.command](args)


if __name__ == "__main__":
    main()
