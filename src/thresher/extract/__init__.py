"""Main-content extraction: `extract(html, url=None)` -> a `Document` with the main text (one
paragraph a line) and the metadata the page states (title, author, date, url, charset).

Pages are bounded before and during the work: a page over `max_bytes` is not parsed, and the
extraction runs in a helper process (`isolate`) that is killed at the deadline, in any thread:
the parser runs in C, where no signal reaches, and some pages make it take minutes. A page that
exceeds either bound comes back rejected, with the reason, so it never holds up a worker.
"""

from __future__ import annotations

import signal
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, Literal

from resiliparse.parse.html import HTMLTree

from thresher.document import DATE, TITLE, URL, Document, Rejection
from thresher.errors import ThresherWarning
from thresher.extract import isolate as _isolate
from thresher.extract.charset import decode_html
from thresher.extract.main import (
    FastResult,
    careful_text,
    container_text,
    covers,
    drop_furniture,
    fast_text,
    paragraph_words,
    tidy,
)
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
# Real pages nest a few dozen deep. The parsed tree is asked for a chain of MAX_DEPTH
# elements under <body> (a CSS child chain: the selector engine stops at the first match;
# ~0.1 ms a page with the pre-check below): the parser has already undone what HTML does not
# nest (an <a> in an <a>, unclosed <li> and <p>), so the depth is the main-content pass's.
MAX_DEPTH: Final = 1000
_TOO_DEEP = " > ".join(["*"] * MAX_DEPTH)
# Parsing that 4,000-character selector costs more than matching it; a page is first asked
# for a chain of a tenth of the depth (none of the 1,678 benchmark pages has one).
_DEEP = " > ".join(["*"] * (MAX_DEPTH // 10))

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
    isolate: bool = True,
) -> Document:
    """The page's main text and metadata. `charset` is what the HTTP header declared; bytes
    are decoded as UTF-8 when they are valid UTF-8, else by that, the meta tag or detection.
    `mode`: `auto` (the fast pass; the page's declared content container, read whole, where
    the fast region holds under CONFIDENT_SHARE of the page's paragraph words or finds little
    prose and the wide pass none; trafilatura only where no pass finds prose and the page
    declares no container), `fast` (never counts paragraphs and never calls trafilatura:
    faster, at a lower F1) or `careful` (trafilatura alone). docs/EXTRACTION.md has the
    modes' measured F1 and speed. The document is rejected (`page-too-large`,
    `extract-timeout`, `extract-failed`, `too-deeply-nested`) rather than raising.

    The work runs in this thread's helper process, killed when it has not answered after
    `timeout` seconds (`isolate`): so the deadline holds in any thread and inside the C
    parser. `isolate=False` works in this process, where the deadline is a SIGALRM timer that
    only Python code heeds, in the main thread only: for callers who bound the input
    themselves."""
    metadata: dict[str, Any] = {}
    if url:
        metadata[URL] = url
    doc = Document(id=url or "", text="", metadata=metadata)
    size = len(html)
    if size > max_bytes:
        doc.rejection = Rejection(STEP, TOO_LARGE, f"{size} bytes > max_bytes {max_bytes}")
        return doc
    if isolate and _isolate.usable():
        try:
            # the helper's own timer ends Python work a little earlier, keeping the helper
            text, found, rejected = _isolate.call(
                (html, url, charset, mode, HELPER_SHARE * timeout), timeout
            )
        except _isolate.Late:
            text, found, rejected = "", {}, (TIMEOUT, f"over {timeout:g} s")
        except _isolate.HelperDied as exc:
            text, found, rejected = "", {}, (FAILED, str(exc))
        except _isolate.CannotStart as exc:
            warnings.warn(
                f"pages are extracted in this process, without a deadline inside the parser:"
                f" no extraction helper process could be started ({exc})",
                ThresherWarning,
                stacklevel=2,
            )
            text, found, rejected = answer(html, url, charset, mode, timeout)
    else:
        text, found, rejected = answer(html, url, charset, mode, timeout)
    for key, value in found.items():
        metadata.setdefault(key, value)
    if rejected is not None:
        reason, detail = rejected
        doc.rejection = Rejection(
            STEP, reason, f"over {timeout:g} s" if reason == TIMEOUT else detail
        )
        return doc
    doc.text = text
    return doc


# The helper's in-process deadline, as a share of the caller's: Python work that overruns
# ends there, answered, and the helper lives on; the caller kills it at the full deadline.
HELPER_SHARE: Final = 0.9


def answer(
    html: str | bytes, url: str | None, charset: str | None, mode: Mode, timeout: float
) -> tuple[str, dict[str, Any], tuple[str, str] | None]:
    """The extraction in this process (the helper's work): the text, the metadata found, and
    the rejection's reason and detail, if any."""
    metadata: dict[str, Any] = {}
    if isinstance(html, bytes):
        html, used, how = decode_html(html, charset)
        metadata[CHARSET] = used
        metadata["charset_source"] = how
    try:
        with deadline(timeout):
            text, extractor = _extract(html, url, mode, metadata)
    except _TooDeep:
        return "", metadata, (TOO_DEEP, f"elements nested over {MAX_DEPTH} deep")
    except ExtractTimeout:
        return "", metadata, (TIMEOUT, f"over {timeout:g} s")
    except Exception as exc:  # a parser's failure on one page rejects that page only
        return "", metadata, (FAILED, f"{type(exc).__name__}: {exc}")
    metadata[EXTRACTOR] = extractor
    return text, metadata, None


def too_deep(tree: HTMLTree) -> bool:
    """Whether the page's elements nest more than MAX_DEPTH deep under <body>."""
    body = tree.body
    if body is None or body.query_selector(_DEEP) is None:
        return False
    return body.query_selector(_TOO_DEEP) is not None


class _TooDeep(Exception):
    pass


def _extract(html: str, url: str | None, mode: Mode, metadata: dict[str, Any]) -> tuple[str, str]:
    tree = HTMLTree.parse(html)
    if too_deep(tree):
        raise _TooDeep
    for key, value in page_metadata(tree, html).items():
        metadata.setdefault(key, value)
    if mode == "careful":
        return careful_text(html, url), "careful"
    drop_furniture(tree)
    fast = fast_text(tree)
    if not unsure(fast):
        share = ARTICLE_CONFIDENT_SHARE if metadata.get("og_type") == "article" else CONFIDENT_SHARE
        if (
            mode == "fast"
            or fast.region_words >= CONFIDENT_WORDS
            or fast.region_words >= share * paragraph_words(tree)
        ):
            return fast.text, "fast"
        container = container_text(tree)
        if container and covers(container, fast.text):
            return container, "container"
        return fast.text, "fast"
    wide = fast_text(tree, main_content=False)
    if not unsure(wide):
        return wide.text, "wide"
    container = container_text(tree)
    if container:
        return container, "container"
    careful = "" if mode == "fast" else _careful_within_bounds(html, url)
    return (careful, "careful") if careful else (wide.all_text(), "page")


def _careful_within_bounds(html: str, url: str | None) -> str:
    return careful_text(html, url) if len(html) <= CAREFUL_MAX_CHARS else ""


# Fewer prose words than this in the fast pass's region: the page's content is not prose
# paragraphs that resiliparse's main-content rules keep (a product page, a forum in tables, a
# script-built page). On wcxb-dev that is ~8% of pages, where the fast pass scores F1 0.11;
# the wide pass scores 0.62 on them (trafilatura 0.64, at 30 times the cost).
UNSURE_BELOW_WORDS: Final = 50


# Where the wide pass finds no prose region either and the page declares no content container
# (~2% of wcxb-dev pages, under 1% of aeb), the careful pass (trafilatura) does better than the
# whole page's text, on pages up to this size: its cost grows with the page, and a 2 MB page
# can take a second.
CAREFUL_MAX_CHARS: Final = 1_000_000


# The fast region holds under this share of the words of the page's paragraphs: resiliparse's
# main-content rules left much running text out (a forum's replies, a product's description,
# a list-heavy guide), and the page's content container is read whole instead, where it
# declares one (docs/EXTRACTION.md has the measurements; 0.25 until issue 13, 0.35 is +0.001
# on both halves of wcxb-dev, aeb and readability the same).
CONFIDENT_SHARE: Final = 0.35
# A region of this many prose words is the page's content, whatever else the page holds: its
# paragraphs are not counted (they cost a sixth of the fast path). On scrapinghub-aeb F1 is
# the same; on wcxb-dev it is 0.0004 lower (docs/EXTRACTION.md).
CONFIDENT_WORDS: Final = 500
# A page that declares itself an article (`og:type`) is what resiliparse's main-content rules
# are made for: the container only where the fast region holds under a tenth (on
# scrapinghub-aeb, a quarter sent pages there that the fast pass read better).
ARTICLE_CONFIDENT_SHARE: Final = 0.1


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
