"""Readers: one module per format; `read_file` picks by file name."""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from thresher.document import Document
from thresher.errors import ConfigError, InputError
from thresher.readers.arc import read_arc_file
from thresher.readers.base import MAX_RECORD_BYTES, Quarantined
from thresher.readers.html import read_html_file
from thresher.readers.jsonl import read_jsonl_file
from thresher.readers.parquet import read_parquet_file
from thresher.readers.record import parse_record, read_record_file
from thresher.readers.warc import page_options, read_warc_file
from thresher.storage import RemotePath, common_prefix, is_url, list_files

FORMATS = {
    ".txt": "record",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson.gz": "jsonl",
    ".jsonl.zst": "jsonl",
    ".ndjson.zst": "jsonl",
    # dolma names its JSON Lines shards `.json.gz`; a plain `.json` is more often one JSON
    # document (a config, a manifest) than lines: it is skipped, and named
    ".json.gz": "jsonl",
    ".json.zst": "jsonl",
    ".parquet": "parquet",
    ".warc": "warc",
    ".warc.gz": "warc",
    ".warc.zst": "warc",
    ".warc.lz4": "warc",
    ".wet": "warc",
    ".wet.gz": "warc",
    ".arc": "arc",
    ".arc.gz": "arc",
    ".html": "html",
    ".htm": "html",
    ".html.gz": "html",
    ".htm.gz": "html",
}


_NAMES_SHOWN = 5  # names quoted in a message


@dataclass(frozen=True, order=True)
class InputFile:
    """An input file and its stable source name: its path from the folder that holds every
    input argument (for one folder argument, the path from that folder's parent)."""

    source: str
    path: Path | RemotePath  # RemotePath: a file in a store (thresher.storage)
    format: str

    def size(self) -> int | None:
        """The file's size now; None where it cannot be read (gone since it was found: its
        reader quarantines it)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return None


@dataclass
class Inputs:
    """What discovery found: the files to read (sorted by source name, each once), the files
    skipped (of an unknown format, or not regular files: links to nothing, FIFOs, devices,
    sockets), and warnings (a file named more than once, a file skipped that is not a regular
    file, saying what it is)."""

    files: list[InputFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def require_records(self, inputs: list[str]) -> None:
        """Refuse, before any work, inputs that hold nothing to read: no file of a known format,
        or only empty files."""
        named = ", ".join(inputs[:_NAMES_SHOWN]) + (" ..." if len(inputs) > _NAMES_SHOWN else "")
        if not self.files:
            skipped = ""
            if self.skipped:
                shown = ", ".join(self.skipped[:_NAMES_SHOWN])
                more = " ..." if len(self.skipped) > _NAMES_SHOWN else ""
                skipped = f" (skipped {len(self.skipped)}: {shown}{more})"
            raise InputError(
                f"nothing to read in {named}: no regular file of a known format{skipped}; known"
                f" suffixes: {', '.join(FORMATS)}"
            )
        if all(item.size() == 0 for item in self.files):
            raise InputError(f"nothing to read in {named}: every input file is empty")


def format_of(path: Path | RemotePath) -> str | None:
    name = path.name.lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    return None


def input_file(path: str | Path) -> InputFile:
    """One file to read on its own (`thresher clean`), named by its file name; an InputError
    for a path that is missing, a folder, not a regular file (never opened: a FIFO would
    block) or of an unknown format."""
    path = Path(path)
    kind = _not_regular(path)
    if kind is not None:
        raise InputError(f"{path}: {kind}")
    fmt = format_of(path)
    if fmt is None:
        raise InputError(f"{path}: unknown format; known suffixes: {', '.join(FORMATS)}")
    return InputFile(path.name, path, fmt)


def _not_regular(path: Path) -> str | None:
    """Why `path` is not a file to read (a link followed), or None for a regular file. Nothing
    is opened."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR) and path.is_symlink():
            return "a link to a missing file"
        if exc.errno == errno.ELOOP:
            return "a link that loops"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "no such file or folder"
        raise InputError(f"{path}: cannot read this input ({exc.strerror})") from exc
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    return f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'of an unknown kind')})"


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def discover(inputs: list[str]) -> tuple[list[InputFile], list[str]]:
    """The readable files under `inputs`, sorted by source name, and the files skipped."""
    found = find_inputs(inputs)
    return found.files, found.skipped


def find_inputs(inputs: list[str]) -> Inputs:
    """The files under `inputs` (files or folders; symlinked folders are followed). Source names
    are paths from the folder holding every argument, so no two inputs share one; a file or
    folder named twice (the same argument, a folder and a file in it, a link) is read once,
    with a warning. An entry below a folder that is not a regular file (a link to nothing, a
    FIFO, a device, a socket) is never opened: it is skipped, with a warning saying what it
    is; given as an argument, it is refused. The result does not depend on the order of the
    arguments."""
    if any(is_url(arg) for arg in inputs):
        return _find_in_store(inputs)
    given = {_checked_root(arg): arg for arg in reversed(inputs)}  # to name it as the user did
    named = Counter(_checked_root(arg) for arg in inputs)
    roots = sorted(named)
    base = _common_folder(roots)
    found = Inputs()
    candidates: dict[tuple[int, int], list[InputFile]] = {}
    folders: dict[str, str] = {}  # each folder walked, by its real path: its source name
    for root in roots:
        if root.is_file():
            paths = [root] * named[root]  # named twice: read once, one warning (below)
        else:
            if named[root] > 1:
                found.warnings.append(_named_times(_source_name(root, base), named[root]))
            paths = _files_under(root, base, folders, found)
        for path in paths:
            source = _source_name(path, base)
            fmt = format_of(path)
            if fmt is not None:
                candidates.setdefault(_identity(path), []).append(InputFile(source, path, fmt))
            elif path is root:
                known = ", ".join(FORMATS)
                raise InputError(f"{given[root]}: unknown format; known suffixes: {known}")
            else:
                found.skipped.append(source)
    for names in candidates.values():
        first = min(names)
        found.files.append(first)
        times = Counter(item.source for item in names)
        for source in sorted(times):
            if source != first.source:
                found.warnings.append(_named_twice(source, first.source))
            elif times[source] > 1:
                found.warnings.append(_named_times(source, times[source]))
    found.files.sort()
    found.skipped.sort()
    return found


def _find_in_store(inputs: list[str]) -> Inputs:
    """`find_inputs` for URLs: the files at or below each (a store has no links or devices);
    a folder holding a thresher run (a run.json of thresher's) is output, left out."""
    if not all(is_url(arg) for arg in inputs):
        raise ConfigError(
            "inputs mix local paths and store URLs; give one kind per run (copy the local"
            " files to the store, or the store's files here)"
        )
    schemes = sorted({arg.split("://", 1)[0] for arg in inputs})  # as written: names follow
    if len(schemes) > 1:
        raise ConfigError(
            f"inputs in more than one kind of store ({', '.join(schemes)}); give one per run"
        )
    from thresher.run.state import run_record  # here: thresher.run imports readers

    found = Inputs()
    named = Counter(arg.rstrip("/") for arg in inputs)
    base = common_prefix(sorted(named))
    seen: dict[str, str] = {}  # URL: the argument that found it first
    for arg in sorted(named):
        if named[arg] > 1:
            found.warnings.append(_named_times(_url_source(arg, base), named[arg]))
        files = list_files(arg)
        runs = [
            item.url[: -len("/run.json")]
            for item in files
            if item.url.endswith("/run.json") and run_record(item.read_bytes()) is not None
        ]
        for item in files:
            if any(item.url.startswith(run + "/") for run in runs):
                continue
            source = _url_source(item.url, base)
            if item.url in seen:
                if seen[item.url] != arg:
                    found.warnings.append(_named_twice(source, source))
                continue
            seen[item.url] = arg
            fmt = format_of(item)
            if fmt is not None:
                found.files.append(InputFile(source, item, fmt))
            elif item.url == arg:
                known = ", ".join(FORMATS)
                raise InputError(f"{arg}: unknown format; known suffixes: {known}")
            else:
                found.skipped.append(source)
    found.files.sort()
    found.skipped.sort()
    return found


def _url_source(url: str, base: str) -> str:
    return url[len(base) + 1 :] if url.startswith(base + "/") else url.rsplit("/", 1)[-1]


def _checked_root(arg: str) -> Path:
    """The argument as an absolute path (links kept: they name the sources): a folder or a
    regular file, never opened here."""
    root = Path(os.path.abspath(arg))
    kind = _not_regular(root)
    if kind is not None and kind != "a folder, not a file":
        raise InputError(f"{arg}: {kind}")
    return root


def _common_folder(roots: list[Path]) -> str:
    """The folder that holds every argument's parent: one folder argument `corpus` names its
    files `corpus/...`, two files `c1/a/rec.txt` and `c1/b/rec.txt` are `a/rec.txt` and
    `b/rec.txt`."""
    return os.path.commonpath([str(root.parent) for root in roots]) if roots else "."


def _source_name(path: Path | str, base: str) -> str:
    return os.path.relpath(path, base).replace(os.sep, "/")


def _named_twice(again: str, first: str) -> str:
    if again == first:
        return f"{first} is named more than once: read once"
    return f"{again} is the same as {first}: read once, as {first}"


def _named_times(source: str, times: int) -> str:
    return f"{source} is named {times} times: read once"


def _identity(path: Path) -> tuple[int, int]:
    """What makes two paths one file: its device and inode (links and hard links alike)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise InputError(f"{path}: cannot read this input ({exc.strerror})") from exc
    return stat.st_dev, stat.st_ino


def _files_under(root: Path, base: str, folders: dict[str, str], found: Inputs) -> list[Path]:
    """Every regular file below `root`, sorted. Symlinked folders are followed, but no folder
    is entered twice (`folders`: the real paths walked so far, for every argument), so a link
    back up cannot loop. Any other entry (a link to nothing, a FIFO, a device, a socket) is
    added to `found.skipped`, with a warning saying what it is, and never opened. A folder that
    cannot be listed stops the run (its records would be lost silently otherwise)."""

    from thresher.run.state import is_run_folder  # here: thresher.run imports readers

    def fail(exc: OSError) -> None:
        raise InputError(
            f"{exc.filename}: cannot list this input folder ({exc.strerror}); fix its"
            " permissions or leave it out of the inputs"
        ) from exc

    files: list[Path] = []
    for folder, subfolders, names in os.walk(root, onerror=fail, followlinks=True):
        subfolders.sort()  # a fixed walk: which of two links to one folder names it
        real, source = os.path.realpath(folder), _source_name(folder, base)
        if real in folders:
            subfolders.clear()
            found.warnings.append(_named_twice(source, folders[real]))
            continue
        folders[real] = source
        # a thresher run folder below an input is output, never read back as input
        subfolders[:] = [d for d in subfolders if not is_run_folder(Path(folder) / d)]
        files.extend(Path(folder) / name for name in names)
    regular = []
    for path in sorted(files):
        kind = _not_regular(path)
        if kind is None:
            regular.append(path)
        else:
            source = _source_name(path, base)
            found.skipped.append(source)
            found.warnings.append(f"{source}: {kind}; skipped")
    return regular


def read_file(
    item: InputFile,
    text_field: str = "text",
    id_field: str = "id",
    max_record_bytes: int = MAX_RECORD_BYTES,
    *,
    extract: bool = True,
) -> Iterator[Document | Quarantined]:
    """The file's records, in order; a record over `max_record_bytes` is quarantined unread,
    a fetched page over it (WARC, ARC, HTML) rejected `page-too-large` unread. `extract` off:
    a page's text is its decoded HTML, not its extracted main text."""
    pages = page_options(max_record_bytes, extract)
    if item.format == "record":
        return read_record_file(item.path, item.source, max_record_bytes)
    if item.format == "jsonl":
        return read_jsonl_file(item.path, item.source, text_field, id_field, max_record_bytes)
    if item.format == "warc":
        return read_warc_file(item.path, item.source, pages)
    if item.format == "html":
        return read_html_file(item.path, item.source, pages)
    if item.format == "arc":
        return read_arc_file(item.path, item.source, pages)
    return read_parquet_file(item.path, item.source, text_field, id_field, max_record_bytes)


__all__ = [
    "InputFile",
    "Inputs",
    "Quarantined",
    "discover",
    "find_inputs",
    "format_of",
    "input_file",
    "parse_record",
    "read_file",
]
