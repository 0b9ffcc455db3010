"""Base classes of document steps, their verdicts, their statistics and the step registry.

A step is a frozen, keyword-only dataclass: its fields are its parameters, so it has a readable
`repr`, pickles for worker processes and round-trips through a recipe file. Calling a step on
an iterable of documents returns a lazy iterator. Rejected documents flow on untouched, so the
runner routes every document from one stream and the accounting never guesses.
"""

from __future__ import annotations

import dataclasses
import importlib
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any, ClassVar, TypeVar

import xxhash

from thresher.document import POSITION, SOURCE, Document, Rejection
from thresher.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Keep:
    """A filter's verdict to keep the document."""


@dataclass(frozen=True, slots=True)
class Drop:
    """A verdict to reject the document, with its reason category and a readable detail."""

    reason: str
    detail: str = ""


KEEP = Keep()
STEP_ERROR = "step-error"  # the reason of a document on which a step raised
STATE_DIR = "steps"  # in an index folder: each corpus step's own state but dedup's, by name
Verdict = Keep | Drop


@dataclass(slots=True)
class StepStats:
    """Counts of one step. Integer counters merge exactly across workers; `seconds` is timing
    and kept apart from the deterministic part."""

    step: str
    docs: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    edits: Counter[str] = field(default_factory=Counter)
    chars_removed: int = 0
    seconds: float = 0.0

    def merge(self, other: StepStats) -> None:
        self.docs += other.docs
        self.rejected.update(other.rejected)
        self.edits.update(other.edits)
        self.chars_removed += other.chars_removed
        self.seconds += other.seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "docs": self.docs,
            "rejected": dict(sorted(self.rejected.items())),
            "edits": dict(sorted(self.edits.items())),
            "chars_removed": self.chars_removed,
        }


class Step:
    """A lazy transformation of a stream of documents. Subclasses set `name` and implement
    `process`; the base class skips rejected documents, counts and times."""

    name: ClassVar[str] = ""
    # How many documents the step may pull before it yields the first of them: 1, one at a
    # time, unless it judges a batch at once (at most this many, so memory stays bounded).
    read_ahead: ClassVar[int] = 1

    def __call__(
        self, docs: Iterable[Document], stats: StepStats | None = None
    ) -> Iterator[Document]:
        stats = stats if stats is not None else StepStats(self.name)
        for doc in docs:
            if doc.rejection is None:
                started = perf_counter()
                self._apply(doc, stats)
                stats.seconds += perf_counter() - started
            yield doc

    def _apply(self, doc: Document, stats: StepStats) -> None:
        stats.docs += 1
        judge(self.name, doc, stats, self.process)

    def process(self, doc: Document) -> Verdict:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """The constructor arguments, unchanged, in declaration order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


def judge(
    step: str, doc: Document, stats: StepStats, process: Callable[[Document], Verdict]
) -> None:
    """Run `process` on `doc` under a step's accounting: its edits counted, its verdict
    recorded; if it raises, the document is rejected `step-error` with the exception's text,
    and its text, ledger and metadata are as they were before."""
    edits_before, text_before = len(doc.ledger), doc.text
    metadata_before = _snapshot(doc.metadata)
    try:
        verdict = process(doc)
    except Exception as exc:  # a bad record never stops a run: it is rejected, with why
        del doc.ledger[edits_before:]
        doc.text = text_before
        doc.metadata.clear()
        doc.metadata.update(metadata_before)
        verdict = Drop(STEP_ERROR, f"{type(exc).__name__}: {exc}")
    for edit in doc.ledger[edits_before:]:
        stats.edits[edit.reason] += 1
        stats.chars_removed += edit.end - edit.start - len(edit.replacement)
    if isinstance(verdict, Drop):
        doc.rejection = Rejection(step, verdict.reason, verdict.detail)
        stats.rejected[verdict.reason] += 1


def _snapshot(metadata: dict[str, Any]) -> dict[str, Any]:
    """A copy of `metadata` deep enough to undo a step: steps add keys, and add to the dicts
    and lists a key holds (`signals`); they replace, never edit, anything deeper."""
    return {
        key: value.copy() if isinstance(value, dict | list) else value
        for key, value in metadata.items()
    }


class Repair(Step):
    """A step that edits the document in place (recording each edit in its ledger) and may
    reject it when nothing worth keeping remains."""

    def repair(self, doc: Document) -> Document | Drop:
        raise NotImplementedError

    def process(self, doc: Document) -> Verdict:
        result = self.repair(doc)
        return result if isinstance(result, Drop) else KEEP


class Filter(Step):
    """A step that decides keep or drop from the document without changing it."""

    def verdict(self, doc: Document) -> Verdict:
        raise NotImplementedError

    def process(self, doc: Document) -> Verdict:
        return self.verdict(doc)


class CorpusStep(Step):
    """A step that decides from the whole corpus (deduplication): it cannot judge a document
    before it has seen all of them. Runners call its halves across processes:

    1. `collect(docs, folder, order)`: pass one chunk of documents through, saving their keys
       in `folder`; `order` numbers the chunk in input order (below 2**33);
    2. `decide(folders, state, run_id)`: read every unit's keys (and `state`, what earlier runs
       left, less what `run_id` itself added), and save each unit's decisions in its folder;
       returns a summary for the run's report;
    3. `apply(docs, folder, stats)`: pass the unit's documents through again, applying the
       decisions (rejecting and annotating);
    4. `commit(folders, state, run_id)`: once the output is written, record this run in
       `state`, once per `run_id` (a resumed run commits again).

    Called directly on a stream, it does all four in one process with a temporary folder (for
    small corpora and tests): it is lazy until the first document is asked for, and then reads
    the whole stream."""

    def collect(self, docs: Iterable[Document], folder: Path, order: int = 0) -> Iterator[Document]:
        raise NotImplementedError

    def state_folder(self, index: Path) -> Path:
        """Where this step keeps what outlives a run, in the run's index folder (`--index`, or
        the run folder's own): `steps/NAME/`, its own, whatever other corpus steps keep."""
        return index / STATE_DIR / self.name

    @classmethod
    def forget(cls, state: Path, run_id: str) -> int:
        """Take out of `state` what the run `run_id` added (a run being replaced); return how
        many runs' additions are left."""
        return 0

    def check(self, state: Path) -> None:
        """Raise `ConfigError` if `state` cannot be used (other settings, damaged files):
        runners call it before reading any record."""

    def decide(self, folders: list[Path], state: Path | None, run_id: str = "") -> dict[str, Any]:
        raise NotImplementedError

    def decide_partitions(self) -> int:
        """How many parts `decide` falls into that `decide_partition` can decide independently,
        each in its own process (the local engine runs them in parallel); 1: `decide` whole."""
        return 1

    def decide_partition(
        self, folders: list[Path], state: Path | None, run_id: str, number: int
    ) -> dict[str, Any]:
        """Decide partition `number` of `decide_partitions()` alone: its documents' decisions
        written, its part of the report returned (for `merge_reports`)."""
        raise NotImplementedError

    def merge_reports(self, reports: list[dict[str, Any]]) -> dict[str, Any]:
        """The report of `decide`, from its partitions' reports in partition order."""
        raise NotImplementedError

    def apply(
        self, docs: Iterable[Document], folder: Path, stats: StepStats | None = None
    ) -> Iterator[Document]:
        """Apply the decisions saved in `folder` to the documents they were made for (found by
        `document_key`, not by position), each under the accounting of a document step: edits
        counted, and a decision that raises rejects its document `step-error`, undone."""
        stats = stats if stats is not None else StepStats(self.name)
        decisions = Decisions(self.decisions(folder))
        for doc in docs:
            if doc.rejection is None:
                started = perf_counter()
                stats.docs += 1
                decision = decisions.pop(doc)
                if decision is not None:
                    judge(self.name, doc, stats, partial(self.apply_decision, decision=decision))
                stats.seconds += perf_counter() - started
            yield doc
        decisions.require_all_used(self.name)

    def decisions(self, folder: Path) -> Iterable[dict[str, Any]]:
        """The decisions `decide` saved in `folder`, each with its document's key under
        `"doc"` (`document_key`)."""
        raise NotImplementedError

    def apply_decision(self, doc: Document, decision: dict[str, Any]) -> Verdict:
        """Apply one decision to its document (edit, annotate) and judge it."""
        raise NotImplementedError

    def commit(self, folders: list[Path], state: Path | None, run_id: str = "") -> None:
        raise NotImplementedError

    def __call__(
        self, docs: Iterable[Document], stats: StepStats | None = None
    ) -> Iterator[Document]:
        with tempfile.TemporaryDirectory(prefix="thresher-corpus-") as work:
            folder = Path(work) / "unit"
            collected = list(self.collect(docs, folder))
            self.decide([folder], None)
            yield from self.apply(collected, folder, stats)


def document_key(doc: Document) -> int:
    """What names a document between a corpus step's passes, whatever else the stream holds:
    a hash of its id and of where it was read (input file and position), as the readers set
    them. See `DocumentKeys` for documents that share it."""
    digest = xxhash.xxh3_64()
    for part in (doc.id, doc.metadata.get(SOURCE), doc.metadata.get(POSITION)):
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.intdigest() & _KEY_MASK


_KEY_MASK = 0x7FFF_FFFF_FFFF_FFFF  # keys fit JSON readers' signed integers


class DocumentKeys:
    """The keys of one chunk's documents, called on every document not yet rejected, in
    stream order, by `collect` and again by `apply`: `document_key`, and for a document whose
    key an earlier one of the chunk had (an id repeated in a stream without sources), that key
    joined with how many came before, so that every document has its own."""

    def __init__(self) -> None:
        self.seen: Counter[int] = Counter()

    def __call__(self, doc: Document) -> int:
        key = document_key(doc)
        before = self.seen[key]
        self.seen[key] += 1
        if not before:
            return key
        return xxhash.xxh3_64_intdigest(f"{key}:{before}".encode()) & _KEY_MASK


class Decisions:
    """A chunk's decisions by document key, each used once."""

    def __init__(self, decisions: Iterable[dict[str, Any]]) -> None:
        self.keys = DocumentKeys()
        self.waiting: dict[int, dict[str, Any]] = {}
        for decision in decisions:
            self.waiting[int(decision["doc"])] = decision

    def pop(self, doc: Document) -> dict[str, Any] | None:
        """The decision of `doc`; call it on every document not rejected, in stream order."""
        decision = self.waiting.pop(self.keys(doc), None)
        if decision is not None and decision.get("id", doc.id) != doc.id:
            raise RuntimeError(f"decision for {decision['id']!r} reached {doc.id!r}")
        return decision

    def require_all_used(self, step: str) -> None:
        """A decision left over is a document lost between the passes: never silent."""
        if self.waiting:
            raise RuntimeError(f"{step}: {len(self.waiting)} decisions found no document")


class _Registry(dict[str, type["Step"]]):
    """The steps by name. Reading it (a lookup, `in`, iteration, `len`) first imports every
    built-in step's module, so it is always whole; `step_class` and `register` use the plain
    dict underneath, so that a run imports only the modules of its recipe's steps."""

    def _whole(self) -> None:
        load_steps()

    def __getitem__(self, name: str) -> type[Step]:
        self._whole()
        return dict.__getitem__(self, name)

    def __contains__(self, name: object) -> bool:
        self._whole()
        return dict.__contains__(self, name)

    def __iter__(self) -> Iterator[str]:
        self._whole()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._whole()
        return dict.__len__(self)

    def get(self, name: str, default: Any = None) -> Any:
        self._whole()
        return dict.get(self, name, default)

    def keys(self) -> Any:
        self._whole()
        return dict.keys(self)

    def values(self) -> Any:
        self._whole()
        return dict.values(self)

    def items(self) -> Any:
        self._whole()
        return dict.items(self)

    def add(self, name: str, cls: type[Step]) -> None:
        """Register `cls` under `name` (no check, no import: see `register`)."""
        dict.__setitem__(self, name, cls)


STEPS = _Registry()
S = TypeVar("S", bound=type[Step])
# The modules whose import registers the built-in steps, and the module of each step by name:
# a recipe's steps are imported when it names them (`step_class`), so that a run (and each of
# its worker processes) does not import every step's module and its libraries. A name not
# listed, or listed wrongly, still resolves: `step_class` then imports them all.
STEP_MODULES = (
    "thresher.dedup",
    "thresher.extract.step",
    "thresher.filters",
    "thresher.quality",
    "thresher.repair",
    "thresher.sites",
)
_STEP_MODULE = {
    "dedup": "thresher.dedup",
    "extract": "thresher.extract.step",
    "min-words": "thresher.filters",
    "site-boilerplate": "thresher.sites",
    **dict.fromkeys(
        ("c4", "fineweb", "fineweb2", "gopher-quality", "gopher-repetition", "language"),
        "thresher.quality",
    ),
    **dict.fromkeys(
        ("boilerplate", "error-template", "normalize", "pii", "repeated-paragraph", "title"),
        "thresher.repair",
    ),
}


def load_steps() -> dict[str, type[Step]]:
    """`STEPS` with every built-in step in it (their modules imported)."""
    for module in STEP_MODULES:
        importlib.import_module(module)
    return STEPS


def step_class(name: str) -> type[Step] | None:
    """The step registered under `name` (its module imported first), or None."""
    if not dict.__contains__(STEPS, name) and name in _STEP_MODULE:
        importlib.import_module(_STEP_MODULE[name])
    if not dict.__contains__(STEPS, name):
        load_steps()
    found: type[Step] | None = dict.get(STEPS, name)
    return found


def register(cls: S) -> S:
    """Class decorator: make a step available to recipes under its `name`."""
    builtin = _STEP_MODULE.get(cls.name)
    if builtin and cls.__module__ != builtin and not cls.__module__.startswith(builtin + "."):
        # another class under a built-in's name: register the built-in first, so that this
        # one is refused here, as it was before the built-ins were imported lazily
        importlib.import_module(builtin)
    if not cls.name or dict.__contains__(STEPS, cls.name):
        raise ValueError(f"step class {cls.__name__} needs a unique name, got {cls.name!r}")
    STEPS.add(cls.name, cls)
    return cls


def require(ok: bool, step: str, param: str, expected: str, value: object) -> None:
    """Uniform parameter validation, called from each step's `__post_init__`."""
    if not ok:
        raise ConfigError(f"step {step!r}: parameter {param!r} must be {expected}, got {value!r}")
