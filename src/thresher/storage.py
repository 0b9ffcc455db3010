"""Object storage: inputs, run folders and dedup indexes at any fsspec URL (s3://, gs://,
hf://, ...). Local paths never come here: they stay plain paths, with no overhead.

Inputs are read where they lie, streamed by the task that reads them (`RemotePath`).

A run folder or an index at a URL is worked in a local copy, its stage (`Mirror`): the stage
is filled from the store when the run starts, the run writes in it exactly as in a local
folder, and the driver copies what changed to the store as chunks finish. A store has no
rename, so each copy sends files in an order that leaves the store, at every moment, as a
local run killed at some moment would leave its folder: the data files first, then the small
`*.json` files that commit them (a chunk's done record, a pass's markers, `run.json`, an
index's manifest). Files gone from the stage (a replaced run, intermediates dropped at the
end) go from the store too, markers first; only files the stage had from the store, or sent
to it, are ever removed there.

How a store is reached (endpoint, credentials) is fsspec's configuration: its `FSSPEC_*`
environment variables (`FSSPEC_S3_ENDPOINT_URL=http://127.0.0.1:9000`) or the store's own
(`AWS_PROFILE`, ...)."""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson
import xxhash

from thresher.errors import ConfigError, InputError, OutputError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# Files never sent to a store: another process's lock, and what is being written
_LOCAL_ONLY = ("lock",)
_PARTIAL = ".partial"
STAGE_MARK = "stage.json"  # beside a stage's folders: the URLs it stages (it is thresher's)


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether `location` names a store (`s3://bucket/key`), not a local path. `file://` is
    a local path written as a URL: it is a store too, read through fsspec (tests use it)."""
    return _SCHEME.match(str(location)) is not None


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem that serves `url`, and the path in it; a ConfigError naming the
    package to install when the protocol's is missing."""
    import fsspec.core

    try:
        fs, path = fsspec.core.url_to_fs(url)
        return fs, str(path)
    except (ImportError, ValueError) as exc:
        scheme = url.split("://", 1)[0]
        raise ConfigError(
            f"{url}: cannot open a {scheme}:// store ({exc}); install its fsspec package"
            " (s3://: pip install 'thresher[s3]')"
        ) from exc


def _join(root: str, relative: str) -> str:
    return f"{root.rstrip('/')}/{relative}" if relative else root


@dataclass(frozen=True)
class RemoteStat:
    """The two fields of `os.stat_result` a run reads of an input: its size and when it was
    last written (0 where the store does not say)."""

    st_size: int
    st_mtime_ns: int


@dataclass(frozen=True, order=True)
class RemotePath:
    """An input file in a store: what the readers use of a `Path` (name, open, stat, read),
    pickled as its URL and listing, so that each task opens it where it runs. Its size and
    time are the listing's: what the run was started on."""

    url: str
    size: int = 0
    mtime_ns: int = 0

    def __str__(self) -> str:
        return self.url

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    def open(self, mode: str = "rb") -> IO[bytes]:
        """The file as a buffered binary stream (fsspec's own lacks `readline(limit)`)."""
        if mode != "rb":
            raise ValueError(f"{self.url}: an input is only read ('rb'), not {mode!r}")
        fs, path = filesystem(self.url)
        return io.BufferedReader(fs.open(path, "rb"), buffer_size=1 << 20)

    def read_bytes(self) -> bytes:
        with self.open("rb") as stream:
            return stream.read()

    def stat(self) -> RemoteStat:
        return RemoteStat(self.size, self.mtime_ns)

    def resolve(self) -> RemotePath:
        return self


def _stat(info: dict[str, Any]) -> RemoteStat:
    """Size and modification time from an fsspec listing entry, whatever the store calls it."""
    when = next(
        (
            info[key]
            for key in ("LastModified", "mtime", "updated", "last_modified")
            if info.get(key) is not None
        ),
        None,
    )
    if isinstance(when, datetime):
        nanos = int(when.timestamp() * 1e9)
    elif isinstance(when, (int, float)):
        nanos = int(when * 1e9)
    elif isinstance(when, str):
        nanos = int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp() * 1e9)
    else:
        nanos = 0
    return RemoteStat(int(info.get("size") or 0), nanos)


def list_files(url: str) -> list[RemotePath]:
    """Every file at or below `url`, sorted; an InputError when there is none there (a store
    has no empty folders: nothing there is a missing input)."""
    fs, root = filesystem(url)
    try:
        fs.invalidate_cache()  # a listing fsspec kept from before is not what is there now
        found = fs.find(root, detail=True)
    except (OSError, ValueError) as exc:
        raise InputError(f"{url}: cannot list this input ({exc})") from exc
    if not found:
        raise InputError(f"{url}: no such file or folder in the store")
    # the URL of each path found: the given URL's text, with the path's part below its root
    files = []
    for path, info in sorted(found.items()):
        root_path = root.rstrip("/")
        if info.get("type", "file") != "file" or not (
            path == root_path or path.startswith(root_path + "/")
        ):
            continue
        below = path[len(root_path) :]
        stat = _stat(info)
        files.append(
            RemotePath(url.rstrip("/") + below if below else url, stat.st_size, stat.st_mtime_ns)
        )
    return files


def common_prefix(urls: list[str]) -> str:
    """The folder that holds every URL's parent (the base of inputs' source names)."""
    parents = [url.rstrip("/").rsplit("/", 1)[0].split("/") for url in urls]
    common = parents[0]
    for parts in parents[1:]:
        length = next(
            (i for i, (a, b) in enumerate(zip(common, parts, strict=False)) if a != b),
            min(len(common), len(parts)),
        )
        common = common[:length]
    return "/".join(common)


def overlaps(one: str, other: str) -> bool:
    """Whether two URLs are the same folder or one lies inside the other."""
    first, second = one.rstrip("/") + "/", other.rstrip("/") + "/"
    return first.startswith(second) or second.startswith(first)


def default_stage(url: str) -> Path:
    """Where a URL is staged unless told: $THRESHER_STAGE, else the user's cache folder, one
    folder per URL."""
    base = os.environ.get("THRESHER_STAGE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "thresher", "stage"
    )
    return Path(base) / xxhash.xxh64_hexdigest(url.encode("utf-8"))


class Mirror:
    """A folder at a URL and its local stage. `fill` empties the stage and copies the store's
    files into it; `push` sends the stage's changes, in commit order (see the module)."""

    def __init__(self, url: str, local: Path) -> None:
        self.url = url.rstrip("/")
        self.local = local
        self.fs, self.root = filesystem(self.url)
        self._synced: dict[str, tuple[int, int]] = {}  # relative path: (size, mtime_ns) sent

    def remote_files(self) -> list[str]:
        """The store's files below the folder, relative to it (`.partial` left out)."""
        try:
            self.fs.invalidate_cache()
            found = self.fs.find(self.root)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise OutputError(f"{self.url}: cannot list this folder in the store: {exc}") from exc
        prefix = self.root.rstrip("/") + "/"
        return sorted(p[len(prefix) :] for p in found if p.startswith(prefix))

    def fill(self) -> list[str]:
        """Copy the store's folder into the (emptied) stage; the files copied."""
        if self.local.exists():
            shutil.rmtree(self.local)
        self.local.mkdir(parents=True)
        names = [name for name in self.remote_files() if _sendable(name)]
        if names:
            targets = [str(self.local / name) for name in names]
            for target in targets:
                os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                self.fs.get([_join(self.root, name) for name in names], targets)
            except OSError as exc:
                raise OutputError(f"{self.url}: cannot copy it from the store: {exc}") from exc
        self._synced = {name: _local_state(self.local / name) for name in names}
        return names

    def push(self) -> int:
        """Send what changed in the stage since the last push: markers gone, then data gone,
        then data, then markers. The number of files sent or removed. Markers are listed
        before data: a marker is written after its data, so its data is in the later list."""
        markers = {name: state for name, state in _walk(self.local) if _is_marker(name)}
        now = {name: state for name, state in _walk(self.local) if not _is_marker(name)}
        now.update(markers)
        gone = [name for name in self._synced if name not in now]
        changed = [name for name, state in now.items() if self._synced.get(name) != state]
        try:
            for batch in _split(gone, markers_first=True):
                self.fs.rm([_join(self.root, name) for name in batch])
                for name in batch:
                    del self._synced[name]
            for batch in _split(changed, markers_first=False):
                sources = [str(self.local / name) for name in batch]
                self.fs.put(sources, [_join(self.root, name) for name in batch])
                for name in batch:
                    self._synced[name] = now[name]
        except OSError as exc:
            raise OutputError(
                f"{self.url}: cannot copy the run's files to the store: {exc}. Run the same"
                " command again to resume (what reached the store is kept)"
            ) from exc
        return len(gone) + len(changed)


def _split(names: list[str], markers_first: bool) -> list[list[str]]:
    """`names` in two batches, markers and data, in the order asked; empty batches dropped."""
    markers = [name for name in names if _is_marker(name)]
    data = [name for name in names if not _is_marker(name)]
    ordered = [markers, data] if markers_first else [data, markers]
    return [batch for batch in ordered if batch]


def publish(url: str, folder: Path, name: str) -> str:
    """Copy one finished file of a staged folder to the store; its URL."""
    fs, root = filesystem(url)
    target = _join(root, name)
    try:
        fs.put_file(str(folder / name), target)
    except OSError as exc:
        raise OutputError(f"{url}: cannot copy {name} to the store: {exc}") from exc
    return f"{url.rstrip('/')}/{name}"


def _is_marker(name: str) -> bool:
    """A file that commits others: a done record, a pass's marker, run.json, an index's
    manifest, the summary (every one of them a small `.json`), and the run's id."""
    return name.endswith(".json") or name.rsplit("/", 1)[-1] == "id"


def _sendable(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base not in _LOCAL_ONLY and not base.endswith(_PARTIAL)


def _local_state(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _walk(folder: Path) -> Iterator[tuple[str, tuple[int, int]]]:
    for parent, _, names in os.walk(folder):
        for name in names:
            path = Path(parent) / name
            relative = path.relative_to(folder).as_posix()
            if _sendable(relative):
                try:
                    yield relative, _local_state(path)
                except FileNotFoundError:  # removed since the listing: gone
                    continue


class Pusher:
    """Pushes mirrors at most every `seconds` (a chunk done asks; the end forces)."""

    def __init__(self, mirrors: list[Mirror], seconds: float) -> None:
        self.mirrors, self.seconds = mirrors, seconds
        self._last = time.monotonic()

    def __call__(self, force: bool = False) -> None:
        if force or time.monotonic() - self._last >= self.seconds:
            for mirror in self.mirrors:
                mirror.push()
            self._last = time.monotonic()


def claim_stage(stage: Path, urls: dict[str, str], ignore: tuple[str, ...] = ()) -> None:
    """Take `stage` for these URLs: an empty folder (`ignore`d names aside), or one thresher
    staged the same URLs in (its `stage.json` says so); anything else is someone's folder and
    is refused."""
    mark = stage / STAGE_MARK
    held = [entry for entry in stage.iterdir() if entry.name not in ignore]
    if held:
        try:
            known = orjson.loads(mark.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            known = None
        if known != urls:
            raise ConfigError(
                f"stage folder {stage}: not empty and not thresher's stage of"
                f" {' '.join(url for url in urls.values() if url)}; give --stage an empty"
                " folder (or the one an earlier run of these URLs used)"
            )
    mark.write_bytes(orjson.dumps(urls))
