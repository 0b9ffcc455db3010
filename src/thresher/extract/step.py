"""The `extract` step: for documents whose text is a page's HTML (a JSONL or Parquet field
holding HTML). WARC and HTML files need no step: their readers extract on the way in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from thresher.document import URL, Document, Edit
from thresher.extract import MAX_BYTES, TIMEOUT_S, extract
from thresher.steps import Drop, Repair, register, require

REASON = "html"
_LOOKS_HTML = re.compile(r"\s*(?:<!--|<!doctype|<html|<head|<body|<meta|<div|<p[\s>])", re.I)
_MODES = ("auto", "fast", "careful")


@register
@dataclass(frozen=True, kw_only=True)
class Extract(Repair):
    """Replace a document's HTML by its main text (thresher.extract), keeping the metadata the
    page states (title, author, date as `page_date`, charset) where the document has none. The
    ledger holds one edit, reason `html`, from the HTML to the text. A page over the bounds is
    rejected (`page-too-large`, `extract-timeout`, `extract-failed`, `too-deeply-nested`).

    Parameters:
        mode: `auto` (the fast pass; the page's content container or trafilatura where it
            looks unsure), `fast` (no paragraph count, never trafilatura: a sixth faster, a
            lower F1) or `careful` (trafilatura alone).
        max_bytes: larger pages are rejected unparsed.
        timeout: seconds per page (in any thread: the page is extracted in a helper process
            that is killed at the deadline).
        only_html: leave documents whose text does not start like HTML untouched.
    """

    name = "extract"
    mode: str = "auto"
    max_bytes: int = MAX_BYTES
    timeout: float = TIMEOUT_S
    only_html: bool = True

    def __post_init__(self) -> None:
        require(self.mode in _MODES, self.name, "mode", f"one of {_MODES}", self.mode)
        require(self.max_bytes >= 1, self.name, "max_bytes", ">= 1", self.max_bytes)
        require(self.timeout > 0, self.name, "timeout", "> 0", self.timeout)

    def repair(self, doc: Document) -> Document | Drop:
        html = doc.text
        if self.only_html and not _LOOKS_HTML.match(html[:1000]):
            return doc
        url = doc.metadata.get(URL)
        page = extract(
            html,
            url if isinstance(url, str) else None,
            mode=self.mode,  # type: ignore[arg-type]  # checked in __post_init__
            max_bytes=self.max_bytes,
            timeout=self.timeout,
        )
        if page.rejection is not None:
            return Drop(page.rejection.reason, page.rejection.detail)
        for key, value in page.metadata.items():
            doc.metadata.setdefault("page_date" if key == "date" else key, value)
        if page.text != html:
            last = html.count("\n")
            doc.ledger.append(Edit(self.name, REASON, 0, last, 0, len(html), html, page.text))
            doc.text = page.text
        return doc
