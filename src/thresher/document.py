"""The record that flows through a run: `Document`, its ledger of `Edit`s, and its verdict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, Literal

# Metadata keys with a meaning to thresher. Readers and steps use these names, never literals.
URL: Final = "url"
DATE: Final = "date"
HTTP_STATUS: Final = "http_status"
TITLE: Final = "title"
SOURCE: Final = "source"
POSITION: Final = "position"
SALVAGED: Final = "salvaged"
HEADER: Final = "header"  # "missing" on a `.txt` record read without a crawl header

KEPT: Final = "kept"
REJECTED: Final = "rejected"

Status = Literal["kept", "rejected"]

# Where a JSONL or Parquet record's own field keeps its value when its name is one of
# THRESHER_KEYS: thresher's keys are thresher's, and nothing the input carries is replaced.
INPUT: Final = "input"
# The metadata keys thresher computes for a JSONL or Parquet document, as readers and steps
# name them (a contract test holds the steps' constants to this list). `metadata` is here too:
# a record's nested metadata object is kept whole, under `metadata.input.metadata`.
THRESHER_KEYS: Final = frozenset(
    {
        SOURCE,
        POSITION,
        SALVAGED,
        INPUT,
        "metadata",
        "language",
        "language_score",
        "signals",
        "cluster",
        "cluster_size",
        "duplicate_of",
        "duplicate_similarity",
        "duplicates",
        "site_boilerplate",
        "charset",
        "charset_source",
        "extractor",
    }
)
# Keys the steps read, that a nested metadata object may hold (dolma's `metadata.url`, the
# `metadata` of thresher's own output): copied to the top where the record has none there.
DESCRIPTIVE_KEYS: Final = (URL, DATE, HTTP_STATUS, TITLE)


@dataclass(frozen=True, slots=True)
class Edit:
    """One change a step made: lines `first_line..last_line` (0-based, inclusive) and the
    character span `start..end` of the text *as it was before that step*, replaced by
    `replacement` (empty for a removal). A removal of whole lines holds the line breaks that
    go with them (docs/DESIGN.md, "The ledger"), so replacing the spans gives the new text."""

    step: str
    reason: str
    first_line: int
    last_line: int
    start: int
    end: int
    removed: str
    replacement: str = ""

    @property
    def action(self) -> str:
        return "replace" if self.replacement else "remove"

    @property
    def lines(self) -> list[str]:
        """The lines removed or replaced, without the line break a removal holds at its edge
        (for display: where a removal holds a break on both sides, its lines are taken to be
        followed by theirs, which a removal ending the text with a blank line is not)."""
        text = self.removed
        if not self.replacement and self.last_line - self.first_line + 1 == text.count("\n"):
            text = text[:-1] if text.endswith("\n") else text[1:]
        return text.split("\n")

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "reason": self.reason,
            "action": self.action,
            "first_line": self.first_line,
            "last_line": self.last_line,
            "start": self.start,
            "end": self.end,
            "removed": self.removed,
            "replacement": self.replacement,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Edit:
        return cls(
            step=str(data["step"]),
            reason=str(data["reason"]),
            first_line=int(data["first_line"]),
            last_line=int(data["last_line"]),
            start=int(data["start"]),
            end=int(data["end"]),
            removed=str(data["removed"]),
            replacement=str(data.get("replacement", "")),
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a document left the kept stream: the step that decided and its reason category."""

    step: str
    reason: str
    detail: str = ""


@dataclass(slots=True)
class Document:
    """A record in flight. `id` is stable across runs; `ledger` lists every edit in order."""

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    ledger: list[Edit] = field(default_factory=list)
    rejection: Rejection | None = None
    # What steps derive from `text` and share for the run (the quality rules' word split):
    # no part of the record, so never written (`to_dict`), compared, shown or pickled; its
    # owner (quality.analysis.analysis_of) checks that it is still of the current text.
    _derived: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def status(self) -> Status:
        return REJECTED if self.rejection is not None else KEPT

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        """The record's fields only: a pickled or copied document starts without the cache."""
        return None, {f.name: getattr(self, f.name) for f in fields(self) if f.compare}

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        for name, value in state[1].items():
            object.__setattr__(self, name, value)
        self._derived = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.rejection is not None:
            out["reason"] = self.rejection.reason
            out["rejected_by"] = self.rejection.step
            if self.rejection.detail:
                out["detail"] = self.rejection.detail
        out["text"] = self.text
        out["metadata"] = self.metadata
        out["ledger"] = [edit.to_dict() for edit in self.ledger]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        rejection = None
        if data.get("status") == REJECTED:
            rejection = Rejection(
                step=str(data.get("rejected_by", "")),
                reason=str(data.get("reason", "")),
                detail=str(data.get("detail", "")),
            )
        return cls(
            id=str(data["id"]),
            text=str(data["text"]),
            metadata=dict(data.get("metadata") or {}),
            ledger=[Edit.from_dict(e) for e in data.get("ledger") or ()],
            rejection=rejection,
        )


def ledger_diff(doc: Document) -> str:
    """The ledger as a readable diff: one hunk per edit, `-` lines removed, `+` lines added."""
    hunks: list[str] = []
    for edit in doc.ledger:
        lines = (
            f"@@ {edit.step} [{edit.reason}] lines {edit.first_line}-{edit.last_line}"
            f" chars {edit.start}-{edit.end} @@"
        )
        hunks.append(lines)
        hunks.extend("-" + line for line in edit.lines)
        if edit.replacement:
            hunks.extend(_prefixed("+", edit.replacement))
    return "\n".join(hunks)


def _prefixed(sign: str, text: str) -> Iterable[str]:
    return (sign + line for line in text.split("\n"))
