"""One analysis of a text, shared by every quality rule that looks at it: the words are split
once, whatever number of rules read them."""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from time import perf_counter
from typing import TypeVar

import regex

from thresher.document import Document
from thresher.quality.tokens import words_by_chunk
from thresher.steps import Step, StepStats

T = TypeVar("T")

_STERM = regex.compile(r"\p{Sentence_Terminal}")
_SYMBOLS = frozenset("#$%&*+<=>@^_`|~\\/-")


@lru_cache(maxsize=65_536)
def is_terminal(char: str) -> bool:
    """Sentence-final punctuation in any script (Unicode's Sentence_Terminal property)."""
    return _STERM.match(char) is not None


@lru_cache(maxsize=65_536)
def is_symbol_word(word: str) -> bool:
    """A word made only of punctuation and ASCII symbols ("--", "#", "...")."""
    return all(ch in _SYMBOLS or unicodedata.category(ch).startswith("P") for ch in word)


@lru_cache(maxsize=65_536)
def bare_word(word: str) -> str:
    """`word` without the punctuation and symbols around it ("“The" -> "The", "end." -> "end")."""
    start, end = 0, len(word)
    while start < end and is_symbol_word(word[start]):
        start += 1
    while end > start and is_symbol_word(word[end - 1]):
        end -= 1
    return word[start:end]


@lru_cache(maxsize=65_536)
def has_letter(word: str) -> bool:
    return word.isalpha() or any(ch.isalpha() for ch in word)


@dataclass(eq=False)
class Analysis:
    """Lazily computed views of one text. Build it with `analyse(text)`."""

    text: str
    # `gopher-repetition`'s signals of the text, when a batch computed them ahead of its turn
    repetition: dict[str, float] | None = None
    # `fineweb2`'s words of the text and its n-gram characters (the top 2- to 4-grams', the
    # repeated 5- to 10-grams'), when a batch computed them ahead of its turn
    fineweb2: tuple[list[str], list[int]] | None = None

    @cached_property
    def words(self) -> list[str]:
        words, self.chunk_sizes = words_by_chunk(self.text)
        return words

    # how many of `words` each whitespace-separated chunk of the text gave (set with `words`)
    chunk_sizes: list[int] = field(default_factory=list, init=False, repr=False)

    def line_words(self) -> LineWords:
        """A cursor over the words of the text's lines, in order (`LineWords`)."""
        return LineWords(self.words, self.chunk_sizes)

    @cached_property
    def chunks(self) -> list[str]:
        """The whitespace-separated words, punctuation attached (the Gopher paper's words)."""
        return self.text.split()


class LineWords:
    """The words of a text's parts, read in order: `next(part)` gives the words of the next
    part (the text's next run of whole lines) as `split_words(part)` would, from the text's
    words, sliced by the number of chunks the part holds."""

    def __init__(self, words: list[str], chunk_sizes: list[int]) -> None:
        self._words = words
        self._sizes = chunk_sizes
        self._chunk = self._word = 0

    def next(self, part: str) -> tuple[list[str], list[int]]:
        """The part's words, and how many of them each of its chunks gave."""
        chunks = len(part.split())
        sizes = self._sizes[self._chunk : self._chunk + chunks]
        count = sum(sizes)
        found = self._words[self._word : self._word + count]
        self._chunk += chunks
        self._word += count
        return found, sizes


# The documents whose analysis is kept, latest last. A document waits in memory until its
# chunk is written (2,000 of them by default): its word list kept all that time would double
# what a long document costs. Steps are chained lazily, each document passing every step before
# the next one starts, except a step that judges a batch at once (`gopher-repetition`, at most
# BATCH_CHARS of text): the latest HELD_CHARS of text (at most HELD_MOST documents), and
# always the latest HELD_DOCUMENTS, are all the steps after can ask for again.
_HOLDERS: deque[tuple[Document, Analysis]] = deque()
HELD_DOCUMENTS = 8
BATCH_CHARS = 1 << 18  # 16,384 words (gopher-repetition's batch) are about 100 KiB of text
HELD_CHARS = 2 * BATCH_CHARS
HELD_MOST = 512  # documents, however short (a batch holds at most 256)
_held_chars = 0


def judge_in_batches(
    step: Step,
    docs: Iterable[Document],
    stats: StepStats | None,
    pick: Callable[[Document], tuple[T, int] | None],
    prepare: Callable[[list[T]], None],
    most_words: int,
) -> Iterator[Document]:
    """`Step.__call__` of `step`, the work its documents share done a batch at a time first:
    `pick(doc)` gives what `prepare` needs of a document not yet rejected, with its number of
    words (None: nothing to prepare), and `prepare` does a batch's work (timed as the step's).
    A batch is at most `step.read_ahead` documents, `most_words` words and BATCH_CHARS of the
    picked documents' text (what the analysis holders keep: see above)."""
    stats = stats if stats is not None else StepStats(step.name)
    batch: list[Document] = []
    picked: list[T] = []
    words = chars = 0
    for doc in docs:
        batch.append(doc)
        found = pick(doc) if doc.rejection is None else None
        if found is not None:
            picked.append(found[0])
            words += found[1]
            chars += len(doc.text)
        if len(batch) >= step.read_ahead or words >= most_words or chars >= BATCH_CHARS:
            yield from _judged(step, batch, picked, prepare, stats)
            batch, picked, words, chars = [], [], 0, 0
    if batch:
        yield from _judged(step, batch, picked, prepare, stats)


def _judged(
    step: Step,
    batch: list[Document],
    picked: list[T],
    prepare: Callable[[list[T]], None],
    stats: StepStats,
) -> Iterator[Document]:
    started = perf_counter()
    prepare(picked)
    stats.seconds += perf_counter() - started
    yield from Step.__call__(step, batch, stats)


def analysis_of(doc: Document) -> Analysis:
    """The analysis of the document's current text, kept on the document for the steps after
    (never written out: see `Document._derived`) while it is among the latest analysed; a step
    that changes the text makes the next call analyse the new one."""
    cached = doc._derived
    if isinstance(cached, Analysis) and cached.text == doc.text:
        return cached
    return _hold(doc, Analysis(doc.text))


def adopt_words(doc: Document, words: list[str], chunk_sizes: list[int]) -> None:
    """Keep as the analysis of the document's current text the words a step has just split
    it into (`words`, and how many of them each whitespace-separated chunk gave), as the
    analysis would split them: a step that removed lines knows the words of those it kept."""
    analysis = Analysis(doc.text)
    analysis.__dict__["words"] = words  # where `cached_property` keeps the value
    analysis.chunk_sizes = chunk_sizes
    _hold(doc, analysis)


def _hold(doc: Document, analysis: Analysis) -> Analysis:
    global _held_chars
    doc._derived = analysis
    _HOLDERS.append((doc, analysis))
    _held_chars += len(analysis.text)
    while len(_HOLDERS) > HELD_DOCUMENTS and (
        _held_chars > HELD_CHARS or len(_HOLDERS) > HELD_MOST
    ):
        oldest, its_analysis = _HOLDERS.popleft()
        _held_chars -= len(its_analysis.text)
        if oldest._derived is its_analysis:  # not replaced since by a newer one
            oldest._derived = None
    return analysis


@lru_cache(maxsize=8)
def analyse(text: str) -> Analysis:
    """The analysis of `text`; the same text gives the same object while it is recent, so the
    rules of a recipe that see an unchanged text share one word split."""
    return Analysis(text)


def find_duplicates(items: list[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and their characters: all of them less the
    distinct ones, each counted once (its first occurrence), which sets count in C."""
    distinct = set(items)
    return len(items) - len(distinct), sum(map(len, items)) - sum(map(len, distinct))


# Written `\n\n+`, not `\n{2,}`: the same matches, and `re` then looks for the literal
# "\n\n" first, four times faster on long texts.
PARAGRAPH_BREAK = re.compile(r"\n\n+")
LINE_BREAKS = re.compile(r"\n+")


def split_lines(text: str) -> list[str]:
    """`LINE_BREAKS.split(text)`, by `str.split` (about twice as fast): the non-empty lines,
    with an empty string first where the text starts with a line break and last where it ends
    with one."""
    if not text:
        return [""]
    lines = [line for line in text.split("\n") if line]
    if text[0] == "\n":
        lines.insert(0, "")
    if text[-1] == "\n":
        lines.append("")
    return lines
