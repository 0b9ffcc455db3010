"""The default recipe on text a person marked as a page's content (issue 13, part 3): the gold
article text of scrapinghub-aeb, wcxb-dev (article pages) and readability, run through the
default recipe without `dedup`, as bench/eval_gold_filters.py runs it. Gold text has no
furniture, so each rejection and each word removed is a loss; DCLM's documents labelled 0
(bad) are what the rules are for. Floors and ceilings are the measured figures
(docs/QUALITY.md, "The default recipe") with a little room; the issue's targets on words
removed is met and tested as such, those on rejections, not met, are the expected failure at
the end. Skipped where ../shared/data is absent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from thresher import Recipe

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
GOLD = ("aeb", "wcxb-article", "readability")
pytestmark = pytest.mark.skipif(
    not (DATA / "extraction").is_dir() or not (DATA / "quality" / "dclm").is_dir(),
    reason=f"{DATA} is absent (../shared is not beside the repository)",
)


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "eval_gold_filters", ROOT / "bench" / "eval_gold_filters.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    module = bench()
    texts = module.collect(DATA, False)
    out = {}
    for name in ("default", "fineweb-filters"):
        tallies = module.evaluate(module.load_recipe(name), texts)
        gold = [tallies[s] for s in GOLD]
        words = sum(t.words for t in gold)
        out[name] = {
            "sets": {s: t.row() for s, t in tallies.items()},
            "gold_rejected": sum(t.rejected for t in gold) / sum(t.docs for t in gold),
            "gold_removed_in_kept": sum(t.removed_in_kept for t in gold) / words,
            "without_placeholders": tallies[module.WITHOUT_PLACEHOLDERS].row(),
            "dclm_0_rejected": tallies["dclm-0"].rejected,
            "dclm_1_rejected": tallies["dclm-1"].rejected,
        }
    return out


# measured (docs/QUALITY.md), with `fineweb2` judging the non-English pages: aeb 6.6% (4 of
# its 20 non-English pages), wcxb-dev articles 5.3%, readability 14.6% (11 of its 19 rejections
# are placeholder test pages: Lorem ipsum, "Test", "Test Case 1")
SET_CEILINGS = {"aeb": 0.075, "wcxb-article": 0.06, "readability": 0.16}


def test_the_default_recipe_rejects_few_gold_articles(measured: dict[str, Any]) -> None:
    ours = measured["default"]
    assert ours["gold_rejected"] <= 0.07  # measured 0.066 (73 of 1,102); before: 0.141
    # placeholder pages left out: measured 0.058 (62 of 1,068)
    assert ours["without_placeholders"]["rejected_share"] <= 0.062
    for name, ceiling in SET_CEILINGS.items():
        assert ours["sets"][name]["rejected_share"] <= ceiling, name


def test_the_default_recipe_removes_few_gold_words(measured: dict[str, Any]) -> None:
    # measured 0.82% (0.57% by `repeated-paragraph`, repeats within the gold; 0.81% without
    # `metadata_lines`, which takes mail headers from one wcxb page); before: 1.37%
    assert measured["default"]["gold_removed_in_kept"] <= 0.0085  # measured 0.0082


def test_the_default_recipe_still_rejects_dclm_s_bad_documents(measured: dict[str, Any]) -> None:
    ours = measured["default"]
    # measured 200 of 356 (198 without `boilerplate`'s `metadata_lines`); before: 210
    assert ours["dclm_0_rejected"] >= 199
    assert ours["dclm_1_rejected"] <= 49  # measured 47 of 424; before: 79


def test_the_default_recipe_rejects_fewer_gold_articles_than_datatroves_chain(
    measured: dict[str, Any],
) -> None:
    assert measured["default"]["gold_rejected"] < measured["fineweb-filters"]["gold_rejected"] / 2


def test_issue_13_target_on_words_removed(measured: dict[str, Any]) -> None:
    assert measured["default"]["gold_removed_in_kept"] <= 0.01


@pytest.mark.xfail(reason="issue 13's targets, not yet met: see docs/QUALITY.md", strict=False)
def test_issue_13_targets(measured: dict[str, Any]) -> None:
    ours = measured["default"]
    assert ours["gold_rejected"] <= 0.03
    assert ours["gold_removed_in_kept"] <= 0.01
    assert ours["dclm_0_rejected"] >= 210


def test_the_default_recipe_is_the_one_measured() -> None:
    assert any(step.name == "dedup" for step in Recipe.default().steps)  # removed for the sets
    boilerplate = next(step for step in Recipe.default().steps if step.name == "boilerplate")
    assert getattr(boilerplate, "metadata_lines", False)  # post and profile metadata
