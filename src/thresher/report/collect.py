"""The report's pass over a run's documents, cut by chunk. The worker that writes a chunk's
shards collects, as it writes them, what the report needs of its documents into a small JSON
record (`.work/done/<chunk>.report`): for every group its documents of smallest hash (where
they are, not their text), the quality signals of its documents of small hash, where the
documents of the largest duplicate clusters are, and the sites cleaned. The report merges the
records and reads back only the documents it shows (thresher.report.reading).

What only the run's end knows is left to the merge: a group's rules are kept as they are (the
merge folds rare ones into "(other)", as summary.json does); the bottom-k of a union is the
bottom-k of the parts' bottom-ks; a record keeps the signals of the documents under a hash it
names (`signal_cover`), and fits only a report whose bound is under it. A chunk whose record
does not fit (or is missing: a run folder of an older thresher) is collected by reading its
shards with the same code, so the report is the same either way."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import xxhash

from thresher.document import POSITION, SALVAGED, SOURCE, Document
from thresher.run.accounting import rule_of
from thresher.run.state import DONE_DIR, write_atomic

RECORD_VERSION = 1
# A record lies beside its chunk's done record, kept as long (never a `.json`: those are the
# done records, counted and read as such; and a store's copy sends it as data, first)
RECORD_SUFFIX = ".report"
SHARD_DIRS = ("kept", "rejected")  # a document's `where` is its index here: the reading order
KEPT_WHERE, REJECTED_WHERE = 0, 1
SAMPLES_PER_GROUP = 20
SIGNAL_DOCUMENTS = 20_000  # about this many documents' signals make the histograms
CLUSTER_URLS = 6  # per cluster: its kept document and the removed ones summary.json lists
# A chunk of a one-pass run keeps the signals its report needs if the run has at most this
# many times the documents its estimate says (more: its record does not fit, and the chunk is
# read again): enough for a unit of compressed files among plain ones
COVER_HEADROOM = 8
HASH_SPACE = 2**64

RawGroup = tuple[str, str, str]  # kind, reason, rule (as the rejection names it, not folded)


def text_of(value: object) -> str:
    return "" if value is None else str(value)


def document_hash(doc: Document) -> int:
    """The document's place in every sample: a hash of its id and where it was read."""
    metadata = doc.metadata  # text_of, inline: this runs for every document
    source, position = metadata.get(SOURCE), metadata.get(POSITION)
    source = "" if source is None else str(source)
    position = "" if position is None else str(position)
    key = f"{doc.id}\0{source}\0{position}"
    return xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogatepass"))


def raw_groups(doc: Document) -> list[RawGroup]:
    """The groups a document is sampled in, its rule as the rejection names it: rejected for
    its reason and rule, kept or salvaged, and edited for each repair reason of its ledger."""
    groups: list[RawGroup] = []
    if doc.rejection is not None:
        reason = doc.rejection.reason
        groups.append(("rejected", reason, rule_of(reason, doc.rejection.detail)))
    elif doc.metadata.get(SALVAGED):
        groups.append(("salvaged", "", ""))
    else:
        groups.append(("kept", "", ""))
    for reason in dict.fromkeys(edit.reason for edit in doc.ledger):
        groups.append(("edited", reason, ""))
    return groups


def signal_bound(total: int) -> int:
    """The hash under which a run of `total` documents shows its documents' signals."""
    return HASH_SPACE * min(SIGNAL_DOCUMENTS, total) // max(total, 1)


@dataclass(frozen=True)
class SignalCover:
    """What a worker knows of the run's size, for the hash under which a chunk keeps its
    documents' signals: the documents its unit's chunks before this one wrote (the run has
    at least those and this chunk's), and the run's (which a later pass knows from the first;
    else estimated from the unit's by its share of the input bytes). The more documents, the
    lower the bound: a guess too high keeps too few, and the report reads the chunk again."""

    unit_documents: int
    unit_bytes: int
    run_bytes: int
    run_documents: int | None = None

    def __call__(self, chunk_documents: int) -> int | None:
        """The cover once the chunk has `chunk_documents` (None: all); it only falls as they
        come, so a document above it now is above it at the chunk's end."""
        unit_documents = self.unit_documents + chunk_documents
        run_documents = self.run_documents
        if run_documents is None:
            estimate = unit_documents * self.run_bytes // self.unit_bytes if self.unit_bytes else 0
            run_documents = estimate // COVER_HEADROOM
        least = max(unit_documents, run_documents)
        return None if least <= SIGNAL_DOCUMENTS else signal_bound(least)


def _every_document(chunk_documents: int) -> int | None:
    return None


_KEPT_GROUP: RawGroup = ("kept", "", "")
_SALVAGED_GROUP: RawGroup = ("salvaged", "", "")


def cluster_ids(summary: dict[str, Any]) -> set[str]:
    """The ids of the documents whose URLs the report lists: those of the largest clusters."""
    wanted: set[str] = set()
    for cluster in summary.get("dedup", {}).get("largest_clusters", []):
        wanted.add(str(cluster.get("kept", "")))
        wanted.update(str(i) for i in cluster.get("removed", [])[: CLUSTER_URLS - 1])
    return wanted


def clusters_digest(ids: Collection[str]) -> str:
    """What names a set of cluster ids in a record: a record looked for these ids only."""
    joined = "\0".join(sorted(ids)).encode("utf-8", "surrogatepass")
    return xxhash.xxh3_64_hexdigest(joined)


def record_path(work: Path, chunk: str) -> Path:
    """Where the record of the chunk named `chunk` is, in the run folder's `.work`."""
    return work / DONE_DIR / f"{chunk}{RECORD_SUFFIX}"


class _Smallest:
    """The k smallest keys (hash, where, line) offered, and how many were."""

    __slots__ = ("heap", "k", "seen")

    def __init__(self, k: int) -> None:
        self.k = k
        self.heap: list[tuple[int, int, int]] = []  # negated keys: the largest is on top
        self.seen = 0

    def offer(self, doc_hash: int, where: int, line: int) -> None:
        self.seen += 1
        key = (-doc_hash, -where, -line)
        heap = self.heap
        if len(heap) < self.k:
            heapq.heappush(heap, key)
        elif key > heap[0]:
            heapq.heapreplace(heap, key)

    def ordered(self) -> list[list[int]]:
        return [[-h, -w, -line] for h, w, line in sorted(self.heap, reverse=True)]


class ChunkCollector:
    """What the report needs of one chunk's documents, given in any order with where each
    is: its shard (`where`, an index in SHARD_DIRS) and its line there (blank lines not
    counted, as the report reads them)."""

    def __init__(
        self,
        wanted_ids: Collection[str],
        samples: int = SAMPLES_PER_GROUP,
        cover: Callable[[int], int | None] = _every_document,
    ) -> None:
        self.wanted_ids = wanted_ids
        self.samples = samples
        self.cover = cover  # `SignalCover`, given the chunk's documents so far
        self.documents = 0
        self.groups: dict[RawGroup, _Smallest] = {}
        self.signals = _Signals()
        self.cluster_places: dict[str, list[int]] = {}  # id -> its first [where, line]
        self.sites: dict[str, int] = {}

    def add(self, doc: Document, where: int, line: int) -> None:
        self.documents += 1
        doc_hash = document_hash(doc)
        metadata = doc.metadata
        # raw_groups(doc), inline (this runs for every document): the same groups, in order
        rejection = doc.rejection
        if rejection is not None:
            reason = rejection.reason
            self._offer(
                ("rejected", reason, rule_of(reason, rejection.detail)), doc_hash, where, line
            )
        elif metadata.get(SALVAGED):
            self._offer(_SALVAGED_GROUP, doc_hash, where, line)
        else:
            self._offer(_KEPT_GROUP, doc_hash, where, line)
        if doc.ledger:
            for reason in dict.fromkeys(edit.reason for edit in doc.ledger):
                self._offer(("edited", reason, ""), doc_hash, where, line)
        cover = None if self.cover is _every_document else self.cover(self.documents)
        if cover is None or doc_hash < cover:
            self.signals.add(doc_hash, where, metadata.get("signals"))
        if doc.id in self.wanted_ids:
            before = self.cluster_places.get(doc.id)
            if before is None or [where, line] < before:
                self.cluster_places[doc.id] = [where, line]
        cleaned = metadata.get("site_boilerplate")
        if isinstance(cleaned, dict) and isinstance(cleaned.get("site"), str):
            self.sites[cleaned["site"]] = self.sites.get(cleaned["site"], 0) + 1

    def _offer(self, group: RawGroup, doc_hash: int, where: int, line: int) -> None:
        smallest = self.groups.get(group)
        if smallest is None:
            smallest = self.groups[group] = _Smallest(self.samples)
        smallest.offer(doc_hash, where, line)

    def record(self, shards: list[list[Any] | None]) -> dict[str, Any]:
        """The chunk's record: `shards` names each shard it read or wrote and its size in
        bytes (None: none in that folder)."""
        cover = self.cover(self.documents)
        return {
            "version": RECORD_VERSION,
            "shards": shards,
            "samples": self.samples,
            "clusters": clusters_digest(self.wanted_ids),
            "signal_cover": cover,
            "groups": [
                [*group, smallest.seen, smallest.ordered()]
                for group, smallest in self.groups.items()
            ],
            "signals": self.signals.record(cover),
            "cluster_places": self.cluster_places,
            "sites": self.sites,
        }


class _Signals:
    """The numeric quality signals of a chunk's documents, by column: the hash of each
    document that has some (its row), and for each signal and shard the rows and values (the
    merge extends its lists by whole columns)."""

    def __init__(self) -> None:
        self.hashes: list[int] = []
        self.columns: dict[str, list[list[list[Any]]]] = {}  # name -> where -> [rows, values]
        # per shard: name -> the `append` of its column's rows and of its values there
        self._appends: list[dict[str, tuple[Callable[[int], None], Callable[[float], None]]]]
        self._appends = [{} for _ in SHARD_DIRS]

    def add(self, doc_hash: int, where: int, found: object) -> None:
        """A document's signals (`found`: its metadata's). A value that is not finite is left
        out: its shard holds null there (JSON has no NaN), which the report passes over."""
        if not isinstance(found, dict):
            return
        row = len(self.hashes)
        added = False
        appends = self._appends[where]
        for name, value in found.items():
            kind = type(value)  # float and int first, exactly; then the general rule
            if kind is float:
                if value - value != 0.0:  # inf or nan: not finite
                    continue
                number = value
            elif kind is int:
                number = float(value)  # finite (or OverflowError, as float() always raised)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                number = float(value)
                if not math.isfinite(number):
                    continue
            else:
                continue
            append = appends.get(name)
            if append is None:
                append = appends[name] = self._column(name, where)
            append[0](row)
            append[1](number)
            added = True
        if added:
            self.hashes.append(doc_hash)

    def _column(
        self, name: str, where: int
    ) -> tuple[Callable[[int], None], Callable[[float], None]]:
        column = self.columns.get(name)
        if column is None:
            column = self.columns[name] = [[[], []] for _ in SHARD_DIRS]
        rows, values = column[where]
        return rows.append, values.append

    def record(self, cover: int | None) -> dict[str, Any]:
        """The columns of the documents whose hash is under `cover` (None: all)."""
        if cover is None:
            return {"hashes": self.hashes, "columns": self.columns}
        under = (row for row, doc_hash in enumerate(self.hashes) if doc_hash < cover)
        renumbered = {row: new for new, row in enumerate(under)}
        columns = {
            name: [_renumbered(rows, values, renumbered) for rows, values in by_where]
            for name, by_where in self.columns.items()
        }
        return {"hashes": [h for h in self.hashes if h < cover], "columns": columns}


def _renumbered(rows: list[int], values: list[float], new: dict[int, int]) -> list[list[Any]]:
    """A column's rows and values, of the rows `new` numbers anew only."""
    pairs = [(new[row], value) for row, value in zip(rows, values, strict=True) if row in new]
    return [[row for row, _ in pairs], [value for _, value in pairs]]


def shard_entry(path: Path | None) -> list[Any] | None:
    """A shard as a record names it: its file name and size."""
    return None if path is None else [path.name, path.stat().st_size]


def write_record(work: Path, chunk: str, record: dict[str, Any]) -> None:
    """Save a chunk's record whole (under a temporary name, renamed), as JSON."""
    path = record_path(work, chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, orjson.dumps(record))
