#!/usr/bin/env python3
"""CPU time of the FineWeb filter chain, step by step, in one process (issue 18).

Reads every document of the JSONL files given (or of the folders given), runs the
`fineweb-filters` recipe's steps (gopher-repetition, gopher-quality, c4, fineweb) on each, and
reports the CPU seconds (`time.process_time`, this process only: on a shared machine, wall time
measures the neighbours) spent in each step and in the chain, and documents per CPU-second.
Reading and parsing the JSON are outside the timed part.

It also prints a digest of every document's outcome (status, rejecting step, reason, text and
`metadata.signals`, floats as `repr`): two versions of thresher that give the same digest on a
corpus give the same verdicts and the same signal values, bit for bit. `--dump FILE` writes the
outcomes themselves, one JSON line a document, to compare two versions document by document.

To compare two versions, run each with its own source tree on PYTHONPATH, interleaved:

    git archive HEAD src | tar -x -C /tmp/thresher-before     # the committed version
    for i in 1 2; do
      PYTHONPATH=/tmp/thresher-before/src nice -n 19 .venv/bin/python bench/bench_repetition.py \
          bench/out/long-corpus --label before
      PYTHONPATH=src nice -n 19 .venv/bin/python bench/bench_repetition.py \
          bench/out/long-corpus --label after
    done
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

import thresher
from thresher import Document, Recipe
from thresher.quality.analysis import analyse
from thresher.steps import StepStats


def open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def input_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if ".jsonl" in p.name))
        else:
            files.append(path)
    return files


def read_documents(files: list[Path], limit: int | None) -> Iterator[Document]:
    count = 0
    for path in files:
        with open_text(path) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                if limit is not None and count >= limit:
                    return
                record = json.loads(line)
                yield Document(
                    id=str(record.get("id", f"{path.name}:{number}")), text=record["text"]
                )
                count += 1


def word_splitter() -> Callable[[Document], object]:
    """How this version of thresher splits a document's words for the quality rules, so that
    the split can be timed apart: kept on the document (issue 18 on), or in `analyse`'s cache
    of recent texts (before), where the steps find it."""
    try:
        from thresher.quality.analysis import analysis_of  # type: ignore[attr-defined]
    except ImportError:
        return lambda doc: analyse(doc.text).words
    return lambda doc: analysis_of(doc).words


class Timed(Iterator[Document]):
    """An iterator that adds up the CPU time spent getting each item (the stages before it
    included)."""

    def __init__(self, items: Iterator[Document]) -> None:
        self.items = items
        self.cpu = 0.0

    def __next__(self) -> Document:
        started = time.process_time()
        try:
            return next(self.items)
        finally:
            self.cpu += time.process_time() - started


def split_each(docs: Iterator[Document], split: Callable[[Document], object]) -> Iterator[Document]:
    for doc in docs:
        split(doc)
        yield doc


def floor_cpu(docs: list[Document]) -> float:
    """The issue's floor, timed like the chain (reading left out): split each text on
    whitespace, hash every word and every 5-word shingle with numpy."""
    base = np.uint64(1_000_003)
    started = time.process_time()
    with np.errstate(over="ignore"):
        for doc in docs:
            words = doc.text.split()
            ids = np.fromiter(map(hash, words), np.int64, len(words)).view(np.uint64)
            shingles = ids[:-4] if len(ids) >= 5 else ids[:0]
            for k in range(1, 5):
                shingles = shingles * base + ids[k : len(ids) - 4 + k]
    return time.process_time() - started


def outcome(doc: Document) -> dict[str, Any]:
    signals = doc.metadata.get("signals", {})
    return {
        "id": doc.id,
        "status": doc.status,
        "step": doc.rejection.step if doc.rejection else None,
        "reason": doc.rejection.detail if doc.rejection else None,
        "text": hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()[:16],
        "signals": {k: repr(v) for k, v in sorted(signals.items())},
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="+", type=Path, help="JSONL files or folders of them")
    p.add_argument("--recipe", default="fineweb-filters")
    p.add_argument("--limit", type=int)
    p.add_argument("--label", default="")
    p.add_argument("--dump", type=Path, help="write each document's outcome here (JSONL)")
    p.add_argument("--json", type=Path, help="append the figures here as one JSON line")
    p.add_argument(
        "--split-apart",
        action="store_true",
        help="split each document's words before the chain and time that as `split words`, "
        "so that the first step's time is its own",
    )
    p.add_argument("--floor", action="store_true", help="also time the floor (`floor_cpu`)")
    args = p.parse_args()
    docs = list(read_documents(input_files(args.inputs), args.limit))
    steps = Recipe.named(args.recipe).steps
    stats = {step.name: StepStats(step.name) for step in steps}
    cpu = dict.fromkeys(["split words", *stats] if args.split_apart else stats, 0.0)
    split = word_splitter()
    digest = hashlib.sha256()
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    # The chain as a run chains it (each step pulling from the one before, some a batch at a
    # time); each stage's CPU time is the time spent in it less the time of the stages before.
    stream: Iterator[Document] = iter(docs)
    if args.split_apart:
        stream = Timed(split_each(stream, split))
    stages: list[tuple[str, Timed]] = [("split words", stream)] if args.split_apart else []
    for step in steps:
        stream = Timed(step(stream, stats[step.name]))
        stages.append((step.name, stream))
    for doc in stream:
        line = json.dumps(outcome(doc), sort_keys=True)
        digest.update(line.encode() + b"\n")
        if dump:
            dump.write(line + "\n")
    if dump:
        dump.close()
    upstream = 0.0
    for name, timed in stages:
        cpu[name] = timed.cpu - upstream
        upstream = timed.cpu
    total = sum(cpu.values())
    chars = sum(len(d.text) for d in docs)
    figures = {
        "label": args.label,
        "thresher": str(Path(thresher.__file__).parent),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "documents": len(docs),
        "kept": sum(d.rejection is None for d in docs),
        "chars_kept": chars,
        "chain_cpu_s": round(total, 3),
        "docs_per_cpu_s": round(len(docs) / total, 1) if total else None,
        "step_cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "outcome_digest": digest.hexdigest()[:16],
    }
    if args.floor:
        floor = floor_cpu(docs)
        figures["floor_cpu_s"] = round(floor, 3)
        figures["floor_docs_per_cpu_s"] = round(len(docs) / floor, 1) if floor else None
    print(json.dumps(figures), flush=True)
    if args.json:
        with args.json.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
