"""A line's key: its text normalised the way `thresher.dedup` normalises text (case, spacing,
punctuation folded), each number (digits, and the dots, commas, colons, slashes and dashes
between them) one `0` and each English month and weekday name one token, so that "© 2008" and
"© 2012", "Published Tuesday 15 January 2008" and "Published Wednesday 9 February 2009" are one
line (a line that is a date and nothing else keeps its own text: see `_dated`); hashed to 63
bits (signed 64-bit readers take it as it is)."""

from __future__ import annotations

import re

import numpy as np
import xxhash

from thresher.dedup.minhash import normalized, normalized_by_line

# The version of the keys below: a saved table only mixes with keys made the same way.
KEYS_VERSION = 3
_MASK = 0x7FFF_FFFF_FFFF_FFFF
# The lookahead first: a position that starts no name is passed over at once (the whole
# alternation tried, case folded, at every position cost 65 ns a character).
_CALENDAR = re.compile(
    r"(?=[adfjmnostw])\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?)\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+(?:[.,:/-]\d+)*")  # a number, a time, a date in figures: one token
# three or more groups of figures joined by dots: a release ("Django 1.4.2"), a section
# number, an address; unless one group has four figures (a date, "15.01.2008")
_DOTTED = re.compile(r"\d+(?:\.\d+){2,}")
_FIGURES_TO_LETTERS = str.maketrans("0123456789.", "abcdefghijx")
CALENDAR_TOKEN = "0m"


def line_key(line: str) -> bytes:
    """The normalised line; "" for a line with no word (blank, punctuation, a bare number:
    the cells of a table of figures are not a site's template)."""
    return _dated(_key(_fold(line)), line)


def line_keys(text: str) -> list[bytes]:
    """`line_key` of each line of `text` (the substitutions and the fold made once for the
    whole text)."""
    folded = _fold(text)
    lines = folded.split("\n")  # the substitutions never add or take a line feed
    keys = [
        key if key.strip(b"0 ") else _symbols_key(line)
        for key, line in zip(normalized_by_line(folded), lines, strict=True)
    ]
    if _DATE_ONLY in b"\n".join(keys):  # rare: look at the original lines only then
        originals = text.split("\n")
        keys = [_dated(key, line) for key, line in zip(keys, originals, strict=True)]
    return keys


_DATE_ONLY = CALENDAR_TOKEN.encode()


def _fold(text: str) -> str:
    """Numbers and calendar names folded; a release or section number kept as itself (spelt
    in letters, so that number folding leaves it alone): "Django 1.4.2 release notes" names
    one page, where "© 2008" or "Page 3 of 7" is every page's line."""
    if "." in text:
        text = _DOTTED.sub(_spell_identifier, text)
    return _CALENDAR.sub(CALENDAR_TOKEN, _DIGITS.sub("0", text))


def _spell_identifier(match: re.Match[str]) -> str:
    figures = match.group()
    if any(len(group) >= 4 for group in figures.split(".")):
        return figures  # a date: folded with the other numbers
    return figures.translate(_FIGURES_TO_LETTERS)


def _dated(key: bytes, line: str) -> bytes:
    """A line of nothing but a date (numbers and month or weekday names, "September 10,
    2010") is keyed on its own text, numbers and names unfolded: a page's own date (a
    release's, an article's) is not every page's, while a date the whole site prints (the
    day it was built) still is; a date with words ("Last updated: ...") is folded."""
    if _DATE_ONLY not in key or key.replace(_DATE_ONLY, b"").strip(b"0 "):
        return key
    return b"=" + " ".join(line.lower().split()).encode("utf-8", "surrogatepass")


def _key(folded: str) -> bytes:
    """The key of a line whose numbers and calendar names are folded already."""
    # numbers first: "15th" keeps its shape ("0th"); a month name becomes a token that number
    # folding then leaves alone
    key = normalized(folded)
    return key if key.strip(b"0 ") else _symbols_key(folded)


def _symbols_key(folded: str) -> bytes:
    """The key of a line with no letter (so no calendar token either): the symbols tell
    "© 2008" from "[12]" from "42"; a bare number is no line."""
    symbols = " ".join(folded.split())
    return b"#" + symbols.encode("utf-8", "surrogatepass") if symbols.strip("0 ") else b""


def hash_key(key: bytes) -> int:
    return xxhash.xxh3_64_intdigest(key) & _MASK


def hash_site(site: str) -> int:
    return xxhash.xxh3_64_intdigest(site.encode("utf-8", "surrogatepass")) & _MASK


def line_hash(line: str) -> int | None:
    """The line's hash, None for a line with no word (blank, only punctuation)."""
    key = line_key(line)
    return hash_key(key) if key else None


def document_lines(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The distinct lines of `text` with words: their hashes (sorted), words per line and
    times each occurs; the lines with words in text order, as indexes into those; and the
    words of the whole text (every line with words, each time)."""
    keys = [k for k in line_keys(text) if k]
    hashed = [hash_key(k) for k in keys]
    words: dict[int, int] = {}
    times: dict[int, int] = {}
    for h, key in zip(hashed, keys, strict=True):
        words[h] = key.count(b" ") + 1
        times[h] = times.get(h, 0) + 1
    hashes = np.fromiter(sorted(words), np.uint64, len(words))
    where = {h: i for i, h in enumerate(hashes.tolist())}
    return (
        hashes,
        np.fromiter((min(words[h], 65535) for h in where), np.uint16, len(where)),
        np.fromiter((min(times[h], 65535) for h in where), np.uint16, len(where)),
        np.fromiter((where[h] for h in hashed), np.uint32, len(hashed)),
        sum(words[h] for h in hashed),
    )
