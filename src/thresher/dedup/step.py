"""The `dedup` step: exact and MinHash-LSH near-duplicate removal over the whole corpus, with
clusters, provenance and an index that later runs reuse."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import xxhash

from thresher.dedup.clusters import SHINGLE_DTYPE, VERIFY, Clusters, KeyParts, Keys, cluster
from thresher.dedup.index import (
    DedupIndex,
    PartArrays,
    forget_run,
    load_keys,
    load_meta,
    load_part,
    part_rows,
    save_part,
)
from thresher.dedup.minhash import (
    EMPTY,
    KEYS_VERSION,
    MinHasher,
    exact_key,
    lsh_params,
    normalized,
    normalized_lines,
    shingle_sets,
    shingles_of,
)
from thresher.document import DATE, URL, Document
from thresher.steps import KEEP, CorpusStep, DocumentKeys, Drop, Verdict, register, require

POLICIES = ("earliest", "newest", "longest", "quality", "first")
EXACT_DUPLICATE = "exact-duplicate"
NEAR_DUPLICATE = "near-duplicate"
CLUSTER = "cluster"
CLUSTER_SIZE = "cluster_size"
DUPLICATE_OF = "duplicate_of"
DUPLICATES = "duplicates"
SIMILARITY = "duplicate_similarity"
DOCS_FILE = "documents.npy"  # each row's `document_key`
DECISIONS_FILE = "decisions.jsonl"
REPORT_CLUSTERS = 20
NEAR_BATCH_BYTES = 1 << 20  # normalised text whose near-duplicate keys are computed together
# and at most this many documents (a batch's arrays hold a row of signature per document:
# a megabyte of one-word documents would be a million rows)
NEAR_BATCH_DOCS = 1024


@register
@dataclass(frozen=True, kw_only=True)
class Dedup(CorpusStep):
    """Remove exact and near-duplicate documents, keeping one copy of each cluster. A removed
    near copy's `metadata.duplicate_similarity` is the similarity verified against the kept one.

    Parameters:
        exact: group documents whose normalised text (case, spacing, punctuation and digits
            folded) has the same 128-bit hash.
        near: group documents by MinHash LSH over word `ngram`-shingles.
        ngram: words per shingle.
        within_lines: shingles do not span a line break (each line is fenced by marker
            words), so that a copy with its paragraphs in another order has the same shingles;
            false takes them across lines, as FineWeb does.
        bands, rows: the LSH shape; ignored when `threshold` is set. 22 x 5 finds a pair of
            Jaccard 0.7 with probability 0.98 and of 0.75 with 0.997 (FineWeb's 14 x 8: 0.56
            and 0.77).
        threshold: when above 0, bands and rows are chosen for this Jaccard similarity from
            the same number of permutations (`bands * rows`).
        seed: seeds the permutations; an index only compares with the same seed.
        verify: how candidates (documents sharing an LSH bucket, or linked through others that
            do) are confirmed: "exact" (Jaccard of their shingle sets), "estimate" (share of
            equal signature positions) or "none" (every candidate group is a cluster). With a
            check, each cluster is a star: every removed copy resembles the kept document
            itself by at least `verify_threshold`, never only through a chain of others.
        verify_threshold: the similarity a copy needs to the kept document. The defaults (word
            3-grams within lines, 0.7) remove the same text with up to about 5% of its words
            changed; the strict setting of earlier versions is `ngram` 5, `within_lines` false,
            14 x 8 and 0.8 (copies with more than about 2% of their words changed stay).
        keep: which copy a cluster keeps: "earliest" (`metadata.date`), "newest", "longest"
            (text), "quality" (the highest `metadata.signals[quality_signal]`) or "first" (input
            order). Ties go to the smallest hash of the document id. Documents already in an
            index are kept over new ones: they were published by an earlier run.
        quality_signal: the signal `keep: quality` reads.
        max_listed: at most this many removed copies are listed on the kept document.
    """

    name = "dedup"
    exact: bool = True
    near: bool = True
    ngram: int = 3
    within_lines: bool = True
    bands: int = 22
    rows: int = 5
    threshold: float = 0.0
    seed: int = 1
    verify: str = "exact"
    verify_threshold: float = 0.7
    keep: str = "earliest"
    quality_signal: str = ""
    max_listed: int = 100

    def __post_init__(self) -> None:
        require(self.exact or self.near, self.name, "exact/near", "true for one of them", False)
        require(self.ngram >= 1, self.name, "ngram", ">= 1", self.ngram)
        require(self.bands >= 1, self.name, "bands", ">= 1", self.bands)
        require(self.rows >= 1, self.name, "rows", ">= 1", self.rows)
        require(0 <= self.threshold < 1, self.name, "threshold", "in [0, 1)", self.threshold)
        require(
            self.verify in VERIFY, self.name, "verify", f"one of {', '.join(VERIFY)}", self.verify
        )
        require(
            0 <= self.verify_threshold <= 1,
            self.name,
            "verify_threshold",
            "in [0, 1]",
            self.verify_threshold,
        )
        require(
            self.keep in POLICIES, self.name, "keep", f"one of {', '.join(POLICIES)}", self.keep
        )
        require(
            self.keep != "quality" or bool(self.quality_signal),
            self.name,
            "quality_signal",
            "a signal name when keep is 'quality'",
            self.quality_signal,
        )
        require(self.max_listed >= 0, self.name, "max_listed", ">= 0", self.max_listed)

    @property
    def lsh_shape(self) -> tuple[int, int]:
        if self.threshold > 0:
            return lsh_params(self.threshold, self.bands * self.rows)
        return self.bands, self.rows

    @property
    def _hasher(self) -> MinHasher:
        bands, rows = self.lsh_shape
        return _minhasher(bands, rows, self.seed)

    @property
    def similarity_measure(self) -> str:
        """What `duplicate_similarity` measures, in words."""
        if self.verify == "estimate":
            return f"estimated Jaccard of word {self.ngram}-gram sets"
        return f"Jaccard of word {self.ngram}-gram sets"

    def settings(self) -> dict[str, Any]:
        """What the keys depend on: an index only mixes with keys made the same way."""
        bands, rows = self.lsh_shape
        settings: dict[str, Any] = {
            "keys": KEYS_VERSION,
            "ngram": self.ngram,
            "bands": bands,
            "rows": rows,
            "seed": self.seed,
        }
        if self.within_lines:  # absent otherwise: indexes made before the setting still mix
            settings["within_lines"] = True
        if not self.near:  # an index without band keys does not mix with one that has them
            settings["near"] = False
        return settings

    # ------------------------------------------------------------------ collect

    def collect(self, docs: Iterable[Document], folder: Path, order: int = 0) -> Iterator[Document]:
        folder.mkdir(parents=True, exist_ok=True)
        doc_keys: list[int] = []
        key_of = DocumentKeys()
        ids: list[str] = []
        urls: list[str] = []
        exact: list[tuple[int, int]] = []
        priority: list[float] = []
        keys = _NearKeys(self)
        for row, doc in enumerate(docs):
            if doc.rejection is None:
                doc_keys.append(key_of(doc))
                norm = normalized_lines(doc.text) if self.within_lines else normalized(doc.text)
                ids.append(doc.id)
                urls.append(str(doc.metadata.get(URL) or ""))
                exact.append(exact_key(norm.replace(b"\n", b" ")))
                keys.add(norm)
                priority.append(self._priority(doc, order * 2**20 + row))
            yield doc
        np.save(folder / DOCS_FILE, np.asarray(doc_keys, np.int64))
        signatures, sets, sizes = keys.arrays()
        save_part(folder, self._part(ids, urls, exact, signatures, sets, sizes, priority))

    def _part(
        self,
        ids: list[str],
        urls: list[str],
        exact: list[tuple[int, int]],
        signatures: np.ndarray,
        sets: np.ndarray,
        sizes: np.ndarray,
        priority: list[float],
    ) -> PartArrays:
        hasher = self._hasher
        bands = hasher.band_keys(signatures) if self.near else np.zeros((len(ids), 0), np.uint64)
        offsets = np.zeros(len(sizes) + 1, np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return PartArrays(
            ids=ids,
            urls=urls,
            id_hash=np.fromiter((xxhash.xxh3_64_intdigest(i.encode()) for i in ids), np.uint64),
            exact=np.asarray(exact, np.uint64).reshape(-1, 2),
            bands=bands,
            priority=np.asarray(priority, np.float64),
            signatures=signatures,
            shingles=sets,
            offsets=offsets,
        )

    def _priority(self, doc: Document, order: int) -> float:
        """The keep policy as one number, smallest kept; unknown values sort last."""
        if self.keep == "longest":
            return -float(len(doc.text))
        if self.keep == "first":
            return float(order)
        if self.keep == "quality":
            signals = doc.metadata.get("signals") or {}
            value = signals.get(self.quality_signal) if isinstance(signals, dict) else None
            if isinstance(value, int | float) and math.isfinite(value):
                return -float(value)
            return math.inf
        day = _day(doc.metadata.get(DATE))
        if day is None:
            return math.inf
        return float(day) if self.keep == "earliest" else -float(day)

    # ------------------------------------------------------------------ decide

    def state_folder(self, index: Path) -> Path:
        return index  # the index folder itself, as before other corpus steps existed

    @classmethod
    def forget(cls, state: Path, run_id: str) -> int:
        return forget_run(state, run_id)

    def check(self, state: Path) -> None:
        """Refuse an index made with other settings, or damaged, before any record is read."""
        DedupIndex(state, self.settings()).check()

    def decide(self, folders: list[Path], state: Path | None, run_id: str = "") -> dict[str, Any]:
        index = DedupIndex(state, self.settings()) if state is not None else None
        # what this very run added (a resumed run whose commit began) is not an earlier copy
        old = list(index.parts(besides=run_id)) if index else []
        parts = _key_parts(old, folders, self._hasher.bands if self.near else 0)
        found = cluster(
            parts,
            exact=self.exact,
            near=self.near,
            verify=self.verify,
            threshold=self.verify_threshold,
            spill=folders[0].parent if folders else None,  # the run's work folder
        )
        names = _names_of(found, old + folders, parts.sizes)
        offsets = np.cumsum([0, *parts.sizes]).tolist()
        first_new = int(np.searchsorted(found.rows, offsets[len(old)]))  # a candidate position
        members = _members(found, names)
        report = _Report()
        for n, folder in enumerate(folders):
            lo, hi = offsets[len(old) + n], offsets[len(old) + n + 1]
            doc_keys = np.load(folder / DOCS_FILE)
            bounds = np.array([lo, hi], found.rows.dtype)  # another type converts `rows`
            first, last = np.searchsorted(found.rows, bounds).tolist()
            here = first + np.flatnonzero(found.size[first:last] > 1)  # candidate positions
            at = np.searchsorted(names.rows, here)
            keeper_at = np.searchsorted(names.rows, found.keeper[here])
            with (folder / DECISIONS_FILE).open("wb") as out:
                for row, position, keeper_position in zip(
                    here.tolist(), at.tolist(), keeper_at.tolist(), strict=True
                ):
                    decision = self._decision(
                        found, names, members, (row, position, keeper_position), first_new
                    )
                    key = int(found.rows[row]) - lo
                    decision["key"], decision["doc"] = key, int(doc_keys[key])
                    report.add(decision, int(found.root[row]))
                    out.write(orjson.dumps(decision) + b"\n")
        return report.to_dict(index.documents_besides(run_id) if index else 0)

    def _decision(
        self,
        found: Clusters,
        names: _Names,
        members: _Members,
        where: tuple[int, int, int],
        first_new: int,
    ) -> dict[str, Any]:
        """The decision on candidate `row` of `where` (row, its position in `names`, its
        keeper's); `first_new`: the first candidate of this run (not of the index)."""
        row, here, there = where
        keeper = int(found.keeper[row])
        keeper_id = names.ids[there]
        exact = found.exact
        decision: dict[str, Any] = {
            "id": names.ids[here],
            CLUSTER: _cluster_id(keeper_id, exact[keeper]),
            CLUSTER_SIZE: int(found.size[row]),
        }
        if keeper == row:
            group = members.of(int(found.root[row]))
            rows = names.rows[group]
            removed = group[(rows != row) & (rows >= first_new)]
            decision["removed_count"] = len(removed)
            decision[DUPLICATES] = [
                {"id": names.ids[m], "url": names.urls[m]}
                for m in removed[: self.max_listed].tolist()
            ]
        else:
            same = bool((exact[row] == exact[keeper]).all())
            decision[DUPLICATE_OF] = keeper_id
            decision["reason"] = EXACT_DUPLICATE if same else NEAR_DUPLICATE
            value = float(found.similarity[row])
            if math.isfinite(value):
                decision[SIMILARITY] = round(value, 4)
                decision["measure"] = "same normalised text" if same else self.similarity_measure
        return decision

    # ------------------------------------------------------------------ apply

    def decisions(self, folder: Path) -> list[dict[str, Any]]:
        return _read_decisions(folder / DECISIONS_FILE)

    def apply_decision(self, doc: Document, decision: dict[str, Any]) -> Verdict:
        doc.metadata[CLUSTER] = decision[CLUSTER]
        if DUPLICATE_OF not in decision:
            doc.metadata[CLUSTER_SIZE] = decision[CLUSTER_SIZE]
            doc.metadata[DUPLICATES] = decision[DUPLICATES]
            return KEEP
        doc.metadata[DUPLICATE_OF] = decision[DUPLICATE_OF]
        detail = f"copy of {decision[DUPLICATE_OF]} (cluster {decision[CLUSTER]})"
        if SIMILARITY in decision:
            doc.metadata[SIMILARITY] = decision[SIMILARITY]
            detail = (
                f"copy of {decision[DUPLICATE_OF]} (cluster {decision[CLUSTER]};"
                f" {decision['measure']} {decision[SIMILARITY]:.3f})"
            )
        return Drop(decision["reason"], detail)

    def commit(self, folders: list[Path], state: Path | None, run_id: str = "") -> None:
        """Add this run's kept documents to the index in `state` (once per `run_id`), one part
        per chunk, so memory holds one chunk's keys at a time."""
        if state is None:
            return
        index = DedupIndex(state, self.settings())
        if run_id and index.has_run(run_id):
            return
        index.append(((folder.name, _kept_part(folder)) for folder in folders), run_id)


def _kept_part(folder: Path) -> PartArrays:
    part = load_part(folder)
    keep = np.ones(len(part.ids), bool)
    for decision in _read_decisions(folder / DECISIONS_FILE):
        if DUPLICATE_OF in decision:
            keep[decision["key"]] = False
    return part.select(keep)


def _key_parts(old: list[Path], folders: list[Path], bands: int) -> KeyParts:
    """The keys of the index parts `old` (kept first: their priority is -inf) and of this
    run's `folders`, read part by part."""
    loaders: list[Callable[[], Keys]] = [partial(_indexed_keys, path) for path in old]
    loaders += [partial(_run_keys, path) for path in folders]
    return KeyParts(loaders, [part_rows(path) for path in old + folders], bands)


def _indexed_keys(folder: Path) -> Keys:
    keys = load_keys(folder)
    keys.priority = np.full(len(keys), -math.inf)  # what earlier runs kept stays kept
    return keys


def _run_keys(folder: Path) -> Keys:
    keys = load_keys(folder)
    keys.tie = np.load(folder / DOCS_FILE).astype(np.uint64)
    return keys


class _NearKeys:
    """The MinHash signatures and shingle sets of a chunk's documents, computed a batch of
    about `NEAR_BATCH_BYTES` of normalised text (at most `NEAR_BATCH_DOCS` documents) at a
    time (`shingles_of`, `signatures`, `shingle_sets`: a few numpy calls a batch, not some
    forty a document); the same values as document by document."""

    def __init__(self, step: Dedup) -> None:
        self.hasher, self.ngram = step._hasher, step.ngram
        self.near, self.lines = step.near, step.within_lines
        self.pending: list[bytes] = []
        self.waiting = 0  # bytes in `pending`
        self.documents = 0
        self.signatures: list[np.ndarray] = []
        self.sets: list[np.ndarray] = []
        self.sizes: list[np.ndarray] = []

    def add(self, norm: bytes) -> None:
        self.documents += 1
        if not self.near:
            return
        self.pending.append(norm)
        self.waiting += len(norm)
        if self.waiting >= NEAR_BATCH_BYTES or len(self.pending) >= NEAR_BATCH_DOCS:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        hashes, counts = shingles_of(self.pending, self.ngram, self.lines)
        self.signatures.append(self.hasher.signatures(hashes, counts))
        sets, sizes = shingle_sets(hashes, counts, SHINGLE_DTYPE)
        self.sets.append(sets)
        self.sizes.append(sizes)
        self.pending, self.waiting = [], 0

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Signatures (documents x permutations; all EMPTY without `near`), every shingle set
        one after the other, and the size of each."""
        self._flush()
        width = self.hasher.permutations
        if not self.near:
            return (
                np.full((self.documents, width), EMPTY, np.uint64),
                np.zeros(0, SHINGLE_DTYPE),
                np.zeros(self.documents, np.int64),
            )
        return (
            np.concatenate([np.zeros((0, width), np.uint64), *self.signatures]),
            np.concatenate([np.zeros(0, SHINGLE_DTYPE), *self.sets]),
            np.concatenate([np.zeros(0, np.int64), *self.sizes]),
        )


@cache
def _minhasher(bands: int, rows: int, seed: int) -> MinHasher:
    return MinHasher(bands=bands, rows=rows, seed=seed)


def _day(value: Any) -> int | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return datetime.date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return None


def _cluster_id(keeper_id: str, keeper_exact: np.ndarray) -> str:
    """The cluster's name, from its kept document: its id and the exact key of its text, since
    ids need not be unique (two clusters whose kept documents share an id stay two)."""
    digest = xxhash.xxh3_64()
    digest.update(keeper_id.encode("utf-8", "surrogatepass"))
    digest.update(np.ascontiguousarray(keeper_exact, np.uint64).tobytes())
    return "c" + digest.hexdigest()


class _Strings:
    """Strings packed as UTF-8 in one buffer, about their length each (a Python `str` in a
    list costs some 60 bytes more): the ids and URLs of millions of clustered rows."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._lengths: list[np.ndarray] = [np.zeros(1, np.int64)]  # offsets start at 0
        self.blob, self.offsets = b"", np.zeros(1, np.int64)

    def extend(self, encoded: list[bytes]) -> None:
        self._chunks.append(b"".join(encoded))
        self._lengths.append(np.fromiter(map(len, encoded), np.int64, len(encoded)))

    def pack(self) -> _Strings:
        self.blob, self.offsets = b"".join(self._chunks), np.cumsum(np.concatenate(self._lengths))
        self._chunks, self._lengths = [], []
        return self

    def __getitem__(self, index: int) -> str:
        lo, hi = self.offsets[index : index + 2].tolist()
        return self.blob[lo:hi].decode("utf-8", "surrogatepass")


@dataclass
class _Names:
    """Id and URL of every candidate in a cluster of two or more: `rows` (candidate positions,
    ascending), and at the same positions their `ids`, `urls` and `hashes` (xxh3 of the id:
    the members' order)."""

    rows: np.ndarray
    ids: _Strings
    urls: _Strings
    hashes: np.ndarray


def _names_of(found: Clusters, sources: list[Path], sizes: list[int]) -> _Names:
    """Id and URL of every candidate in a cluster of two or more, read part by part."""
    wanted = np.flatnonzero(found.size > 1)
    row_numbers = found.rows[wanted].astype(np.int64)
    ids, urls = _Strings(), _Strings()
    hashes = [np.zeros(0, np.uint64)]
    start = 0
    for source, size in zip(sources, sizes, strict=True):
        lo, hi = np.searchsorted(row_numbers, [start, start + size]).tolist()
        if hi > lo:
            part_ids, part_urls = load_meta(source)  # a part folder
            picked = (row_numbers[lo:hi] - start).tolist()
            encoded = [part_ids[row].encode("utf-8", "surrogatepass") for row in picked]
            hashes.append(np.fromiter(map(xxhash.xxh3_64_intdigest, encoded), np.uint64))
            ids.extend(encoded)
            urls.extend([part_urls[row].encode("utf-8", "surrogatepass") for row in picked])
        start += size
    return _Names(wanted, ids.pack(), urls.pack(), np.concatenate(hashes))


@dataclass
class _Members:
    """Positions in `_Names` of each cluster's rows: cluster by cluster (by root), each in
    id-hash order (then by document key, then row: the same order whatever the order of the
    parts)."""

    positions: np.ndarray
    roots: np.ndarray  # the root of each of `positions`, ascending

    def of(self, root: int) -> np.ndarray:
        # in the roots' own type: another would make searchsorted convert all of them
        lo, hi = np.searchsorted(self.roots, np.array([root, root + 1], self.roots.dtype))
        found: np.ndarray = self.positions[lo:hi]
        return found


def _members(found: Clusters, names: _Names) -> _Members:
    """Rows of each cluster of two or more (as positions in `names`), keyed by root, in
    id-hash order (then by document key: the same order whatever the order of the parts)."""
    order = np.lexsort((names.rows, found.ties[names.rows], names.hashes))
    roots = found.root[names.rows[order]]
    by_root = np.argsort(roots, kind="stable")  # keeps the id-hash order within a cluster
    return _Members(positions=order[by_root], roots=roots[by_root])


def _read_decisions(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as lines:
        return [orjson.loads(line) for line in lines]


class _Report:
    """What the run summary says about dedup: counts and the largest clusters."""

    def __init__(self) -> None:
        self.roots: set[int] = set()
        self.reasons: dict[str, int] = {EXACT_DUPLICATE: 0, NEAR_DUPLICATE: 0}
        self.largest: list[dict[str, Any]] = []

    def add(self, decision: dict[str, Any], root: int) -> None:
        self.roots.add(root)
        if DUPLICATE_OF in decision:
            self.reasons[decision["reason"]] += 1
            return
        entry = {
            CLUSTER: decision[CLUSTER],
            "kept": decision["id"],
            CLUSTER_SIZE: decision[CLUSTER_SIZE],
            "removed": [d["id"] for d in decision[DUPLICATES][:5]],
            "removed_count": decision["removed_count"],
        }
        if len(self.largest) == REPORT_CLUSTERS and _rank(entry) >= _rank(self.largest[-1]):
            return  # sorting it in (after its equals) would put it past the end
        self.largest.append(entry)
        self.largest.sort(key=_rank)
        del self.largest[REPORT_CLUSTERS:]

    def to_dict(self, indexed: int) -> dict[str, Any]:
        return {
            "clusters": len(self.roots),
            "removed": dict(self.reasons),
            "indexed_before": indexed,
            "largest_clusters": self.largest,
        }


def _rank(entry: dict[str, Any]) -> tuple[int, str]:
    """The order of the largest clusters: by size, largest first, then by kept id."""
    return -entry[CLUSTER_SIZE], entry["kept"]
