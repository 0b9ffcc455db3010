#!/usr/bin/env python3
"""Precision and recall of thresher's duplicate pairs on the benchmark corpus.

Runs `thresher run CORPUS -o RUN --recipe dedup --workers N --force` (or, with --run, reads an
existing run folder), then measures thresher's clusters two ways:

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

    .venv/bin/python bench/eval_dedup.py                          # run thresher, then evaluate
    .venv/bin/python bench/eval_dedup.py --run bench/out/compare-dedup/thresher-100k
    .venv/bin/python bench/eval_dedup.py --run RUN --brute 0      # skip the brute-force search
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from thresher.dedup.minhash import MinHasher, shingle_hashes, tokens

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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=OUT / "corpus")
    p.add_argument("--truth", type=Path, help="default: CORPUS.truth.jsonl.gz")
    p.add_argument("--run", type=Path, help="an existing thresher run folder (no new run)")
    p.add_argument(
        "--out",
        type=Path,
        default=OUT / "dedup-eval" / "run",
        help="where to run thresher when --run is not given",
    )
    p.add_argument("--thresher", type=Path, default=REPO_ROOT / ".venv" / "bin" / "thresher")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--pairs",
        type=int,
        default=20_000,
        help="at most this many joined pairs (seeded sample) get their Jaccard",
    )
    p.add_argument(
        "--brute", type=int, default=3000, help="random documents searched against all (0: skip)"
    )
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--json", type=Path, default=OUT / "dedup-eval.json")
    args = p.parse_args(argv)
    args.truth = args.truth or args.corpus.with_name(args.corpus.name + ".truth.jsonl.gz")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.run is None:
        run_thresher(args.thresher, args.corpus, args.out, args.workers)
        args.run = args.out
    result = evaluate(args)
    print(report(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\neval_dedup: wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
