"""The evaluation gate: word-level F1 of `thresher.extract` (mode `auto`) on the shared
extraction sets, from raw bytes, against floors pinned at the figures measured at issue 13
(docs/EXTRACTION.md; issue 5's targets were 0.965 on scrapinghub-aeb, 0.83 on all of
wcxb-dev and every page type at most 0.02 under trafilatura 2.3.1's F1): 0.967 on aeb, 0.842
on wcxb-dev, every wcxb-dev page type at trafilatura's F1 or above, and 0.939 on
readability's test pages, with the gold read as bench/eval_extract.py reads it. Skipped where
../shared/data is absent. The bench's block interleaving is pinned here too."""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import thresher
from thresher.extract.score import Score, mean_score, score_page

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction"
AEB_FLOOR = 0.967  # measured 0.9675 (trafilatura 0.959)
WCXB_FLOOR = 0.842  # measured 0.8426 (trafilatura 0.823)
READABILITY_FLOOR = 0.939  # measured 0.9391 (trafilatura 0.9365, resiliparse 0.923)
# trafilatura 2.3.1's F1 per wcxb-dev page type (../shared/data/README.md): since issue 13
# no type is under it (forum the nearest, 0.695 against 0.694); issue 5 allowed 0.02 less
WCXB_TYPE_FLOORS = {
    "article": 0.937,
    "collection": 0.574,
    "documentation": 0.917,
    "forum": 0.694,
    "listing": 0.583,
    "product": 0.637,
    "service": 0.765,
}


def bench() -> Any:
    """bench/eval_extract.py, loaded as a module (the bench folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "eval_extract", Path(__file__).resolve().parents[1] / "bench" / "eval_extract.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def needs(folder: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not (DATA / folder).is_dir(), reason=f"{DATA / folder} is absent")


def raw(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


@needs("scrapinghub-aeb")
def test_scrapinghub_aeb_f1_floor() -> None:
    root = DATA / "scrapinghub-aeb"
    gold = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    scores = [
        score_page(thresher.extract(raw(root / "html" / f"{i}.html.gz")).text, g["articleBody"])
        for i, g in sorted(gold.items())
    ]
    assert len(scores) == 181
    assert mean_score(scores).f1 >= AEB_FLOOR


@needs("wcxb-dev")
def test_wcxb_dev_f1_floors_overall_and_per_page_type() -> None:
    root = DATA / "wcxb-dev"
    types = json.loads((root / "metadata.json").read_text(encoding="utf-8"))["files"]
    scores: list[Score] = []
    by_type: dict[str, list[Score]] = defaultdict(list)
    for path in sorted((root / "ground-truth").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        page = raw(root / "html" / f"{path.stem}.html.gz")
        score = score_page(
            thresher.extract(page).text, record["ground_truth"].get("main_content") or ""
        )
        scores.append(score)
        by_type[page_type(path.stem, types, record)].append(score)
    assert len(scores) == 1497
    assert mean_score(scores).f1 >= WCXB_FLOOR
    below = {
        kind: round(mean_score(by_type[kind]).f1, 3)
        for kind, floor in WCXB_TYPE_FLOORS.items()
        if mean_score(by_type[kind]).f1 < floor
    }
    assert not below, f"page types under their floors: {below}"


def page_type(page_id: str, types: dict[str, dict[str, str]], record: dict[str, object]) -> str:
    """From metadata.json, or, for the ~140 pages missing there, the page's own file."""
    if page_id in types and "page_type" in types[page_id]:
        return types[page_id]["page_type"]
    internal = record.get("_internal")
    kind = internal.get("page_type") if isinstance(internal, dict) else None
    return str(kind.get("primary", "?")) if isinstance(kind, dict) else "?"


@needs("readability")
def test_readability_f1_floor() -> None:
    """The gold is the visible text of Readability's expected output, read by the bench's own
    loader (one definition of it)."""
    pages = bench().load_readability(DATA / "readability")
    assert len(pages) == 130
    scores = [score_page(thresher.extract(p.raw).text, p.gold) for p in pages]
    assert mean_score(scores).f1 >= READABILITY_FLOOR


def test_the_bench_interleaves_extractors_in_blocks_in_a_rotating_order() -> None:
    """Each extractor takes a block of pages back to back, as a run extracts them; the order
    of extractors changes from block to block, each following each other equally often."""
    module = bench()
    for n in range(1, 6):
        rows = module.orders(n)
        assert all(sorted(row) == list(range(n)) for row in rows)
        firsts = [row[0] for row in rows]
        assert all(firsts.count(i) == firsts.count(0) for i in range(n))
        pairs = [(row[i], row[i + 1]) for row in rows for i in range(n - 1)]
        assert len(set(pairs)) == n * (n - 1)
        assert all(pairs.count(pair) == pairs.count(pairs[0]) for pair in pairs)
    calls: list[tuple[str, bytes]] = []

    def extractor(name: str) -> Any:
        return lambda raw: calls.append((name, raw)) or name

    pages = [module.Page(str(i), bytes([i]), "a", "t") for i in range(5)]
    runs, texts = module.evaluate({"a": extractor("a"), "b": extractor("b")}, pages, block=2)
    assert calls[:2] == [("a", b"\x00"), ("b", b"\x00")]  # untimed first calls
    assert [f"{name}{raw[0]}" for name, raw in calls[2:]] == (
        ["a0", "a1", "b0", "b1", "b2", "b3", "a2", "a3", "a4", "b4"]
    )
    assert texts["b"]["3"] == "b" and runs["a"].scores["4"].f1 == 1.0
    assert runs["a"].rate is not None and runs["b"].rate is not None
