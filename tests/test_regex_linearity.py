"""No regular expression that sees document text backtracks catastrophically: every compiled
pattern of the package (module level and class attributes, found by walking `thresher`'s
modules) runs on pathological inputs of 10,000 and 100,000 characters, with the operations the
code uses it with, and the time may grow no more than 30x (linear growth is 10x, quadratic
100x; 20x failed once in CI on a linear pattern, `findall` of 100,000 line feeds, whose list
of matches makes the large call allocation-bound: 21x).

Timing is CPU time of this thread, the best of interleaved rounds with the garbage collector
off; a call on the large input under `FLOOR` seconds passes whatever the ratio (a quadratic
pattern takes seconds there, so the floor hides nothing), which keeps a fast pattern's
clock noise from failing the test on a busy machine.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import pkgutil
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import regex

import thresher
from thresher.quality.tokens import URL_MAX_CHARS

SMALL, LARGE = 10_000, 100_000
RATIO = 30.0
RETRIES = 2  # measures again before a pattern is called non-linear
FLOOR = 0.004  # seconds for one call on the large input
SMALL_LIMIT = 0.5  # seconds for one call on the small input: beyond it, fail without the large
ROUNDS = 3
PatternType = Any  # re.Pattern or regex.Pattern, of str or bytes
# Modules that cannot be imported for their patterns (the CLI entry point runs on import).
SKIPPED_MODULES = {"thresher.__main__"}
# Patterns compiled inside a function, out of the walk's reach, and why each is safe.
KNOWN_UNREACHABLE = {
    # an alternation of escaped literal marks: no quantifier, so no backtracking
    'dedup/minhash.py: return re.compile(b"|".join(re.escape(mark) for mark in marks))',
    # one character class per script name from the shipped thresholds table: no quantifier
    'quality/multilingual.py: return regex.compile(rf"\\p{{Script={script}}}")',
    # sub-alternations of a module-level pattern (spaCy's suffixes and prefixes, timed here
    # whole): a search or match with fewer alternatives backtracks no more than the whole's
    'quality/regex_ends.py: compiled.append(re.compile("|".join(parts[i] for i in key), flags))',
}
METACHARS = set("\\^$.|?*+()[]{}")
# Patterns the code only ever applies to text of bounded length, each with the bound the code
# enforces and why: they are timed at that bound instead of at 10k and 100k characters.
BOUNDED = {
    # spaCy's own URL pattern, quadratic on long runs of colons; tried on chunks of at most
    # URL_MAX_CHARS characters (quality/tokens.py)
    "thresher.quality.tokens._URL_RE": URL_MAX_CHARS,
}
BOUNDED_LIMIT = 0.05  # seconds for one call at the bound, on any shape


def _patterns_in(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, (re.Pattern, regex.Pattern)):
        yield "", value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (re.Pattern, regex.Pattern)):
                yield f"[{key!r}]", item
    elif isinstance(value, (list, tuple, frozenset, set)):
        for i, item in enumerate(value):
            if isinstance(item, (re.Pattern, regex.Pattern)):
                yield f"[{i}]", item


def collect_patterns() -> dict[str, tuple[PatternType, Path, str]]:
    """Every compiled pattern at module level (also inside module-level dicts, lists and
    tuples) and among the attributes of classes defined in the package: qualified name ->
    (pattern, source file, name in that file)."""
    found: dict[str, tuple[PatternType, Path, str]] = {}
    for info in pkgutil.walk_packages(thresher.__path__, "thresher."):
        if info.name in SKIPPED_MODULES:
            continue
        module = importlib.import_module(info.name)
        path = Path(inspect.getfile(module))
        for name, value in vars(module).items():
            for suffix, pattern in _patterns_in(value):
                found[f"{info.name}.{name}{suffix}"] = (pattern, path, name)
            if inspect.isclass(value) and value.__module__ == module.__name__:
                for attr, member in vars(value).items():
                    for suffix, pattern in _patterns_in(member):
                        found[f"{info.name}.{name}.{attr}{suffix}"] = (pattern, path, attr)
    # The same object reached twice (re-exported) is tested once, under its first name.
    seen: set[int] = set()
    unique = {}
    for key in sorted(found):
        if id(found[key][0]) not in seen:
            seen.add(id(found[key][0]))
            unique[key] = found[key]
    return unique


PATTERNS = collect_patterns()


def operations(path: Path, name: str) -> set[str]:
    """How the code calls the pattern: `NAME.op(` in its module's source (finditer where
    none is found: it scans the whole text, the most any operation does)."""
    source = path.read_text(encoding="utf-8")
    ops = set(
        re.findall(
            rf"\b{re.escape(name)}\.(search|match|fullmatch|findall|finditer|sub|subn|split)\(",
            source,
        )
    )
    return ops or {"finditer"}


def shapes(pattern: PatternType, size: int) -> dict[str, str]:
    """Pathological inputs of `size` characters: one character repeated, two alternating,
    the pattern's own literal characters repeated, whitespace runs, letters and spaces,
    punctuation runs, digits and dots."""
    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    literal = "".join(dict.fromkeys(c for c in source if c not in METACHARS and c.isprintable()))
    units = {
        "one-char": "a",
        "two-alternating": "ab",
        "own-literals": literal[:40] or "x",
        "own-literals-spaced": " ".join(literal[:20]) + " " if literal else "x ",
        "spaces": " ",
        "whitespace-mix": " \t\n ",
        "newlines": "\n",
        "letters-spaces": "word ",
        "punctuation": ".!?-",
        "digits-dots": "1.",
        "at-signs": "a@",
    }
    return {name: (unit * (size // len(unit) + 1))[:size] for name, unit in units.items()}


def as_input(pattern: Any, text: str) -> Any:
    """The text as the pattern takes it: bytes patterns (which see raw pages) get UTF-8."""
    return text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text


def _call(pattern: Any, op: str, text: Any) -> None:
    empty = b"" if isinstance(text, bytes) else ""
    if op == "finditer":
        deque(pattern.finditer(text), maxlen=0)
    elif op == "findall":
        pattern.findall(text)
    elif op == "sub":
        pattern.sub(empty, text)
    elif op == "subn":
        pattern.subn(empty, text)
    elif op == "split":
        pattern.split(text)
    elif op == "search":
        pattern.search(text)
    elif op == "match":
        pattern.match(text)
    elif op == "fullmatch":
        pattern.fullmatch(text)


def seconds(run: Callable[[], object]) -> float:
    """CPU seconds per call, over enough calls to read above the clock's resolution."""
    calls, started = 0, time.thread_time()
    while (elapsed := time.thread_time() - started) < 0.002:
        run()
        calls += 1
    return elapsed / calls


def growth(pattern: Any, op: str, small: Any, large: Any) -> tuple[float, float, float]:
    """(small seconds, large seconds, ratio), the best of `ROUNDS` interleaved rounds."""
    best_small = best_large = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(ROUNDS):
            best_small = min(best_small, seconds(lambda: _call(pattern, op, small)))
            if best_small > SMALL_LIMIT:
                return best_small, float("inf"), float("inf")
            best_large = min(best_large, seconds(lambda: _call(pattern, op, large)))
            if best_large < FLOOR:
                return best_small, best_large, 1.0
    finally:
        if enabled:
            gc.enable()
    return best_small, best_large, best_large / best_small


def test_patterns_are_found() -> None:
    """The walk reaches the modules that hold the text-facing patterns; a refactor that hid
    them (in a function, say) would silently empty this test."""
    modules = {key.rsplit(".", 1)[0] for key in PATTERNS}
    for expected in (
        "thresher.repair.boilerplate",
        "thresher.repair.error_template",
        "thresher.repair.pii",
        "thresher.repair.unicode",
        "thresher.repair.repetition",
        "thresher.quality.c4",
        "thresher.text",
        "thresher.dedup.minhash",
    ):
        assert expected in modules
    assert len(PATTERNS) >= 40


def test_no_pattern_is_compiled_out_of_reach() -> None:
    """Every `re.compile`/`regex.compile` in the package is at module level (so the walk
    above reaches it), and no pattern is passed as a string to `re.search` and the like."""
    root = Path(thresher.__file__).parent
    unreachable = []
    for path in sorted(root.rglob("*.py")):
        for _number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(
                r"\b(re|regex)\.(search|match|fullmatch|findall|finditer|sub|subn|split)\(", line
            ) or (
                re.search(r"\b(re|regex)\.compile\(", line)
                and not re.match(
                    r"[A-Za-z_][A-Za-z0-9_]* *(: *[^=]+)?= *(re|regex)\.compile\(", line
                )
            ):
                unreachable.append(f"{path.relative_to(root)}: {line.strip()}")
    unreachable = [u for u in unreachable if u not in KNOWN_UNREACHABLE]
    assert not unreachable, "patterns the linearity test cannot reach:\n" + "\n".join(unreachable)


@pytest.mark.parametrize("key", sorted(BOUNDED))
def test_bounded_patterns_are_fast_at_their_bound(key: str) -> None:
    pattern, path, name = PATTERNS[key]
    slow = []
    for shape, text in shapes(pattern, BOUNDED[key]).items():
        data = as_input(pattern, text)
        for op in sorted(operations(path, name)):
            took = min(seconds(partial(_call, pattern, op, data)) for _ in range(3))
            if took > BOUNDED_LIMIT:
                slow.append(f"{op} on {shape}: {took * 1e3:.1f} ms")
    assert not slow, f"{key} at {BOUNDED[key]} characters:\n" + "\n".join(slow)


@pytest.mark.parametrize("key", sorted(set(PATTERNS) - set(BOUNDED)))
def test_pattern_time_grows_linearly(key: str) -> None:
    pattern, path, name = PATTERNS[key]
    ops = sorted(operations(path, name))
    small_inputs, large_inputs = shapes(pattern, SMALL), shapes(pattern, LARGE)
    failures = []
    for shape in small_inputs:
        for op in ops:
            small = as_input(pattern, small_inputs[shape])
            large = as_input(pattern, large_inputs[shape])
            small_s, large_s, ratio = growth(pattern, op, small, large)
            for _ in range(RETRIES):  # a busy machine can stall one measure; a slow pattern
                if ratio <= RATIO:  # fails every time
                    break
                small_s, large_s, ratio = growth(pattern, op, small, large)
            if ratio > RATIO:
                failures.append(
                    f"{op} on {shape}: {small_s * 1e3:.2f} ms at 10k, {large_s * 1e3:.2f} ms at"
                    f" 100k ({ratio:.0f}x)"
                )
    assert not failures, f"{key} grows faster than linearly:\n" + "\n".join(failures)
