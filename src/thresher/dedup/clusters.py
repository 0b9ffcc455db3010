"""From keys to clusters. Documents sharing the exact hash or an LSH band bucket are joined by
union-find into candidate groups; each group is then cut into stars around keepers: the
group's members in keep-policy order, each keeper taking every remaining member whose Jaccard
similarity with it (exact, over shingle sets, or estimated from signatures) reaches the
threshold. So every removed copy resembles the very document kept in its place: union-find
alone chains A~B~C into one cluster even when A and C have little in common.

Documents are rows of `Keys`; ties are broken by a hash of the id, then by the document key
(id, source, position), so the result does not depend on input order or on how many workers
computed the keys."""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import BinaryIO

import numpy as np

SIG_DTYPE = np.uint32  # signatures are kept as their low 32 bits: enough to compare
SHINGLE_DTYPE = np.uint32  # shingle sets likewise, for exact Jaccard
VERIFY = ("exact", "estimate", "none")
STAR_BATCH_ROWS = 20_000
SPILL_FANOUT = 256  # partition files a spill writes at once; more are reached in two levels
COPY_BLOCK_ROWS = 1 << 13  # candidates whose shingle sets (or signatures) are copied at once
BAND_PAIRS_PER_PARTITION = 1 << 22  # (band, key) values joined at once: 64 MiB with their rows
# Partitions sorted at once by threads (numpy's sorts and comparisons release the GIL), each
# 1/threads of BAND_PAIRS_PER_PARTITION, so that the bytes held stay the same.
PARTITION_THREADS = 8
_BAND_SALT = np.uint64(0xD6E8FEB86659FD93)  # makes a key of band 1 differ from the same of band 2
LARGE_GROUP = 256  # members from which a group's stars are cut with a signature prefilter
ESTIMATE_MARGIN = 0.2


@lru_cache(maxsize=64)
def _mapped(path: Path) -> np.ndarray:
    array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    return array


class RowFile:
    """Rows saved in `.npy` files, memory-mapped only while read: a run over millions of
    documents has thousands of such files, more than a process may hold open at once. With
    `offsets`, row i is `flat[offsets[i]:offsets[i + 1]]` (a ragged array: shingle sets)."""

    def __init__(self, path: Path, rows: int, offsets: Path | None = None) -> None:
        self.path, self.rows, self.offsets = path, rows, offsets

    def __len__(self) -> int:
        return self.rows

    def take(self, rows: np.ndarray) -> list[np.ndarray]:
        data = _mapped(self.path).view(np.ndarray)  # a memmap's own slicing is slow Python
        if self.offsets is None:
            return list(data[rows])
        bounds = _mapped(self.offsets).view(np.ndarray)
        # copies, not views: a view would keep its file mapped (and its pages counted in this
        # process's memory) after the cache lets the file go
        starts, ends = bounds[rows].tolist(), bounds[rows + 1].tolist()
        return [data[start:end].copy() for start, end in zip(starts, ends, strict=True)]


class RowStore:
    """Many `RowFile`s (or `PickedRows`, in-memory arrays, or lists of rows) read as one by row
    number, each file visited once per `take`."""

    def __init__(
        self,
        parts: Sequence[RowFile | PickedRows | CopiedRows | np.ndarray | Sequence[np.ndarray]],
    ) -> None:
        self.parts = list(parts)
        self.offsets = np.cumsum([0, *(len(p) for p in self.parts)])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def take(self, rows: np.ndarray) -> dict[int, np.ndarray]:
        """Row number -> its row, for `rows`."""
        found: dict[int, np.ndarray] = {}
        which = np.searchsorted(self.offsets, rows, side="right") - 1
        for part in np.unique(which).tolist():
            selected = rows[which == part]
            local = selected - self.offsets[part]
            source = self.parts[part]
            if isinstance(source, RowFile | PickedRows | CopiedRows):
                values = source.take(local)
            else:
                values = [np.asarray(source[i]) for i in local.tolist()]
            found.update(zip(selected.tolist(), values, strict=True))
        return found


class PickedRows:
    """Some rows of a `RowStore` (`rows`, ascending), numbered again from 0."""

    def __init__(self, store: RowStore, rows: np.ndarray) -> None:
        self.store, self.rows = store, rows

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, rows: np.ndarray) -> list[np.ndarray]:
        wanted = self.rows[rows]
        found = self.store.take(wanted)
        return [found[row] for row in wanted.tolist()]


class CopiedRows:
    """Rows of a store copied one after the other into one file (`copy_rows`): row i is
    `flat[offsets[i]:offsets[i + 1]]`."""

    def __init__(self, path: Path, dtype: np.dtype, offsets: np.ndarray) -> None:
        self.path, self.dtype, self.offsets = path, dtype, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def take(self, rows: np.ndarray) -> list[np.ndarray]:
        """The rows, each read on its own: a mapping of the file would count a whole batch's
        spread of pages (and the kernel's read-around) in this process's memory."""
        size = self.dtype.itemsize
        starts, ends = self.offsets[rows].tolist(), self.offsets[rows + 1].tolist()
        with self.path.open("rb", buffering=0) as file:
            read = partial(_read_at, file)
            return [
                np.frombuffer(read((end - start) * size, start * size), self.dtype)
                for start, end in zip(starts, ends, strict=True)
            ]


def _read_at(file: BinaryIO, count: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(file.fileno(), count, offset)
    file.seek(offset)
    return file.read(count)


def copy_rows(store: RowStore, rows: np.ndarray, path: Path) -> CopiedRows:
    """The `rows` of `store` (ascending) copied into the file `path`, `COPY_BLOCK_ROWS` at a
    time, as a store of as many rows as `store` (every other row left empty): each of the
    store's files is read about once, where taking the rows a batch of groups at a time reads
    every file once a batch."""
    dtype: np.dtype | None = None
    lengths = np.zeros(len(store) + 1, np.int64)
    with path.open("wb") as out:
        for lo in range(0, len(rows), COPY_BLOCK_ROWS):
            block = rows[lo : lo + COPY_BLOCK_ROWS]
            found = store.take(block)
            arrays = [np.ravel(found[row]) for row in block.tolist()]
            del found
            if dtype is None:  # not `or`: a dtype is falsy on numpy 1.x (no fields)
                dtype = arrays[0].dtype
            out.write(np.concatenate(arrays).astype(dtype, copy=False).tobytes())
            lengths[block + 1] = np.fromiter(map(len, arrays), np.int64, len(arrays))
    return CopiedRows(path, dtype or np.dtype(np.uint32), np.cumsum(lengths))


class BandKeys:
    """LSH band keys of many rows (uint64, rows x bands), part by part: arrays in memory, or
    `(keys file, rows)` read only while a partition of them is gathered, so that decide never
    holds every document's band keys at once."""

    def __init__(self, parts: Sequence[np.ndarray | tuple[Path, int]], width: int) -> None:
        self.parts, self.width = list(parts), width

    def __len__(self) -> int:
        return sum(len(p) if isinstance(p, np.ndarray) else p[1] for p in self.parts)

    def arrays(self) -> Iterator[np.ndarray]:
        for part in self.parts:
            if isinstance(part, np.ndarray):
                yield part
            else:
                with np.load(part[0], allow_pickle=False) as data:
                    yield data["bands"]


@dataclass
class Keys:
    """Deduplication keys of many documents, one row each."""

    id_hash: np.ndarray  # uint64, xxh3 of the document id: the order-free tie-break
    exact: np.ndarray  # uint64 (n, 2): 128-bit hash of the normalised text
    bands: np.ndarray | BandKeys  # uint64 (n, bands): LSH band keys (0 columns: near is off)
    priority: np.ndarray  # float64: smaller is kept first (the keep policy's value)
    signatures: RowStore  # uint32 (n, permutations): for estimated verification
    shingles: RowStore  # uint32 sets, one per row: for exact verification
    # uint64, the document key (id, source, position): breaks ties between equal ids, so that
    # neither does the order of the parts decide (None: all 0, as for an index's parts)
    tie: np.ndarray | None = None

    def ties(self) -> np.ndarray:
        return self.tie if self.tie is not None else np.zeros(len(self), np.uint64)

    def __len__(self) -> int:
        return len(self.id_hash)

    def pick(self, rows: np.ndarray) -> Keys:
        """The keys of `rows` (ascending) as rows 0, 1, ..., without band keys."""
        rows = rows.astype(row_dtype(len(self)))
        return Keys(
            id_hash=self.id_hash[rows],
            exact=self.exact[rows],
            bands=np.zeros((len(rows), 0), np.uint64),
            priority=self.priority[rows],
            signatures=RowStore([PickedRows(self.signatures, rows)]),
            shingles=RowStore([PickedRows(self.shingles, rows)]),
            tie=self.ties()[rows],
        )

    @classmethod
    def concat(cls, parts: Sequence[Keys], bands: int, release: bool = False) -> Keys:
        """The parts' rows one after the other. With `release`, each part's columns are
        emptied as soon as they are joined, so that memory holds them once (not twice)."""
        empty = cls(
            id_hash=np.zeros(0, np.uint64),
            exact=np.zeros((0, 2), np.uint64),
            bands=BandKeys([], bands),
            priority=np.zeros(0),
            signatures=RowStore([]),
            shingles=RowStore([]),
            tie=np.zeros(0, np.uint64),
        )
        joined = cls(
            id_hash=empty.id_hash,
            exact=empty.exact,
            bands=BandKeys([q for p in parts for q in _band_parts(p.bands)], bands),
            priority=empty.priority,
            signatures=RowStore([q for p in parts for q in p.signatures.parts]),
            shingles=RowStore([q for p in parts for q in p.shingles.parts]),
            tie=empty.tie,
        )
        for column in ("tie", "id_hash", "exact", "priority"):  # tie first: `ties()` uses len
            arrays = [getattr(empty, column)]
            arrays += [p.ties() if column == "tie" else getattr(p, column) for p in parts]
            setattr(joined, column, np.concatenate(arrays))
            del arrays
            if release:
                for part in parts:
                    setattr(part, column, getattr(empty, column))
        return joined


def row_dtype(rows: int) -> type[np.signedinteger]:
    """The narrowest signed integer type that numbers `rows` rows: int32 below 2**31."""
    return np.int32 if rows < 2**31 else np.int64


class UnionFind:
    """Disjoint sets over row numbers; the root of a set is its smallest row. The parents are
    one numpy array (4 bytes a row below 2**31 rows, not a Python list's 40), joined a batch
    of pairs at a time by `union_pairs`."""

    def __init__(self, size: int) -> None:
        self.parent = np.arange(size, dtype=row_dtype(size))

    def find(self, x: int) -> int:
        return int(self._find(np.array([x], self.parent.dtype))[0])

    def union(self, a: int, b: int) -> None:
        dtype = self.parent.dtype
        self.union_pairs(np.array([a], dtype), np.array([b], dtype))

    def _find(self, rows: np.ndarray) -> np.ndarray:
        """The roots of `rows`, which then point at them directly."""
        parent = self.parent
        found: np.ndarray = parent[rows]
        while True:
            above = parent[found]
            if np.array_equal(above, found):
                break
            found = above
        parent[rows] = found
        return found

    def _flatten(self, rows: np.ndarray) -> None:
        """Point each of `rows` at its root, by pointer doubling: a chain of k hooks takes
        log2(k) passes over `rows`."""
        parent = self.parent
        while True:
            up = parent[rows]
            above = parent[up]
            if np.array_equal(up, above):
                return
            parent[rows] = above

    def union_pairs(self, a: np.ndarray, b: np.ndarray) -> None:
        """Join row `a[i]` with row `b[i]` for every i. In rounds: each root that a pair links
        to a smaller root points at the smallest such; the pairs whose rows still have
        different roots go to the next round. A root is only ever hooked under a smaller one,
        so each set's root is its smallest row, whatever the order of the pairs."""
        dtype = self.parent.dtype
        a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        while len(a):
            ra, rb = self._find(a), self._find(b)
            differ = ra != rb
            if not differ.any():
                return
            ra, rb = ra[differ], rb[differ]
            low, high = np.minimum(ra, rb), np.maximum(ra, rb)
            np.minimum.at(self.parent, high, low)
            self._flatten(np.unique(high))
            a, b = low, high

    def roots(self) -> np.ndarray:
        """Each row's root (the smallest row of its set), as the parents' integer type."""
        found = self.parent.copy()
        while True:
            above = found[found]
            if np.array_equal(above, found):
                return found
            found = above


def _band_parts(bands: np.ndarray | BandKeys) -> list[np.ndarray | tuple[Path, int]]:
    return bands.parts if isinstance(bands, BandKeys) else [bands]


@dataclass
class KeyParts:
    """Keys of many parts, one part in memory at a time: `loaders[i]()` gives part i's keys
    (its signatures and shingle sets left on disk), `sizes[i]` its rows, `width` the band
    columns of each. Clustering reads every part's exact and band keys once, to find the rows
    that share a key with another, then the other columns of those rows alone: memory grows
    with the candidates, not with the corpus."""

    loaders: list[Callable[[], Keys]]
    sizes: list[int]
    width: int

    @classmethod
    def of(cls, keys: Keys) -> KeyParts:
        width = keys.bands.width if isinstance(keys.bands, BandKeys) else keys.bands.shape[1]
        return cls([lambda: keys], [len(keys)], width)

    def __len__(self) -> int:
        return sum(self.sizes)

    def scan(self) -> Iterator[tuple[int, Keys]]:
        """Each part's first row number and keys."""
        start = 0
        for load, size in zip(self.loaders, self.sizes, strict=True):
            yield start, load()
            start += size

    def select(self, rows: np.ndarray) -> Keys:
        """The keys of `rows` (ascending row numbers) as rows 0, 1, ... of one `Keys`, without
        band keys; signatures and shingle sets stay where they are, read when taken."""
        picked: list[Keys] = []
        start = 0
        for load, size in zip(self.loaders, self.sizes, strict=True):
            bounds = np.array([start, start + size], rows.dtype)  # another type converts `rows`
            lo, hi = np.searchsorted(rows, bounds).tolist()
            if hi > lo:
                picked.append(load().pick(rows[lo:hi].astype(np.int64) - start))
            start += size
        return Keys.concat(picked, 0, release=True)


@dataclass
class Clusters:
    """Clusters of the candidate rows, those that share a key with another row (every other
    row is alone in its own). `rows`: the candidates' row numbers, ascending; for each
    candidate i, as positions among the candidates: `root[i]`, its cluster; `keeper[i]`, the
    candidate kept in it; `size[i]`, its size (the three int32 below 2**31 rows);
    `similarity[i]`, how much it resembles its keeper, as verified (1 for the same normalised
    text; NaN where nothing was measured: no verification); `exact[i]`, its exact key;
    `ties[i]`, its document key."""

    rows: np.ndarray
    root: np.ndarray
    keeper: np.ndarray
    size: np.ndarray
    similarity: np.ndarray
    exact: np.ndarray
    ties: np.ndarray

    def every_row(self, total: int) -> Clusters:
        """The same clusters with an entry for each of `total` rows (row numbers, not
        positions): a row that is no candidate is its own root and keeper, of size 1 and
        similarity 1."""
        rows = self.rows.astype(np.int64)
        root, keeper = np.arange(total), np.arange(total)
        root[rows], keeper[rows] = rows[self.root], rows[self.keeper]
        size, similarity = np.ones(total, np.int64), np.ones(total)
        size[rows], similarity[rows] = self.size, self.similarity
        exact, ties = np.zeros((total, 2), np.uint64), np.zeros(total, np.uint64)
        exact[rows], ties[rows] = self.exact, self.ties
        return Clusters(np.arange(total), root, keeper, size, similarity, exact, ties)


def cluster(
    keys: Keys | KeyParts,
    *,
    exact: bool,
    near: bool,
    verify: str = "exact",
    threshold: float = 0.8,
    spill: Path | None = None,
) -> Clusters:
    """Clusters of `keys`: candidate groups from the exact hash and (when `near`) the LSH
    bands, cut into verified stars unless `verify` is "none"."""
    parts = keys if isinstance(keys, KeyParts) else KeyParts.of(keys)
    rows, group = _candidate_groups(parts, exact=exact, near=near, spill=spill)
    found = parts.select(rows)
    similarity = np.ones(len(rows)) if not near else np.full(len(rows), np.nan)
    root = group
    if near and verify != "none":
        with tempfile.TemporaryDirectory(prefix="thresher-rows-", dir=spill) as folder:
            _copy_vectors(found, group, verify, Path(folder))
            root = _stars(found, group, verify, threshold, similarity)
            found.signatures = found.shingles = RowStore([])  # their mappings go
    keeper = _keepers(found, root)
    same_text = np.ones(len(rows), bool)
    for column in range(found.exact.shape[1]):  # a column at a time: 8 bytes a row, not 16
        same_text &= found.exact[:, column] == found.exact[keeper, column]
    similarity[same_text] = 1.0
    del same_text
    size = np.bincount(root, minlength=len(root))[root].astype(root.dtype)
    return Clusters(rows, root, keeper, size, similarity, found.exact, found.ties())


def _candidate_groups(
    parts: KeyParts,
    *,
    exact: bool,
    near: bool,
    spill: Path | None,
    limit: int = BAND_PAIRS_PER_PARTITION,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows that share the exact key, or (when `near`) a band's key, with another row,
    ascending, and the group of each: the position of its group's smallest row. Keys are cut
    by value into partitions of about `limit / threads` (band, key) values' worth of bytes
    (`threads`: `partition_threads()` unless given), each sorted on its own, `threads` at once
    (spilled to files in `spill`, or the system's temporary folder, when there are several);
    the pairs of rows found equal are kept (on disk likewise), then joined by union-find over
    the candidates alone. The result is the same for any partitioning, hence any number of
    threads: the pairs differ (other partitions chain equal keys otherwise) but join the same
    rows, and union-find's roots are the smallest rows, whatever order the unions come in."""
    total = len(parts)
    width = parts.width if near else 0
    counts = (total * 3 if exact else 0, total * width * 2)  # 64-bit words of each kind
    if not any(counts):
        return np.zeros(0, row_dtype(total)), np.zeros(0, row_dtype(0))
    spilled = max(counts) > 2 * limit
    # in memory, each kind of key is one partition: nothing for threads to share
    threads = 1 if not spilled else partition_threads() if threads is None else max(1, threads)
    with tempfile.TemporaryDirectory(prefix="thresher-keys-", dir=spill) as folder:
        where = Path(folder) if spilled else None
        size, buffer = max(1, limit // threads), max(1, limit // 4)
        same = _Spill(counts[0], 3, size, where, "exact", buffer)
        banded = _Spill(counts[1], 2, size, where, "band", buffer)
        for start, keys in parts.scan():
            if exact:
                rows = np.arange(start, start + len(keys), dtype=np.uint64)
                same.add(np.column_stack([keys.exact, rows]))
            if width:
                for values, rows in _band_values(keys.bands, width, start):
                    banded.add(np.column_stack([values, rows.astype(np.uint64)]))
        pairs = _Pairs(total, where)
        _join_partitions(itertools.chain(same.partitions(), banded.partitions()), pairs, threads)
        candidates = pairs.rows()
        groups = UnionFind(len(candidates))
        for a, b in pairs.blocks():
            groups.union_pairs(np.searchsorted(candidates, a), np.searchsorted(candidates, b))
    return candidates, groups.roots()


def partition_threads() -> int:
    """Threads that sort the candidate search's partitions: the usable cores, at most
    `PARTITION_THREADS` (the decide is one task, run while the other workers wait)."""
    from thresher.run.pool import usable_cores  # here: thresher.run imports this module

    return max(1, min(PARTITION_THREADS, usable_cores()))


def _join_partitions(partitions: Iterable[np.ndarray], pairs: _Pairs, threads: int) -> None:
    """Each partition's pairs of equal neighbours added to `pairs`, in partition order (for
    given partitions, the same pairs file whether sorted by one thread or several). With more
    than one thread, partitions are sorted `threads` at once, the next one read meanwhile: at
    most `threads` are held (one, with one thread)."""
    if threads == 1:
        for records in partitions:
            pairs.add(*_equal_neighbours(records))
            del records  # gone before the next one is read
        return
    pending: deque[Future[tuple[np.ndarray, np.ndarray]]] = deque()
    _one_malloc_arena()
    with ThreadPoolExecutor(threads, thread_name_prefix="thresher-partitions") as pool:
        for records in partitions:
            pending.append(pool.submit(_equal_neighbours, records))
            del records  # held by its task only, until it is done
            if len(pending) >= threads:
                pairs.add(*pending.popleft().result())
        while pending:
            pairs.add(*pending.popleft().result())


def _one_malloc_arena() -> None:
    """Have glibc's malloc give new threads its existing arenas rather than one arena each:
    freed partitions stayed resident in the sorting threads' arenas (1M synthetic documents:
    283 MiB peak against 216 in one thread; 227 with this). glibc computes its arena limit once
    (`narenas_limit`), so this holds for the rest of the process: its later threads share the
    arenas too, which costs only lock contention where many threads allocate at once
    (thresher's workers have none). Where the limit was computed already (a process that had
    more than eight arenas), or the C library has no `mallopt`, nothing changes."""
    with contextlib.suppress(OSError, AttributeError, TypeError):  # TypeError: no CDLL(None)
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)


_M_ARENA_MAX = -8  # glibc's <malloc.h>


class _Spill:
    """Records (uint64 rows of key columns, then the row number) cut by their first column into
    partitions of about `limit` (band, key) values' worth of bytes: held in memory when one is
    enough, else gathered in a buffer (of `buffer` records: `limit / 4` unless given) and
    appended to files in `folder`, one open at a time. Past `SPILL_FANOUT` partitions, in two
    levels: a buffer goes to `SPILL_FANOUT` coarse files (partition p lies in coarse file
    p % SPILL_FANOUT), each cut into its partitions when read, so that a buffer costs
    `SPILL_FANOUT` file opens, not one per partition."""

    def __init__(
        self,
        words: int,
        columns: int,
        limit: int,
        folder: Path | None,
        name: str,
        buffer: int | None = None,
    ):
        self.columns = columns
        count = max(1, -(-words // (2 * limit)))
        if count > SPILL_FANOUT:  # a multiple of the fan-out: p % count % fan-out == p % fan-out
            count = -(-count // SPILL_FANOUT) * SPILL_FANOUT
        self.count = count
        coarse = min(count, SPILL_FANOUT)
        self.files = [folder / f"{name}-{p}.bin" for p in range(coarse)] if folder else []
        self.buffer: list[np.ndarray] = []
        self.buffered = 0  # records in `buffer`
        self.flush_at = max(1, limit // 4) if buffer is None else buffer

    def add(self, records: np.ndarray) -> None:
        self.buffer.append(records)
        self.buffered += len(records)
        if self.files and self.buffered >= self.flush_at:
            self._flush()

    def _flush(self) -> None:
        records = np.concatenate([np.zeros((0, self.columns), np.uint64), *self.buffer])
        self.buffer, self.buffered = [], 0
        _append_by(records, records[:, 0] % np.uint64(len(self.files)), self.files)

    def partitions(self) -> Iterator[np.ndarray]:
        """Each partition's records (in no set order), its file removed once read."""
        if not self.files:
            if self.buffer:
                yield np.concatenate(self.buffer)
            self.buffer = []
            return
        self._flush()
        for path in self.files:
            if self.count > len(self.files):
                yield from self._split(path)
            elif path.exists():
                yield _read_records(path, self.columns)

    def _split(self, path: Path) -> Iterator[np.ndarray]:
        """A coarse file's records cut into its partitions, read a block at a time."""
        if not path.exists():
            return
        coarse = np.uint64(len(self.files))
        fine = [
            path.with_name(f"{path.stem}-{q}.bin") for q in range(self.count // len(self.files))
        ]
        block = self.flush_at * self.columns * 8  # bytes: a buffer's worth of records
        with path.open("rb") as source:
            while data := source.read(block):
                records = np.frombuffer(data, np.uint64).reshape(-1, self.columns)
                _append_by(records, records[:, 0] % np.uint64(self.count) // coarse, fine)
        path.unlink()
        for part in fine:
            if part.exists():
                yield _read_records(part, self.columns)


def _append_by(records: np.ndarray, which: np.ndarray, files: list[Path]) -> None:
    """Append each record to `files[which]`: one sort by file, then a slice each (not a pass
    over the records per file), one file open at a time."""
    # numpy sorts 16-bit integers by radix (fast); bincount takes no uint64 on numpy 1.x
    which = which.astype(np.uint16 if len(files) <= 1 << 16 else np.intp)
    order = np.argsort(which, kind="stable")
    ends = np.cumsum(np.bincount(which, minlength=len(files))).tolist()
    records = records[order]
    for p, (lo, hi) in enumerate(itertools.pairwise([0, *ends])):
        if hi > lo:
            with files[p].open("ab") as out:
                out.write(records[lo:hi].tobytes())


def _read_records(path: Path, columns: int) -> np.ndarray:
    records = np.fromfile(path, np.uint64).reshape(-1, columns)
    path.unlink()
    return records


def _equal_neighbours(records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row numbers of each two records with equal keys that are next to each other once
    sorted by key: every set of equal keys becomes a chain of pairs."""
    keys = records.shape[1] - 1
    if keys == 1:
        order = np.argsort(records[:, 0])
    else:
        order = np.lexsort([records[:, column] for column in reversed(range(keys))])
    same = np.ones(max(len(order) - 1, 0), bool)
    for column in range(keys):
        ordered = records[order, column]
        same &= ordered[1:] == ordered[:-1]
    del ordered
    joined = np.flatnonzero(same)
    rows = records[order[joined], keys], records[order[joined + 1], keys]
    return rows[0].astype(np.int64), rows[1].astype(np.int64)


class _Pairs:
    """Pairs of row numbers to join, in memory or appended to a file in `folder`, and which
    rows are in any: a bit a row, the one per-row state of the candidate search."""

    BLOCK = 1 << 22  # pairs read back at once

    def __init__(self, total: int, folder: Path | None) -> None:
        self.dtype = row_dtype(total)
        self.marks = np.zeros((total + 7) // 8, np.uint8)
        self.path = folder / "pairs.bin" if folder else None
        self.held: list[np.ndarray] = []

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        if not len(a):
            return
        for rows in (a, b):
            np.bitwise_or.at(self.marks, rows >> 3, np.left_shift(1, rows & 7).astype(np.uint8))
        pairs = np.column_stack([a, b]).astype(self.dtype)
        if self.path is None:
            self.held.append(pairs)
            return
        with self.path.open("ab") as out:
            out.write(pairs.tobytes())

    def rows(self) -> np.ndarray:
        """The rows in any pair, ascending."""
        found = [np.zeros(0, np.int64)]
        step = 1 << 20
        for lo in range(0, len(self.marks), step):
            bits = np.unpackbits(self.marks[lo : lo + step], bitorder="little")
            found.append(np.flatnonzero(bits) + lo * 8)
        return np.concatenate(found).astype(self.dtype)

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if self.path is None:
            for pairs in self.held:
                yield pairs[:, 0], pairs[:, 1]
            return
        if not self.path.exists():
            return
        size = np.dtype(self.dtype).itemsize * 2
        pairs_in_file = self.path.stat().st_size // size
        for first in range(0, pairs_in_file, self.BLOCK):
            count = min(self.BLOCK, pairs_in_file - first)
            pairs = np.fromfile(self.path, self.dtype, count * 2, offset=first * size)
            pairs = pairs.reshape(-1, 2)
            yield pairs[:, 0], pairs[:, 1]


def _band_values(
    bands: np.ndarray | BandKeys, width: int, start: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Each (band, key) of a part as one mixed 64-bit value, and its row (from `start`)."""
    salt = (np.arange(width, dtype=np.uint64) + np.uint64(1)) * _BAND_SALT
    arrays = bands.arrays() if isinstance(bands, BandKeys) else [bands]
    for array in arrays:
        count = len(array)
        values = _mix64(array ^ salt).ravel()
        ids = np.repeat(np.arange(start, start + count, dtype=np.int64), width)
        yield values, ids
        start += count


def _mix64(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(31))
    values = values * np.uint64(0x9E3779B97F4A7C15)
    mixed: np.ndarray = values ^ (values >> np.uint64(29))
    return mixed


def _copy_vectors(keys: Keys, group: np.ndarray, verify: str, folder: Path) -> None:
    """Copy what the stars read into `folder`, one file each, in candidate order: every
    candidate's shingle set (or signature), and for exact verification the signatures of the
    members of large groups. The stars then read one mapping per kind, not each part's files
    once per batch of groups (the parts are too many to keep open, and opening one costs more
    than reading its rows)."""
    everyone = np.arange(len(keys))
    if verify == "exact":
        keys.shingles = RowStore([copy_rows(keys.shingles, everyone, folder / "shingles")])
        large = np.flatnonzero(np.bincount(group)[group] > LARGE_GROUP)
        copied = copy_rows(keys.signatures, large, folder / "signatures")
    else:
        copied = copy_rows(keys.signatures, everyone, folder / "signatures")
    keys.signatures = RowStore([copied])


def _stars(
    keys: Keys, group: np.ndarray, verify: str, threshold: float, similarity: np.ndarray
) -> np.ndarray:
    """Each candidate group cut into stars: in keep-policy order, the first remaining member
    keeps every remaining member that resembles it enough; repeat on the rest. Groups are
    taken in batches of about `STAR_BATCH_ROWS` members, whose shingle sets (or signatures) are
    read together, each file once, and dropped after: memory holds one batch. Each member's
    similarity to its keeper goes to `similarity`."""
    label = group.copy()
    members = np.flatnonzero((np.bincount(group) > 1)[group])
    if not len(members):
        return label
    store = keys.shingles if verify == "exact" else keys.signatures
    similar = _jaccard if verify == "exact" else _agreement
    ties = keys.ties()[members]
    order = members[
        np.lexsort((ties, keys.id_hash[members], keys.priority[members], group[members]))
    ]
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    bounds = [*starts.tolist(), len(order)]
    first = 0
    while first < len(starts):
        last = first + 1
        while last < len(starts) and bounds[last + 1] - bounds[first] <= STAR_BATCH_ROWS:
            last += 1
        batch = order[bounds[first] : bounds[last]]
        vectors = store.take(batch)
        sizes = np.diff(bounds[first : last + 1])
        large = [
            order[bounds[g] : bounds[g + 1]]
            for g in (first + np.flatnonzero(sizes > LARGE_GROUP)).tolist()
        ]
        estimates = vectors
        if large and verify == "exact":
            estimates = keys.signatures.take(np.concatenate(large))
        for g in range(first, last):
            group_rows = order[bounds[g] : bounds[g + 1]]
            if len(group_rows) == 2 <= LARGE_GROUP:  # most groups: a document and one copy
                _cut_pair(keys, group_rows, vectors, similar, threshold, (label, similarity))
                continue
            star = _Star(keys, group_rows, vectors, similar, threshold)
            if len(group_rows) > LARGE_GROUP:
                star.prefilter(np.stack([estimates[row] for row in group_rows.tolist()]))
            star.cut(label, similarity)
        first = last
    return label


def _cut_pair(
    keys: Keys,
    rows: np.ndarray,
    vectors: dict[int, np.ndarray],
    similar: Callable[[np.ndarray, np.ndarray], float],
    threshold: float,
    out: tuple[np.ndarray, np.ndarray],
) -> None:
    """What `_Star.cut` does with a group of two (keeper first), on Python numbers."""
    label, similarity = out
    keeper, other = rows.tolist()
    label[keeper] = label[other] = keeper
    if keys.exact[keeper].tolist() == keys.exact[other].tolist():
        similarity[other] = 1.0
        return
    if similar is _jaccard:  # the sizes' bound, as `_Star._candidates` computes it
        mine, theirs = float(len(vectors[keeper])), float(len(vectors[other]))
        if not min(mine, theirs) >= (threshold - 1e-9) * max(mine, theirs):
            label[other] = other
            return
    value = similar(vectors[other], vectors[keeper])
    if value >= threshold:
        similarity[other] = value
    else:
        label[other] = other


class _Star:
    """Cuts one candidate group into stars. Before any exact comparison, the keeper is held
    against every remaining member at once: for exact Jaccard, a member whose set is smaller
    than `threshold` times the keeper's (or the keeper's than its) cannot reach it, since
    J <= min / max; and in a large group (a template shared by thousands of pages, which
    would cost members x stars comparisons in Python) only members whose MinHash signature
    agrees within `ESTIMATE_MARGIN` of the threshold (more than four standard deviations at
    110 positions) are compared exactly."""

    def __init__(
        self,
        keys: Keys,
        rows: np.ndarray,
        vectors: dict[int, np.ndarray],
        similar: Callable[[np.ndarray, np.ndarray], float],
        threshold: float,
    ) -> None:
        self.rows, self.vectors, self.similar, self.threshold = rows, vectors, similar, threshold
        self.exact = keys.exact[rows]
        self.signatures: np.ndarray | None = None
        self.sizes: np.ndarray | None = None
        if similar is _jaccard:
            self.sizes = np.fromiter((len(vectors[r]) for r in rows.tolist()), np.float64)

    def prefilter(self, signatures: np.ndarray) -> None:
        self.signatures = signatures

    def _candidates(self, keeper: int, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of `others` (indices into it) are worth an exact comparison with `keeper`, and
        whether each of those has the keeper's very text."""
        possible = np.ones(len(others), bool)
        if self.sizes is not None:
            mine, theirs = self.sizes[keeper], self.sizes[others]
            bound = (self.threshold - 1e-9) * np.maximum(mine, theirs)  # 7 >= 0.7 * 10 in floats
            possible = np.minimum(mine, theirs) >= bound
        if self.signatures is not None:
            agree = (self.signatures[others] == self.signatures[keeper]).mean(axis=1)
            possible &= agree >= self.threshold - ESTIMATE_MARGIN
        same = (self.exact[others] == self.exact[keeper]).all(axis=1)
        chosen = np.flatnonzero(possible | same)
        return chosen, same[chosen]

    def cut(self, label: np.ndarray, similarity: np.ndarray) -> None:
        remaining = np.arange(len(self.rows))
        while len(remaining):
            keeper, others = int(remaining[0]), remaining[1:]
            keeper_row = int(self.rows[keeper])
            label[keeper_row] = keeper_row
            left = np.ones(len(others), bool)
            chosen, same = self._candidates(keeper, others)
            for index, same_text in zip(chosen.tolist(), same.tolist(), strict=True):
                row = int(self.rows[others[index]])
                if same_text:
                    value = 1.0
                else:
                    value = self.similar(self.vectors[row], self.vectors[keeper_row])
                if value >= self.threshold:
                    label[row], similarity[row] = keeper_row, value
                    left[index] = False
            remaining = others[left]  # in order, as they were


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) and not len(b):
        return 1.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def _agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float((a == b).mean())


def _keepers(keys: Keys, root: np.ndarray) -> np.ndarray:
    """Per row, the row its cluster keeps: the smallest priority, then the smallest id hash.
    A row alone in its cluster keeps itself; only the clustered rows are sorted (the order of
    all rows was the decide's high-water mark at 10M documents)."""
    keepers = np.arange(len(root), dtype=root.dtype)
    clustered = np.flatnonzero((np.bincount(root) > 1)[root])
    if not len(clustered):
        return keepers
    ties = keys.tie[clustered] if keys.tie is not None else np.zeros(len(clustered), np.uint64)
    their_root = root[clustered]
    order = np.lexsort((ties, keys.id_hash[clustered], keys.priority[clustered], their_root))
    ordered = their_root[order]
    first = np.ones(len(order), bool)
    first[1:] = ordered[1:] != ordered[:-1]
    roots, kept = ordered[first], clustered[order[first]]  # roots ascending
    del ties, order, ordered, first
    keepers[clustered] = kept[np.searchsorted(roots, their_root)]
    return keepers
