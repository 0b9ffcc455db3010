"""Unicode and whitespace normalisation: mojibake repaired with ftfy, odd spaces and control
characters cleaned, every line separator made a line break, runs of blank lines collapsed.
Curly quotes, dashes, full-width forms and ligatures are left as the author wrote them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import ftfy
from ftfy.badness import is_bad

from thresher.document import Document
from thresher.edits import LineChange, rewrite_lines
from thresher.steps import Drop, Repair, register, require

REASON = "unicode"
WHITESPACE_REASON = "whitespace"

# Anything a clean text never holds: carriage returns, C0/C1 controls other than tab and
# newline, line separators other than newline, odd spaces; with `_SPACING`, the substrings of
# misplaced spacing. Together they decide the fast path without a per-line look.
_SUSPECT_CHAR = re.compile(
    r"[\r\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00a0\u2000-\u200b\u2028\u2029\u202f\u205f\ufeff]"
)
_SPACING = ("  ", " \n", "\n ", "\n\n\n")
_ODD_SPACE = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_SPACES = re.compile(r" {2,}")

# UTF-8 read as Latin-1 or Windows-1252 leaves a lead byte (Â…ô) before a continuation byte
# (U+0080…U+00BF, or the characters cp1252 maps those bytes to). ftfy's own badness test is
# far slower, so it runs only on text this cheap scan flags.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)

_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    normalization=None,
    explain=False,
)


@register
@dataclass(frozen=True, kw_only=True)
class NormalizeText(Repair):
    """Repair mojibake and normalise whitespace line by line; each changed line is one edit.

    Parameters:
        fix_mojibake: repair text decoded with the wrong charset (ftfy).
        normalization: Unicode normal form applied to changed lines ("NFC", "NFKC" or "").
        max_blank_lines: longest run of blank lines kept between paragraphs.
    """

    name = "normalize"
    fix_mojibake: bool = True
    normalization: str = "NFC"
    max_blank_lines: int = 1

    def __post_init__(self) -> None:
        require(
            self.normalization in ("NFC", "NFKC", ""),
            self.name,
            "normalization",
            "one of 'NFC', 'NFKC', ''",
            self.normalization,
        )
        require(
            self.max_blank_lines >= 0, self.name, "max_blank_lines", ">= 0", self.max_blank_lines
        )

    def repair(self, doc: Document) -> Document | Drop:
        text = doc.text
        mojibake = (
            self.fix_mojibake
            and not text.isascii()
            and _MOJIBAKE_HINT.search(text) is not None
            and is_bad(text)
        )
        unnormal = bool(self.normalization) and not unicodedata.is_normalized(self._form, text)
        if not (mojibake or unnormal or _misspaced(text) or _SUSPECT_CHAR.search(text)):
            return doc
        rewrite_lines(doc, self.name, self._changes(text.split("\n"), mojibake))
        return doc

    @property
    def _form(self) -> Literal["NFC", "NFKC"]:
        return "NFKC" if self.normalization == "NFKC" else "NFC"

    def _changes(self, lines: list[str], mojibake: bool) -> dict[int, LineChange]:
        """Each line (split at "\\n") becomes the lines it holds, split at every other line
        separator as `str.splitlines` splits (a CR, form feed or U+2028 between two words is a
        line break: deleting it would glue them; CRLF is one break), each fixed; blank lines
        past `max_blank_lines`, and at the start and end, go."""
        kept_by_line: list[list[str]] = []
        blank_run = self.max_blank_lines  # the start counts as a blank: no leading blank lines
        last_text = (-1, 0)  # the last line holding text, and its pieces up to that text
        for i, line in enumerate(lines):
            kept: list[str] = []
            # mojibake first: in UTF-8 read as Latin-1, U+0085 is a byte of a character
            # (Cyrillic "х", CJK ideographs), not a line separator
            repaired = self._demojibake(line) if mojibake else line
            for piece in repaired.splitlines() or [repaired]:
                fixed = self._fix_line(piece)
                if fixed:
                    blank_run = 0
                else:
                    blank_run += 1
                    if blank_run > self.max_blank_lines:
                        continue
                kept.append(fixed)
                if fixed:
                    last_text = (i, len(kept))
            kept_by_line.append(kept)
        last_line, last_pieces = last_text
        if last_line >= 0:
            del kept_by_line[last_line][last_pieces:]
        return {
            i: change
            for i, (line, kept) in enumerate(zip(lines, kept_by_line, strict=True))
            if (change := _line_change(line, kept if i <= last_line else [])) is not None
        }

    @staticmethod
    def _demojibake(line: str) -> str:
        return line if line.isascii() else ftfy.fix_text(line, _FTFY_CONFIG)

    def _fix_line(self, line: str) -> str:
        line = _INVISIBLE.sub("", _ODD_SPACE.sub(" ", line))
        line = _SPACES.sub(" ", line.strip(" "))
        if self.normalization:
            line = unicodedata.normalize(self._form, line)
        return line


def _line_change(line: str, kept: list[str]) -> LineChange | None:
    """The change that turns `line` into the lines `kept` (none left: its removal)."""
    if not kept:
        return WHITESPACE_REASON, None
    fixed = "\n".join(kept)
    if fixed == line:
        return None
    return (WHITESPACE_REASON if _only_space_differs(line, fixed) else REASON), fixed


def _misspaced(text: str) -> bool:
    return (
        text.startswith((" ", "\n"))
        or text.endswith((" ", "\n"))
        or any(bad in text for bad in _SPACING)
    )


def _only_space_differs(before: str, after: str) -> bool:
    return "".join(before.split()) == "".join(after.split())
