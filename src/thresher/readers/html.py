"""HTML files, one page each (`.html`, `.htm`, optionally gzipped): the main content extracted
(thresher.extract), the page's own metadata kept. A gzip stream that breaks off, or a page over
the size cap, quarantines or rejects the file with the reason."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

from thresher.document import POSITION, SOURCE, Document, Rejection
from thresher.extract import MAX_BYTES, STEP, TOO_LARGE, extract
from thresher.readers.base import Quarantined, record_id


def read_html_file(path: Path, source: str) -> Iterator[Document | Quarantined]:
    try:
        with path.open("rb") as raw:
            if path.name.lower().endswith(".gz"):
                with gzip.GzipFile(fileobj=raw) as stream:
                    data = stream.read(MAX_BYTES + 1)
            else:
                data = raw.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        yield Quarantined(source, "file", f"cannot read the file: {type(exc).__name__}: {exc}")
        return
    if len(data) > MAX_BYTES:
        too_large = Rejection(STEP, TOO_LARGE, f"over {MAX_BYTES} bytes")
        metadata = {SOURCE: source, POSITION: 0}
        yield Document(record_id(source, 0), "", metadata, rejection=too_large)
        return
    doc = extract(data)
    doc.id = record_id(source, 0)
    doc.metadata[SOURCE], doc.metadata[POSITION] = source, 0
    yield doc
