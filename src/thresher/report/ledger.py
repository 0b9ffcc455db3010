"""A document's ledger laid over its text: the text before the first step, cut into what
stayed, what a step removed and what a step put in its place, each piece labelled with the
edit. The report strikes removed pieces through and the terminal view colours them.

The ledger replay rule (docs/DESIGN.md, "The ledger") runs both ways: each step's edits name
spans of the text before that step, so undoing the steps from the last gives the text before
the first, and redoing them over pieces marks what each removed. Both walks are linear in the
text and the edits of a step, so a document with 100,000 edits costs no more than its size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, pairwise

from thresher.document import Edit

KEPT = "kept"
REMOVED = "removed"
INSERTED = "inserted"


@dataclass(frozen=True, kw_only=True, slots=True)
class Piece:
    """A run of text and what happened to it: `kept`, `removed` or `inserted` (a replacement;
    one that a later step removed is `removed`); `edit` names the step and reason."""

    text: str
    kind: str
    edit: str = ""

    @property
    def live(self) -> bool:
        """Whether the piece is in the text after the steps applied so far."""
        return self.kind != REMOVED


class LedgerMismatch(ValueError):
    """The ledger does not fit the text (a record edited by hand, a damaged shard)."""


def pieces(text: str, ledger: list[Edit]) -> list[Piece]:
    """The pieces of a document whose final text is `text`; raises `LedgerMismatch` when the
    ledger does not replay to it."""
    steps = [list(edits) for _, edits in groupby(ledger, key=lambda edit: edit.step)]
    original = text
    for edits in reversed(steps):
        original = _undo(original, _in_order(edits))
    result = [Piece(text=original, kind=KEPT)] if original else []
    for edits in steps:
        result = _redo(result, _in_order(edits))
    if "".join(p.text for p in result if p.live) != text:
        raise LedgerMismatch("the ledger replayed does not give the document's text")
    return result


def _in_order(edits: Iterable[Edit]) -> list[Edit]:
    """A step's edits by position; they never overlap (docs/DESIGN.md)."""
    ordered = sorted(edits, key=lambda edit: (edit.start, edit.end))
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise LedgerMismatch(f"edits of step {before.step!r} overlap")
    return ordered


def _undo(after: str, edits: list[Edit]) -> str:
    """The text before a step, from the text after it and the step's edits."""
    parts: list[str] = []
    before_at = after_at = 0  # where the next unchanged run starts, in each text
    for edit in edits:
        gap = edit.start - before_at
        if gap < 0:
            raise LedgerMismatch("an edit starts before the previous one ends")
        parts.append(after[after_at : after_at + gap])
        after_at += gap
        if after[after_at : after_at + len(edit.replacement)] != edit.replacement:
            raise LedgerMismatch(f"edit {edit.start}-{edit.end}: replacement not in the text")
        parts.append(edit.removed)
        after_at += len(edit.replacement)
        before_at = edit.end
    if after_at > len(after):
        raise LedgerMismatch("the edits run past the end of the text")
    parts.append(after[after_at:])
    return "".join(parts)


def _redo(current: list[Piece], edits: list[Edit]) -> list[Piece]:
    """The pieces after a step: its removed spans marked, its replacements put in."""
    out: list[Piece] = []
    walker = _Walker(current, out)
    for edit in edits:
        label = f"{edit.step}: {edit.reason}"
        walker.copy_to(edit.start)
        removed = walker.copy_to(edit.end, removed_by=label)
        if removed != edit.removed:
            raise LedgerMismatch(f"edit {edit.start}-{edit.end}: removed text not in the text")
        if edit.replacement:
            out.append(Piece(text=edit.replacement, kind=INSERTED, edit=label))
    walker.copy_to(None)
    return _joined(out)


def _joined(split: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of the same kind and edit as one (a walk splits them)."""
    joined: list[Piece] = []
    for (kind, edit), group in groupby(split, key=lambda piece: (piece.kind, piece.edit)):
        run = list(group)
        text = run[0].text if len(run) == 1 else "".join(piece.text for piece in run)
        joined.append(run[0] if len(run) == 1 else Piece(text=text, kind=kind, edit=edit))
    return joined


class _Walker:
    """Copies pieces to `out` in order, up to a position of the live text, marking what it
    copies as removed when asked; splits a piece where a position falls inside it (by where
    the copy stopped in it: cutting off the rest at each edit made a long piece with many
    edits cost its length once per edit)."""

    def __init__(self, pieces: list[Piece], out: list[Piece]) -> None:
        self.rest: Iterator[Piece] = iter(pieces)
        self.current: Piece | None = next(self.rest, None)
        self.offset = 0  # characters of `current` already copied
        self.position = 0
        self.out = out

    def copy_to(self, end: int | None, removed_by: str = "") -> str:
        """Copy up to live position `end` (None: to the end); return the live text copied."""
        copied: list[str] = []
        while self.current is not None and (end is None or self.position < end):
            piece = self.current
            if not piece.live:
                self.out.append(piece)
                self._next()
                continue
            left = len(piece.text) - self.offset
            room = left if end is None else min(left, end - self.position)
            head = piece.text[self.offset : self.offset + room]
            self.out.append(_marked(head, piece, removed_by))
            copied.append(head)
            self.position += room
            self.offset += room
            if self.offset == len(piece.text):
                self._next()
        return "".join(copied)

    def _next(self) -> None:
        self.current = next(self.rest, None)
        self.offset = 0


def _marked(text: str, piece: Piece, removed_by: str) -> Piece:
    if not removed_by:
        return Piece(text=text, kind=piece.kind, edit=piece.edit)
    return Piece(text=text, kind=REMOVED, edit=removed_by)


def shown(all_pieces: list[Piece], limit: int) -> tuple[list[Piece], int]:
    """The pieces up to `limit` characters in all, the last one cut, and how many characters
    were left out: a sample's text stays small however long the document."""
    kept: list[Piece] = []
    room = limit
    for piece in all_pieces:
        if room <= 0:
            break
        text = piece.text[:room]
        kept.append(Piece(text=text, kind=piece.kind, edit=piece.edit))
        room -= len(text)
    left_out = sum(len(p.text) for p in all_pieces) - (limit - room)
    return kept, left_out
