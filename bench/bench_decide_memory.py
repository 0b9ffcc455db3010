#!/usr/bin/env python3
"""Memory and time of the dedup step's `decide` from 100k to 10M documents (issue 18).

For each size, synthetic chunk key folders are written in the very format `Dedup.collect`
writes (thresher's own `save_part`: meta.jsonl, keys.npz with id_hash / exact / bands /
priority, signatures.npy, shingles.npy, offsets.npy; plus documents.npy), 2,000 documents a
folder (the default `records_per_chunk`), 22 bands x 5 rows. Then a fresh child process calls
`Dedup().decide(folders, None)` (no index) on them: the real path, from `load_keys` through
`cluster` (union-find, spilled band partitions, exact-Jaccard stars) to the decisions files.
The child reports its peak RSS (`ru_maxrss`) and, per stage (wrapped, not changed), seconds
and VmRSS / VmHWM at the stage's end; the parent samples the child's PSS every 0.1 s
(/proc/PID/smaps_rollup).

Synthetic keys (what decide sees; no text): per document a random 64-bit id hash, exact hash,
band keys, signature and shingle set (50-200 uint32 values). 5% of the documents are exact
copies of a unique document (every key equal), 5% near copies of another unique document
(80% with Jaccard 0.72-0.95 to it, removed; 20% with 0.40-0.65, candidates that verification
keeps apart), sharing each band with probability J^5 (at least one) and each signature
position with probability J; and one large cluster per 20,000 documents, 10-1,000 members
(log-uniform) that are near copies (J 0.72-0.95) of one centre. The rest are unique.

    nice -n 19 .venv/bin/python bench/bench_decide_memory.py --sizes 100000 300000 1000000

`--keep` leaves the key folders (and their decisions files) in place; `--reuse` then decides on
them again without writing them (same size and seed): before / after a change, on the same
folders, and the decisions files compared.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

BANDS, ROWS = 22, 5
PERMUTATIONS = BANDS * ROWS
PER_FOLDER = 2000
OUT = Path("bench/out/decide-memory")
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, elementwise (uint64 wraps)."""
    x = values.astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: np.ndarray = x ^ (x >> np.uint64(31))
    return out


def value(doc: np.ndarray, column: np.ndarray, stream: int) -> np.ndarray:
    """A random-looking uint64 for (document, column, stream), recomputable for any document:
    a copy takes its source's values without the source being in memory."""
    salt = np.uint64((stream * 0xD6E8FEB86659FD93) % 2**64)
    base = mix(doc.astype(np.uint64) ^ salt)
    return mix(base + (column.astype(np.uint64) + np.uint64(1)) * GOLDEN)


# ---------------------------------------------------------------------------- structure


def structure(n: int, seed: int, share: float = 0.1) -> dict[str, Any]:
    """Per document: kind (0 unique, 1 exact copy, 2 near copy), source row, Jaccard to it.
    `share`: the documents that are copies of another (half exact, half near; the large
    clusters scale with it: one per 20,000 documents at 0.1)."""
    rng = np.random.default_rng(seed)
    kind = np.zeros(n, np.int8)
    source = np.arange(n, dtype=np.int64)
    jac = np.ones(n)
    perm = rng.permutation(n)
    used = 0
    big = max(1, round(n * share / 2_000)) if share else 0
    sizes = np.exp(rng.uniform(np.log(10), np.log(1000), big)).round().astype(np.int64)
    for size in sizes.tolist():
        centre, members = perm[used], perm[used + 1 : used + size]
        used += size
        kind[members], source[members] = 2, centre
        jac[members] = rng.uniform(0.72, 0.95, len(members))
    n_exact = n_near = round(n * share / 2)
    copies = perm[used : used + n_exact + n_near]
    sources = perm[used + n_exact + n_near : used + 2 * (n_exact + n_near)]  # unique documents
    kind[copies[:n_exact]] = 1
    kind[copies[n_exact:]] = 2
    source[copies] = sources
    near = copies[n_exact:]
    far = rng.random(len(near)) < 0.2
    jac[near] = np.where(
        far, rng.uniform(0.40, 0.65, len(near)), rng.uniform(0.72, 0.95, len(near))
    )
    return {
        "kind": kind,
        "source": source,
        "jaccard": jac,
        "large_clusters": int(big),
        "large_cluster_members": int(sizes.sum()),
        "exact_copies": int(n_exact),
        "near_copies": int(n_near),
        "near_copies_below_0_7": int(far.sum()),
    }


def set_size(doc: np.ndarray) -> np.ndarray:
    return (np.uint64(50) + value(doc, np.zeros(len(doc), np.uint64), 5) % np.uint64(151)).astype(
        np.int64
    )


def write_folder(folder: Path, lo: int, hi: int, plan: dict[str, Any]) -> None:
    from thresher.dedup.index import PartArrays, save_part
    from thresher.dedup.step import DOCS_FILE

    doc = np.arange(lo, hi, dtype=np.int64)
    kind, src, jac = plan["kind"][lo:hi], plan["source"][lo:hi], plan["jaccard"][lo:hi]
    n = hi - lo
    exact_copy, near_copy = kind == 1, kind == 2
    # who each column's value comes from: the document itself, or its source
    owner_of = np.where(exact_copy, src, doc)
    cols2 = np.arange(2, dtype=np.uint64)[None, :]
    exact = value(owner_of[:, None], cols2, 2)
    bcols = np.arange(BANDS, dtype=np.uint64)[None, :]
    u = (value(doc[:, None], bcols, 9) >> np.uint64(11)).astype(np.float64) / 2.0**53
    share = exact_copy[:, None] | (near_copy[:, None] & (u < jac[:, None] ** ROWS))
    forced = (value(doc, np.zeros(n, np.uint64), 10) % np.uint64(BANDS)).astype(np.int64)
    share[near_copy, forced[near_copy]] = True  # a candidate: at least one band in common
    bands = np.where(share, value(src[:, None], bcols, 3), value(doc[:, None], bcols, 3))
    scols = np.arange(PERMUTATIONS, dtype=np.uint64)[None, :]
    us = (value(doc[:, None], scols, 11) >> np.uint64(11)).astype(np.float64) / 2.0**53
    sshare = exact_copy[:, None] | (near_copy[:, None] & (us < jac[:, None]))
    signatures = np.where(sshare, value(src[:, None], scols, 4), value(doc[:, None], scols, 4))
    signatures = (signatures & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    # shingle sets: a near copy keeps k of its source's m values and adds m - k of its own,
    # so that Jaccard = k / (2m - k) = J
    m = np.where(kind == 0, set_size(doc), set_size(src))
    k = np.where(
        exact_copy, m, np.where(near_copy, np.round(2 * jac * m / (1 + jac)).astype(np.int64), 0)
    )
    slot_doc = np.repeat(np.arange(n), m)
    starts = np.cumsum(m) - m
    slot = np.arange(m.sum()) - np.repeat(starts, m)
    owner = np.where(slot < k[slot_doc], src[slot_doc], doc[slot_doc])
    flat = (value(owner, slot.astype(np.uint64), 6) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    order = np.lexsort((flat, slot_doc))
    flat, slot_doc = flat[order], slot_doc[order]
    keep = np.ones(len(flat), bool)
    keep[1:] = (flat[1:] != flat[:-1]) | (slot_doc[1:] != slot_doc[:-1])
    flat, slot_doc = flat[keep], slot_doc[keep]
    offsets = np.r_[0, np.cumsum(np.bincount(slot_doc, minlength=n))].astype(np.int64)
    days = (np.uint64(730_000) + value(doc, np.zeros(n, np.uint64), 7) % np.uint64(5000)).astype(
        np.float64
    )
    ids = [f"doc-{d}" for d in range(lo, hi)]
    part = PartArrays(
        ids=ids,
        urls=[f"https://site{d % 997}.example/page/{d}" for d in range(lo, hi)],
        id_hash=value(doc, np.zeros(n, np.uint64), 1),
        exact=exact,
        bands=bands,
        priority=days,
        signatures=signatures,
        shingles=flat,
        offsets=offsets,
    )
    save_part(folder, part)
    np.save(folder / DOCS_FILE, value(doc, np.zeros(n, np.uint64), 8).view(np.int64))


def generate(
    root: Path, n: int, seed: int, reuse: bool = False, share: float = 0.1
) -> dict[str, Any]:
    saved = root / "info.json"
    if reuse and saved.is_file():
        info: dict[str, Any] = json.loads(saved.read_text())
        same = info.get("documents") == n and info.get("seed") == seed
        if same and info.get("share", 0.1) == share:
            return info
    if root.exists():
        shutil.rmtree(root)
    start = time.perf_counter()
    plan = structure(n, seed, share)
    for number, lo in enumerate(range(0, n, PER_FOLDER)):
        write_folder(root / f"keys-{number:06d}", lo, min(n, lo + PER_FOLDER), plan)
    info = {k: v for k, v in plan.items() if not isinstance(v, np.ndarray)}
    info["seconds"] = round(time.perf_counter() - start, 1)
    info["bytes_on_disk"] = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    saved.write_text(json.dumps({**info, "documents": n, "seed": seed, "share": share}))
    return info


# ---------------------------------------------------------------------------- child


def _status() -> dict[str, int]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line.split(":")[0]] = int(line.split()[1]) // 1024
    return found


def child(root: Path) -> None:
    import thresher.dedup.clusters as clusters
    import thresher.dedup.step as step

    stages: list[dict[str, Any]] = []

    def timed(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0, c0 = time.perf_counter(), time.process_time()
            result = original(*args, **kwargs)
            stages.append(
                {
                    "stage": name,
                    "s": round(time.perf_counter() - t0, 2),
                    "cpu_s": round(time.process_time() - c0, 2),
                    **_status(),
                }
            )
            return result

        setattr(module, name, wrapper)

    # the stages of this version and of the one before (a --reuse run of older sources)
    for name in ("_join_groups", "_join_bands", "_candidate_groups", "_stars", "_keepers"):
        if hasattr(clusters, name):
            timed(clusters, name)
    timed(step, "cluster")
    timed(step, "_names_of")
    timed(step, "_members")
    roots = clusters.UnionFind.roots

    def roots_timed(self: Any) -> np.ndarray:
        t0 = time.perf_counter()
        result = roots(self)
        stages.append({"stage": "UnionFind.roots", "s": round(time.perf_counter() - t0, 2)})
        stages[-1].update(_status())
        return result

    clusters.UnionFind.roots = roots_timed  # type: ignore[method-assign]
    folders = sorted(p for p in root.iterdir() if p.name.startswith("keys-"))
    before = _status()
    t0, c0 = time.perf_counter(), time.process_time()
    report = step.Dedup().decide(folders, None)
    result = {
        "seconds": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - c0, 2),
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mib": before.get("VmRSS"),
        "stages": stages,
        "clusters": report["clusters"],
        "removed": report["removed"],
        "largest": report["largest_clusters"][0]["cluster_size"]
        if report["largest_clusters"]
        else 0,
    }
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------------------- parent


def pss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(root: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(root)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            value = pss_mib(proc.pid)
            if value is not None:
                peak[0] = max(peak[0], value)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}) on {root}")
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT ") :])
    result["peak_pss_mib"] = round(peak[0], 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--duplicates",
        type=float,
        default=0.1,
        help="share of the documents that are copies of another (default 0.1)",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--keep", action="store_true", help="keep the key folders")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="decide on the key folders a --keep run left (same size and seed) without"
        " writing them again",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        root = args.out / f"n{n}"
        info = generate(root, n, args.seed, args.reuse, args.duplicates)
        print(
            f"# {n:,} documents ready ({info['seconds']} s to write)", file=sys.stderr, flush=True
        )
        result = measure(root)
        result.update(documents=n, data=info)
        rss = result["ru_maxrss_mib"]
        result["bytes_per_doc_rss"] = round(rss * 2**20 / n, 1)
        result["bytes_per_doc_pss"] = round(result["peak_pss_mib"] * 2**20 / n, 1)
        above = rss - (result["rss_before_mib"] or 0)
        result["bytes_per_doc_rss_above_start"] = round(above * 2**20 / n, 1)
        print(json.dumps(result), flush=True)
        with (args.out / "results.jsonl").open("a") as out:
            out.write(json.dumps(result) + "\n")
        if not args.keep and not args.reuse:
            shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
