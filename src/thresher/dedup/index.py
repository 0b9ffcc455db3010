"""Keys on disk: one folder of files per part (a chunk of a run, or a piece of an index
segment), and the dedup index: the keys of every document kept so far, so that a later run
dedups new data against old without reading the old corpus again. Embedded (files only,
nothing to start), append-only, versioned; the format is described in docs/DEDUP_INDEX.md.

    PART/meta.jsonl        one line per document: {"id": ..., "url": ...}
    PART/keys.npz          id_hash, exact, bands, priority (numpy arrays, no pickle)
    PART/signatures.npy    MinHash signatures, low 32 bits (memory-mapped when read)
    PART/shingles.npy      every document's shingle hash set, low 32 bits, concatenated
    PART/offsets.npy       where each document's set starts in shingles.npy (n + 1 values)

    INDEX/index.json                       format, version, settings, segments and their parts
    INDEX/segments/NNNNN/part-.../         one part per chunk of the run that wrote it
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from thresher.dedup.clusters import (
    SHINGLE_DTYPE,
    SIG_DTYPE,
    BandKeys,
    Keys,
    RowFile,
    RowStore,
)
from thresher.errors import ConfigError, OutputError
from thresher.segments import (
    SEGMENTS,
    atomic_write,
    forget_segments,
    read_manifest,
    write_manifest,
)
from thresher.steps import STATE_DIR

FORMAT = "thresher-dedup-index"
VERSION = 2
MANIFEST = "index.json"
# Held by the run that uses the index (run/state.py `FolderLock`): two runs extending one index
# at once would write the same segment.
LOCK = "lock"
META = "meta.jsonl"
KEYS = "keys.npz"
SIGNATURES = "signatures.npy"
SHINGLES = "shingles.npy"
OFFSETS = "offsets.npy"
KEY_ARRAYS = ("id_hash", "exact", "bands", "priority")


@dataclass
class PartArrays:
    """One part's keys in memory."""

    ids: list[str]
    urls: list[str]
    id_hash: np.ndarray
    exact: np.ndarray
    bands: np.ndarray
    priority: np.ndarray
    signatures: np.ndarray  # (n, permutations)
    shingles: np.ndarray  # all sets, concatenated
    offsets: np.ndarray  # (n + 1,)

    def select(self, keep: np.ndarray) -> PartArrays:
        rows = np.flatnonzero(keep)
        sets = [self.shingles[self.offsets[r] : self.offsets[r + 1]] for r in rows.tolist()]
        return PartArrays(
            ids=[self.ids[r] for r in rows.tolist()],
            urls=[self.urls[r] for r in rows.tolist()],
            id_hash=self.id_hash[rows],
            exact=self.exact[rows],
            bands=self.bands[rows],
            priority=self.priority[rows],
            signatures=self.signatures[rows],
            shingles=np.concatenate([np.zeros(0, SHINGLE_DTYPE), *sets]),
            offsets=np.cumsum([0, *(len(s) for s in sets)]).astype(np.int64),
        )


def save_part(folder: Path, part: PartArrays) -> None:
    """Write a part's files, each whole under a temporary name; keys.npz last."""
    folder.mkdir(parents=True, exist_ok=True)

    def meta(path: Path) -> None:
        with path.open("wb") as out:
            for doc_id, url in zip(part.ids, part.urls, strict=True):
                out.write(orjson.dumps({"id": doc_id, "url": url}) + b"\n")

    atomic_write(folder / META, meta)
    atomic_write(folder / SIGNATURES, lambda p: np.save(p, part.signatures.astype(SIG_DTYPE)))
    atomic_write(folder / SHINGLES, lambda p: np.save(p, part.shingles.astype(SHINGLE_DTYPE)))
    atomic_write(folder / OFFSETS, lambda p: np.save(p, part.offsets.astype(np.int64)))

    def keys(path: Path) -> None:
        np.savez(
            path, id_hash=part.id_hash, exact=part.exact, bands=part.bands, priority=part.priority
        )

    atomic_write(folder / KEYS, keys)


def load_keys(folder: Path) -> Keys:
    """A part's keys; signatures and shingle sets stay on disk, mapped when read."""
    with np.load(folder / KEYS, allow_pickle=False) as data:
        id_hash = data["id_hash"]  # each item read is a read of the file: once
        rows = len(id_hash)
        width = data["bands"].shape[1]
        return Keys(
            id_hash=id_hash,
            exact=data["exact"],
            bands=BandKeys([(folder / KEYS, rows)], width),  # read again, partition by partition
            priority=data["priority"],
            signatures=RowStore([RowFile(folder / SIGNATURES, rows)]),
            shingles=RowStore([RowFile(folder / SHINGLES, rows, folder / OFFSETS)]),
        )


def part_rows(folder: Path) -> int:
    """A part's rows, from the header of its `id_hash` array alone."""
    with zipfile.ZipFile(folder / KEYS) as keys, keys.open("id_hash.npy") as member:
        return _array_length(member)


def load_part(folder: Path) -> PartArrays:
    """A part's keys, all in memory (one chunk: small)."""
    ids, urls = load_meta(folder)
    with np.load(folder / KEYS, allow_pickle=False) as data:
        return PartArrays(
            ids=ids,
            urls=urls,
            id_hash=data["id_hash"],
            exact=data["exact"],
            bands=data["bands"],
            priority=data["priority"],
            signatures=np.load(folder / SIGNATURES, allow_pickle=False),
            shingles=np.load(folder / SHINGLES, allow_pickle=False),
            offsets=np.load(folder / OFFSETS, allow_pickle=False),
        )


def load_meta(folder: Path) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    urls: list[str] = []
    with (folder / META).open("rb") as lines:
        for line in lines:
            entry = orjson.loads(line)
            ids.append(entry["id"])
            urls.append(entry["url"])
    return ids, urls


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as data:
        while block := data.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def _array_length(member: Any) -> int:
    """Rows of the `.npy` array `member` holds, from its header alone."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape = np.lib.format.read_array_header_1_0(member)[0]
    else:
        shape = np.lib.format.read_array_header_2_0(member)[0]
    return int(shape[0]) if shape else 0


def check_part(folder: Path) -> None:
    """Raise (OSError, ValueError, KeyError, BadZipFile) unless every file of the part is
    there, readable and of one length. Reads array headers and counts lines: cheap, whatever
    the part's size (shingle sets are mapped, not read)."""
    rows = _count_lines(folder / META)
    with zipfile.ZipFile(folder / KEYS) as keys:
        for name in KEY_ARRAYS:
            with keys.open(name + ".npy") as member:
                _require_rows(KEYS + ":" + name, _array_length(member), rows)
    signatures = np.load(folder / SIGNATURES, mmap_mode="r", allow_pickle=False)
    _require_rows(SIGNATURES, len(signatures), rows)
    offsets = np.load(folder / OFFSETS, mmap_mode="r", allow_pickle=False)
    _require_rows(OFFSETS, len(offsets) - 1, rows)
    shingles = np.load(folder / SHINGLES, mmap_mode="r", allow_pickle=False)
    _require_rows(SHINGLES, len(shingles), int(offsets[-1]) if len(offsets) else 0)


def _require_rows(name: str, found: int, expected: int) -> None:
    if found != expected:
        raise ValueError(f"{name} has {found} rows where {expected} were expected")


def forget_run(folder: Path, run_id: str) -> int:
    """Remove from the index in `folder` the segments `run_id` added; the number left."""
    path = folder / MANIFEST
    if not path.is_file():
        return 0
    return forget_segments(path, _read_manifest_file(path), run_id, "dedup index")


def _read_manifest_file(path: Path) -> dict[str, Any]:
    return read_manifest(path, FORMAT, VERSION, "dedup index")


_SEGMENT_NAME = re.compile(r"\d{5,}(?:\.partial)?")


def _only_leftovers(folder: Path) -> bool:
    """Whether `folder` holds nothing but what an interrupted first `append` leaves: temporary
    (`.partial`) files and segment folders, which the next append replaces (and the lock, and
    other corpus steps' state). A segment folder under its final name counts too: a store
    has no rename, so a first append killed while its segments were being copied there, before
    the manifest, leaves them so (thresher.storage)."""
    for entry in folder.iterdir():
        if entry.name == STATE_DIR and entry.is_dir():
            continue  # other corpus steps' state
        if entry.name == SEGMENTS and entry.is_dir():
            if not all(_SEGMENT_NAME.fullmatch(part.name) for part in entry.iterdir()):
                return False
        elif not entry.name.endswith(".partial") and entry.name != LOCK:
            return False
    return True


class DedupIndex:
    """An index folder: `parts()` reads what earlier runs kept, `append` adds this run's."""

    def __init__(self, folder: Path, settings: Mapping[str, Any]) -> None:
        self.folder = folder
        self.settings = dict(settings)
        self._manifest = self._read_manifest()

    def _read_manifest(self) -> dict[str, Any]:
        path = self.folder / MANIFEST
        if self.folder.exists() and not self.folder.is_dir():
            raise ConfigError(f"dedup index {self.folder}: not a folder; give a folder")
        if not path.exists():
            if self.folder.exists() and not _only_leftovers(self.folder):
                raise ConfigError(
                    f"dedup index {self.folder}: the folder is not empty and has no {MANIFEST};"
                    " give an empty or new folder, or an existing index"
                )
            return {"format": FORMAT, "version": VERSION, "settings": self.settings, "segments": []}
        manifest = _read_manifest_file(path)
        if manifest.get("settings") != self.settings:
            raise ConfigError(
                f"dedup index {path}: built with {manifest.get('settings')}, but this recipe's"
                f" dedup uses {self.settings}; keys would not compare. Use the same settings or"
                " a new index folder"
            )
        return dict(manifest)

    @property
    def documents(self) -> int:
        return self.documents_besides("")

    def documents_besides(self, run_id: str) -> int:
        """Documents in the segments not added by `run_id` (all, for "")."""
        return sum(int(s["documents"]) for s in self._segments_besides(run_id))

    def parts(self, besides: str = "") -> Iterator[Path]:
        """Every part folder, oldest segment first, leaving out the segments the run `besides`
        added (a run never dedups against itself)."""
        for entry in self._segments_besides(besides):
            for part in entry["parts"]:
                yield self.folder / SEGMENTS / entry["name"] / part

    def _segments_besides(self, run_id: str) -> list[dict[str, Any]]:
        segments: list[dict[str, Any]] = self._manifest["segments"]
        return [s for s in segments if not run_id or s.get("run") != run_id]

    def check(self) -> None:
        """Refuse a damaged index up front, before a run reads any record: each listed part's
        files are there and agree on their number of documents (`check_part`)."""
        for part in self.parts():
            try:
                check_part(part)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                raise ConfigError(
                    f"dedup index {self.folder}: {part.relative_to(self.folder)} is damaged"
                    f" ({type(exc).__name__}: {exc}); restore the index from a copy, or give"
                    " a new index folder"
                ) from exc

    def has_run(self, run_id: str) -> bool:
        return any(s.get("run") == run_id for s in self._manifest["segments"])

    def append(self, parts: Iterable[tuple[str, PartArrays]], run_id: str = "") -> None:
        """Add a segment of named parts (written one at a time under a temporary folder name,
        then renamed), then the manifest (likewise): a crash leaves the index as it was.
        `run_id` names the run (see `forget_run`), so that a resumed run does not add itself
        twice and a replaced one can be taken out."""
        name = f"{self._next_segment():05d}"
        final = self.folder / SEGMENTS / name
        partial = final.with_name(name + ".partial")
        try:
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            names, documents = [], 0
            for part_name, part in parts:
                if part.ids:
                    save_part(partial / part_name, part)
                    names.append(part_name)
                    documents += len(part.ids)
            if not names:
                shutil.rmtree(partial)
                return
            if final.exists():
                shutil.rmtree(final)
            os.replace(partial, final)
            entry: dict[str, Any] = {"name": name, "documents": documents, "parts": names}
            self._manifest["segments"].append({**entry, "run": run_id} if run_id else entry)
            write_manifest(self.folder / MANIFEST, self._manifest)
        except OSError as exc:
            raise OutputError(f"dedup index {self.folder}: cannot write it: {exc}") from exc

    def _next_segment(self) -> int:
        """One past the highest listed segment: a name freed by `forget_run` in the middle is
        never reused while a later segment still holds its own (a folder by that name, if
        any, is a leftover no manifest lists)."""
        return 1 + max((int(s["name"]) for s in self._manifest["segments"]), default=-1)
