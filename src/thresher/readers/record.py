"""The crawl record format: one record per `.txt` file, a header line `date YYYY-MM-DD STATUS`
(leading spaces allowed), then the body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from thresher.document import DATE, HTTP_STATUS, POSITION, SOURCE, Document
from thresher.readers.base import MAX_RECORD_BYTES, Quarantined, record_id

_HEADER = re.compile(r"[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]+(\d{3})[ \t]*\r?")


def parse_record(text: str, source: str, position: int = 0) -> Document:
    """A document from one record's text; a text without the header is all body."""
    header, _, body = text.partition("\n")
    metadata: dict[str, object] = {SOURCE: source, POSITION: position}
    match = _HEADER.fullmatch(header)
    if match:
        metadata[DATE] = match.group(1)
        metadata[HTTP_STATUS] = int(match.group(2))
        text = body
    return Document(id=record_id(source, position), text=text, metadata=metadata)


def read_record_file(
    path: Path, source: str, max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Document | Quarantined]:
    try:
        size = path.stat().st_size
        if size > max_record_bytes:
            error = f"the record is {size} bytes, over max_record_bytes ({max_record_bytes})"
            yield Quarantined(source, "file", error)
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Quarantined(source, "file", f"cannot read the file: {exc}")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield Quarantined(source, f"byte {exc.start}", f"invalid UTF-8: {exc.reason}")
        return
    yield parse_record(text.removeprefix("\ufeff"), source)
