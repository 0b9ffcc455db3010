"""Reading a finished run folder for the report and the terminal view, in one streaming pass
over its shards: nothing but the samples, a thinned set of quality signals and a few URLs
stays in memory, whatever the run's size.

Samples are chosen by the hash of each document's key (id, source, position): a group keeps
its documents of smallest hash (a bottom-k sample), so the same run folder gives the same
samples, in the same order, read in any order."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import xxhash
import yaml

from thresher.document import POSITION, SALVAGED, SOURCE, URL, Document
from thresher.report.ledger import LedgerMismatch, Piece, pieces, shown
from thresher.run.accounting import OTHER_RULE, rule_of

KEPT_DIR, REJECTED_DIR = "kept", "rejected"
SAMPLES_PER_GROUP = 20
SAMPLE_CHARS = 2_000  # of each sample's text shown: the report stays small for any run
SIGNAL_DOCUMENTS = 20_000  # about this many documents' signals make the histograms
QUARANTINE_SHOWN = 50
CLUSTER_URLS = 6  # per cluster: its kept document and the removed ones summary.json lists
_HASH_SPACE = 2**64


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
            url=_text(doc.metadata.get(URL)),
            source=f"{_text(doc.metadata.get(SOURCE))}:{_text(doc.metadata.get(POSITION))}",
            salvaged=bool(doc.metadata.get(SALVAGED)),
            language=_text(doc.metadata.get("language")),
            pieces=laid,
            text=text,
            left_out=left_out,
            edits=len(doc.ledger),
        )


def _text(value: object) -> str:
    return "" if value is None else str(value)


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


@dataclass
class _BottomK:
    """The k documents of smallest hash seen, made into samples as they enter."""

    k: int
    heap: list[tuple[int, int, Sample]] = field(default_factory=list)  # (-hash, seq, sample)
    seen: int = 0

    def offer(self, doc_hash: int, seq: int, doc: Document) -> None:
        self.seen += 1
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, (-doc_hash, seq, Sample.of(doc)))
        elif doc_hash < -self.heap[0][0]:
            heapq.heapreplace(self.heap, (-doc_hash, seq, Sample.of(doc)))

    def samples(self) -> list[Sample]:
        return [sample for _, _, sample in sorted(self.heap, key=lambda e: (-e[0], e[1]))]


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


def read_run(folder: Path, *, samples_per_group: int = SAMPLES_PER_GROUP) -> RunView:
    """Read the run folder `folder` (a finished run: summary.json is there), in one pass."""
    summary = _json(folder / "summary.json")
    collector = _Collector(summary, samples_per_group)
    for seq, doc in enumerate(documents(folder)):
        collector.add(seq, doc)
    quarantine, quarantined = _quarantine(folder / "quarantine.jsonl")
    recipe_text = _read_text(folder / "recipe.yaml")
    return RunView(
        folder=folder,
        summary=summary,
        timing=_json(folder / "timing.json"),
        run_record=_json(folder / "run.json"),
        recipe_text=recipe_text,
        thresholds=thresholds(recipe_text),
        groups={
            key: (group, sampler.seen, sampler.samples())
            for key, (group, sampler) in sorted(collector.samplers.items(), key=_group_order)
        },
        signals={name: collector.signals[name] for name in sorted(collector.signals)},
        signal_documents=collector.signal_documents,
        cluster_urls=collector.cluster_urls,
        site_cleaned=collector.site_cleaned,
        quarantine=quarantine,
        quarantined=quarantined,
        samples_per_group=samples_per_group,
    )


class _Collector:
    """What the pass over the documents keeps: the samplers of every group, the signals of
    the documents whose hash falls under a bound (about SIGNAL_DOCUMENTS of them), the URLs of
    the documents of the largest clusters, and the sites the site-boilerplate step cleaned."""

    def __init__(self, summary: dict[str, Any], samples_per_group: int) -> None:
        total = int(summary.get("kept", 0)) + int(summary.get("rejected", 0))
        self.signal_bound = _HASH_SPACE * min(SIGNAL_DOCUMENTS, total) // max(total, 1)
        self.known_rules = {
            reason: set(rules) for reason, rules in summary.get("rules", {}).items()
        }
        self.wanted_ids = _cluster_ids(summary)
        self.samples_per_group = samples_per_group
        self.samplers: dict[str, tuple[Group, _BottomK]] = {}
        self.signals: dict[str, dict[str, list[float]]] = {}
        self.signal_documents = 0
        self.cluster_urls: dict[str, str] = {}
        self.site_cleaned: dict[str, int] = {}

    def add(self, seq: int, doc: Document) -> None:
        doc_hash = document_hash(doc)
        for group in groups_of(doc, self.known_rules):
            entry = self.samplers.setdefault(group.key, (group, _BottomK(self.samples_per_group)))
            entry[1].offer(doc_hash, seq, doc)
        if doc_hash < self.signal_bound and _add_signals(self.signals, doc):
            self.signal_documents += 1
        if doc.id in self.wanted_ids and doc.id not in self.cluster_urls:
            self.cluster_urls[doc.id] = _text(doc.metadata.get(URL))
        cleaned = doc.metadata.get("site_boilerplate")
        if isinstance(cleaned, dict) and isinstance(cleaned.get("site"), str):
            self.site_cleaned[cleaned["site"]] = self.site_cleaned.get(cleaned["site"], 0) + 1


_KIND_ORDER = {"rejected": 0, "edited": 1, "salvaged": 2, "kept": 3}


def _group_order(item: tuple[str, tuple[Group, _BottomK]]) -> tuple[int, str, str]:
    group = item[1][0]
    return (_KIND_ORDER.get(group.kind, 9), group.reason, group.rule)


def document_hash(doc: Document) -> int:
    """The document's place in every sample: a hash of its id and where it was read."""
    key = f"{doc.id}\0{_text(doc.metadata.get(SOURCE))}\0{_text(doc.metadata.get(POSITION))}"
    return xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogatepass"))


def groups_of(doc: Document, known_rules: dict[str, set[str]]) -> list[Group]:
    """The groups a document is sampled in: its rejection's reason and rule (a rule that
    summary.json folds into "(other)" is sampled there too), each repair reason of its
    ledger, and kept or salvaged."""
    groups: list[Group] = []
    if doc.rejection is not None:
        reason = doc.rejection.reason
        rule = rule_of(reason, doc.rejection.detail)
        if reason in known_rules and rule not in known_rules[reason]:
            rule = OTHER_RULE
        groups.append(Group(kind="rejected", reason=reason, rule=rule))
    elif doc.metadata.get(SALVAGED):
        groups.append(Group(kind="salvaged"))
    else:
        groups.append(Group(kind="kept"))
    for reason in dict.fromkeys(edit.reason for edit in doc.ledger):
        groups.append(Group(kind="edited", reason=reason))
    return groups


def documents(folder: Path) -> Iterator[Document]:
    """The run's kept and rejected documents, shard by shard, in name order."""
    for name in (KEPT_DIR, REJECTED_DIR):
        shards = folder / name
        if not shards.is_dir():
            continue
        for shard in sorted(shards.iterdir()):
            if shard.name.endswith(".jsonl"):
                yield from _jsonl_documents(shard)
            elif shard.name.endswith(".parquet"):
                yield from _parquet_documents(shard)


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


def _add_signals(signals: dict[str, dict[str, list[float]]], doc: Document) -> bool:
    """Note the document's numeric quality signals; whether it had any."""
    found = doc.metadata.get("signals")
    if not isinstance(found, dict):
        return False
    added = False
    status = doc.status
    for name, value in found.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            by_status = signals.get(name)
            if by_status is None:  # (not setdefault: its default would be built every time)
                by_status = signals[name] = {"kept": [], "rejected": []}
            by_status[status].append(float(value))
            added = True
    return added


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


def _cluster_ids(summary: dict[str, Any]) -> set[str]:
    wanted: set[str] = set()
    for cluster in summary.get("dedup", {}).get("largest_clusters", []):
        wanted.add(str(cluster.get("kept", "")))
        wanted.update(str(i) for i in cluster.get("removed", [])[: CLUSTER_URLS - 1])
    return wanted


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
