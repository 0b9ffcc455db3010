"""bench/eval_dedup.py's real-text mode makes the copies it says it makes: edits touch the
requested share of words within lines, `drop` never removes a paragraph over 20% of the words,
`reorder` changes the order, frames stay within 15-40 words, the pool drops (and lists) near
repeats; edit rates above 5% carry no target; recipe J follows the recipe's shingling; the
nearest-by-shingles pairs are found. Synthetic originals only (no ../shared/data)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_dedup", ROOT / "bench" / "eval_dedup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def original(rng: random.Random, paragraphs: int = 6, words: int = 60) -> str:
    vocab = ["".join(rng.choices("abcdefghij", k=5)) for _ in range(3000)]  # no digits: folded
    return "\n".join(" ".join(rng.choices(vocab, k=words)) for _ in range(paragraphs))


@pytest.mark.parametrize("op", ["substitute", "insert", "delete", "mixed"])
@pytest.mark.parametrize("shape", ["single", "run"])
@pytest.mark.parametrize("rate", [0.005, 0.02, 0.05])
def test_edit_share(bench: ModuleType, op: str, shape: str, rate: float) -> None:
    rng = random.Random(7)
    text = original(rng, 10, 100)
    edited, fraction = bench.edit_text(text, rate, op, shape, ["alpha", "beta", "gamma"], rng)
    assert abs(fraction - rate) <= 0.0025  # within one short run of 1,000 words
    assert edited.count("\n") == text.count("\n")
    before, after = text.split(), edited.split()
    if op == "insert":
        assert len(after) - len(before) == round(fraction * len(before))
    elif op == "delete":
        assert len(before) - len(after) == round(fraction * len(before))
    elif op == "substitute":
        changed = sum(a != b for a, b in zip(before, after, strict=True))
        assert changed == round(fraction * len(before))


def test_drop_reorder_frame(bench: ModuleType) -> None:
    rng = random.Random(3)
    for _ in range(50):
        sizes = [rng.randint(5, 80) for _ in range(rng.randint(3, 8))]
        text = "\n".join(" ".join(["word"] * s) for s in sizes)
        if not bench.droppable(text):
            continue
        copy = bench.drop_one(text, rng)
        gone = sum(sizes) - len(copy.split())
        assert 0 < gone <= 0.2 * sum(sizes)
        assert bench.reorder(text, rng) != text or len(set(sizes)) == 1
        block = bench.furniture(rng)
        assert 15 <= len(block.split()) <= 40


def test_pool_drops_near_repeats(bench: ModuleType) -> None:
    rng = random.Random(5)
    a, b = original(rng), original(rng)
    near = a + "\n" + original(rng, 1, 40)  # contains all of a
    found = [
        bench.Original("x-1", a, "test"),
        bench.Original("x-2", b, "test"),
        bench.Original("x-3", near, "test"),
        bench.Original("x-4", a.upper(), "test"),  # same text once normalised
        bench.Original("x-5", "too short", "test"),
    ]
    pool, stats = bench.copy_free_pool(found)
    assert [o.id for o in pool] == ["x-1", "x-2"]
    assert stats["counts"]["exact repeat"] == 1
    assert stats["counts"]["fewer than 150 words"] == 1


def test_pool_lists_dropped_pairs(bench: ModuleType) -> None:
    rng = random.Random(6)
    a = original(rng)
    found = [bench.Original("x-1", a, "one"), bench.Original("x-2", a + "\nmore words", "two")]
    _, stats = bench.copy_free_pool(found)
    (pair,) = stats["near repeats dropped"]
    assert (pair["dropped"], pair["kept"]) == ("x-2", "x-1")
    assert (pair["dropped source"], pair["kept source"]) == ("two", "one")
    assert pair["containment"] == 1.0 and 0.9 < pair["j3"] < 1.0


def test_rates_above_five_percent_have_no_target(bench: ModuleType) -> None:
    rates = [rate for kind, rate in bench.cells() if kind == "edit"]
    assert {0.06, 0.08, 0.10, 0.15} <= set(rates)
    copies = [
        {"kind": "edit", "rate": rate, "op": "mixed", "shape": "single", "found": True}
        | {"j5": 0.5, "j3": 0.5, "containment": 0.5, "rJ": 0.5, "edited": rate}
        for rate in rates
    ]
    kinds, _ = bench.recall_tables(copies)
    assert kinds["edit 5.0%"]["target"] == 0.9
    assert kinds["edit 6.0%"]["target"] is None and kinds["edit 15.0%"]["met"] is None


def test_recipe_jaccard_follows_the_recipe(bench: ModuleType, tmp_path: Path) -> None:
    text = "one two three\nfour five six"
    joined = "one two three four five six"
    # within lines, no 3-gram spans the break: the two texts differ
    assert bench.recipe_set(text, 3, True) != bench.recipe_set(joined, 3, True)
    assert bench.recipe_set(text, 3, False) == bench.recipe_set(joined, 3, False)
    texts = {"a": text, "b": joined}
    assert bench.RecipeJaccard(texts, 3, False)("a", "b") == 1.0
    assert bench.RecipeJaccard(texts, 3, True)("a", "b") == 0.5  # 2 shared of 4 shingles
    strict = tmp_path / "strict.yaml"
    strict.write_text(
        "version: 1\nsteps:\n- step: dedup\n  ngram: 5\n  within_lines: false\n"
        "  bands: 14\n  rows: 8\n  verify_threshold: 0.8\n"
    )
    got = bench.recipe_dedup(str(strict))
    assert (got["ngram"], got["within_lines"], got["bands"], got["rows"]) == (5, False, 14, 8)
    assert got["verify_threshold"] == 0.8
    assert bench.recipe_dedup("dedup")["ngram"] >= 1


def test_pair_similarity(bench: ModuleType) -> None:
    removed = {"c": ("o", 0.8), "o2": ("c2", 0.9), "c3": ("x", 0.75)}
    assert bench.pair_similarity("c", "o", removed) == ("own", 0.8)
    assert bench.pair_similarity("c2", "o2", removed) == ("own", 0.9)
    assert bench.pair_similarity("c3", "o3", removed) == ("other", 0.75)
    assert bench.pair_similarity("c4", "o4", removed) == ("", None)


def test_nearest_by_shingles(bench: ModuleType) -> None:
    rng = random.Random(8)
    a, b, c = original(rng), original(rng), original(rng)
    half = "\n".join(a.split("\n")[:3] + b.split("\n")[:3])  # shares half of a
    pool = [bench.Original(f"x-{k}", t, "test") for k, t in enumerate([a, b, c, half])]
    pairs = bench.nearest_by_shingles(pool, 2)
    assert [(p, q) for p, q, _ in pairs] == [("x-0", "x-3"), ("x-1", "x-3")]
    assert 0.2 < pairs[0][2] < 0.6
