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
from collections.abc import Callable, Iterator
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
_PARTIAL = re.compile(r"\.partial(?:[./]|$)")
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
        """The file as a buffered binary stream (fsspec's own lacks `readline(limit)`). A
        failure to fetch its bytes is an InputError, not an OSError that a reader would take
        for damaged data and quarantine: the run stops, and resuming fetches them again."""
        if mode != "rb":
            raise ValueError(f"{self.url}: an input is only read ('rb'), not {mode!r}")
        fs, path = filesystem(self.url)
        try:
            raw = fs.open(path, "rb")
        except Exception as exc:
            raise _fetch_error(self.url, exc) from exc
        return io.BufferedReader(_StoreStream(raw, self.url), buffer_size=1 << 20)

    def read_bytes(self) -> bytes:
        with self.open("rb") as stream:
            return stream.read()

    def stat(self) -> RemoteStat:
        return RemoteStat(self.size, self.mtime_ns)

    def resolve(self) -> RemotePath:
        return self


def _fetch_error(url: str, exc: Exception) -> InputError:
    return InputError(
        f"{url}: cannot read it from the store ({type(exc).__name__}: {exc}); run the same"
        " command again to resume"
    )


class _StoreStream(io.RawIOBase):
    """A store file's bytes, with fetching errors as InputError (see `RemotePath.open`)."""

    def __init__(self, raw: Any, url: str) -> None:
        super().__init__()
        self._raw, self._url = raw, url

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._raw.read(len(buffer))
        except Exception as exc:
            raise _fetch_error(self._url, exc) from exc
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._raw.seek(offset, whence))

    def tell(self) -> int:
        return int(self._raw.tell())

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


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


@dataclass(frozen=True)
class CommitOrder:
    """What a folder's files commit, for a store that has no rename. `tier(name)`: None for a
    data file; for a marker, its rank: a marker is sent after every data file and every
    marker of a lower rank, and removed before them. `late(name)`: a data file that a marker
    rewritten in place (a manifest) lists: removed only after the markers are sent."""

    tier: Callable[[str], int | None]
    late: Callable[[str], bool]
    local: Callable[[str], bool] = lambda name: False  # never sent: this machine's own


class Mirror:
    """A folder at a URL and its local stage. `fill` empties the stage and copies the store's
    files into it; `push` sends the stage's changes in `order` (see the module)."""

    def __init__(self, url: str, local: Path, order: CommitOrder) -> None:
        self.url = url.rstrip("/")
        self.local = local
        self.order = order
        self.fs, self.root = filesystem(self.url)
        if hasattr(self.fs, "auto_mkdir"):  # a file:// store: its folders made as files come
            self.fs.auto_mkdir = True
        self._synced: dict[str, tuple[int, int]] = {}  # relative path: (size, mtime_ns) sent

    def remote_files(self) -> list[str]:
        """The store's files below the folder, relative to it."""
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
        """Copy the store's folder into the stage, emptied first; the files copied."""
        if self.local.exists():
            shutil.rmtree(self.local)
        self.local.mkdir(parents=True)
        names = [name for name in self.remote_files() if self._sendable(name)]
        if names:
            targets = [str(self.local / name) for name in names]
            for target in targets:
                os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                self.fs.get([_join(self.root, name) for name in names], targets)
            except OSError as exc:
                raise OutputError(f"{self.url}: cannot read it from the store: {exc}") from exc
        self._synced = {name: _local_state(self.local / name) for name in names}
        return names

    def push(self) -> int:
        """Send what changed in the stage since the last push; the number of files sent or
        removed. In order: markers gone (highest rank first), data gone (but `late`), data,
        markers (lowest rank first, one rank at a time: a store sends a batch at once), then
        the `late` data gone. Markers are listed before data: a marker is written after its
        data, so its data is in the later list."""
        tier = self.order.tier
        markers = {name: state for name, state in self._walk() if tier(name) is not None}
        now = {name: state for name, state in self._walk() if tier(name) is None}
        now.update(markers)
        gone = [name for name in self._synced if name not in now]
        changed = [name for name, state in now.items() if self._synced.get(name) != state]
        gone_data = [name for name in gone if tier(name) is None]
        try:
            for batch in _ranked([n for n in gone if tier(n) is not None], tier, reverse=True):
                self._remove(batch)
            self._remove([name for name in gone_data if not self.order.late(name)])
            self._send([name for name in changed if tier(name) is None], now)
            for batch in _ranked([n for n in changed if tier(n) is not None], tier):
                self._send(batch, now)
            self._remove([name for name in gone_data if self.order.late(name)])
        except OSError as exc:
            raise OutputError(
                f"{self.url}: cannot copy the run's files to the store: {exc}. Run the same"
                " command again to resume (what reached the store is kept)"
            ) from exc
        return len(gone) + len(changed)

    def _sendable(self, name: str) -> bool:
        """Not a lock, nor a file or folder being written (`x.partial`, `keys.npz.partial.npz`,
        `segments/00003.partial/...`), nor one the order keeps local."""
        base = name.rsplit("/", 1)[-1]
        return (
            base not in _LOCAL_ONLY and _PARTIAL.search(name) is None and not self.order.local(name)
        )

    def _walk(self) -> Iterator[tuple[str, tuple[int, int]]]:
        for parent, _, names in os.walk(self.local):
            for name in names:
                path = Path(parent) / name
                relative = path.relative_to(self.local).as_posix()
                if self._sendable(relative):
                    try:
                        yield relative, _local_state(path)
                    except FileNotFoundError:  # removed since the listing: gone
                        continue

    def _remove(self, names: list[str]) -> None:
        if names:
            self.fs.rm([_join(self.root, name) for name in names])
        for name in names:
            self._synced.pop(name, None)

    def _send(self, names: list[str], states: dict[str, tuple[int, int]]) -> None:
        """Send `names`; one that left the stage since it was listed is not sent (files are
        written whole under a temporary name, so one listed is never half written)."""
        present = [name for name in names if (self.local / name).is_file()]
        if present:
            self.fs.put(
                [str(self.local / name) for name in present],
                [_join(self.root, name) for name in present],
            )
        for name in present:
            self._synced[name] = states[name]


def _ranked(
    names: list[str], tier: Callable[[str], int | None], reverse: bool = False
) -> list[list[str]]:
    """`names` grouped by rank, in rank order."""
    ranks: dict[int, list[str]] = {}
    for name in names:
        ranks.setdefault(tier(name) or 0, []).append(name)
    return [ranks[rank] for rank in sorted(ranks, reverse=reverse)]


def publish(url: str, folder: Path, name: str) -> str:
    """Copy one finished file of a staged folder to the store; its URL."""
    fs, root = filesystem(url)
    target = _join(root, name)
    try:
        fs.put_file(str(folder / name), target)
    except OSError as exc:
        raise OutputError(f"{url}: cannot copy {name} to the store: {exc}") from exc
    return f"{url.rstrip('/')}/{name}"


def _local_state(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


class Pusher:
    """Pushes mirrors in order, at most every `seconds` unless forced (a chunk's end asks; a
    pass's end, the start and the end force)."""

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
    is refused, untouched."""
    if stage.exists() and not stage.is_dir():
        raise ConfigError(f"stage folder {stage}: not a folder; give --stage a folder")
    entries = list(stage.iterdir()) if stage.is_dir() else []
    held = [entry for entry in entries if entry.name not in ignore]
    if held:
        try:
            known = orjson.loads((stage / STAGE_MARK).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            known = None
        if known != urls:
            raise ConfigError(
                f"stage folder {stage}: not empty and not thresher's stage of"
                f" {' '.join(url for url in urls.values() if url)}; give --stage an empty"
                " folder (or the one an earlier run of these URLs used)"
            )
