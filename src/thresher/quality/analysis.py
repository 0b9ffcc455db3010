"""One analysis of a text, shared by every quality rule that looks at it: the words are split
once, whatever number of rules read them."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import regex

from thresher.quality.tokens import words as split_words

_STERM = regex.compile(r"\p{Sentence_Terminal}")
_SYMBOLS = frozenset("#$%&*+<=>@^_`|~\\/-")
_BASE = np.uint64(1_000_003)


@lru_cache(maxsize=65_536)
def is_terminal(char: str) -> bool:
    """Sentence-final punctuation in any script (Unicode's Sentence_Terminal property)."""
    return _STERM.match(char) is not None


@lru_cache(maxsize=65_536)
def is_symbol_word(word: str) -> bool:
    """A word made only of punctuation and ASCII symbols ("--", "#", "...")."""
    return all(ch in _SYMBOLS or unicodedata.category(ch).startswith("P") for ch in word)


@lru_cache(maxsize=65_536)
def bare_word(word: str) -> str:
    """`word` without the punctuation and symbols around it ("“The" -> "The", "end." -> "end")."""
    start, end = 0, len(word)
    while start < end and is_symbol_word(word[start]):
        start += 1
    while end > start and is_symbol_word(word[end - 1]):
        end -= 1
    return word[start:end]


@lru_cache(maxsize=65_536)
def has_letter(word: str) -> bool:
    return word.isalpha() or any(ch.isalpha() for ch in word)


@dataclass(eq=False)
class Analysis:
    """Lazily computed views of one text. Build it with `analyse(text)`."""

    text: str
    _ngrams: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @cached_property
    def words(self) -> list[str]:
        return split_words(self.text)

    @cached_property
    def chunks(self) -> list[str]:
        """The whitespace-separated words, punctuation attached (the Gopher paper's words)."""
        return self.text.split()

    @cached_property
    def prefix_lengths(self) -> list[int]:
        """Characters in the first i words, for i = 0..len(words)."""
        return [0, *itertools.accumulate(map(len, self.words))]

    def ngram_chars(self, start: int, n: int, separator: int) -> int:
        """Characters of the n-gram at `start`, with `separator` characters between words."""
        prefix = self.prefix_lengths
        return prefix[start + n] - prefix[start] + separator * (n - 1)

    def ngram_hashes(self, n: int) -> np.ndarray:
        """A 64-bit hash of every run of `n` consecutive words (equal runs, equal hashes;
        unequal runs collide with negligible probability). Only compared within the text."""
        if n not in self._ngrams:
            if n == 1:
                hashes = np.fromiter(map(hash, self.words), np.int64, len(self.words))
                self._ngrams[1] = hashes.view(np.uint64)
            else:
                shorter = self.ngram_hashes(n - 1)
                last = self.ngram_hashes(1)[n - 1 :]
                with np.errstate(over="ignore"):
                    self._ngrams[n] = shorter[:-1] * _BASE + last if len(last) else last
        return self._ngrams[n]


@lru_cache(maxsize=8)
def analyse(text: str) -> Analysis:
    """The analysis of `text`; the same text gives the same object while it is recent, so the
    rules of a recipe that see an unchanged text share one word split."""
    return Analysis(text)


def find_duplicates(items: list[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and their characters."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


PARAGRAPH_BREAK = re.compile(r"\n{2,}")
LINE_BREAKS = re.compile(r"\n+")
