"""HTML -> main text. A fast pass (resiliparse's main-content heuristics over its C DOM), and a
careful pass (trafilatura) on the pages where the fast one looks unsure."""

from __future__ import annotations

import re

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

_BLANKS = re.compile(r"\n\s*\n+")
_LINE_SPACES = re.compile(r"[ \t\u00a0]+")


def fast_text(tree: HTMLTree) -> str:
    """resiliparse's main content. Comments, alt texts and post bylines are not article text
    (the benchmarks' gold leaves them out, and so do readers)."""
    text = extract_plain_text(
        tree,
        main_content=True,
        alt_texts=False,
        comments=False,
        post_meta=False,
        list_bullets=False,
    )
    return tidy(str(text))


def careful_text(html: str, url: str | None) -> str:
    import trafilatura  # imported on first use: it costs a second of start-up

    text = trafilatura.extract(
        html, url=url, output_format="txt", include_comments=False, with_metadata=False
    )
    return tidy(text or "")


def tidy(text: str) -> str:
    """One paragraph a line: spaces folded, blank lines and leading/trailing spaces dropped."""
    lines = (_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
