#!/usr/bin/env python3
"""What the word split alone costs a document (issue 18's filter chain): thresher's split by
spaCy's English rules (`quality/tokens.py`, the one datatrove's verdicts need), over every
document of the corpora given, in order, in one process, its chunk cache empty at the start, as
a worker's is. With spaCy importable (the benchmark venv, `make bench-venv`), spaCy's own
compiled tokenizer (`spacy.blank("en")`, what datatrove calls) on the same documents. Then
the other cost that grows with a document's words: gopher-repetition's n-gram counts from the
split words, in batches of the step's size (`GopherRepetition.BATCH_WORDS`).

    .venv-datatrove/bin/python bench/word_split_budget.py bench/out/corpus-20k bench/out/long-corpus

Each corpus is also split as two workers see it (every other file, each half with its own
cache): a worker meets the chunks its files share with the other's files for the first time
too. CPU seconds (`time.process_time`); the figures are per document.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from thresher.quality import tokens
from thresher.quality.gopher import GopherRepetition, _ngram_columns
from thresher.quality.ngrams import NgramBatch


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))


def texts_of(files: list[Path]) -> list[str]:
    texts: list[str] = []
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as lines:
            texts += [orjson.loads(line)["text"] for line in lines]
    return texts


def cpu_seconds(split: Callable[[str], object], texts: list[str]) -> float:
    started = time.process_time()
    for text in texts:
        split(text)
    return time.process_time() - started


def thresher_split(texts: list[str]) -> float:
    tokens._CACHE.clear()  # a worker starts with none
    return cpu_seconds(tokens.words, texts)


def ngram_counts(texts: list[str]) -> float:
    """CPU seconds of the n-gram counts alone (the words split beforehand, not timed)."""
    batches: list[list[list[str]]] = [[]]
    words = 0
    for text in texts:
        if words >= GopherRepetition.BATCH_WORDS:
            batches.append([])
            words = 0
        batches[-1].append(tokens.words(text))
        words += len(batches[-1][-1])
    started = time.process_time()
    for batch in batches:
        _ngram_columns(NgramBatch(batch))
    return time.process_time() - started


def line(label: str, seconds: float, docs: int) -> str:
    per_doc = 1000 * seconds / docs
    return (
        f"  {label}: {seconds:.2f} CPU-s, {per_doc:.3f} ms a doc ({docs / seconds:,.0f} docs/CPU-s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    args = parser.parse_args()
    spacy_tokenizer = None
    if importlib.util.find_spec("spacy") is not None:
        import spacy

        spacy_tokenizer = spacy.blank("en").tokenizer
    for folder in args.corpora:
        files = corpus_files(folder)
        texts = texts_of(files)
        if not texts:
            print(f"{folder}: no documents")
            continue
        chars = sum(map(len, texts)) / len(texts)
        print(f"{folder}: {len(texts):,} documents, {chars:,.0f} characters a document")
        print(line("thresher, one process", thresher_split(texts), len(texts)))
        halves = [texts_of(files[start::2]) for start in (0, 1)]
        both = sum(thresher_split(half) for half in halves)
        print(line("thresher, as two workers (each half its own cache)", both, len(texts)))
        print(line("str.split (whitespace only)", cpu_seconds(str.split, texts), len(texts)))
        print(line("n-gram counts (gopher-repetition's)", ngram_counts(texts), len(texts)))
        if spacy_tokenizer is not None:
            spacy_seconds = cpu_seconds(spacy_tokenizer, texts)
            print(line("spaCy's tokenizer (compiled)", spacy_seconds, len(texts)))


if __name__ == "__main__":
    main()
