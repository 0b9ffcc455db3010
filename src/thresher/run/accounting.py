"""Counts that prove nothing was lost: per input file and in total, `in = kept + rejected +
quarantined`. Every counter is an integer, so merging across workers is exact."""

from __future__ import annotations

import base64
import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xxhash

from thresher.steps import StepStats


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
            **self.corpus,
        }
