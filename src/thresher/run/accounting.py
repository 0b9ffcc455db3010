"""Counts that prove nothing was lost: per input file and in total, `in = kept + rejected +
quarantined`. Every counter is an integer, so merging across workers is exact."""

from __future__ import annotations

import base64
import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xxhash

from thresher.document import KEPT, REJECTED, URL, Document, Edit
from thresher.sites.site import host_of, registered_domain
from thresher.steps import STEP_ERROR, StepStats

LANGUAGE = "language"  # the metadata key the language step writes (document.THRESHER_KEYS)


def id_hash(doc_id: str) -> int:
    """A document id as 64 bits: what counting repeated ids keeps of each (8 bytes a record;
    two distinct ids of a billion-record run collide with a chance of about 1 in 40)."""
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8", "surrogatepass"))


def _pack(hashes: list[int]) -> str:
    return base64.b64encode(np.asarray(hashes, np.uint64).tobytes()).decode("ascii")


def _unpack(packed: str) -> list[int]:
    values: list[int] = np.frombuffer(base64.b64decode(packed), np.uint64).tolist()
    return values


@dataclass(slots=True)
class Counts:
    kept: int = 0
    rejected: int = 0
    quarantined: int = 0
    salvaged: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.rejected + self.quarantined

    def merge(self, other: Counts) -> None:
        self.kept += other.kept
        self.rejected += other.rejected
        self.quarantined += other.quarantined
        self.salvaged += other.salvaged

    def to_dict(self, records_in: int) -> dict[str, int]:
        return {
            "in": records_in,
            "kept": self.kept,
            "rejected": self.rejected,
            "quarantined": self.quarantined,
            "salvaged": self.salvaged,
        }


# A rejection's rule is its detail when that is a rule's name ("gopher_below_alpha_threshold");
# a detail in words has its numbers and ids folded ("copy of N (cluster N)"), so that rules stay
# few; a step's exception keeps only its type (its message may quote the document).
_RULE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
_RULE_NAME = re.compile(r"[a-zA-Z0-9_\-.]*")  # _RULE_CHARS, matched in C (per rejection)
_MAX_RULE_CHARS = 80
RULES_SHOWN = 50  # per reason in summary.json; the rest count as OTHER_RULE
OTHER_RULE = "(other)"
SITES_SHOWN = 50  # in summary.json, most documents first
NO_SITE = "(no url)"
NO_LANGUAGE = "(none)"  # rejected before the language step, or a recipe without one


def rule_of(reason: str, detail: str) -> str:
    """The rule that rejected a document, from its rejection's reason and detail: what
    summary.json counts rejections by, and the report groups its samples by."""
    if not detail:
        return reason
    if reason == STEP_ERROR:
        return detail.split(":", 1)[0][:_MAX_RULE_CHARS]
    if len(detail) <= _MAX_RULE_CHARS and _RULE_NAME.fullmatch(detail):  # only _RULE_CHARS
        return detail
    return " ".join(_fold_token(token) for token in detail.split())[:_MAX_RULE_CHARS]


def _fold_token(token: str) -> str:
    """A word of a detail, "N" in place of its core when that is a number or an id (a long
    word with a digit), its surrounding punctuation kept; "3-gram" stays."""
    core = token.strip("()[]{}<>,.;:'\"")
    number = core.replace(".", "").replace(",", "").lstrip("-").isdigit()
    if not core or not (number or (len(core) >= 8 and any(c.isdigit() for c in core))):
        return token
    start = token.find(core)
    return token[:start] + "N" + token[start + len(core) :]


def site_name(metadata: dict[str, Any]) -> str:
    """The document's site, as the site-boilerplate step keys it by default: the registered
    domain of its URL."""
    url = metadata.get(URL)
    if not isinstance(url, str) or not url:
        return NO_SITE
    return registered_domain(host_of(url)) or NO_SITE


def chars_removed(edit: Edit) -> int:
    """What an edit took from the text (negative where its replacement is longer)."""
    return edit.end - edit.start - len(edit.replacement)


@dataclass
class Breakdown:
    """Where documents and characters went, beyond the counts: rejections by rule, characters
    in, kept, rejected and removed by repairs (in = kept + rejected + removed: a document's
    text before the first step is its final text plus what its edits removed), and documents
    and characters per language and per site. Integer counters only, so merging is exact."""

    rules: dict[str, Counter[str]] = field(default_factory=dict)  # reason -> rule -> documents
    chars: Counter[str] = field(default_factory=Counter)  # in, kept, rejected, removed
    rejected_chars: Counter[str] = field(default_factory=Counter)  # by rejection reason
    removed_chars: Counter[str] = field(default_factory=Counter)  # by edit reason
    languages: dict[str, Counter[str]] = field(default_factory=dict)
    sites: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, doc: Document) -> None:
        # Runs for every document: direct increments (a key is made even for a 0, in the same
        # order as before), no Counter.update (a Python loop over a dict made for the call)
        removed = 0
        if doc.ledger:
            removed_chars = self.removed_chars
            for edit in doc.ledger:
                taken = edit.end - edit.start - len(edit.replacement)
                removed += taken
                removed_chars[edit.reason] += taken
        rejection = doc.rejection
        status = KEPT if rejection is None else REJECTED  # Document.status
        text_chars = len(doc.text)
        chars_in = text_chars + removed
        chars = self.chars
        chars["in"] += chars_in
        chars[status] += text_chars
        chars["removed"] += removed
        if rejection is not None:
            reason = rejection.reason
            rules = self.rules.get(reason)
            if rules is None:
                rules = self.rules[reason] = Counter()
            rules[rule_of(reason, rejection.detail)] += 1
            self.rejected_chars[reason] += text_chars
        metadata = doc.metadata
        language = metadata.get(LANGUAGE)
        language = language if isinstance(language, str) and language else NO_LANGUAGE
        kept_chars = text_chars if rejection is None else 0
        for table, key in ((self.languages, language), (self.sites, site_name(metadata))):
            counts = table.get(key)
            if counts is None:
                counts = table[key] = Counter()
            counts[status] += 1
            counts["chars_in"] += chars_in
            counts["chars_kept"] += kept_chars

    def merge(self, other: Breakdown) -> None:
        _merge_tables(self.rules, other.rules)
        _merge_tables(self.languages, other.languages)
        _merge_tables(self.sites, other.sites)
        self.chars.update(other.chars)
        self.rejected_chars.update(other.rejected_chars)
        self.removed_chars.update(other.removed_chars)

    def to_dict(self) -> dict[str, Any]:
        """Everything, for the run's record of a finished chunk."""
        return {
            "rules": _plain(self.rules),
            "chars": dict(self.chars),
            "rejected_chars": dict(self.rejected_chars),
            "removed_chars": dict(self.removed_chars),
            "languages": _plain(self.languages),
            "sites": _plain(self.sites),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Breakdown:
        """A chunk's record; one written before these counts were kept gives zeros."""

        def table(name: str) -> dict[str, Counter[str]]:
            return {key: Counter(value) for key, value in data.get(name, {}).items()}

        return cls(
            rules=table("rules"),
            chars=Counter(data.get("chars", {})),
            rejected_chars=Counter(data.get("rejected_chars", {})),
            removed_chars=Counter(data.get("removed_chars", {})),
            languages=table("languages"),
            sites=table("sites"),
        )

    def summary(self) -> dict[str, Any]:
        """summary.json's part: sorted, rules capped per reason, the top sites."""
        return {
            "rules": {reason: _top_rules(self.rules[reason]) for reason in sorted(self.rules)},
            "chars": {key: self.chars[key] for key in ("in", "kept", "rejected", "removed")},
            "rejected_chars": dict(sorted(self.rejected_chars.items())),
            "removed_chars": dict(sorted(self.removed_chars.items())),
            "languages": {
                language: _place(self.languages[language]) for language in sorted(self.languages)
            },
            "sites": {
                "count": len(self.sites),
                "top": [
                    {"site": site, **_place(self.sites[site])}
                    for site in _most_documents(self.sites)[:SITES_SHOWN]
                ],
            },
        }


def _merge_tables(mine: dict[str, Counter[str]], theirs: dict[str, Counter[str]]) -> None:
    for key, counts in theirs.items():
        mine.setdefault(key, Counter()).update(counts)


def _plain(table: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
    return {key: dict(counts) for key, counts in table.items()}


def _place(counts: Counter[str]) -> dict[str, int]:
    """A language's or site's documents and characters, always the same keys."""
    return {key: counts[key] for key in ("kept", "rejected", "chars_in", "chars_kept")}


def _most_documents(table: dict[str, Counter[str]]) -> list[str]:
    """Keys by documents, most first; ties by name, so the order is the same for any run."""
    return sorted(table, key=lambda key: (-(table[key]["kept"] + table[key]["rejected"]), key))


def _top_rules(rules: Counter[str]) -> dict[str, int]:
    """A reason's rules, most documents first, the rest beyond RULES_SHOWN summed."""
    ordered = sorted(rules.items(), key=lambda item: (-item[1], item[0]))
    top = dict(ordered[:RULES_SHOWN])
    rest = sum(count for _, count in ordered[RULES_SHOWN:])
    if rest:
        top[OTHER_RULE] = top.get(OTHER_RULE, 0) + rest
    return top


@dataclass
class UnitResult:
    """What one unit reports back: counts per source file, rejection reasons, step stats,
    quarantine entries, and the hash of every document id read (`id_hash`), to count the ids
    that repeat across the whole run. `records_in` counts what the readers produced,
    independently of where each record went, so the equation is a check and not a tautology."""

    index: int
    records_in: Counter[str] = field(default_factory=Counter)
    files: dict[str, Counts] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    steps: dict[str, StepStats] = field(default_factory=dict)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    id_hashes: list[int] = field(default_factory=list)
    breakdown: Breakdown = field(default_factory=Breakdown)

    def counts(self, source: str) -> Counts:
        return self.files.setdefault(source, Counts())

    def to_dict(self) -> dict[str, Any]:
        """Everything, exactly (timing too), for the run's record of finished chunks."""
        return {
            "index": self.index,
            "records_in": dict(self.records_in),
            "files": {source: dataclasses.asdict(c) for source, c in self.files.items()},
            "reasons": dict(self.reasons),
            "steps": {
                name: {**s.to_dict(), "seconds": s.seconds} for name, s in self.steps.items()
            },
            "quarantine": self.quarantine,
            "seconds": self.seconds,
            "id_hashes": _pack(self.id_hashes),
            "breakdown": self.breakdown.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UnitResult:
        steps = {}
        for name, s in data["steps"].items():
            steps[name] = StepStats(
                step=name,
                docs=s["docs"],
                rejected=Counter(s["rejected"]),
                edits=Counter(s["edits"]),
                chars_removed=s["chars_removed"],
                seconds=s["seconds"],
            )
        return cls(
            index=data["index"],
            records_in=Counter(data["records_in"]),
            files={source: Counts(**c) for source, c in data["files"].items()},
            reasons=Counter(data["reasons"]),
            steps=steps,
            quarantine=list(data["quarantine"]),
            seconds=data["seconds"],
            id_hashes=_unpack(data.get("id_hashes", "")),
            breakdown=Breakdown.from_dict(data.get("breakdown", {})),
        )


@dataclass
class Summary:
    """The whole run's accounting, merged from unit results in unit order."""

    records_in: Counter[str] = field(default_factory=Counter)
    files: dict[str, Counts] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    steps: dict[str, StepStats] = field(default_factory=dict)
    skipped_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about the inputs: a file named twice
    corpus: dict[str, dict[str, Any]] = field(default_factory=dict)  # reports of corpus steps
    breakdown: Breakdown = field(default_factory=Breakdown)
    # the distinct id hashes so far, the units' hashes not yet merged in, and how many were read
    _ids_seen: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.uint64), init=False, repr=False, compare=False
    )
    _ids_pending: list[np.ndarray] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _ids_read: int = field(default=0, init=False, repr=False)

    def add(self, result: UnitResult) -> None:
        if result.id_hashes:
            self._ids_pending.append(np.asarray(result.id_hashes, np.uint64))
            self._ids_read += len(result.id_hashes)
        self.records_in.update(result.records_in)
        for source, counts in result.files.items():
            self.files.setdefault(source, Counts()).merge(counts)
        self.reasons.update(result.reasons)
        for name, stats in result.steps.items():
            self.steps.setdefault(name, StepStats(name)).merge(stats)
        self.breakdown.merge(result.breakdown)

    @property
    def totals(self) -> Counts:
        total = Counts()
        for counts in self.files.values():
            total.merge(counts)
        return total

    @property
    def duplicate_ids(self) -> int:
        """Documents whose id an earlier document of the run already had (real crawls repeat
        WARC record ids): the ids read less the distinct ones, over every unit and worker."""
        if self._ids_pending:
            self._ids_seen = np.unique(np.concatenate([self._ids_seen, *self._ids_pending]))
            self._ids_pending = []
        return self._ids_read - len(self._ids_seen)

    @property
    def balanced(self) -> bool:
        per_file = all(
            self.records_in[source] == counts.total for source, counts in self.files.items()
        )
        return per_file and sum(self.records_in.values()) == self.totals.total

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.totals.to_dict(sum(self.records_in.values())),
            "balanced": self.balanced,
            "reasons": dict(sorted(self.reasons.items())),
            "files": {
                source: self.files[source].to_dict(self.records_in[source])
                for source in sorted(self.files)
            },
            "skipped_files": self.skipped_files,
            "warnings": self.warnings,
            "duplicate_ids": self.duplicate_ids,
            "steps": {name: stats.to_dict() for name, stats in self.steps.items()},
            **self.breakdown.summary(),
            **self.corpus,
        }
