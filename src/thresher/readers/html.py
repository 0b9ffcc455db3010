"""HTML files, one page each (`.html`, `.htm`, optionally gzipped): the main content extracted
(thresher.extract), the page's own metadata kept; with `extract` off (`reader.extract: false`)
the text is the decoded HTML, for a recipe's `extract` step. A gzip stream that breaks off
quarantines the file; a page over the cap (the smaller of `reader.max_record_bytes` and the
extractor's 8 MiB) is rejected `page-too-large`, read no further than the cap."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

from thresher.document import POSITION, SOURCE, Document, Rejection
from thresher.extract import TOO_LARGE, extract
from thresher.readers.base import Quarantined, record_id
from thresher.readers.warc import DEFAULT_PAGES, READER, PageOptions, html_document
from thresher.storage import RemotePath


def read_html_file(
    path: Path | RemotePath, source: str, pages: PageOptions = DEFAULT_PAGES
) -> Iterator[Document | Quarantined]:
    try:
        with path.open("rb") as raw:
            if path.name.lower().endswith(".gz"):
                with gzip.GzipFile(fileobj=raw) as stream:
                    data = stream.read(pages.max_bytes + 1)
            else:
                data = raw.read(pages.max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        yield Quarantined(source, "file", f"cannot read the file: {type(exc).__name__}: {exc}")
        return
    doc_id = record_id(source, 0)
    if len(data) > pages.max_bytes:
        too_large = Rejection(READER, TOO_LARGE, pages.over("the page"))
        yield Document(doc_id, "", {SOURCE: source, POSITION: 0}, rejection=too_large)
        return
    if not pages.extract:
        yield html_document(doc_id, {SOURCE: source, POSITION: 0}, data)
        return
    doc = extract(data)
    doc.id = doc_id
    doc.metadata[SOURCE], doc.metadata[POSITION] = source, 0
    yield doc
