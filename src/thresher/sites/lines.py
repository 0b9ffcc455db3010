"""A line's key: its text normalised the way `thresher.dedup` normalises text (case, spacing,
punctuation folded), each number (digits, and the dots, commas, colons, slashes and dashes
between them) one `0` and each English month and weekday name one token, so that "© 2008" and
"© 2012", "Tuesday 15 January 2008" and "Wednesday 9 February 2009" are one line; hashed to
63 bits (signed 64-bit readers take it as it is)."""

from __future__ import annotations

import re

import numpy as np
import xxhash

from thresher.dedup.minhash import normalized

# The version of the keys below: a saved table only mixes with keys made the same way.
KEYS_VERSION = 1
_MASK = 0x7FFF_FFFF_FFFF_FFFF
_CALENDAR = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?)\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+(?:[.,:/-]\d+)*")  # a number, a time, a date in figures: one token
CALENDAR_TOKEN = "0m"


def line_key(line: str) -> bytes:
    """The normalised line; "" for a line with no word (blank, punctuation, a bare number:
    the cells of a table of figures are not a site's template)."""
    return _key(_CALENDAR.sub(CALENDAR_TOKEN, _DIGITS.sub("0", line)))


def line_keys(text: str) -> list[bytes]:
    """`line_key` of each line of `text` (the substitutions made once for the whole text)."""
    return [
        _key(line) for line in _CALENDAR.sub(CALENDAR_TOKEN, _DIGITS.sub("0", text)).split("\n")
    ]


def _key(folded: str) -> bytes:
    """The key of a line whose numbers and calendar names are folded already."""
    # numbers first: "15th" keeps its shape ("0th"); a month name becomes a token that number
    # folding then leaves alone
    key = normalized(folded)
    if key.strip(b"0 "):
        return key
    # no letter (so no calendar token either): the symbols tell "© 2008" from "[12]" from
    # "42"; a bare number is no line
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
