"""JSON Lines, plain, gzip or zstd compressed. A line that is not a JSON object with a text
field is quarantined; a compressed stream that breaks off quarantines the rest of the file."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import orjson
import zstandard

from thresher.document import (
    DESCRIPTIVE_KEYS,
    INPUT,
    POSITION,
    SOURCE,
    THRESHER_KEYS,
    Document,
)
from thresher.readers.base import MAX_RECORD_BYTES, Quarantined, record_id
from thresher.storage import RemotePath

_STREAM_ERRORS = (OSError, EOFError, zlib.error, zstandard.ZstdError)


@contextmanager
def open_binary(path: Path | RemotePath) -> Iterator[IO[bytes]]:
    """Open a file for reading, decompressing by its suffix (.gz, .zst)."""
    with path.open("rb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream  # type: ignore[misc]
        elif path.name.endswith(".zst"):
            yield io.BufferedReader(_ZstdStream(raw))
        else:
            yield raw


class _ZstdStream(io.RawIOBase):
    """Decompresses zstd frames one after another and raises on a frame that breaks off,
    which zstandard's own stream reader reports as a quiet end of file."""

    CHUNK = 1 << 16

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._decompressor = zstandard.ZstdDecompressor().decompressobj()
        self._pending = b""
        self._offset = 0
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._offset >= len(self._pending):
            chunk = self._raw.read(self.CHUNK)
            if not chunk:
                if self._started and not self._decompressor.eof:
                    raise zstandard.ZstdError("zstd frame is truncated")
                return 0
            self._started = True
            self._pending, self._offset = self._feed(chunk), 0
        # an offset into the pending bytes, not a re-slice per read: a chunk that inflates to
        # megabytes is copied out once, not once per read
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = self._pending[self._offset : self._offset + size]
        self._offset += size
        return size

    def _feed(self, chunk: bytes) -> bytes:
        out = self._decompressor.decompress(chunk)
        while self._decompressor.eof and self._decompressor.unused_data:
            rest = self._decompressor.unused_data
            self._decompressor = zstandard.ZstdDecompressor().decompressobj()
            out += self._decompressor.decompress(rest)
        return out


def read_jsonl_file(
    path: Path | RemotePath,
    source: str,
    text_field: str,
    id_field: str,
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[Document | Quarantined]:
    line_no = 0
    try:
        with open_binary(path) as stream:
            for line_no, line in enumerate(_bounded_lines(stream, max_record_bytes), start=1):
                if line is None:
                    error = (
                        f"the line is longer than max_record_bytes ({max_record_bytes}); skipped"
                    )
                    yield Quarantined(source, f"line {line_no}", error)
                elif line.strip():
                    yield _parse_line(line, source, line_no, text_field, id_field)
    except _STREAM_ERRORS as exc:
        yield Quarantined(source, f"after line {line_no}", f"unreadable stream: {exc}")


def _bounded_lines(stream: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The stream's lines, or None for a line longer than `limit`, which is read past in
    pieces of at most `limit` bytes: memory stays bounded whatever the (decompressed) input."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or (len(line) == limit + 1 and line.endswith(b"\n")):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(limit)
        yield None


def _parse_line(
    line: bytes, source: str, line_no: int, text_field: str, id_field: str
) -> Document | Quarantined:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Quarantined(source, f"line {line_no}", f"malformed JSON: {exc}")
    if not isinstance(record, dict):
        return Quarantined(source, f"line {line_no}", "not a JSON object")
    return document_from_record(record, source, line_no, text_field, id_field)


def document_from_record(
    record: dict[str, Any], source: str, position: int, text_field: str, id_field: str
) -> Document | Quarantined:
    """A document from a flat record (a JSON object, a Parquet row): the text field, an optional
    id field, and every other field as metadata (`input_metadata` says where)."""
    text = record.pop(text_field, None)
    if not isinstance(text, str):
        found = "missing" if text is None else f"a {type(text).__name__}"
        return Quarantined(source, f"record {position}", f"field {text_field!r} is {found}")
    given_id = record.pop(id_field, None) if id_field else None
    metadata = input_metadata(record)
    metadata[SOURCE], metadata[POSITION] = source, position
    doc_id = str(given_id) if given_id not in (None, "") else record_id(source, position)
    return Document(id=doc_id, text=text, metadata=metadata)


def input_metadata(fields: dict[str, Any]) -> dict[str, Any]:
    """The record's fields as metadata, nothing lost or replaced: each under its own name,
    except a name thresher writes itself (THRESHER_KEYS: its provenance, the steps' findings, a
    nested `metadata` object), kept unchanged under `metadata.input`. A nested metadata
    object's url, date, http_status and title are copied to the top where the record has
    none there, so the steps that read them find them."""
    metadata: dict[str, Any] = {}
    kept_apart: dict[str, Any] = {}
    for name, value in fields.items():
        (kept_apart if name in THRESHER_KEYS else metadata)[name] = value
    nested = kept_apart.get("metadata")
    if isinstance(nested, dict):
        for name in DESCRIPTIVE_KEYS:
            if name in nested and name not in metadata:
                metadata[name] = nested[name]
    if kept_apart:
        metadata[INPUT] = kept_apart
    return metadata
