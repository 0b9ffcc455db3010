#!/usr/bin/env python3
"""thresher's dedup recipe against datatrove 0.10's four-stage MinHash dedup, side by side.

Both read the same JSONL.gz shards and write JSONL (kept and removed documents), with the same
MinHash shape (5-word shingles, 14 bands x 8 rows, 64-bit hashes):

- thresher: `thresher run INPUT -o OUT --recipe dedup --workers N --force --no-progress`, run
  in a child process through thresher's own CLI entry point, with timestamps taken around its
  passes (pass 1: read, tokens and keys; decide: clustering; pass 2: apply and write; commit:
  the index) by wrapping thresher.run.pipeline._execute and Dedup.decide/commit.
- datatrove (its examples/minhash_deduplication.py, run locally): MinhashDedupSignature (one
  task per input file, N workers) -> MinhashDedupBuckets (14 tasks, one per bucket, N workers)
  -> MinhashDedupCluster (1 task; save_cluster_id) -> MinhashDedupFilter (one task per input
  file, N workers; load_cluster_ids, exclusion JsonlWriter) with JsonlReader and JsonlWriter
  (no compression), default MinhashConfig and language (English, spaCy word tokenizer).

Each side runs as a child process timed from start to exit; its process tree's memory is
sampled from /proc every --interval seconds (bench/bench_run.py's helpers): the peak of the
summed PSS (shared pages counted once) and of the summed RSS, overall and per stage.

Quality, from the run folders (--eval): recall of the generator's planted pairs for each side
(a pair is found when both documents land in one cluster; bench/eval_dedup.py's truth_recall),
and precision of a seeded sample of within-cluster pairs, by the truth and by exact 5-gram
Jaccard >= 0.8 / 0.7.

Run with thresher's environment; the datatrove side runs under --datatrove-python (default
.venv-datatrove/bin/python, `make bench-venv`). --rev REV runs thresher's src/ of that commit
(extracted to OUT/src-REV, first on PYTHONPATH), so that edits to the working tree during the
runs cannot change what is measured.

    .venv/bin/python bench/compare_dedup.py --corpus bench/out/corpus --label 100k --rev HEAD
    .venv/bin/python bench/compare_dedup.py --corpus bench/out/corpus-1m --label 1m \\
        --sides thresher --no-eval --rev HEAD
    .venv/bin/python bench/compare_dedup.py --reuse   # re-report the last runs
    # a duplicate-rich 20k subset (all planted pairs + random others), then both sides on it
    .venv/bin/python bench/compare_dedup.py subset bench/out/corpus bench/out/corpus-dup20k 20000
    .venv/bin/python bench/compare_dedup.py --corpus bench/out/corpus-dup20k --label dup20k
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import (  # sibling scripts, not a package
    children_cpu,
    corpus_info,
    machine_info,
    process_tree,
    pss_kib,
    snapshot,
    source_digest,
    status_kib,
    wait_idle,
)
from compare_datatrove import tree_cpu_ticks

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "bench" / "out"
SIDES = ("thresher", "datatrove")
STAGES_FILE = "stages.json"
RUN_FILE = "bench-run.json"  # beside thresher's own run.json (its resume state)


def input_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))


class StageLog:
    """Stage start and end times (epoch seconds), written to a JSON file after each stage."""

    def __init__(self, path: Path) -> None:
        self.path, self.stages = path, []

    def begin(self, name: str) -> None:
        self.stages.append([name, time.time(), None])

    def end(self) -> None:
        self.stages[-1][2] = time.time()
        self.path.write_text(json.dumps(self.stages))


# ---------------------------------------------------------------- the child processes


def thresher_child(argv: list[str]) -> int:
    """`compare_dedup.py thresher-child INPUT OUT WORKERS`: thresher's CLI, stages timed."""
    import importlib

    from thresher.cli import main as cli_main
    from thresher.dedup.step import Dedup

    source, out, workers = argv[0], Path(argv[1]), argv[2]
    recipe = argv[3] if len(argv) > 3 else "dedup"
    log = StageLog(out.with_name(out.name + "." + STAGES_FILE))
    local = importlib.import_module("thresher.run.pipeline")
    execute = local._execute
    passes = iter(range(1, 100))

    def timed_execute(*args: Any, **kwargs: Any) -> Any:
        number = next(passes)
        log.begin(
            {1: "pass 1: read, tokens, keys", 2: "pass 2: apply, write"}.get(
                number, f"pass {number}"
            )
        )
        yield from execute(*args, **kwargs)
        log.end()

    def timed(method: Any, name: str) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            log.begin(name)
            try:
                return method(self, *args, **kwargs)
            finally:
                log.end()

        return wrapper

    local._execute = timed_execute
    Dedup.decide = timed(Dedup.decide, "decide: cluster")  # type: ignore[method-assign]
    Dedup.commit = timed(Dedup.commit, "commit: index")  # type: ignore[method-assign]
    args = [
        "run",
        source,
        "-o",
        str(out),
        *(["--config", recipe] if recipe.endswith((".yaml", ".yml")) else ["--recipe", recipe]),
        "--workers",
        workers,
        "--force",
        "--no-progress",
    ]
    cli_main.main(args=args, prog_name="thresher", standalone_mode=False)
    return 0


def datatrove_child(argv: list[str]) -> int:
    """`compare_dedup.py datatrove-child INPUT OUT WORKERS`: the four MinHash stages."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    source, out, workers = Path(argv[0]), Path(argv[1]), int(argv[2])
    log = StageLog(out.with_name(out.name + "." + STAGES_FILE))
    config = MinhashConfig()  # 5-grams, 14 buckets x 8 hashes, 64-bit xxhash
    tasks = len(input_files(source))
    work = out / "minhash"

    def reader() -> Any:
        return JsonlReader(str(source), compression="infer", recursive=False)

    stages = [
        (
            "1 signatures",
            [
                reader(),
                MinhashDedupSignature(output_folder=str(work / "signatures"), config=config),
            ],
            tasks,
            workers,
        ),
        (
            "2 buckets",
            [
                MinhashDedupBuckets(
                    input_folder=str(work / "signatures"),
                    output_folder=str(work / "buckets"),
                    config=config,
                )
            ],
            config.num_buckets,
            workers,
        ),
        (
            "3 cluster",
            [
                MinhashDedupCluster(
                    input_folder=str(work / "buckets"),
                    output_folder=str(work / "remove_ids"),
                    config=config,
                    save_cluster_id=True,
                )
            ],
            1,
            1,
        ),
        (
            "4 filter, write",
            [
                reader(),
                MinhashDedupFilter(
                    input_folder=str(work / "remove_ids"),
                    exclusion_writer=JsonlWriter(str(out / "removed"), compression=None),
                    load_cluster_ids=True,
                ),
                JsonlWriter(str(out / "kept"), compression=None),
            ],
            tasks,
            workers,
        ),
    ]
    for name, pipeline, n_tasks, n_workers in stages:
        log.begin(name)
        LocalPipelineExecutor(
            pipeline,
            tasks=n_tasks,
            workers=n_workers,
            logging_dir=str(work / "logs" / name.split()[0]),
            skip_completed=False,
        ).run()
        log.end()
    return 0


def make_subset(argv: list[str]) -> int:
    """`compare_dedup.py subset CORPUS DEST N [SHARDS]`: a duplicate-rich subset of N documents:
    every planted copy and the document it copies, then random others (seed 4), in corpus
    order, as SHARDS (default 2) JSONL.gz shards; its truth file beside it (DEST.truth...)."""
    import gzip

    from eval_dedup import read_jsonl

    corpus, dest, size = Path(argv[0]), Path(argv[1]), int(argv[2])
    shards = int(argv[3]) if len(argv) > 3 else 2
    truth_in = corpus.with_name(corpus.name + ".truth.jsonl.gz")
    truth = list(read_jsonl(truth_in))
    wanted = {t["id"] for t in truth if t.get("duplicate")}
    wanted |= {t["duplicate"]["of"] for t in truth if t.get("duplicate")}
    others = sorted(t["id"] for t in truth if t["id"] not in wanted)
    rng = random.Random(4)
    wanted |= set(rng.sample(others, max(0, min(size - len(wanted), len(others)))))
    records = [r for path in input_files(corpus) for r in read_jsonl(path) if r["id"] in wanted]
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    per = -(-len(records) // shards)
    for n in range(shards):
        with gzip.open(dest / f"part-{n:05d}.jsonl.gz", "wt", encoding="utf-8") as sink:
            sink.writelines(
                json.dumps(r, ensure_ascii=False) + "\n" for r in records[n * per : (n + 1) * per]
            )
    with gzip.open(dest.with_name(dest.name + ".truth.jsonl.gz"), "wt", encoding="utf-8") as sink:
        sink.writelines(
            json.dumps(t, ensure_ascii=False) + "\n" for t in truth if t["id"] in wanted
        )
    print(f"compare_dedup: {len(records)} documents in {shards} shards under {dest}")
    return 0


# ---------------------------------------------------------------- timing one side


@dataclass
class Sample:
    t: float
    pss_kib: int
    rss_kib: int
    processes: int


@dataclass
class SideRun:
    side: str
    label: str
    workers: int
    command: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    docs_in: int
    docs_per_s: float | None
    docs_per_cpu_s: float | None
    peak_tree_pss_mib: float | None
    peak_tree_rss_mib: float
    max_processes: int
    samples: int
    busy_before: float
    load_before: list[float]
    date: str = ""
    stages: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def sample_tree(root: int) -> Sample:
    pss_sum = rss_sum = 0
    tree = process_tree(root)
    for pid in tree:
        rss_sum += status_kib(pid, ("VmRSS",)).get("VmRSS", 0)
        pss_sum += pss_kib(pid) or 0
    return Sample(time.time(), pss_sum, rss_sum, len(tree))


def stage_rows(stages: list[list[Any]], samples: list[Sample], docs: int) -> list[dict[str, Any]]:
    rows = []
    for name, start, end in stages:
        if end is None:
            continue
        inside = [s for s in samples if start <= s.t <= end]
        seconds = end - start
        rows.append(
            {
                "stage": name,
                "seconds": round(seconds, 2),
                "docs_per_s": round(docs / seconds, 1) if seconds > 0 else None,
                "peak_tree_pss_mib": (
                    round(max(s.pss_kib for s in inside) / 1024, 1) if inside else None
                ),
            }
        )
    return rows


def run_side(side: str, source: Path, args: argparse.Namespace) -> SideRun:
    folder = args.out / f"{side}-{args.label}"
    stages_path = folder.with_name(folder.name + "." + STAGES_FILE)
    shutil.rmtree(folder, ignore_errors=True)
    stages_path.unlink(missing_ok=True)
    python = args.thresher_python if side == "thresher" else args.datatrove_python
    command = [
        str(python),
        str(Path(__file__).resolve()),
        f"{side}-child",
        str(source),
        str(folder),
        str(args.workers),
        *([args.recipe] if side == "thresher" else []),
    ]
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    busy = wait_idle(args.wait_idle)
    load = [round(x, 2) for x in os.getloadavg()]
    src_root = args.src if args.src is not None else REPO_ROOT / "src"
    source = source_digest(src_root)
    samples: list[Sample] = []
    log = folder.with_name(folder.name + ".log")
    env = dict(os.environ)
    if side == "thresher" and args.src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.src), env.get("PYTHONPATH")]))
    ticks: dict[int, int] = {}
    cpu_before = children_cpu()
    with log.open("wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env
        )
        while proc.poll() is None:
            samples.append(sample_tree(proc.pid))
            if len(samples) % 20 == 1:  # cumulative counters: a coarse period is enough
                tree_cpu_ticks(proc.pid, ticks)
            time.sleep(args.interval)
        wall = time.perf_counter() - start
    # rusage misses grandchildren nobody waited for (datatrove's forkserver workers); the
    # sampled sum misses each process's last second: take the larger
    cpu = max(children_cpu() - cpu_before, sum(ticks.values()) / os.sysconf("SC_CLK_TCK"))
    if proc.returncode != 0:
        print(f"compare_dedup: {side} exited {proc.returncode}; see {log}", file=sys.stderr)
    docs = args.docs
    stages = json.loads(stages_path.read_text()) if stages_path.exists() else []
    result = SideRun(
        side=side,
        label=args.label,
        workers=args.workers,
        command=command,
        returncode=proc.returncode,
        wall_s=round(wall, 2),
        cpu_s=round(cpu, 1),
        docs_in=docs,
        docs_per_s=round(docs / wall, 1) if wall else None,
        docs_per_cpu_s=round(docs / cpu, 1) if cpu else None,
        peak_tree_pss_mib=round(max((s.pss_kib for s in samples), default=0) / 1024, 1),
        peak_tree_rss_mib=round(max((s.rss_kib for s in samples), default=0) / 1024, 1),
        max_processes=max((s.processes for s in samples), default=0),
        samples=len(samples),
        busy_before=busy,
        load_before=load,
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        stages=stage_rows(stages, samples, docs),
    )
    result.extra["thresher_src"] = source  # edits to src/ during the run would show here
    result.extra["src_changed_during_run"] = source_digest(src_root) != source
    result.extra["thresher_rev"] = args.rev_commit
    if side == "datatrove":
        result.extra["datatrove"] = subprocess.run(
            [
                str(python),
                "-c",
                "from importlib.metadata import version; print(version('datatrove'))",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    else:
        summary = folder / "summary.json"
        if summary.exists():
            data = json.loads(summary.read_text())
            result.extra["summary"] = {
                k: data.get(k) for k in ("in", "kept", "rejected", "reasons")
            }
            result.extra["timing"] = json.loads((folder / "timing.json").read_text())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUN_FILE).write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result


def load_run(out: Path, side: str, label: str) -> SideRun | None:
    path = out / f"{side}-{label}" / RUN_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    data.setdefault("cpu_s", 0.0)
    data.setdefault("docs_per_cpu_s", None)
    return SideRun(**data)


def count_docs(source: Path) -> int:
    from eval_dedup import read_jsonl

    return sum(1 for path in input_files(source) for _ in read_jsonl(path))


# ---------------------------------------------------------------- quality


def datatrove_clusters(folder: Path) -> tuple[dict[str, str], int]:
    """(document -> cluster for documents in clusters; documents removed) from datatrove's
    kept/ and removed/ JSONL, which carry metadata.minhash_cluster_id (-1: no cluster)."""
    from eval_dedup import read_jsonl

    cluster: dict[str, str] = {}
    removed = 0
    for sub in ("kept", "removed"):
        if not (folder / sub).is_dir():
            continue
        for path in input_files(folder / sub):
            for record in read_jsonl(path):
                cid = (record.get("metadata") or {}).get("minhash_cluster_id", -1)
                if cid != -1:
                    cluster[record["id"]] = f"dt{cid}"
                removed += sub == "removed"
    return cluster, removed


def quality(args: argparse.Namespace) -> dict[str, Any]:
    from eval_dedup import (
        Jaccards,
        jaccard_precision,
        load_texts,
        load_truth,
        members_of,
        planted_jaccard_recall,
        sample_cluster_pairs,
        thresher_clusters,
        truth_recall,
    )

    truth_path = args.corpus.with_name(args.corpus.name + ".truth.jsonl.gz")
    truth = load_truth(truth_path)
    texts = load_texts(args.corpus)
    truth.of = {c: o for c, o in truth.of.items() if c in texts and o in texts}
    jac = Jaccards(texts)
    out: dict[str, Any] = {}
    for side in args.sides:
        folder = args.out / f"{side}-{args.label}"
        if side == "thresher":
            cluster, removed_pairs = thresher_clusters(folder)
            removed = len(removed_pairs)
        else:
            cluster, removed = datatrove_clusters(folder)
        groups = members_of(cluster)
        pairs, total = sample_cluster_pairs(groups, args.pairs, random.Random(args.seed))
        same = [truth.same(a, b) for a, b in pairs]
        jp = jaccard_precision(pairs, jac, "within clusters")[0]
        out[side] = {
            "removed": removed,
            "clusters": len(groups),
            "largest cluster": max((len(m) for m in groups.values()), default=0),
            "cluster pairs": total,
            "recall": truth_recall(truth, cluster),
            "recall by Jaccard (planted)": planted_jaccard_recall(truth, cluster, jac)[0],
            "cluster pairs sampled": len(pairs),
            "precision (truth, cluster pairs)": round(sum(same) / len(same), 4) if same else None,
            "precision (J>=0.8, cluster pairs)": jp["precision (J>=0.8)"],
            "precision (J>=0.7, cluster pairs)": jp["precision (J>=0.7)"],
        }
    return out


# ---------------------------------------------------------------- verdict parity


def thresher_verdicts(run: Path) -> tuple[set[str], dict[str, str]]:
    """(ids removed, removed id -> the id kept in its place) from a thresher run folder."""
    from eval_dedup import read_jsonl

    removed: dict[str, str] = {}
    for path in input_files(run / "rejected"):
        for record in read_jsonl(path):
            if record.get("rejected_by") == "dedup":
                removed[record["id"]] = (record.get("metadata") or {}).get("duplicate_of", "")
    return set(removed), removed


def datatrove_verdicts(run: Path) -> tuple[set[str], dict[str, str]]:
    """(ids removed, removed id -> the id datatrove kept in its cluster) from a datatrove run
    folder (kept/ and removed/, `minhash_cluster_id` on each document; the kept one is the
    cluster's first in input order, the only member in kept/)."""
    from eval_dedup import read_jsonl

    kept_of: dict[int, str] = {}
    cluster_of: dict[str, int] = {}
    for path in input_files(run / "kept"):
        for record in read_jsonl(path):
            cid = (record.get("metadata") or {}).get("minhash_cluster_id", -1)
            if cid != -1:
                kept_of[cid] = record["id"]
    for path in input_files(run / "removed"):
        for record in read_jsonl(path):
            cluster_of[record["id"]] = (record.get("metadata") or {}).get("minhash_cluster_id", -1)
    return set(cluster_of), {doc: kept_of.get(cid, "") for doc, cid in cluster_of.items()}


def parity(corpus: Path, thresher_run: Path, datatrove_run: Path, ngram: int = 5) -> dict[str, Any]:
    """How far the two runs agree on which documents to remove, and why they differ: for each
    document removed by one side only, the exact Jaccard of thresher's word `ngram`-gram sets
    (across lines) between it and the document the other side kept in its place."""
    import numpy as np
    from eval_dedup import load_texts

    from thresher.dedup.minhash import normalized, shingles

    texts = load_texts(corpus)
    t_removed, t_keeper = thresher_verdicts(thresher_run)
    d_removed, d_keeper = datatrove_verdicts(datatrove_run)
    sets: dict[str, np.ndarray] = {}

    def jaccard(a: str, b: str) -> float | None:
        if a not in texts or b not in texts:
            return None
        for doc in (a, b):
            if doc not in sets:
                sets[doc] = np.unique(shingles(normalized(texts[doc]), ngram))
        shared = len(np.intersect1d(sets[a], sets[b], assume_unique=True))
        union = len(sets[a]) + len(sets[b]) - shared
        return shared / union if union else 1.0

    def bands(values: list[float]) -> dict[str, int]:
        edges = [0.0, 0.5, 0.7, 0.8, 0.9, 1.0001]
        return {
            f"[{lo:g}, {min(hi, 1):g}{']' if hi > 1 else ')'}": sum(lo <= v < hi for v in values)
            for lo, hi in itertools.pairwise(edges)
        }

    only_dt = sorted(d_removed - t_removed)
    only_t = sorted(t_removed - d_removed)
    # removed by datatrove only: how like the document datatrove kept for it (thresher would
    # need >= its verify_threshold to the very document it keeps)
    dt_j = [j for doc in only_dt if (j := jaccard(doc, d_keeper[doc])) is not None]
    t_j = [j for doc in only_t if (j := jaccard(doc, t_keeper[doc])) is not None]
    # removed by thresher only but in a datatrove cluster: kept as a cluster's first
    dt_kept_in_cluster = {k for k in d_keeper.values() if k}
    both = t_removed & d_removed
    total = len(texts)
    agree = total - len(only_dt) - len(only_t)
    return {
        "documents": total,
        "removed: thresher": len(t_removed),
        "removed: datatrove": len(d_removed),
        "removed by both": len(both),
        "same verdict (share of all documents)": round(agree / total, 5) if total else None,
        "removed sets: Jaccard": round(len(both) / len(t_removed | d_removed), 4)
        if t_removed | d_removed
        else 1.0,
        "datatrove's removed also removed by thresher": round(len(both) / len(d_removed), 4)
        if d_removed
        else None,
        "thresher's removed also removed by datatrove": round(len(both) / len(t_removed), 4)
        if t_removed
        else None,
        "removed by datatrove only": len(only_dt),
        "  their Jaccard with datatrove's kept document": bands(dt_j),
        "removed by thresher only": len(only_t),
        "  of them kept by datatrove as its cluster's first": len(set(only_t) & dt_kept_in_cluster),
        "  their Jaccard with thresher's kept document": bands(t_j),
    }


def parity_main(argv: list[str]) -> int:
    """`compare_dedup.py parity CORPUS THRESHER_RUN DATATROVE_RUN [--json PATH]`."""
    p = argparse.ArgumentParser(prog="compare_dedup.py parity")
    p.add_argument("corpus", type=Path)
    p.add_argument("thresher_run", type=Path)
    p.add_argument("datatrove_run", type=Path)
    p.add_argument("--ngram", type=int, default=5)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    result = parity(args.corpus, args.thresher_run, args.datatrove_run, args.ngram)
    for key, value in result.items():
        print(f"{key}: {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


# ---------------------------------------------------------------- report


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 10 else f"{value:.4g}"
    return str(value)


def report(runs: list[SideRun], qual: dict[str, Any] | None) -> str:
    lines = [
        "| side | corpus | workers | wall (s) | docs | docs/s | CPU (s) | docs/CPU-s "
        "| peak PSS, tree (MiB) | peak RSS, tree (MiB) | busy before |",
        "|" + "---|" * 11,
    ]
    for r in runs:
        lines.append(
            f"| {r.side} | {r.label} | {r.workers} | {r.wall_s} | {r.docs_in} "
            f"| {fmt(r.docs_per_s)} | {fmt(r.cpu_s)} | {fmt(r.docs_per_cpu_s)} "
            f"| {fmt(r.peak_tree_pss_mib)} "
            f"| {fmt(r.peak_tree_rss_mib)} | {r.busy_before:.0%} |"
        )
    lines += [
        "",
        "| side | corpus | stage | seconds | docs/s | peak PSS, tree (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        for s in r.stages:
            lines.append(
                f"| {r.side} | {r.label} | {s['stage']} | {s['seconds']} "
                f"| {fmt(s['docs_per_s'])} | {fmt(s['peak_tree_pss_mib'])} |"
            )
    by = {(r.side, r.label): r for r in runs}
    for label in dict.fromkeys(r.label for r in runs):
        t, d = by.get(("thresher", label)), by.get(("datatrove", label))
        if t and d and t.docs_per_s and d.docs_per_s:
            lines += [
                "",
                f"{label}: thresher/datatrove docs/s = "
                f"{t.docs_per_s / d.docs_per_s:.2f}x; docs/CPU-s "
                f"{(t.docs_per_cpu_s or 0) / (d.docs_per_cpu_s or 1):.2f}x; "
                "peak PSS thresher/datatrove = "
                f"{(t.peak_tree_pss_mib or 0) / (d.peak_tree_pss_mib or 1):.2f}",
            ]
    if qual:
        keys = sorted({k for q in qual.values() for k in q["recall"]})
        sides = list(qual)
        lines += [
            "",
            "Recall of planted pairs (both in one cluster):",
            "",
            "| truth pairs | pairs | " + " | ".join(f"{s} recall" for s in sides) + " |",
            "|" + "---|" * (2 + len(sides)),
        ]
        for k in keys:
            row = [qual[s]["recall"].get(k, {}) for s in sides]
            lines.append(
                f"| {k} | {row[0].get('pairs')} | "
                + " | ".join(fmt(x.get("recall")) for x in row)
                + " |"
            )
        lines += ["", "Recall of planted pairs by exact Jaccard:", ""]
        lines += ["| side | pairs J>=0.8 | recall (J>=0.8) | pairs J>=0.7 | recall (J>=0.7) |"]
        lines += ["|---|---|---|---|---|"]
        for s in sides:
            a = qual[s]["recall by Jaccard (planted)"]["all"]
            lines.append(
                f"| {s} | {a['J>=0.8']} | {fmt(a['recall (J>=0.8)'])} "
                f"| {a['J>=0.7']} | {fmt(a['recall (J>=0.7)'])} |"
            )
        lines += [
            "",
            "| side | removed | clusters | largest | cluster pairs | precision (truth) "
            "| precision (J>=0.8) | precision (J>=0.7) |",
            "|" + "---|" * 8,
        ]
        for s in sides:
            q = qual[s]
            lines.append(
                f"| {s} | {q['removed']} | {q['clusters']} | {q['largest cluster']} "
                f"| {q['cluster pairs']} | {fmt(q['precision (truth, cluster pairs)'])} "
                f"| {fmt(q['precision (J>=0.8, cluster pairs)'])} "
                f"| {fmt(q['precision (J>=0.7, cluster pairs)'])} |"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=OUT / "corpus")
    p.add_argument("--label", default="100k", help="names the run folders SIDE-LABEL")
    p.add_argument("--out", type=Path, default=OUT / "compare-dedup")
    p.add_argument("--sides", default="thresher,datatrove")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--recipe",
        default="dedup",
        help="thresher's recipe: a built-in name or a YAML file (bench/recipes/dedup-strict.yaml:"
        " 5-grams across lines, 14 x 8, as datatrove's MinhashConfig)",
    )
    p.add_argument("--interval", type=float, default=0.05, help="memory sampling period (s)")
    p.add_argument(
        "--wait-idle",
        type=float,
        default=600.0,
        help="before each side, wait up to this many seconds for other load to stop",
    )
    p.add_argument("--thresher-python", type=Path, default=REPO_ROOT / ".venv" / "bin" / "python")
    p.add_argument(
        "--datatrove-python", type=Path, default=REPO_ROOT / ".venv-datatrove" / "bin" / "python"
    )
    p.add_argument("--rev", help="run thresher's src/ of this git revision (default: the tree)")
    p.add_argument("--reuse", action="store_true", help="report the existing runs, run nothing")
    p.add_argument(
        "--no-eval",
        dest="eval",
        action="store_false",
        help="skip recall/precision (needs the truth file beside the corpus)",
    )
    p.add_argument("--pairs", type=int, default=5000, help="cluster pairs sampled for precision")
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--json", type=Path, help="default: OUT/compare-LABEL.json")
    args = p.parse_args(argv)
    args.sides = [s for s in args.sides.split(",") if s]
    if any(s not in SIDES for s in args.sides):
        p.error(f"--sides: choose from {', '.join(SIDES)}")
    args.json = args.json or args.out / f"compare-{args.label}.json"
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "thresher-child":
        return thresher_child(argv[1:])
    if argv and argv[0] == "datatrove-child":
        return datatrove_child(argv[1:])
    if argv and argv[0] == "subset":
        return make_subset(argv[1:])
    if argv and argv[0] == "parity":
        return parity_main(argv[1:])
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    runs: list[SideRun] = []
    if args.reuse:
        runs = [r for s in args.sides if (r := load_run(args.out, s, args.label))]
    else:
        args.src, args.rev_commit = None, None
        if args.rev:
            scratch = args.out / f"src-{args.rev}"
            shutil.rmtree(scratch, ignore_errors=True)
            args.rev_commit = snapshot(args.rev, scratch)
            args.src = scratch / "src"
        args.docs = count_docs(args.corpus)
        runs = [run_side(side, args.corpus, args) for side in args.sides]
    qual = quality(args) if args.eval else None
    result = {
        "machine": machine_info(REPO_ROOT / ".venv" / "bin" / "thresher", dict(os.environ)),
        "corpus": corpus_info(args.corpus),
        "runs": [asdict(r) for r in runs],
        "quality": qual,
    }
    text = report(runs, qual)
    print(json.dumps(result["machine"], indent=2))
    print(text)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\ncompare_dedup: wrote {args.json}", file=sys.stderr)
    return 0 if all(r.returncode == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
