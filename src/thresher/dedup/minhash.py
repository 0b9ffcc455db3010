"""Document keys for deduplication: normalised tokens, an exact-text hash, word n-gram shingles,
their MinHash signature and its LSH band keys. Everything is numpy over all shingles of a document
at once; the only per-token Python work is hashing each token once."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import regex
import xxhash

from thresher.errors import ConfigError

NORMALIZATION_VERSION = 1
# Tokens: one character of a script written without spaces, or a run of letters, marks and
# digits. Punctuation, symbols and spacing fall away; case and digits are folded before.
_SPACELESS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
_PUNCTUATION = regex.compile(r"[\p{P}\p{S}]+")
_DIGIT = regex.compile(r"\p{Nd}")
_BEYOND_THAI = re.compile("[\u0e00-\U0010ffff]")
_WORD_CACHE_MAX = 500_000
# shingles per block of the (shingles x permutations) matrix, computed in place: a block that
# stays in the CPU cache made signatures three times faster than one big matrix
_CHUNK = 256

MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
_ODD = np.uint64(1)
_POSITION = np.random.default_rng(5).integers(1, 2**63, 16, dtype=np.uint64) * 2 + _ODD


def tokens(text: str) -> list[str]:
    """The normalised tokens of `text`: lower case, digits folded to 0, no punctuation."""
    if text.isascii():
        # the same normalisation, by one table lookup per byte
        return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split()
    text = _PUNCTUATION.sub(" ", _DIGIT.sub("0", text.lower()))
    # every script written without spaces starts at U+0E00 (Thai) or later: a scan for such
    # characters (re, a plain range) is eight times cheaper than one for the scripts themselves
    if _BEYOND_THAI.search(text) and _SPACELESS.search(text):
        text = _SPACELESS.sub(r" \g<0> ", text)
    return text.split()


def _ascii_fold_table() -> bytes:
    table = bytearray(range(256))
    for code in range(128):
        char = chr(code)
        if char.isdigit():
            table[code] = ord("0")
        elif char.isupper():
            table[code] = ord(char.lower())
        elif _PUNCTUATION.fullmatch(char):
            table[code] = ord(" ")
    return bytes(table)


_ASCII_FOLD = _ascii_fold_table()


class _WordHashes(dict[str, int]):
    """xxh3-64 of each word, memoised per process: words repeat (Zipf), so most lookups are a
    C-level dict hit and only new words reach Python."""

    def __missing__(self, word: str) -> int:
        if len(self) > _WORD_CACHE_MAX:
            self.clear()
        value = self[word] = xxhash.xxh3_64_intdigest(word.encode("utf-8"))
        return value


_word_hashes = _WordHashes()


def _hash_words(words: list[str]) -> np.ndarray:
    return np.fromiter(map(_word_hashes.__getitem__, words), np.uint64, len(words))


def exact_key(words: list[str]) -> tuple[int, int]:
    """A 128-bit hash of the normalised text, as two 64-bit halves."""
    digest = xxhash.xxh3_128_intdigest(" ".join(words).encode("utf-8"))
    return digest >> 64, digest & 0xFFFFFFFFFFFFFFFF


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised: spreads every input bit over the whole word."""
    values = values ^ (values >> np.uint64(30))
    values = values * MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * MIX_2
    mixed: np.ndarray = values ^ (values >> np.uint64(31))
    return mixed


def shingle_hashes(words: list[str], ngram: int) -> np.ndarray:
    """64-bit hashes of the word n-grams; a text shorter than `ngram` words is one shingle."""
    hashes = _hash_words(words)
    if len(hashes) == 0:
        return hashes
    span = min(ngram, len(hashes))
    count = len(hashes) - span + 1
    combined = hashes[:count].copy()
    for offset in range(1, span):
        # a different odd multiplier per position, so that "a b" and "b a" differ
        combined += hashes[offset : offset + count] * _POSITION[offset]
    return _mix(combined)


@dataclass(frozen=True)
class MinHasher:
    """`bands * rows` MinHash permutations (multiply-add modulo 2^64 on mixed shingle hashes,
    which is a bijection per permutation), seeded, so that signatures from different runs of the
    same settings compare."""

    bands: int = 14
    rows: int = 8
    seed: int = 1

    @property
    def permutations(self) -> int:
        return self.bands * self.rows

    @cached_property
    def _params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        high = np.iinfo(np.uint64).max
        a = rng.integers(1, high, self.permutations, dtype=np.uint64, endpoint=True) | np.uint64(1)
        b = rng.integers(0, high, self.permutations, dtype=np.uint64, endpoint=True)
        band_mix = rng.integers(1, high, self.rows, dtype=np.uint64, endpoint=True) | np.uint64(1)
        return a, b, band_mix

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """The minimum of each permutation over `shingles` (uint64, one per permutation)."""
        a, b, _ = self._params
        result = np.full(self.permutations, np.iinfo(np.uint64).max, dtype=np.uint64)
        buffer = np.empty((min(len(shingles), _CHUNK), self.permutations), np.uint64)
        for start in range(0, len(shingles), _CHUNK):
            block = shingles[start : start + _CHUNK]
            values = buffer[: len(block)]
            np.multiply(block[:, None], a, out=values)
            values += b
            np.minimum(result, values.min(axis=0), out=result)
        return result

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """One 64-bit key per band for each row of `signatures` (shape docs x permutations)."""
        _, _, band_mix = self._params
        grouped = signatures.reshape(len(signatures), self.bands, self.rows)
        keys = np.zeros((len(signatures), self.bands), dtype=np.uint64)
        for row in range(self.rows):
            keys = _mix(keys ^ (grouped[:, :, row] * band_mix[row]))
        return keys


@cache
def lsh_params(threshold: float, permutations: int = 112) -> tuple[int, int]:
    """Bands and rows (bands * rows <= permutations) that minimise the summed probability of
    missing a pair above `threshold` and of catching one below it."""
    if not 0 < threshold < 1:
        raise ConfigError(f"dedup: threshold must be in (0, 1), got {threshold!r}")
    grid = np.linspace(0, 1, 1001)
    best: tuple[float, int, int] | None = None
    for bands in range(1, permutations + 1):
        for rows in range(1, permutations // bands + 1):
            caught = 1 - (1 - grid**rows) ** bands
            below, above = grid < threshold, grid >= threshold
            error = float(np.trapezoid(caught[below], grid[below]))
            error += float(np.trapezoid(1 - caught[above], grid[above]))
            if best is None or error < best[0] - 1e-12:
                best = (error, bands, rows)
    assert best is not None
    return best[1], best[2]


def s_curve_threshold(bands: int, rows: int) -> float:
    """The Jaccard similarity at which a pair becomes a candidate half the time, roughly."""
    return math.pow(1 / bands, 1 / rows)
