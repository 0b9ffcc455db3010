"""The tables that outlive a run: per site, how many documents each repeated line was on, and
how many documents the site had, so that a later run adds its counts to the earlier ones (a
later crawl of a few pages of a known site is cleaned with what the earlier crawls taught).

    STATE/sites.json                          format, version, settings, segments (one per run)
    STATE/segments/NNNNN/part-PPPPP/sites.npy     site hash, its documents (uint64 rows)
    STATE/segments/NNNNN/part-PPPPP/lines.npy     site hash, key, documents (sorted): a key is
                                                  a line's hash, or with its top bit set a
                                                  pair of lines' (see `counting`)
    STATE/segments/NNNNN/part-PPPPP/names.jsonl   {"site": hash, "name": site}
    STATE/segments/NNNNN/part-PPPPP/examples.jsonl  {"site", "line", "text"}: learned lines

A segment is written under a temporary name and renamed, then the manifest likewise, so that a
crash leaves the table as it was. Lines are stored as hashes; only learned lines (those a run
removed) keep an example of their text, cut to `EXAMPLE_CHARS`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from thresher import segments
from thresher.errors import ConfigError, OutputError
from thresher.sites.counting import PAIR_BIT
from thresher.sites.lines import hash_site

FORMAT = "thresher-site-table"
VERSION = 1
MANIFEST = "sites.json"
SEGMENTS = segments.SEGMENTS
SITES = "sites.npy"
LINES = "lines.npy"
NAMES = "names.jsonl"
EXAMPLES = "examples.jsonl"
EXAMPLE_CHARS = 200


@dataclass
class Counts:
    """Counts of one partition of sites: `sites` rows (site hash, documents), `lines` rows
    (site hash, line hash, documents) sorted, names and example texts by hash."""

    sites: np.ndarray  # (k, 2) uint64
    lines: np.ndarray  # (m, 3) uint64
    names: dict[int, str]
    examples: dict[tuple[int, int], str]

    @classmethod
    def empty(cls) -> Counts:
        return cls(np.zeros((0, 2), np.uint64), np.zeros((0, 3), np.uint64), {}, {})

    def nbytes(self) -> int:
        return int(self.sites.nbytes + self.lines.nbytes)


atomic_write = segments.atomic_write


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    def write(target: Path) -> None:
        with target.open("wb") as out:
            for row in rows:
                out.write(orjson.dumps(row) + b"\n")

    atomic_write(path, write)


def read_jsonl(path: Path) -> Iterator[Any]:
    if not path.is_file():
        return
    with path.open("rb") as lines:
        for line in lines:
            yield orjson.loads(line)


def save_counts(folder: Path, counts: Counts) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / SITES, lambda p: _save_npy(p, counts.sites))
    atomic_write(folder / LINES, lambda p: _save_npy(p, counts.lines))
    write_jsonl(folder / NAMES, ({"site": h, "name": n} for h, n in sorted(counts.names.items())))
    write_jsonl(
        folder / EXAMPLES,
        ({"site": s, "line": h, "text": t} for (s, h), t in sorted(counts.examples.items())),
    )


def _save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as out:  # np.save on a name would add ".npy" to the temporary name
        np.save(out, array)


def load_counts(folder: Path, keep: Any = None) -> Counts:
    """A part's counts, rows of the sites `keep(site_hashes) -> mask` selects (all for None);
    the arrays are mapped, so memory holds only the rows kept."""
    sites = np.load(folder / SITES, mmap_mode="r")
    lines = np.load(folder / LINES, mmap_mode="r")
    if keep is not None:
        sites, lines = sites[keep(sites[:, 0])], lines[keep(lines[:, 0])]
    wanted = set(np.asarray(sites[:, 0]).tolist())
    names = {int(r["site"]): str(r["name"]) for r in read_jsonl(folder / NAMES)}
    examples = {
        (int(r["site"]), int(r["line"])): str(r["text"])
        for r in read_jsonl(folder / EXAMPLES)
        if int(r["site"]) in wanted
    }
    return Counts(
        np.array(sites, np.uint64),
        np.array(lines, np.uint64),
        {h: n for h, n in names.items() if h in wanted},
        examples,
    )


def merge(parts: list[Counts]) -> Counts:
    """One partition's counts from several: documents added per site and per (site, line);
    the smallest example text of a line (whatever the order of the parts)."""
    sites = _sum_rows(np.concatenate([p.sites for p in parts] or [Counts.empty().sites]), 1)
    lines = _sum_rows(np.concatenate([p.lines for p in parts] or [Counts.empty().lines]), 2)
    names: dict[int, str] = {}
    examples: dict[tuple[int, int], str] = {}
    for part in parts:
        for h, name in part.names.items():
            names[h] = min(name, names.get(h, name))
        for key, text in part.examples.items():
            examples[key] = min(text, examples.get(key, text))
    return Counts(sites, lines, names, examples)


def _sum_rows(rows: np.ndarray, keys: int) -> np.ndarray:
    """Rows with the same first `keys` columns as one, their last column summed; sorted."""
    if not len(rows):
        return rows
    order = np.lexsort(tuple(rows[:, k] for k in reversed(range(keys))))
    rows = rows[order]
    new = np.ones(len(rows), bool)
    new[1:] = (rows[1:, :keys] != rows[:-1, :keys]).any(axis=1)
    starts = np.flatnonzero(new)
    out = rows[starts].copy()
    out[:, keys] = np.add.reduceat(rows[:, keys], starts)
    return out


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The table's manifest in `folder`; None where there is none yet."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    return segments.read_manifest(path, FORMAT, VERSION, "site table")


class SiteTable:
    """A state folder: `parts()` lists what earlier runs counted, `append` adds a run's."""

    def __init__(self, folder: Path, settings: Mapping[str, Any]) -> None:
        self.folder = folder
        self.settings = dict(settings)
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"site table {folder}: not a folder; give a folder")
        manifest = read_manifest(folder)
        if manifest is None:
            manifest = {"format": FORMAT, "version": VERSION, "settings": self.settings}
            manifest["segments"] = []
        elif manifest.get("settings") != self.settings:
            raise ConfigError(
                f"site table {folder / MANIFEST}: built with {manifest.get('settings')}, but"
                f" this recipe's site-boilerplate uses {self.settings}; use the same settings"
                " or a new folder"
            )
        self.manifest = manifest

    def segments(self, besides: str = "") -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.manifest["segments"]
        return [s for s in found if not besides or s.get("run") != besides]

    def parts(self, besides: str = "") -> Iterator[Path]:
        for entry in self.segments(besides):
            for part in entry["parts"]:
                yield self.folder / SEGMENTS / entry["name"] / part

    def has_run(self, run_id: str) -> bool:
        return any(s.get("run") == run_id for s in self.manifest["segments"])

    def check(self) -> None:
        """Refuse a damaged table before a run reads any record."""
        for part in self.parts():
            try:
                sites = np.load(part / SITES, mmap_mode="r")
                lines = np.load(part / LINES, mmap_mode="r")
                if sites.ndim != 2 or sites.shape[1] != 2 or lines.ndim != 2:
                    raise ValueError("arrays of the wrong shape")
            except (OSError, ValueError) as exc:
                raise ConfigError(
                    f"site table {self.folder}: {part.relative_to(self.folder)} is damaged"
                    f" ({type(exc).__name__}: {exc}); restore it from a copy, or give a new"
                    " folder"
                ) from exc

    def append(self, parts: Iterable[tuple[str, Counts]], run_id: str = "") -> None:
        """Add one segment of named parts, then the manifest, each whole or not at all."""
        name = f"{1 + max((int(s['name']) for s in self.manifest['segments']), default=-1):05d}"
        final = self.folder / SEGMENTS / name
        partial = final.with_name(name + ".partial")
        try:
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            names, sites, lines = [], 0, 0
            for part_name, counts in parts:
                if len(counts.sites):
                    save_counts(partial / part_name, counts)
                    names.append(part_name)
                    sites, lines = sites + len(counts.sites), lines + len(counts.lines)
            if not names:
                shutil.rmtree(partial)
                return
            shutil.rmtree(final, ignore_errors=True)
            os.replace(partial, final)
            entry = {"name": name, "parts": names, "sites": sites, "lines": lines}
            self.manifest["segments"].append({**entry, "run": run_id} if run_id else entry)
            segments.write_manifest(self.folder / MANIFEST, self.manifest)
        except OSError as exc:
            raise OutputError(f"site table {self.folder}: cannot write it: {exc}") from exc


def forget_run(folder: Path, run_id: str) -> int:
    """Remove the segments `run_id` added (a run being replaced forgets what it taught); the
    number left."""
    manifest = read_manifest(folder)
    if manifest is None:
        return 0
    return segments.forget_segments(folder / MANIFEST, manifest, run_id, "site table")


def site_lines(state: Path, site: str) -> list[tuple[str | None, int]]:
    """The lines counted for `site` over every run in `state`, most documents first: the
    example text of each line a run removed (None for a line no run removed: only hashes are
    kept of those), and the documents it was on. The site's document count is not included;
    see `site_documents`."""
    manifest = read_manifest(state)
    if manifest is None:
        return []
    target = np.uint64(hash_site(site))
    parts = [
        load_counts(state / SEGMENTS / s["name"] / p, lambda h: h == target)
        for s in manifest["segments"]
        for p in s["parts"]
    ]
    counts = merge(parts)
    lines = counts.lines[counts.lines[:, 1] < PAIR_BIT]  # not the pairs of lines
    rows = sorted(lines.tolist(), key=lambda r: (-r[2], r[1]))
    return [(counts.examples.get((int(s), int(h))), int(n)) for s, h, n in rows]


def site_documents(state: Path, site: str) -> int:
    """The documents counted for `site` over every run in `state`."""
    manifest = read_manifest(state)
    if manifest is None:
        return 0
    target = np.uint64(hash_site(site))
    total = 0
    for segment in manifest["segments"]:
        for part in segment["parts"]:
            sites = np.load(state / SEGMENTS / segment["name"] / part / SITES, mmap_mode="r")
            total += int(np.asarray(sites[sites[:, 0] == target, 1]).sum())
    return total
