"""Line-level rewriting of a document that records every change in its ledger."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import accumulate, repeat
from operator import add

from thresher.document import Document, Edit

# A change to one line: the reason category and the new line, or None to remove the line.
LineChange = tuple[str, str | None]


def remove_lines(doc: Document, step: str, reasons: Mapping[int, str]) -> None:
    """Remove the lines `reasons` names (line index -> reason category)."""
    rewrite_lines(doc, step, {i: (reason, None) for i, reason in reasons.items()})


def rewrite_lines(doc: Document, step: str, changes: Mapping[int, LineChange]) -> None:
    """Apply line changes to `doc.text` and append one ledger edit per run of consecutive lines
    removed for the same reason, and one per replaced line. Blank lines left dangling by a
    removal (leading, trailing or doubled) go with that removal, so paragraphs stay separated by
    at most one blank line. A removal's span holds the line breaks that go with its lines (see
    `_removal`): replacing every span of the step, from the last, gives the new text. The work
    is in the changed lines (and the unchanged runs between them, copied whole): a step that
    changes two lines of a long text pays little more than the split and the join."""
    if not changes:
        return
    text = doc.text
    lines = text.split("\n")
    count = len(lines)
    changes = _absorb_dangling_blanks(lines, changes)
    changed = sorted(i for i in changes if 0 <= i < count)
    starts = [0, *accumulate(map(add, map(len, lines), repeat(1)))]
    removed = [i for i in changed if changes[i][1] is None]
    ends = _removed_ends(removed, count)
    new_lines: list[str] = []
    copied = 0  # lines before this one are in `new_lines` or removed
    run: list[int] = []
    for i in changed:
        reason, new = changes[i]
        if run and (new is not None or run[-1] != i - 1 or changes[run[0]][0] != reason):
            doc.ledger.append(_removal(step, changes[run[0]][0], run, starts, text, ends))
            run = []
        new_lines.extend(lines[copied:i])
        copied = i + 1
        if new is None:
            run.append(i)
        elif new != lines[i]:
            doc.ledger.append(Edit(step, reason, i, i, starts[i], starts[i + 1] - 1, lines[i], new))
            new_lines.append(new)
        else:
            new_lines.append(new)
    if run:
        doc.ledger.append(_removal(step, changes[run[0]][0], run, starts, text, ends))
    new_lines.extend(lines[copied:])
    doc.text = "\n".join(new_lines)


def _removed_ends(removed: list[int], count: int) -> tuple[int, int]:
    """Of `count` lines, `removed` (ascending): the first line of the run of removed lines that
    ends the text (`count` if the last line stays) and the first line that stays (`count` if
    none): every line from the first on goes; every line before the second goes."""
    tail = count
    for i in reversed(removed):
        if i != tail - 1:
            break
        tail = i
    head = 0
    for i in removed:
        if i != head:
            break
        head = i + 1
    return tail, head


def _removal(
    step: str,
    reason: str,
    run: list[int],
    starts: list[int],
    text: str,
    ends: tuple[int, int],
) -> Edit:
    """The edit of a run of removed lines. Removing k lines removes k line breaks (k - 1 when
    they are all the lines): each line takes the break after it, except where every line after
    the run goes too and some line before it stays: then each takes the break before it (the
    kept text must not end in a line break). Runs side by side never share a break."""
    first, last = run[0], run[-1]
    start, end = starts[first], starts[last + 1] - 1  # the lines, without breaks
    removed_tail, first_kept = ends
    if last + 1 >= removed_tail and first_kept < first:
        start -= 1
    elif end < len(text):
        end += 1
    return Edit(step, reason, first, last, start, end, text[start:end])


def _absorb_dangling_blanks(
    lines: list[str], changes: Mapping[int, LineChange]
) -> dict[int, LineChange]:
    """`changes`, and a removal for each kept line that would be left dangling: a line that
    stays blank, beside a removed line, and first in the text or after a blank line (one that
    stays), or with only blank lines after it. Only such lines are looked at, in order, each
    with the nearest kept line before it; a text's other lines cost nothing here."""
    count = len(lines)

    def removed(i: int) -> bool:
        change = changes.get(i)
        return change is not None and change[1] is None

    def stays_blank(i: int) -> bool:
        change = changes.get(i)
        new = lines[i] if change is None else change[1]
        return new is not None and not new.strip()

    out = dict(changes)
    beside = sorted(
        {
            j
            for i in changes
            if 0 <= i < count and removed(i)
            for j in (i - 1, i + 1)
            if 0 <= j < count
        }
    )
    candidates = [i for i in beside if not removed(i) and stays_blank(i)]
    if not candidates:
        return out
    last_text = count - 1  # the last kept line that does not stay blank (-1: none)
    while last_text >= 0 and (removed(last_text) or stays_blank(last_text)):
        last_text -= 1
    # what `previous_blank` was after each candidate: absorbed lines leave it as it was
    blank_after: dict[int, bool] = {}
    for i in candidates:
        before = i - 1
        while before >= 0 and removed(before):
            before -= 1
        if before < 0:
            previous_blank = True  # the text's start behaves like a blank line
        elif before in blank_after:
            previous_blank = blank_after[before]
        else:
            previous_blank = stays_blank(before)
        neighbour = i - 1 if i > 0 and removed(i - 1) else i + 1
        if previous_blank or last_text < i:
            out[i] = (changes[neighbour][0], None)
            blank_after[i] = previous_blank
        else:
            blank_after[i] = True
    return out
