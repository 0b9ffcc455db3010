"""What the corpus steps' saved state has in common (the dedup index, the site tables): a
folder of segments, one per run that added to it, listed in a JSON manifest that is replaced
whole, so that a crash leaves the state as it was before the write."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from thresher.errors import ConfigError, OutputError

SEGMENTS = "segments"


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write `path` whole: `write` fills a temporary name beside it (keeping its suffix, so
    that `np.save` adds none), which is then renamed into place."""
    partial = path.with_name(path.name + ".partial" + path.suffix)
    partial.unlink(missing_ok=True)  # a link left at the temporary name is not written through
    write(partial)
    os.replace(partial, path)


def read_manifest(path: Path, kind: str, version: int, what: str) -> dict[str, Any]:
    """The manifest at `path`, refused (`ConfigError`, naming `what`) unless it is a JSON
    object of format `kind` and `version`."""
    try:
        manifest = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError(f"{what} {path}: cannot read it: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ConfigError(f"{what} {path}: not a manifest (a JSON object)")
    if manifest.get("format") != kind or manifest.get("version") != version:
        raise ConfigError(
            f"{what} {path}: format {manifest.get('format')!r} version"
            f" {manifest.get('version')!r}; this thresher reads {kind} version {version}"
        )
    return manifest


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    """Replace the manifest at `path` whole (written beside it, then renamed)."""
    staged = path.with_name(path.name + ".partial")
    staged.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    os.replace(staged, path)


def forget_segments(path: Path, manifest: Mapping[str, Any], run_id: str, what: str) -> int:
    """Remove the segments `run_id` added (a run being replaced forgets what it published):
    the manifest first, then their folders, so that a crash leaves at worst unlisted folders,
    which the next append overwrites. Returns the number of segments left."""
    segments = manifest["segments"]
    kept = [entry for entry in segments if entry.get("run") != run_id]
    if len(kept) == len(segments):
        return len(kept)
    try:
        write_manifest(path, {**manifest, "segments": kept})
        for entry in segments:
            if entry.get("run") == run_id:
                shutil.rmtree(path.parent / SEGMENTS / entry["name"], ignore_errors=True)
    except OSError as exc:
        raise OutputError(f"{what} {path.parent}: cannot write it: {exc}") from exc
    return len(kept)
