"""WARC files (plain, gzip, zstd or lz4, detected from the bytes) and WET files, streamed with
FastWARC; the main content of HTML responses extracted on the way.

What counts as a record: a `response` record (and a WET `conversion` record, whose text is
already extracted). `warcinfo`, `request`, `metadata`, `revisit` and other records carry no
page and are not records of the run. A response that is not HTML (an image, JSON, a PDF) is
a record rejected by the reader, reason `not-html`; a redirect (3xx), reason `http-redirect`:
so the summary says how many of each the file held. A record whose payload is shorter than its
declared length is quarantined (`truncated record`); a parse error quarantines the rest of the
file, after the records already read.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from thresher.document import DATE, HTTP_STATUS, POSITION, SOURCE, URL, Document, Rejection
from thresher.extract import MAX_BYTES, TOO_LARGE, extract
from thresher.extract.charset import charset_from_content_type
from thresher.readers.base import Quarantined

READER: Final = "reader"
NOT_HTML: Final = "not-html"
REDIRECT: Final = "http-redirect"
CONTENT_TYPE: Final = "content_type"
RECORD_ID: Final = "record_id"
WARC_DATE: Final = "warc_date"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "")
_DAY = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_SNIFF = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype html|html|head|body|meta|title|div|p)\b", re.I | re.S
)


def read_warc_file(path: Path, source: str) -> Iterator[Document | Quarantined]:
    read = 0
    last = "the start"
    try:
        records = ArchiveIterator(
            str(path),
            record_types=WarcRecordType.response | WarcRecordType.conversion,
            parse_http=True,
            # Raw payloads: their length against Content-Length is the truncation test, and
            # a bad transfer or content encoding then costs one record, not the file's rest.
            auto_decode="none",
        )
        for record in records:
            read += 1
            last = f"byte {record.stream_pos}"
            yield _document(record, source)
    except Exception as exc:  # FastWARC raises OSError on a broken header or stream
        where = f"after record {read} ({last})" if read else "the start"
        yield Quarantined(source, where, f"unreadable WARC: {type(exc).__name__}: {exc}")


def _document(record: WarcRecord, source: str) -> Document | Quarantined:
    position = record.stream_pos
    headers = record.headers
    url = (headers.get("WARC-Target-URI") or "").strip().strip("<>")
    warc_date = (headers.get("WARC-Date") or "").strip()
    record_id = (headers.get("WARC-Record-ID") or "").strip().strip("<>")
    metadata: dict[str, Any] = {SOURCE: source, POSITION: position, RECORD_ID: record_id}
    if url:
        metadata[URL] = url
    if warc_date:
        metadata[WARC_DATE] = warc_date
        day = _DAY.match(warc_date)
        if day:
            metadata[DATE] = day.group(0)
    doc_id = record_id or f"{source}:{position}"
    declared = record.content_length
    if record.record_type == WarcRecordType.conversion:  # WET: the text is the payload
        body = record.reader.read(MAX_BYTES + 1)
        if len(body) < declared and len(body) <= MAX_BYTES:
            return Quarantined(source, f"byte {position}", f"truncated record {record_id}")
        metadata[CONTENT_TYPE] = "text/plain"
        return Document(doc_id, body[:MAX_BYTES].decode("utf-8", "replace"), metadata)
    http = record.http_headers
    status = http.status_code if http is not None else None
    headers_of = http.get if http is not None else (lambda name, default=None: default)
    body = record.reader.read(MAX_BYTES + 1)
    if len(body) < declared and len(body) <= MAX_BYTES:
        return Quarantined(
            source,
            f"byte {position}",
            f"truncated record {record_id}: {len(body)} of {declared} payload bytes",
        )
    return page_document(doc_id, metadata, status, headers_of, body, url)


def page_document(
    doc_id: str,
    metadata: dict[str, Any],
    status: int | None,
    header: Callable[[str], str | None],
    body: bytes,
    url: str,
) -> Document:
    """A fetched page as a document: rejected when too large, a redirect or not HTML, else
    its payload decoded (transfer and content encodings, charset) and its main text extracted.
    `header(name)` gives an HTTP response header, or None."""
    content_type_header = header("Content-Type") or ""
    content_type = content_type_header.split(";")[0].strip().lower()
    metadata[HTTP_STATUS] = status
    metadata[CONTENT_TYPE] = content_type
    if len(body) > MAX_BYTES:
        return _rejected(doc_id, metadata, TOO_LARGE, f"payload over {MAX_BYTES} bytes")
    body = _decoded(body, header("Transfer-Encoding") or "", header("Content-Encoding") or "")
    if status is not None and 300 <= status < 400:
        location = header("Location") or ""
        return _rejected(doc_id, metadata, REDIRECT, f"HTTP {status} to {location}".strip())
    if content_type not in _HTML_TYPES or (not content_type and not _SNIFF.match(body[:2048])):
        return _rejected(doc_id, metadata, NOT_HTML, content_type or "no content type")
    charset = charset_from_content_type(content_type_header)
    return _merge(extract(body, url or None, charset=charset), doc_id, metadata)


def _decoded(body: bytes, transfer: str, content: str) -> bytes:
    """The payload without its transfer and content encodings. Crawlers often store the
    payload already decoded under the original headers, so an encoding that does not decode
    leaves the bytes as they are (the extraction then judges them)."""
    if "chunked" in transfer.lower():
        body = _dechunked(body) or body
    encoding = content.strip().lower()
    try:
        if encoding in ("gzip", "x-gzip", "deflate"):
            # wbits 47: zlib or gzip header, detected; -15 below: a raw deflate stream.
            try:
                return zlib.decompress(body, 47)
            except zlib.error:
                return zlib.decompress(body, -15)
        if encoding == "br":
            import brotli  # trafilatura's dependency, so present; only br pages need it

            return bytes(brotli.decompress(body))
    except Exception:
        return body
    return body


def _dechunked(body: bytes) -> bytes | None:
    """HTTP/1.1 chunked transfer coding undone; None where the body is not well chunked."""
    out = bytearray()
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            return None
        size_field = body[pos:end].split(b";")[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            return None
        if size == 0:
            return bytes(out)
        chunk = body[end + 2 : end + 2 + size]
        if len(chunk) < size:
            return None
        out += chunk
        pos = end + 2 + size + 2


def _rejected(doc_id: str, metadata: dict[str, Any], reason: str, detail: str) -> Document:
    return Document(doc_id, "", metadata, rejection=Rejection(READER, reason, detail))


def _merge(extracted: Document, doc_id: str, metadata: dict[str, Any]) -> Document:
    """The extracted document under the record's id, the record's metadata winning over what
    the page says (a page's own date goes to `page_date`: the fetch date is the record's)."""
    found = extracted.metadata
    if DATE in found:
        found["page_date"] = found.pop(DATE)
    found.update(metadata)
    extracted.id = doc_id
    extracted.metadata = found
    return extracted
