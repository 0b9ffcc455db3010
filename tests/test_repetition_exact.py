"""The vectorised repetition signals (quality/ngrams.py) against slow references: the Python
implementation they replaced (kept here, as it was) and datatrove's loops written over word
tuples. Every value must be the same float, not a close one: verdicts sit on thresholds."""

from __future__ import annotations

import itertools
import json
import pickle
import re
from collections import Counter
from operator import itemgetter

import numpy as np
import pytest
from conftest import SHARED, need_shared
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from thresher import Document, Recipe
from thresher.quality import FineWeb2Quality, GopherRepetition
from thresher.quality.analysis import (
    HELD_CHARS,
    HELD_DOCUMENTS,
    HELD_MOST,
    LINE_BREAKS,
    Analysis,
    analyse,
    analysis_of,
    find_duplicates,
    split_lines,
)
from thresher.quality.gopher import repetition_signals
from thresher.quality.ngrams import NgramBatch, WordNgrams, _level, _scan, _small_level, group
from thresher.quality.tokens import words as split_words

# ---------------------------------------------------------------- the references


def old_find_duplicates(items: list[str]) -> tuple[int, int]:
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


class OldAnalysis:
    """quality/analysis.py's n-gram part before issue 18: 64-bit polynomial hashes of words."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.prefix = [0, *itertools.accumulate(map(len, words))]
        self.hashes: dict[int, np.ndarray] = {}

    def ngram_chars(self, start: int, n: int, separator: int) -> int:
        return self.prefix[start + n] - self.prefix[start] + separator * (n - 1)

    def ngram_hashes(self, n: int) -> np.ndarray:
        if n not in self.hashes:
            if n == 1:
                ones = np.fromiter(map(hash, self.words), np.int64, len(self.words))
                self.hashes[1] = ones.view(np.uint64)
            else:
                shorter = self.ngram_hashes(n - 1)
                last = self.ngram_hashes(1)[n - 1 :]
                with np.errstate(over="ignore"):
                    self.hashes[n] = (
                        shorter[:-1] * np.uint64(1_000_003) + last if len(last) else last
                    )
        return self.hashes[n]


def old_top_ngram_chars(analysis: OldAnalysis, n: int) -> int:
    hashes = analysis.ngram_hashes(n).tolist()
    if not hashes:
        return 0
    counts = Counter(hashes)
    top, count = max(counts.items(), key=itemgetter(1))
    return analysis.ngram_chars(hashes.index(top), n, 1) * count


def old_later_positions(hashes: list[int]) -> list[int]:
    if len(set(hashes)) == len(hashes):
        return []
    first = dict(zip(reversed(hashes), range(len(hashes) - 1, -1, -1), strict=True))
    firsts = np.fromiter(map(first.__getitem__, hashes), np.int64, len(hashes))
    later: list[int] = np.flatnonzero(firsts != np.arange(len(hashes))).tolist()
    return later


def old_scan_repeats(hashes: list[int], analysis: OldAnalysis, n: int, later: list[int]) -> int:
    seen: set[int] = set()
    repeated = i = 0
    for position in later:
        if position < i:
            continue
        seen.update(hashes[i:position])
        if hashes[position] in seen:
            repeated += analysis.ngram_chars(position, n, 0)
            i = position + n
        else:
            seen.add(hashes[position])
            i = position + 1
    return repeated


def old_repeated_ngram_chars(analysis: OldAnalysis, sizes: range) -> dict[int, int]:
    out = dict.fromkeys(sizes, 0)
    for n in sizes:
        hashes = analysis.ngram_hashes(n).tolist()
        later = old_later_positions(hashes)
        if not later:
            break
        out[n] = old_scan_repeats(hashes, analysis, n, later)
    return out


def old_repetition_signals(text: str) -> dict[str, float]:
    """gopher.repetition_signals before issue 18, whole."""

    def frac(part: float, whole: float) -> float:
        return part / whole if whole else 0.0

    paragraphs = re.split(r"\n{2,}", text.strip())
    para_dups, para_chars = old_find_duplicates(paragraphs)
    lines = re.split(r"\n+", text)
    line_dups, line_chars = old_find_duplicates(lines)
    analysis = OldAnalysis(split_words(text))
    signals = {
        "dup_para_frac": frac(para_dups, len(paragraphs)),
        "dup_para_char_frac": frac(para_chars, len(text)),
        "dup_line_frac": frac(line_dups, len(lines)),
        "dup_line_char_frac": frac(line_chars, len(text)),
    }
    for n in (2, 3, 4):
        signals[f"top_{n}_gram_frac"] = frac(old_top_ngram_chars(analysis, n), len(text))
    for n, chars in old_repeated_ngram_chars(analysis, range(5, 11)).items():
        signals[f"dup_{n}_gram_frac"] = frac(chars, len(text))
    return signals


def plain_top(words: list[str], n: int, separators: int) -> int:
    """datatrove's find_top_duplicate, over word tuples (its strings joined by spaces are the
    same keys: a word holds no space)."""
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0
    top, count = Counter(grams).most_common(1)[0]
    return (sum(map(len, top)) + separators) * count


def plain_repeated(words: list[str], n: int) -> int:
    """datatrove's find_all_duplicate, over word tuples."""
    unique: set[tuple[str, ...]] = set()
    repeated = i = 0
    while i < len(words) - n + 1:
        gram = tuple(words[i : i + n])
        if gram in unique:
            repeated += sum(map(len, gram))
            i += n
        else:
            unique.add(gram)
            i += 1
    return repeated


# ---------------------------------------------------------------- texts to try

SMALL_WORDS = ["a", "b", "ab", "the", "é", "日本", "x.y", "don't", "...", "€5", "👍🏽", "a\u0301"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "\n\n\n", "  ", "\t", " \n ", "\u00a0"]


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Texts built to repeat: words from a small set, blocks of them copied (overlapping,
    shifted, back to back), separated by spaces, line and paragraph breaks."""
    words = draw(st.lists(st.sampled_from(SMALL_WORDS), max_size=60))
    for _ in range(draw(st.integers(0, 4))):
        if not words:
            break
        start = draw(st.integers(0, len(words) - 1))
        stop = draw(st.integers(start, min(len(words), start + 25)))
        at = draw(st.integers(0, len(words)))
        words[at:at] = words[start:stop] * draw(st.integers(1, 3))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    lead = draw(st.sampled_from(["", "\n", "\n\n", " "]))
    return lead + "".join(w + s for w, s in zip(words, seps, strict=True))


ADVERSARIAL = [
    "",
    "word",
    "\n",
    "\n\n",
    " \n \n",
    "one\n",
    "\none",
    "a " * 300,
    "a b " * 200,
    "a b c " * 150,
    "a b c d e f " * 80,  # period 6: overlaps for n > 6, not for n <= 6
    "x " * 7 + "a b c d e " * 3 + "x " * 7,
    "a a a a a a a a a a a b a a a a a a a a a a a",
    "the cat sat on the mat\n" * 5 + "the cat sat on the hat\n" * 5,
    "日本 語 " * 40,
    "Héllo wörld, ça va? " * 30,
    "buy now " * 200,
    # a repeat whose jump passes over the first occurrence of a later repeat's n-gram
    "p q r s t u p q r s t u v w x y z v w x y z u v w x y z",
    ("one two three four five six seven eight nine ten eleven " * 3).strip(),
]


# ---------------------------------------------------------------- the signals


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_repetition_signals_equal_the_old_implementation_on_hard_cases(text: str) -> None:
    assert repetition_signals(text) == old_repetition_signals(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts())
@example("")
@example("a")
@example("a b a b a b a b a b a b")
def test_repetition_signals_equal_the_old_implementation(text: str) -> None:
    new = repetition_signals(text)
    old = old_repetition_signals(text)
    assert new == old
    assert [repr(v) for v in new.values()] == [repr(v) for v in old.values()]  # same floats


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_repetition_signals_equal_the_old_implementation_on_any_text(text: str) -> None:
    assert repetition_signals(text) == old_repetition_signals(text)


def test_a_repetitive_text_is_still_rejected_with_the_same_signals() -> None:
    text = "\n".join(["Buy now and save on every order today."] * 3 + ["A closing line here."])
    doc = Document(id="r", text=text)
    next(GopherRepetition()([doc]))
    assert doc.rejection is not None
    assert doc.rejection.detail == "dup_line_frac"  # 2 of 4 lines repeat one before
    signals = doc.metadata["signals"]
    assert {k: signals[k] for k in old_repetition_signals(text)} == old_repetition_signals(text)


# ---------------------------------------------------------------- the n-gram counts themselves


@st.composite
def word_lists(draw: st.DrawFn) -> list[str]:
    """Word sequences over two to four words: long, overlapping repeats everywhere."""
    alphabet = draw(
        st.sampled_from([["a", "b"], ["a", "bb"], ["a", "b", "c"], ["x", "yy", "z", "w"]])
    )
    return draw(st.lists(st.sampled_from(alphabet), max_size=120))


@settings(max_examples=500, deadline=None)
@given(word_lists())
@example([])
@example(["a"])
@example(["a"] * 30)
def test_ngram_counts_equal_datatroves_loops(words: list[str]) -> None:
    ngrams = WordNgrams(words)
    for n in range(1, 12):
        assert ngrams.top_chars(n, n - 1) == plain_top(words, n, n - 1), n
        assert ngrams.repeated_chars(n) == plain_repeated(words, n), n


@settings(max_examples=300, deadline=None)
@given(word_lists())
def test_the_fast_path_agrees_with_the_scan(words: list[str]) -> None:
    """`repeated_chars` skips the scan when no jump can matter; the scan, run anyway over
    every repeated position, must give the same."""
    ngrams = WordNgrams(words)
    for n in range(2, 11):
        if len(words) < n:
            break
        level = ngrams.level(n)
        firsts = level.first[level.ids]
        later_at = level.positions != firsts
        later = level.positions[later_at]
        chars = ngrams.chars(later, n)
        by_scan = _scan(
            later.tolist(),
            level.ids[later_at].tolist(),
            firsts[later_at].tolist(),
            chars.tolist(),
            n,
            len(words) - n + 1,
        )
        assert by_scan == ngrams.repeated_chars(n) == plain_repeated(words, n)


@settings(max_examples=200, deadline=None)
@given(word_lists())
def test_equal_groups_are_equal_word_tuples_and_nothing_else(words: list[str]) -> None:
    """No hashing: two n-grams share a group exactly when their words are the same."""
    ngrams = WordNgrams(words)
    for n in range(1, 8):
        if len(words) < n:
            break
        level = ngrams.level(n)
        grams = [tuple(words[i : i + n]) for i in level.positions.tolist()]
        for (g1, a), (g2, b) in itertools.combinations(
            zip(level.ids.tolist(), grams, strict=True), 2
        ):
            assert (g1 == g2) == (a == b)
        repeated = {
            g
            for g, c in Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1)).items()
            if c > 1
        }
        assert set(grams) == repeated


def test_grouping_is_the_same_when_keys_do_not_fit_the_packed_sort() -> None:
    keys = np.array([5, 3, 5, 9, 3, 3, 0], dtype=np.int64)
    packed, stable = group(keys, 10), group(keys, 2**62)  # the second sorts with argsort
    for a, b in zip(
        (packed.ids, packed.first, packed.counts),
        (stable.ids, stable.first, stable.counts),
        strict=True,
    ):
        assert a.tolist() == b.tolist()
    assert packed.first.tolist() == [6, 1, 0, 3]  # keys 0, 3, 5, 9 first seen there
    assert packed.counts.tolist() == [1, 3, 2, 1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=80), st.integers(0, 5))
def test_grouping_in_python_and_in_numpy_agree(keys: list[int], gap: int) -> None:
    """A level of a few n-grams is grouped by a dict, a larger one by numpy's sort."""
    positions = [i * (gap + 1) for i in range(len(keys))]
    small = _small_level(positions, keys)
    large = _level(np.array(positions, dtype=np.int64), group(np.array(keys, dtype=np.int64), 7))
    assert small.positions.tolist() == large.positions.tolist()
    assert small.first.tolist() == sorted(large.first.tolist())  # first-seen order vs key order
    assert sorted(small.counts.tolist()) == sorted(large.counts.tolist())
    by_small = [small.first[g] for g in small.ids.tolist()]
    by_large = [large.first[g] for g in large.ids.tolist()]
    assert by_small == by_large  # every repeated position's group has the same first occurrence


def test_words_differing_only_in_form_are_different_words() -> None:
    """Composed and decomposed é, and look-alike Cyrillic a, are not the same word."""
    words = ["caf\u00e9", "x", "cafe\u0301", "x", "\u0430", "x", "a", "x"]
    assert WordNgrams(words).repeated_chars(2) == 0
    assert WordNgrams(words).top_chars(1, 0) == 4  # "x" four times


# ---------------------------------------------------------------- lines, paragraphs, FineWeb-2


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "", "a b", " "]), max_size=30))
def test_find_duplicates_and_split_lines_equal_the_loops(parts: list[str]) -> None:
    text = "\n".join(parts)
    assert split_lines(text) == LINE_BREAKS.split(text)
    assert find_duplicates(parts) == old_find_duplicates(parts)


class OldFineWeb2Ngrams:
    """quality/multilingual.py's `_Ngrams` before issue 18."""

    def __init__(self, tokens: list[str]) -> None:
        self.analysis = OldAnalysis(tokens)

    def top_chars(self, n: int, spaces: int) -> int:
        hashes = self.analysis.ngram_hashes(n).tolist()
        if not hashes:
            return 0
        top, count = max(Counter(hashes).items(), key=itemgetter(1))
        return (self.analysis.ngram_chars(hashes.index(top), n, 0) + spaces) * count

    def repeated_chars(self, n: int) -> int:
        hashes = self.analysis.ngram_hashes(n).tolist()
        seen: set[int] = set()
        repeated = i = 0
        while i < len(hashes):
            if hashes[i] in seen:
                repeated += self.analysis.ngram_chars(i, n, 0)
                i += n
            else:
                seen.add(hashes[i])
                i += 1
        return repeated


@settings(max_examples=300, deadline=None)
@given(word_lists(), st.integers(1, 14), st.integers(0, 3))
def test_fineweb2_ngram_counts_equal_the_old_ones(words: list[str], span: int, spaces: int) -> None:
    old, new = OldFineWeb2Ngrams(words), WordNgrams(words)
    assert new.top_chars(span, spaces) == old.top_chars(span, spaces)
    assert new.repeated_chars(span) == old.repeated_chars(span)


def test_fineweb2_still_rejects_repeated_thai_text() -> None:
    text = "\n".join(["สวัสดีครับ ยินดีต้อนรับสู่เว็บไซต์ของเรา วันนี้อากาศดีมาก"] * 6)
    doc = Document(id="t", text=text, metadata={"language": "th"})
    next(FineWeb2Quality()([doc]))
    assert doc.rejection is not None
    assert doc.metadata["signals"]["dup_line_frac"] > 0.5


# ---------------------------------------------------------------- the word split, cached on the document


def test_the_analysis_is_kept_on_the_document_while_its_text_is_unchanged() -> None:
    doc = Document(id="c", text="One line here.\nAnother line here.")
    first = analysis_of(doc)
    assert analysis_of(doc) is first
    doc.text = "A new text."
    second = analysis_of(doc)
    assert second is not first
    assert second.words == split_words("A new text.")


def test_only_the_latest_analyses_stay_on_their_documents() -> None:
    """A document waits for its chunk to be written: its word split must not wait with it.
    The latest HELD_DOCUMENTS stay whatever their size, older ones while the texts held total
    at most HELD_CHARS (a batch's)."""
    size = HELD_CHARS // 10
    first = Document(id="0", text="x" * size)
    kept = analysis_of(first)
    others = [Document(id=str(i), text=f"{i} " + "y" * size) for i in range(1, 20)]
    for doc in others[:5]:
        analysis_of(doc)
    assert analysis_of(first) is kept  # still among the latest
    for doc in others[5:]:
        analysis_of(doc)
    assert first._derived is None
    assert others[-1]._derived is not None
    assert analysis_of(first).words == kept.words  # analysed again when asked
    huge = [Document(id=str(i), text=f"{i} " + "z" * HELD_CHARS) for i in range(20)]
    for doc in huge:
        analysis_of(doc)
    held = [doc for doc in huge if doc._derived is not None]
    assert held == huge[-HELD_DOCUMENTS:]
    small = [Document(id=str(i), text=f"word {i}") for i in range(HELD_DOCUMENTS * 20)]
    for doc in small:
        analysis_of(doc)
    assert all(doc._derived is not None for doc in small)  # far under HELD_CHARS
    empty = [Document(id=str(i), text="") for i in range(HELD_MOST * 3)]
    for doc in empty:
        analysis_of(doc)
    held = [doc for doc in empty if doc._derived is not None]
    assert held == empty[-HELD_MOST:]  # however short the texts, never more than HELD_MOST


def test_the_cache_never_reaches_the_record() -> None:
    doc = Document(id="c", text="Some words to split.", metadata={"k": 1})
    assert analysis_of(doc).words == ["Some", "words", "to", "split", "."]
    assert isinstance(doc._derived, Analysis)
    assert doc == Document(id="c", text="Some words to split.", metadata={"k": 1})
    assert "Analysis" not in repr(doc)
    assert set(doc.to_dict()) == {"id", "status", "text", "metadata", "ledger"}
    for copy in (pickle.loads(pickle.dumps(doc)), Document.from_dict(doc.to_dict())):
        assert copy._derived is None
        assert copy == doc


def test_the_chain_writes_the_same_bytes_with_the_cache_as_without() -> None:
    """The fineweb-filters chain run on one document object (its word split shared by the four
    steps, C4's shortened text analysed anew for FineWeb) writes what the steps give when each
    sees a document that has never been analysed."""
    text = "\n".join(
        [
            "The council met on Monday to discuss the new budget for the coming year.",
            "Menu",
            "Residents can send their views to the council before the end of May this year.",
            "The meeting ended with a vote, and the budget passed by a wide margin of votes.",
            "Share",
        ]
        * 3
    )
    recipe = Recipe.named("fineweb-filters")
    shared = recipe.clean(Document(id="d", text=text))
    fresh = Document(id="d", text=text)
    for step in recipe.steps:
        fresh = pickle.loads(pickle.dumps(fresh))  # drops the cache: every step starts cold
        analyse.cache_clear()
        next(step([fresh]))
    assert json.dumps(shared.to_dict()).encode() == json.dumps(fresh.to_dict()).encode()
    assert shared.metadata["signals"]["top_2_gram_frac"] > 0


# ---------------------------------------------------------------- many documents at once


def real_documents(count: int) -> list[dict[str, str]]:
    """The first `count` DCLM documents of ../shared/data (web pages of every length)."""
    folder = need_shared(SHARED / "data" / "quality" / "dclm")
    lines = itertools.chain.from_iterable(
        path.read_text("utf-8").splitlines() for path in sorted(folder.glob("*.jsonl"))
    )
    return [json.loads(line) for line in itertools.islice(filter(str.strip, lines), count)]


def per_document_counts(words: list[str]) -> list[int]:
    ngrams = WordNgrams(words)
    tops = [ngrams.top_chars(n, n - 1) for n in (2, 3, 4)]
    return tops + [ngrams.repeated_chars(n) for n in range(5, 11)]


def batch_counts(word_lists: list[list[str]]) -> list[list[int]]:
    batch = NgramBatch(word_lists)
    columns = [batch.top_chars(n, n - 1).tolist() for n in (2, 3, 4)]
    columns += [batch.repeated_chars(n).tolist() for n in range(5, 11)]
    return [list(row) for row in zip(*columns, strict=True)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(word_lists(), max_size=8))
@example([[], ["a"], ["a", "b"] * 30, []])
@example([["a"] * 40, ["a"] * 40])  # the same repeats in two documents: never mixed
def test_a_batch_counts_each_document_as_alone(word_lists: list[list[str]]) -> None:
    assert batch_counts(word_lists) == [per_document_counts(words) for words in word_lists]


def test_a_batch_counts_each_document_as_alone_on_hard_cases() -> None:
    lists = [split_words(text) for text in ADVERSARIAL]
    assert batch_counts(lists) == [per_document_counts(words) for words in lists]
    # every order and grouping of the same documents gives each the same counts
    assert batch_counts(lists[::-1]) == [per_document_counts(words) for words in lists[::-1]]


def test_a_batch_counts_each_real_document_as_alone() -> None:
    texts = [line["text"] for line in real_documents(300)]
    lists = [split_words(text) for text in texts]
    for start in range(0, len(lists), 37):
        part = lists[start : start + 37]
        assert batch_counts(part) == [per_document_counts(words) for words in part]


def test_the_step_judges_a_stream_as_it_judges_each_document_alone() -> None:
    texts = [line["text"] for line in real_documents(300)] + ADVERSARIAL + ["", " \n ", "a"]
    streamed = [Document(id=str(i), text=text) for i, text in enumerate(texts)]
    streamed[3].metadata["language"] = "fr"
    alone = [Document(id=d.id, text=d.text, metadata=dict(d.metadata)) for d in streamed]
    step = GopherRepetition(languages="")
    list(step(streamed))
    for doc in alone:
        next(step([doc]))
    assert [d.to_dict() for d in streamed] == [d.to_dict() for d in alone]
    # the batch's signals are the per-document function's, value for value
    for doc in streamed:
        if doc.text:
            assert doc.metadata["signals"] == repetition_signals(doc.text)


def test_a_document_whose_split_fails_is_rejected_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import thresher.quality.analysis as analysis_module

    real_split = analysis_module.words_by_chunk

    def split(text: str) -> tuple[list[str], list[int]]:
        if "poison" in text:
            raise ValueError("cannot split this one")
        return real_split(text)

    monkeypatch.setattr(analysis_module, "words_by_chunk", split)
    docs = [Document(id=str(i), text=" ".join(f"w{i}x{j}" for j in range(40))) for i in range(5)]
    docs[2].text = "poison " * 30
    list(GopherRepetition()(docs))
    assert [d.rejection.reason if d.rejection else None for d in docs] == [
        None,
        None,
        "step-error",
        None,
        None,
    ]
    assert "cannot split this one" in (docs[2].rejection.detail if docs[2].rejection else "")


def test_a_chain_splits_each_document_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import thresher.quality.analysis as analysis_module

    real_split = analysis_module.words_by_chunk
    calls: Counter[str] = Counter()

    def split(text: str) -> tuple[list[str], list[int]]:
        calls[text] += 1
        return real_split(text)

    monkeypatch.setattr(analysis_module, "words_by_chunk", split)
    texts = list(dict.fromkeys(line["text"] for line in real_documents(600)))  # distinct
    docs = [Document(id=str(i), text=text) for i, text in enumerate(texts)]
    list(Recipe.named("fineweb-filters").apply(docs))
    # each input text split once; the shorter texts c4 leaves are not split again (c4 keeps
    # the words of the lines it kept as their analysis), yet fineweb judged them
    assert set(calls) <= set(texts) and max(calls.values()) == 1
    assert len(calls) > len(texts) / 2
    shortened = [doc for doc in docs if doc.text not in calls]
    assert shortened and all("line_punct_ratio" in d.metadata["signals"] for d in shortened)
