"""What a recipe's quality rules do to text a person marked as the page's content.

Gold article text carries no furniture at all, so every rejection of it and every word its
repairs remove is a loss. This runs a recipe (with its `dedup` step removed: the sets repeat
texts) over:

- aeb: `articleBody` of ../shared/data/extraction/scrapinghub-aeb/ground-truth.json;
- wcxb-dev: `ground_truth.main_content` of each page, reported by page type (article,
  documentation, forum; the other types with `--all-types`);
- readability: the visible text of `pages/<name>/expected.html.gz`, read as
  bench/eval_extract.py reads it (resiliparse's `extract_plain_text` without main-content
  rules, alt texts, link targets or list bullets: one block a line);
- dclm: ../shared/data/quality/dclm, documents labelled 0 (bad) and 1 (good), where rejecting
  label 0 is what the rules are for.

readability's set holds test pages whose expected text is a placeholder (Lorem ipsum, "Test",
"Test Case 1 / Test Case 2", "abc def ghi"): not what a person writes, so the table adds a row
for the three article sets without them (`placeholder`: the text has "lorem ipsum" or fewer
than 10 words); they are counted in every other row.

Per set: documents, the share rejected, rejections by step and detail, and the share of gold
words removed, with words as the extraction scorer counts them (lowercase `\\w+` tokens, as a
multiset): `removed in kept` counts the words repairs took out of the documents kept; `lost`
adds every word of the rejected documents.

    nice -n 19 .venv/bin/python bench/eval_gold_filters.py                      # default recipe
    nice -n 19 .venv/bin/python bench/eval_gold_filters.py --recipe fineweb-filters
    nice -n 19 .venv/bin/python bench/eval_gold_filters.py --recipe my.yaml --json out.json
    nice -n 19 .venv/bin/python bench/eval_gold_filters.py --show gopher-quality/gopher_short_doc

`--recipe` is a built-in recipe's name or a recipe file. `--show STEP/DETAIL` prints the ids
(and the start of the text) of the gold documents rejected so; `--show-removed REASON` prints
lines removed for that ledger reason from gold documents kept.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thresher import Document, Recipe
from thresher.steps import CorpusStep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_extract import readability_gold  # the gold the extraction is scored on

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WORD = re.compile(r"\w+")
WCXB_TYPES = ("article", "documentation", "forum")
GOLD_SETS = ("aeb", "wcxb-article", "wcxb-documentation", "wcxb-forum", "readability")
ARTICLE_SETS = ("aeb", "wcxb-article", "readability")
# The three article sets, placeholder pages left out (a tally of its own, not a set).
WITHOUT_PLACEHOLDERS = "aeb + wcxb-article + readability, placeholders left out"
PLACEHOLDER_MAX_WORDS = 10


def placeholder(text: str) -> bool:
    """A test page's stand-in text: Lorem ipsum, or fewer than 10 words ("Test", "abc def")."""
    return "lorem ipsum" in text.lower() or len(WORD.findall(text)) < PLACEHOLDER_MAX_WORDS


def gold_words(text: str) -> Counter[str]:
    return Counter(WORD.findall(text.lower()))


def aeb(data: Path) -> Iterator[tuple[str, str, str]]:
    truth = json.loads((data / "extraction/scrapinghub-aeb/ground-truth.json").read_text("utf-8"))
    for key in sorted(truth):
        yield "aeb", f"aeb/{key[:12]}", truth[key]["articleBody"] or ""


def _literal(value: Any) -> dict[str, Any]:
    """wcxb stores some nested objects as Python reprs."""
    if isinstance(value, dict):
        return value
    import ast

    parsed = ast.literal_eval(value)
    return parsed if isinstance(parsed, dict) else {}


def wcxb(data: Path, types: tuple[str, ...] | None) -> Iterator[tuple[str, str, str]]:
    root = data / "extraction/wcxb-dev"
    files = json.loads((root / "metadata.json").read_text("utf-8"))["files"]
    for path in sorted((root / "ground-truth").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        page_type = files.get(path.stem, {}).get("page_type")
        if not page_type:
            page_type = _literal(record.get("_internal", {})).get("page_type", {}).get("primary")
        if types is not None and page_type not in types:
            continue
        text = _literal(record["ground_truth"]).get("main_content") or ""
        yield f"wcxb-{page_type}", f"wcxb/{path.stem}", text


def readability(data: Path) -> Iterator[tuple[str, str, str]]:
    for page in sorted((data / "extraction/readability/pages").iterdir()):
        expected = page / "expected.html.gz"
        if expected.exists():
            yield "readability", f"readability/{page.name}", readability_gold(expected)


def dclm(data: Path) -> Iterator[tuple[str, str, str]]:
    for path in sorted((data / "quality/dclm").glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                record = json.loads(line)
                yield f"dclm-{record['label']}", f"dclm/{path.stem}/{n}", record["text"]


def load_recipe(name: str) -> Recipe:
    recipe = Recipe.load(name) if name.endswith((".yaml", ".yml")) else Recipe.named(name)
    steps = tuple(step for step in recipe.steps if not isinstance(step, CorpusStep))
    return Recipe(steps=steps, reader=recipe.reader, writer=recipe.writer)


@dataclass
class Tally:
    docs: int = 0
    rejected: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    words: int = 0
    removed_in_kept: int = 0
    lost_rejected: int = 0
    removals: Counter[str] = field(default_factory=Counter)
    rejected_ids: dict[str, list[str]] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {
            "docs": self.docs,
            "rejected": self.rejected,
            "rejected_share": self.rejected / self.docs if self.docs else 0.0,
            "words": self.words,
            "removed_in_kept_share": self.removed_in_kept / self.words if self.words else 0.0,
            "lost_share": (self.removed_in_kept + self.lost_rejected) / self.words
            if self.words
            else 0.0,
            "by_rule": dict(self.by_rule.most_common()),
            "removed_by_reason": dict(self.removals.most_common()),
        }


def evaluate(
    recipe: Recipe,
    texts: list[tuple[str, str, str]],
    show: str | None = None,
    show_removed: str | None = None,
    verdicts: list[dict[str, Any]] | None = None,
) -> dict[str, Tally]:
    docs = [Document(id=doc_id, text=text) for _, doc_id, text in texts]
    sets = {doc_id: name for name, doc_id, _ in texts}
    golds = {doc_id: text for _, doc_id, text in texts}
    tallies: dict[str, Tally] = {}
    for doc in recipe.apply(docs):
        tally = tallies.setdefault(sets[doc.id], Tally())
        gold = gold_words(golds[doc.id])
        n_gold = sum(gold.values())
        tally.docs += 1
        tally.words += n_gold
        rule = None
        if doc.rejection is not None:
            rule = f"{doc.rejection.step}/{doc.rejection.detail or doc.rejection.reason}"
        if sets[doc.id] in ARTICLE_SETS and not placeholder(golds[doc.id]):
            real = tallies.setdefault(WITHOUT_PLACEHOLDERS, Tally())
            real.docs += 1
            real.words += n_gold
            if rule is not None:
                real.rejected += 1
                real.by_rule[rule] += 1
                real.lost_rejected += n_gold
            else:
                real.removed_in_kept += sum((gold - gold_words(doc.text)).values())
        if verdicts is not None:
            verdicts.append(
                {
                    "id": doc.id,
                    "set": sets[doc.id],
                    "rejected": rule,
                    "words": n_gold,
                    "removed": 0 if rule else sum((gold - gold_words(doc.text)).values()),
                    "signals": doc.metadata.get("signals", {}),
                }
            )
        if rule is not None:
            tally.rejected += 1
            tally.by_rule[rule] += 1
            tally.lost_rejected += n_gold
            tally.rejected_ids.setdefault(rule, []).append(doc.id)
            if show is not None and rule == show:
                start = golds[doc.id][:300].replace("\n", " | ")
                print(f"--- {doc.id} ({n_gold} words): {start}", file=sys.stderr)
            continue
        tally.removed_in_kept += sum((gold - gold_words(doc.text)).values())
        for edit in doc.ledger:
            removed = sum((gold_words(edit.removed) - gold_words(edit.replacement)).values())
            if removed:
                tally.removals[f"{edit.step}/{edit.reason}"] += removed
            if show_removed is not None and edit.reason == show_removed:
                print(f"--- {doc.id}: {edit.removed[:300]!r}", file=sys.stderr)
    return tallies


def collect(data: Path, all_types: bool) -> list[tuple[str, str, str]]:
    """(set, id, text) of every document; a gold text without a word (two wcxb articles whose
    marked content is empty) is left out: there is nothing in it to keep."""
    texts = [
        *aeb(data),
        *wcxb(data, None if all_types else WCXB_TYPES),
        *readability(data),
        *dclm(data),
    ]
    return [t for t in texts if WORD.search(t[2])]


def table(tallies: dict[str, Tally]) -> str:
    lines = [
        "| set | docs | rejected | share | words removed in kept | words lost incl. rejected |",
        "|---|---|---|---|---|---|",
    ]
    names = [n for n in GOLD_SETS if n in tallies] + sorted(
        set(tallies) - set(GOLD_SETS) - {WITHOUT_PLACEHOLDERS}
    )
    gold = Tally()
    for name in names:
        t = tallies[name]
        r = t.row()
        lines.append(
            f"| {name} | {t.docs} | {t.rejected} | {r['rejected_share']:.1%} | "
            f"{r['removed_in_kept_share']:.2%} | {r['lost_share']:.2%} |"
        )
        if name in ARTICLE_SETS:
            gold.docs += t.docs
            gold.rejected += t.rejected
            gold.words += t.words
            gold.removed_in_kept += t.removed_in_kept
            gold.lost_rejected += t.lost_rejected
    r = gold.row()
    lines.append(
        f"| **aeb + wcxb-article + readability** | {gold.docs} | {gold.rejected} | "
        f"{r['rejected_share']:.1%} | {r['removed_in_kept_share']:.2%} | {r['lost_share']:.2%} |"
    )
    if WITHOUT_PLACEHOLDERS in tallies:
        t = tallies[WITHOUT_PLACEHOLDERS]
        r = t.row()
        lines.append(
            f"| {WITHOUT_PLACEHOLDERS} | {t.docs} | {t.rejected} | {r['rejected_share']:.1%} | "
            f"{r['removed_in_kept_share']:.2%} | {r['lost_share']:.2%} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--all-types", action="store_true", help="every wcxb page type")
    parser.add_argument(
        "--only", help="comma-separated set-name prefixes (aeb,wcxb,readability,dclm)"
    )
    parser.add_argument("--json", type=Path, help="write the per-set figures here")
    parser.add_argument("--show", help="print gold documents rejected by STEP/DETAIL")
    parser.add_argument("--show-removed", help="print lines removed for this ledger reason")
    parser.add_argument("--verdicts", type=Path, help="write each document's verdict here (JSONL)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        raise SystemExit(f"eval_gold_filters: no data folder at {args.data}")
    texts = collect(args.data, args.all_types)
    if args.only:
        prefixes = tuple(args.only.split(","))
        texts = [t for t in texts if t[0].startswith(prefixes)]
    recipe = load_recipe(args.recipe)
    verdicts: list[dict[str, Any]] | None = [] if args.verdicts else None
    tallies = evaluate(recipe, texts, args.show, args.show_removed, verdicts)
    if args.verdicts and verdicts is not None:
        with args.verdicts.open("w", encoding="utf-8") as sink:
            for row in verdicts:
                sink.write(json.dumps(row) + "\n")
    print(f"recipe: {args.recipe} (dedup removed)")
    print(table(tallies))
    print()
    for name in sorted(tallies):
        t = tallies[name]
        if t.by_rule:
            print(
                f"{name} rejected by: " + ", ".join(f"{k} {v}" for k, v in t.by_rule.most_common())
            )
        if t.removals:
            print(
                f"{name} words removed by: "
                + ", ".join(f"{k} {v}" for k, v in t.removals.most_common(8))
            )
    if args.json:
        args.json.write_text(
            json.dumps({name: t.row() for name, t in sorted(tallies.items())}, indent=1) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
