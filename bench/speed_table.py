#!/usr/bin/env python3
"""Issue 18's side-by-side speed table: thresher and datatrove on the same corpora, 2 workers,
interleaved, with the bare-pass floor and each job's ratio to it.

For each round and each corpus, in this order (so that the two tools of a job run back to back,
and every job of a round runs before any job of the next):

1. the FineWeb filter chain: `bench/compare_datatrove.py` (datatrove's four filters in its
   LocalPipelineExecutor, then `thresher run -r fineweb-filters`), verdict agreement included;
2. MinHash dedup: `bench/compare_dedup.py` (datatrove's four MinHash stages, then `thresher run
   -r dedup`; its `--eval` off);
3. thresher's default recipe: `bench/bench_run.py`;
4. the floor, in this process on one core: read every JSONL record (json), split its text on
   whitespace, hash every word and every 5-word shingle with numpy (the issue's bare pass).

Every run is a whole process tree timed from start to exit (start-up, reading and writing
included). docs/s is wall time with --workers workers; docs/CPU-s is the process tree's CPU
time, which a shared machine disturbs less. The ratio to the floor is docs/CPU-s over the
floor's docs/CPU-s (the floor runs on one core, so it is a per-core figure too).

    .venv/bin/python bench/speed_table.py --rounds 2           # both corpora, about 30 minutes
    .venv/bin/python bench/speed_table.py --report             # re-read bench/out/speed/*.json

Corpora: `bench/out/corpus-20k` (the first 20,000 documents of the benchmark corpus,
bench/make_corpus.py) and `bench/out/long-corpus` (bench/make_long_corpus.py), or --corpus
NAME=PATH (repeatable). Output: bench/out/speed/ (one JSON per run, and table.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from statistics import median
from typing import IO, Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH = REPO_ROOT / "bench"
OUT = BENCH / "out" / "speed"
PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
DATATROVE_PYTHON = REPO_ROOT / ".venv-datatrove" / "bin" / "python"
DEFAULT_CORPORA = {
    "benchmark-20k": BENCH / "out" / "corpus-20k",
    "long": BENCH / "out" / "long-corpus",
}


def open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def texts(corpus: Path) -> Iterator[str]:
    for path in sorted(corpus.iterdir()):
        if ".jsonl" not in path.name:
            continue
        with open_text(path) as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)["text"]


def floor(corpus: Path) -> dict[str, Any]:
    """The issue's bare pass, timed with this process's CPU clock: read, split, hash."""
    base = np.uint64(1_000_003)
    docs = 0
    started = time.process_time()
    with np.errstate(over="ignore"):
        for text in texts(corpus):
            words = text.split()
            ids = np.fromiter(map(hash, words), np.int64, len(words)).view(np.uint64)
            shingles = ids[:-4] if len(ids) >= 5 else ids[:0]
            for k in range(1, 5):
                shingles = shingles * base + ids[k : len(ids) - 4 + k]
            docs += 1
    cpu = time.process_time() - started
    return {"docs": docs, "cpu_s": round(cpu, 3), "docs_per_cpu_s": round(docs / cpu, 1)}


def run(command: list[str], log: Path) -> None:
    print("$ " + " ".join(map(str, command)), flush=True)
    with log.open("a", encoding="utf-8") as sink:
        done = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT, check=False)
    if done.returncode:
        print(f"speed_table: exit {done.returncode} (log: {log})", file=sys.stderr)


def side_figures(run_row: dict[str, Any]) -> dict[str, Any]:
    docs, wall, cpu = run_row.get("docs_in"), run_row.get("wall_s"), run_row.get("cpu_s")
    return {
        "docs": docs,
        "wall_s": wall,
        "cpu_s": cpu,
        "docs_per_s": round(docs / wall, 1) if docs and wall else None,
        "docs_per_cpu_s": round(docs / cpu, 1) if docs and cpu else None,
        "peak_pss_mib": run_row.get("peak_tree_pss_mib"),
    }


def one_round(name: str, corpus: Path, index: int, workers: int, out: Path) -> dict[str, Any]:
    tag = f"{name}-r{index}"
    log = out / f"{tag}.log"
    record: dict[str, Any] = {"corpus": name, "path": str(corpus), "round": index}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    filters = out / f"filters-{tag}"
    run(
        [
            *(str(DATATROVE_PYTHON), str(BENCH / "compare_datatrove.py"), "--corpus", str(corpus)),
            *("--workers", str(workers), "--out", str(filters)),
        ],
        log,
    )
    report = json.loads((filters / "report.json").read_text())
    record["filters"] = {r["side"]: side_figures(r) for r in report["runs"]}
    comparison = report.get("comparison") or {}
    record["filters"]["agreement"] = comparison.get("verdict_agreement")

    dedup_json = out / f"dedup-{tag}.json"
    run(
        [
            *(str(PYTHON), str(BENCH / "compare_dedup.py"), "--corpus", str(corpus)),
            *("--label", tag, "--out", str(out / "dedup"), "--workers", str(workers)),
            *("--no-eval", "--json", str(dedup_json)),
        ],
        log,
    )
    dedup = json.loads(dedup_json.read_text())
    record["dedup"] = {r["side"]: side_figures(r) for r in dedup["runs"]}
    record["dedup"]["parity"] = dedup.get("parity")

    default_json = out / f"default-{tag}.json"
    run(
        [
            *(str(PYTHON), str(BENCH / "bench_run.py"), "--corpus", str(corpus)),
            *("--workers", str(workers), "--repeat", "1", "--json", str(default_json)),
            *("--out", str(out / "default-run")),
        ],
        log,
    )
    default = json.loads(default_json.read_text())
    record["default"] = side_figures(default["runs"][-1])

    record["floor"] = floor(corpus)
    record["started"] = started
    (out / f"round-{tag}.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def table(records: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | job | thresher docs/s | datatrove docs/s | x datatrove (docs/s) "
        "| thresher docs/CPU-s | datatrove docs/CPU-s | x datatrove (CPU) | floor docs/CPU-s "
        "| thresher / floor | verdicts |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(r["corpus"] for r in records):
        mine = [r for r in records if r["corpus"] == name]
        floor_rate = median(r["floor"]["docs_per_cpu_s"] for r in mine)
        for job in ("filters", "dedup", "default"):
            lines.append(_job_row(name, job, mine, floor_rate))
    return "\n".join(lines)


def _job_row(name: str, job: str, mine: list[dict[str, Any]], floor_rate: float) -> str:
    def figures(side: str, key: str) -> list[float]:
        found = []
        for r in mine:
            sides = r[job] if job != "default" else {"thresher": r["default"]}
            value = sides.get(side, {}).get(key)
            if value:
                found.append(value)
        return found

    th_s, dt_s = figures("thresher", "docs_per_s"), figures("datatrove", "docs_per_s")
    th_c, dt_c = figures("thresher", "docs_per_cpu_s"), figures("datatrove", "docs_per_cpu_s")
    ratio_s = [t / d for t, d in zip(th_s, dt_s, strict=False)] if dt_s else []
    ratio_c = [t / d for t, d in zip(th_c, dt_c, strict=False)] if dt_c else []
    verdicts = "–"
    if job == "filters":
        agreements = [r["filters"].get("agreement") for r in mine]
        verdicts = ", ".join(str(a) for a in agreements if a is not None) or "–"
    elif job == "dedup":  # the parity subcommand compares removed sets (BENCHMARKS.md)
        parities = [r["dedup"].get("parity") for r in mine]
        verdicts = ", ".join(json.dumps(p) for p in parities if p is not None) or "–"

    def span(values: list[float], digits: int = 0, suffix: str = "") -> str:
        if not values:
            return "–"
        low, high = min(values), max(values)
        if round(low, digits) == round(high, digits):
            return fmt(low, digits) + suffix
        return f"{fmt(low, digits)}-{fmt(high, digits)}{suffix}"

    floor_ratio = [t / floor_rate for t in th_c]
    return (
        f"| {name} | {job} | {span(th_s)} | {span(dt_s)} | {span(ratio_s, 1, 'x')} "
        f"| {span(th_c)} | {span(dt_c)} | {span(ratio_c, 1, 'x')} | {fmt(floor_rate)} "
        f"| {span(floor_ratio, 2)} | {verdicts} |"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", action="append", metavar="NAME=PATH", help="default: both")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--report", action="store_true", help="only re-read the rounds in --out")
    args = p.parse_args()
    corpora = (
        {k: Path(v) for k, v in (c.split("=", 1) for c in args.corpus)}
        if args.corpus
        else DEFAULT_CORPORA
    )
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report:
        missing = [str(path) for path in corpora.values() if not path.is_dir()]
        if missing:
            print(f"speed_table: no corpus at {', '.join(missing)}", file=sys.stderr)
            return 2
        for index in range(1, args.rounds + 1):
            for name, path in corpora.items():
                one_round(name, path, index, args.workers, args.out)
    records = [json.loads(p.read_text()) for p in sorted(args.out.glob("round-*.json"))]
    text = table(records)
    (args.out / "table.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
