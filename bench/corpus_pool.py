"""The pool of real paragraphs the benchmark corpus is built from (see ../shared/data/README.md).

Web paragraphs come from the extraction gold texts (scrapinghub-aeb, wcxb-dev) and the
good-labelled DCLM documents, kept only where they read as English; sentences for the other
languages come from lingua's test sentences, one list per language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import noise_text as nt

MIN_PARAGRAPH_CHARS = 25
MAX_PARAGRAPH_CHARS = 4000
_WORD = re.compile(r"[a-z']+")
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "that",
        "for",
        "with",
        "it",
        "was",
        "on",
        "as",
        "are",
        "this",
        "be",
        "by",
        "at",
        "from",
        "have",
        "has",
        "an",
        "or",
        "not",
        "you",
        "we",
        "they",
        "their",
        "which",
        "will",
        "can",
        "but",
    ]
)


@dataclass
class Pool:
    """Unique English paragraphs grouped by source article, real titles, sentences per language."""

    paragraphs: list[str]
    articles: list[list[int]]
    titles: list[str]
    sentences: dict[str, list[str]]


def _clean_line(line: str) -> str:
    return " ".join(line.split())


def _known_noise() -> frozenset[str]:
    lines: set[str] = set()
    for group in (nt.COMMENT_WIDGETS, nt.COOKIE_NOTICES, nt.SHARE_PROMPTS):
        for widget in group:
            lines.update(widget)
    for templates in nt.ERROR_TEMPLATES.values():
        for _, template in templates:
            lines.update(template)
    lines.update(nt.DISCLAIMER_HEADINGS)
    return frozenset(line.lower() for line in lines)


_NOISE = _known_noise()


def is_english(line: str) -> bool:
    """A cheap guess: English prose has many stopwords; short lines must be mostly ASCII."""
    words = _WORD.findall(line.lower())
    if len(words) < 6:
        ascii_share = sum(ch.isascii() for ch in line) / max(len(line), 1)
        return ascii_share > 0.95 and len(words) >= 3
    return sum(word in _STOPWORDS for word in words) / len(words) >= 0.12


def split_paragraphs(text: str) -> list[str]:
    """Non-empty, English, plausibly sized lines of a gold text, in order."""
    out = []
    for raw in text.splitlines():
        line = _clean_line(raw)
        if not MIN_PARAGRAPH_CHARS <= len(line) <= MAX_PARAGRAPH_CHARS:
            continue
        if line.lower() in _NOISE or not is_english(line):
            continue
        out.append(line)
    return out


def _aeb_texts(data: Path) -> list[str]:
    truth = json.loads((data / "extraction/scrapinghub-aeb/ground-truth.json").read_text("utf-8"))
    return [truth[key].get("articleBody") or "" for key in sorted(truth)]


def _wcxb_texts_and_titles(data: Path) -> tuple[list[str], list[str]]:
    texts, titles = [], []
    for path in sorted((data / "extraction/wcxb-dev/ground-truth").glob("*.json")):
        gold = json.loads(path.read_text("utf-8")).get("ground_truth") or {}
        texts.append(gold.get("main_content") or "")
        title = _clean_line(gold.get("title") or "")
        if 10 <= len(title) <= 150 and is_english(title):
            titles.append(title)
    return texts, titles


def _dclm_texts(data: Path) -> list[str]:
    texts = []
    for path in sorted((data / "quality/dclm").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            if row.get("label") == 1:
                texts.append(row.get("text") or "")
    return texts


def _sentences(data: Path) -> dict[str, list[str]]:
    out = {}
    for path in sorted((data / "langid/lingua-sentences").glob("*.txt")):
        if len(path.stem) != 2:
            continue
        lines = [_clean_line(s) for s in path.read_text("utf-8").splitlines()]
        out[path.stem] = sorted({s for s in lines if len(s) >= 10})
    return out


def load_pool(data: Path) -> Pool:
    """Read every source under `data`; paragraphs are deduplicated across the whole pool."""
    wcxb_texts, titles = _wcxb_texts_and_titles(data)
    index: dict[str, int] = {}
    articles = []
    for text in _aeb_texts(data) + wcxb_texts + _dclm_texts(data):
        ids = []
        for line in split_paragraphs(text):
            pid = index.setdefault(line, len(index))
            if pid not in ids:
                ids.append(pid)
        if ids:
            articles.append(ids)
    paragraphs = list(index)
    return Pool(paragraphs, articles, sorted(set(titles)), _sentences(data))


def missing_sources(data: Path) -> list[str]:
    """The sources `load_pool` needs that are absent under `data`."""
    needed = [
        "extraction/scrapinghub-aeb/ground-truth.json",
        "extraction/wcxb-dev/ground-truth",
        "quality/dclm",
        "langid/lingua-sentences",
    ]
    return [name for name in needed if not (data / name).exists()]
