"""Documents left with too little text after the repairs."""

from __future__ import annotations

from dataclasses import dataclass

from thresher.document import Document
from thresher.steps import KEEP, Drop, Filter, Verdict, register, require
from thresher.text import count_words, has_at_least_words

REASON = "too-short"


@register
@dataclass(frozen=True, kw_only=True)
class MinWords(Filter):
    """Reject documents with fewer than `min_words` words (a CJK character counts as one).

    Parameters:
        min_words: the fewest words a kept document has.
    """

    name = "min-words"
    min_words: int = 5

    def __post_init__(self) -> None:
        require(self.min_words >= 0, self.name, "min_words", ">= 0", self.min_words)

    def verdict(self, doc: Document) -> Verdict:
        if has_at_least_words(doc.text, self.min_words):
            return KEEP
        return Drop(REASON, f"{count_words(doc.text)} words, fewer than {self.min_words}")
