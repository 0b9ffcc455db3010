"""Property-based tests (hypothesis): readers never let an exception escape on arbitrary bytes,
and every registered repair or filter step returns on arbitrary text with a ledger that
replays: applying the recorded edits to the input reproduces the output."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thresher import STEPS, CorpusStep, Document, Quarantined
from thresher.readers import InputFile, read_file

SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that reaches the interesting branches: every code point hypothesis likes (surrogates
# included), and words, markup, PII shapes and line structure mixed in.
PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        " ",
        "  ",
        "\t",
        "\r\n",
        "\x00",
        "\u200b",
        "\u202e",
        "\ufeff",
        "\u2028",
        "Home",
        "Menu",
        "404",
        "Not Found",
        "Page not found",
        "Cookie",
        "Accept",
        "©",
        "2024",
        "All rights reserved",
        "Share",
        "Tweet",
        "Subscribe",
        "Read more",
        "jane@example.com",
        "8.8.8.8",
        "+1 (555) 123-4567",
        "lorem ipsum",
        "javascript",
        "{",
        "}",
        "[1]",
        "The river runs through the old city.",
        "Ã©",
        "â€™",
        "<p>",
        "...",
        "•",
        "|",
        ">",
        "der die das",
        "Москва",
        "東京",
        "a",
        "1.",
    ]
)
TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=60).map("".join),
)


def replayed(before: str, doc: Document, first_edit: int = 0) -> str:
    """The text after applying the ledger's edits (from `first_edit` on) to `before`, by the
    rule docs/DESIGN.md states: each step's edits are spans of the text as that step found it
    (a removal of whole lines holding their line breaks), applied from the last by start and
    then end."""
    text = before
    edits = doc.ledger[first_edit:]
    i = 0
    while i < len(edits):
        step = edits[i].step
        j = i
        while j < len(edits) and edits[j].step == step:
            j += 1
        for edit in sorted(edits[i:j], key=lambda e: (e.start, e.end), reverse=True):
            assert text[edit.start : edit.end] == edit.removed
            text = text[: edit.start] + edit.replacement + text[edit.end :]
        i = j
    return text


# --- readers ---------------------------------------------------------------------------------


def _read(path: Path, fmt: str) -> list[object]:
    return list(read_file(InputFile(path.name, path, fmt)))


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_any_bytes_as_a_txt_record(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    records = _read(path, "record")
    assert len(records) == 1
    assert isinstance(records[0], (Document, Quarantined))


@SETTINGS
@given(line=st.binary(max_size=1000), text=TEXT)
def test_any_bytes_as_a_jsonl_line(tmp_path: Path, line: bytes, text: str) -> None:
    import orjson

    path = tmp_path / "a.jsonl"
    good = orjson.dumps({"text": text.encode("utf-8", "replace").decode("utf-8")})
    path.write_bytes(good + b"\n" + line + b"\n" + good + b"\n")
    records = _read(path, "jsonl")
    assert all(isinstance(r, (Document, Quarantined)) for r in records)
    # the lines around the arbitrary one are read whatever it holds
    assert isinstance(records[0], Document) and isinstance(records[-1], Document)
    assert len(records) == 2 + sum(1 for part in line.split(b"\n") if part.strip())


@SETTINGS
@given(data=st.binary(max_size=2000), cut=st.integers(min_value=0, max_value=4000))
def test_any_bytes_as_a_gzip_jsonl_file(tmp_path: Path, data: bytes, cut: int) -> None:
    for name, payload in (
        ("raw.jsonl.gz", data),  # not gzip at all
        ("cut.jsonl.gz", gzip.compress(data, mtime=0)[:cut]),  # gzip, perhaps truncated
    ):
        path = tmp_path / name
        path.write_bytes(payload)
        records = _read(path, "jsonl")
        assert all(isinstance(r, (Document, Quarantined)) for r in records)


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_any_bytes_as_a_zstd_jsonl_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "a.jsonl.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + data)
    assert all(isinstance(r, (Document, Quarantined)) for r in _read(path, "jsonl"))


# --- steps -----------------------------------------------------------------------------------

TEXT_STEPS = sorted(
    name for name, cls in STEPS.items() if not issubclass(cls, CorpusStep) and name != "extract"
)


@pytest.mark.parametrize("name", TEXT_STEPS)
@SETTINGS
@given(text=TEXT)
def test_every_step_returns_and_its_ledger_replays(name: str, text: str) -> None:
    step = STEPS[name]()
    doc = Document(id="p", text=text, metadata={"http_status": 200, "language": "en"})
    before = doc.text
    out = step.process(doc)  # raising here is the failure: the runner would hide it
    assert out is not None
    assert replayed(before, doc) == doc.text
    for edit in doc.ledger:
        assert edit.step == name
        # a span starts at its first line, or at the line break before it (the last lines)
        breaks_before = before.count("\n", 0, edit.start)
        assert breaks_before == edit.first_line or (
            breaks_before == edit.first_line - 1 and before[edit.start] == "\n"
        )


@SETTINGS
@given(text=TEXT)
def test_the_default_recipe_ledger_replays_through_every_step(text: str) -> None:
    from thresher import Recipe

    recipe = Recipe.default()
    doc = recipe.clean(Document(id="p", text=text))
    assert isinstance(doc, Document)
    if doc.rejection is None or doc.rejection.reason != "step-error":
        assert replayed(text, doc) == doc.text
    assert doc.rejection is None or doc.rejection.reason != "step-error", doc.rejection
