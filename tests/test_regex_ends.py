"""`EndAnchoredSearch` finds what `re.search` of the whole alternation finds, for spaCy's suffix
pattern (the one it serves) and for patterns with alternatives it must keep everywhere."""

from __future__ import annotations

import json
import random
import re
from importlib import resources

import pytest

from thresher.quality.regex_ends import (
    EndAnchoredSearch,
    StartMatch,
    first_characters,
    last_characters,
    split_alternatives,
)

SUFFIX = json.loads(
    resources.files("thresher.quality").joinpath("spacy_en_rules.json").read_text("utf-8")
)["suffix"]


def spans(pattern: str, texts: list[str]) -> tuple[list[object], list[object]]:
    full = re.compile(pattern)
    split = EndAnchoredSearch(full)

    def span(found: re.Match[str] | None) -> object:
        return None if found is None else found.span()

    return [span(full.search(t)) for t in texts], [span(split.search(t)) for t in texts]


def test_alternatives_split_only_at_the_top_level() -> None:
    pattern = r"a\|b$|[|\]]$|(?:x|y)z$|[]|]$|[^]|]q$"
    assert split_alternatives(pattern) == [r"a\|b$", r"[|\]]$", r"(?:x|y)z$", r"[]|]$", r"[^]|]q$"]
    assert "|".join(split_alternatives(SUFFIX)) == SUFFIX


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        (r"'s$", {"s"}),
        (r"(?<=[0-9])(?:km|m|%)$", {"m", "%"}),
        (r"\.\.+$", {"."}),
        (r"(?<=[a-z])[.,]$", {".", ","}),
        (r"x(?:ab)?$", {"x", "b"}),  # the optional group: it or the "x" before it ends
        (r"\w$", None),  # a category
        (r"[^a]$", None),  # a negated class
        (r"(?i)s$", None),  # case folding
        (r"abc", None),  # not anchored at the end
        (r"a$(?=)", {"a"}),  # a zero-width assertion after the anchor
    ],
)
def test_last_characters(alternative: str, expected: set[str] | None) -> None:
    found = last_characters(alternative)
    assert (None if found is None else set(found)) == expected


def test_same_match_as_the_whole_suffix_pattern_on_random_chunks() -> None:
    marks = sorted({c for c in SUFFIX if not c.isspace()} | set("aZ09.'’s%$€kmgé日"))
    rng = random.Random(18)
    texts = ["".join(rng.choices(marks, k=rng.randint(1, 8))) for _ in range(20_000)]
    texts += ["", "word", "word.", "end...", "5km", "US$", "it's", "(x)", "a\n", "°C.", "😮"]
    expected, found = spans(SUFFIX, texts)
    assert found == expected
    assert sum(s is not None for s in expected) > 5_000  # the chunks do exercise the suffixes


def test_alternatives_that_are_not_end_anchored_are_tried_for_every_text() -> None:
    pattern = r"ab$|b|x\w$"
    texts = ["zab", "zb", "bz", "xq", "xQ", "q", "", "b\n", "ab\n"]
    expected, found = spans(pattern, texts)
    assert found == expected
    assert expected[2] == (0, 1)  # "b" matched though the text ends with "z"


def test_positions_are_honoured() -> None:
    expected, found = spans(SUFFIX, ["abc..."])
    assert found == expected
    search = EndAnchoredSearch(re.compile(SUFFIX)).search
    assert search("abc...", 4) is not None and search("abc...", 4).span() == (4, 6)  # type: ignore[union-attr]


@pytest.mark.parametrize("flags", [re.IGNORECASE, re.MULTILINE, re.VERBOSE])
def test_flags_that_change_the_last_character_turn_the_split_off(flags: int) -> None:
    full = re.compile(r"a$|b1$", flags)
    search = EndAnchoredSearch(full).search
    for text in ["xA", "a\nb1", "zb1", "za", "q"]:
        expected, found = full.search(text), search(text)
        assert (found and found.span()) == (expected and expected.span()), text


_RULES = json.loads(
    resources.files("thresher.quality").joinpath("spacy_en_rules.json").read_text("utf-8")
)
PREFIX, INFIX = _RULES["prefix"], _RULES["infix"]


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        (r"^\+(?![0-9])", {"+"}),
        (r"^US\$", {"U"}),
        (r"(?<=[0-9])[+\-*^](?=[0-9-])", {"+", "-", "*", "^"}),  # lookbehind: zero width
        (r"(?:x)?y", {"x", "y"}),
        (r"\.\.+", {"."}),
        (r"\d", None),
        (r"a*", None),  # can match the empty string
        (r"(?i)a", None),
    ],
)
def test_first_characters(alternative: str, expected: set[str] | None) -> None:
    found = first_characters(alternative)
    assert (None if found is None else set(found)) == expected


def random_chunks(pattern: str, seed: int) -> list[str]:
    marks = sorted({c for c in pattern[:4000] if not c.isspace()} | set("aZ09.,-'’s%$€US日"))
    rng = random.Random(seed)
    texts = ["".join(rng.choices(marks, k=rng.randint(1, 8))) for _ in range(20_000)]
    return [*texts, "", "word", "(x", "US$5", "C$", "...a", "a-b", "3+4", "a.B", "😮"]


def test_same_match_as_the_whole_prefix_pattern_on_random_chunks() -> None:
    full = re.compile(PREFIX)
    match = StartMatch(full).match
    texts = random_chunks(PREFIX, 19)
    expected = [m and m.span() for m in map(full.match, texts)]
    assert [m and m.span() for m in map(match, texts)] == expected
    assert sum(s is not None for s in expected) > 5_000  # the chunks do exercise the prefixes


def test_an_infix_can_match_only_where_a_first_character_is() -> None:
    full = re.compile(INFIX)
    can_match = StartMatch(full).can_match
    texts = [*random_chunks(INFIX, 20), "word", "日本語", "abc123"]
    found = [full.search(text) is not None for text in texts]
    assert all(can_match(text) for text, hit in zip(texts, found, strict=True) if hit)
    ruled_out = [text for text in texts if not can_match(text)]
    assert "word" in ruled_out and "abc123" in ruled_out and len(ruled_out) > 100
    assert StartMatch(re.compile(r"a|\w")).can_match("zzz")  # a category: always tried
