"""WARC files (plain, gzip, zstd or lz4, detected from the bytes) and WET files, streamed with
FastWARC; the main content of HTML responses extracted on the way.

What counts as a record: a `response` record (and a WET `conversion` record, whose text is
already extracted). `warcinfo`, `request`, `metadata`, `revisit` and other records carry no
page and are not records of the run. A response that is not HTML (an image, JSON, a PDF) is
a record rejected by the reader, reason `not-html`; a redirect (3xx), reason `http-redirect`:
so the summary says how many of each the file held; a payload over the cap (the smaller of the
recipe's `reader.max_record_bytes` and the extractor's 8 MiB), reason `page-too-large`, unread. A
record whose payload is shorter than its declared length is quarantined (`truncated record`), and
so is one whose header breaks off (no Content-Length: the file ends inside the header) or whose
gzip member the file ends inside; a parse error quarantines the rest of the file, after the
records already read. With `extract` off (`reader.extract: false`) a page's text is its decoded
HTML, for a recipe's `extract` step.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from thresher.document import DATE, HTTP_STATUS, POSITION, SOURCE, URL, Document, Rejection
from thresher.errors import ThresherError
from thresher.extract import CHARSET, MAX_BYTES, TOO_LARGE, extract
from thresher.extract.charset import charset_from_content_type, decode_html
from thresher.readers.base import MAX_RECORD_BYTES, Quarantined
from thresher.storage import RemotePath

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
_PAGES = WarcRecordType.response | WarcRecordType.conversion
_NOT_PAGES = (
    WarcRecordType.warcinfo
    | WarcRecordType.request
    | WarcRecordType.metadata
    | WarcRecordType.revisit
    | WarcRecordType.resource
    | WarcRecordType.continuation
)
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class PageOptions:
    """How a reader makes a fetched page a document: the largest payload it reads, and whether
    it extracts the main text (else the text is the decoded HTML). `bound` names the limit in
    rejections."""

    max_bytes: int = MAX_BYTES
    extract: bool = True
    bound: str = "the extraction cap"

    def over(self, what: str) -> str:
        return f"{what}, over {self.bound} ({self.max_bytes})"


DEFAULT_PAGES: Final = PageOptions()


def page_options(max_record_bytes: int = MAX_RECORD_BYTES, extract: bool = True) -> PageOptions:
    """The cap is the smaller of the recipe's `max_record_bytes` and the extractor's own."""
    if max_record_bytes < MAX_BYTES:
        return PageOptions(max_record_bytes, extract, "max_record_bytes")
    return PageOptions(MAX_BYTES, extract)


def read_warc_file(
    path: Path | RemotePath, source: str, pages: PageOptions = DEFAULT_PAGES
) -> Iterator[Document | Quarantined]:
    with ExitStack() as opened:
        # a local file by name (FastWARC's own reader); a file in a store as a stream
        stream = str(path) if isinstance(path, Path) else opened.enter_context(path.open("rb"))
        yield from _read_records(stream, path, source, pages)


def _read_records(
    stream: Any, path: Path | RemotePath, source: str, pages: PageOptions
) -> Iterator[Document | Quarantined]:
    read = 0
    last: WarcRecord | None = None  # the last record of any type
    try:
        records = ArchiveIterator(
            stream,
            # Every type: FastWARC yields a record whose header broke off before its WARC-Type
            # only to an unfiltered iterator. Pages are picked out below.
            record_types=WarcRecordType.any_type,
            parse_http=True,
            # Raw payloads: their length against Content-Length is the truncation test, and
            # a bad transfer or content encoding then costs one record, not the file's rest.
            auto_decode="none",
        )
        for record in records:
            last = record
            if _of_the_run(record):
                read += 1
                yield _document(record, source, pages)
    except ThresherError:  # a store's file that could not be fetched: not damaged data
        raise
    except Exception as exc:  # FastWARC raises OSError on a broken header or stream
        yield _unreadable(path, source, read, last, f"{type(exc).__name__}: {exc}")
        return
    start = 0 if last is None else last.stream_pos
    cut = cut_gzip_member(path, start)
    if cut is not None and (last is None or cut != start):  # the last record's own member
        yield Quarantined(  # was judged above
            source,
            f"byte {cut}",
            f"cut record at byte {cut}: the file ends inside its gzip member, before any of"
            " its header could be read",
        )


def _unreadable(
    path: Path | RemotePath, source: str, read: int, last: WarcRecord | None, error: str
) -> Quarantined:
    """The rest of the file, quarantined where it stops parsing: the byte after the last record
    read where that can be told (a plain file, or a gzip member per record)."""
    if last is None:
        return Quarantined(source, "the start", f"unreadable WARC at byte 0: {error}")
    length = last.headers.get("Content-Length") or ""
    end = _record_end(path, last.stream_pos, int(length)) if length.isdigit() else None
    if end is None:
        where = f"after record {read} (byte {last.stream_pos})"
        return Quarantined(source, where, f"unreadable WARC: {error}")
    return Quarantined(
        source, f"byte {end}", f"unreadable WARC at byte {end} (after record {read}): {error}"
    )


def _record_end(path: Path | RemotePath, start: int, length: int) -> int | None:
    """The offset after the record at `start` whose block is `length` bytes, for a plain file
    or a gzip member per record; None where it cannot be told (one gzip stream for the whole
    file, zstd, lz4, a header that does not end in a blank line)."""
    try:
        with path.open("rb") as raw:
            raw.seek(start)
            head = raw.read(_CHUNK)
            if head.startswith(_GZIP_MAGIC):
                return _member_end(raw, start)
            blank = head.find(b"\r\n\r\n")
            if not head.startswith(b"WARC/") or blank < 0:
                return None
            end = start + blank + 4 + length
            raw.seek(end)
            after = raw.read(_CHUNK)  # the CRLFs that close the record, and any blank lines
            return end + len(after) - len(after.lstrip(b"\r\n"))
    except (OSError, zlib.error):
        return None


def _of_the_run(record: WarcRecord) -> bool:
    """A page record (response, WET conversion), or one whose header broke off before it said
    what it was or how long (no Content-Length): that may have been a page, and is
    quarantined. Records of other types carry no page."""
    kind = record.record_type
    if kind & _PAGES:
        return True
    return not kind & _NOT_PAGES and not _has_length(record)


def _has_length(record: WarcRecord) -> bool:
    """Whether the header states the block's length (a header cut inside that line may hold
    `Content-Length:` with no digits, or only some of them: the payload then reads short)."""
    return (record.headers.get("Content-Length") or "").strip().isdigit()


def cut_gzip_member(path: Path | RemotePath, start: int) -> int | None:
    """Where the gzip member that the file ends inside starts, looking from the member at
    `start` on; None when the members there are whole, or when `start` is no member's start
    (one gzip stream for the whole file, or no gzip). FastWARC silently skips a last member
    cut before it yields any bytes."""
    try:
        with path.open("rb") as raw:
            raw.seek(start)
            if raw.read(2) != _GZIP_MAGIC:
                return None
            member = start
            while True:
                end = _member_end(raw, member)
                if end is None:
                    return member
                raw.seek(end)
                if not raw.read(1):
                    return None
                member = end
    except (OSError, zlib.error):  # not gzip members after all: FastWARC has judged the file
        return None


def _member_end(raw: IO[bytes], start: int) -> int | None:
    """The offset after the gzip member at `start`, or None if the file ends inside it. The
    output is dropped as it comes, in bounded pieces."""
    raw.seek(start)
    inflate = zlib.decompressobj(31)
    offset = start
    while not inflate.eof:
        data = raw.read(_CHUNK)
        if not data:
            return None
        offset += len(data)
        inflate.decompress(data, _CHUNK)
        while inflate.unconsumed_tail and not inflate.eof:
            inflate.decompress(inflate.unconsumed_tail, _CHUNK)
    return offset - len(inflate.unused_data)


def _document(record: WarcRecord, source: str, pages: PageOptions) -> Document | Quarantined:
    position = record.stream_pos
    headers = record.headers
    url = (headers.get("WARC-Target-URI") or "").strip().strip("<>")
    record_id = (headers.get("WARC-Record-ID") or "").strip().strip("<>")
    if not _has_length(record):  # never a document: its id may be cut too
        named = ", ".join(part for part in (record_id, url) if part)
        return Quarantined(
            source,
            f"byte {position}",
            f"cut WARC header at byte {position}{f' ({named})' if named else ''}: no"
            " Content-Length; the file ends inside the header, or the header is malformed",
        )
    metadata: dict[str, Any] = {SOURCE: source, POSITION: position, RECORD_ID: record_id}
    if url:
        metadata[URL] = url
    warc_date = (headers.get("WARC-Date") or "").strip()
    if warc_date:
        metadata[WARC_DATE] = warc_date
        day = _DAY.match(warc_date)
        if day:
            metadata[DATE] = day.group(0)
    doc_id = record_id or f"{source}:{position}"
    # What is left of the record once FastWARC has read the HTTP header: known before the
    # payload is read, so a payload over the cap is never taken into memory.
    declared = record.content_length
    if declared > pages.max_bytes:
        return _over_cap(record, doc_id, metadata, pages)
    body = record.reader.read(declared)
    if len(body) < declared:
        return _truncated(metadata, len(body), declared)
    if record.record_type == WarcRecordType.conversion:  # WET: the text is the payload
        metadata[CONTENT_TYPE] = "text/plain"
        return Document(doc_id, body.decode("utf-8", "replace"), metadata)
    status, header = _http(record)
    return page_document(doc_id, metadata, status, header, body, url, pages)


def _over_cap(
    record: WarcRecord, doc_id: str, metadata: dict[str, Any], pages: PageOptions
) -> Document | Quarantined:
    """A payload over the cap: read past, never held, and rejected; quarantined where it
    reads short, as any truncated record."""
    declared = record.content_length
    got = record.reader.consume(declared)
    if got < declared:
        return _truncated(metadata, got, declared)
    if record.record_type == WarcRecordType.conversion:
        metadata[CONTENT_TYPE] = "text/plain"
    else:
        _http_fields(metadata, *_http(record))
    return _rejected(doc_id, metadata, TOO_LARGE, pages.over(f"payload of {declared} bytes"))


def _http(record: WarcRecord) -> tuple[int | None, Callable[[str], str | None]]:
    """The HTTP status and a header look-up (None for a header not sent, or no HTTP)."""
    http = record.http_headers
    if http is None:
        return None, lambda name: None
    return http.status_code, http.get


def _truncated(metadata: dict[str, Any], got: int, declared: int) -> Quarantined:
    return Quarantined(
        metadata[SOURCE],
        f"byte {metadata[POSITION]}",
        f"truncated record {metadata[RECORD_ID]}: {got} of {declared} payload bytes",
    )


def page_document(
    doc_id: str,
    metadata: dict[str, Any],
    status: int | None,
    header: Callable[[str], str | None],
    body: bytes,
    url: str,
    pages: PageOptions = DEFAULT_PAGES,
) -> Document | Quarantined:
    """A fetched page as a document: rejected when too large, a redirect or not HTML, else
    its payload decoded (transfer and content encodings, charset) and its main text extracted
    (or, with `pages.extract` off, the decoded HTML as the text); quarantined when its gzip
    content encoding breaks off. `header(name)` gives an HTTP response header, or None."""
    content_type_header = _http_fields(metadata, status, header)
    content_type = metadata[CONTENT_TYPE]
    if len(body) > pages.max_bytes:
        return _rejected(doc_id, metadata, TOO_LARGE, pages.over(f"payload of {len(body)} bytes"))
    try:
        decoded = _decoded(
            body,
            header("Transfer-Encoding") or "",
            header("Content-Encoding") or "",
            pages.max_bytes,
        )
    except _BrokenGzip as exc:
        return Quarantined(
            metadata[SOURCE],
            f"byte {metadata[POSITION]}",
            f"truncated record {metadata[RECORD_ID]}: its gzip content encoding does not decode"
            f" ({exc})",
        )
    if decoded is None:
        return _rejected(doc_id, metadata, TOO_LARGE, pages.over("decoded payload"))
    if status is not None and 300 <= status < 400:
        location = header("Location") or ""
        return _rejected(doc_id, metadata, REDIRECT, f"HTTP {status} to {location}".strip())
    if content_type not in _HTML_TYPES or (not content_type and not _SNIFF.match(decoded[:2048])):
        return _rejected(doc_id, metadata, NOT_HTML, content_type or "no content type")
    charset = charset_from_content_type(content_type_header)
    if not pages.extract:
        return html_document(doc_id, metadata, decoded, charset)
    return _merge(extract(decoded, url or None, charset=charset), doc_id, metadata)


def html_document(
    doc_id: str, metadata: dict[str, Any], html: bytes, charset: str | None = None
) -> Document:
    """The page's decoded HTML as the text, for a recipe's `extract` step: the charset is
    chosen as the extraction would (thresher.extract.charset), nothing else is read."""
    text, used, how = decode_html(html, charset)
    metadata[CHARSET] = used
    metadata["charset_source"] = how
    return Document(doc_id, text, metadata)


def _http_fields(
    metadata: dict[str, Any], status: int | None, header: Callable[[str], str | None]
) -> str:
    """The response's status and content type into the metadata; the Content-Type header as
    sent (its charset) back."""
    content_type_header = header("Content-Type") or ""
    metadata[HTTP_STATUS] = status
    metadata[CONTENT_TYPE] = content_type_header.split(";")[0].strip().lower()
    return content_type_header


class _BrokenGzip(Exception):
    """A payload that is surely gzip (it starts like a gzip stream) and does not inflate:
    cut short or corrupt. Used as stored, it would be compressed bytes read as text."""


def _decoded(body: bytes, transfer: str, content: str, limit: int) -> bytes | None:
    """The payload without its transfer and content encodings; None when it would decode to
    over `limit` bytes (inflated no further: a compression bomb costs `limit`). Crawlers often
    store the payload already decoded under the original headers, so an encoding that does not
    decode leaves the bytes as they are (the extraction then judges them); but a gzip stream
    that breaks off raises `_BrokenGzip`."""
    if "chunked" in transfer.lower():
        body = _dechunked(body) or body
    encoding = content.strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate") and body.startswith(_GZIP_MAGIC):
        try:
            return _inflated(body, 31, limit)
        except zlib.error as exc:
            raise _BrokenGzip(str(exc)) from exc
    try:
        if encoding in ("gzip", "x-gzip", "deflate"):
            # wbits 47: zlib or gzip header, detected; -15 below: a raw deflate stream.
            try:
                return _inflated(body, 47, limit)
            except zlib.error:
                return _inflated(body, -15, limit)
        if encoding == "br":
            return _unbrotlied(body, limit)
    except Exception:
        return body
    return body


def _inflated(body: bytes, wbits: int, limit: int) -> bytes | None:
    inflate = zlib.decompressobj(wbits)
    out = inflate.decompress(body, limit + 1)
    if len(out) > limit:
        return None
    if not inflate.eof:  # cut short, or not this encoding: as zlib.decompress would say
        raise zlib.error(f"the stream breaks off after {len(out)} decoded bytes")
    return out


def _unbrotlied(body: bytes, limit: int) -> bytes | None:
    import brotli  # only br pages need it (>= 1.2: the output limit)

    decompressor = brotli.Decompressor()
    out = decompressor.process(body, output_buffer_limit=limit + 1)
    if len(out) > limit:
        return None
    if not decompressor.is_finished():
        raise ValueError("incomplete brotli stream")
    return bytes(out)


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
