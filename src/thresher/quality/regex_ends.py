"""Search an alternation of end-anchored patterns trying only the alternatives that can match.

spaCy's suffix pattern is some 80 alternatives, each ending at `$`. `re.search` tries every one
at every position of a chunk, and most chunks end with a character that no alternative can end
with. Every match of such an alternative ends at the end of the text (the text never holds a
line feed: it is a whitespace-free chunk), so its last character is the text's last
character; an alternative that cannot end with that character cannot match anywhere. Keeping
only the alternatives that can, in their order, gives the same leftmost match, hence the same
span, for a fraction of the work.

The last characters are read from the parsed pattern (`re._parser`, the standard library's own
parser). Anything this reader does not understand counts as "any character", which keeps the
alternative in every group: the split can only ever be coarser, never wrong.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_codes: Any
_sre_parse: Any
try:  # private modules (typeshed has no stubs): without them every alternative counts as "any"
    _codes = importlib.import_module("re._constants")
    _sre_parse = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - a Python whose re has another layout
    _sre_parse = None

_ANY = None  # an alternative that may end with any character


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of `pattern` (split at `|` outside groups and classes)."""
    parts: list[str] = []
    depth = 0
    in_class = False
    start = i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1 + pattern.startswith("^", i + 1)
            i += pattern.startswith("]", i)  # a "]" right after "[" or "[^" is a member
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def last_characters(alternative: str) -> frozenset[str] | None:
    """The characters a match of `alternative` can end with, when it is anchored at the end of
    the text (`$` or `\\Z` last); None when that is not certain."""
    parsed = _parsed(alternative)
    if parsed is None or not _anchored_at_end(parsed):
        return _ANY
    found, nullable = _ends_of_sequence(parsed, first=False)
    return None if found is _ANY or nullable else frozenset(found)


def _parsed(alternative: str) -> Any:
    """The parsed alternative; None where it cannot be read, or where case folding or verbose
    syntax change which characters it matches."""
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(alternative)
    except (re.error, TypeError, ValueError, AttributeError):
        return None
    return None if parsed.state.flags & (re.IGNORECASE | re.VERBOSE) else parsed


def first_characters(alternative: str) -> frozenset[str] | None:
    """The characters a match of `alternative` can start with (lookarounds and anchors are
    zero width: the first character matched is what counts); None when that is not certain,
    or when it can match the empty string."""
    parsed = _parsed(alternative)
    if parsed is None:
        return _ANY
    found, nullable = _ends_of_sequence(parsed, first=True)
    return None if found is _ANY or nullable else frozenset(found)


class StartMatch:
    """The `match` of `full`, an alternation, trying only the alternatives that can start with
    the text's first character (a match starts at the text's start: its first character is
    the text's); and `can_match(text)`, False where no alternative can match anywhere in the
    text, because the text holds none of the characters a match can start with. Alternatives
    whose first character is unknown are tried for every text."""

    def __init__(self, full: re.Pattern[str]) -> None:
        self.full = full
        parts = split_alternatives(full.pattern)
        plain = not full.flags & (re.IGNORECASE | re.VERBOSE)
        starts = [first_characters(part) if plain else _ANY for part in parts]
        self._groups, self._group_of_first, self._other = _grouped(parts, starts, full.flags)
        self._any_start = any(chars is _ANY for chars in starts)
        self._starts = frozenset().union(*(chars for chars in starts if chars is not _ANY))

    def match(self, text: str) -> re.Match[str] | None:
        group = self._group_of_first.get(text[:1], self._other)
        return None if group < 0 else self._groups[group].match(text)

    def can_match(self, text: str) -> bool:
        return self._any_start or not self._starts.isdisjoint(text)


def _grouped(
    parts: list[str], chars_of: list[frozenset[str] | None], flags: int
) -> tuple[tuple[re.Pattern[str], ...], dict[str, int], int]:
    """The alternatives grouped by a character: per character, the index of the pattern of
    the alternatives (in their order) that can have it (`chars_of`), with those that can have
    any; and the index of the pattern of those alone (-1: none)."""
    any_char = [index for index, chars in enumerate(chars_of) if chars is _ANY]
    members: dict[str, list[int]] = {}
    for index, chars in enumerate(chars_of):
        for char in chars or ():
            members.setdefault(char, []).append(index)
    groups: dict[tuple[int, ...], int] = {}
    compiled: list[re.Pattern[str]] = []

    def group_of(indices: list[int]) -> int:
        key = tuple(sorted(set(indices)))
        if not key:
            return -1
        if key not in groups:
            groups[key] = len(compiled)
            compiled.append(re.compile("|".join(parts[i] for i in key), flags))
        return groups[key]

    of_char = {char: group_of(found + any_char) for char, found in members.items()}
    other = group_of(any_char)
    return tuple(compiled), of_char, other


class EndAnchoredSearch:
    """The `search` of `full`, an alternation whose alternatives match only at the end of the
    text, trying only the alternatives that can end with the text's last character.
    Alternatives that are not provably end-anchored, or whose last character is unknown, are
    tried for every text."""

    def __init__(self, full: re.Pattern[str]) -> None:
        self.full = full
        parts = split_alternatives(full.pattern)
        # case folding, `$` at every line end, or verbose syntax change what an alternative's
        # last character can be: then every alternative is tried for every text
        plain = not full.flags & (re.IGNORECASE | re.MULTILINE | re.VERBOSE)
        ends = [last_characters(part) if plain else _ANY for part in parts]
        self._groups, self._group_of_last, self._other = _grouped(parts, ends, full.flags)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if not text or text[-1] == "\n":  # `$` also matches before a final line feed
            return self.full.search(text, pos)
        group = self._group_of_last.get(text[-1], self._other)
        return None if group < 0 else self._groups[group].search(text, pos)


def _anchored_at_end(items: Any) -> bool:
    for op, value in reversed(list(items)):
        if op in (_codes.ASSERT, _codes.ASSERT_NOT):
            continue
        return op is _codes.AT and value in (_codes.AT_END, _codes.AT_END_STRING)
    return False


def _ends_of_sequence(items: Any, first: bool) -> tuple[set[str] | None, bool]:
    """The first (or last) characters of a parsed sequence, and whether it can match the
    empty string."""
    found: set[str] = set()
    for op, value in list(items) if first else reversed(list(items)):
        if op in (_codes.AT, _codes.ASSERT, _codes.ASSERT_NOT):
            continue  # zero width: the character after (before) it starts (ends) the match
        chars, nullable = _ends_of_item(op, value, first)
        if chars is _ANY:
            return _ANY, False
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _ends_of_item(op: Any, value: Any, first: bool) -> tuple[set[str] | None, bool]:
    if op is _codes.LITERAL:
        return {chr(value)}, False
    if op is _codes.IN:
        return _class_members(value), False
    if op is _codes.BRANCH:
        found: set[str] = set()
        nullable = False
        for sequence in value[1]:
            chars, empty = _ends_of_sequence(sequence, first)
            if chars is _ANY:
                return _ANY, False
            found |= chars
            nullable |= empty
        return found, nullable
    if op is _codes.SUBPATTERN:
        if value[1] or value[2]:  # inline flags (case folding) change what matches
            return _ANY, False
        return _ends_of_sequence(value[3], first)
    if op in (_codes.MAX_REPEAT, _codes.MIN_REPEAT):
        chars, empty = _ends_of_sequence(value[2], first)
        return chars, chars is not _ANY and (empty or value[0] == 0)
    return _ANY, False


def _class_members(value: Any) -> set[str] | None:
    members: set[str] = set()
    for op, item in value:
        if op is _codes.LITERAL:
            members.add(chr(item))
        elif op is _codes.RANGE:
            members.update(map(chr, range(item[0], item[1] + 1)))
        else:  # a negated class or a category (\d, \w): leave it to the full pattern
            return _ANY
    return members
