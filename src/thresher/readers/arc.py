"""ARC files (the Internet Archive's format before WARC, plain or gzipped), which FastWARC does
not read. A record is a header line `URL IP-ADDRESS ARCHIVE-DATE CONTENT-TYPE LENGTH`, then
LENGTH bytes (the HTTP response), then a newline; the first record describes the file. URLs
may hold spaces, so the header is read from the right. A header that does not parse, or a
record shorter than its length, quarantines the rest of the file. A record over the cap (the
smaller of `reader.max_record_bytes` and the extractor's 8 MiB) is rejected `page-too-large`
and read past unkept, in bounded pieces."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from thresher.document import DATE, POSITION, SOURCE, URL, Document, Rejection
from thresher.extract import TOO_LARGE
from thresher.readers.base import Quarantined
from thresher.readers.warc import (
    DEFAULT_PAGES,
    READER,
    RECORD_ID,
    WARC_DATE,
    PageOptions,
    page_document,
)
from thresher.storage import RemotePath

_MAX_HEADER = 8192
_CHUNK = 1 << 16


def read_arc_file(
    path: Path | RemotePath, source: str, pages: PageOptions = DEFAULT_PAGES
) -> Iterator[Document | Quarantined]:
    read = 0
    try:
        with path.open("rb") as raw:
            stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw) if _gzipped(raw) else raw)
            offset = 0
            first = True
            while True:
                line = stream.readline(_MAX_HEADER)
                if not line:
                    return
                position = offset
                offset += len(line)
                if not line.strip():
                    continue
                fields = line.decode("latin-1").rstrip("\r\n").rsplit(" ", 4)
                if len(fields) != 5 or not fields[4].isdigit():
                    yield Quarantined(source, f"byte {position}", f"bad ARC header: {line[:200]!r}")
                    return
                url, _ip, stamp, _type, length_field = fields
                length = int(length_field)
                payload: bytes | None = None
                if length > pages.max_bytes:  # never in memory: read past, then rejected
                    got = _skip(stream, length)
                else:
                    payload = stream.read(length)
                    got = len(payload)
                offset += got
                if got < length:
                    yield Quarantined(
                        source,
                        f"byte {position}",
                        f"truncated ARC record: {got} of {length} bytes",
                    )
                    return
                if first:  # the file's own description: version and field names
                    first = False
                    continue
                read += 1
                if payload is None:
                    yield _too_large(source, position, url, stamp, length, pages)
                else:
                    yield _document(source, position, url, stamp, payload, pages)
    except (OSError, EOFError, zlib.error) as exc:
        yield Quarantined(source, f"after record {read}", f"unreadable ARC: {exc}")


def _gzipped(raw: IO[bytes]) -> bool:
    magic = raw.read(2)
    raw.seek(0)
    return magic == b"\x1f\x8b"


def _skip(stream: IO[bytes], length: int) -> int:
    """Read past `length` bytes in bounded pieces; how many there were."""
    got = 0
    while got < length:
        piece = stream.read(min(_CHUNK, length - got))
        if not piece:
            break
        got += len(piece)
    return got


def _metadata(source: str, position: int, url: str, stamp: str) -> dict[str, Any]:
    doc_id = f"{source}:{position}"
    metadata: dict[str, Any] = {SOURCE: source, POSITION: position, RECORD_ID: doc_id}
    if url:
        metadata[URL] = url
    if len(stamp) >= 8 and stamp[:8].isdigit():
        metadata[WARC_DATE] = stamp
        metadata[DATE] = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
    return metadata


def _too_large(
    source: str, position: int, url: str, stamp: str, length: int, pages: PageOptions
) -> Document:
    metadata = _metadata(source, position, url, stamp)
    rejection = Rejection(READER, TOO_LARGE, pages.over(f"record of {length} bytes"))
    return Document(metadata[RECORD_ID], "", metadata, rejection=rejection)


def _document(
    source: str, position: int, url: str, stamp: str, payload: bytes, pages: PageOptions
) -> Document | Quarantined:
    metadata = _metadata(source, position, url, stamp)
    doc_id = metadata[RECORD_ID]
    head, sep, body = payload.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = payload.partition(b"\n\n")
    lines = head.decode("latin-1").splitlines()
    status: int | None = None
    headers: dict[str, str] = {}
    if lines and lines[0].startswith("HTTP/"):
        parts = lines[0].split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if colon:
                headers.setdefault(name.strip().lower(), value.strip())
    else:  # no HTTP envelope: the payload is the page
        body = payload
    return page_document(
        doc_id, metadata, status, lambda name: headers.get(name.lower()), body, url, pages
    )
