"""Readers: one module per format; `read_file` picks by file name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from thresher.document import Document
from thresher.errors import InputError
from thresher.readers.arc import read_arc_file
from thresher.readers.base import MAX_RECORD_BYTES, Quarantined
from thresher.readers.html import read_html_file
from thresher.readers.jsonl import read_jsonl_file
from thresher.readers.parquet import read_parquet_file
from thresher.readers.record import parse_record, read_record_file
from thresher.readers.warc import page_options, read_warc_file

FORMATS = {
    ".txt": "record",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson.gz": "jsonl",
    ".jsonl.zst": "jsonl",
    ".ndjson.zst": "jsonl",
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


@dataclass(frozen=True, order=True)
class InputFile:
    """An input file and its stable source name (the path from the input argument's parent)."""

    source: str
    path: Path
    format: str


def format_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    return None


def discover(inputs: list[str]) -> tuple[list[InputFile], list[str]]:
    """The readable files under `inputs`, sorted by source name, and the files skipped."""
    found: list[InputFile] = []
    skipped: list[str] = []
    for arg in inputs:
        root = Path(arg)
        if root.is_file():
            fmt = format_of(root)
            if fmt is None:
                raise InputError(f"{arg}: unknown format; known suffixes: {', '.join(FORMATS)}")
            found.append(InputFile(root.name, root, fmt))
        elif root.is_dir():
            for path in _files_under(root):
                source = path.relative_to(root.parent).as_posix()
                fmt = format_of(path)
                if fmt is None:
                    skipped.append(source)
                else:
                    found.append(InputFile(source, path, fmt))
        else:
            raise InputError(f"{arg}: no such file or folder")
    return sorted(found), skipped


def _files_under(root: Path) -> list[Path]:
    """Every file below `root`, sorted; a folder that cannot be listed stops the run (its
    records would be lost silently otherwise)."""

    def fail(exc: OSError) -> None:
        raise InputError(
            f"{exc.filename}: cannot list this input folder ({exc.strerror}); fix its"
            " permissions or leave it out of the inputs"
        ) from exc

    files: list[Path] = []
    for folder, _, names in os.walk(root, onerror=fail):
        files.extend(Path(folder) / name for name in names)
    return sorted(p for p in files if p.is_file())


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


__all__ = ["InputFile", "Quarantined", "discover", "format_of", "parse_record", "read_file"]
