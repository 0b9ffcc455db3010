"""Reading a finished run folder for the report and the terminal view: the report records
its workers wrote as they wrote each chunk (thresher.report.collect) merged, and only the
documents shown read back; a chunk with no record that fits (a run folder of an older
thresher) read whole instead, in one streaming pass over its shards. Nothing but the samples,
a thinned set of quality signals and a few URLs stays in memory, whatever the run's size.

Samples are chosen by the hash of each document's key (id, source, position): a group keeps
its documents of smallest hash (a bottom-k sample; equal hashes in reading order), so the same
run folder gives the same samples, in the same order, read in any order."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from thresher.document import POSITION, SALVAGED, SOURCE, URL, Document
from thresher.report.collect import (
    RECORD_VERSION,
    SAMPLES_PER_GROUP,
    SHARD_DIRS,
    SIGNAL_DOCUMENTS,
    ChunkCollector,
    cluster_ids,
    clusters_digest,
    document_hash,
    record_path,
    shard_entry,
    signal_bound,
    text_of,
)
from thresher.report.ledger import LedgerMismatch, Piece, pieces, shown
from thresher.run.accounting import OTHER_RULE, rule_of
from thresher.run.state import WORK_DIR

KEPT_DIR, REJECTED_DIR = SHARD_DIRS
SAMPLE_CHARS = 2_000  # of each sample's text shown: the report stays small for any run
QUARANTINE_SHOWN = 50

__all__ = ["SAMPLES_PER_GROUP", "SIGNAL_DOCUMENTS", "document_hash", "documents", "read_run"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Sample:
    """A document shown in the report: its verdict, where it came from, and its text with
    the ledger laid over it (cut to SAMPLE_CHARS; `left_out` says how much more there is).
    `pieces` is None when the ledger does not replay to the text: the text is shown as it is."""

    id: str
    status: str
    reason: str
    rule: str
    detail: str
    url: str
    source: str
    salvaged: bool
    language: str
    pieces: list[Piece] | None
    text: str
    left_out: int
    edits: int

    @classmethod
    def of(cls, doc: Document) -> Sample:
        rejection = doc.rejection
        try:
            laid, left_out = shown(pieces(doc.text, doc.ledger), SAMPLE_CHARS)
            text = ""
        except LedgerMismatch:
            laid, text = None, doc.text[:SAMPLE_CHARS]
            left_out = max(len(doc.text) - SAMPLE_CHARS, 0)
        return cls(
            id=doc.id,
            status=doc.status,
            reason=rejection.reason if rejection else "",
            rule=rule_of(rejection.reason, rejection.detail) if rejection else "",
            detail=rejection.detail if rejection else "",
            url=text_of(doc.metadata.get(URL)),
            source=f"{text_of(doc.metadata.get(SOURCE))}:{text_of(doc.metadata.get(POSITION))}",
            salvaged=bool(doc.metadata.get(SALVAGED)),
            language=text_of(doc.metadata.get("language")),
            pieces=laid,
            text=text,
            left_out=left_out,
            edits=len(doc.ledger),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Group:
    """A set of documents the report samples: rejected for a reason and rule, edited for a
    repair reason, kept, salvaged. `key` is what the page and `thresher show` name it by."""

    kind: str  # rejected, edited, kept, salvaged
    reason: str = ""
    rule: str = ""

    @property
    def key(self) -> str:
        return ":".join(part for part in (self.kind, self.reason, self.rule) if part)


@dataclass(kw_only=True)
class RunView:
    """What the report shows of a run folder, read once."""

    folder: Path
    summary: dict[str, Any]
    timing: dict[str, Any]
    run_record: dict[str, Any]
    recipe_text: str
    thresholds: dict[str, list[tuple[str, float]]]  # signal -> (step.param, value)
    groups: dict[str, tuple[Group, int, list[Sample]]]  # key -> group, documents, samples
    signals: dict[str, dict[str, list[float]]]  # signal -> kept / rejected -> values
    signal_documents: int
    cluster_urls: dict[str, str]  # document id -> URL, for the largest clusters
    site_cleaned: dict[str, int]  # site -> documents the site-boilerplate step edited
    quarantine: list[dict[str, Any]]
    quarantined: int
    samples_per_group: int
    shards_read: int = 0  # read whole: no report record of their chunk fit


def read_run(
    folder: Path, *, samples_per_group: int = SAMPLES_PER_GROUP, records: bool = True
) -> RunView:
    """Read the run folder `folder` (a finished run: summary.json is there): its chunks'
    report records merged, the shards of a chunk without one that fits read whole (all of
    them with `records=False`: the report is the same), then the documents shown."""
    summary = _json(folder / "summary.json")
    merge = _Merge(summary, samples_per_group)
    shards = _shard_files(folder)
    for chunk in _chunks(shards):
        for record, ranks in _collected(folder, chunk, merge, records):
            merge.add(record, ranks)
    shown_docs = _documents_at(shards, merge.places())
    quarantine, quarantined = _quarantine(folder / "quarantine.jsonl")
    recipe_text = _read_text(folder / "recipe.yaml")
    return RunView(
        folder=folder,
        summary=summary,
        timing=_json(folder / "timing.json"),
        run_record=_json(folder / "run.json"),
        recipe_text=recipe_text,
        thresholds=thresholds(recipe_text),
        groups=merge.groups(shown_docs),
        signals={name: merge.signals[name] for name in sorted(merge.signals)},
        signal_documents=merge.signal_documents,
        cluster_urls={
            doc_id: text_of(shown_docs[place].metadata.get(URL))
            for doc_id, place in merge.cluster_places.items()
        },
        site_cleaned=merge.sites,
        quarantine=quarantine,
        quarantined=quarantined,
        samples_per_group=samples_per_group,
        shards_read=merge.shards_read,
    )


Place = tuple[int, int, int]  # a shard folder's index in SHARD_DIRS, a shard's, a line's
Key = tuple[int, int, int, int]  # a document's hash, then its place: the sample order


@dataclass
class _Candidates:
    """A group's documents of smallest key seen in the records (and how many it has)."""

    group: Group
    k: int
    seen: int = 0
    heap: list[Key] = field(default_factory=list)  # negated keys: the largest on top

    def offer(self, key: Key) -> bool:
        """Take `key` if it is among the k smallest so far; whether it was."""
        negated = (-key[0], -key[1], -key[2], -key[3])
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, negated)
        elif negated > self.heap[0]:
            heapq.heapreplace(self.heap, negated)
        else:
            return False
        return True

    def places(self) -> list[Place]:
        """The documents' places, in sample order (smallest key first)."""
        return [(-w, -r, -line) for _, w, r, line in sorted(self.heap, reverse=True)]


def _well_formed(record: dict[str, Any]) -> bool:
    """Whether a record's parts have the shapes `_Merge.add` reads (a record damaged or
    written by hand is not merged: its chunk is read whole instead)."""
    try:
        for kind, reason, rule, seen, entries in record["groups"]:
            if not all(isinstance(v, str) for v in (kind, reason, rule)) or not _ints([seen]):
                return False
            if not all(len(e) == 3 and _ints(e) and e[1] in _WHERE for e in entries):
                return False
        signals = record["signals"]
        hashes = signals["hashes"]
        for by_where in signals["columns"].values():
            if len(by_where) != len(_WHERE):
                return False
            for rows, values in by_where:
                if len(rows) != len(values) or not _ints(rows) or not _numbers(values):
                    return False
                if rows and not 0 <= min(rows) <= max(rows) < len(hashes):
                    return False
        places = record["cluster_places"].values()
        return (
            _ints(hashes)
            and all(len(p) == 2 and _ints(p) and p[0] in _WHERE for p in places)
            and _ints(record["sites"].values())
        )
    except (TypeError, ValueError, KeyError, AttributeError):
        return False


_WHERE = range(len(SHARD_DIRS))


def _ints(values: Any) -> bool:
    return all(type(value) is int for value in values)


def _numbers(values: Any) -> bool:
    return all(type(value) in (int, float) for value in values)


class _Merge:
    """The chunks' records merged, with what only the run's end knows (summary.json): the
    signal bound from the run's total, rare rules folded into "(other)", the cluster ids."""

    def __init__(self, summary: dict[str, Any], samples_per_group: int) -> None:
        total = int(summary.get("kept", 0)) + int(summary.get("rejected", 0))
        self.bound = signal_bound(total)
        self.known_rules = {
            reason: set(rules) for reason, rules in summary.get("rules", {}).items()
        }
        self.wanted_ids = cluster_ids(summary)
        self.clusters = clusters_digest(self.wanted_ids)
        self.k = samples_per_group
        self.candidates: dict[str, _Candidates] = {}
        self.signals: dict[str, dict[str, list[float]]] = {}
        self.signal_documents = 0
        self.cluster_places: dict[str, Place] = {}
        self.sites: dict[str, int] = {}
        self.shards_read = 0  # read whole: no record of theirs fit

    def fits(self, record: Any, shards: list[list[Any] | None]) -> bool:
        """Whether a chunk's record holds what this report needs of exactly these shards."""
        if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
            return False
        cover = record.get("signal_cover")
        return (
            record.get("shards") == shards
            and isinstance(record.get("samples"), int)
            and record["samples"] >= self.k
            and record.get("clusters") == self.clusters
            and (cover is None or (isinstance(cover, int) and cover >= self.bound))
            and _well_formed(record)
        )

    def add(self, record: dict[str, Any], ranks: list[int]) -> None:
        """Merge a record whose shards are the `ranks`-th of their folders."""
        for kind, reason, rule, seen, entries in record["groups"]:
            group = self._folded(kind, reason, rule)
            candidates = self.candidates.setdefault(group.key, _Candidates(group, self.k))
            candidates.seen += seen
            for doc_hash, where, line in entries:  # in key order: past one not taken, none is
                if not candidates.offer((doc_hash, where, ranks[where], line)):
                    break
        self._add_signals(record["signals"])
        for doc_id, (where, line) in record["cluster_places"].items():
            place = (where, ranks[where], line)
            before = self.cluster_places.get(doc_id)
            if before is None or place < before:  # the first in reading order
                self.cluster_places[doc_id] = place
        for site, count in record["sites"].items():
            self.sites[site] = self.sites.get(site, 0) + count

    def _folded(self, kind: str, reason: str, rule: str) -> Group:
        """The group as the report names it: a rule summary.json folds into "(other)" is
        sampled there."""
        known = self.known_rules.get(reason)
        if kind == "rejected" and known is not None and rule not in known:
            rule = OTHER_RULE
        return Group(kind=kind, reason=reason, rule=rule)

    def _add_signals(self, signals: dict[str, Any]) -> None:
        """A record's signal columns, of the documents under the bound (all, most often: then
        whole columns at once)."""
        under = [doc_hash < self.bound for doc_hash in signals["hashes"]]
        self.signal_documents += sum(under)
        every = all(under)
        for name, by_where in signals["columns"].items():
            for where, (rows, values) in enumerate(by_where):
                pairs = zip(rows, values, strict=True)
                chosen = values if every else [value for row, value in pairs if under[row]]
                if chosen:
                    by_status = self.signals.setdefault(name, {"kept": [], "rejected": []})
                    by_status[SHARD_DIRS[where]].extend(chosen)

    def places(self) -> set[Place]:
        """Where the documents shown are: the samples, and those of the largest clusters."""
        found = {place for c in self.candidates.values() for place in c.places()}
        return found | set(self.cluster_places.values())

    def groups(self, docs: dict[Place, Document]) -> dict[str, tuple[Group, int, list[Sample]]]:
        ordered = sorted(self.candidates.items(), key=lambda item: _group_order(item[1].group))
        return {
            key: (c.group, c.seen, [Sample.of(docs[place]) for place in c.places()])
            for key, c in ordered
        }


_KIND_ORDER = {"rejected": 0, "edited": 1, "salvaged": 2, "kept": 3}


def _group_order(group: Group) -> tuple[int, str, str]:
    return (_KIND_ORDER.get(group.kind, 9), group.reason, group.rule)


def _shard_files(folder: Path) -> list[list[Path]]:
    """Each shard folder's shards (SHARD_DIRS order), in name order: the reading order."""
    found: list[list[Path]] = []
    for name in SHARD_DIRS:
        shards = folder / name
        listed = sorted(shards.iterdir()) if shards.is_dir() else []
        found.append([shard for shard in listed if shard.name.endswith((".jsonl", ".parquet"))])
    return found


def documents(folder: Path) -> Iterator[Document]:
    """The run's kept and rejected documents, shard by shard, in name order."""
    for shards in _shard_files(folder):
        for shard in shards:
            yield from _shard_documents(shard)


def _shard_documents(path: Path) -> Iterator[Document]:
    return _jsonl_documents(path) if path.name.endswith(".jsonl") else _parquet_documents(path)


# A chunk's shards: where (the folder's index in SHARD_DIRS), rank in the folder, file
_Chunk = list[tuple[int, int, Path]]


def _chunks(shards: list[list[Path]]) -> Iterable[_Chunk]:
    """The shards by chunk: those of one name (less the suffix) in every folder."""
    chunks: dict[str, _Chunk] = {}
    for where, listed in enumerate(shards):
        for rank, path in enumerate(listed):
            chunks.setdefault(_chunk_name(path), []).append((where, rank, path))
    return chunks.values()


def _chunk_name(path: Path) -> str:
    return path.name.removesuffix(".jsonl").removesuffix(".parquet")


def _collected(
    folder: Path, chunk: _Chunk, merge: _Merge, use_records: bool
) -> list[tuple[dict[str, Any], list[int]]]:
    """A chunk's collection for the report, with the ranks of its shards: its record where
    one fits, else each of its shards read whole."""
    entries: list[list[Any] | None] = [None] * len(SHARD_DIRS)
    ranks = [0] * len(SHARD_DIRS)
    for where, rank, path in chunk:
        entries[where], ranks[where] = shard_entry(path), rank
    name = _chunk_name(chunk[0][2])
    if use_records and len(chunk) == len({where for where, _, _ in chunk}):
        record = _json(record_path(folder / WORK_DIR, name))
        if merge.fits(record, entries):
            return [(record, ranks)]
    merge.shards_read += len(chunk)
    return [
        (_read_shard(where, path, merge), [rank] * len(SHARD_DIRS)) for where, rank, path in chunk
    ]


def _read_shard(where: int, path: Path, merge: _Merge) -> dict[str, Any]:
    """One shard's collection, by reading it whole: what its worker would have recorded."""
    collector = ChunkCollector(merge.wanted_ids, merge.k)
    for line, doc in enumerate(_shard_documents(path)):
        collector.add(doc, where, line)
    return collector.record([])


def _documents_at(shards: list[list[Path]], places: set[Place]) -> dict[Place, Document]:
    """The documents at `places`, each shard that holds some read once (only their lines
    parsed)."""
    lines_by_shard: dict[tuple[int, int], set[int]] = {}
    for where, rank, line in places:
        lines_by_shard.setdefault((where, rank), set()).add(line)
    found: dict[Place, Document] = {}
    for (where, rank), lines in sorted(lines_by_shard.items()):
        for line, doc in _lines_of(shards[where][rank], lines):
            found[(where, rank, line)] = doc
    return found


def _lines_of(path: Path, wanted: set[int]) -> Iterator[tuple[int, Document]]:
    """The documents of the shard `path` at the given lines (blank lines not counted)."""
    if not path.name.endswith(".jsonl"):
        for line, doc in enumerate(_parquet_documents(path)):
            if line in wanted:
                yield line, doc
        return
    left = len(wanted)
    with path.open("rb") as lines:
        number = 0
        for text in lines:
            if not text.strip():
                continue
            if number in wanted:
                yield number, Document.from_dict(orjson.loads(text))
                left -= 1
                if not left:
                    return
            number += 1


def _jsonl_documents(path: Path) -> Iterator[Document]:
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                yield Document.from_dict(orjson.loads(line))


def _parquet_documents(path: Path) -> Iterator[Document]:
    """Parquet shards hold `metadata` and `ledger` as JSON strings (thresher.writers)."""
    import pyarrow.parquet as pq  # here, not at the top: a JSONL run never loads it

    for batch in pq.ParquetFile(path).iter_batches(batch_size=256):
        for row in batch.to_pylist():
            row["metadata"] = orjson.loads(row.get("metadata") or "{}")
            row["ledger"] = orjson.loads(row.get("ledger") or "[]")
            yield Document.from_dict(row)


# Quality signals and the recipe parameters that bound them, where the name is not the same
# (gopher-repetition's parameters are named as its signals).
_SIGNAL_PARAMETERS: dict[str, list[tuple[str, str]]] = {
    "words": [("gopher-quality", "min_doc_words"), ("gopher-quality", "max_doc_words")],
    "mean_word_length": [
        ("gopher-quality", "min_avg_word_length"),
        ("gopher-quality", "max_avg_word_length"),
    ],
    "hash_word_ratio": [("gopher-quality", "max_symbol_word_ratio")],
    "ellipsis_word_ratio": [("gopher-quality", "max_symbol_word_ratio")],
    "bullet_lines_ratio": [("gopher-quality", "max_bullet_lines_ratio")],
    "ellipsis_lines_ratio": [("gopher-quality", "max_ellipsis_lines_ratio")],
    "alpha_words_ratio": [("gopher-quality", "min_alpha_words_ratio")],
    "stop_words": [("gopher-quality", "min_stop_words")],
    "line_punct_ratio": [("fineweb", "line_punct_thr")],
    "short_line_ratio": [("fineweb", "short_line_thr")],
    "char_dup_ratio": [("fineweb", "char_duplicates_ratio")],
    "newline_word_ratio": [("fineweb", "new_line_ratio")],
}


def thresholds(recipe_text: str) -> dict[str, list[tuple[str, float]]]:
    """Each signal's thresholds in the run's recipe: `step.parameter` and its value."""
    try:
        recipe = yaml.safe_load(recipe_text) or {}
    except yaml.YAMLError:
        return {}
    params: dict[tuple[str, str], float] = {}
    for step in recipe.get("steps") or []:
        if not isinstance(step, dict):
            continue
        for name, value in step.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                params[(str(step.get("step")), name)] = float(value)
    found: dict[str, list[tuple[str, float]]] = {}
    for (step_name, name), value in params.items():
        if step_name == "gopher-repetition":
            found.setdefault(name, []).append((f"{step_name}.{name}", value))
    for signal, bounds in _SIGNAL_PARAMETERS.items():
        for key in bounds:
            if key in params:
                found.setdefault(signal, []).append((".".join(key), params[key]))
    return found


def _quarantine(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The first QUARANTINE_SHOWN entries and the count, read line by line."""
    shown_entries: list[dict[str, Any]] = []
    count = 0
    if not path.is_file():
        return shown_entries, count
    with path.open("rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            count += 1
            if len(shown_entries) < QUARANTINE_SHOWN:
                shown_entries.append(orjson.loads(line))
    return shown_entries, count


def _json(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
