"""Main-content extraction: `extract(html, url=None)` -> a `Document` with the main text (one
paragraph a line) and the metadata the page states (title, author, date, url, charset).

Pages are bounded before and during the work: a page over `max_bytes` is not parsed, and the
extraction runs under a deadline (a POSIX interval timer, in the main thread); a page that
exceeds either comes back rejected, with the reason, so it never holds up a worker.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, Literal

from resiliparse.parse.html import HTMLTree

from thresher.document import DATE, TITLE, URL, Document, Rejection
from thresher.extract.charset import decode_html
from thresher.extract.main import FastResult, careful_text, drop_furniture, fast_text, tidy
from thresher.extract.meta import page_metadata

STEP: Final = "extract"
TOO_LARGE: Final = "page-too-large"
TIMEOUT: Final = "extract-timeout"
FAILED: Final = "extract-failed"
TOO_DEEP: Final = "too-deeply-nested"
AUTHOR: Final = "author"
CHARSET: Final = "charset"
EXTRACTOR: Final = "extractor"
MAX_BYTES: Final = 8 * 1024 * 1024
TIMEOUT_S: Final = 10.0
# resiliparse's main-content pass runs in C, out of the deadline's reach, and its time grows
# faster than quadratically with nesting (4,000 nested elements: 0.7 s; 20,000: minutes).
# Real pages nest a few dozen deep.
MAX_DEPTH: Final = 1000
# The whole tag, so that a self-closed one (`<path ... />`, thousands of them in inline SVG)
# does not count as an open element; `[^<>]*` cannot backtrack badly.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,15})[^<>]*?(/?)>")
# Elements that never nest (void) or whose end tag may be left out: they do not deepen the
# estimate, so a long list of unclosed <li> is not mistaken for deep nesting.
_FLAT = frozenset(
    (
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"),
        *("source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option"),
        *("optgroup", "thead", "tbody", "tfoot", "colgroup", "caption", "rt", "rp", "html"),
        *("head", "body"),
    )
)

Mode = Literal["auto", "fast", "careful"]


class ExtractTimeout(Exception):
    """The page took longer than its deadline."""


def extract(
    html: str | bytes,
    url: str | None = None,
    *,
    charset: str | None = None,
    mode: Mode = "auto",
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_S,
) -> Document:
    """The page's main text and metadata. `charset` is what the HTTP header declared; bytes
    are decoded as UTF-8 when they are valid UTF-8, else by that, the meta tag or detection.
    `mode`: `auto` (the fast pass, then the wide one where the fast one looks unsure, see
    thresher.extract.main), `fast` only, or `careful` (trafilatura). The document is rejected
    (`page-too-large`, `extract-timeout`, `extract-failed`) rather than raising."""
    metadata: dict[str, Any] = {}
    if url:
        metadata[URL] = url
    doc = Document(id=url or "", text="", metadata=metadata)
    size = len(html)
    if size > max_bytes:
        doc.rejection = Rejection(STEP, TOO_LARGE, f"{size} bytes > max_bytes {max_bytes}")
        return doc
    if isinstance(html, bytes):
        html, used, how = decode_html(html, charset)
        metadata[CHARSET] = used
        metadata["charset_source"] = how
    depth = nesting_depth(html, MAX_DEPTH)
    if depth > MAX_DEPTH:
        doc.rejection = Rejection(STEP, TOO_DEEP, f"elements nested over {MAX_DEPTH} deep")
        return doc
    try:
        with deadline(timeout):
            text, extractor = _extract(html, url, mode, metadata)
    except ExtractTimeout:
        doc.rejection = Rejection(STEP, TIMEOUT, f"over {timeout:g} s")
        return doc
    except Exception as exc:  # a parser's failure on one page rejects that page only
        doc.rejection = Rejection(STEP, FAILED, f"{type(exc).__name__}: {exc}")
        return doc
    doc.text = text
    metadata[EXTRACTOR] = extractor
    return doc


def nesting_depth(html: str, stop: int) -> int:
    """How deep the page's elements nest, estimated from its tags (void elements and those
    whose end tag may be omitted do not count); stops counting past `stop`."""
    depth = deepest = 0
    for closing, name, self_closed in _TAG.findall(html):
        if self_closed or name.lower() in _FLAT:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop:
                    break
    return deepest


def _extract(html: str, url: str | None, mode: Mode, metadata: dict[str, Any]) -> tuple[str, str]:
    tree = HTMLTree.parse(html)
    for key, value in page_metadata(tree, html).items():
        metadata.setdefault(key, value)
    if mode == "careful":
        return careful_text(html, url), "careful"
    drop_furniture(tree)
    fast = fast_text(tree)
    if mode == "fast" or not unsure(fast):
        return fast.text, "fast"
    wide = fast_text(tree, main_content=False)
    if not unsure(wide):
        return wide.text, "wide"
    if len(html) <= CAREFUL_MAX_CHARS:
        careful = careful_text(html, url)
        if careful:
            return careful, "careful"
    return wide.all_text(), "page"


# Fewer prose words than this in the fast pass's region: the page's content is not prose
# paragraphs that resiliparse's main-content rules keep (a product page, a forum in tables, a
# script-built page). On wcxb-dev that is ~8% of pages, where the fast pass scores F1 0.11;
# the wide pass scores 0.62 on them (trafilatura 0.64, at 30 times the cost).
UNSURE_BELOW_WORDS: Final = 50


# Where the wide pass finds no prose region either (~3% of wcxb-dev pages, ~1% of aeb), the
# careful pass (trafilatura) does better than the whole page's text, on pages up to this size:
# its cost grows with the page, and a 2 MB page can take a second.
CAREFUL_MAX_CHARS: Final = 1_000_000


def unsure(fast: FastResult) -> bool:
    """Whether the pass's region looks like it missed the main content."""
    return fast.region_words < UNSURE_BELOW_WORDS


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise `ExtractTimeout` in this block after `seconds`, where a timer can be set (the main
    thread of a POSIX process); elsewhere only the size cap bounds the work."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ExtractTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0]:  # an enclosing timer keeps running, less the time spent here
            remaining = max(outer[0] - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, remaining, outer[1])


__all__ = ["AUTHOR", "CHARSET", "DATE", "TITLE", "Document", "decode_html", "extract", "tidy"]
