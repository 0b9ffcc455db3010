#!/usr/bin/env python3
"""Run datatrove 0.10 and thresher on one corpus with the FineWeb heuristic chain; compare them.

The chain, in order and with datatrove's defaults: GopherRepetitionFilter, GopherQualityFilter,
C4QualityFilter (which removes lines, so FineWeb sees the shortened text), FineWebQualityFilter.
datatrove runs it in a LocalPipelineExecutor (one task per input file, --workers at a time)
behind a JsonlReader, each filter with its own exclusion JsonlWriter and a JsonlWriter for the
kept documents; thresher runs `thresher run INPUT -o OUT --recipe fineweb-filters --workers N`.
Each side runs as a child process, timed from start to exit (interpreter start-up, reading,
filtering and writing included), its process tree's memory sampled from /proc every --interval
seconds with bench/bench_run.py's sampler.

Per document, a tool's verdict is the first rule that rejects it, else `kept`. The report gives,
per rule R, the share of all documents where (datatrove rejected at R) == (thresher rejected at
R); the overall verdict agreement; the confusion matrix; per sub-reason counts; whether the texts
kept by both are identical (C4 removes lines); example ids for each disagreeing cell. Every
disagreeing id, with both verdicts, goes to OUT/disagreements.jsonl.

Run with the benchmark environment (`make bench-venv`), which has datatrove and thresher:

    .venv-datatrove/bin/python bench/compare_datatrove.py --corpus bench/out/corpus --workers 2
    .venv-datatrove/bin/python bench/compare_datatrove.py --corpus ../shared/data/quality/dclm
    .venv-datatrove/bin/python bench/compare_datatrove.py --limit 2000 --only datatrove
    .venv-datatrove/bin/python bench/compare_datatrove.py --reuse datatrove   # rerun thresher only
    .venv-datatrove/bin/python bench/compare_datatrove.py --explain ID [ID ...]

Input records need "text"; records without "id" (like the DCLM files) get `<file>:<line>` ids
(line numbers from 1) and are rewritten, with "id" and "text" only, into OUT/input/ so both
tools read the same files; so are the first --limit documents when --limit is given.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import (  # a sibling script, not a package
    MemoryPeaks,
    children_cpu,
    corpus_info,
    machine_info,
    process_tree,
    wait_idle,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
RULES = ("gopher-repetition", "gopher-quality", "c4", "fineweb")
KEPT = "kept"
MISSING = "missing"
SIDES = ("datatrove", "thresher")
INPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")


# ---------------------------------------------------------------- input


def open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def input_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(INPUT_SUFFIXES))


def iter_records(files: list[Path]) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """(file, line number from 1, record) for every non-blank line."""
    for path in files:
        with open_text(path) as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    yield path, number, json.loads(line)


def needs_ids(files: list[Path]) -> bool:
    for _, _, record in iter_records(files[:1]):
        return "id" not in record
    return False


def prepare_input(corpus: Path, out: Path, limit: int | None, workers: int) -> Path:
    """The folder both tools read: the corpus itself, or a rewrite with ids and/or a limit."""
    files = input_files(corpus)
    if not files:
        raise SystemExit(f"compare_datatrove: no .jsonl[.gz] files in {corpus}")
    add_ids = needs_ids(files)
    if not add_ids and limit is None:
        return corpus
    target = out / "input"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)

    def record_of(path: Path, number: int, record: dict[str, Any]) -> dict[str, Any]:
        if add_ids:
            return {"id": f"{path.name}:{number}", "text": record["text"]}
        return record

    if limit is None:  # one output file per input file, so the task count is the same
        for path in files:
            with (target / f"{path.name.split('.')[0]}.jsonl").open("w", encoding="utf-8") as sink:
                for source, number, record in iter_records([path]):
                    sink.write(json.dumps(record_of(source, number, record)) + "\n")
        return target
    chosen = []
    for source, number, record in iter_records(files):
        if len(chosen) >= limit:
            break
        chosen.append(record_of(source, number, record))
    shards = max(min(workers, len(chosen)), min(len(files), math.ceil(len(chosen) / 1000)), 1)
    size = math.ceil(len(chosen) / shards)
    for index in range(shards):
        part = chosen[index * size : (index + 1) * size]
        if part:
            with (target / f"part-{index:05d}.jsonl").open("w", encoding="utf-8") as sink:
                sink.writelines(json.dumps(r) + "\n" for r in part)
    return target


# ---------------------------------------------------------------- the datatrove child process


def datatrove_chain(out: Path | None) -> list[Any]:
    """The four filters with datatrove's defaults; exclusion writers under OUT/rejected/RULE."""
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.writers import JsonlWriter

    def writer(rule: str) -> Any:
        return JsonlWriter(str(out / "rejected" / rule), compression=None) if out else None

    return [
        GopherRepetitionFilter(exclusion_writer=writer("gopher-repetition")),
        GopherQualityFilter(exclusion_writer=writer("gopher-quality")),
        C4QualityFilter(filter_no_terminal_punct=True, exclusion_writer=writer("c4")),
        FineWebQualityFilter(exclusion_writer=writer("fineweb")),
    ]


def datatrove_child(argv: list[str]) -> int:
    """`compare_datatrove.py datatrove-child INPUT OUT WORKERS`: run datatrove's pipeline."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    source, out, workers = Path(argv[0]), Path(argv[1]), int(argv[2])
    tasks = len(input_files(source))
    pipeline = [
        JsonlReader(str(source), compression="infer", recursive=False),
        *datatrove_chain(out),
        JsonlWriter(str(out / "kept"), compression=None),
    ]
    executor = LocalPipelineExecutor(
        pipeline,
        tasks=tasks,
        workers=workers,
        logging_dir=str(out / "logs"),
        skip_completed=False,
    )
    executor.run()
    return 0


# ---------------------------------------------------------------- timing one side


@dataclass
class SideRun:
    side: str
    workers: int
    command: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    docs_in: int
    docs_per_s: float | None
    peak_tree_rss_mib: float
    peak_tree_pss_mib: float | None
    max_process_rss_mib: float
    max_processes: int
    samples: int
    busy_before: float
    date: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def tree_cpu_ticks(root: int, seen: dict[int, int]) -> None:
    """Record utime + stime (clock ticks) of every process in the tree, by pid."""
    for pid in process_tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        seen[pid] = max(seen.get(pid, 0), int(fields[11]) + int(fields[12]))


def timed(side: str, command: list[str], log: Path, args: argparse.Namespace) -> SideRun:
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    busy = wait_idle(args.wait_idle)
    peaks = MemoryPeaks()
    ticks: dict[int, int] = {}
    cpu_before = children_cpu()
    with log.open("wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        while proc.poll() is None:
            peaks.sample(proc.pid)
            if peaks.samples % 20 == 1:  # cumulative counters: a coarse period is enough
                tree_cpu_ticks(proc.pid, ticks)
            time.sleep(args.interval)
        wall = time.perf_counter() - start
    # rusage misses grandchildren that their parent did not wait for (datatrove's pool workers
    # are forked by a forkserver); the sampled sum misses each process's last second
    sampled = sum(ticks.values()) / os.sysconf("SC_CLK_TCK")
    if proc.returncode != 0:
        print(f"compare_datatrove: {side} exited {proc.returncode}; see {log}", file=sys.stderr)
    return SideRun(
        side=side,
        workers=args.workers,
        command=command,
        returncode=proc.returncode,
        wall_s=round(wall, 2),
        cpu_s=round(max(children_cpu() - cpu_before, sampled), 2),
        docs_in=0,
        docs_per_s=None,
        peak_tree_rss_mib=round(peaks.tree_rss / 1024, 1),
        peak_tree_pss_mib=round(peaks.tree_pss / 1024, 1) if peaks.pss_available else None,
        max_process_rss_mib=round(peaks.process_hwm / 1024, 1),
        max_processes=peaks.processes,
        samples=peaks.samples,
        busy_before=busy,
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    )


def side_dir(out: Path, side: str, workers: int) -> Path:
    return out / f"{side}-w{workers}"


def run_side(side: str, source: Path, out: Path, args: argparse.Namespace) -> SideRun:
    folder = side_dir(out, side, args.workers)
    shutil.rmtree(folder, ignore_errors=True)
    if side == "datatrove":
        folder.mkdir(parents=True)
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "datatrove-child",
            str(source),
            str(folder),
            str(args.workers),
        ]
    else:
        command = [
            str(args.thresher),
            "run",
            str(source),
            "-o",
            str(folder),
            "--recipe",
            args.recipe,
            "--workers",
            str(args.workers),
            "--no-progress",
        ]
    result = timed(side, command, folder.with_name(folder.name + ".log"), args)
    verdicts = read_side(side, folder)
    result.docs_in = len(verdicts)
    result.docs_per_s = round(result.docs_in / result.wall_s, 1) if result.wall_s else None
    if side == "datatrove":
        import datatrove

        result.extra["datatrove"] = getattr(datatrove, "__version__", None) or pkg_version(
            "datatrove"
        )
    else:
        summary = folder / "summary.json"
        if summary.exists():
            data = json.loads(summary.read_text())
            result.extra["summary"] = {k: data[k] for k in ("in", "kept", "rejected") if k in data}
    (folder / "run.json").write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result


def pkg_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def load_run(out: Path, side: str, workers: int) -> SideRun | None:
    path = side_dir(out, side, workers) / "run.json"
    if not path.exists():
        return None
    return SideRun(**json.loads(path.read_text()))


# ---------------------------------------------------------------- reading verdicts


@dataclass
class Verdict:
    verdict: str  # a rule, KEPT, or another thresher reason
    detail: str | None = None
    text: str | None = None  # kept text


def read_jsonl(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.jsonl*")):
        with open_text(path) as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def read_side(side: str, folder: Path) -> dict[str, Verdict]:
    verdicts: dict[str, Verdict] = {}
    duplicates = 0

    def put(doc_id: str, verdict: Verdict) -> None:
        nonlocal duplicates
        if doc_id in verdicts:
            duplicates += 1
        verdicts[doc_id] = verdict

    if side == "datatrove":
        for rule in RULES:
            for record in read_jsonl(folder / "rejected" / rule):
                put(str(record["id"]), Verdict(rule, record["metadata"].get("filter_reason")))
        for record in read_jsonl(folder / "kept"):
            put(str(record["id"]), Verdict(KEPT, text=record["text"]))
    else:
        for record in read_jsonl(folder / "rejected"):
            put(str(record["id"]), Verdict(str(record.get("reason")), record.get("detail")))
        for record in read_jsonl(folder / "kept"):
            put(str(record["id"]), Verdict(KEPT, text=record["text"]))
        quarantine = folder / "quarantine.jsonl"
        if quarantine.exists():
            for index, record in enumerate(read_jsonl_file(quarantine)):
                put(str(record.get("id", f"quarantine:{index}")), Verdict("quarantined"))
    if duplicates:
        print(f"compare_datatrove: {side}: {duplicates} ids seen twice", file=sys.stderr)
    return verdicts


def read_jsonl_file(path: Path) -> Iterator[dict[str, Any]]:
    with open_text(path) as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


# ---------------------------------------------------------------- comparison

DUP_NGRAM = re.compile(r"dup(?:licated)?_(\d+)_n?_?grams?(?:_frac)?")
TOP_NGRAM = re.compile(r"top_(\d+)_gram(?:_frac)?")


def canonical_detail(detail: str | None) -> str | None:
    """A sub-reason under datatrove's name: `dup_5_gram_frac` -> `duplicated_5_n_grams`,
    `top_2_gram_frac` -> `top_2_gram`; other names unchanged."""
    if detail is None:
        return None
    if match := DUP_NGRAM.fullmatch(detail):
        return f"duplicated_{match[1]}_n_grams"
    if match := TOP_NGRAM.fullmatch(detail):
        return f"top_{match[1]}_gram"
    return detail


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "n/a"


def compare(
    dt: dict[str, Verdict], th: dict[str, Verdict], examples: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    ids = list(dt) + [i for i in th if i not in dt]
    total = len(ids)
    missing = Verdict(MISSING)
    confusion: Counter[tuple[str, str]] = Counter()
    cells: dict[tuple[str, str], list[str]] = {}
    sub_reasons: Counter[tuple[str, str, str]] = Counter()  # (side, rule, detail)
    same_detail: Counter[str] = Counter()
    renamed: dict[str, str] = {}  # datatrove's sub-reason name -> thresher's, where they differ
    kept_both = kept_same = 0
    text_examples: list[str] = []
    detail_cells: dict[str, list[str]] = {}  # rule -> ids rejected by both there, other sub-reason
    disagreements: list[dict[str, Any]] = []
    for doc_id in ids:
        a, b = dt.get(doc_id, missing), th.get(doc_id, missing)
        confusion[a.verdict, b.verdict] += 1
        if a.verdict != KEPT:
            sub_reasons["datatrove", a.verdict, str(a.detail)] += 1
        if b.verdict != KEPT:
            sub_reasons["thresher", b.verdict, str(canonical_detail(b.detail))] += 1
            if canonical_detail(b.detail) != b.detail:
                renamed[str(canonical_detail(b.detail))] = str(b.detail)
        row = {
            "id": doc_id,
            "datatrove": a.verdict,
            "datatrove_detail": a.detail,
            "thresher": b.verdict,
            "thresher_detail": b.detail,
        }
        if a.verdict != b.verdict:
            cells.setdefault((a.verdict, b.verdict), []).append(doc_id)
            disagreements.append(row)
        elif a.verdict == KEPT:
            kept_both += 1
            if a.text == b.text:
                kept_same += 1
            else:
                if len(text_examples) < examples:
                    text_examples.append(doc_id)
                disagreements.append({**row, "kept_text_differs": True})
        elif a.detail == canonical_detail(b.detail):
            same_detail[a.verdict] += 1
        else:
            detail_cells.setdefault(a.verdict, []).append(doc_id)
            disagreements.append({**row, "sub_reason_differs": True})
    per_rule = []
    for rule in RULES:
        both = confusion[rule, rule]
        only_dt = sum(n for (x, y), n in confusion.items() if x == rule and y != rule)
        only_th = sum(n for (x, y), n in confusion.items() if y == rule and x != rule)
        per_rule.append(
            {
                "rule": rule,
                "datatrove": both + only_dt,
                "thresher": both + only_th,
                "both": both,
                "same_sub_reason": same_detail[rule],
                "only_datatrove": only_dt,
                "only_thresher": only_th,
                "agreement": (total - only_dt - only_th) / total if total else None,
            }
        )
    verdict_agree = sum(n for (x, y), n in confusion.items() if x == y)
    result = {
        "documents": total,
        "datatrove_documents": len(dt),
        "thresher_documents": len(th),
        "verdict_agreement": verdict_agree / total if total else None,
        "per_rule": per_rule,
        "confusion": [{"datatrove": x, "thresher": y, "n": n} for (x, y), n in confusion.items()],
        "sub_reasons": [
            {"side": s, "rule": r, "detail": d, "n": n}
            for (s, r, d), n in sorted(sub_reasons.items())
        ],
        "sub_reason_names": renamed,
        "sub_reason_differs_examples": {
            rule: {"n": len(v), "ids": v[:examples]} for rule, v in detail_cells.items()
        },
        "kept_by_both": kept_both,
        "kept_text_identical": kept_same,
        "kept_text_differs_examples": text_examples,
        "disagreement_examples": [
            {"datatrove": x, "thresher": y, "n": len(v), "ids": v[:examples]}
            for (x, y), v in sorted(cells.items(), key=lambda kv: -len(kv[1]))
        ],
    }
    return result, disagreements


# ---------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def runs_table(runs: list[SideRun]) -> list[str]:
    lines = [
        "| tool | workers | docs | wall (s) | docs/s | CPU (s) | docs/CPU-s | peak RSS, tree (MiB) "
        "| peak PSS, tree (MiB) | max RSS, one process (MiB) | processes | load before |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.side} | {r.workers} | {r.docs_in:,} | {r.wall_s} | {fmt(r.docs_per_s)} "
            f"| {r.cpu_s} | {fmt(r.docs_in / r.cpu_s if r.cpu_s else None)} "
            f"| {fmt(r.peak_tree_rss_mib)} | {fmt(r.peak_tree_pss_mib)} "
            f"| {fmt(r.max_process_rss_mib)} | {r.max_processes} | {r.busy_before:.0%} |"
        )
    by_side = {r.side: r for r in runs}
    dt, th = by_side.get("datatrove"), by_side.get("thresher")
    if dt and th and dt.docs_per_s and th.docs_per_s:
        lines.append("")
        lines.append(
            f"thresher / datatrove: speed {th.docs_per_s / dt.docs_per_s:.2f}x "
            f"(CPU time per document {dt.cpu_s * th.docs_in / (th.cpu_s * dt.docs_in):.2f}x); "
            f"peak PSS {fmt(th.peak_tree_pss_mib, 0)} vs {fmt(dt.peak_tree_pss_mib, 0)} MiB; "
            f"peak RSS {fmt(th.peak_tree_rss_mib, 0)} vs {fmt(dt.peak_tree_rss_mib, 0)} MiB."
        )
    return lines


def comparison_lines(c: dict[str, Any]) -> list[str]:
    total = c["documents"]
    lines = [
        f"Documents: {total:,} (datatrove saw {c['datatrove_documents']:,}, "
        f"thresher {c['thresher_documents']:,}). Verdict = the first rule that rejects, else kept.",
        "",
        f"Overall verdict agreement: **{100 * c['verdict_agreement']:.3f}%**",
        "",
        "### Per rule",
        "",
        "| rule | rejected by datatrove | rejected by thresher | both | same sub-reason "
        "| only datatrove | only thresher | agreement |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in c["per_rule"]:
        lines.append(
            f"| {r['rule']} | {r['datatrove']:,} | {r['thresher']:,} | {r['both']:,} "
            f"| {r['same_sub_reason']:,} | {r['only_datatrove']:,} | {r['only_thresher']:,} "
            f"| **{100 * r['agreement']:.3f}%** |"
        )
    verdicts_dt = [*RULES, KEPT]
    verdicts_th = [*RULES, KEPT]
    for cell in c["confusion"]:
        if cell["datatrove"] not in verdicts_dt:
            verdicts_dt.append(cell["datatrove"])
        if cell["thresher"] not in verdicts_th:
            verdicts_th.append(cell["thresher"])
    matrix = {(x["datatrove"], x["thresher"]): x["n"] for x in c["confusion"]}
    lines += [
        "",
        "### Confusion matrix (rows: datatrove, columns: thresher)",
        "",
        "| datatrove \\ thresher | " + " | ".join(verdicts_th) + " |",
        "|---|" + "---|" * len(verdicts_th),
    ]
    for x in verdicts_dt:
        lines.append(
            f"| {x} | " + " | ".join(f"{matrix.get((x, y), 0):,}" for y in verdicts_th) + " |"
        )
    lines += [
        "",
        "### Sub-reasons",
        "",
        "Thresher's sub-reason names are mapped to datatrove's where they differ (column "
        '"thresher\'s name").',
        "",
        "| rule | sub-reason | datatrove | thresher | thresher's name |",
        "|---|---|---|---|---|",
    ]
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for s in c["sub_reasons"]:
        counts.setdefault((s["rule"], s["detail"]), {})[s["side"]] = s["n"]
    order = {rule: i for i, rule in enumerate(RULES)}
    for (rule, detail), n in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0])):
        lines.append(
            f"| {rule} | {detail} | {n.get('datatrove', 0):,} | {n.get('thresher', 0):,} "
            f"| {c.get('sub_reason_names', {}).get(detail, '')} |"
        )
    for rule, cell in c.get("sub_reason_differs_examples", {}).items():
        lines.append(
            f"\nRejected by both at {rule} with another sub-reason: {cell['n']:,} — "
            + ", ".join(f"`{i}`" for i in cell["ids"])
        )
    lines += [
        "",
        f"Kept by both: {c['kept_by_both']:,}; kept text identical: {c['kept_text_identical']:,} "
        f"({pct(c['kept_text_identical'], c['kept_by_both'])}).",
    ]
    if c["kept_text_differs_examples"]:
        lines.append("Kept text differs, e.g.: " + ", ".join(c["kept_text_differs_examples"]))
    if c["disagreement_examples"]:
        lines += ["", "### Disagreements (examples)", ""]
        for cell in c["disagreement_examples"]:
            lines.append(
                f"- datatrove `{cell['datatrove']}`, thresher `{cell['thresher']}`: "
                f"{cell['n']:,} — " + ", ".join(f"`{i}`" for i in cell["ids"])
            )
    return lines


def write_report(
    args: argparse.Namespace,
    out: Path,
    source: Path,
    runs: list[SideRun],
    comparison: dict[str, Any] | None,
) -> None:
    machine = machine_info(args.thresher, dict(os.environ))
    machine["datatrove"] = pkg_version("datatrove")
    machine["spacy"] = pkg_version("spacy")
    corpus = corpus_info(source)
    lines = [
        f"# FineWeb filters: datatrove vs thresher — {args.corpus}",
        "",
        f"- date: {machine['date']}; machine: {machine['cpu_model']}, {machine['nproc']} CPUs, "
        f"{machine['ram_gib']} GiB; Python {machine['python']}; thresher {machine['thresher']} "
        f"(commit {machine['git_commit']}{', with changes' if machine['git_changes'] else ''}); "
        f"datatrove {machine['datatrove']}; spaCy {machine['spacy']}",
        f"- input: {source} ({corpus['files']} files, {corpus['mib']} MiB)"
        + (f", first {args.limit:,} documents" if args.limit else ""),
        "",
        "## Speed and memory",
        "",
        *runs_table(runs),
    ]
    if comparison:
        lines += ["", "## Verdicts", "", *comparison_lines(comparison)]
        lines += ["", f"All disagreeing ids: {out / 'disagreements.jsonl'}"]
    text = "\n".join(lines) + "\n"
    (out / "report.md").write_text(text)
    data = {
        "machine": machine,
        "corpus": corpus,
        "limit": args.limit,
        "runs": [asdict(r) for r in runs],
        "comparison": comparison,
    }
    (out / "report.json").write_text(json.dumps(data, indent=2) + "\n")
    print(text)
    print(f"compare_datatrove: wrote {out / 'report.md'} and report.json", file=sys.stderr)


# ---------------------------------------------------------------- explain


def explain(source: Path, out: Path, ids: list[str], workers: int) -> None:
    """Run datatrove's filters one by one on the given documents; show thresher's verdict."""
    from datatrove.data import Document

    wanted = set(ids)
    found: dict[str, dict[str, Any]] = {}
    for _, _, record in iter_records(input_files(source)):
        if str(record.get("id")) in wanted:
            found[str(record["id"])] = record
    th_folder = side_dir(out, "thresher", workers)
    th_records: dict[str, dict[str, Any]] = {}
    for sub in ("rejected", "kept"):
        if (th_folder / sub).is_dir():
            for record in read_jsonl(th_folder / sub):
                if str(record.get("id")) in wanted:
                    th_records[str(record["id"])] = record
    for doc_id in ids:
        print(f"=== {doc_id}")
        if doc_id not in found:
            print("  not in the input")
            continue
        doc = Document(text=found[doc_id]["text"], id=doc_id, metadata={})
        for rule, step in zip(RULES, datatrove_chain(None), strict=True):
            before = doc.text
            verdict = step.filter(doc)
            changed = " (text changed)" if doc.text != before else ""
            print(f"  datatrove {rule}: {verdict}{changed}")
            if verdict is not True:
                break
        record = th_records.get(doc_id)
        if record:
            status = f"{record.get('status')} {record.get('reason')} {record.get('detail')}"
            print(f"  thresher: {status}")
            signals = (record.get("metadata") or {}).get("signals")
            if signals:
                print(f"  thresher signals: {json.dumps(signals, sort_keys=True)}")
        print("  text: " + json.dumps(found[doc_id]["text"][:600], ensure_ascii=False))


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=REPO_ROOT / "bench" / "out" / "corpus")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int, help="only the first N documents")
    p.add_argument(
        "--out",
        type=Path,
        help="results folder (default: bench/out/compare/<corpus name>[-N])",
    )
    p.add_argument("--only", choices=SIDES, help="run only this side (compare if both exist)")
    p.add_argument(
        "--reuse",
        choices=[*SIDES, "both"],
        help="do not rerun this side: use its output from a previous run in --out",
    )
    p.add_argument("--thresher", type=Path, default=REPO_ROOT / ".venv" / "bin" / "thresher")
    p.add_argument("--recipe", default="fineweb-filters")
    p.add_argument("--examples", type=int, default=10, help="example ids per disagreement cell")
    p.add_argument("--interval", type=float, default=0.05, help="memory sampling period (s)")
    p.add_argument(
        "--wait-idle",
        type=float,
        default=60.0,
        help="before each run, wait up to this many seconds for other load to stop",
    )
    p.add_argument("--explain", nargs="+", metavar="ID", help="trace these documents and exit")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["datatrove-child"]:
        return datatrove_child(argv[1:])
    args = parse_args(argv)
    if not args.corpus.is_dir():
        print(
            f"compare_datatrove: no corpus folder {args.corpus} "
            "(make the benchmark corpus with `python3 bench/make_corpus.py`)",
            file=sys.stderr,
        )
        return 2
    if not args.thresher.exists():
        fallback = Path(sys.executable).with_name("thresher")
        args.thresher = fallback if fallback.exists() else args.thresher
    name = args.corpus.resolve().name + (f"-{args.limit}" if args.limit else "")
    out: Path = args.out or REPO_ROOT / "bench" / "out" / "compare" / name
    out.mkdir(parents=True, exist_ok=True)
    reuse = set(SIDES) if args.reuse == "both" else {args.reuse}
    prepared = out / "input"
    if reuse == set(SIDES) and prepared.is_dir():
        source = prepared
    elif (
        reuse & set(SIDES)
        and prepared.is_dir()
        and (args.limit or needs_ids(input_files(args.corpus)))
    ):
        source = prepared  # the same files and ids the reused side saw
    else:
        source = prepare_input(args.corpus, out, args.limit, args.workers)
    if args.explain:
        explain(source, out, args.explain, args.workers)
        return 0
    runs: list[SideRun] = []
    status = 0
    for side in SIDES:
        previous = load_run(out, side, args.workers)
        if side in reuse or (args.only and args.only != side):
            if previous:
                runs.append(previous)
            elif side in reuse:
                print(f"compare_datatrove: nothing to reuse for {side} in {out}", file=sys.stderr)
            continue
        result = run_side(side, source, out, args)
        status |= result.returncode
        runs.append(result)
    comparison = None
    folders = {side: side_dir(out, side, args.workers) for side in SIDES}
    done = {r.side for r in runs if r.returncode == 0}
    if done == set(SIDES):
        dt = read_side("datatrove", folders["datatrove"])
        th = read_side("thresher", folders["thresher"])
        comparison, disagreements = compare(dt, th, args.examples)
        with (out / "disagreements.jsonl").open("w", encoding="utf-8") as sink:
            sink.writelines(json.dumps(row) + "\n" for row in disagreements)
    write_report(args, out, source, runs, comparison)
    return status


if __name__ == "__main__":
    sys.exit(main())
