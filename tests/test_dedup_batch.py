"""The batched dedup keys (`shingles_of`, `MinHasher.signatures`, `shingle_sets`) equal the
text-by-text computation they replaced (kept here as the reference), value for value, for every
shingle shape the recipes use: the keys of saved indexes depend on it."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from thresher import Document
from thresher.dedup import Dedup
from thresher.dedup import step as step_module
from thresher.dedup.minhash import (
    _POSITION,
    EMPTY,
    MinHasher,
    _fenced,
    _mix,
    normalized,
    normalized_lines,
    shingle_sets,
    shingles_of,
    word_hashes,
)

VOCABULARY = [
    "the", "harbour", "committee", "met", "on", "tuesday", "2024", "naïve", "日本語", "straße",
    "x", "ok", "São", "Paulo", "ümlaut", "—", "...", "co-op", "e-mail", "#tag", "it's",
]  # fmt: skip


def reference_shingles(norm: bytes, ngram: int, lines: bool) -> np.ndarray:
    """The shingles of one text as they were computed text by text (KEYS_VERSION 3)."""
    if lines and norm and ngram > 1:
        norm = _fenced(norm, ngram)
    hashes = word_hashes(norm)
    if len(hashes) == 0:
        return hashes
    span = min(ngram, len(hashes))
    count = len(hashes) - span + 1
    combined = hashes[:count].copy()
    for offset in range(1, span):
        combined += hashes[offset : offset + count] * _POSITION[offset]
    return _mix(combined)


def reference_signature(hasher: MinHasher, shingles: np.ndarray) -> np.ndarray:
    """One text's signature as it was computed text by text: bin minima by `np.minimum.at`,
    each empty bin filled from the first filled one along its probes, else the next ones."""
    key, _, probes = hasher._params
    size = hasher.permutations
    hashed = shingles ^ key
    bins = ((hashed >> np.uint64(32)) * np.uint64(size)) >> np.uint64(32)
    result = np.full(size, EMPTY, dtype=np.uint64)
    np.minimum.at(result, bins.astype(np.intp), hashed)
    empty = result == EMPTY
    if empty.any() and not empty.all():
        source = []
        for hole in np.flatnonzero(empty).tolist():
            filled = [int(b) for b in probes[hole] if not empty[b]]
            bin_ = filled[0] if filled else int(probes[hole][-1])
            while empty[bin_]:
                bin_ = (bin_ + 1) % size
            source.append(bin_)
        result[empty] = result[source]
    return result


def texts() -> list[str]:
    rng = random.Random(14)
    found = ["", " ", "\n\n", "a", "a b", "a\nb", "one\n\ntwo three", "a b c d e f", "!!! ???"]
    for _ in range(400):
        lines = []
        for _ in range(rng.randint(1, 6)):
            lines.append(" ".join(rng.choices(VOCABULARY, k=rng.randint(0, 14))))
        found.append(("\n" * rng.randint(1, 2)).join(lines))
    copy = found[20]
    found += [copy, copy.replace("harbour", "port", 1)]  # repeats inside one batch
    return found


@pytest.mark.parametrize(
    ("ngram", "lines", "hasher"),
    [
        (3, True, MinHasher(22, 5, 1)),  # the `dedup` recipe
        (5, False, MinHasher(14, 8, 1)),  # the strict one, FineWeb's shape
        (1, False, MinHasher(14, 8, 1)),
        (2, True, MinHasher(9, 13, 3)),
        (5, True, MinHasher(20, 5, 2)),
    ],
)
def test_batched_keys_equal_the_text_by_text_ones(
    ngram: int, lines: bool, hasher: MinHasher
) -> None:
    norm = normalized_lines if lines else normalized
    norms = [norm(text) for text in texts()]
    each = [reference_shingles(n, ngram, lines) for n in norms]
    for start in range(0, len(norms), 97):  # batches of several sizes, the last one short
        batch, expected = norms[start : start + 97], each[start : start + 97]
        found, counts = shingles_of(batch, ngram, lines)
        assert counts.tolist() == [len(s) for s in expected]
        assert np.array_equal(found, np.concatenate([np.zeros(0, np.uint64), *expected]))
        signatures = hasher.signatures(found, counts)
        reference = np.stack([reference_signature(hasher, s) for s in expected])
        assert np.array_equal(signatures, reference)
        assert np.array_equal(hasher.signature(expected[-1]), reference[-1])  # one text alone
        sets, sizes = shingle_sets(found, counts)
        unique = [np.unique(s.astype(np.uint32)) for s in expected]
        assert sizes.tolist() == [len(u) for u in unique]
        assert np.array_equal(sets, np.concatenate([np.zeros(0, np.uint32), *unique]))
    assert any(len(s) == 0 for s in each) and any(len(s) > 20 for s in each)


def test_shingle_sets_refuse_wider_hashes() -> None:
    with pytest.raises(ValueError, match="32 bits"):
        shingle_sets(np.zeros(3, np.uint64), np.array([3]), np.uint64)


def test_a_batch_holds_at_most_near_batch_docs_documents(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A megabyte of one-word documents is a batch of a million rows of signature (and of
    densification probes): batches are bounded by documents too."""
    seen: list[int] = []

    def recording(norms: list[bytes], ngram: int, lines: bool = False) -> tuple[Any, Any]:
        seen.append(len(norms))
        return shingles_of(norms, ngram, lines)

    monkeypatch.setattr(step_module, "shingles_of", recording)
    docs = [Document(id=f"d{i}", text="a") for i in range(2 * step_module.NEAR_BATCH_DOCS + 5)]
    step = Dedup()
    assert len(list(step.collect(iter(docs), tmp_path / "chunk", 0))) == len(docs)
    assert seen == [step_module.NEAR_BATCH_DOCS, step_module.NEAR_BATCH_DOCS, 5]
