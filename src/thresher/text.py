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
