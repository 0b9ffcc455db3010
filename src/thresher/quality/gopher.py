"""The Gopher rules (Rae et al. 2021, table A1), with the thresholds FineWeb uses and the word
split datatrove uses, so that verdicts match rule for rule. Each rule stores its signals in
`metadata.signals`, then decides; a threshold of 0 turns its check off."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from thresher.document import Document
from thresher.quality.analysis import (
    PARAGRAPH_BREAK,
    Analysis,
    analyse,
    analysis_of,
    bare_word,
    find_duplicates,
    has_letter,
    is_symbol_word,
    judge_in_batches,
    split_lines,
)
from thresher.quality.language_codes import parse_languages, require_languages
from thresher.quality.ngrams import NgramBatch, WordNgrams
from thresher.steps import KEEP, Drop, Filter, StepStats, Verdict, register, require

SIGNALS = "signals"
STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")
# How `gopher-quality` counts words: "spacy", datatrove's split (punctuation marks are tokens
# of their own, and count as words in the ratios); "whitespace", the Gopher paper's words
# (whitespace-separated, punctuation attached).
WORD_SPLITS = ("spacy", "whitespace")


def signals_of(doc: Document) -> dict[str, Any]:
    """The document's signal dict, created on first use."""
    signals = doc.metadata.get(SIGNALS)
    if not isinstance(signals, dict):
        signals = doc.metadata[SIGNALS] = {}
    return signals


def out_of_scope(doc: Document, languages: str) -> bool:
    """Whether a rule calibrated for `languages` (comma-separated ISO codes; empty: all) should
    leave this document alone, by the `language` step's finding."""
    if not languages:
        return False
    return doc.metadata.get("language") not in parse_languages(languages)


def _frac(part: float, whole: float) -> float:
    """Exact, never rounded: a verdict near a threshold must not move."""
    return part / whole if whole else 0.0


@register
@dataclass(frozen=True, kw_only=True)
class GopherRepetition(Filter):
    """Reject documents with too much repeated content: duplicate paragraphs and lines (by count
    and by characters), the most frequent 2-, 3- and 4-gram's share of the characters, and the
    characters in repeated 5- to 10-grams. Fractions are of the text's characters.

    Parameters: the threshold of each signal of the same name (0 turns a check off);
    `languages`: comma-separated codes of the documents judged (empty: all), by the
    `language` step's finding, since the thresholds are calibrated for English; only codes
    that step can write (`LANGUAGE_CODES`: `en`, not `EN` or `eng`) are accepted.
    """

    name = "gopher-repetition"
    dup_para_frac: float = 0.3
    dup_para_char_frac: float = 0.2
    dup_line_frac: float = 0.3
    dup_line_char_frac: float = 0.2
    top_2_gram_frac: float = 0.2
    top_3_gram_frac: float = 0.18
    top_4_gram_frac: float = 0.16
    dup_5_gram_frac: float = 0.15
    dup_6_gram_frac: float = 0.14
    dup_7_gram_frac: float = 0.13
    dup_8_gram_frac: float = 0.12
    dup_9_gram_frac: float = 0.11
    dup_10_gram_frac: float = 0.10
    languages: str = ""

    def __post_init__(self) -> None:
        require_languages(self.name, self.languages)
        for param, value in self._thresholds().items():
            require(0 <= value <= 1, self.name, param, "in [0, 1]", value)

    def _thresholds(self) -> dict[str, float]:
        return {k: v for k, v in self.params().items() if k != "languages"}

    # Documents judged at once (`__call__`): at most this many, words and characters.
    read_ahead: ClassVar[int] = 256
    BATCH_WORDS: ClassVar[int] = 16_384

    def __call__(
        self, docs: Iterable[Document], stats: StepStats | None = None
    ) -> Iterator[Document]:
        """Each document judged as `Step` does, the n-gram counts of a batch of them computed
        at once first (`NgramBatch`: numpy's cost per call paid once a batch)."""
        return judge_in_batches(
            self, docs, stats, self._pick, _prepare_repetition, self.BATCH_WORDS
        )

    def _pick(self, doc: Document) -> tuple[Analysis, int] | None:
        """The analysis (words split) of a document this rule will judge, and its words."""
        if not doc.text or out_of_scope(doc, self.languages):
            return None
        analysis = _split(doc)
        return None if analysis is None else (analysis, len(analysis.words))

    def verdict(self, doc: Document) -> Verdict:
        if out_of_scope(doc, self.languages):
            return KEEP
        if not doc.text:
            return Drop(self.name, "empty")
        signals = signals_of(doc)
        analysis = analysis_of(doc)
        prepared = analysis.repetition
        signals.update(prepared if prepared is not None else repetition_signals(doc.text, analysis))
        for param, threshold in self._thresholds().items():
            if threshold and signals[param] > threshold:
                return Drop(self.name, _rule_name(param))
        return KEEP


def _rule_name(param: str) -> str:
    """datatrove's name of a sub-rule: `top_2_gram`, `duplicated_5_n_grams`, `dup_line_frac`."""
    if param.startswith("top_"):
        return param.removesuffix("_frac")
    if param.startswith("dup_") and param.endswith("_gram_frac"):
        return f"duplicated_{param.split('_')[1]}_n_grams"
    return param


def _split(doc: Document) -> Analysis | None:
    """The document's analysis with its words split (now, for the steps after too); None if
    the split fails: the document's own verdict then meets the error, and is rejected for it."""
    try:
        analysis = analysis_of(doc)
        analysis.words  # noqa: B018 - split here, kept on the analysis
    except Exception:  # see the docstring
        return None
    return analysis


def _prepare_repetition(analyses: list[Analysis]) -> None:
    """The repetition signals of these analyses' texts, computed at once and left on them for
    `verdict`. Any failure leaves them unprepared: each document is then judged alone, and an
    error is its own."""
    if not analyses:
        return
    try:
        columns = _ngram_columns(NgramBatch([analysis.words for analysis in analyses]))
        for analysis, ngram_chars in zip(analyses, zip(*columns, strict=True), strict=True):
            analysis.repetition = _line_signals(analysis.text) | _ngram_signals(
                ngram_chars, len(analysis.text)
            )
    except Exception:  # see the docstring
        for analysis in analyses:
            analysis.repetition = None


_TOP_NS = (2, 3, 4)
_REPEAT_NS = tuple(range(5, 11))


def _ngram_columns(ngrams: NgramBatch) -> list[list[int]]:
    """Per n of `_TOP_NS` then `_REPEAT_NS`, each document's characters (see `_ngram_signals`)."""
    tops = [ngrams.top_chars(n, n - 1).tolist() for n in _TOP_NS]  # n - 1 spaces join the words
    return tops + [ngrams.repeated_chars(n).tolist() for n in _REPEAT_NS]


def _ngram_signals(ngram_chars: Sequence[int], length: int) -> dict[str, float]:
    signals = {}
    for n, chars in zip(_TOP_NS + _REPEAT_NS, ngram_chars, strict=True):
        kind = "top" if n in _TOP_NS else "dup"
        signals[f"{kind}_{n}_gram_frac"] = _frac(chars, length)
    return signals


def _line_signals(text: str) -> dict[str, float]:
    paragraphs = PARAGRAPH_BREAK.split(text.strip())
    para_dups, para_chars = find_duplicates(paragraphs)
    lines = split_lines(text)
    line_dups, line_chars = find_duplicates(lines)
    return {
        "dup_para_frac": _frac(para_dups, len(paragraphs)),
        "dup_para_char_frac": _frac(para_chars, len(text)),
        "dup_line_frac": _frac(line_dups, len(lines)),
        "dup_line_char_frac": _frac(line_chars, len(text)),
    }


def repetition_signals(text: str, analysis: Analysis | None = None) -> dict[str, float]:
    """The repetition signals of `text` (its `analysis`, if at hand: its words are split once
    for every rule that reads them)."""
    analysis = analysis if analysis is not None else analyse(text)
    ngrams = WordNgrams(analysis.words)  # used here only: not kept with the analysis
    ngram_chars = [ngrams.top_chars(n, n - 1) for n in _TOP_NS]
    repeated = 1  # not 0: count the 5-grams
    for n in _REPEAT_NS:
        # no repeated n-gram (0 characters: words are never empty) means no longer one either
        repeated = ngrams.repeated_chars(n) if repeated else 0
        ngram_chars.append(repeated)
    return _line_signals(text) | _ngram_signals(ngram_chars, len(text))


@register
@dataclass(frozen=True, kw_only=True)
class GopherQuality(Filter):
    """Reject documents outside Gopher's quality bounds: word count, mean word length, '#' and
    ellipsis per word, lines starting with a bullet or ending with an ellipsis, words with a
    letter, and stop words. Words are counted without pure-punctuation tokens for the length
    bounds, with them for the ratios.

    Parameters:
        min_doc_words, max_doc_words: bounds on words that are not only punctuation.
        min_avg_word_length, max_avg_word_length: bounds on their mean length.
        max_symbol_word_ratio: most '#', and most ellipses, per word.
        max_bullet_lines_ratio, max_ellipsis_lines_ratio: most lines of each kind.
        min_alpha_words_ratio: fewest words holding a letter.
        min_stop_words: fewest distinct English stop words present.
        languages: the documents judged, as for `gopher-repetition`.
        word_split: "spacy" (datatrove's words: spaCy's tokens, so that "," and "“" are
            words, none with a letter) or "whitespace" (the Gopher paper's: whitespace-separated,
            punctuation attached; a stop word is matched without the marks around it).
    """

    name = "gopher-quality"
    min_doc_words: int = 50
    max_doc_words: int = 100_000
    min_avg_word_length: float = 3.0
    max_avg_word_length: float = 10.0
    max_symbol_word_ratio: float = 0.1
    max_bullet_lines_ratio: float = 0.9
    max_ellipsis_lines_ratio: float = 0.3
    min_alpha_words_ratio: float = 0.8
    min_stop_words: int = 2
    languages: str = ""
    word_split: str = "spacy"

    def __post_init__(self) -> None:
        require_languages(self.name, self.languages)
        require(
            self.word_split in WORD_SPLITS,
            self.name,
            "word_split",
            " or ".join(map(repr, WORD_SPLITS)),
            self.word_split,
        )
        for param, value in self.params().items():
            if param not in ("languages", "word_split"):
                require(value >= 0, self.name, param, ">= 0", value)

    def verdict(self, doc: Document) -> Verdict:
        if out_of_scope(doc, self.languages):
            return KEEP
        signals = signals_of(doc)
        signals.update(
            quality_signals(doc.text, word_split=self.word_split, analysis=analysis_of(doc))
        )
        failed = self._first_failure(signals)
        return KEEP if failed is None else Drop(self.name, failed)

    def _first_failure(self, s: dict[str, Any]) -> str | None:
        return first_quality_failure(
            s,
            min_doc_words=self.min_doc_words,
            max_doc_words=self.max_doc_words,
            min_avg_word_length=self.min_avg_word_length,
            max_avg_word_length=self.max_avg_word_length,
            max_symbol_word_ratio=self.max_symbol_word_ratio,
            max_bullet_lines_ratio=self.max_bullet_lines_ratio,
            max_ellipsis_lines_ratio=self.max_ellipsis_lines_ratio,
            min_alpha_words_ratio=self.min_alpha_words_ratio,
            min_stop_words=self.min_stop_words,
        )


def first_quality_failure(
    s: dict[str, Any],
    *,
    min_doc_words: float,
    max_doc_words: float,
    min_avg_word_length: float,
    max_avg_word_length: float,
    max_symbol_word_ratio: float,
    max_bullet_lines_ratio: float,
    max_ellipsis_lines_ratio: float,
    min_alpha_words_ratio: float,
    min_stop_words: float,
) -> str | None:
    """The first Gopher quality rule the signals `s` fail, in datatrove's order (a threshold of
    0 turns its rule off); shared by `gopher-quality` and `fineweb2`."""
    checks = (
        (min_doc_words, s["non_symbol_words"] < min_doc_words, "gopher_short_doc"),
        (max_doc_words, s["non_symbol_words"] > max_doc_words, "gopher_long_doc"),
        (
            min_avg_word_length,
            s["mean_word_length"] < min_avg_word_length,
            "gopher_below_avg_threshold",
        ),
        (
            max_avg_word_length,
            s["mean_word_length"] > max_avg_word_length,
            "gopher_above_avg_threshold",
        ),
        (
            max_symbol_word_ratio,
            s["hash_word_ratio"] > max_symbol_word_ratio,
            "gopher_too_many_hashes",
        ),
        (
            max_symbol_word_ratio,
            s["ellipsis_word_ratio"] > max_symbol_word_ratio,
            "gopher_too_many_ellipsis",
        ),
        (
            max_bullet_lines_ratio,
            s["bullet_lines_ratio"] > max_bullet_lines_ratio,
            "gopher_too_many_bullets",
        ),
        (
            max_ellipsis_lines_ratio,
            s["ellipsis_lines_ratio"] > max_ellipsis_lines_ratio,
            "gopher_too_many_end_ellipsis",
        ),
        (
            min_alpha_words_ratio,
            s["alpha_words_ratio"] < min_alpha_words_ratio,
            "gopher_below_alpha_threshold",
        ),
        (min_stop_words, s["stop_words"] < min_stop_words, "gopher_enough_stop_words"),
    )
    return next((name for threshold, failed, name in checks if threshold and failed), None)


def quality_signals(
    text: str, *, word_split: str = "spacy", analysis: Analysis | None = None
) -> dict[str, Any]:
    """Gopher's quality signals of `text`, its words split as `word_split` says (`WORD_SPLITS`),
    from its `analysis` if at hand."""
    analysis = analysis if analysis is not None else analyse(text)
    words = analysis.chunks if word_split == "whitespace" else analysis.words
    n_words = len(words)
    # A word of letters only has a letter and is no symbol word: only the others (a fifth of
    # the words of prose) are looked at one by one; the rest is counted in C.
    others = list(itertools.filterfalse(str.isalpha, words))
    symbol_words = list(filter(is_symbol_word, others))
    n_content = n_words - len(symbol_words)
    lines = text.splitlines() or [""]
    stop_word_candidates = map(bare_word, words) if word_split == "whitespace" else words
    return {
        "words": n_words,
        "non_symbol_words": n_content,
        "mean_word_length": _frac(sum(map(len, words)) - sum(map(len, symbol_words)), n_content),
        "hash_word_ratio": _frac(text.count("#"), n_words),
        "ellipsis_word_ratio": _frac(text.count("...") + text.count("…"), n_words),
        "bullet_lines_ratio": _frac(
            sum(map(str.startswith, map(str.lstrip, lines), itertools.repeat(("•", "-")))),
            len(lines),
        ),
        "ellipsis_lines_ratio": _frac(
            sum(map(str.endswith, map(str.rstrip, lines), itertools.repeat(("...", "…")))),
            len(lines),
        ),
        "alpha_words_ratio": _frac(n_words - len(others) + sum(map(has_letter, others)), n_words),
        "stop_words": len(set(STOP_WORDS).intersection(stop_word_candidates)),
    }
