"""Document keys for deduplication: normalised text, an exact-text hash, word n-gram shingles,
their MinHash signature and its LSH band keys. After the normalisation (one table lookup per
ASCII byte, regex passes over the runs of other characters) everything is numpy over all the
words and shingles of a document at once: no Python work per word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import pairwise

import numpy as np
import regex
import xxhash

from thresher.errors import ConfigError

# How keys are computed: 3, one-permutation MinHash; 2, polynomial word hashes; 1, the first.
KEYS_VERSION = 3
# Tokens: one character of a script written without spaces, or a run of letters, marks and
# digits. Punctuation, symbols and spacing fall away; case and digits are folded before.
_SPACELESS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
_PUNCTUATION = regex.compile(r"[\p{P}\p{S}]+")
_DIGIT = regex.compile(r"\p{Nd}")
_BEYOND_THAI = re.compile("[\u0e00-\U0010ffff]")


# The whitespace of str.split() that bytes.split() does not know (\x1c-\x1f, \x85, the Unicode
# spaces; a test checks the list against str.isspace), as plain spaces: a class of them scans
# three times faster than `[^\\S \\t\\n\\r\\x0b\\x0c]`.
OTHER_SPACES = "\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_OTHER_SPACE = re.compile(f"[{OTHER_SPACES}]")
_FENCE = b"\x1e"  # a marker word no normalised text holds (folding makes \x1e a space)
_FENCE_RUN = re.compile(rb"\x1e(?: \x1e)+")  # lines without a word between line feeds

_PROBES = 32  # densification probes per empty bin before walking bin by bin
_DENSIFY_ROWS = 256  # rows densified at once: a row of a one-word text has ~110 holes
EMPTY = np.uint64(np.iinfo(np.uint64).max)

MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
_ODD = np.uint64(1)
_POSITION = np.random.default_rng(5).integers(1, 2**63, 16, dtype=np.uint64) * 2 + _ODD


def normalized(text: str) -> bytes:
    """The normalised text, UTF-8: lower case, digits folded to 0, punctuation and symbols
    removed, each character of a script written without spaces standing alone, tokens
    separated by single spaces."""
    return b" ".join(_folded(text).split())


def normalized_lines(text: str) -> bytes:
    """`normalized`, its lines kept: tokens of a line separated by single spaces, lines with
    a token by single line feeds. `normalized(t)` is this with every line feed a space."""
    folded = _folded(text)
    if b"\n" not in folded:
        return b" ".join(folded.split())
    # the same as joining each line's words, and the lines with a word, without Python work per
    # line: each line feed becomes a word of its own (\x1e, which folding has turned into a
    # space wherever the text had it), runs of them one, and then a line feed again
    joined = _FENCE_RUN.sub(b"\x1e", b" ".join(folded.replace(b"\n", b" \x1e ").split()))
    return joined.strip(b"\x1e ").replace(b" \x1e ", b"\n")


def normalized_by_line(text: str) -> list[bytes]:
    """`normalized` of each line of `text` (split at line feeds), the text folded at once: every
    step of the fold maps one character alone and none makes or takes a line feed (a capital
    sigma's lower case looks at its neighbours, but not past a line feed, which is neither
    cased nor case-ignorable), so the lines fold as they would apart."""
    return [b" ".join(line.split()) for line in _folded(text).split(b"\n")]


def _folded(text: str) -> bytes:
    """The text case- and digit-folded, punctuation and symbols turned to spaces, UTF-8;
    spacing not yet collapsed (one space or several: every caller splits)."""
    if text.isascii():
        # the same normalisation, by one table lookup per byte
        return text.encode("ascii").translate(_ASCII_FOLD)
    data = text.encode("utf-8", "surrogatepass")
    # mostly ASCII (few bytes beyond one a character), and no capital sigma
    if (len(data) - len(text)) * _CHARS_PER_EXTRA_BYTE <= len(text) and _CAPITAL_SIGMA not in data:
        by_runs = _folded_by_runs(data)
        if by_runs is not None:
            return by_runs
    return _folded_whole(text)


def _folded_whole(text: str) -> bytes:
    """`_folded` of any text, by regex passes over all of it."""
    text = _PUNCTUATION.sub(" ", _DIGIT.sub("0", text.lower()))
    # every script written without spaces starts at U+0E00 (Thai) or later: a scan for such
    # characters (re, a plain range) is eight times cheaper than one for the scripts themselves
    if _BEYOND_THAI.search(text) and _SPACELESS.search(text):
        text = _SPACELESS.sub(r" \g<0> ", text)
    # bytes.split() knows ASCII whitespace only: other spaces (and line breaks other than a
    # line feed) become plain spaces first
    text = _OTHER_SPACE.sub(" ", text)
    return text.encode("utf-8", "surrogatepass")


def _folded_by_runs(data: bytes) -> bytes | None:
    """`_folded` of mostly ASCII text (`data`, its UTF-8): the ASCII bytes by the table, each
    run of non-ASCII characters by `_folded_whole` (cached: the same few dashes, quotes and
    accented words recur). Every step of the fold maps one character alone, so the runs fold
    apart as they would together, but for lower-casing a capital sigma (final or not by its
    neighbours), which the caller leaves to the whole text. None when runs are too dense to
    gain (text in another script: a run a word)."""
    table_folded = data.translate(_ASCII_FOLD)  # bytes from 0x80 on stay as they are
    if len(data) < _NUMPY_MIN_BYTES:
        pieces = _NON_ASCII_RUN.split(table_folded)
        first_run = 1
    else:  # the same pieces, the runs' edges found by numpy (a scan by re costs 11 ns a byte)
        high = np.frombuffer(data, np.uint8) >= 0x80
        bounds = [0, *(np.flatnonzero(high[1:] != high[:-1]) + 1).tolist(), len(data)]
        pieces = [table_folded[start:end] for start, end in pairwise(bounds)]
        first_run = 0 if high[0] else 1
    if len(pieces) * _BYTES_PER_RUN > 2 * len(data):
        return None
    runs = pieces[first_run::2]
    found = list(map(_RUN_CACHE.get, runs))  # in C; misses come back as None
    miss = -1
    try:
        while True:
            miss = found.index(None, miss + 1)
            found[miss] = _folded_run(runs[miss])
    except ValueError:
        pass
    pieces[first_run::2] = found
    return b"".join(pieces)


def _folded_run(run: bytes) -> bytes:
    folded = _folded_whole(run.decode("utf-8", "surrogatepass"))
    if len(run) <= _RUN_CACHE_BYTES:
        if len(_RUN_CACHE) >= _RUN_CACHE_ENTRIES:
            _RUN_CACHE.clear()
        _RUN_CACHE[run] = folded
    return folded


# str.lower() maps every character alone but this one (Σ: σ, or ς at a word's end).
_CAPITAL_SIGMA = "\u03a3".encode()
# Text with more bytes beyond one a character (text in another script, a run a word) folds
# whole: faster there.
_CHARS_PER_EXTRA_BYTE = 16
_BYTES_PER_RUN = 16  # and so does text with a run more often than this
_NUMPY_MIN_BYTES = 512
_NON_ASCII_RUN = re.compile(rb"([\x80-\xff]+)")  # a capturing group: runs at odd indices
_RUN_CACHE: dict[bytes, bytes] = {}
_RUN_CACHE_ENTRIES = 65_536
_RUN_CACHE_BYTES = 64


def tokens(text: str) -> list[str]:
    """The normalised tokens of `text` (see `normalized`)."""
    norm = normalized(text)
    return norm.decode("utf-8", "surrogatepass").split(" ") if norm else []


def _ascii_fold_table() -> bytes:
    table = bytearray(range(256))
    for code in range(128):
        char = chr(code)
        if char.isdigit():
            table[code] = ord("0")
        elif char.isupper():
            table[code] = ord(char.lower())
        elif _PUNCTUATION.fullmatch(char) or (char.isspace() and char not in " \t\n\r\x0b\x0c"):
            # \x1c-\x1f are whitespace to str.split but not to bytes.split
            table[code] = ord(" ")
    return bytes(table)


_ASCII_FOLD = _ascii_fold_table()


def _powers(base: int, count: int) -> np.ndarray:
    """base^0 .. base^(count - 1) modulo 2^64 (numpy's unsigned products wrap around)."""
    steps = np.full(count, base % 2**64, np.uint64)
    steps[:1] = 1
    powers: np.ndarray = np.cumprod(steps, dtype=np.uint64)
    return powers


# Word hashes are polynomials in _BASE over the word's bytes, modulo 2^64, computed for every
# word of a text at once from one prefix sum (scaled by inverse powers, so that a word's hash
# does not depend on where it stands), then mixed. Texts are cut into blocks of _BLOCK bytes,
# so the power tables stay small.
_BASE = 0x9E3779B97F4A7C15  # odd: invertible modulo 2^64
_BLOCK = 1 << 16
_POW = _powers(_BASE, _BLOCK + 1)
_INV_POW = _powers(pow(_BASE, -1, 2**64), _BLOCK + 1)


def word_hashes(norm: bytes) -> np.ndarray:
    """A 64-bit hash of each word of `norm` (words are separated by spaces or line feeds)."""
    if not norm:
        return np.zeros(0, np.uint64)
    parts: list[np.ndarray] = []
    pos, size = 0, len(norm)
    while pos <= size:
        end = size if size - pos <= _BLOCK else _rfind_separator(norm, pos, pos + _BLOCK)
        if end <= pos:  # one word longer than a block
            found = _find_separator(norm, pos + _BLOCK)
            end = size if found < 0 else found
            parts.append(_mix(np.array([_polynomial(norm[pos:end])], np.uint64)))
        else:
            parts.append(_block_hashes(norm[pos:end]))
        pos = end + 1
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _rfind_separator(norm: bytes, start: int, end: int) -> int:
    return max(norm.rfind(b" ", start, end), norm.rfind(b"\n", start, end))


def _find_separator(norm: bytes, start: int) -> int:
    found = [at for at in (norm.find(b" ", start), norm.find(b"\n", start)) if at >= 0]
    return min(found, default=-1)


def _block_hashes(block: bytes) -> np.ndarray:
    data = np.frombuffer(block, np.uint8)
    spaces = np.flatnonzero((data == 32) | (data == 10))
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [len(data)]))
    prefix = np.zeros(len(data) + 1, np.uint64)
    np.cumsum(data * _INV_POW[: len(data)], out=prefix[1:])
    # sum of b[k] * BASE^(end-1-k) over the word = BASE^(end-1) * (prefix[end] - prefix[start])
    return _mix((prefix[ends] - prefix[starts]) * _POW[ends - 1])


def _polynomial(word: bytes) -> int:
    value = 0
    for byte in word:
        value = (value * _BASE + byte) % 2**64
    return value


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised: spreads every input bit over the whole word."""
    values = values ^ (values >> np.uint64(30))
    values = values * MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * MIX_2
    mixed: np.ndarray = values ^ (values >> np.uint64(31))
    return mixed


def shingles(norm: bytes, ngram: int, lines: bool = False) -> np.ndarray:
    """64-bit hashes of the word n-grams of normalised text; a text shorter than `ngram` words
    is one shingle. With `lines` (`norm` from `normalized_lines`), every line is fenced on both
    sides by `ngram - 1` marker words, so that no n-gram holds words of two lines: the set is
    the union of each line's own, the same whatever the order of the lines."""
    return shingles_of([norm], ngram, lines)[0]


def _fenced(norm: bytes, ngram: int) -> bytes:
    """`norm` (from `normalized_lines`) with every line fenced on both sides by `ngram - 1`
    marker words (see `shingles`)."""
    fence = b" ".join([_FENCE] * (ngram - 1))
    return b"%s %s %s" % (fence, norm.replace(b"\n", b" %s " % fence), fence)


def shingles_of(
    norms: list[bytes], ngram: int, lines: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """`shingles` of each of `norms`, computed over all of them at once: the shingle hashes of
    every text one after the other, and how many each text has. The same values in the same
    order as `shingles` gives text by text (a word's hash does not depend on the words around
    it), for a few numpy calls per batch of texts rather than some twenty per text."""
    if lines and ngram > 1:
        norms = [_fenced(norm, ngram) if norm else norm for norm in norms]
    words = np.fromiter(
        (norm.count(b" ") + norm.count(b"\n") + 1 if norm else 0 for norm in norms),
        np.int64,
        len(norms),
    )
    hashes = word_hashes(b" ".join(norm for norm in norms if norm))
    if len(hashes) != int(words.sum()):  # cannot happen with normalised text
        raise ValueError("shingles_of: texts with empty words")
    starts = np.cumsum(words) - words
    full = words >= ngram
    counts = np.where(full, words - ngram + 1, np.minimum(words, 1))
    total = int(counts.sum())
    combined = np.empty(total, np.uint64)
    first = np.cumsum(counts) - counts  # where each text's shingles start in `combined`
    if full.any():
        span = len(hashes) - ngram + 1
        joined = hashes[:span].copy()
        for offset in range(1, ngram):
            joined += hashes[offset : offset + span] * _POSITION[offset]
        # the shingles of the texts with `ngram` words or more: positions in `joined`
        sizes = counts[full]
        combined[_ranges(first[full], sizes)] = joined[_ranges(starts[full], sizes)]
    for text in np.flatnonzero(~full & (words > 0)).tolist():
        # shorter than `ngram` words: one shingle of all of them
        start, size = int(starts[text]), int(words[text])
        value = hashes[start : start + 1].copy()
        for offset in range(1, size):
            value += hashes[start + offset : start + offset + 1] * _POSITION[offset]
        combined[first[text]] = value[0]
    return _mix(combined), counts


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """`starts[i] + arange(sizes[i])` for every i, one after the other."""
    before = np.cumsum(sizes) - sizes
    ranges: np.ndarray = np.repeat(starts - before, sizes) + np.arange(int(sizes.sum()))
    return ranges


def shingle_hashes(words: list[str], ngram: int) -> np.ndarray:
    """`shingles` of already normalised words."""
    return shingles(" ".join(words).encode("utf-8", "surrogatepass"), ngram)


def shingle_sets(
    shingles: np.ndarray, counts: np.ndarray, dtype: type[np.unsignedinteger] = np.uint32
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's set of shingle hashes cut to `dtype` (of 32 bits or fewer), sorted: all the
    sets one after the other, and the size of each. The same as `np.unique` text by text, by
    one sort of (text, hash) pairs."""
    bits = np.dtype(dtype).itemsize * 8
    if bits > 32:
        raise ValueError("shingle_sets: hashes of 32 bits or fewer")
    low = np.uint64((1 << bits) - 1)
    texts = np.repeat(np.arange(len(counts), dtype=np.uint64), counts)
    pairs = np.sort((texts << np.uint64(bits)) | (shingles & low))
    first = np.ones(len(pairs), bool)
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    pairs = pairs[first]
    sizes = np.bincount((pairs >> np.uint64(bits)).astype(np.intp), minlength=len(counts))
    return (pairs & low).astype(dtype), sizes


def exact_key(norm: bytes) -> tuple[int, int]:
    """A 128-bit hash of the normalised text, as two 64-bit halves."""
    digest = xxhash.xxh3_128_intdigest(norm)
    return digest >> 64, digest & 0xFFFFFFFFFFFFFFFF


@dataclass(frozen=True)
class MinHasher:
    """MinHash signatures of `bands * rows` values by one-permutation hashing with optimal
    densification (Li, Owen and Zhang 2012; Shrivastava 2017): each shingle is hashed once,
    the hash picks one of the bins and the bin keeps its minimum; an empty bin borrows the
    value of the first non-empty bin along a probe sequence that is the same for every
    document. Two documents agree on a position with probability equal to their Jaccard
    similarity, as with `bands * rows` independent permutations, for a cost that does not grow
    with the number of permutations. Seeded, so that signatures of different runs compare."""

    bands: int = 14
    rows: int = 8
    seed: int = 1

    @property
    def permutations(self) -> int:
        return self.bands * self.rows

    @cached_property
    def _params(self) -> tuple[np.uint64, np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        high = np.iinfo(np.uint64).max
        key = np.uint64(rng.integers(0, high, dtype=np.uint64, endpoint=True))
        band_mix = rng.integers(1, high, self.rows, dtype=np.uint64, endpoint=True) | np.uint64(1)
        probes = rng.integers(0, self.permutations, (self.permutations, _PROBES), dtype=np.intp)
        return key, band_mix, probes

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """One value per position (uint64); all EMPTY when there are no shingles."""
        row: np.ndarray = self.signatures(shingles, np.array([len(shingles)]))[0]
        return row

    def signatures(self, shingles: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The signature of each text (a row each; all EMPTY for a text without shingles)
        whose shingles are `shingles`, text after text, `counts[i]` of them for text i. Each
        text's hashes are sorted (one numpy call a text); a bin's minimum is then the first of
        its run, since the bin grows with the hash. Empty bins borrow along the probes."""
        key, _, _ = self._params
        size = self.permutations
        hashed = shingles ^ key  # shingle hashes are mixed already: any bijection will do
        ends = np.cumsum(counts).tolist()
        start = 0
        for end in ends:
            hashed[start:end].sort()
            start = end
        bins = ((hashed >> np.uint64(32)) * np.uint64(size)) >> np.uint64(32)
        slots = np.repeat(np.arange(len(counts), dtype=np.intp) * size, counts)
        slots += bins.astype(np.intp)
        first = np.ones(len(slots), bool)
        np.not_equal(slots[1:], slots[:-1], out=first[1:])
        result = np.full((len(counts), size), EMPTY, dtype=np.uint64)
        result.reshape(-1)[slots[first]] = hashed[first]
        empty = result == EMPTY
        some = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
        for start in range(0, len(some), _DENSIFY_ROWS):  # each hole holds _PROBES candidates
            rows = some[start : start + _DENSIFY_ROWS]
            self._densify_rows(result[rows], empty[rows], rows, result)
        return result

    def _densify_rows(
        self, rows: np.ndarray, empty: np.ndarray, where: np.ndarray, out: np.ndarray
    ) -> None:
        """Fill the `empty` bins of each of `rows` from the first filled bin along its probe
        sequence, all rows at once, written to the rows `where` of `out`."""
        _, _, probes = self._params
        row, holes = np.nonzero(empty)
        candidates = probes[holes]
        filled = ~empty[row[:, None], candidates]
        first = filled.argmax(axis=1)
        at = np.arange(len(holes))
        source = candidates[at, first]
        for hole in np.flatnonzero(~filled[at, first]).tolist():
            # no filled bin among the probes (a very short text): walk on, bin by bin
            mine = empty[row[hole]]
            bin_ = int(candidates[hole, -1])
            while mine[bin_]:
                bin_ = (bin_ + 1) % len(mine)
            source[hole] = bin_
        out[where[row], holes] = rows[row, source]

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """One 64-bit key per band for each row of `signatures` (shape docs x permutations)."""
        _, band_mix, _ = self._params
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
