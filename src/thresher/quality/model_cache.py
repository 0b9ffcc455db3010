"""Model arrays kept uncompressed on local disk, so that every process maps one copy of them.

A model that ships compressed inside an installed package (py3langid's: 60 MB of arrays, lzma)
costs each process that loads it the decompression (0.8 s) and its own copy of the arrays (some
100 MB, the feature table widened to float32). The first process to load it writes its arrays
here, as plain `.npy` files named by a hash of the model file; every later process (the other
workers of a run, the next runs) maps them read-only: no decompression, and the pages are
shared between processes by the operating system.

The folder is `$THRESHER_CACHE_DIR`, else `$XDG_CACHE_HOME/thresher`, else `~/.cache/thresher`;
`THRESHER_CACHE_DIR=off` turns the cache off. Nothing here is ever needed: a folder that cannot
be written, or an entry that is incomplete or whose files do not match the digests written
with them, is passed over and the model loaded from its package as before. Entries are written
under a temporary name and renamed whole; nothing is ever deleted but this module's own
temporary folders. Arrays are loaded with `allow_pickle=False`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xxhash

log = logging.getLogger(__name__)

ENV = "THRESHER_CACHE_DIR"
MANIFEST = "manifest.json"
VERSION = 1


def cache_root() -> Path | None:
    """Where entries go; None when the cache is off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "thresher"


def load_or_build(
    model: Path, build: Callable[[Path], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """The arrays `build(model)` gives, mapped from the cache when it holds them for this very
    model file (by content), else built and then written there for the next process."""
    root = cache_root()
    if root is None:
        return build(model)
    try:
        folder = root / f"{model.name}-{_file_digest(model)}"
    except OSError:
        return build(model)
    found = _mapped(folder)
    if found is not None:
        return found
    arrays = build(model)
    try:
        _write(folder, arrays)
    except OSError as exc:  # a read-only home, a full disk: the cache is only a shortcut
        log.debug("model cache: not written (%s)", exc)
        return arrays
    return _mapped(folder) or arrays


def _file_digest(path: Path) -> str:
    return xxhash.xxh3_128_hexdigest(path.read_bytes())


def _array_digest(array: np.ndarray) -> str:
    return xxhash.xxh3_128_hexdigest(np.ascontiguousarray(array).data.cast("B"))


def _mapped(folder: Path) -> dict[str, np.ndarray] | None:
    """The entry's arrays, mapped read-only, if it is whole and every file matches its digest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        if manifest.get("version") != VERSION:
            return None
        arrays: dict[str, np.ndarray] = {}
        for name, digest in manifest["arrays"].items():
            array = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            if _array_digest(array) != digest:
                log.warning("model cache: %s does not match its digest; not used", folder / name)
                return None
            arrays[name] = array
        return arrays
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        digests = {}
        for name, array in arrays.items():
            np.save(staging / f"{name}.npy", array, allow_pickle=False)
            digests[name] = _array_digest(array)
        manifest = {"version": VERSION, "arrays": digests}
        (staging / MANIFEST).write_text(json.dumps(manifest), "utf-8")
        try:
            staging.rename(folder)
        except OSError:  # another process wrote the entry first: it is the same
            if not folder.is_dir():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
