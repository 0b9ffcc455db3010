from thresher import Document
from thresher.edits import remove_lines, rewrite_lines


def check_spans(before: str, doc: Document) -> None:
    for edit in doc.ledger:
        assert before[edit.start : edit.end] == edit.removed
        lines = before.split("\n")[edit.first_line : edit.last_line + 1]
        assert "\n".join(lines) == edit.removed


def test_consecutive_removals_with_one_reason_make_one_edit() -> None:
    before = "a\nb\nc\nd\ne"
    doc = Document(id="x", text=before)
    remove_lines(doc, "s", {1: "r1", 2: "r1", 4: "r2"})
    assert doc.text == "a\nd"
    assert [(e.reason, e.first_line, e.last_line) for e in doc.ledger] == [
        ("r1", 1, 2),
        ("r2", 4, 4),
    ]
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
