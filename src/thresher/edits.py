"""Line-level rewriting of a document that records every change in its ledger."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import accumulate

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
    `_removal`): replacing every span of the step, from the last, gives the new text."""
    if not changes:
        return
    lines = doc.text.split("\n")
    changes = _absorb_dangling_blanks(lines, changes)
    starts = [0, *accumulate(len(line) + 1 for line in lines)]
    removed = [changes.get(i, ("", ""))[1] is None for i in range(len(lines))]
    # per line: whether every line after it, and every line before it, is removed
    after: list[bool] = list(accumulate(reversed([*removed[1:], True]), lambda a, b: a and b))[::-1]
    before: list[bool] = list(accumulate([True, *removed[:-1]], lambda a, b: a and b))
    ends = (after, before)
    new_lines: list[str] = []
    run: list[int] = []
    for i, line in enumerate(lines):
        change = changes.get(i)
        if change is not None and change[1] is None:
            if run and changes[run[-1]][0] != change[0]:
                doc.ledger.append(_removal(step, changes[run[0]][0], run, starts, doc.text, ends))
                run = []
            run.append(i)
            continue
        if run:
            doc.ledger.append(_removal(step, changes[run[0]][0], run, starts, doc.text, ends))
            run = []
        if change is not None and change[1] is not None and change[1] != line:
            end = starts[i] + len(line)
            doc.ledger.append(Edit(step, change[0], i, i, starts[i], end, line, change[1]))
            new_lines.append(change[1])
        else:
            new_lines.append(line)
    if run:
        doc.ledger.append(_removal(step, changes[run[0]][0], run, starts, doc.text, ends))
    doc.text = "\n".join(new_lines)


def _removal(
    step: str,
    reason: str,
    run: list[int],
    starts: list[int],
    text: str,
    ends: tuple[list[bool], list[bool]],
) -> Edit:
    """The edit of a run of removed lines. Removing k lines removes k line breaks (k - 1 when
    they are all the lines): each line takes the break after it, except where every line after
    the run goes too and some line before it stays: then each takes the break before it (the
    kept text must not end in a line break). Runs side by side never share a break."""
    first, last = run[0], run[-1]
    start, end = starts[first], starts[last + 1] - 1  # the lines, without breaks
    all_after, all_before = ends
    if all_after[last] and not all_before[first]:
        start -= 1
    elif end < len(text):
        end += 1
    return Edit(step, reason, first, last, start, end, text[start:end])


def _absorb_dangling_blanks(
    lines: list[str], changes: Mapping[int, LineChange]
) -> dict[int, LineChange]:
    def removed(i: int) -> bool:
        change = changes.get(i)
        return change is not None and change[1] is None

    def stays_blank(i: int) -> bool:
        change = changes.get(i)
        new = lines[i] if change is None else change[1]
        return new is not None and not new.strip()

    out = dict(changes)
    kept = [i for i in range(len(lines)) if not removed(i)]
    blanks = [stays_blank(i) for i in kept]
    # per kept line, whether every kept line after it stays blank (one pass from the end: asking
    # it line by line made a text of many removed lines between blank ones quadratic)
    only_blanks_after = [True] * len(kept)
    for pos in range(len(kept) - 2, -1, -1):
        only_blanks_after[pos] = blanks[pos + 1] and only_blanks_after[pos + 1]
    previous_blank = True  # the text's start behaves like a blank line: no leading blanks
    for pos, i in enumerate(kept):
        blank = blanks[pos]
        neighbour = _removed_neighbour(i, removed, len(lines))
        if blank and neighbour is not None and (previous_blank or only_blanks_after[pos]):
            out[i] = (changes[neighbour][0], None)
            continue
        previous_blank = blank
    return out


def _removed_neighbour(i: int, removed: Callable[[int], bool], count: int) -> int | None:
    for j in (i - 1, i + 1):
        if 0 <= j < count and removed(j):
            return j
    return None
