#!/usr/bin/env python3
"""Time `thresher run CORPUS -o OUTDIR --workers N` for several N; report speed and memory.

Memory is sampled from /proc every --interval seconds over the whole process tree (workers are
child processes): the peak of the summed RSS, the peak of the summed PSS (shared pages counted
once, where /proc/PID/smaps_rollup is readable) and the largest single process's peak RSS
(VmHWM). Standard library only; Linux only.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


# ---------------------------------------------------------------- /proc sampling


def parent_map() -> dict[int, int]:
    """pid -> parent pid for every process visible in /proc."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # the name may hold spaces and parens
        parents[int(entry.name)] = int(fields[1])
    return parents


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parent_map().items():
        children.setdefault(ppid, []).append(pid)
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def status_kib(pid: int, keys: tuple[str, ...]) -> dict[str, int]:
    """The given `kB` fields of /proc/PID/status (empty when the process is gone)."""
    found: dict[str, int] = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in keys:
            found[name] = int(value.split()[0])
    return found


def pss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class MemoryPeaks:
    """Peaks over all samples, in KiB."""

    tree_rss: int = 0
    tree_pss: int = 0
    process_hwm: int = 0
    processes: int = 0
    samples: int = 0
    pss_available: bool = True

    def sample(self, root: int) -> None:
        rss_sum = pss_sum = 0
        tree = process_tree(root)
        for pid in tree:
            status = status_kib(pid, ("VmRSS", "VmHWM"))
            rss_sum += status.get("VmRSS", 0)
            self.process_hwm = max(self.process_hwm, status.get("VmHWM", 0))
            pss = pss_kib(pid) if self.pss_available else None
            if pss is None and status:
                self.pss_available = False
            pss_sum += pss or 0
        self.tree_rss = max(self.tree_rss, rss_sum)
        self.tree_pss = max(self.tree_pss, pss_sum)
        self.processes = max(self.processes, len(tree))
        self.samples += 1


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_busy(seconds: float = 2.0) -> float:
    """The share of all CPUs busy over the next `seconds`."""
    busy0, total0 = cpu_times()
    time.sleep(seconds)
    busy1, total1 = cpu_times()
    return (busy1 - busy0) / max(total1 - total0, 1)


def wait_idle(limit_s: float, threshold: float = 0.1) -> float:
    """Wait up to `limit_s` for the machine to go quiet; returns the last busy share seen."""
    deadline = time.monotonic() + limit_s
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        print(f"bench_run: machine {busy:.0%} busy; waiting", file=sys.stderr, flush=True)
        busy = cpu_busy(5.0)
    return round(busy, 3)


def source_digest(root: Path) -> str:
    """A short hash of the project's source files, to notice edits made during a run."""
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")) + sorted(root.rglob("*.yaml")):
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------- one run


@dataclass
class RunResult:
    workers: int
    repeat: int
    returncode: int
    wall_s: float
    cpu_s: float
    docs_in: int | None
    docs_per_s: float | None
    peak_tree_rss_mib: float
    peak_tree_pss_mib: float | None
    max_process_rss_mib: float
    max_processes: int
    samples: int
    busy_before: float
    source: str
    source_changed: bool
    summary: dict[str, Any] = field(default_factory=dict)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_summary(outdir: Path) -> dict[str, Any]:
    path = outdir / "summary.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    keys = ("in", "kept", "rejected", "quarantined", "salvaged", "balanced", "reasons")
    return {key: data[key] for key in keys if key in data}


@dataclass
class Target:
    """What is benchmarked: the console script, its environment, and the source it runs."""

    thresher: Path
    src: Path
    env: dict[str, str]
    rev: str | None = None


def snapshot(rev: str, into: Path) -> str:
    """Extract `src/` of git revision `rev` under `into`; returns the full commit id."""
    git = ["git", "-C", str(REPO_ROOT)]
    commit = subprocess.run(
        [*git, "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run([*git, "archive", commit, "src"], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return commit


def make_target(args: argparse.Namespace, scratch: Path) -> Target:
    """The working tree's thresher, or with --rev, that revision's src/ first on PYTHONPATH."""
    env = dict(os.environ)
    if not args.rev:
        return Target(args.thresher, REPO_ROOT / "src", env)
    commit = snapshot(args.rev, scratch)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(scratch / "src"), env.get("PYTHONPATH")]))
    return Target(args.thresher, scratch / "src", env, commit)


def run_once(
    target: Target,
    corpus: Path,
    outdir: Path,
    workers: int,
    repeat: int,
    args: argparse.Namespace,
) -> RunResult:
    """Run thresher once into a fresh `outdir`, sampling memory until it exits."""
    command = [
        str(target.thresher),
        "run",
        str(corpus),
        "-o",
        str(outdir),
        "--workers",
        str(workers),
        *args.extra,
    ]
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    shutil.rmtree(outdir, ignore_errors=True)
    busy = wait_idle(args.wait_idle)
    source = source_digest(target.src)
    log = outdir.with_name(outdir.name + ".log")
    peaks = MemoryPeaks()
    cpu_before = children_cpu()
    with log.open("wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=target.env)
        while proc.poll() is None:
            peaks.sample(proc.pid)
            time.sleep(args.interval)
        wall = time.perf_counter() - start
    summary = read_summary(outdir)
    docs = summary.get("in")
    return RunResult(
        workers=workers,
        repeat=repeat,
        returncode=proc.returncode,
        wall_s=round(wall, 2),
        cpu_s=round(children_cpu() - cpu_before, 2),
        docs_in=docs,
        docs_per_s=round(docs / wall, 1) if docs else None,
        peak_tree_rss_mib=round(peaks.tree_rss / 1024, 1),
        peak_tree_pss_mib=round(peaks.tree_pss / 1024, 1) if peaks.pss_available else None,
        max_process_rss_mib=round(peaks.process_hwm / 1024, 1),
        max_processes=peaks.processes,
        samples=peaks.samples,
        busy_before=busy,
        source=source,
        source_changed=source_digest(target.src) != source,
        summary=summary,
    )


# ---------------------------------------------------------------- machine


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / MIB, 1)
    return 0.0


def output_of(command: list[str], env: dict[str, str] | None = None) -> str | None:
    """The command's stripped standard output, or None when it cannot run or fails."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=60, check=False, env=env
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def interpreter_of(script: Path) -> str:
    """The Python a console script runs under (its shebang), else this one."""
    try:
        first = script.read_bytes().split(b"\n", 1)[0].decode()
    except OSError:
        return sys.executable
    return first[2:].strip() if first.startswith("#!") else sys.executable


def machine_info(thresher: Path, env: dict[str, str]) -> dict[str, Any]:
    python = interpreter_of(thresher)
    code = "import platform, thresher; "
    code += "print(platform.python_version(), getattr(thresher, '__version__', 'unknown'))"
    versions = [*(output_of([python, "-c", code], env) or "").split(), "unknown", "unknown"]
    git = ["git", "-C", str(REPO_ROOT)]
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "ram_gib": mem_total_gib(),
        "kernel": platform.release(),
        "python": versions[0],
        "thresher": versions[1],
        "git_commit": output_of([*git, "rev-parse", "--short", "HEAD"]),
        "git_changes": bool(output_of([*git, "status", "--porcelain", "--untracked-files=no"])),
    }


def corpus_info(corpus: Path) -> dict[str, Any]:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    return {
        "path": str(corpus),
        "files": len(files),
        "mib": round(sum(p.stat().st_size for p in files) / MIB, 1),
    }


# ---------------------------------------------------------------- report


def markdown(runs: list[RunResult]) -> str:
    head = (
        "| workers | run | wall (s) | docs in | docs/s | kept | rejected | quarantined "
        "| CPU (s) | peak RSS, tree (MiB) | peak PSS, tree (MiB) | max RSS, one process (MiB) |"
    )
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in runs:
        s = r.summary
        rows.append(
            f"| {r.workers} | {r.repeat} | {r.wall_s} | {r.docs_in} | {r.docs_per_s} "
            f"| {s.get('kept')} | {s.get('rejected')} | {s.get('quarantined')} | {r.cpu_s} "
            f"| {r.peak_tree_rss_mib} | {r.peak_tree_pss_mib} | {r.max_process_rss_mib} |"
        )
    return "\n".join(rows)


def medians(runs: list[RunResult]) -> list[RunResult]:
    """Per worker count, the run with the median wall time."""
    out = []
    for workers in dict.fromkeys(r.workers for r in runs):
        mine = sorted((r for r in runs if r.workers == workers), key=lambda r: r.wall_s)
        out.append(mine[(len(mine) - 1) // 2])
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=REPO_ROOT / "bench" / "out" / "corpus")
    p.add_argument("--thresher", type=Path, default=REPO_ROOT / ".venv" / "bin" / "thresher")
    p.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "bench" / "out" / "runs",
        help="run folders go to OUT/w<N>; logs to OUT/w<N>.log",
    )
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    p.add_argument("--repeat", type=int, default=1, help="runs per worker count")
    p.add_argument("--interval", type=float, default=0.05, help="memory sampling period (s)")
    p.add_argument(
        "--wait-idle",
        type=float,
        default=120.0,
        help="before each run, wait up to this many seconds for other load to stop",
    )
    p.add_argument(
        "--rev",
        help="benchmark this git revision's src/ (extracted to a temporary folder and put first "
        "on PYTHONPATH) instead of the working tree, which may change during the runs",
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument("extra", nargs="*", help="more arguments for `thresher run` (after --)")
    return p.parse_args(argv)


def run_all(target: Target, args: argparse.Namespace) -> list[RunResult]:
    runs = []
    for workers in (int(w) for w in args.workers.split(",")):
        for repeat in range(1, args.repeat + 1):
            outdir = args.out / f"w{workers}"
            result = run_once(target, args.corpus, outdir, workers, repeat, args)
            if result.source_changed:
                print("bench_run: the source changed during this run", file=sys.stderr)
            if result.returncode != 0:
                print(f"bench_run: exit {result.returncode}; see {outdir}.log", file=sys.stderr)
            runs.append(result)
    return runs


def report(target: Target, runs: list[RunResult], args: argparse.Namespace) -> None:
    result = {
        "machine": machine_info(target.thresher, target.env),
        "source": {"rev": target.rev, "src": str(target.src)},
        "corpus": corpus_info(args.corpus),
        "runs": [asdict(r) for r in runs],
        "medians": [asdict(r) for r in medians(runs)],
    }
    print(json.dumps({k: result[k] for k in ("machine", "source", "corpus")}, indent=2))
    print(markdown(runs))
    if args.repeat > 1:
        print(f"\nMedian of {args.repeat} runs per worker count:\n")
        print(markdown(medians(runs)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.thresher.exists() or not args.corpus.is_dir():
        print(
            f"bench_run: need {args.thresher} and the corpus folder {args.corpus} "
            "(make it with bench/make_corpus.py)",
            file=sys.stderr,
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="thresher-src-") as scratch:
        target = make_target(args, Path(scratch))
        runs = run_all(target, args)
        report(target, runs, args)
    return 0 if all(r.returncode == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
