"""The dedup index on disk: the keys of every document kept so far, so that a later run dedups
new data against old without reading the old corpus again. Embedded (files only, nothing to
start), append-only, versioned; the format is described in docs/DEDUP_INDEX.md.

    DIR/index.json                  format, version, the settings keys depend on, segment list
    DIR/segments/NNNNN/meta.jsonl   one line per document: {"id": ..., "url": ...}
    DIR/segments/NNNNN/keys.npz     id_hash, exact, bands, priority (numpy arrays, no pickle)
    DIR/segments/NNNNN/keys.signatures.npy   MinHash signatures, low 32 bits (memory-mapped)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from thresher.dedup.clusters import Keys, SignatureFile, as_array
from thresher.errors import ConfigError, OutputError

FORMAT = "thresher-dedup-index"
VERSION = 1
MANIFEST = "index.json"
SEGMENTS = "segments"
SIGNATURES_SUFFIX = ".signatures.npy"


@dataclass(frozen=True)
class Segment:
    """One run's contribution: its documents' ids, URLs and keys."""

    ids: list[str]
    urls: list[str]
    keys: Keys


def save_keys(path: Path, keys: Keys) -> None:
    """Keys in `path` (.npz), signatures beside it (.npy, to be memory-mapped when read)."""
    partial = path.with_name(path.name + ".partial.npz")
    np.savez(
        partial,
        id_hash=keys.id_hash,
        exact=keys.exact,
        bands=keys.bands,
        priority=keys.priority,
    )
    signatures = path.with_suffix(SIGNATURES_SUFFIX)
    staged = signatures.with_name(signatures.name + ".partial.npy")
    np.save(staged, as_array(keys.signatures))
    os.replace(staged, signatures)
    os.replace(partial, path)


def load_keys(path: Path) -> Keys:
    """Keys saved by `save_keys`; the signatures stay on disk, mapped when read."""
    with np.load(path, allow_pickle=False) as data:
        return Keys(
            id_hash=data["id_hash"],
            exact=data["exact"],
            bands=data["bands"],
            signatures=SignatureFile(path.with_suffix(SIGNATURES_SUFFIX), len(data["id_hash"])),
            priority=data["priority"],
        )


def save_meta(path: Path, ids: list[str], urls: list[str]) -> None:
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        for doc_id, url in zip(ids, urls, strict=True):
            out.write(orjson.dumps({"id": doc_id, "url": url}) + b"\n")
    os.replace(partial, path)


def load_meta(path: Path) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    urls: list[str] = []
    with path.open("rb") as lines:
        for line in lines:
            entry = orjson.loads(line)
            ids.append(entry["id"])
            urls.append(entry["url"])
    return ids, urls


class DedupIndex:
    """An index folder: `segments()` reads what earlier runs kept, `append` adds this run's."""

    def __init__(self, folder: Path, settings: Mapping[str, Any]) -> None:
        self.folder = folder
        self.settings = dict(settings)
        self._manifest = self._read_manifest()

    def _read_manifest(self) -> dict[str, Any]:
        path = self.folder / MANIFEST
        if not path.exists():
            if self.folder.exists() and any(self.folder.iterdir()):
                raise ConfigError(
                    f"dedup index {self.folder}: the folder is not empty and has no {MANIFEST};"
                    " give an empty or new folder, or an existing index"
                )
            return {"format": FORMAT, "version": VERSION, "settings": self.settings, "segments": []}
        try:
            manifest = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ConfigError(f"dedup index {path}: cannot read it: {exc}") from exc
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ConfigError(
                f"dedup index {path}: format {manifest.get('format')!r} version"
                f" {manifest.get('version')!r}; this thresher reads {FORMAT} version {VERSION}"
            )
        if manifest.get("settings") != self.settings:
            raise ConfigError(
                f"dedup index {path}: built with {manifest.get('settings')}, but this recipe's"
                f" dedup uses {self.settings}; keys would not compare. Use the same settings or"
                " a new index folder"
            )
        return dict(manifest)

    @property
    def documents(self) -> int:
        return sum(int(s["documents"]) for s in self._manifest["segments"])

    def segments(self) -> Iterator[tuple[Path, int]]:
        """(folder, documents) of each segment, oldest first."""
        for entry in self._manifest["segments"]:
            yield self.folder / SEGMENTS / entry["name"], int(entry["documents"])

    def has_run(self, run_id: str) -> bool:
        return any(s.get("run") == run_id for s in self._manifest["segments"])

    def append(self, ids: list[str], urls: list[str], keys: Keys, run_id: str = "") -> None:
        """Add a segment (written whole under a temporary name, then renamed), then the
        manifest (likewise): a crash leaves the index as it was before. `run_id` names the
        run, so that a resumed run does not add itself twice."""
        if not ids:
            return
        name = f"{len(self._manifest['segments']):05d}"
        final = self.folder / SEGMENTS / name
        partial = final.with_name(name + ".partial")
        try:
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            save_meta(partial / "meta.jsonl", ids, urls)
            save_keys(partial / "keys.npz", keys)
            if final.exists():
                shutil.rmtree(final)
            os.replace(partial, final)
            entry = {"name": name, "documents": len(ids)}
            self._manifest["segments"].append({**entry, "run": run_id} if run_id else entry)
            manifest = self.folder / MANIFEST
            staged = manifest.with_name(MANIFEST + ".partial")
            staged.write_bytes(orjson.dumps(self._manifest, option=orjson.OPT_INDENT_2))
            os.replace(staged, manifest)
        except OSError as exc:
            raise OutputError(f"dedup index {self.folder}: cannot write it: {exc}") from exc
