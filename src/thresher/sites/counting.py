"""Decide's arithmetic for one partition of sites, in numpy over every document at once: which
(site, line) and (site, line pair) keys are on how many documents, and so which line
occurrences are boilerplate.

A line is removed where the site repeats it *and* where it stands in the site's template: a
pair it makes with a line one or two before or after it (the start and end of the document
count as lines) is itself on many of the site's pages. "Note", "See also", "Parameters" or
"else:" are on many pages of a manual, but each time beside other words, so they stay; a
disclaimer that ends every page, or "Previous topic" two lines above "Next topic" (a title
between them), go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DOCS_FILE = "docs.npz"  # per document: key, site hash, words, where its lines start
LINES_FILE = "lines.npz"  # per distinct line of a document: hash, words, times; line order
PAIR_BIT = np.uint64(1 << 63)  # set in a pair's key, never in a line's (63-bit hashes)
_START = np.uint64(0x1F3D_5B79_7F9E_3779)  # the line before the first (not a 63-bit hash)
_END = np.uint64(0x2E4C_6A88_A6C4_E2F1)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_ODD = np.uint64(0x9E3779B97F4A7C15)

CONTEXT = 2  # lines apart that a pair of lines may be: "Previous topic", a title, "Next topic"
Selector = Callable[[np.ndarray], np.ndarray]


def pair_keys(left: np.ndarray, right: np.ndarray, distance: int) -> np.ndarray:
    """The key of each (left, right) pair of line hashes `distance` lines apart: mixed
    (splitmix64), top bit set."""
    with np.errstate(over="ignore"):
        x = (left + np.uint64(distance)) * _ODD + (right ^ (right >> np.uint64(29)))
        x = (x ^ (x >> np.uint64(30))) * _MIX_1
        x = (x ^ (x >> np.uint64(27))) * _MIX_2
        x = x ^ (x >> np.uint64(31))
    keys: np.ndarray = x | PAIR_BIT
    return keys


def _index_type(size: int) -> type:
    """The narrowest index type for `size` items: memory in decide is mostly indexes."""
    return np.int32 if size < 2**31 else np.int64


def _cat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate([np.zeros(0, dtype), *arrays]).astype(dtype, copy=False)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The indexes start..start+count of every (start, count), concatenated."""
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return (shift + np.arange(int(counts.sum()), dtype=np.int64)).astype(np.int64)


def _load(folder: Path, keep: Selector) -> dict[str, np.ndarray]:
    """The documents of one folder whose site `keep` selects, with their lines."""
    with np.load(folder / DOCS_FILE) as docs, np.load(folder / LINES_FILE) as lines:
        site, offsets, order = docs["site"], docs["offsets"], docs["order_offsets"]
        rows = np.flatnonzero(keep(site))
        counts = offsets[rows + 1] - offsets[rows]
        seq_counts = order[rows + 1] - order[rows]
        at, seq_at = _ranges(offsets[rows], counts), _ranges(order[rows], seq_counts)
        return {
            "key": docs["key"][rows],
            "site": site[rows],
            "words": docs["words"][rows],
            "row": rows.astype(np.int64),
            "counts": counts,
            "seq_counts": seq_counts,
            "hash": lines["hash"][at],
            "line_words": lines["words"][at],
            "order": lines["order"][seq_at].astype(np.int64),
        }


@dataclass
class Rows:
    """Distinct keys of a partition with their documents: `rows` (site, key, documents)
    sorted, and for each input item the row it belongs to."""

    rows: np.ndarray
    item_row: np.ndarray


def count_documents(site: np.ndarray, key: np.ndarray, doc: np.ndarray) -> Rows:
    """Group items by (site, key) and count the distinct documents of each group."""
    order = np.lexsort((doc, key, site))
    s, k, d = site[order], key[order], doc[order]
    new_key = np.ones(len(order), bool)
    new_key[1:] = (s[1:] != s[:-1]) | (k[1:] != k[:-1])
    new_doc = new_key.copy()
    new_doc[1:] |= d[1:] != d[:-1]
    group = np.cumsum(new_key) - 1
    docs = np.bincount(group[new_doc], minlength=int(new_key.sum()))
    item_row: np.ndarray = np.empty(len(order), _index_type(len(order)))
    item_row[order] = group
    rows = np.stack([s[new_key], k[new_key], docs.astype(np.uint64)], axis=1).reshape(-1, 3)
    return Rows(rows.astype(np.uint64), item_row)


class Partition:
    """One partition's documents from every folder: their distinct lines (`line_*`, one item
    per document and line) and their lines in order (`seq_*`); lines and the pairs of lines
    up to `CONTEXT` apart (the start and end included) grouped in `keys`, lines first."""

    def __init__(self, folders: list[Path], keep: Selector) -> None:
        parts = [_load(folder, keep) for folder in folders]
        self.folder_offsets: list[int] = np.cumsum([0, *(len(p["key"]) for p in parts)]).tolist()
        self.documents = self.folder_offsets[-1]
        self.doc_key = _cat([p["key"] for p in parts], np.int64)
        self.doc_site = _cat([p["site"] for p in parts], np.uint64)
        self.doc_words = _cat([p["words"] for p in parts], np.int64)
        self.doc_row = _cat([p["row"] for p in parts], np.int64)
        counts = _cat([p["counts"] for p in parts], np.int64)
        seq_counts = _cat([p["seq_counts"] for p in parts], np.int64)
        self.line_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.seq_offsets = np.concatenate([[0], np.cumsum(seq_counts)]).astype(np.int64)
        self.line = _cat([p["hash"] for p in parts], np.uint64)
        self.line_words = _cat([p["line_words"] for p in parts], np.uint16)
        line_doc = np.repeat(np.arange(self.documents, dtype=np.int64), counts)
        self.seq_doc = np.repeat(np.arange(self.documents, dtype=np.int64), seq_counts)
        local = _cat([p["order"] for p in parts], np.int64)
        self.seq_item = self.line_offsets[self.seq_doc] + local  # the line item of each
        self.sites, self.site_docs = np.unique(self.doc_site, return_counts=True)
        pair, pair_doc = self._pairs()
        # the pairs themselves are needed only until they are counted
        self.keys = count_documents(
            np.concatenate([self.doc_site[line_doc], self.doc_site[pair_doc]]),
            np.concatenate([self.line, pair]),
            np.concatenate([line_doc, pair_doc]),
        )

    def _pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each document's lines framed by a start and an end, and the pairs of lines
        `CONTEXT` or fewer apart in it: `pair_at[d - 1][p]` is the pair that the line at framed
        position p starts at distance d (-1 where none does)."""
        framed_offsets = self.seq_offsets + 2 * np.arange(self.documents + 1)
        framed = np.full(int(framed_offsets[-1]), _END, np.uint64)
        framed[framed_offsets[:-1]] = _START
        within = np.arange(len(self.seq_doc)) - self.seq_offsets[self.seq_doc]
        self.seq_framed = framed_offsets[self.seq_doc] + 1 + within
        framed[self.seq_framed] = self.line[self.seq_item]
        self.framed_is_edge = np.ones(len(framed), bool)
        self.framed_is_edge[self.seq_framed] = False
        doc_of = np.repeat(np.arange(self.documents), np.diff(framed_offsets))
        keys, docs = [], []
        self.pair_at: list[np.ndarray] = []
        count = 0
        for distance in range(1, CONTEXT + 1):
            starts = np.flatnonzero(
                doc_of[:-distance] == doc_of[distance:]
                if len(doc_of) > distance
                else np.zeros(0, bool)
            )
            keys.append(pair_keys(framed[starts], framed[starts + distance], distance))
            docs.append(doc_of[starts])
            index: np.ndarray = np.full(len(framed), -1, _index_type(len(framed) * CONTEXT))
            index[starts] = count + np.arange(len(starts))
            self.pair_at.append(index)
            count += len(starts)
        return _cat(keys, np.uint64), _cat(docs, np.int64)

    @property
    def items(self) -> int:
        return len(self.line)

    def nbytes(self) -> int:
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        arrays += [*self.pair_at, self.keys.rows, self.keys.item_row]
        return sum(a.nbytes for a in arrays)
