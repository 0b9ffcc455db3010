"""Word and sentence splitting that follows spaCy's English tokenizer and sentencizer.

The published heuristics (Gopher, C4, FineWeb) count words as datatrove does, with spaCy's
blank English pipeline; matching their verdicts means splitting the same way. thresher ships
spaCy's rule data (`spacy_en_rules.json`, exported by `tools/gen_spacy_rules.py`) and applies
it with the algorithm spaCy documents: split on whitespace, then peel prefixes and suffixes,
stop at special cases and URLs, split what remains on infixes. Each distinct whitespace-separated
chunk is tokenized once per process and cached, as spaCy does, so most chunks cost one dict
lookup.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from importlib import resources
from itertools import chain
from typing import Any

from thresher.quality.regex_ends import EndAnchoredSearch, StartMatch

_RULES: dict[str, Any] = json.loads(
    resources.files("thresher.quality").joinpath("spacy_en_rules.json").read_text("utf-8")
)
_PREFIX_RE = re.compile(_RULES["prefix"])
_SUFFIX_RE = re.compile(_RULES["suffix"])
# The same search, trying only the suffixes that can end with the chunk's last character
# (every suffix alternative ends at `$`): most chunks end with a letter no suffix ends with.
_SUFFIX_SEARCH = EndAnchoredSearch(_SUFFIX_RE).search
_INFIX_RE = re.compile(_RULES["infix"])
_URL_RE = re.compile(_RULES["url"])
# Every prefix alternative is anchored at the start (`^`), so `match` finds what `search`
# would, without trying every later position of a long chunk; and only the alternatives that
# can start with the chunk's first character are tried.
_PREFIX = StartMatch(_PREFIX_RE).match
_INFIX = _INFIX_RE.finditer
# No infix can match in a chunk without a character an infix match starts with (a period, a
# hyphen, a symbol...): most chunks left after the affixes are peeled.
_INFIX_CAN_MATCH = StartMatch(_INFIX_RE).can_match
_URL = _URL_RE.match
# spaCy's URL pattern backtracks quadratically on a long chunk full of colons (its optional
# `user:password@` part); it is only tried on chunks up to this long, which every real URL is.
URL_MAX_CHARS = 2048
# Every suffix alternative ends at `$`; all but `\.\.+` are a few characters long. A search
# from this many characters before the end finds the same match unless the match starts right
# at the window's edge (a longer run of dots, perhaps) or none is found: then the whole chunk
# is searched, as spaCy does.
_SUFFIX_WINDOW = 64
# A chunk peeled of this many prefix and suffix rounds is a run of marks, not text: its rest is
# cut into word runs and single characters (what further peeling gives such a run) in linear
# time, where peeling on takes time quadratic in its length.
_MAX_AFFIX_ROUNDS = 64
_RUN_PIECES = re.compile(r"\w+|\S")


def _suffix(text: str) -> re.Match[str] | None:
    start = len(text) - _SUFFIX_WINDOW
    if start > 0:
        found = _SUFFIX_SEARCH(text, start)
        if found is not None and found.start() > start:
            return found
    return _SUFFIX_SEARCH(text)


_SPECIAL: dict[str, tuple[str, ...]] = {
    key: tuple(pieces) for key, pieces in _RULES["special_cases"].items()
}
SENTENCE_PUNCT = frozenset(_RULES["sentence_punct"])
# Special cases that hold affix characters ("):", "g.", "''") are only reachable after the
# affixes are split; spaCy then merges the pieces back, and so does `_merge_specials`.
_AFFIX_SPECIAL = {
    key: pieces
    for key, pieces in _SPECIAL.items()
    if _PREFIX(key) or _suffix(key) or any(True for _ in _INFIX(key))
}
_AFFIX_SPECIAL_PIECES = 4
# Every leading part of those special cases: a token that is none of them cannot start one.
_AFFIX_SPECIAL_STARTS = frozenset(key[:end] for key in _AFFIX_SPECIAL for end in range(1, len(key)))
_PLAIN_MARKS = frozenset(',;:!?)"')
_ASCII_LOWER = frozenset(string.ascii_lowercase)

_CACHE: dict[str, tuple[str, ...]] = {}
_CACHE_ENTRIES = 200_000
_CACHE_CHUNK_CHARS = 64


def words(text: str) -> list[str]:
    """The words of `text` as spaCy's English tokenizer splits them, whitespace dropped."""
    return list(chain.from_iterable(chunk_tokens(text)))


def words_by_chunk(text: str) -> tuple[list[str], list[int]]:
    """The words of `text`, and how many of them each whitespace-separated chunk gave."""
    found = chunk_tokens(text)
    return list(chain.from_iterable(found)), list(map(len, found))


def chunk_tokens(text: str) -> list[tuple[str, ...]]:
    """The tokens of each whitespace-separated chunk of `text` (`text.split()`), in order: a
    chunk's tokens depend on the chunk alone, so the words of any run of whole lines are those
    of its chunks."""
    chunks = text.split()
    found = list(map(_CACHE.get, chunks))  # the loop runs in C; misses come back as None
    miss = -1
    try:
        while True:  # `index` scans in C: only the misses cost a Python step
            miss = found.index(None, miss + 1)
            found[miss] = _tokenize_cached(chunks[miss])
    except ValueError:
        pass
    return found  # type: ignore[return-value]


def _tokenize_cached(chunk: str) -> tuple[str, ...]:
    tokens = _tokenize_chunk(chunk)
    if len(chunk) <= _CACHE_CHUNK_CHARS:
        if len(_CACHE) >= _CACHE_ENTRIES:
            _CACHE.clear()
        _CACHE[chunk] = tokens
    return tokens


def count_sentences(tokens: list[str]) -> int:
    """Sentences as spaCy's sentencizer finds them: a new one starts at the first token that is
    not punctuation after a token of sentence-final punctuation."""
    if not tokens:
        return 0
    sentences = 1
    seen_final = False
    for token in tokens:
        if token in SENTENCE_PUNCT:
            seen_final = True
        elif seen_final and not is_punct(token):
            sentences += 1
            seen_final = False
    return sentences


def is_punct(token: str) -> bool:
    """spaCy's `is_punct`: every character is Unicode punctuation (category P*)."""
    return all(unicodedata.category(ch).startswith("P") for ch in token)


def _tokenize_chunk(chunk: str) -> tuple[str, ...]:
    special = _SPECIAL.get(chunk)
    if special is not None:
        return special
    if chunk.isalpha() or chunk.isdigit():
        return (chunk,)
    fast = _word_and_mark(chunk)
    if fast is not None:
        return fast
    return _tokenize_slow(chunk)


def _word_and_mark(chunk: str) -> tuple[str, ...] | None:
    """The commonest shape, a word and one trailing mark ("said," "end."), without the regexes:
    the mark is an unconditional suffix, and a period is one after a lowercase letter."""
    stem, mark = chunk[:-1], chunk[-1]
    if not stem.isalpha() or not (
        mark in _PLAIN_MARKS or (mark == "." and stem[-1] in _ASCII_LOWER)
    ):
        return None
    return None if stem in _SPECIAL else (stem, mark)


def _tokenize_slow(chunk: str) -> tuple[str, ...]:
    prefixes: list[str] = []
    suffixes: list[str] = []
    rest = _split_affixes(chunk, prefixes, suffixes)
    tokens = (*prefixes, *_attach(rest), *reversed(suffixes))
    return _merge_specials(tokens) if len(tokens) > 1 else tokens


def _merge_specials(tokens: tuple[str, ...]) -> tuple[str, ...]:
    if _AFFIX_SPECIAL_STARTS.isdisjoint(tokens):  # no token starts one (most chunks), in C
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] not in _AFFIX_SPECIAL_STARTS:
            out.append(tokens[i])
            i += 1
            continue
        for j in range(min(len(tokens), i + _AFFIX_SPECIAL_PIECES), i + 1, -1):
            special = _AFFIX_SPECIAL.get("".join(tokens[i:j]))
            if special is not None:
                out.extend(special)
                i = j
                break
        else:
            out.append(tokens[i])
            i += 1
    return tuple(out)


def _split_affixes(text: str, prefixes: list[str], suffixes: list[str]) -> str:
    last = -1
    rounds = 0
    while text and len(text) != last:
        if text in _SPECIAL:
            break
        rounds += 1
        if rounds > _MAX_AFFIX_ROUNDS:
            prefixes.extend(_RUN_PIECES.findall(text))
            return ""
        last = len(text)
        pre = _PREFIX(text)
        pre_len = pre.end() - pre.start() if pre else 0
        if pre_len and text[pre_len:] in _SPECIAL:
            prefixes.append(text[:pre_len])
            return text[pre_len:]
        suf = _suffix(text[pre_len:])
        suf_len = suf.end() - suf.start() if suf else 0
        if suf_len and text[:-suf_len] in _SPECIAL:
            suffixes.append(text[-suf_len:])
            return text[:-suf_len]
        if pre_len and suf_len and pre_len + suf_len <= len(text):
            prefixes.append(text[:pre_len])
            suffixes.append(text[-suf_len:])
            text = text[pre_len:-suf_len]
        elif pre_len:
            prefixes.append(text[:pre_len])
            text = text[pre_len:]
        elif suf_len:
            suffixes.append(text[-suf_len:])
            text = text[:-suf_len]
        if text in _SPECIAL:
            break
    return text


def _attach(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    special = _SPECIAL.get(text)
    if special is not None:
        return special
    if not _INFIX_CAN_MATCH(text) or _INFIX_RE.search(text) is None:
        # nothing to split: a URL or not, it stays whole
        return (text,)
    if len(text) <= URL_MAX_CHARS and _URL(text):
        return (text,)
    tokens: list[str] = []
    start = 0
    for match in _INFIX(text):
        if match.start() == 0:  # an infix at the very start is no split point
            continue
        if match.start() != start:
            tokens.append(text[start : match.start()])
        if match.start() != match.end():
            tokens.append(text[match.start() : match.end()])
        start = match.end()
    if start < len(text):
        tokens.append(text[start:])
    return tuple(tokens) if tokens else (text,)
