"""FineWeb-2's quality rules in every language thresher's language ID knows, with FineWeb-2's
per-language thresholds (`fineweb2_thresholds.json`, derived from huggingface/fineweb-2 @d0defb2,
Apache-2.0; see FINEWEB2_NOTICE) and a word split that suits the script (`words.py`).

FineWeb-2's filtering pipeline (fineweb-2-pipeline.py) runs three datatrove filters per
language, in this order, and so does this step:

1. Gopher repetition: duplicate lines (`dup_line_frac`), the top 2-, 3-, 4-grams and the
   repeated 5- to 10-grams, with the language's thresholds; the paragraph and character
   fractions turned off.
2. FineWeb quality: lines ending in sentence punctuation (`line_punct_thr`; 0 or below: off),
   characters in duplicated lines (0.1), newlines per word (`new_line_ratio`); the short-line
   rule turned off.
3. Gopher quality: 50 to 100,000 words, the language's mean word length bounds, Gopher's
   hash, ellipsis and bullet rules, the share of words with a letter
   (`max_non_alpha_words_ratio`), at least 2 of the language's stop words.

A language with no FineWeb-2 values (`und`, `zxx`, or English when it is not skipped) is
judged by the language-neutral rules only: the repetition and duplication rules and the
newline ratio at FineWeb-2's and datatrove's defaults, Gopher's length, symbol, bullet and
letter rules; no line punctuation, word length or stop words.

Where thresher differs from FineWeb-2 (measured in docs/QUALITY.md, "Every language"): words
are split by script, not by a tokenizer per language, and counted on the scale of FineWeb-2's
words (`words.WORDS_PER_UNIT`); an n-gram spans as many split words as n of FineWeb-2's words
would; a stop word of a script without spaces (or of Hangul) is looked for in the text; blank
lines do not count as newlines; the share of words with a letter may be `alpha_words_margin`
under FineWeb-2's value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, ClassVar

import regex

from thresher.document import Document
from thresher.quality.analysis import (
    Analysis,
    analysis_of,
    find_duplicates,
    has_letter,
    is_symbol_word,
    is_terminal,
    judge_in_batches,
    split_lines,
)
from thresher.quality.gopher import (
    _REPEAT_NS,
    _TOP_NS,
    _ngram_columns,
    first_quality_failure,
    signals_of,
)
from thresher.quality.language_codes import parse_languages, require_languages
from thresher.quality.ngrams import NgramBatch, WordNgrams
from thresher.quality.words import uniform_weights, unspaced, word_count, words
from thresher.steps import KEEP, Drop, Filter, StepStats, Verdict, register, require

NEUTRAL = "language-neutral"
THRESHOLDS = "quality_thresholds"
# A line break and the blank lines after it: FineWeb-2's newline ratio was calibrated on
# trafilatura's text, one line a paragraph; thresher's keeps a blank line between paragraphs,
# which counting every newline would count twice.
_LINE_BREAK = re.compile(r"\n(?:[^\S\n]*\n)*")
# Characters read to tell the script of a language FineWeb-2 has in several (sr, uz, hi, ...).
_SCRIPT_SAMPLE_CHARS = 2000


@cache
def table() -> dict[str, Any]:
    """The shipped thresholds: `languages` (code -> config names, main script first),
    `configs` (name -> thresholds), `neutral` (thresholds for languages without a config),
    `attribution`."""
    text = resources.files("thresher.quality").joinpath("fineweb2_thresholds.json")
    loaded: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return loaded


@cache
def _script_pattern(script: str) -> regex.Pattern[str] | None:
    try:
        return regex.compile(rf"\p{{Script={script}}}")
    except regex.error:  # a script `regex` does not name (Jpan): never needed to choose
        return None


def config_name(language: str | None, text: str) -> str | None:
    """The FineWeb-2 config that judges a document in `language`: the language's config in
    the script most of the text's first characters are written in, else its main script's;
    None where FineWeb-2 has no values for the language."""
    names: list[str] = table()["languages"].get(language or "", [])
    if len(names) <= 1:
        return names[0] if names else None
    sample = text[:_SCRIPT_SAMPLE_CHARS]
    best, best_count = names[0], 0
    for name in names:
        pattern = _script_pattern(name.split("_", 1)[1])
        count = len(pattern.findall(sample)) if pattern is not None else 0
        if count > best_count:
            best, best_count = name, count
    return best


# Cached per code list and per word: called for every document and every split word.
_languages = lru_cache(maxsize=64)(parse_languages)
_unspaced = lru_cache(maxsize=4096)(unspaced)


def _frac(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _span(n: int, units_per_word: float) -> int:
    return max(n, round(n * units_per_word))


def _language(doc: Document) -> str | None:
    """The `language` step's finding (None if it is not a string: not a set member if
    unhashable)."""
    found = doc.metadata.get("language")
    return found if isinstance(found, str) else None


def _prepare_ngrams(judged: list[tuple[Analysis, list[str]]]) -> None:
    """The n-gram characters of these texts (every word of weight 1: spans of n words),
    counted at once and left on their analyses with their words for `verdict`. Any failure
    leaves them unprepared: each document then counts its own, and an error is its own."""
    if not judged:
        return
    try:
        columns = _ngram_columns(NgramBatch([tokens for _, tokens in judged]))
        for (analysis, tokens), chars in zip(judged, zip(*columns, strict=True), strict=True):
            analysis.fineweb2 = (tokens, list(chars))
    except Exception:  # see the docstring
        for analysis, _ in judged:
            analysis.fineweb2 = None


@register
@dataclass(frozen=True, kw_only=True)
class FineWeb2Quality(Filter):
    """Judge every document not in `skip_languages` by FineWeb-2's rules with its language's
    thresholds (by `metadata.language`, the `language` step's finding, and the text's script),
    or by the language-neutral rules where FineWeb-2 has none for the language (marked
    `quality_thresholds: language-neutral` in the signals; a document with no language found,
    `und`, is judged so). Rejects with reason `fineweb2` and datatrove's rule name as detail.

    Parameters:
        skip_languages: comma-separated codes (`LANGUAGE_CODES`) left alone; the default,
            `en`, leaves English to the `gopher-*`, `c4` and `fineweb` steps and FineWeb's
            English values.
        char_duplicates_ratio: most characters in lines repeating an earlier line
            (FineWeb-2: 0.1).
        min_doc_words, max_doc_words: bounds on words that are not only punctuation.
        max_symbol_word_ratio: most '#', and most ellipses, per word.
        max_bullet_lines_ratio, max_ellipsis_lines_ratio: most lines of each kind.
        min_stop_words: fewest distinct stop words of the language present (FineWeb-2: 2).
        alpha_words_margin: the fewest words with a letter is FineWeb-2's
            `max_non_alpha_words_ratio` less this margin (0: FineWeb-2's value as published,
            which rejects 3-33% of clean news text in the largest languages; measured in
            docs/QUALITY.md, "Every language").
    A threshold of 0 turns its check off; the signals are stored either way.
    """

    name = "fineweb2"
    skip_languages: str = "en"
    char_duplicates_ratio: float = 0.1
    min_doc_words: int = 50
    max_doc_words: int = 100_000
    max_symbol_word_ratio: float = 0.1
    max_bullet_lines_ratio: float = 0.9
    max_ellipsis_lines_ratio: float = 0.3
    min_stop_words: int = 2
    alpha_words_margin: float = 0.1

    def __post_init__(self) -> None:
        require_languages(self.name, self.skip_languages)
        for param in (
            "char_duplicates_ratio",
            "max_symbol_word_ratio",
            "max_bullet_lines_ratio",
            "max_ellipsis_lines_ratio",
            "alpha_words_margin",
        ):
            value = getattr(self, param)
            require(0 <= value <= 1, self.name, param, "in [0, 1]", value)
        for param in ("min_doc_words", "max_doc_words", "min_stop_words"):
            value = getattr(self, param)
            require(value >= 0, self.name, param, ">= 0", value)

    # Documents whose n-grams are counted at once (`__call__`): at most this many, words and
    # characters (as gopher-repetition's batches).
    read_ahead: ClassVar[int] = 256
    BATCH_WORDS: ClassVar[int] = 16_384

    def __call__(
        self, docs: Iterable[Document], stats: StepStats | None = None
    ) -> Iterator[Document]:
        """Each document judged as `Step` does, the n-gram counts of a batch of the texts in
        spaced scripts computed at once first (`NgramBatch`: numpy's cost per call paid once a
        batch); any failure there leaves each document to count its own."""
        return judge_in_batches(self, docs, stats, self._pick, _prepare_ngrams, self.BATCH_WORDS)

    def _pick(self, doc: Document) -> tuple[tuple[Analysis, list[str]], int] | None:
        """The analysis and words of a document this rule will judge whose every word weighs 1
        (no script written without spaces), and its number of words."""
        text = doc.text
        if self._skips(_language(doc)) or not text.strip() or not uniform_weights(text):
            return None
        tokens = words(text, uniform=True)
        return (analysis_of(doc), tokens), len(tokens)

    def _skips(self, language: str | None) -> bool:
        return language in _languages(self.skip_languages)

    def verdict(self, doc: Document) -> Verdict:
        language = _language(doc)
        if self._skips(language):
            return KEEP
        text = doc.text
        signals = signals_of(doc)
        name = config_name(language, text)
        thresholds = table()["neutral"] if name is None else table()["configs"][name]
        signals[THRESHOLDS] = NEUTRAL if name is None else f"fineweb2:{name}"
        if not text.strip():
            return Drop(self.name, "empty")
        prepared = analysis_of(doc).fineweb2
        if prepared is not None:  # a text of spaced scripts only, its batch's n-grams counted
            uniform, (tokens, ngram_chars) = True, prepared
        else:
            uniform, ngram_chars = uniform_weights(text), None
            tokens = words(text, uniform=uniform)
        # A word is never only punctuation and symbols where its first character is a letter
        # or a digit (checked for every code point): most words, answered without a look-up.
        content = [word for word in tokens if word[0].isalnum() or not is_symbol_word(word)]
        if uniform:  # every word weighs 1.0: the sums are the counts
            n_words = float(len(tokens)) if tokens else 0
            n_content = float(len(content)) if content else 0
        else:
            n_words, n_content = word_count(tokens), word_count(content)
        signals.update(self._repetition(text, tokens, n_words, ngram_chars))
        signals.update(self._fineweb(text, n_words))
        signals.update(self._gopher(text, tokens, content, n_words, n_content, thresholds))
        failed = (
            self._repetition_failure(signals, thresholds)
            or self._fineweb_failure(signals, thresholds)
            or self._gopher_failure(signals, thresholds)
        )
        return KEEP if failed is None else Drop(self.name, failed)

    # -- signals ---------------------------------------------------------------------------

    @staticmethod
    def _repetition(
        text: str, tokens: list[str], n_words: float, ngram_chars: list[int] | None = None
    ) -> dict[str, float]:
        """The repetition signals; `ngram_chars`: the n-gram characters (`_ngram_columns`)
        where a batch counted them (only for texts whose every word weighs 1: spans of n)."""
        lines = split_lines(text)
        out = {"dup_line_frac": _frac(find_duplicates(lines)[0], len(lines))}
        if ngram_chars is None:
            ngrams = WordNgrams(tokens)
            # An n-gram of FineWeb-2's words spans about n * units_per_word split words in a
            # text split by characters (1.7 Han characters, 3.6 Thai clusters a word); never
            # fewer than n.
            units_per_word = _frac(len(tokens), n_words) or 1.0
            tops = [ngrams.top_chars(_span(n, units_per_word), n - 1) for n in _TOP_NS]
            repeats = [ngrams.repeated_chars(_span(n, units_per_word)) for n in _REPEAT_NS]
            ngram_chars = tops + repeats
        for n, chars in zip(_TOP_NS + _REPEAT_NS, ngram_chars, strict=True):
            kind = "top" if n in _TOP_NS else "dup"
            out[f"{kind}_{n}_gram_frac"] = _frac(chars, len(text))
        return out

    @staticmethod
    def _fineweb(text: str, n_words: float) -> dict[str, float]:
        lines = [line for line in text.split("\n") if line.strip()]
        return {
            "line_punct_ratio": _frac(sum(is_terminal(line[-1]) for line in lines), len(lines)),
            "char_dup_ratio": _frac(find_duplicates(lines)[1], len(text.replace("\n", ""))),
            "newline_word_ratio": _frac(len(_LINE_BREAK.findall(text)), n_words),
        }

    @staticmethod
    def _gopher(
        text: str,
        tokens: list[str],
        content: list[str],
        n_words: float,
        n_content: float,
        thresholds: dict[str, Any],
    ) -> dict[str, Any]:
        stopwords: list[str] = thresholds["stopwords"]
        lines = text.splitlines() or [""]
        present = set(tokens)
        return {
            "words": n_words,
            "non_symbol_words": n_content,
            "mean_word_length": _frac(sum(map(len, content)), n_content),
            "hash_word_ratio": _frac(text.count("#"), n_words),
            "ellipsis_word_ratio": _frac(text.count("...") + text.count("…"), n_words),
            "bullet_lines_ratio": _frac(
                sum(line.lstrip().startswith(("•", "-")) for line in lines), len(lines)
            ),
            "ellipsis_lines_ratio": _frac(
                sum(line.rstrip().endswith(("...", "…")) for line in lines), len(lines)
            ),
            "alpha_words_ratio": _frac(
                len(tokens)
                - len([word for word in tokens if not word.isalpha() and not has_letter(word)]),
                len(tokens),
            ),
            "stop_words": sum(
                1 for word in stopwords if (word in text if _unspaced(word) else word in present)
            ),
        }

    # -- decisions, in FineWeb-2's order -----------------------------------------------------

    @staticmethod
    def _repetition_failure(s: dict[str, Any], t: dict[str, Any]) -> str | None:
        if t["dup_line_frac"] and s["dup_line_frac"] > t["dup_line_frac"]:
            return "dup_line_frac"
        for n, threshold in t["top_n_grams"].items():
            if threshold and s[f"top_{n}_gram_frac"] > threshold:
                return f"top_{n}_gram"
        for n, threshold in t["dup_n_grams"].items():
            if threshold and s[f"dup_{n}_gram_frac"] > threshold:
                return f"duplicated_{n}_n_grams"
        return None

    def _fineweb_failure(self, s: dict[str, Any], t: dict[str, Any]) -> str | None:
        if s["line_punct_ratio"] < t["line_punct_thr"]:
            return "line_punct_ratio"
        if self.char_duplicates_ratio and s["char_dup_ratio"] > self.char_duplicates_ratio:
            return "char_dup_ratio"
        if t["new_line_ratio"] and s["newline_word_ratio"] > t["new_line_ratio"]:
            return "list_ratio"
        return None

    def _gopher_failure(self, s: dict[str, Any], t: dict[str, Any]) -> str | None:
        return first_quality_failure(
            s,
            min_doc_words=self.min_doc_words,
            max_doc_words=self.max_doc_words,
            min_avg_word_length=t["min_avg_word_length"],
            max_avg_word_length=t["max_avg_word_length"],
            max_symbol_word_ratio=self.max_symbol_word_ratio,
            max_bullet_lines_ratio=self.max_bullet_lines_ratio,
            max_ellipsis_lines_ratio=self.max_ellipsis_lines_ratio,
            min_alpha_words_ratio=max(
                0.0, t["max_non_alpha_words_ratio"] - self.alpha_words_margin
            ),
            min_stop_words=self.min_stop_words if t["stopwords"] else 0,
        )
