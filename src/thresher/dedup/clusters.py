"""From keys to clusters: exact-hash groups and LSH band buckets become candidate pairs, pairs
(optionally verified by their estimated Jaccard) are joined by union-find, and each cluster keeps
one copy by a policy. Documents are rows of `Keys`, ordered by a hash of their id, so the
result does not depend on input order or on how many workers computed the keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

SIG_DTYPE = np.uint32  # signatures are kept as their low 32 bits: enough to compare
BUCKET_CAP = 64  # a bucket's members are compared with at most this many representatives


class SignatureFile:
    """Signatures saved in a `.npy` file, memory-mapped only while read: a run over millions of
    documents has thousands of such files, more than a process may hold open at once."""

    def __init__(self, path: Path, rows: int) -> None:
        self.path, self.rows = path, rows

    def __len__(self) -> int:
        return self.rows

    def mapped(self) -> np.ndarray:
        return _mapped(self.path)


@lru_cache(maxsize=64)
def _mapped(path: Path) -> np.ndarray:
    array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    return array


class SignatureStore:
    """Signatures of many parts (files, usually) read as one array by row, so that only the
    rows a verification needs are ever in memory."""

    def __init__(self, parts: Sequence[np.ndarray | SignatureFile]) -> None:
        self.parts = list(parts)
        self.offsets = np.cumsum([0, *(len(p) for p in self.parts)])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, rows: int | np.ndarray) -> np.ndarray:
        if isinstance(rows, np.ndarray):
            return np.stack([self[int(row)] for row in rows])
        index = int(np.searchsorted(self.offsets, rows, side="right")) - 1
        part = self.parts[index]
        array = part.mapped() if isinstance(part, SignatureFile) else part
        row: np.ndarray = np.asarray(array[rows - int(self.offsets[index])])
        return row


Signatures = np.ndarray | SignatureFile | SignatureStore


@dataclass
class Keys:
    """Deduplication keys of many documents, one row each."""

    id_hash: np.ndarray  # uint64, xxh3 of the document id: the order-free tie-break
    exact: np.ndarray  # uint64 (n, 2): 128-bit hash of the normalised text
    bands: np.ndarray  # uint64 (n, bands): LSH band keys (0 columns when near dedup is off)
    signatures: Signatures  # uint32 (n, permutations): for verification
    priority: np.ndarray  # float64: smaller is kept first (the keep policy's value)

    def __len__(self) -> int:
        return len(self.id_hash)

    @classmethod
    def concat(cls, parts: Sequence[Keys], bands: int, permutations: int) -> Keys:
        if not parts:
            return cls.empty(bands, permutations)
        return cls(
            id_hash=np.concatenate([p.id_hash for p in parts]),
            exact=np.concatenate([p.exact for p in parts]),
            bands=np.concatenate([p.bands for p in parts]),
            signatures=SignatureStore([q for p in parts for q in _parts(p.signatures)]),
            priority=np.concatenate([p.priority for p in parts]),
        )

    @classmethod
    def empty(cls, bands: int, permutations: int) -> Keys:
        return cls(
            id_hash=np.zeros(0, np.uint64),
            exact=np.zeros((0, 2), np.uint64),
            bands=np.zeros((0, bands), np.uint64),
            signatures=np.zeros((0, permutations), SIG_DTYPE),
            priority=np.zeros(0, np.float64),
        )


def _parts(signatures: Signatures) -> list[np.ndarray | SignatureFile]:
    return signatures.parts if isinstance(signatures, SignatureStore) else [signatures]


def as_array(signatures: Signatures) -> np.ndarray:
    """The signatures in memory, as one array."""
    if isinstance(signatures, SignatureFile):
        loaded: np.ndarray = np.load(signatures.path, allow_pickle=False)
        return loaded
    if isinstance(signatures, SignatureStore):
        arrays = [as_array(p) for p in signatures.parts]
        return np.concatenate(arrays) if arrays else np.zeros((0, 0), SIG_DTYPE)
    return signatures


class UnionFind:
    """Disjoint sets over row numbers; the root of a set is its smallest row."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb

    def roots(self) -> np.ndarray:
        return np.fromiter((self.find(x) for x in range(len(self.parent))), np.int64)


@dataclass
class Clusters:
    """`root[i]`: the cluster of row i (a row number); `keeper[i]`: the row kept in it;
    `size[i]`: its size."""

    root: np.ndarray
    keeper: np.ndarray
    size: np.ndarray


def cluster(keys: Keys, *, exact: bool, near: bool, verify_threshold: float) -> Clusters:
    """Clusters of `keys`: rows sharing the exact hash, or (when `near`) an LSH band bucket
    whose estimated Jaccard reaches `verify_threshold` (0 takes every candidate)."""
    order = np.lexsort((keys.id_hash,))  # rows in id-hash order: the canonical order
    rows = UnionFind(len(keys))
    if exact and len(keys):
        _join_groups(rows, keys.exact[:, 1], keys.exact[:, 0], order, None, 0.0)
    if near and len(keys):
        signatures = keys.signatures
        if isinstance(signatures, SignatureFile):
            signatures = SignatureStore([signatures])
        for band in range(keys.bands.shape[1]):
            _join_groups(rows, keys.bands[:, band], None, order, signatures, verify_threshold)
    root = rows.roots()
    return Clusters(root=root, keeper=_keepers(keys, root), size=np.bincount(root)[root])


def _join_groups(
    rows: UnionFind,
    low: np.ndarray,
    high: np.ndarray | None,
    order: np.ndarray,
    signatures: np.ndarray | SignatureStore | None,
    threshold: float,
) -> None:
    """Union the rows that share a key (`high`, `low`); within a group, rows are taken in
    canonical order, and with `signatures` each joins the first representative it resembles."""
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    sort_keys = (rank, low) if high is None else (rank, low, high)
    ordered = np.lexsort(sort_keys)
    same = low[ordered][1:] == low[ordered][:-1]
    if high is not None:
        same &= high[ordered][1:] == high[ordered][:-1]
    if not same.any():
        return
    starts = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))) == 1)
    ends = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))) == -1)
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        members = ordered[start : end + 1]
        if signatures is None or threshold <= 0:
            first = int(members[0])
            for member in members[1:].tolist():
                rows.union(first, member)
        else:
            _join_verified(rows, members, signatures, threshold)


def _join_verified(
    rows: UnionFind, members: np.ndarray, signatures: np.ndarray | SignatureStore, threshold: float
) -> None:
    """Greedy: each member joins the first earlier representative whose signature agrees on at
    least `threshold` of its positions; otherwise it becomes a representative. Members already
    joined to a representative (exact copies share every band) cost no comparison."""
    representatives: list[int] = []
    for member in members.tolist():
        if representatives:
            root = rows.find(member)
            if any(rows.find(rep) == root for rep in representatives[:BUCKET_CAP]):
                continue
            reps = np.asarray(representatives[:BUCKET_CAP])
            agree = (signatures[reps] == signatures[member]).mean(axis=1)
            match = np.flatnonzero(agree >= threshold)
            if len(match):
                rows.union(int(reps[match[0]]), member)
                continue
        representatives.append(member)


def _keepers(keys: Keys, root: np.ndarray) -> np.ndarray:
    """Per row, the row its cluster keeps: the smallest priority, then the smallest id hash."""
    order = np.lexsort((keys.id_hash, keys.priority, root))
    first = np.ones(len(order), bool)
    first[1:] = root[order][1:] != root[order][:-1]
    keeper_of_root = np.zeros(len(root), np.int64)
    keeper_of_root[root[order][first]] = order[first]
    keepers: np.ndarray = keeper_of_root[root]
    return keepers


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float((a == b).mean())
