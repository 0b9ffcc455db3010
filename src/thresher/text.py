"""Text measures shared by steps."""

from __future__ import annotations

import re

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A word: one Chinese or Japanese character (those scripts write no spaces), or a run of other
# non-space characters.
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def count_words(text: str) -> int:
    """Words in `text`, counting each CJK character as one, so that a Chinese paragraph is as
    long as its English translation would be, give or take."""
    if text.isascii():
        return len(text.split())
    return len(_WORD.findall(text))


def has_at_least_words(text: str, minimum: int) -> bool:
    """`count_words(text) >= minimum`, without the full count when spaces already show it."""
    return len(text.split()) >= minimum or count_words(text) >= minimum


# Characters no real text holds more than a trace of: U+FFFD (what a decoder leaves for bytes
# that are not text), C0 and C1 controls other than tab and the line separators (\n \v \f \r,
# \x1c-\x1e, U+0085), lone surrogates and the noncharacters of the Basic Multilingual Plane.
# (The astral planes' noncharacters are left out: with them in the class, `re` scans a
# megabyte in 40 ms instead of 3.)
_NOT_TEXT_CHAR = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffd\ufffe\uffff]"
)
_NOT_TEXT_ASCII = bytes([*range(0x00, 0x09), *range(0x0E, 0x1C), 0x1F, 0x7F])
# A C1 control after a UTF-8 lead or continuation byte read as Latin-1 (Ð\x9f, â\x80\x99): a
# byte of mojibake, which the normalize step repairs, not garbage. Non-Latin text read as
# Latin-1 holds one in every three to six characters.
_MOJIBAKE_C1 = re.compile("(?<=[\x80-\xbf\xc2-\xf4])[\x80-\x84\x86-\x9f]")


def not_text_share(text: str) -> float:
    """The share of `text`'s characters that are replacement characters, control characters
    (other than the bytes of mojibake) or noncharacters: near 0 in any real text, about half in
    random bytes decoded as UTF-8. About 3 ms a megabyte (0.6 for ASCII)."""
    if not text:
        return 0.0
    if text.isascii():
        data = text.encode("ascii")
        return (len(data) - len(data.translate(None, _NOT_TEXT_ASCII))) / len(data)
    found = len(_NOT_TEXT_CHAR.findall(text))
    if found:
        found -= len(_MOJIBAKE_C1.findall(text))
    return found / len(text)
