#!/usr/bin/env python3
"""Precision and recall of thresher's duplicate removal, on copies of real texts or on the
generated benchmark corpus.

Real-text mode (the default)
----------------------------
Originals: the real texts of ../shared/data (wcxb-dev and scrapinghub-aeb gold main content,
readability's expected text, dclm and dolma Common Crawl documents) of 150 words or more, made
free of copies first: exact repeats (same normalised text) are dropped, and of every two texts
whose 5-word shingle containment |A∩B| / min(|A|,|B|) reaches 0.5 only the smaller id is kept
(every such pair is listed, with containment and 3-word Jaccard, in the JSON and on stdout).
A seeded quarter of them (--singles) gets no copy, the others one copy each (by default: see
`make_copies`). Copies (seeded; --per-cell per cell, default as many as the pool allows):

    edit      0.5, 1, 2, 3, 4, 5, 6, 8, 10 or 15% of the words (no target above 5%: those
              cells show where recall falls off) substituted, inserted, deleted or mixed, one
              word at a time (single) or in runs of 2-5 words (run); new words are real words
              drawn from the pool's text; line breaks kept
    header    15-40 words of site furniture (cookie notice, newsletter, nav menu, byline...)
    footer    the same after the text
    reorder   the paragraphs (non-empty lines) shuffled, the order changed (>= 3 paragraphs)
    drop      one paragraph holding at most 20% of the words removed (>= 3 paragraphs)
    frame+edit2  a header or a footer, and 2% of the words edited (mixed, single)

The corpus (originals once each, copies with their own ids and URLs, shuffled, 4 shards) goes
to bench/out/dedup-real/corpus, the truth to bench/out/dedup-real/truth.jsonl.gz; then
`python -m thresher run CORPUS -o bench/out/dedup-real/run-LABEL --recipe R --workers N
--force` runs once per --recipe (a built-in name or a YAML path; default `dedup`), timed
(wall, and CPU of the child processes). The figures:

- recall of a cell: the share of its copies that the run put in one cluster with their
  original (one removed as a duplicate of the other, or both joined through others), with
  "recipe J" (rJ), the exact Jaccard of copy and original as the recipe's dedup step measures
  it: its `ngram` and `within_lines` (the step loaded with thresher's Recipe API), shingle
  sets from thresher's own `normalized`/`normalized_lines` and `shingles` (median, 5th
  percentile, min, and the highest rJ of a copy missed); as a cross-check, the
  `metadata.duplicate_similarity` the run wrote where the copy was removed for its original
  (or the original for the copy): the lowest, and how many equal rJ;
- precision on distinct pairs: pairs of different originals that share topic and vocabulary
  (two wcxb pages of one domain, two readability pages of one site, the 500 pairs of
  nearest neighbours by Jaccard of their sets of lowercased words of 3+ letters, stop words
  kept, and the 300 pairs of nearest neighbours by 3-word shingle Jaccard across lines: the
  hardest distinct pairs of the pool); precision = the share of these pairs the run did not
  put in one cluster; with the max and 99th percentile of their recipe J (the 5 highest pairs
  in the JSON);
- the margin: the lowest recipe J of a copy in a cell with a target, against the highest
  recipe J of a distinct pair (the verify threshold should sit between them);
- single documents removed: of the originals that have no copy, the share the run rejected as
  an exact or near duplicate (each listed in the JSON with what it was joined to); and, over
  all originals, the share in one cluster with a document that is neither they nor a copy of
  them.

Targets (issue 14): recall >= 0.95 up to 4% edited, >= 0.9 at 5%, >= 0.95 for header, footer,
reorder and drop copies; precision >= 0.99 on distinct pairs; <= 1% of single documents
removed. Markdown tables on stdout; JSON (default bench/out/dedup-real/eval.json).

    .venv/bin/python bench/eval_dedup.py                        # build, run dedup, evaluate
    .venv/bin/python bench/eval_dedup.py --reuse-corpus --recipe dedup --recipe my.yaml

Generated mode (--generated, or --run RUN)
------------------------------------------
Runs `thresher run CORPUS -o RUN --recipe dedup --workers N --force` on the generated
benchmark corpus (bench/out/corpus; or, with --run, reads an existing run folder), then
measures thresher's clusters two ways:

(a) against the generator's truth (bench/out/corpus.truth.jsonl.gz): a planted pair (copy, the
    document it copies) is found when both are in the same thresher cluster; recall by kind
    (exact/near), by near-copy mode (edits, frame, both) and by edit-rate bucket. Precision: the
    share of thresher's (removed, kept) pairs, and of all pairs within its clusters, whose two
    documents are truth duplicates of one another (copies of the same original, transitively).
(b) against the exact Jaccard similarity of the 5-word shingle sets, made as thresher makes
    them (`thresher.dedup.minhash.tokens`; a text of fewer than 5 tokens is one shingle; two
    empty texts have Jaccard 1): precision = share of thresher's joined pairs with Jaccard >=
    0.8 (and >= 0.7, with the distribution); recall = share of pairs with Jaccard >= 0.8 that
    thresher joined, over (i) the planted pairs and (ii) a brute-force search: --brute random
    documents (seeded) against every document through an inverted index of shingle hashes,
    each candidate's Jaccard then recomputed from Python sets of shingle strings. (ii) also
    finds similar pairs the generator did not plant (shared boilerplate, repeated sources).

Prints markdown tables; writes JSON (default bench/out/dedup-eval.json) with the figures and
examples of misses and of low-similarity joins.

    .venv/bin/python bench/eval_dedup.py --generated              # run thresher, then evaluate
    .venv/bin/python bench/eval_dedup.py --run bench/out/compare-dedup/thresher-100k
    .venv/bin/python bench/eval_dedup.py --run RUN --brute 0      # skip the brute-force search
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from thresher.dedup.minhash import (
    MinHasher,
    normalized,
    normalized_lines,
    shingle_hashes,
    tokens,
)
from thresher.dedup.minhash import shingles as recipe_shingles

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "bench" / "out"
NGRAM = 5
JACCARD_BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
EDIT_BUCKETS = ((0.0, 0.01), (0.01, 0.02), (0.02, 0.03), (0.03, 1.0))


# ---------------------------------------------------------------- reading


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))


def load_texts(corpus: Path) -> dict[str, str]:
    return {r["id"]: r["text"] for path in corpus_files(corpus) for r in read_jsonl(path)}


@dataclass
class Truth:
    """The generator's duplicates: per copy, what it copies and how."""

    of: dict[str, str] = field(default_factory=dict)  # copy -> the document it copies
    info: dict[str, dict[str, Any]] = field(default_factory=dict)  # copy -> truth "duplicate"

    def root(self, doc: str) -> str:
        seen = 0
        while doc in self.of and seen < 100:
            doc, seen = self.of[doc], seen + 1
        return doc

    def same(self, a: str, b: str) -> bool:
        return self.root(a) == self.root(b)


def load_truth(path: Path) -> Truth:
    truth = Truth()
    for record in read_jsonl(path):
        dup = record.get("duplicate")
        if dup:
            truth.of[record["id"]] = dup["of"]
            truth.info[record["id"]] = dup
    return truth


def thresher_clusters(run: Path) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(document -> cluster, for documents in clusters of two or more; (removed, kept, reason)
    pairs) from a thresher run folder's kept/ and rejected/ shards."""
    cluster: dict[str, str] = {}
    removed: list[tuple[str, str, str]] = []
    for sub in ("kept", "rejected"):
        folder = run / sub
        if not folder.is_dir():
            continue
        for path in corpus_files(folder):
            for r in read_jsonl(path):
                meta = r.get("metadata") or {}
                if "cluster" in meta:
                    cluster[r["id"]] = meta["cluster"]
                if "duplicate_of" in meta:
                    removed.append((r["id"], meta["duplicate_of"], r.get("reason", "")))
    return cluster, removed


def members_of(cluster: dict[str, str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for doc, c in sorted(cluster.items()):
        groups[c].append(doc)
    return {c: m for c, m in groups.items() if len(m) > 1}


def joined(cluster: dict[str, str], a: str, b: str) -> bool:
    ca = cluster.get(a)
    return ca is not None and ca == cluster.get(b)


# ---------------------------------------------------------------- shingles and Jaccard


def shingles(text: str, n: int = NGRAM) -> set[str]:
    """Word n-grams of thresher's normalised tokens, as strings; fewer than n tokens: one."""
    words = tokens(text)
    if not words:
        return set()
    if len(words) < n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard_sets(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class Jaccards:
    """Exact Jaccard of two documents' shingle sets, shingle sets cached (bounded)."""

    def __init__(self, texts: dict[str, str], cache_max: int = 50_000) -> None:
        self.texts, self.cache, self.cache_max = texts, {}, cache_max

    def sets(self, doc: str) -> set[str]:
        found = self.cache.get(doc)
        if found is None:
            if len(self.cache) >= self.cache_max:
                self.cache.clear()
            found = self.cache[doc] = shingles(self.texts[doc])
        return found

    def __call__(self, a: str, b: str) -> float:
        return jaccard_sets(self.sets(a), self.sets(b))


def distribution(values: Iterable[float]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for v in values:
        for lo, hi in itertools.pairwise(JACCARD_BINS):
            if lo <= v < hi:
                counts[f"[{lo:.1f},{hi:.1f})"] += 1
                break
        else:
            counts["1.0"] += 1
    keys = [f"[{lo:.1f},{hi:.1f})" for lo, hi in itertools.pairwise(JACCARD_BINS)]
    return {k: counts[k] for k in [*keys, "1.0"]}


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# ---------------------------------------------------------------- (a) against the truth


def edit_bucket(info: dict[str, Any]) -> str:
    rate = info.get("edit_rate")
    if rate is None:
        return "no word edits (frame only)"
    for lo, hi in EDIT_BUCKETS:
        if lo <= rate < hi:
            return f"{lo:.0%}-{hi:.0%} edited" if hi < 1 else f">={lo:.0%} edited"
    return "?"


def truth_recall(truth: Truth, cluster: dict[str, str]) -> dict[str, Any]:
    """Recall of the planted (copy, original) pairs under a clustering (doc -> cluster label,
    singletons absent), by kind, mode and edit-rate bucket."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for copy, original in truth.of.items():
        info = truth.info[copy]
        found = joined(cluster, copy, original)
        kind = info["kind"]
        groups["all"].append(found)
        groups[f"kind={kind}"].append(found)
        if kind == "near":
            groups[f"near mode={info.get('mode')}"].append(found)
            groups[f"near {edit_bucket(info)}"].append(found)
            if info.get("edit_rate") is not None:
                groups["near, 0.5-4% of words edited (edits|both)"].append(found)
    return {
        k: {"pairs": len(v), "found": sum(v), "recall": share(sum(v), len(v))}
        for k, v in sorted(groups.items())
    }


def truth_precision(
    truth: Truth,
    removed: list[tuple[str, str, str]],
    cluster_pairs: list[tuple[str, str]],
) -> dict[str, Any]:
    by_reason: dict[str, list[bool]] = defaultdict(list)
    for doc, kept, reason in removed:
        same = truth.same(doc, kept)
        by_reason["all"].append(same)
        by_reason[reason].append(same)
    out = {
        f"removed pairs, {k}": {
            "pairs": len(v),
            "truth duplicates": sum(v),
            "precision": share(sum(v), len(v)),
        }
        for k, v in sorted(by_reason.items())
    }
    same = [truth.same(a, b) for a, b in cluster_pairs]
    out["cluster pairs (sample)"] = {
        "pairs": len(same),
        "truth duplicates": sum(same),
        "precision": share(sum(same), len(same)),
    }
    return out


# ---------------------------------------------------------------- (b) against exact Jaccard


def sample_cluster_pairs(
    groups: dict[str, list[str]], limit: int, rng: random.Random
) -> tuple[list[tuple[str, str]], int]:
    """All unordered pairs within clusters, or a uniform sample of `limit` of them."""
    clusters = sorted(groups)
    weights = [len(groups[c]) * (len(groups[c]) - 1) // 2 for c in clusters]
    total = sum(weights)
    if total <= limit:
        pairs = [
            (m[i], m[j])
            for c in clusters
            for m in [groups[c]]
            for i in range(len(m))
            for j in range(i + 1, len(m))
        ]
        return pairs, total
    chosen: set[tuple[str, str]] = set()
    while len(chosen) < limit:
        c = rng.choices(clusters, weights)[0]
        a, b = sorted(rng.sample(groups[c], 2))
        chosen.add((a, b))
    return sorted(chosen), total


def jaccard_precision(
    pairs: list[tuple[str, str]], jac: Jaccards, label: str
) -> tuple[dict[str, Any], list[tuple[str, str, float]]]:
    values = [(a, b, jac(a, b)) for a, b in pairs]
    js = [v for _, _, v in values]
    n = len(js)
    row = {
        "pairs": n,
        "precision (J>=0.8)": share(sum(v >= 0.8 for v in js), n),
        "precision (J>=0.7)": share(sum(v >= 0.7 for v in js), n),
        "mean J": round(float(np.mean(js)), 4) if js else None,
        "min J": round(min(js), 4) if js else None,
        "distribution": distribution(js),
        "label": label,
    }
    return row, sorted(values, key=lambda t: t[2])


def minhash_links(
    pairs: list[tuple[str, str]], texts: dict[str, str], verify: float = 0.7
) -> dict[tuple[str, str], bool]:
    """Per pair, whether thresher could have joined it directly: the two share an LSH band key
    (14 x 8, seed 1, thresher's own MinHasher) and their estimated Jaccard reaches `verify`.
    Pairs that fail this were joined through other documents (union-find chaining)."""
    hasher = MinHasher()
    signature: dict[str, Any] = {}
    for doc in sorted({d for pair in pairs for d in pair}):
        words = tokens(texts[doc])
        signature[doc] = (
            hasher.signature(shingle_hashes(words, NGRAM))
            if words
            else np.zeros(hasher.permutations, np.uint64)
        )
    docs = sorted(signature)
    stacked = np.stack([signature[d] for d in docs]) if docs else None
    bands = dict(zip(docs, hasher.band_keys(stacked), strict=True)) if docs else {}
    out = {}
    for a, b in pairs:
        shared = bool((bands[a] == bands[b]).any())
        estimate = float((signature[a] == signature[b]).mean())
        out[(a, b)] = shared and estimate >= verify
    return out


def planted_jaccard_recall(
    truth: Truth, cluster: dict[str, str], jac: Jaccards
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Per planted pair its exact Jaccard; recall of those >= 0.8 (and >= 0.7); misses."""
    rows: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    misses = []
    for copy, original in truth.of.items():
        info = truth.info[copy]
        j = jac(copy, original)
        found = joined(cluster, copy, original)
        key = "exact" if info["kind"] == "exact" else f"near {edit_bucket(info)}"
        rows[key].append((j, found))
        rows["all"].append((j, found))
        if j >= 0.8 and not found:
            misses.append({"copy": copy, "of": original, "jaccard": round(j, 4), **info})
    out = {}
    for key, values in sorted(rows.items()):
        hi8 = [f for j, f in values if j >= 0.8]
        hi7 = [f for j, f in values if j >= 0.7]
        out[key] = {
            "pairs": len(values),
            "mean J": round(float(np.mean([j for j, _ in values])), 4),
            "J>=0.8": len(hi8),
            "recall (J>=0.8)": share(sum(hi8), len(hi8)),
            "J>=0.7": len(hi7),
            "recall (J>=0.7)": share(sum(hi7), len(hi7)),
            "found (any J)": sum(f for _, f in values),
        }
    return out, misses


def hashed_shingles(text: str) -> np.ndarray:
    """Sorted unique 64-bit hashes of the shingle strings (Python's hash: one process only)."""
    return np.unique(np.fromiter((hash(s) for s in shingles(text)), np.int64))


def brute_force(
    texts: dict[str, str],
    truth: Truth,
    cluster: dict[str, str],
    jac: Jaccards,
    queries: int,
    rng: random.Random,
    removed: set[str] | None = None,
    floor: float = 0.7,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`queries` random documents against all documents: every pair with Jaccard >= `floor`
    (found through an inverted index of shingle hashes, confirmed on the shingle strings)."""
    started = time.perf_counter()
    ids = sorted(texts)
    arrays = [hashed_shingles(texts[d]) for d in ids]
    sizes = np.array([len(a) for a in arrays], np.int64)
    flat = np.concatenate(arrays)
    owner = np.repeat(np.arange(len(ids), dtype=np.int32), sizes)
    order = np.argsort(flat, kind="stable")
    flat, owner = flat[order], owner[order]
    del arrays, order
    index_s = time.perf_counter() - started
    chosen = rng.sample(range(len(ids)), min(queries, len(ids)))
    found_pairs: dict[tuple[str, str], float] = {}
    postings = 0
    for q in chosen:
        mine = hashed_shingles(texts[ids[q]])
        if len(mine) == 0:
            continue
        lo = np.searchsorted(flat, mine, "left")
        hi = np.searchsorted(flat, mine, "right")
        lengths = hi - lo
        total = int(lengths.sum())
        postings += total
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        docs = owner[starts + np.arange(total)]
        other, inter = np.unique(docs, return_counts=True)
        union = sizes[q] + sizes[other] - inter
        close = other[(inter / union >= floor - 0.05) & (other != q)]
        for o in close.tolist():
            a, b = sorted((ids[q], ids[o]))
            if (a, b) not in found_pairs:
                found_pairs[(a, b)] = jac(a, b)
    # empty-text documents have no shingles: they are Jaccard 1 with each other
    empty = [d for d, s in zip(ids, sizes.tolist(), strict=True) if s == 0]
    for q in chosen:
        if sizes[q] == 0:
            for o in empty:
                if o != ids[q]:
                    found_pairs[tuple(sorted((ids[q], o)))] = 1.0  # type: ignore[index]
    result: dict[str, Any] = {
        "queries": len(chosen),
        "documents": len(ids),
        "postings scanned": postings,
        "index seconds": round(index_s, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    misses = []
    for threshold in (0.8, 0.7):
        pairs = [(a, b) for (a, b), j in found_pairs.items() if j >= threshold]
        planted = [p for p in pairs if truth.same(*p)]
        other = [p for p in pairs if not truth.same(*p)]
        hit = [joined(cluster, *p) for p in pairs]
        # resolved: the kept output no longer holds both (one removed, or both in one cluster)
        gone = removed or set()
        resolved = [h or a in gone or b in gone for h, (a, b) in zip(hit, pairs, strict=True)]
        result[f"J>={threshold}"] = {
            "pairs": len(pairs),
            "recall": share(sum(hit), len(hit)),
            "resolved": share(sum(resolved), len(resolved)),
            "planted pairs": len(planted),
            "planted recall": share(sum(joined(cluster, *p) for p in planted), len(planted)),
            "unplanted pairs": len(other),
            "unplanted recall": share(sum(joined(cluster, *p) for p in other), len(other)),
        }
        if threshold == 0.8:
            for a, b in pairs:
                if not joined(cluster, a, b):
                    misses.append(
                        {
                            "a": a,
                            "b": b,
                            "jaccard": round(found_pairs[(a, b)], 4),
                            "planted": truth.same(a, b),
                        }
                    )
    return result, sorted(misses, key=lambda m: -m["jaccard"])


# ---------------------------------------------------------------- report


def md_table(rows: dict[str, dict[str, Any]], columns: list[str], first: str) -> str:
    head = f"| {first} | " + " | ".join(columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 1)]
    for name, row in rows.items():
        cells = []
        for c in columns:
            v = row.get(c)
            cells.append("–" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(result: dict[str, Any]) -> dict[str, Any]:
    """The issue's two targets, from the measured figures."""
    jp = result["jaccard_precision"]["removed pairs"]
    recall_rows = [result["planted_jaccard_recall"]["all"]]
    brute = result.get("brute_force", {}).get("J>=0.8")
    recall_brute = brute["recall"] if brute else None
    return {
        "precision (removed pairs, J>=0.8)": jp["precision (J>=0.8)"],
        "precision (removed pairs, truth)": result["truth_precision"]["removed pairs, all"][
            "precision"
        ],
        "recall (planted pairs with J>=0.8)": recall_rows[0]["recall (J>=0.8)"],
        "recall (brute-force pairs with J>=0.8)": recall_brute,
        "target precision >= 0.98": jp["precision (J>=0.8)"] is not None
        and jp["precision (J>=0.8)"] >= 0.98,
        "target recall >= 0.95": all(
            r is not None and r >= 0.95
            for r in (recall_rows[0]["recall (J>=0.8)"], recall_brute)
            if r is not None or brute is None
        ),
    }


def report(result: dict[str, Any]) -> str:
    parts = [f"## thresher dedup: precision and recall ({result['run']})", ""]
    parts += ["Headline (the issue's targets: recall >= 0.95 for J >= 0.8, precision >= 0.98):", ""]
    parts += [md_table({"": result["headline"]}, list(result["headline"]), "")]
    parts += ["", "(a) Planted pairs (copy, original) found in one thresher cluster:", ""]
    parts += [md_table(result["truth_recall"], ["pairs", "found", "recall"], "truth pairs")]
    parts += ["", "(a) Precision against the truth (same original, transitively):", ""]
    parts += [
        md_table(
            result["truth_precision"], ["pairs", "truth duplicates", "precision"], "thresher pairs"
        )
    ]
    parts += ["", "(b) Exact 5-gram Jaccard of thresher's joined pairs:", ""]
    rows = {k: {**v, **v["distribution"]} for k, v in result["jaccard_precision"].items()}
    cols = [
        "pairs",
        "precision (J>=0.8)",
        "precision (J>=0.7)",
        "mean J",
        "min J",
        *next(iter(result["jaccard_precision"].values()))["distribution"],
    ]
    parts += [md_table(rows, cols, "pairs")]
    parts += ["", "(b) Recall of the planted pairs by their exact Jaccard:", ""]
    parts += [
        md_table(
            result["planted_jaccard_recall"],
            [
                "pairs",
                "mean J",
                "J>=0.8",
                "recall (J>=0.8)",
                "J>=0.7",
                "recall (J>=0.7)",
                "found (any J)",
            ],
            "planted",
        )
    ]
    if "brute_force" in result:
        bf = result["brute_force"]
        parts += [
            "",
            f"(b) Brute force: {bf['queries']} random documents against all "
            f"{bf['documents']} (pairs found at the Jaccard threshold):",
            "",
        ]
        parts += [
            md_table(
                {k: v for k, v in bf.items() if k.startswith("J>=")},
                [
                    "pairs",
                    "recall",
                    "resolved",
                    "planted pairs",
                    "planted recall",
                    "unplanted pairs",
                    "unplanted recall",
                ],
                "threshold",
            )
        ]
    return "\n".join(parts)


# ---------------------------------------------------------------- main


def run_thresher(thresher: Path, corpus: Path, out: Path, workers: int) -> None:
    command = [
        str(thresher),
        "run",
        str(corpus),
        "-o",
        str(out),
        "--recipe",
        "dedup",
        "--workers",
        str(workers),
        "--force",
        "--no-progress",
    ]
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    texts = load_texts(args.corpus)
    truth = load_truth(args.truth)
    cluster, removed = thresher_clusters(args.run)
    missing = [d for d in cluster if d not in texts]
    if missing:
        raise SystemExit(f"eval_dedup: {len(missing)} clustered ids are not in {args.corpus}")
    truth.of = {c: o for c, o in truth.of.items() if c in texts and o in texts}
    print(
        f"eval_dedup: read {len(texts)} docs, {len(truth.of)} planted copies, "
        f"{len(removed)} removed ({time.perf_counter() - t0:.0f}s)",
        file=sys.stderr,
    )
    groups = members_of(cluster)
    cluster_pairs, total_pairs = sample_cluster_pairs(groups, args.pairs, rng)
    removed_pairs = [(d, k) for d, k, _ in removed]
    if len(removed_pairs) > args.pairs:
        removed_pairs = rng.sample(removed_pairs, args.pairs)
    jac = Jaccards(texts)
    result: dict[str, Any] = {
        "run": str(args.run),
        "corpus": str(args.corpus),
        "documents": len(texts),
        "planted copies": len(truth.of),
        "clusters": len(groups),
        "clustered documents": sum(len(m) for m in groups.values()),
        "removed": dict(Counter(r for _, _, r in removed)),
        "cluster pairs": total_pairs,
        "largest cluster": max((len(m) for m in groups.values()), default=0),
        "seed": args.seed,
    }
    result["truth_recall"] = truth_recall(truth, cluster)
    result["truth_precision"] = truth_precision(truth, removed, cluster_pairs)
    jp_removed, removed_values = jaccard_precision(removed_pairs, jac, "(removed, kept)")
    jp_cluster, cluster_values = jaccard_precision(cluster_pairs, jac, "within clusters")
    by_reason = {}
    for reason in sorted({r for _, _, r in removed}):
        sub = [(d, k) for d, k, r in removed if r == reason]
        if len(sub) > args.pairs:
            sub = rng.sample(sub, args.pairs)
        by_reason[f"removed pairs, {reason}"] = jaccard_precision(sub, jac, reason)[0]
    direct = minhash_links(removed_pairs, texts)
    by_link = {
        "removed pairs, direct link (shared band, est. J >= 0.7)": jaccard_precision(
            [p for p in removed_pairs if direct[p]], jac, "direct"
        )[0],
        "removed pairs, chained (no direct link)": jaccard_precision(
            [p for p in removed_pairs if not direct[p]], jac, "chained"
        )[0],
    }
    result["jaccard_precision"] = {
        "removed pairs": jp_removed,
        **by_reason,
        **by_link,
        "cluster pairs": jp_cluster,
    }
    result["low_jaccard_joins"] = [
        {"a": a, "b": b, "jaccard": round(j, 4), "truth duplicates": truth.same(a, b)}
        for a, b, j in removed_values[:25]
    ] + [
        {
            "a": a,
            "b": b,
            "jaccard": round(j, 4),
            "truth duplicates": truth.same(a, b),
            "pair": "within cluster",
        }
        for a, b, j in cluster_values[:10]
    ]
    print(
        f"eval_dedup: Jaccard of joined pairs done ({time.perf_counter() - t0:.0f}s)",
        file=sys.stderr,
    )
    result["planted_jaccard_recall"], planted_misses = planted_jaccard_recall(truth, cluster, jac)
    result["planted_misses"] = planted_misses[:50]
    if args.brute > 0:
        result["brute_force"], brute_misses = brute_force(
            texts, truth, cluster, jac, args.brute, rng, {d for d, _, _ in removed}
        )
        result["brute_misses"] = brute_misses[:50]
        print(f"eval_dedup: brute force done ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    result["headline"] = headline(result)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


# ================================================================ real-text mode
#
# Originals are real texts from ../shared/data; copies of them are made here, edited in known
# ways; thresher runs on originals + copies; the report gives recall per kind of copy, precision
# on pairs of distinct documents that share topic and vocabulary, and the share of documents
# with no copy that thresher removed.

REAL_OUT = OUT / "dedup-real"
MIN_WORDS = 150
CONTAINMENT_DROP = 0.5
EDIT_RATES = (0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.15)
TARGET_RATE_MAX = 0.05  # edit rates above this have no target: they show where recall falls
EDIT_OPS = ("substitute", "insert", "delete", "mixed")
EDIT_SHAPES = ("single", "run")
FRAME_WORDS = (15, 40)
DROP_MAX_SHARE = 0.2
TOP_VOCAB_PAIRS = 500
TOP_SHINGLE_PAIRS = 300
SHARDS = 4
TARGETS = {
    "edit<=4%": 0.95,
    "edit 5%": 0.9,
    "header": 0.95,
    "footer": 0.95,
    "reorder": 0.95,
    "drop": 0.95,
    "pairs precision": 0.99,
    "singles removed": 0.01,
}
_WORD = re.compile(r"\w+")
_VOCAB_WORD = re.compile(r"[^\W\d_]{3,}")
_SITE_NUMBER = re.compile(r"-\d+$")

# Site furniture: {name}, {date}, {n} and {section} are filled per copy.
FURNITURE = (
    "Sign up for our newsletter and get the latest stories delivered to your inbox every morning.",
    "Subscribe to our weekly newsletter. No spam, unsubscribe at any time.",
    "We use cookies to improve your experience on our site. By continuing you accept our use of "
    "cookies.",
    "This website uses cookies. Accept all | Manage preferences | Reject",
    "Copyright © {year} {site} Media Group. All rights reserved.",
    "© {year} {site}. All rights reserved. Reproduction without permission is prohibited.",
    "Share this article: Facebook | Twitter | LinkedIn | WhatsApp | Email",
    "Share on Facebook Share on X Share via Email Print this page",
    "Related articles",
    "Related articles: more stories from our {section} desk",
    "Home | News | Sport | Business | Culture | Travel | Opinion | Contact",
    "Home > {section} > Latest",
    "Menu Search Log in Subscribe",
    "By {name}, staff writer | Updated {date}",
    "By {name} | Published {date} | {n} min read",
    "Posted by {name} on {date} in {section}",
    "Follow us on Instagram, Facebook and YouTube for more.",
    "Advertisement",
    "Skip to main content",
    "Leave a comment. Your email address will not be published. Required fields are marked *",
    "{n} comments",
    "Read more: the best of {section} this week",
    "Terms of Use | Privacy Policy | Cookie Settings | Accessibility | Sitemap",
    "About us Careers Advertise with us Contact us Help",
    "Download our free app for the latest {section} news on the go.",
    "Tags: {section}, news, analysis, features",
    "You might also like",
    "Back to top",
    "Was this page helpful? Yes No",
    "Listen to this article {n} minutes",
    "Most popular in {section}",
)
NAMES = ("Anna Keller", "James Ortiz", "Priya Shah", "Tom Becker", "Laura Chen", "Sam Okafor")
SECTIONS = ("Sport", "Business", "Technology", "Health", "Travel", "Science", "Food", "Politics")
SITES = ("Daily Ledger", "Northside", "The Courier", "Metro Online", "Harbor Times")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Original:
    id: str
    text: str
    source: str
    site: str | None = None  # the site (wcxb domain, readability name less `-N`), if known
    url: str | None = None


# ---------------------------------------------------------------- originals


def shared_data() -> Path:
    data = REPO_ROOT.parent / "shared" / "data"
    if not data.is_dir():
        raise SystemExit(f"eval_dedup: {data} is absent (the real-text mode needs ../shared/data)")
    return data


def read_wcxb(folder: Path) -> Iterator[Original]:
    meta = json.loads((folder / "metadata.json").read_text())["files"]
    for path in sorted((folder / "ground-truth").glob("*.json")):
        record = json.loads(path.read_text())
        page = meta.get(path.stem, {})
        yield Original(
            f"wcxb-{path.stem}",
            record["ground_truth"].get("main_content") or "",
            f"wcxb-dev/{page.get('page_type', '?')}",
            page.get("domain"),
            record.get("url"),
        )


def read_aeb(folder: Path) -> Iterator[Original]:
    truth = json.loads((folder / "ground-truth.json").read_text())
    for key, record in sorted(truth.items()):
        yield Original(f"aeb-{key[:16]}", record["articleBody"] or "", "aeb", None, record["url"])


def read_readability(folder: Path) -> Iterator[Original]:
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    from eval_extract import readability_gold

    for page in sorted((folder / "pages").iterdir()):
        expected = page / "expected.html.gz"
        if expected.is_file():
            site = _SITE_NUMBER.sub("", page.name)
            yield Original(
                f"readability-{page.name}", readability_gold(expected), "readability", site
            )


def read_text_jsonl(path: Path, source: str) -> Iterator[Original]:
    for n, record in enumerate(read_jsonl(path)):
        url = record.get("url") or record.get("id")
        yield Original(
            f"{source}-{path.name.split('.')[0]}-{n}", record.get("text") or "", source, None, url
        )


def read_originals(data: Path) -> list[Original]:
    extraction = data / "extraction"
    found = [
        *read_wcxb(extraction / "wcxb-dev"),
        *read_aeb(extraction / "scrapinghub-aeb"),
        *read_readability(extraction / "readability"),
    ]
    for path in sorted((data / "quality" / "dclm").glob("*.jsonl")):
        found += read_text_jsonl(path, "dclm")
    for path in sorted((data / "cc-docs" / "dolma").glob("*.json*.gz")):
        found += read_text_jsonl(path, "dolma")
    return found


def hashed_5(text: str, n: int = NGRAM) -> np.ndarray:
    """Sorted unique shingle hashes of thresher's n-word shingles across lines
    (`shingle_hashes` of `tokens`)."""
    words = tokens(text)
    return np.unique(shingle_hashes(words, n).astype(np.int64)) if words else np.zeros(0, np.int64)


def overlap_counts(arrays: list[np.ndarray]) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Per document i: (i, other documents, shared shingle counts), by an inverted index of
    shingle hashes (documents sharing no shingle with i are absent; i itself is left out)."""
    sizes = np.array([len(a) for a in arrays], np.int64)
    flat = np.concatenate(arrays)
    owner = np.repeat(np.arange(len(arrays), dtype=np.int32), sizes)
    order = np.argsort(flat, kind="stable")
    flat, owner = flat[order], owner[order]
    for i, mine in enumerate(arrays):
        lo = np.searchsorted(flat, mine, "left")
        hi = np.searchsorted(flat, mine, "right")
        lengths = hi - lo
        total = int(lengths.sum())
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        other, inter = np.unique(owner[starts + np.arange(total)], return_counts=True)
        keep = other != i
        yield i, other[keep], inter[keep]


def copy_free_pool(found: list[Original]) -> tuple[list[Original], dict[str, Any]]:
    """Texts of >= MIN_WORDS words, less exact repeats (same normalised text) and less one of
    each pair whose 5-shingle containment |A∩B| / min(|A|,|B|) is >= CONTAINMENT_DROP (the
    smaller id is kept)."""
    stats: Counter[str] = Counter(read=len(found))
    long_ = sorted((o for o in found if len(o.text.split()) >= MIN_WORDS), key=lambda o: o.id)
    stats["fewer than 150 words"] = len(found) - len(long_)
    seen: set[bytes] = set()
    unique = []
    for o in long_:
        key = normalized(o.text)
        if key in seen:
            stats["exact repeat"] += 1
            continue
        seen.add(key)
        unique.append(o)
    arrays = [hashed_5(o.text) for o in unique]
    sizes = np.array([len(a) for a in arrays], np.int64)
    dropped: set[int] = set()
    listed = []
    for i, other, inter in overlap_counts(arrays):
        if i in dropped:
            continue
        contain = inter / np.minimum(sizes[i], sizes[other])
        for j, c in zip(other, contain, strict=True):
            j = int(j)
            if c >= CONTAINMENT_DROP and j > i and j not in dropped:
                dropped.add(j)
                stats["containment >= 0.5 with a kept text"] += 1
                a, b = unique[j], unique[i]
                listed.append(
                    {
                        "dropped": a.id,
                        "kept": b.id,
                        "dropped source": a.source,
                        "kept source": b.source,
                        "dropped words": len(a.text.split()),
                        "kept words": len(b.text.split()),
                        "containment": round(float(c), 4),
                        "j3": round(jaccard_sets(shingles(a.text, 3), shingles(b.text, 3)), 4),
                        "j3 within lines": round(
                            jaccard_sets(recipe_set(a.text, 3, True), recipe_set(b.text, 3, True)),
                            4,
                        ),
                    }
                )
    pool = [o for k, o in enumerate(unique) if k not in dropped]
    stats["pool"] = len(pool)
    return pool, {"counts": dict(stats), "near repeats dropped": listed}


# ---------------------------------------------------------------- copies


def vocabulary(pool: list[Original]) -> list[str]:
    """Every alphabetic word occurrence of the pool (drawn from, words come at their frequency)."""
    return [w for o in pool for w in o.text.split() if w.isalpha()]


def edit_text(
    text: str, rate: float, op: str, shape: str, vocab: list[str], rng: random.Random
) -> tuple[str, float]:
    """`text` with about `rate` of its whitespace words edited, within lines (line breaks
    kept). Each edit is one word (`single`) or a run of 2-5 consecutive words (`run`);
    `mixed` picks substitute, insert or delete per edit. Returns (text, words edited / words)."""
    lines = [line.split() for line in text.split("\n")]
    where = [(li, wi) for li, line in enumerate(lines) for wi in range(len(line))]
    n = len(where)
    goal = max(1, round(rate * n))
    busy: set[int] = set()
    plan: dict[int, tuple[str, list[str]]] = {}  # word index -> (operation, new words)
    done = tries = 0
    while done < goal and tries < 100 * goal:
        tries += 1
        length = 1 if shape == "single" else min(rng.randint(2, 5), max(goal - done, 2))
        start = rng.randrange(n - length + 1)
        span = range(start, start + length)
        same_line = where[start][0] == where[span[-1]][0]
        if not same_line or any(k in busy for k in range(start - 1, start + length + 1)):
            continue
        kind = rng.choice(("substitute", "insert", "delete")) if op == "mixed" else op
        busy.update(span)
        if kind == "insert":
            plan[start] = ("insert", [rng.choice(vocab) for _ in span])
        else:
            for k in span:
                old = lines[where[k][0]][where[k][1]]
                plan[k] = (kind, [new_word(old, vocab, rng)] if kind == "substitute" else [])
        done += length
    out: list[list[str]] = [[] for _ in lines]
    for k, (li, wi) in enumerate(where):
        kind, new = plan.get(k, ("keep", []))
        if kind == "insert":
            out[li] += new
        out[li] += new if kind == "substitute" else [] if kind == "delete" else [lines[li][wi]]
    return "\n".join(" ".join(line) for line in out), done / n


def new_word(old: str, vocab: list[str], rng: random.Random) -> str:
    while True:
        word = rng.choice(vocab)
        if tokens(word) != tokens(old):  # a real change once normalised
            return word


def furniture(rng: random.Random) -> str:
    """2-4 site-furniture lines, FRAME_WORDS words in all, slots filled at random."""
    while True:
        lines = rng.sample(FURNITURE, rng.randint(2, 4))
        block = "\n".join(
            line.format(
                name=rng.choice(NAMES),
                date=f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2026)}",
                n=rng.randint(2, 60),
                section=rng.choice(SECTIONS),
                site=rng.choice(SITES),
                year=rng.randint(2015, 2026),
            )
            for line in lines
        )
        if FRAME_WORDS[0] <= len(block.split()) <= FRAME_WORDS[1]:
            return block


def paragraphs(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def reorder(text: str, rng: random.Random) -> str:
    paras = paragraphs(text)
    shuffled = paras[:]
    while shuffled == paras:
        rng.shuffle(shuffled)
    return "\n".join(shuffled)


def droppable(text: str) -> list[int]:
    """Paragraphs holding at most DROP_MAX_SHARE of the words, and at least one token (so the
    copy differs from the original once normalised)."""
    paras = paragraphs(text)
    total = sum(len(p.split()) for p in paras)
    return [
        i for i, p in enumerate(paras) if len(p.split()) <= DROP_MAX_SHARE * total and tokens(p)
    ]


def drop_one(text: str, rng: random.Random) -> str:
    paras = paragraphs(text)
    gone = rng.choice(droppable(text))
    return "\n".join(p for i, p in enumerate(paras) if i != gone)


def eligible(kind: str, text: str) -> bool:
    if kind == "reorder":
        return len(paragraphs(text)) >= 3 and len(set(paragraphs(text))) > 1
    if kind == "drop":
        return len(paragraphs(text)) >= 3 and bool(droppable(text))
    return True


def cells() -> list[tuple[str, float | None]]:
    edits: list[tuple[str, float | None]] = [("edit", r) for r in EDIT_RATES]
    frames: list[tuple[str, float | None]] = [
        (k, None) for k in ("header", "footer", "reorder", "drop")
    ]
    return [*edits, *frames, ("frame+edit2", 0.02)]


def make_copy(
    kind: str, rate: float | None, n: int, text: str, vocab: list[str], rng: random.Random
) -> tuple[str, dict[str, Any]]:
    info: dict[str, Any] = {"kind": kind, "rate": rate}
    if kind == "edit":
        info["op"], info["shape"] = EDIT_OPS[n % 4], EDIT_SHAPES[(n // 4) % 2]
        text, info["edited"] = edit_text(text, rate or 0, info["op"], info["shape"], vocab, rng)
    elif kind in ("header", "footer"):
        text = f"{furniture(rng)}\n{text}" if kind == "header" else f"{text}\n{furniture(rng)}"
    elif kind == "reorder":
        text = reorder(text, rng)
    elif kind == "drop":
        text = drop_one(text, rng)
    else:  # frame+edit2: a header or a footer, and 2% of the words edited (mixed, single)
        text, info["edited"] = edit_text(text, rate or 0, "mixed", "single", vocab, rng)
        info["frame"] = rng.choice(("header", "footer"))
        text = (
            f"{furniture(rng)}\n{text}"
            if info["frame"] == "header"
            else f"{text}\n{furniture(rng)}"
        )
    return text, info


def similarity(a: str, b: str) -> dict[str, float]:
    """Exact Jaccard of the 5- and 3-word shingle sets, and 5-shingle containment."""
    a5, b5 = shingles(a, 5), shingles(b, 5)
    inter = len(a5 & b5)
    return {
        "j5": round(jaccard_sets(a5, b5), 4),
        "j3": round(jaccard_sets(shingles(a, 3), shingles(b, 3)), 4),
        "containment": round(inter / max(1, min(len(a5), len(b5))), 4),
    }


def make_copies(
    pool: list[Original],
    per_cell: int | None,
    singles: float,
    most: int,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Copies per (kind, rate) cell: per_cell, or (None) as many as the pool allows evenly;
    each of an eligible original with fewer than `most` copies, the least used first. A seeded
    `singles` share of the pool gets no copy (the single documents).

    One copy per original (most=1, the default) keeps the cells apart: thresher's clusters are
    stars around the kept document, so where two copies of one original meet, the one kept
    (the earliest) decides, and a copy close to the original can miss the other copy."""
    vocab = vocabulary(pool)
    alone = set(rng.sample([o.id for o in pool], round(singles * len(pool))))
    plan = cells()
    per_cell = per_cell or (most * (len(pool) - len(alone))) // len(plan)
    used: Counter[str] = Counter()
    copies = []
    # the kinds that need three paragraphs or more choose first
    for kind, rate in sorted(plan, key=lambda cell: cell[0] not in ("reorder", "drop")):
        candidates = [
            o for o in pool if o.id not in alone and used[o.id] < most and eligible(kind, o.text)
        ]
        order = {o.id: rng.random() for o in candidates}
        chosen = sorted(candidates, key=lambda o: (used[o.id], order[o.id]))[:per_cell]
        for n, original in enumerate(chosen):
            used[original.id] += 1
            text, info = make_copy(kind, rate, n, original.text, vocab, rng)
            cid = f"copy-{kind}-{'' if rate is None else f'{rate:.3f}-'}{n}"
            copies.append(
                {
                    "id": cid,
                    "of": original.id,
                    "text": text,
                    **info,
                    **similarity(original.text, text),
                }
            )
    return copies


# ---------------------------------------------------------------- distinct-document pairs


def word_sets(pool: list[Original]) -> list[set[str]]:
    """Lowercased words of three letters or more (stop words kept)."""
    return [set(_VOCAB_WORD.findall(o.text.lower())) for o in pool]


def nearest_by_vocabulary(pool: list[Original], top: int) -> list[tuple[str, str, float]]:
    """Per original its nearest other original by Jaccard of word sets; the `top` such
    pairs (unordered, deduplicated) by that Jaccard."""
    sets = word_sets(pool)
    df = Counter(w for s in sets for w in s)
    shared = {w: k for k, w in enumerate(sorted(w for w, c in df.items() if c > 1))}
    n = len(pool)
    inter = np.zeros((n, n), np.float32)
    rows = [np.array(sorted(shared[w] for w in s if w in shared), np.int64) for s in sets]
    for lo in range(0, len(shared), 4096):
        block = np.zeros((n, min(4096, len(shared) - lo)), np.float32)
        for i, cols in enumerate(rows):
            mine = cols[(cols >= lo) & (cols < lo + 4096)] - lo
            block[i, mine] = 1
        inter += block @ block.T
    sizes = np.array([len(s) for s in sets], np.float32)
    jac = inter / np.maximum(sizes[:, None] + sizes[None, :] - inter, 1)
    np.fill_diagonal(jac, -1)
    best: dict[tuple[str, str], float] = {}
    for i, j in enumerate(jac.argmax(axis=1)):
        a, b = sorted((pool[i].id, pool[int(j)].id))
        best[(a, b)] = float(jac[i, j])
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [(a, b, round(j, 4)) for (a, b), j in ranked]


def nearest_by_shingles(pool: list[Original], top: int) -> list[tuple[str, str, float]]:
    """Per original its nearest other original by exact Jaccard of 3-word shingle sets (across
    lines, thresher's `tokens`; shingle hashes through an inverted index); the `top` such
    pairs (unordered, deduplicated) by that Jaccard: the hardest distinct pairs of the pool."""
    if len(pool) < 2:
        return []
    arrays = [hashed_5(o.text, 3) for o in pool]
    sizes = np.array([len(a) for a in arrays], np.int64)
    best: dict[tuple[str, str], float] = {}
    for i, other, inter in overlap_counts(arrays):
        if not len(other):
            continue
        jac = inter / (sizes[i] + sizes[other] - inter)
        k = int(np.argmax(jac))
        a, b = sorted((pool[i].id, pool[int(other[k])].id))
        best[(a, b)] = float(jac[k])
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [(a, b, round(j, 4)) for (a, b), j in ranked]


def distinct_pairs(pool: list[Original]) -> list[dict[str, Any]]:
    """Pairs of distinct originals sharing a site (wcxb domain, readability site), the top
    TOP_VOCAB_PAIRS nearest by vocabulary and the top TOP_SHINGLE_PAIRS nearest by 3-word
    shingles; each with its shingle similarity."""
    by_site: dict[tuple[str, str], list[Original]] = defaultdict(list)
    for o in pool:
        if o.site and o.source.split("/")[0] in ("wcxb-dev", "readability"):
            by_site[(o.source.split("/")[0], o.site)].append(o)
    pairs = []
    for (source, _), members in sorted(by_site.items()):
        for a, b in itertools.combinations(members, 2):
            pairs.append({"a": a.id, "b": b.id, "kind": f"same site ({source})"})
    for a, b, j in nearest_by_vocabulary(pool, TOP_VOCAB_PAIRS):
        pairs.append({"a": a, "b": b, "kind": "nearest by vocabulary", "word jaccard": j})
    for a, b, _ in nearest_by_shingles(pool, TOP_SHINGLE_PAIRS):
        pairs.append({"a": a, "b": b, "kind": "highest shingle overlap"})
    texts = {o.id: o.text for o in pool}
    for p in pairs:
        p.update(similarity(texts[p["a"]], texts[p["b"]]))
    return pairs


# ---------------------------------------------------------------- corpus on disk


def build_real_corpus(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    pool, pool_stats = copy_free_pool(read_originals(shared_data()))
    print(
        f"eval_dedup: pool of {len(pool)} originals ({time.perf_counter() - t0:.0f}s)",
        file=sys.stderr,
    )
    copies = make_copies(pool, args.per_cell, args.singles, args.copies_per_original, rng)
    pairs = distinct_pairs(pool)
    print(
        f"eval_dedup: {len(copies)} copies, {len(pairs)} distinct pairs "
        f"({time.perf_counter() - t0:.0f}s)",
        file=sys.stderr,
    )
    docs = [
        {
            "id": o.id,
            "text": o.text,
            "metadata": {"url": o.url or f"https://original.example/{o.id}"},
        }
        for o in pool
    ]
    docs += [
        {"id": c["id"], "text": c["text"], "metadata": {"url": f"https://copies.example/{c['id']}"}}
        for c in copies
    ]
    rng.shuffle(docs)
    folder = args.real_out / "corpus"
    if folder.exists():
        for old in corpus_files(folder):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(SHARDS):
        write_jsonl(folder / f"part-{k}.jsonl.gz", docs[k::SHARDS])
    truth: list[dict[str, Any]] = [{"type": "pool", **pool_stats}]
    truth += [{"type": "original", "id": o.id, "source": o.source, "site": o.site} for o in pool]
    truth += [{"type": "copy", **{k: v for k, v in c.items() if k != "text"}} for c in copies]
    truth += [{"type": "pair", **p} for p in pairs]
    write_jsonl(args.real_out / "truth.jsonl.gz", truth)


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- running thresher


def recipe_flags(recipe: str) -> tuple[list[str], str]:
    """(thresher flags, label) for a built-in recipe name or a YAML path."""
    path = Path(recipe)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return ["--config", str(path)], path.stem
    return ["--recipe", recipe], recipe


def run_recipe(args: argparse.Namespace, recipe: str) -> tuple[Path, dict[str, Any]]:
    flags, label = recipe_flags(recipe)
    out = args.real_out / f"run-{label}"
    command = [
        str(REPO_ROOT / ".venv" / "bin" / "python"),
        "-m",
        "thresher",
        "run",
        str(args.real_out / "corpus"),
        "-o",
        str(out),
        *flags,
        "--workers",
        str(args.workers),
        "--force",
        "--no-progress",
    ]
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, {
        "recipe": recipe,
        "run": str(out),
        "wall s": round(wall, 1),
        "cpu s": round(cpu, 1),
    }


# ---------------------------------------------------------------- the recipe's own measure


def recipe_dedup(recipe: str) -> dict[str, Any]:
    """The dedup step settings of a recipe (a YAML path or a built-in name, resolved as the
    CLI resolves them): ngram, within_lines (False where thresher's step has no such
    setting), bands, rows, verify, verify_threshold."""
    from thresher import Recipe

    flags, _ = recipe_flags(recipe)
    loaded = Recipe.load(flags[1]) if flags[0] == "--config" else Recipe.named(recipe)
    steps = [step for step in loaded.steps if step.name == "dedup"]
    if not steps:
        raise SystemExit(f"eval_dedup: recipe {recipe} has no dedup step")
    step = steps[0]
    bands, rows = step.lsh_shape
    return {
        "ngram": step.ngram,
        "within_lines": bool(getattr(step, "within_lines", False)),
        "bands": bands,
        "rows": rows,
        "verify": step.verify,
        "verify_threshold": step.verify_threshold,
    }


def recipe_set(text: str, ngram: int, within_lines: bool) -> set[int]:
    """The shingle set the dedup step makes of `text` (thresher's own functions)."""
    norm = normalized_lines(text) if within_lines else normalized(text)
    return set(recipe_shingles(norm, ngram, within_lines).tolist())


class RecipeJaccard:
    """Exact Jaccard of two documents' shingle sets under a recipe's shingling; sets cached."""

    def __init__(self, texts: dict[str, str], ngram: int, within_lines: bool) -> None:
        self.texts, self.ngram, self.within_lines = texts, ngram, within_lines
        self.cache: dict[str, set[int]] = {}

    def sets(self, doc: str) -> set[int]:
        found = self.cache.get(doc)
        if found is None:
            found = self.cache[doc] = recipe_set(self.texts[doc], self.ngram, self.within_lines)
        return found

    def __call__(self, a: str, b: str) -> float:
        sa, sb = self.sets(a), self.sets(b)
        if not sa and not sb:
            return 1.0
        return round(len(sa & sb) / len(sa | sb), 4)


def removed_similarity(run: Path) -> dict[str, tuple[str, float | None]]:
    """Removed document -> (the document it was removed for, `metadata.duplicate_similarity`
    or None where the run did not record one)."""
    out: dict[str, tuple[str, float | None]] = {}
    folder = run / "rejected"
    if folder.is_dir():
        for path in corpus_files(folder):
            for r in read_jsonl(path):
                meta = r.get("metadata") or {}
                if "duplicate_of" in meta:
                    out[r["id"]] = (meta["duplicate_of"], meta.get("duplicate_similarity"))
    return out


def pair_similarity(
    a: str, b: str, removed: dict[str, tuple[str, float | None]]
) -> tuple[str, float | None]:
    """How the run removed one of a and b: ("own", similarity) where one was removed for
    the other, ("other", similarity) where `a` was removed for a third document, ("", None)
    where `a` was not removed."""
    for doc, other in ((a, b), (b, a)):
        if doc in removed and removed[doc][0] == other:
            return "own", removed[doc][1]
    if a in removed:
        return "other", removed[a][1]
    return "", None


# ---------------------------------------------------------------- measuring


def quantiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p5": None, "max": None, "p99": None, "min": None}
    arr = np.array(values)
    return {
        "median": round(float(np.median(arr)), 4),
        "p5": round(float(np.percentile(arr, 5)), 4),
        "p99": round(float(np.percentile(arr, 99)), 4),
        "max": round(float(arr.max()), 4),
        "min": round(float(arr.min()), 4),
    }


def recall_row(copies: list[dict[str, Any]], target: float | None) -> dict[str, Any]:
    found = [c["found"] for c in copies]
    recall = share(sum(found), len(found))
    row: dict[str, Any] = {"copies": len(found), "found": sum(found), "recall": recall}
    close = [c["found"] for c in copies if c["j5"] >= 0.8]
    row["j5>=0.8"], row["recall j5>=0.8"] = len(close), share(sum(close), len(close))
    if any("edited" in c for c in copies):
        row["edited (mean)"] = round(float(np.mean([c.get("edited", 0) for c in copies])), 4)
    for key in ("j5", "j3", "containment"):
        q = quantiles([c[key] for c in copies])
        row[f"{key} median"], row[f"{key} p5"] = q["median"], q["p5"]
    if all("rJ" in c for c in copies):
        q = quantiles([c["rJ"] for c in copies])
        row["rJ median"], row["rJ p5"], row["rJ min"] = q["median"], q["p5"], q["min"]
        missed = [c["rJ"] for c in copies if not c["found"]]
        row["rJ max missed"] = max(missed) if missed else None
    own = [c for c in copies if c.get("removed") == "own" and c.get("sim") is not None]
    if own:
        row["removed (own)"] = len(own)
        row["sim min"] = min(c["sim"] for c in own)
        diffs = [abs(c["sim"] - c["rJ"]) for c in own if "rJ" in c]
        row["sim = rJ"] = sum(d <= 5e-4 for d in diffs)
        row["sim-rJ max diff"] = round(max(diffs), 4) if diffs else None
    row["target"] = target
    row["met"] = None if target is None or recall is None else recall >= target
    return row


def cell_name(c: dict[str, Any]) -> str:
    return c["kind"] if c["rate"] is None else f"{c['kind']} {c['rate']:.1%}"


def recall_tables(copies: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    by_cell: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_op: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in copies:
        by_cell[cell_name(c)].append(c)
        if c["kind"] == "edit":
            by_op[f"{c['op']} {c['shape']} {c['rate']:.1%}"].append(c)
            by_op[f"{c['op']} {c['shape']} all rates"].append(c)
    kinds = {}
    order = [cell_name({"kind": kind, "rate": rate}) for kind, rate in cells()]
    for name in sorted(by_cell, key=order.index):
        group = by_cell[name]
        rate = group[0]["rate"]
        if group[0]["kind"] == "edit":
            target = (
                TARGETS["edit<=4%"]
                if rate <= 0.04
                else TARGETS["edit 5%"]
                if rate <= TARGET_RATE_MAX
                else None
            )
        else:
            target = TARGETS.get(group[0]["kind"])
        kinds[name] = recall_row(group, target)
    ops = {name: recall_row(by_op[name], None) for name in sorted(by_op, key=op_order)}
    return kinds, ops


def op_order(name: str) -> tuple[int, int, float]:
    op, shape, rate = name.split(" ", 2)
    return (
        EDIT_OPS.index(op),
        EDIT_SHAPES.index(shape),
        9.0 if rate == "all rates" else float(rate.rstrip("%")),
    )


def pair_precision(pairs: list[dict[str, Any]], cluster: dict[str, str]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in pairs:
        p["joined"] = joined(cluster, p["a"], p["b"])
        groups[p["kind"]].append(p)
        groups["all"].append(p)
    out = {}
    for kind, group in sorted(groups.items(), key=lambda kv: kv[0] == "all"):
        apart = sum(not p["joined"] for p in group)
        row: dict[str, Any] = {"pairs": len(group), "joined": len(group) - apart}
        row["precision"] = share(apart, len(group))
        for key in ("rJ", "j5", "j3"):
            if all(key in p for p in group):
                q = quantiles([p[key] for p in group])
                row[f"{key} max"], row[f"{key} p99"] = q["max"], q["p99"]
        row["target"] = TARGETS["pairs precision"]
        row["met"] = row["precision"] is not None and row["precision"] >= row["target"]
        out[kind] = row
    return out


def singles_removed(
    originals: list[str], copies: list[dict[str, Any]], removed: list[tuple[str, str, str]]
) -> dict[str, Any]:
    with_copy = {c["of"] for c in copies}
    singles = [o for o in originals if o not in with_copy]
    gone = {d: (k, r) for d, k, r in removed}
    lost = [
        {"id": s, "duplicate_of": gone[s][0], "reason": gone[s][1]} for s in singles if s in gone
    ]
    rate = share(len(lost), len(singles))
    return {
        "singles": len(singles),
        "removed": len(lost),
        "share removed": rate,
        "target": TARGETS["singles removed"],
        "met": rate is not None and rate <= TARGETS["singles removed"],
        "list": lost,
    }


def foreign_joins(
    originals: list[str], copies: list[dict[str, Any]], cluster: dict[str, str]
) -> dict[str, Any]:
    """Originals in one thresher cluster with a document that is neither themselves nor a
    copy of them (another original, or a copy of another original)."""
    origin = {c["id"]: c["of"] for c in copies} | {o: o for o in originals}
    members = members_of(cluster)
    wrong = []
    for o in originals:
        label = cluster.get(o)
        others = [d for d in members.get(label, []) if origin[d] != o] if label else []
        if others:
            wrong.append({"id": o, "joined to": others[:10]})
    rate = share(len(wrong), len(originals))
    return {
        "originals": len(originals),
        "joined to a foreign document": len(wrong),
        "share": rate,
        "target": TARGETS["singles removed"],
        "met": rate is not None and rate <= TARGETS["singles removed"],
        "list": wrong,
    }


def margin(kinds: dict[str, Any], pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """The lowest recipe J of a copy in a cell with a target, the highest of a distinct pair."""
    lows = [(row["rJ min"], name) for name, row in kinds.items() if row["target"] is not None]
    low = min(lows) if lows else (None, None)
    high = max(pairs, key=lambda p: p["rJ"]) if pairs else None
    return {
        "lowest copy rJ (kinds with a target)": low[0],
        "in": low[1],
        "highest distinct-pair rJ": high["rJ"] if high else None,
        "pair": [high["a"], high["b"], high["kind"]] if high else None,
    }


def evaluate_real(
    args: argparse.Namespace,
    run: Path,
    timing: dict[str, Any],
    texts: dict[str, str],
    settings: dict[str, Any],
) -> dict[str, Any]:
    records = list(read_jsonl(args.real_out / "truth.jsonl.gz"))
    originals = [r["id"] for r in records if r["type"] == "original"]
    copies = [r for r in records if r["type"] == "copy"]
    pairs = [r for r in records if r["type"] == "pair"]
    cluster, removed = thresher_clusters(run)
    similar = removed_similarity(run)
    rj = RecipeJaccard(texts, settings["ngram"], settings["within_lines"])
    for c in copies:
        c["found"] = joined(cluster, c["id"], c["of"])
        c["rJ"] = rj(c["id"], c["of"])
        c["removed"], c["sim"] = pair_similarity(c["id"], c["of"], similar)
    for p in pairs:
        p["rJ"] = rj(p["a"], p["b"])
    unique = {(p["a"], p["b"]): p for p in pairs}  # a pair listed under several kinds: once
    highest = sorted(unique.values(), key=lambda p: -p["rJ"])[:5]
    missed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in copies:
        if not c["found"] and len(missed[cell_name(c)]) < 10:
            missed[cell_name(c)].append(c)
    documents = len(originals) + len(copies)
    kinds, ops = recall_tables(copies)
    edits = [c for c in copies if c["kind"] == "edit"]
    kinds_margin = margin(kinds, pairs)
    result = {
        **timing,
        "dedup settings": settings,
        "documents": documents,
        "docs per cpu s": round(documents / timing["cpu s"], 1) if timing.get("cpu s") else None,
        "removed": dict(Counter(r for _, _, r in removed)),
        "pool": next(r for r in records if r["type"] == "pool"),
        "recall": kinds,
        "recall edit <= 4%": recall_row(
            [c for c in edits if c["rate"] <= 0.04], TARGETS["edit<=4%"]
        ),
        "recall by op and shape": ops,
        "pair precision": pair_precision(pairs, cluster),
        "margin": kinds_margin,
        "highest distinct pairs by recipe J": [
            {k: p[k] for k in ("a", "b", "kind", "rJ", "j5", "j3")} for p in highest
        ],
        "singles removed": singles_removed(originals, copies, removed),
        "foreign joins": foreign_joins(originals, copies, cluster),
        "missed copies (up to 10 per cell)": [
            {
                k: c[k]
                for k in ("id", "of", "kind", "rate", "op", "shape", "rJ", "j5", "j3")
                if k in c
            }
            for group in missed.values()
            for c in group
        ],
        "joined pairs": [p for p in pairs if p["joined"]][:100],
    }
    return result


# ---------------------------------------------------------------- report


def real_report(result: dict[str, Any]) -> str:
    pool = result["pool"]["counts"]
    st = result["dedup settings"]
    head = (
        f"## thresher dedup on copies of real texts: recipe `{result['recipe']}` ({result['run']})"
    )
    parts = [head, ""]
    parts += [
        f"dedup step: ngram {st['ngram']}, within_lines {st['within_lines']}, "
        f"{st['bands']} bands x {st['rows']} rows, verify {st['verify']} at "
        f"{st['verify_threshold']}. rJ: exact Jaccard of the shingle sets as this recipe makes "
        "them (thresher's normalized[_lines] + shingles).",
        "",
        f"{result['documents']} documents; thresher took {result['wall s']} s wall, "
        f"{result['cpu s']} s CPU ({result['docs per cpu s']} documents per CPU-second); "
        f"removed: {result['removed']}.",
        "",
        "Pool of originals: " + ", ".join(f"{k}: {v}" for k, v in pool.items()) + ".",
        "",
        "Recall (a copy is found when it is in one thresher cluster with its original); "
        "rJ median/p5/min: recipe Jaccard of copy and original; rJ max missed: the highest "
        "rJ of a copy not found; sim min: the lowest `duplicate_similarity` of a copy removed "
        "for its own original (or the original for its copy), `removed (own)` such pairs, "
        "`sim = rJ` those where it equals rJ (to 5e-4); j5: cross-line 5-word Jaccard:",
        "",
    ]
    cols = ["copies", "found", "recall", "target", "met", "edited (mean)"]
    cols += ["rJ median", "rJ p5", "rJ min", "rJ max missed"]
    cols += ["removed (own)", "sim min", "sim = rJ", "sim-rJ max diff", "j5 median"]
    rows = {**result["recall"], "edit <=4% (all)": result["recall edit <= 4%"]}
    parts += [md_table(rows, cols, "copy kind"), ""]
    parts += ["Recall of edit copies by operation, shape and rate:", ""]
    ops = result["recall by op and shape"]
    ocols = ["copies", "found", "recall", "edited (mean)", "rJ median", "rJ min", "j5 median"]
    parts += [md_table(ops, ocols, "edit"), ""]
    parts += ["Precision on pairs of distinct originals (share the run did not join):", ""]
    pcols = ["pairs", "joined", "precision", "target", "met", "rJ max", "rJ p99"]
    pcols += ["j5 max", "j3 max"]
    parts += [md_table(result["pair precision"], pcols, "pair kind"), ""]
    m = result["margin"]
    parts += [
        f"margin: lowest copy J (kinds with a target) = {m['lowest copy rJ (kinds with a target)']}"
        f" ({m['in']}); highest distinct-pair J = {m['highest distinct-pair rJ']}"
        f" ({' / '.join(m['pair'] or [])}); verify_threshold = {st['verify_threshold']}",
        "",
    ]
    singles = result["singles removed"]
    parts += ["Single documents (originals with no copy) removed as duplicates:", ""]
    parts += [
        md_table({"singles": singles}, ["singles", "removed", "share removed", "target", "met"], "")
    ]
    parts += ["", "All originals: in one cluster with a document that is not a copy of them:", ""]
    fcols = ["originals", "joined to a foreign document", "share", "target", "met"]
    parts += [md_table({"originals": result["foreign joins"]}, fcols, "")]
    return "\n".join(parts)


def pool_report(pool: dict[str, Any]) -> str:
    """The pairs the pool cleanup dropped (5-shingle containment >= 0.5)."""
    dropped = pool.get("near repeats dropped") or []
    rows = {f"{d['dropped']} / {d['kept']}": d for d in dropped}
    cols = ["dropped source", "kept source", "dropped words", "kept words", "containment"]
    cols += ["j3", "j3 within lines"]
    return "\n".join(
        [
            "Pool cleanup: texts dropped for 5-shingle containment >= 0.5 with a kept text "
            "(j3: 3-word Jaccard across lines; j3 within lines: as the default dedup recipe):",
            "",
            md_table(rows, cols, "dropped / kept"),
        ]
    )


def main_real(args: argparse.Namespace) -> int:
    if not args.reuse_corpus or not (args.real_out / "truth.jsonl.gz").is_file():
        build_real_corpus(args)
    texts = load_texts(args.real_out / "corpus")
    pool = next(r for r in read_jsonl(args.real_out / "truth.jsonl.gz") if r["type"] == "pool")
    print(pool_report(pool) + "\n", flush=True)
    results = []
    for recipe in args.recipe or ["dedup"]:
        settings = recipe_dedup(recipe)
        run, timing = run_recipe(args, recipe)
        result = evaluate_real(args, run, timing, texts, settings)
        results.append(result)
        print(real_report(result) + "\n", flush=True)
    json_path = args.json or args.real_out / "eval.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(
        json.dumps(
            {
                "seed": args.seed,
                "args": {k: str(v) for k, v in vars(args).items()},
                "runs": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"eval_dedup: wrote {json_path}", file=sys.stderr)
    return 0


# ================================================================ command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--generated",
        action="store_true",
        help="evaluate on the generated benchmark corpus (bench/out/corpus) instead",
    )
    p.add_argument("--corpus", type=Path, default=OUT / "corpus", help="generated mode")
    p.add_argument("--truth", type=Path, help="generated mode; default: CORPUS.truth.jsonl.gz")
    p.add_argument(
        "--run", type=Path, help="generated mode: an existing thresher run folder (no new run)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=OUT / "dedup-eval" / "run",
        help="generated mode: where to run thresher when --run is not given",
    )
    p.add_argument("--thresher", type=Path, default=REPO_ROOT / ".venv" / "bin" / "thresher")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--pairs",
        type=int,
        default=20_000,
        help="generated mode: at most this many joined pairs (seeded sample) get their Jaccard",
    )
    p.add_argument(
        "--brute",
        type=int,
        default=3000,
        help="generated mode: random documents searched against all (0: skip)",
    )
    p.add_argument("--seed", type=int, default=4)
    p.add_argument(
        "--json",
        type=Path,
        help="default: bench/out/dedup-eval.json (generated), bench/out/dedup-real/eval.json",
    )
    p.add_argument(
        "--recipe",
        action="append",
        help="real-text mode: a built-in recipe name or a YAML path (repeatable; default dedup)",
    )
    p.add_argument(
        "--per-cell",
        type=int,
        help="real-text mode: copies per (kind, rate) cell (default: as many as the pool allows)",
    )
    p.add_argument(
        "--copies-per-original",
        type=int,
        default=1,
        help="real-text mode: at most this many copies of one original (default 1)",
    )
    p.add_argument(
        "--reuse-corpus",
        action="store_true",
        help="real-text mode: reuse bench/out/dedup-real/corpus and truth.jsonl.gz",
    )
    p.add_argument(
        "--singles",
        type=float,
        default=0.25,
        help="real-text mode: share of the originals that get no copy (seeded)",
    )
    p.add_argument("--real-out", type=Path, default=REAL_OUT, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.truth = args.truth or args.corpus.with_name(args.corpus.name + ".truth.jsonl.gz")
    return args


def main_generated(args: argparse.Namespace) -> int:
    if args.run is None:
        run_thresher(args.thresher, args.corpus, args.out, args.workers)
        args.run = args.out
    args.json = args.json or OUT / "dedup-eval.json"
    result = evaluate(args)
    print(report(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\neval_dedup: wrote {args.json}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.generated or args.run is not None:
        return main_generated(args)
    return main_real(args)


if __name__ == "__main__":
    sys.exit(main())
