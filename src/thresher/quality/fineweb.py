"""FineWeb's own rules (Penedo et al. 2024), as datatrove implements them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from thresher.document import Document
from thresher.quality.analysis import analysis_of, find_duplicates, is_terminal
from thresher.quality.gopher import out_of_scope, signals_of
from thresher.quality.language_codes import require_languages
from thresher.steps import KEEP, Drop, Filter, Verdict, register, require


@register
@dataclass(frozen=True, kw_only=True)
class FineWebQuality(Filter):
    """Reject documents with too few lines ending in sentence punctuation, too many short
    lines, characters in duplicated lines, or too many newlines per word (lists).

    Parameters:
        line_punct_thr: fewest lines ending in terminal punctuation (Unicode Sentence_Terminal).
        line_punct_exclude_zero: do not reject when no line at all ends so.
        short_line_thr: most lines of at most `short_line_length` characters.
        short_line_length: what counts as a short line.
        char_duplicates_ratio: most characters in lines that repeat an earlier line.
        new_line_ratio: most newlines per word.
        languages: the documents judged, as for `gopher-repetition`.
        line_punct_closing_marks: look for the terminal punctuation before the closing quotes,
            brackets and whitespace that end a line (`…he said.”`, `(see above.)`), and before
            a reference in square brackets after the sentence (`…is sacred. [M1 / MP]`,
            `[12]`), which datatrove counts as a line without it.

    FineWeb's paper gives 0.1 for the duplicated-line characters; datatrove's default (kept
    here) is 0.01.
    """

    name = "fineweb"
    line_punct_thr: float = 0.12
    line_punct_exclude_zero: bool = False
    short_line_thr: float = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float = 0.01
    new_line_ratio: float = 0.3
    languages: str = ""
    line_punct_closing_marks: bool = False

    def __post_init__(self) -> None:
        require_languages(self.name, self.languages)
        for param in ("line_punct_thr", "short_line_thr", "char_duplicates_ratio"):
            value = getattr(self, param)
            require(0 <= value <= 1, self.name, param, "in [0, 1]", value)
        require(
            self.short_line_length >= 0,
            self.name,
            "short_line_length",
            ">= 0",
            self.short_line_length,
        )
        require(self.new_line_ratio >= 0, self.name, "new_line_ratio", ">= 0", self.new_line_ratio)

    def verdict(self, doc: Document) -> Verdict:
        if out_of_scope(doc, self.languages):
            return KEEP
        text = doc.text
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return Drop(self.name, "empty")
        n_words = len(analysis_of(doc).words)
        signals = signals_of(doc)
        last = _last_mark if self.line_punct_closing_marks else _last_char
        punct = sum(1 for line in lines if is_terminal(last(line))) / len(lines)
        signals["line_punct_ratio"] = punct
        signals["short_line_ratio"] = sum(
            1 for line in lines if len(line) <= self.short_line_length
        ) / len(lines)
        signals["char_dup_ratio"] = find_duplicates(lines)[1] / len(text.replace("\n", ""))
        signals["newline_word_ratio"] = text.count("\n") / n_words if n_words else 0.0
        if punct < self.line_punct_thr and not (punct == 0 and self.line_punct_exclude_zero):
            return Drop(self.name, "line_punct_ratio")
        if signals["short_line_ratio"] > self.short_line_thr:
            return Drop(self.name, "short_line_ratio")
        if signals["char_dup_ratio"] > self.char_duplicates_ratio:
            return Drop(self.name, "char_dup_ratio")
        if signals["newline_word_ratio"] > self.new_line_ratio:
            return Drop(self.name, "list_ratio")
        return KEEP


def _last_char(line: str) -> str:
    return line[-1]


_CLOSING = frozenset("\"'")


@lru_cache(maxsize=65_536)
def _closing(char: str) -> bool:
    return char in _CLOSING or char.isspace() or unicodedata.category(char) in ("Pe", "Pf")


# A reference in square brackets at the end of a line, after its sentence: "[12]", "[M1 / MP]",
# "[citation needed]", "[Source: …]".
_REFERENCE = re.compile(r"\[[^\[\]]{1,60}\]\s*$")


def _last_mark(line: str) -> str:
    """The line's last character before closing quotes, brackets and whitespace, and before a
    reference in square brackets that follows its sentence ("…is sacred. [M1 / MP]")."""
    reference = _REFERENCE.search(line) if line.rstrip().endswith("]") else None
    if reference is not None and reference.start() > 0:
        line = line[: reference.start()].rstrip() or line
    end = len(line)
    while end > 1 and _closing(line[end - 1]):
        end -= 1
    return line[end - 1]
