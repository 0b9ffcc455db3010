"""Documents left with too little text after the repairs."""

from __future__ import annotations

from dataclasses import dataclass

from thresher.document import Document
from thresher.steps import KEEP, Drop, Filter, Verdict, register, require

REASON = "too-short"


@register
@dataclass(frozen=True, kw_only=True)
class MinWords(Filter):
    """Reject documents with fewer than `min_words` whitespace-separated words.

    Parameters:
        min_words: the fewest words a kept document has.
    """

    name = "min-words"
    min_words: int = 5

    def __post_init__(self) -> None:
        require(self.min_words >= 0, self.name, "min_words", ">= 0", self.min_words)

    def verdict(self, doc: Document) -> Verdict:
        words = len(doc.text.split())
        if words < self.min_words:
            return Drop(REASON, f"{words} words, fewer than {self.min_words}")
        return KEEP
