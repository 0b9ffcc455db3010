#!/usr/bin/env python3
"""Time the Ray engine against the local engine: `thresher run CORPUS --workers N` with
`--engine local` and `--engine ray`, alternating, each in a fresh process (the Ray runs start
their own local Ray, as `thresher run --engine ray` does with no --address), and check that the
two run folders hold the same bytes.

    python bench/bench_ray.py bench/out/corpus --workers 2 --repeats 2 [--files 4]

Wall time, and CPU time of the whole process tree (the run, and for Ray its GCS, raylet,
agents and workers): the larger of two counts that can each miss some, the children's
rusage (exact, but only for processes their parents waited for) and /proc sampled every
--interval seconds (each process's last reading summed: its last fraction of a second is
missed); peak tree RSS; the machine's busy share before each run, as the bench is meant for a
shared machine. Prints JSON, and a
Markdown table with --markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench_run import MemoryPeaks, children_cpu, cpu_busy
from compare_datatrove import tree_cpu_ticks

REPO_ROOT = Path(__file__).resolve().parent.parent
THRESHER = Path(sys.executable).with_name("thresher")
VOLATILE = {"timing.json", "report.html"}  # the run's seconds: differ between any two runs
TICKS = os.sysconf("SC_CLK_TCK")


def run_once(command: list[str], interval: float) -> dict[str, Any]:
    """Run `command`, sampling its process tree; wall and CPU seconds, peak RSS."""
    busy = cpu_busy(2.0)
    ticks: dict[int, int] = {}
    memory = MemoryPeaks()
    waited = children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while process.poll() is None:
        tree_cpu_ticks(process.pid, ticks)
        memory.sample(process.pid)
        time.sleep(interval)
    wall = time.perf_counter() - started
    waited = children_cpu() - waited
    sampled = sum(ticks.values()) / TICKS
    errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {errors[-2000:]}")
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(max(sampled, waited), 1),
        "cpu_sampled_s": round(sampled, 1),
        "cpu_waited_s": round(waited, 1),
        "processes": len(ticks),
        "peak_tree_rss_mib": round(memory.tree_rss / 1024),
        "busy_before": round(busy, 2),
    }


def snapshot(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in VOLATILE and ".work" not in p.relative_to(out).parts
    }


def inputs_of(corpus: Path, files: int | None) -> list[str]:
    """The corpus folder, or its first `files` files (a shorter run on a busy machine)."""
    if files is None:
        return [str(corpus)]
    return [str(p) for p in sorted(p for p in corpus.iterdir() if p.is_file())[:files]]


def command_for(engine: str, inputs: list[str], out: Path, args: argparse.Namespace) -> list[str]:
    return [
        *(["nice", "-n", str(args.nice)] if args.nice else []),
        str(THRESHER),
        "run",
        *inputs,
        "-o",
        str(out),
        "--engine",
        engine,
        "--workers",
        str(args.workers),
        "--no-progress",
        "--no-report",
        "--force",
    ]


def bench(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    inputs = inputs_of(args.corpus, args.files)
    runs: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        for engine in ("local", "ray") if repeat % 2 == 0 else ("ray", "local"):
            out = scratch / engine
            result = run_once(command_for(engine, inputs, out, args), args.interval)
            summary = json.loads((out / "summary.json").read_text())
            result.update(engine=engine, repeat=repeat, docs_in=summary["in"])
            print(json.dumps(result), file=sys.stderr, flush=True)
            runs.append(result)
    identical = snapshot(scratch / "local") == snapshot(scratch / "ray")
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()}: {os.cpu_count()} CPUs, {platform.python_version()}",
        "inputs": inputs if args.files else [str(args.corpus)],
        "workers": args.workers,
        "identical_output": identical,
        "runs": runs,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| engine | repeat | docs | wall s | docs/s | CPU s | processes | peak RSS | busy before |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in report["runs"]:
        rate = run["docs_in"] / run["wall_s"]
        lines.append(
            f"| {run['engine']} | {run['repeat']} | {run['docs_in']:,} | {run['wall_s']} |"
            f" {rate:,.0f} | {run['cpu_s']} | {run['processes']} |"
            f" {run['peak_tree_rss_mib']:,} MiB | {run['busy_before']:.0%} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?", default=REPO_ROOT / "bench/out/corpus")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--files", type=int, help="only the corpus's first FILES files")
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--nice", type=int, default=0, help="run thresher under nice -n NICE")
    parser.add_argument("--scratch", type=Path, help="where the run folders go (default: tmp)")
    parser.add_argument("--markdown", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        report = bench(args, scratch)
    finally:
        if args.scratch is None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(report, indent=2))
    if args.markdown:
        print(markdown(report))
    return 0 if report["identical_output"] else 1


if __name__ == "__main__":
    sys.exit(main())
