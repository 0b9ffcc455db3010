import random
from itertools import accumulate

from thresher import Document
from thresher.document import Edit
from thresher.edits import remove_lines, rewrite_lines


def check_spans(before: str, doc: Document) -> None:
    """Each span is its lines, with the line breaks that go with them (the one after each
    line, or before each when the kept text ends before them); replaying gives the text, and
    the characters removed add up."""
    for edit in doc.ledger:
        assert before[edit.start : edit.end] == edit.removed
        lines = "\n".join(before.split("\n")[edit.first_line : edit.last_line + 1])
        if edit.replacement or edit.removed == lines:  # a line replaced; or all lines removed
            assert edit.removed == lines
        else:
            assert edit.removed in (lines + "\n", "\n" + lines)
    text = before
    for edit in sorted(doc.ledger, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    assert text == doc.text
    removed = sum(e.end - e.start - len(e.replacement) for e in doc.ledger)
    assert removed == len(before) - len(doc.text)


def test_consecutive_removals_with_one_reason_make_one_edit() -> None:
    before = "a\nb\nc\nd\ne"
    doc = Document(id="x", text=before)
    remove_lines(doc, "s", {1: "r1", 2: "r1", 4: "r2"})
    assert doc.text == "a\nd"
    assert [(e.reason, e.first_line, e.last_line) for e in doc.ledger] == [
        ("r1", 1, 2),
        ("r2", 4, 4),
    ]
    # the break after each line of the first run; the break before the last line
    assert [e.removed for e in doc.ledger] == ["b\nc\n", "\ne"]
    check_spans(before, doc)


def test_removing_every_line_leaves_no_break_behind() -> None:
    before = "x\ny\nz"
    doc = Document(id="x", text=before)
    remove_lines(doc, "s", {0: "r1", 1: "r2", 2: "r2"})
    assert doc.text == ""
    assert [e.removed for e in doc.ledger] == ["x\n", "y\nz"]
    check_spans(before, doc)


def test_blank_lines_left_dangling_go_with_the_removal() -> None:
    before = "Menu\n\nFirst paragraph.\n\nShare\n\nSecond paragraph.\n\nComments"
    doc = Document(id="x", text=before)
    remove_lines(doc, "s", {0: "boilerplate", 4: "boilerplate", 8: "boilerplate"})
    assert doc.text == "First paragraph.\n\nSecond paragraph."
    check_spans(before, doc)


def test_replacements_are_recorded_with_before_and_after() -> None:
    before = "one  two\nthree"
    doc = Document(id="x", text=before)
    rewrite_lines(doc, "normalize", {0: ("whitespace", "one two")})
    assert doc.text == "one two\nthree"
    (edit,) = doc.ledger
    assert (edit.removed, edit.replacement, edit.action) == ("one  two", "one two", "replace")
    check_spans(before, doc)


def test_no_change_leaves_text_and_ledger_alone() -> None:
    doc = Document(id="x", text="same\n\ntext")
    rewrite_lines(doc, "s", {})
    remove_lines(doc, "s", {})
    assert doc.text == "same\n\ntext"
    assert doc.ledger == []


def test_an_edit_lists_its_lines_without_the_break_it_holds() -> None:
    before = "keep\n\nmenu\nshare\nkeep too\nfooter"
    doc = Document(id="x", text=before)
    remove_lines(doc, "s", {2: "nav", 3: "nav", 5: "end"})
    assert [e.lines for e in doc.ledger] == [["menu", "share"], ["footer"]]
    rewrite_lines(doc, "t", {0: ("case", "KEEP")})
    assert doc.ledger[-1].lines == ["keep"]


def test_the_ledger_diff_shows_each_removed_line_once() -> None:
    from thresher.document import ledger_diff

    doc = Document(id="x", text="keep\nx\nkeep2")
    remove_lines(doc, "s", {1: "r"})
    assert ledger_diff(doc).split("\n")[1:] == ["-x"]


def _absorbed_by_definition(lines: list[str], changes: dict[int, tuple[str, str | None]]) -> dict:
    """The dangling-blank rule as first written, line by line (quadratic on long texts): the
    reference the linear version must match."""

    def removed(i: int) -> bool:
        return i in changes and changes[i][1] is None

    def stays_blank(i: int) -> bool:
        new = changes[i][1] if i in changes else lines[i]
        return new is not None and not new.strip()

    out = dict(changes)
    kept = [i for i in range(len(lines)) if not removed(i)]
    previous_blank = True
    for pos, i in enumerate(kept):
        blank = stays_blank(i)
        neighbour = next((j for j in (i - 1, i + 1) if 0 <= j < len(lines) and removed(j)), None)
        last_blanks = all(stays_blank(j) for j in kept[pos + 1 :])
        if blank and neighbour is not None and (previous_blank or last_blanks):
            out[i] = (changes[neighbour][0], None)
            continue
        previous_blank = blank
    return out


def test_dangling_blanks_are_absorbed_as_the_rule_defines_them() -> None:
    from thresher.edits import _absorb_dangling_blanks

    rng = random.Random(3)
    for _ in range(3_000):
        lines = [
            rng.choice(["", " ", "text", "more text", "\t"]) for _ in range(rng.randint(1, 14))
        ]
        changes: dict[int, tuple[str, str | None]] = {}
        for i in rng.sample(range(len(lines)), rng.randint(0, len(lines))):
            changes[i] = (rng.choice("ab"), rng.choice([None, None, "", "new", "  "]))
        assert _absorb_dangling_blanks(lines, changes) == _absorbed_by_definition(lines, changes)


def test_many_removed_lines_between_blank_ones_all_go() -> None:
    """20,001 lines, every other one removed: the blank lines between them go too (this took
    seconds when each blank line looked at all the lines after it)."""
    text = "\n".join(["junk"] + ["", "junk"] * 10_000)
    doc = Document(id="x", text=text)
    remove_lines(doc, "t", {i: "x" for i, line in enumerate(text.split("\n")) if line})
    assert doc.text == ""
    assert [(e.first_line, e.last_line) for e in doc.ledger] == [(0, 20_000)]


def _rewritten_by_definition(
    text: str, step: str, changes: dict[int, tuple[str, str | None]]
) -> tuple[str, list[Edit]]:
    """`rewrite_lines` as first written, line by line: the reference for the version that
    visits only the changed lines. Returns the new text and the edits."""
    lines = text.split("\n")
    changes = _absorbed_by_definition(lines, changes) if changes else changes
    starts = [0, *accumulate(len(line) + 1 for line in lines)]
    removed = [changes.get(i, ("", ""))[1] is None for i in range(len(lines))]
    after = [all(removed[i + 1 :]) for i in range(len(lines))]
    before = [all(removed[:i]) for i in range(len(lines))]
    edits: list[Edit] = []

    def removal(reason: str, run: list[int]) -> Edit:
        first, last = run[0], run[-1]
        start, end = starts[first], starts[last + 1] - 1
        if after[last] and not before[first]:
            start -= 1
        elif end < len(text):
            end += 1
        return Edit(step, reason, first, last, start, end, text[start:end])

    new_lines: list[str] = []
    run: list[int] = []
    for i, line in enumerate(lines):
        change = changes.get(i)
        if change is not None and change[1] is None:
            if run and changes[run[-1]][0] != change[0]:
                edits.append(removal(changes[run[0]][0], run))
                run = []
            run.append(i)
            continue
        if run:
            edits.append(removal(changes[run[0]][0], run))
            run = []
        if change is not None and change[1] is not None and change[1] != line:
            edits.append(
                Edit(step, change[0], i, i, starts[i], starts[i] + len(line), line, change[1])
            )
            new_lines.append(change[1])
        else:
            new_lines.append(line)
    if run:
        edits.append(removal(changes[run[0]][0], run))
    return "\n".join(new_lines), edits


def test_rewriting_lines_gives_what_the_line_by_line_rule_gives() -> None:
    rng = random.Random(11)
    pieces = ["", " ", "text", "more text", "\t", "x"]
    for _ in range(5_000):
        lines = [rng.choice(pieces) for _ in range(rng.randint(1, 16))]
        text = "\n".join(lines)
        changes: dict[int, tuple[str, str | None]] = {}
        for i in rng.sample(range(len(lines)), rng.randint(0, len(lines))):
            changes[i] = (
                rng.choice("ab"),
                rng.choice([None, None, None, "", "new", "  ", lines[i]]),
            )
        doc = Document(id="x", text=text)
        rewrite_lines(doc, "s", changes)
        assert (doc.text, doc.ledger) == _rewritten_by_definition(text, "s", changes), changes
        check_spans(text, doc)
