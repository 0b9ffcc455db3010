"""Main-content extraction, scored as ../shared/data/README.md defines it, on scrapinghub-aeb
and wcxb-dev (per page type too): thresher vs trafilatura vs resiliparse, with pages/s.

    nice -n 19 .venv/bin/python bench/eval_extract.py [--data ../shared/data/extraction]
        [--only thresher,trafilatura,resiliparse] [--sets aeb,wcxb] [--limit N] [--json OUT]

Every extractor gets the page's raw bytes; the timings are of the extraction call only (the
pages are read and gunzipped first, and each extractor is called once untimed, so imports are
not counted), one process, side by side in this script, interleaved page by page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from thresher.extract.score import Score, mean_score, score_page

Page = tuple[str, bytes, str, str]  # id, raw bytes, gold text, page type


def load_aeb(root: Path) -> list[Page]:
    gold = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(gold):
        raw = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((page_id, raw, gold[page_id]["articleBody"] or "", "article"))
    return pages


def load_wcxb(root: Path) -> list[Page]:
    files = json.loads((root / "metadata.json").read_text(encoding="utf-8"))["files"]
    pages = []
    for path in sorted((root / "ground-truth").glob("*.json")):
        page_id = path.stem
        truth = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        raw = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        page_type = files.get(page_id, {}).get("page_type")
        if page_type is None:  # ~140 pages are missing from metadata.json; their own file says
            internal = json.loads(path.read_text(encoding="utf-8")).get("_internal") or {}
            page_type = (internal.get("page_type") or {}).get("primary", "?")
        pages.append((page_id, raw, truth.get("main_content") or "", page_type))
    return pages


def trafilatura_extract(raw: bytes) -> str:
    import trafilatura

    return trafilatura.extract(raw, output_format="txt", include_comments=False) or ""


def resiliparse_extract(raw: bytes) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import detect_encoding
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse_from_bytes(raw, detect_encoding(raw))
    return str(extract_plain_text(tree, main_content=True))


def thresher_extract(raw: bytes) -> str:
    import thresher

    return thresher.extract(raw).text


def thresher_fast(raw: bytes) -> str:
    import thresher

    return thresher.extract(raw, mode="fast").text


def thresher_careful(raw: bytes) -> str:
    import thresher

    return thresher.extract(raw, mode="careful").text


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "thresher": thresher_extract,
    "thresher-fast": thresher_fast,
    "thresher-careful": thresher_careful,
    "trafilatura": trafilatura_extract,
    "resiliparse": resiliparse_extract,
}


Result = tuple[dict[str, Score], float, dict[str, float]]  # scores, pages/s, F1 per page


def evaluate(extractors: dict[str, Callable[[bytes], str]], pages: list[Page]) -> dict[str, Result]:
    """Every extractor on every page, interleaved page by page (each page goes through all of
    them before the next), so that a machine's speed drifting during the run (it moved by 25%
    between runs on this project's machines) weighs on all extractors alike."""
    by_type: dict[str, dict[str, list[Score]]] = {name: defaultdict(list) for name in extractors}
    per_page: dict[str, dict[str, float]] = {name: {} for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    if pages:  # imports and first-call set-up are not per-page costs: one untimed call first
        for extract in extractors.values():
            extract(pages[0][1])
    for page_id, raw, gold, page_type in pages:
        for name, extract in extractors.items():
            started = time.perf_counter()
            try:
                text = extract(raw)
            except Exception as exc:  # an extractor's crash scores the page 0, and is said
                print(f"  {name} {page_id}: {type(exc).__name__}: {exc}", file=sys.stderr)
                text = ""
            seconds[name] += time.perf_counter() - started
            score = score_page(text, gold)
            by_type[name][page_type].append(score)
            per_page[name][page_id] = score.f1
    results: dict[str, Result] = {}
    for name in extractors:
        groups = by_type[name]
        scores = {"all": mean_score(s for group in groups.values() for s in group)}
        if len(groups) > 1:
            scores.update({t: mean_score(groups[t]) for t in sorted(groups)})
        rate = len(pages) / seconds[name] if seconds[name] else 0.0
        results[name] = (scores, rate, per_page[name])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/extraction")
    parser.add_argument("--only", default=",".join(EXTRACTORS))
    parser.add_argument("--sets", default="aeb,wcxb")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json", help="write per-page F1 here")
    args = parser.parse_args()
    root = Path(args.data)
    loaders = {"aeb": ("scrapinghub-aeb", load_aeb), "wcxb": ("wcxb-dev", load_wcxb)}
    dump: dict[str, dict[str, dict[str, float]]] = {}
    for key in args.sets.split(","):
        folder, load = loaders[key]
        pages = load(root / folder)
        if args.limit:
            pages = pages[: args.limit]
        print(f"\n{folder}: {len(pages)} pages")
        rows = {}
        chosen = {name: EXTRACTORS[name] for name in args.only.split(",")}
        for name, (scores, rate, per_page) in evaluate(chosen, pages).items():
            rows[name] = (scores, rate)
            dump.setdefault(folder, {})[name] = per_page
            s = scores["all"]
            print(
                f"  {name:12} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f} "
                f"{rate:7.1f} pages/s",
                flush=True,
            )
        types = [t for t in next(iter(rows.values()))[0] if t != "all"]
        if types:
            print("  F1 by page type: " + " | ".join(rows))
            for t in types:
                print(f"    {t:14} " + " | ".join(f"{rows[n][0][t].f1:.3f}" for n in rows))
    if args.json:
        Path(args.json).write_text(json.dumps(dump), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
