"""Chaos test: kill a real multi-worker `thresher run` with SIGKILL at random moments, start the
same command again each time, and check that the final run folder is byte-identical to an
unbroken run's, with the accounting balanced.

    python3 bench/chaos.py bench/out/corpus --kills 20 --workers 2 --recipe default

Prints a JSON report (kills, how far each killed run had got, seconds, identical or the first
differing files) and exits 1 when the outputs differ or the accounting does not balance.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# What may differ between two identical runs: the wall-clock timing, the report that shows it
# (and whether the run was resumed), and the per-chunk records of the run's own bookkeeping
# (they hold each chunk's seconds).
VOLATILE = {"timing.json", "report.html"}


def thresher_command(inputs: list[str], out: Path, args: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "thresher",
        "run",
        *inputs,
        "-o",
        str(out),
        "--no-progress",
        *args,
    ]


def snapshot(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in VOLATILE and ".work" not in p.relative_to(out).parts
    }


def finished_chunks(out: Path) -> int:
    done = out / ".work" / "done"
    return len(list(done.glob("*.json"))) if done.exists() else 0


def run_once(command: list[str], kill_after: float | None) -> tuple[bool, float]:
    """Run `command` in its own process group; SIGKILL the group after `kill_after` seconds.
    Returns (killed, seconds)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True, time.perf_counter() - started
    if process.returncode != 0:
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"thresher exited {process.returncode}: {error[-2000:]}")
    return False, time.perf_counter() - started


def chaos(inputs: list[str], work: Path, args: list[str], kills: int, seed: int) -> dict[str, Any]:
    """An unbroken reference run, then a run killed `kills` times and resumed to the end."""
    rng = random.Random(seed)
    reference, broken = work / "reference", work / "broken"
    for folder in (reference, broken):
        shutil.rmtree(folder, ignore_errors=True)
    _, unbroken_seconds = run_once(thresher_command(inputs, reference, args), None)
    total_chunks = finished_chunks(reference)
    history: list[dict[str, Any]] = []
    attempts = 0
    while len(history) < kills:
        attempts += 1
        if attempts > kills * 5:
            raise RuntimeError("the run kept finishing before it could be killed")
        # somewhere in what is left of the run, so that kills spread over all of it
        left = 1 - finished_chunks(broken) / max(total_chunks, 1)
        delay = rng.uniform(0.02, 1.0) * unbroken_seconds * max(left, 0.05)
        killed, seconds = run_once(thresher_command(inputs, broken, args), delay)
        if not killed:  # it finished: start over, so every kill lands in an unfinished run
            shutil.rmtree(broken)
            continue
        history.append(
            {"after_seconds": round(seconds, 2), "chunks_finished": finished_chunks(broken)}
        )
    _, final_seconds = run_once(thresher_command(inputs, broken, args), None)
    expected, actual = snapshot(reference), snapshot(broken)
    differing = sorted(
        k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
    )
    summary = json.loads((broken / "summary.json").read_text())
    return {
        "kills": len(history),
        "history": history,
        "unbroken_seconds": round(unbroken_seconds, 2),
        "final_resume_seconds": round(final_seconds, 2),
        "files_compared": len(expected),
        "identical": not differing,
        "differing": differing[:20],
        "balanced": summary["balanced"],
        "in": summary["in"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--work", type=Path, default=Path("bench/out/chaos"))
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--records-per-chunk", type=int, default=None)
    args = parser.parse_args()
    extra = ["--workers", str(args.workers), "--recipe", args.recipe]
    if args.records_per_chunk:
        extra += ["--records-per-chunk", str(args.records_per_chunk)]
    args.work.mkdir(parents=True, exist_ok=True)
    report = chaos(args.inputs, args.work, extra, args.kills, args.seed)
    print(json.dumps(report, indent=2))
    return 0 if report["identical"] and report["balanced"] else 1


if __name__ == "__main__":
    sys.exit(main())
