"""Repeated paragraphs: a line that repeats an earlier one is removed, the first stays.

Lines are compared on a key that folds case, punctuation and whitespace, and drops a trailing
"read more" link and, in lines long enough to be paragraphs, digits, so a copy with a changed
date or a teaser suffix matches. Longer
lines also match when their word sets are nearly the same (a word or two edited); candidates
come from an index on their first and last words, so the cost stays linear in the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from thresher.document import Document
from thresher.edits import remove_lines
from thresher.steps import Drop, Repair, register, require

REASON = "repeated-paragraph"

_LETTERS = re.compile(r"[^\W\d_]+")
_TOKENS = re.compile(r"[^\W_]+")
_MORE_ENDINGS = (
    "more",
    "reading",
    "story",
    "article",
    "weiterlesen",
    "suite",
    "más",
    "mais",
    "tutto",
    "più",
    "далее",
    "続きを読む",
    "阅读更多",
)
_MORE_SUFFIX = re.compile(
    r"(?: |^)(?:read more|read the full (?:story|article)|continue reading|more|weiterlesen|"
    r"lire la suite|leer más|leia mais|leggi (?:tutto|di più)|читать далее|続きを読む|阅读更多)$"
)
_ANCHOR_WORDS = 4
# Near-repeats are looked for among the last lines with the same first (or last) words only:
# 20,000 table rows that share their first words took minutes when each met every earlier one.
_MAX_PER_ANCHOR = 32
_NEVER = 1 << 30


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def line_key(line: str, fold_digits_from: int = 8) -> str:
    """The comparison key of a line: its casefolded words, punctuation and spacing dropped,
    without a trailing "read more". Lines of `fold_digits_from` words or more drop digits too,
    so a paragraph with a changed date still matches; in shorter lines ("Item 12", a price) the
    numbers are the content and stay."""
    # Runs of letters are separated, so a line holds at most half its length (rounded up) of
    # them: a shorter line than twice `fold_digits_from` keeps its digits without a count.
    words = _LETTERS.findall(line) if len(line) + 1 >= 2 * fold_digits_from else []
    if len(words) < fold_digits_from:
        words = _TOKENS.findall(line)
    key = " ".join(words).casefold()
    return _MORE_SUFFIX.sub("", key) if key.endswith(_MORE_ENDINGS) else key


@register
@dataclass(frozen=True, kw_only=True)
class RepeatedParagraphs(Repair):
    """Remove lines that repeat an earlier line of the same document.

    Parameters:
        min_chars: shorter keys are never treated as repeats ("Yes." in a dialogue).
        near_min_words: lines with at least this many words are also matched approximately.
        near_jaccard: word-set Jaccard similarity at which two long lines are the same.
        distinct_figures: lines that differ only in their figures state different facts (two
            products' "Actual Weight: 9.7 ounces" and "9.2 ounces", a schedule's weeks, a
            changed count): digits stay in the key of every line, however long, and two lines
            whose differing words hold a digit are not a near match. Off, a line of
            `near_min_words` words or more matches with its digits dropped (a copy with a
            changed date).
    """

    name = "repeated-paragraph"
    min_chars: int = 20
    near_min_words: int = 8
    near_jaccard: float = 0.8
    distinct_figures: bool = False

    def __post_init__(self) -> None:
        require(self.min_chars >= 1, self.name, "min_chars", ">= 1", self.min_chars)
        require(
            self.near_min_words >= _ANCHOR_WORDS,
            self.name,
            "near_min_words",
            f">= {_ANCHOR_WORDS}",
            self.near_min_words,
        )
        require(
            0.0 < self.near_jaccard <= 1.0,
            self.name,
            "near_jaccard",
            "in (0, 1]",
            self.near_jaccard,
        )

    def repair(self, doc: Document) -> Document | Drop:
        seen: set[str] = set()
        anchors: dict[tuple[str, ...], list[frozenset[str]]] = {}
        repeats: dict[int, str] = {}
        for i, line in enumerate(doc.text.split("\n")):
            if not line:
                continue  # an empty key: shorter than `min_chars`
            key = line_key(line, _NEVER if self.distinct_figures else self.near_min_words)
            if len(key) < self.min_chars:
                continue
            if key in seen:
                repeats[i] = REASON
                continue
            seen.add(key)
            words = key.split()
            if len(words) < self.near_min_words:
                continue
            if self._near_repeat(words, anchors):
                repeats[i] = REASON
        remove_lines(doc, self.name, repeats)
        return doc

    def _near_repeat(
        self, words: list[str], anchors: dict[tuple[str, ...], list[frozenset[str]]]
    ) -> bool:
        bag = frozenset(words)
        keys = (tuple(words[:_ANCHOR_WORDS]), ("$", *words[-_ANCHOR_WORDS:]))
        for key in keys:
            for earlier in anchors.get(key, ()):
                shared = len(bag & earlier)
                if shared < self.near_jaccard * (len(bag) + len(earlier) - shared):
                    continue
                if self.distinct_figures and any(map(_has_digit, bag ^ earlier)):
                    continue  # another figure: another fact
                return True
        for key in keys:
            earlier_bags = anchors.setdefault(key, [])
            earlier_bags.append(bag)
            if len(earlier_bags) > _MAX_PER_ANCHOR:  # a table's rows share their first words:
                del earlier_bags[0]  # each line is compared with a bounded number of others
        return False
