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
with them, is passed over and the model loaded from its package as before (and the entry written
anew). Entries are written under a temporary name and renamed whole; nothing is ever deleted
but this module's own entries and temporary folders (named after the model file and its hash).
Arrays are loaded with `allow_pickle=False`, from files named in the entry's manifest only if
the names are plain words.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path

import numpy as np
import xxhash

log = logging.getLogger(__name__)

ENV = "THRESHER_CACHE_DIR"
MANIFEST = "manifest.json"
VERSION = 1


def cache_root() -> Path | None:
    """Where entries go; None when the cache is off or there is nowhere to put it (no home
    folder: a container's user without one)."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off") else Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG rule: a relative path is ignored
        return Path(xdg) / "thresher"
    try:
        return Path.home() / ".cache" / "thresher"
    except (RuntimeError, KeyError, OSError):
        return None


def load_or_build(
    model: Path, build: Callable[[Path], dict[str, np.ndarray]], names: Collection[str]
) -> dict[str, np.ndarray]:
    """The arrays `build(model)` gives (named `names`), mapped from the cache when it holds
    them for this very model file (by content), else built and then written there for the
    next process (an entry that does not hold exactly `names`, or whose files do not match
    their digests, is replaced)."""
    root = cache_root()
    if root is None:
        return build(model)
    try:
        # by the model's content and the arrays' names: another build of them (another
        # version of thresher) has an entry of its own
        layout = xxhash.xxh3_64_hexdigest(f"{VERSION}:{sorted(names)}".encode())
        folder = root / f"{model.name}-{_file_digest(model)}-{layout}"
    except OSError:
        return build(model)
    found = _mapped(folder, names)
    if found is not None:
        return found
    arrays = build(model)
    try:
        _write(folder, arrays)
    except OSError as exc:  # a read-only home, a full disk: the cache is only a shortcut
        log.debug("model cache: not written (%s)", exc)
        return arrays
    return _mapped(folder, names) or arrays


def _file_digest(path: Path) -> str:
    return xxhash.xxh3_128_hexdigest(path.read_bytes())


def _array_digest(array: np.ndarray) -> str:
    """Of the bytes, the type and the shape: the same bytes read as another array differ."""
    digest = xxhash.xxh3_128()
    digest.update(f"{array.dtype.str}{array.shape}".encode())
    digest.update(np.ascontiguousarray(array).data.cast("B"))
    return digest.hexdigest()


def _mapped(folder: Path, names: Collection[str]) -> dict[str, np.ndarray] | None:
    """The entry's arrays, mapped read-only, if it holds exactly `names` and every file matches
    its digest; else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        listed = manifest["arrays"] if manifest.get("version") == VERSION else {}
        if set(listed) != set(names) or not all(map(_SAFE_NAME.fullmatch, listed)):
            return None
        arrays: dict[str, np.ndarray] = {}
        for name, digest in listed.items():
            array = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            if _array_digest(array) != digest:
                log.warning("model cache: %s does not match its digest; not used", folder / name)
                return None
            arrays[name] = array
        return arrays
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


_SAFE_NAME = re.compile(r"[a-z][a-z0-9_]*")  # an array's file name: nothing outside the entry


def _write(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """The entry, written in a staging folder and renamed into place; an entry already there
    (not usable, or the caller would not write) is first renamed aside, then removed."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        staging.chmod(0o755)  # mkdtemp's 0700 would keep the entry from other users
        digests = {}
        for name, array in arrays.items():
            np.save(staging / f"{name}.npy", array, allow_pickle=False)
            digests[name] = _array_digest(array)
        manifest = {"version": VERSION, "arrays": digests}
        (staging / MANIFEST).write_text(json.dumps(manifest), "utf-8")
        if folder.is_dir():  # a damaged or outdated entry of ours: aside, so that the rename
            aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
            with contextlib.suppress(OSError):  # another process moved it first
                folder.rename(aside / "entry")
        try:
            staging.rename(folder)
        except OSError:  # another process wrote the entry first
            if not folder.is_dir():
                raise
    finally:
        for leftover in (staging, *folder.parent.glob(f".{folder.name}.old.*")):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
