"""A title for records that have none: a short, headline-like first line of the body."""

from __future__ import annotations

from dataclasses import dataclass

from thresher.document import TITLE, Document
from thresher.steps import Drop, Repair, register, require

_NOT_HEADLINE_END = (".", ",", ";", ":", "…")


@register
@dataclass(frozen=True, kw_only=True)
class Title(Repair):
    """Set `metadata.title` from the first line when it reads like a headline; the line stays in
    the text. A title already in the metadata is left alone.

    Parameters:
        max_words: longest headline, in words.
        max_chars: longest headline, in characters.
    """

    name = "title"
    max_words: int = 20
    max_chars: int = 200

    def __post_init__(self) -> None:
        require(self.max_words >= 1, self.name, "max_words", ">= 1", self.max_words)
        require(self.max_chars >= 1, self.name, "max_chars", ">= 1", self.max_chars)

    def repair(self, doc: Document) -> Document | Drop:
        if doc.metadata.get(TITLE):
            return doc
        first, _, rest = doc.text.partition("\n")
        first = first.strip()
        if rest.strip() and self._headline(first):
            doc.metadata[TITLE] = first
        return doc

    def _headline(self, line: str) -> bool:
        return (
            0 < len(line) <= self.max_chars
            and len(line.split()) <= self.max_words
            and not line.endswith(_NOT_HEADLINE_END)
            and any(ch.isalpha() for ch in line)
        )
