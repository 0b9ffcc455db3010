"""Bytes to text for web pages. Crawled pages often declare a charset they do not use (valid
UTF-8 declared as iso-8859-1), so a strict UTF-8 decode goes first: text in a legacy single-byte
charset with any non-ASCII letter is almost never valid UTF-8 by accident. Then the declared
charset (HTTP header, then the page's meta tag), then detection."""

from __future__ import annotations

import codecs
import re

from resiliparse.parse.encoding import bytes_to_str, detect_encoding

# `<meta charset=...>` or `<meta http-equiv="content-type" content="...; charset=...">`,
# looked for in the first bytes only, as browsers do (the HTML spec's prescan reads 1024).
_META = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.I)
_PRESCAN = 4096
# The WHATWG encoding standard: these labels mean windows-1252, a superset that decodes the
# 0x80-0x9F bytes pages really use (curly quotes) instead of control characters.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso8859-1": "cp1252",
    "l1": "cp1252",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
}


def charset_from_content_type(value: str) -> str | None:
    """`text/html; charset=UTF-8` -> `utf-8`."""
    for part in value.split(";")[1:]:
        key, _, charset = part.partition("=")
        if key.strip().lower() == "charset" and charset.strip(" \"'"):
            return normalize_charset(charset.strip(" \"'"))
    return None


def charset_from_meta(data: bytes) -> str | None:
    match = _META.search(data[:_PRESCAN])
    return normalize_charset(match.group(1).decode("ascii", "replace")) if match else None


def normalize_charset(label: str) -> str | None:
    """A Python codec name for a charset label, or None for a label Python does not know."""
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str, str]:
    """The text, the charset used and how it was chosen (`utf-8`, `header`, `meta`,
    `detected`). Never raises: the last resort replaces what does not decode."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    declared = normalize_charset(declared) if declared else None
    for charset, how in ((declared, "header"), (charset_from_meta(data), "meta")):
        if charset and charset != "utf-8":
            try:
                return data.decode(charset), charset, how
            except (UnicodeDecodeError, LookupError):
                continue
    detected = normalize_charset(detect_encoding(data) or "") or "cp1252"
    return bytes_to_str(data, detected, errors="replace"), detected, "detected"
