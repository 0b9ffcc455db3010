"""Gopher's word n-gram repetition counts (datatrove's `find_top_duplicate` and
`find_all_duplicate`), exact and vectorised.

Every word gets an id (its index among the text's distinct words: equal words, equal ids, by
string equality, never a hash). An n-gram's id is then the rank of the pair (id of the n-gram of
its first n - 1 words, id of its last word) among the text's pairs: equal n-grams (the same
words in the same order), equal ids, and nothing else shares one. Ranks come from one numpy
sort per n, and the counts, first positions and repeats from that sort, so that no Python loop
runs over the words. Python loops only over a few n-grams (`_small_level`, where numpy's cost
per call would be most of the time) and in the left-to-right scan of `find_all_duplicate`, over
the positions whose n-gram occurred before, where a repeat can hide another (`repeated_chars`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

_BITS = 64  # the packed sort key's width: key bits + position bits must fit
# Up to this many n-grams of one n, grouping them in Python is faster than numpy's calls.
_SMALL = 40


@dataclass(frozen=True)
class Groups:
    """Equal values grouped: `ids[i]` is the group of value i, `first[g]` the index where
    group g first occurs, `counts[g]` how often it occurs."""

    ids: np.ndarray
    first: np.ndarray
    counts: np.ndarray


def group(keys: np.ndarray, bound: int) -> Groups:
    """Group equal values of `keys` (integers in [0, bound)): ids are ranks in sorted order."""
    m = len(keys)
    order, ordered = _sorted_with_positions(keys, bound)
    starts = np.empty(m, dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    ids = np.empty(m, dtype=np.int64)
    ids[order] = np.cumsum(starts) - 1
    boundaries = starts.nonzero()[0]
    counts = np.empty(len(boundaries), dtype=np.int64)  # np.diff(append=) costs 10x more
    counts[:-1] = boundaries[1:] - boundaries[:-1]
    counts[-1:] = m - boundaries[-1:]
    # positions ascend within a run of equal keys, so a run's first entry is its first occurrence
    return Groups(ids, order[boundaries], counts)


def _sorted_with_positions(keys: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """The positions that sort `keys`, equal keys in ascending position, and the sorted keys.
    Key and position are packed into one unsigned 64-bit integer where they fit, whose plain
    sort (numpy's vectorised one) is several times faster than a stable argsort."""
    m = len(keys)
    shift = max(m - 1, 0).bit_length()
    if max(bound - 1, 0).bit_length() + shift > _BITS:
        order = np.argsort(keys, kind="stable")
        return order, keys[order]
    packed = np.sort((keys.astype(np.uint64) << np.uint64(shift)) | np.arange(m, dtype=np.uint64))
    positions = (packed & np.uint64((1 << shift) - 1)).astype(np.intp)
    return positions, packed >> np.uint64(shift)


@dataclass(frozen=True)
class Level:
    """The n-grams of one n that occur more than once (every other one is unique, and so is
    every longer n-gram that starts with it: the next n only looks at these positions)."""

    positions: np.ndarray  # ascending: where such an n-gram starts
    ids: np.ndarray  # its group, below `groups`
    first: np.ndarray  # per group, the position of its first occurrence
    counts: np.ndarray  # per group, its occurrences
    groups: int


def _level(positions: np.ndarray, grouped: Groups) -> Level:
    repeated = grouped.counts[grouped.ids] > 1
    return Level(
        positions[repeated],
        grouped.ids[repeated],
        positions[grouped.first],
        grouped.counts,
        len(grouped.counts),
    )


def _small_level(positions: list[int], keys: list[int]) -> Level:
    """`_level(positions, group(keys, ...))` for a few n-grams (positions ascending), by a dict:
    there numpy's fixed cost per call, some 20 microseconds a level, would be most of it."""
    index: dict[int, int] = {}
    first: list[int] = []
    counts: list[int] = []
    ids: list[int] = []
    for position, key in zip(positions, keys, strict=True):
        found = index.get(key)
        if found is None:
            found = index[key] = len(first)
            first.append(position)
            counts.append(0)
        counts[found] += 1
        ids.append(found)
    repeated = [i for i, found in enumerate(ids) if counts[found] > 1]
    return Level(
        np.array([positions[i] for i in repeated], dtype=np.int64),
        np.array([ids[i] for i in repeated], dtype=np.int64),
        np.array(first, dtype=np.int64),
        np.array(counts, dtype=np.int64),
        len(first),
    )


def _unigram_level(ids: np.ndarray, groups: int) -> Level:
    """Words grouped without a sort: their ids (below `groups`) count up in order of first
    appearance, so a word's first occurrence is where the running maximum of the ids grows."""
    fresh = np.empty(len(ids), dtype=bool)
    fresh[:1] = True
    np.greater(ids[1:], np.maximum.accumulate(ids)[:-1], out=fresh[1:])
    counts = np.bincount(ids, minlength=groups)
    return _level(np.arange(len(ids)), Groups(ids, fresh.nonzero()[0], counts))


def _longer_level(
    shorter: Level, room: np.ndarray, words: np.ndarray, vocabulary: int, n: int
) -> Level:
    """The level of n from that of n - 1, at its positions where an n-gram fits (`room`):
    the pair (first n - 1 words, last word) as one exact integer, below the bound."""
    positions = shorter.positions[room]
    keys = shorter.ids[room] * vocabulary + words[positions + n - 1]
    if len(keys) <= _SMALL:
        return _small_level(positions.tolist(), keys.tolist())
    return _level(positions, group(keys, shorter.groups * vocabulary))


class WordNgrams:
    """The n-grams of one sequence of words, each n grouped once and kept."""

    def __init__(self, words: Sequence[str]) -> None:
        self.n_words = len(words)
        # ids in order of first appearance, by string equality (a dict does the loop in C)
        index = dict(zip(dict.fromkeys(words), itertools.count()))
        self.vocabulary = len(index)
        self._words = np.fromiter(map(index.__getitem__, words), np.int64, len(words))
        lengths = np.fromiter(map(len, words), np.int64, len(words))
        self._prefix = np.concatenate(([0], np.cumsum(lengths)))
        self._levels: dict[int, Level] = {}

    def level(self, n: int) -> Level:
        """The repeated n-grams of n words (n >= 1)."""
        found = self._levels.get(n)
        if found is None:
            if n == 1:
                found = _unigram_level(self._words, self.vocabulary)
            else:
                shorter = self.level(n - 1)
                room = shorter.positions <= self.n_words - n  # an n-gram fits there
                found = _longer_level(shorter, room, self._words, self.vocabulary, n)
            self._levels[n] = found
        return found

    def chars(self, starts: np.ndarray, n: int) -> np.ndarray:
        """Characters of the words of the n-grams at `starts`, without separators."""
        result: np.ndarray = self._prefix[starts + n] - self._prefix[starts]
        return result

    def top(self, n: int) -> tuple[int, int] | None:
        """(first position, count) of the most frequent n-gram, the first seen among equally
        frequent ones (as `Counter` ordering and `max` pick it); None if there is none."""
        if self.n_words < n:
            return None
        found = self.level(n)
        if not len(found.positions):  # every n-gram once: the first one is the top
            return 0, 1
        most = found.counts.max()
        return int(found.first[found.counts == most].min()), int(most)

    def top_chars(self, n: int, separators: int) -> int:
        """datatrove's `find_top_duplicate`: characters of the most frequent n-gram, its words
        joined by `separators` characters in all, times its count."""
        found = self.top(n)
        if found is None:
            return 0
        start, count = found
        return (int(self._prefix[start + n] - self._prefix[start]) + separators) * count

    def repeated_chars(self, n: int) -> int:
        """datatrove's `find_all_duplicate`: scanning left to right, the characters (words
        joined without separators) of each n-gram seen before, jumping past it (n words on);
        an n-gram jumped over is neither counted nor seen."""
        if self.n_words < n:
            return 0
        found = self.level(n)
        firsts = found.first[found.ids]
        later_at = found.positions != firsts  # the only positions that can hold a repeat
        later = found.positions[later_at]
        if not len(later):
            return 0
        firsts = firsts[later_at]
        chars = self.chars(later, n)
        counted, undecided = _counted_on_path(later, firsts, np.zeros_like(later), n, 1)
        if not undecided[0]:
            return int(chars[counted].sum())
        m = self.n_words - n + 1
        ids = found.ids[later_at].tolist()
        return _scan(later.tolist(), ids, firsts.tolist(), chars.tolist(), n, m)


def _scan(
    later: list[int], ids: list[int], firsts: list[int], chars: list[int], n: int, m: int
) -> int:
    """The left-to-right scan over the positions in `later` only. The n-gram at such a
    position was seen iff one of its earlier occurrences was visited: its first occurrence
    (visited unless a jump passed over it), or an earlier position of `later` the scan visited
    (its id then in `seen`). Every other position is a first occurrence: never a repeat."""
    jumped = bytearray(m + n)  # positions a jump passed over (room for a jump past the end)
    gap = b"\x01" * (n - 1)
    seen: set[int] = set()
    repeated = resume = 0
    for position, ngram, first, size in zip(later, ids, firsts, chars, strict=True):
        if position < resume:
            continue
        if ngram in seen or not jumped[first]:
            repeated += size
            jumped[position + 1 : position + n] = gap
            resume = position + n
        else:
            seen.add(ngram)
            resume = position + 1
    return repeated


class NgramBatch:
    """The n-grams of many documents' words at once, for the same counts as `WordNgrams` gives
    each of them: numpy's fixed cost per call, most of the time on a document of a few hundred
    words, is paid once a batch. Positions are those of the documents' words laid end to end;
    an n-gram never crosses from one document into the next (`_ends`), and n-gram ids are
    per document (a unigram's id is its document's word id plus the document's offset)."""

    def __init__(self, word_lists: Sequence[Sequence[str]]) -> None:
        self.sizes = np.fromiter(map(len, word_lists), np.int64, len(word_lists))
        self.starts = np.zeros(len(word_lists), dtype=np.int64)
        np.cumsum(self.sizes[:-1], out=self.starts[1:])
        total = int(self.sizes.sum())
        self._doc = np.repeat(np.arange(len(word_lists)), self.sizes)
        self._ends = (self.starts + self.sizes)[self._doc]
        local: list[Iterable[int]] = []
        distinct: list[Iterable[str]] = []
        vocabularies: list[int] = []
        for words in word_lists:  # ids in order of first appearance, by string equality
            index = dict(zip(dict.fromkeys(words), itertools.count()))
            # itemgetter looks every word up in C, faster than map(index.__getitem__, ...)
            local.append(
                itemgetter(*words)(index) if len(words) > 1 else map(index.__getitem__, words)
            )
            distinct.append(index)
            vocabularies.append(len(index))
        self._words = np.fromiter(itertools.chain.from_iterable(local), np.int64, total)
        self.vocabulary = max(vocabularies, default=0)  # every word id is below it
        offsets = np.zeros(len(word_lists), dtype=np.int64)
        np.cumsum(vocabularies[:-1], out=offsets[1:])
        self._unigram_ids = self._words + offsets[self._doc]
        self._groups = int(sum(vocabularies))
        # a word's length from its distinct word's: one len() per distinct word
        lengths = np.fromiter(
            map(len, itertools.chain.from_iterable(distinct)), np.int64, self._groups
        )
        self._prefix = np.concatenate(([0], np.cumsum(lengths[self._unigram_ids])))
        self._levels: dict[int, Level] = {}

    def level(self, n: int) -> Level:
        """The repeated n-grams of n words (n >= 1) of every document."""
        found = self._levels.get(n)
        if found is None:
            if n == 1:
                # ids count up in order of first appearance across the batch too (a
                # document's ids are all above the previous document's)
                found = _unigram_level(self._unigram_ids, self._groups)
            else:
                shorter = self.level(n - 1)
                positions = shorter.positions
                room = self._ends[positions] - positions >= n  # the n-gram fits its document
                found = _longer_level(shorter, room, self._words, self.vocabulary, n)
            self._levels[n] = found
        return found

    def top_chars(self, n: int, separators: int) -> np.ndarray:
        """`WordNgrams.top_chars` of every document: the most frequent n-gram's characters
        (words joined by `separators` characters in all) times its count."""
        found = self.level(n)
        repeated = found.counts > 1
        first, count = found.first[repeated], found.counts[repeated]
        doc = self._doc[first]
        # per document, the most frequent, then the first seen: the head of its sorted run
        order = np.lexsort((first, -count, doc))
        ordered_doc = doc[order]
        head = np.ones(len(order), dtype=bool)
        np.not_equal(ordered_doc[1:], ordered_doc[:-1], out=head[1:])
        heads = order[head]
        top_first, top_count = self.starts.copy(), np.ones(len(self.sizes), dtype=np.int64)
        top_first[doc[heads]] = first[heads]
        top_count[doc[heads]] = count[heads]
        ends = np.minimum(top_first + n, len(self._prefix) - 1)
        chars = (self._prefix[ends] - self._prefix[top_first] + separators) * top_count
        chars[self.sizes < n] = 0
        result: np.ndarray = chars
        return result

    def repeated_chars(self, n: int) -> np.ndarray:
        """`WordNgrams.repeated_chars` of every document: from the greedy path of repeats
        where that tells (`_counted_on_path`), by the scan elsewhere."""
        found = self.level(n)
        firsts = found.first[found.ids]
        later_at = found.positions != firsts
        later, firsts = found.positions[later_at], firsts[later_at]
        result = np.zeros(len(self.sizes), dtype=np.int64)
        if not len(later):
            return result
        chars = self._prefix[later + n] - self._prefix[later]
        doc = self._doc[later]
        counted, undecided = _counted_on_path(later, firsts, doc, n, len(self.sizes))
        sums = np.bincount(doc[counted], weights=chars[counted], minlength=len(self.sizes))
        result[:] = sums.astype(np.int64)  # exact: integers far below 2**53
        ids = found.ids[later_at]
        for d in undecided.nonzero()[0].tolist():
            lo, hi = np.searchsorted(doc, [d, d + 1])
            start = int(self.starts[d])
            result[d] = _scan(
                (later[lo:hi] - start).tolist(),
                ids[lo:hi].tolist(),
                (firsts[lo:hi] - start).tolist(),
                chars[lo:hi].tolist(),
                n,
                int(self.sizes[d]) - n + 1,
            )
        return result


def _counted_on_path(
    later: np.ndarray, firsts: np.ndarray, doc: np.ndarray, n: int, documents: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which positions of `later` (the repeats of many documents, `doc[i]` the document of
    `later[i]`, both ascending) the scan counts, without the scan, and the documents where
    only the scan can tell. Were every repeat the scan reaches counted, it would count the
    first repeat, jump n on to the next repeat at or after there, count it, and so on: that
    greedy path is found with numpy (`_path`). It is the scan's own path unless a jump passes
    over the first occurrence of an n-gram the path counts (the scan then may not count it):
    those documents are left to the scan. A document's repeats end n words or more before the
    next document's start, so the path enters each document at its first repeat and the
    documents never mix."""
    landing = np.searchsorted(later, later + n)  # where a jump from each repeat lands
    counted = _path(landing)
    jumps_from, first = later[counted], firsts[counted]
    before = np.searchsorted(jumps_from, first) - 1  # the last counted position before it
    passed = (before >= 0) & (first - jumps_from[np.maximum(before, 0)] < n)
    undecided = np.zeros(documents, dtype=bool)
    undecided[doc[counted][passed]] = True
    counted &= ~undecided[doc]
    return counted, undecided


def _path(following: np.ndarray) -> np.ndarray:
    """Which indices the path 0, following[0], following[following[0]], ... visits, where
    `following[i] > i` (len(following): the end). By doubling: after k rounds every index
    under 2**k steps from 0 is marked, and `jump` goes 2**k steps at once."""
    size = len(following)
    jump = np.append(following, size)  # the end jumps to itself
    on = np.zeros(size + 1, dtype=bool)
    on[0] = True
    reach = 1
    while reach < size:
        on[jump[on]] = True
        jump = jump[jump]
        reach *= 2
    return on[:size]
