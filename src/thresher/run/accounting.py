"""Counts that prove nothing was lost: per input file and in total, `in = kept + rejected +
quarantined`. Every counter is an integer, so merging across workers is exact."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from thresher.steps import StepStats


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
    quarantine entries. `records_in` counts what the readers produced, independently of
    where each record went, so the equation is a check and not a tautology."""

    index: int
    records_in: Counter[str] = field(default_factory=Counter)
    files: dict[str, Counts] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    steps: dict[str, StepStats] = field(default_factory=dict)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

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
        )


@dataclass
class Summary:
    """The whole run's accounting, merged from unit results in unit order."""

    records_in: Counter[str] = field(default_factory=Counter)
    files: dict[str, Counts] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    steps: dict[str, StepStats] = field(default_factory=dict)
    skipped_files: list[str] = field(default_factory=list)
    corpus: dict[str, dict[str, Any]] = field(default_factory=dict)  # reports of corpus steps

    def add(self, result: UnitResult) -> None:
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
            "steps": {name: stats.to_dict() for name, stats in self.steps.items()},
            **self.corpus,
        }
