"""Issue 12, points 5-8: line separators are line breaks, not-text is rejected, a malformed
record header is quarantined, and an unknown language code is a ConfigError before any read."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from conftest import SHARED, need_shared
from hypothesis import given, settings
from hypothesis import strategies as st

import thresher
from thresher import ConfigError, Document, Quarantined, Recipe, parse_record
from thresher.cli import main
from thresher.readers import InputFile, read_file
from thresher.steps import STEPS

ARTICLE = (
    "The city council approved the new budget on Tuesday evening after a debate that lasted "
    "more than four hours, with most members agreeing that road repairs had waited too long."
)


def run_records(out: Path) -> dict[str, dict[str, object]]:
    """Every kept and rejected document of a finished run, by id without its folders (how
    sources are named is not what these tests are about)."""
    records: dict[str, dict[str, object]] = {}
    for shard in sorted([*(out / "kept").glob("*.jsonl"), *(out / "rejected").glob("*.jsonl")]):
        for line in shard.read_bytes().splitlines():
            record = orjson.loads(line)
            records[record["id"].rsplit("/", 1)[-1]] = record
    return records


def quarantine(out: Path) -> list[dict[str, str]]:
    path = out / "quarantine.jsonl"
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


# --- 5. line separators ----------------------------------------------------------------------

# Every character str.splitlines breaks at, other than "\n" and "\r\n"
SEPARATORS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_a_line_separator_becomes_a_line_break_never_glues_words(separator: str) -> None:
    text = f"Council passes budget\n{ARTICLE} It ends here.{separator}Second paragraph. {ARTICLE}"
    doc = Recipe.default().clean(Document(id="d", text=text))
    assert "here.Second" not in doc.text
    assert "here.\nSecond paragraph." in doc.text
    (edit,) = [e for e in doc.ledger if e.step == "normalize"]
    assert edit.reason == "whitespace" and separator in edit.removed
    assert edit.replacement.endswith("here.\nSecond paragraph. " + ARTICLE)


def test_crlf_stays_one_line_break_and_lone_breaks_keep_paragraphs_apart() -> None:
    normalize = STEPS["normalize"]()
    cases = {
        "one.\r\ntwo.\r\nthree.": "one.\ntwo.\nthree.",
        "one.\r\rtwo.": "one.\n\ntwo.",
        "one.\r\r\r\r\x0c\x0ctwo.\r": "one.\n\ntwo.",  # blank runs capped as for "\n"
        "\x0cone. \x0c two.\x0c\n": "one.\ntwo.",  # spaces around a break go, as for "\n"
        "page one.\x0c\npage two.": "page one.\npage two.",
    }
    for before, after in cases.items():
        doc = Document(id="d", text=before)
        normalize.process(doc)
        assert doc.text == after, before


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text("abcxyz.", min_size=1, max_size=6), min_size=1, max_size=12),
    separators=st.lists(st.sampled_from([*SEPARATORS, " ", "\n", "\r\n", "\t"]), min_size=12),
)
def test_no_separator_is_ever_deleted_between_two_words(
    words: list[str], separators: list[str]
) -> None:
    text = "".join(word + separator for word, separator in zip(words, separators, strict=False))
    doc = Document(id="d", text=text)
    STEPS["normalize"]().process(doc)
    assert doc.text.split() == words


RUSSIAN = "В этом году урожай собрали вовремя, и хлеба хватит на всю зиму."


def test_mojibake_holding_u0085_is_repaired_not_split_at_it() -> None:
    # UTF-8 read as Latin-1: the "х" of Cyrillic (D1 85) leaves a U+0085 inside a word
    latin1 = RUSSIAN.encode("utf-8").decode("latin-1")
    assert "\x85" in latin1
    doc = Document(id="d", text=latin1)
    STEPS["normalize"]().process(doc)
    assert doc.text == RUSSIAN


def test_separators_become_line_breaks_through_a_run(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(f" date 2025-01-02 200\nHeadline\r{ARTICLE}\rThe end.".encode())
    (corpus / "b.jsonl").write_bytes(
        orjson.dumps({"id": "b", "text": f"Page one ending.\x0cFourth page. {ARTICLE}"}) + b"\n"
    )
    thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    records = run_records(tmp_path / "out")
    assert records["a.txt:0"]["text"] == f"Headline\n{ARTICLE}\nThe end."
    assert records["b"]["text"] == f"Page one ending.\nFourth page. {ARTICLE}"


# --- 6. not text -----------------------------------------------------------------------------


def random_bytes(size: int, seed: int = 12) -> bytes:
    return random.Random(seed).randbytes(size)


def test_the_not_text_share_counts_replacement_controls_and_noncharacters() -> None:
    from thresher.text import not_text_share

    assert not_text_share("") == 0.0
    assert not_text_share(ARTICLE) == 0.0
    assert not_text_share("tab\there\nform\x0cfeed\r\n\x1c\x1d\x1e\x85\u2028\u2029") == 0.0
    assert not_text_share("ab\ufffd\x00") == 0.5
    assert not_text_share("\x01\x7f\x9f\ufdd0\uffff\ud800") == 1.0
    assert not_text_share("a\x9f") == 0.5
    assert not_text_share("\u00d0\x9f\u00e2\x80\x99") == 0.0  # bytes of mojibake
    assert not_text_share(random_bytes(20_000).decode("utf-8", "replace")) > 0.5


def test_random_bytes_and_control_characters_are_rejected_as_not_text(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "b.html").write_bytes(random_bytes(50_000))
    # random bytes made valid UTF-8: replacement characters all through
    replaced = random_bytes(20_000, seed=3).decode("utf-8", "replace")
    (corpus / "c.txt").write_text(f" date 2025-01-02 200\n{replaced}", encoding="utf-8")
    controls = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") * 40
    lines = [
        {"id": "controls", "text": f"{controls} a few words {controls}"},
        {"id": "real", "text": f"Headline\n{ARTICLE}\n{ARTICLE}"},
    ]
    (corpus / "d.jsonl").write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    records = run_records(tmp_path / "out")
    not_text = {"b.html:0", "c.txt:0", "controls"}
    for doc_id in not_text:
        record = records[doc_id]
        assert (record["status"], record["reason"]) == ("rejected", "not-text"), doc_id
        assert "not text" in str(record["detail"]) and "%" in str(record["detail"])
    assert records["real"]["status"] == "kept"
    summary = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert summary["reasons"]["not-text"] == 3 and summary["balanced"]


def test_mojibake_is_not_taken_for_not_text_and_is_repaired(tmp_path: Path) -> None:
    # Non-Latin text read as Latin-1 holds C1 controls in one character of three or four: what
    # the repairs put right, not binary garbage
    corpus = tmp_path / "in"
    corpus.mkdir()
    rows = []
    for lang in ("ru", "zh", "ja", "el"):
        sentences = need_shared(SHARED / "data" / "langid" / "lingua-sentences" / f"{lang}.txt")
        text = "\n".join(sentences.read_text(encoding="utf-8").splitlines()[:20])
        rows.append({"id": lang, "text": text.encode("utf-8").decode("latin-1")})
    (corpus / "m.jsonl").write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    records = run_records(tmp_path / "out")
    for row in rows:
        record = records[row["id"]]
        assert record.get("reason") != "not-text", row["id"]
        assert record["text"] == row["text"].encode("latin-1").decode("utf-8"), row["id"]


def test_real_text_with_tabs_page_breaks_and_a_few_odd_characters_is_kept(
    tmp_path: Path, seed_path: Path
) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "seed.txt").write_bytes(seed_path.read_bytes())
    odd = f"{ARTICLE}\tcol\x0cpage two \ufffd broken \x00 char\r\n{ARTICLE} caf\u00e9 \u6771\u4eac"
    (corpus / "e.jsonl").write_bytes(orjson.dumps({"id": "odd", "text": odd}) + b"\n")
    thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    records = run_records(tmp_path / "out")
    assert {r.get("reason") for r in records.values()} == {None}
    assert records["odd"]["status"] == "kept"


# --- 7. record headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("date 2025-04-21 403 extra words", "extra words after the status"),
        ("date 2025-04-21 " + "4" * 5000, "is not three digits"),
        ("date 2025-04-21 40", "is not three digits"),
        ("date 2025-04-21 4O3", "is not three digits"),
        ("date 2025-04-21 \u0664\u0660\u0663", "is not three digits"),
        ("date 2025-04-21 999", "the status 999 is not an HTTP status (100-599)"),
        ("date 2025-04-21 000", "the status 000 is not an HTTP status (100-599)"),
        ("date 2025-13-45 200", "no such date 2025-13-45"),
        ("date 2025-02-30 200", "no such date 2025-02-30"),
        ("date 21/04/2025 200", "the date '21/04/2025' is not YYYY-MM-DD"),
        ("date 2025-04-21", "no status"),
        ("  date 2025", "the date '2025' is not YYYY-MM-DD"),
    ],
)
def test_a_malformed_header_is_quarantined_with_what_is_wrong(
    tmp_path: Path, header: str, why: str
) -> None:
    path = tmp_path / "r.txt"
    path.write_text(f"{header}\nFirst line of the body.\nSecond line.", encoding="utf-8")
    (entry,) = read_file(InputFile("r.txt", path, "record"))
    assert isinstance(entry, Quarantined)
    assert entry.position == "line 1"
    assert why in entry.error and "expected 'date YYYY-MM-DD STATUS'" in entry.error
    assert len(entry.error) < 300  # a 5,000-digit status is not copied whole


@pytest.mark.parametrize(
    "text",
    [
        "abc\nThe body follows.",
        "0\nThe body follows.",
        "abc",
        "0",
        "date night ideas for couples\nDinner first.",
        "Date 2025-04-21 403\nCapitalised: body text.",
        "",
    ],
)
def test_a_first_line_that_is_not_a_header_is_body_flagged_as_headerless(text: str) -> None:
    doc = parse_record(text, "r.txt")
    assert doc.text == text
    assert doc.metadata["header"] == "missing"
    assert "date" not in doc.metadata and "http_status" not in doc.metadata


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_good_header_is_read_and_not_flagged(newline: str) -> None:
    doc = parse_record(f" date 2025-04-21 403{newline}Body.{newline}More.", "r.txt")
    assert doc.text == f"Body.{newline}More."
    assert (doc.metadata["date"], doc.metadata["http_status"]) == ("2025-04-21", 403)
    assert "header" not in doc.metadata


def test_a_malformed_header_in_a_run_is_counted_as_quarantined(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "bad.txt").write_text(f"date 2025-13-45 200\n{ARTICLE}")
    (corpus / "none.txt").write_text(f"{ARTICLE}\n{ARTICLE}")
    summary = thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    assert (summary.to_dict()["quarantined"], summary.to_dict()["kept"]) == (1, 1)
    (entry,) = quarantine(tmp_path / "out")
    assert entry["position"] == "line 1" and "no such date 2025-13-45" in entry["error"]
    assert run_records(tmp_path / "out")["none.txt:0"]["metadata"]["header"] == "missing"


# --- 8. language codes -----------------------------------------------------------------------

LANGUAGE_STEPS = ["language", "gopher-repetition", "gopher-quality", "c4", "fineweb"]


@pytest.mark.parametrize("step", LANGUAGE_STEPS)
@pytest.mark.parametrize("codes", ["EN", "eng", "xx", "en,eng", "en, fr,XX", "en;fr"])
def test_an_unknown_language_code_is_a_config_error(step: str, codes: str) -> None:
    with pytest.raises(ConfigError, match="languages") as raised:
        STEPS[step](languages=codes)
    message = str(raised.value)
    assert repr(step) in message and "en" in message and "zh" in message
    with pytest.raises(ConfigError):
        Recipe.loads(f"steps:\n- step: {step}\n  languages: '{codes}'\n")


def test_an_upper_case_code_is_refused_naming_the_accepted_form() -> None:
    with pytest.raises(ConfigError, match="'en'"):
        STEPS["c4"](languages="EN")


@pytest.mark.parametrize("step", LANGUAGE_STEPS)
@pytest.mark.parametrize("codes", ["", "en", "en,fr", "en, de , nb", "ace,zxx"])
def test_known_language_codes_are_accepted_and_round_trip(step: str, codes: str) -> None:
    recipe = Recipe.loads(f"steps:\n- step: {step}\n  languages: '{codes}'\n")
    assert Recipe.loads(recipe.dumps()).steps[0].params()["languages"] == codes


def test_the_accepted_codes_are_what_the_language_step_can_output() -> None:
    from thresher.quality.language import _lingua_codes, _py3langid
    from thresher.quality.language_codes import LANGUAGE_CODES

    py3langid = {str(code) for code in _py3langid().nb_classes}
    assert py3langid | _lingua_codes() | {"nb", "und"} == LANGUAGE_CODES


def test_a_run_with_an_unknown_language_code_exits_2_before_reading(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(f" date 2025-01-02 200\n{ARTICLE}")
    (tmp_path / "r.yaml").write_text("steps:\n- step: language\n  languages: eng\n")
    config = str(tmp_path / "r.yaml")
    result = CliRunner().invoke(
        main, ["run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--config", config]
    )
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # the CLI's exit, not a traceback
    assert "'eng'" in result.output
    assert not (tmp_path / "out").exists()


def test_clean_and_recipe_apply_reject_what_a_run_rejects(tmp_path: Path) -> None:
    """The bounds hold in every way of cleaning a document, not only in `thresher run`."""
    page = tmp_path / "b.html"
    page.write_bytes(random_bytes(200_000))
    result = CliRunner().invoke(main, ["clean", str(page), "--json"])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.output)["reason"] == "not-text"
    recipe = Recipe.default()
    binary = Document(id="b", text="\x00\x01" * 500)
    huge = Document(id="h", text="word\n" * 200_001)
    assert recipe.clean(binary).rejection.reason == "not-text"  # type: ignore[union-attr]
    assert recipe.clean(huge).rejection.reason == "too-many-lines"  # type: ignore[union-attr]
    text = recipe.clean(Document(id="ok", text=ARTICLE))
    assert text.rejection is None or text.rejection.step != "reader"  # judged by the steps
