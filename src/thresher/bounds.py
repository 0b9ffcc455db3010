"""What every document must be before any step sees it, whatever its format or how it is
cleaned (`thresher run`, `thresher clean`, `Recipe.apply`): not too long, not too many lines,
and text at all."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from thresher.document import Document, Rejection
from thresher.text import not_text_share

TOO_LARGE = "too-large"
TOO_MANY_LINES = "too-many-lines"
NOT_TEXT = "not-text"
# The largest share of replacement, control and noncharacters a document may hold. Random bytes
# decoded as UTF-8 hold about half; no document of the evaluation sets in ../shared/data holds
# more than 1.1% (docs/QUALITY.md has the figures).
MAX_NOT_TEXT_SHARE = 0.1


def within_bounds(docs: Iterable[Document], max_chars: int, max_lines: int) -> Iterator[Document]:
    """Reject documents too big for the steps, or not text at all (binary content, a page of
    replacement characters), before any step sees them."""
    for doc in docs:
        if doc.rejection is None:  # a reader's own rejection (not-html, timeout) says more
            doc.rejection = out_of_bounds(doc.text, max_chars, max_lines)
        yield doc


def out_of_bounds(text: str, max_chars: int, max_lines: int) -> Rejection | None:
    if len(text) > max_chars:
        detail = f"{len(text)} characters, over max_chars ({max_chars})"
        return Rejection("reader", TOO_LARGE, detail)
    lines = text.count("\n") + 1
    if lines > max_lines:
        detail = f"{lines} lines, over max_lines ({max_lines})"
        return Rejection("reader", TOO_MANY_LINES, detail)
    share = not_text_share(text)
    if share > MAX_NOT_TEXT_SHARE:
        detail = (
            f"not text: {share:.0%} of its {len(text)} characters are replacement, control or"
            f" noncharacters (over {MAX_NOT_TEXT_SHARE:.0%})"
        )
        return Rejection("reader", NOT_TEXT, detail)
    return None
