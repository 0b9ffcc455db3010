"""Main-content extraction, scored as ../shared/data/README.md defines it, on every set in
../shared/data/extraction: scrapinghub-aeb, wcxb-dev (all of it, and split by domain into a
tuning half and a checking half, per page type) and readability: thresher vs trafilatura vs
resiliparse, with pages/s.

    nice -n 19 .venv/bin/python bench/eval_extract.py [--data ../shared/data/extraction]
        [--only thresher,thresher-fast,trafilatura,resiliparse] [--sets aeb,wcxb,readability]
        [--limit N] [--json OUT] [--cache DIR] [--in-process] [--block N]

Every extractor gets the page's raw bytes; the timings are of the extraction call only (the
pages are read and gunzipped first, and each extractor is called once untimed, so imports are
not counted), one process, side by side in this script, interleaved in blocks: each extractor
in turn takes the same N consecutive pages (`--block`, 20 by default) back to back, as a run
extracts them, the extractors' order changing from block to block so that none always runs
right after another (trafilatura leaves the caches cold for whichever comes next). `--block 1`
interleaves page by page: thresher's helper process then sits idle between two of its pages
while the others run, and its caches go cold (~0.9 ms a page against ~0.2 ms back to back).
Both cancel the machine's speed drifting during the run, which running each extractor over
the whole set in turn does not. The output and the --json figures name the block used.

wcxb-dev's split: each page's registered domain (`registered_domain`: metadata.json's
`domain`, or the host of the page's own `url` for the pages missing there, less `www.`, its
last two labels, three under a two-letter country code's `co.`/`com.`/`org.`/... level) is
hashed (SHA-1); an even first byte puts the page in `wcxb-tune`, an odd one in `wcxb-check`.
Every page of a domain is on the same side. Extraction changes are tuned on `wcxb-tune` only
and judged on `wcxb-check`, readability and aeb (docs/EXTRACTION.md).

`--cache DIR` keeps the other extractors' text per page (trafilatura, resiliparse: one JSON
file per set and extractor, named with its version) and reuses it: iterating on thresher alone
is then fast. Cached extractors have no speed figure (printed as `cached`): speed comes only
from a run without the cache, all extractors interleaved. `--in-process` calls thresher with
`isolate=False` (no helper process), for iteration.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from thresher.extract.score import Score, mean_score, score_page


class Page(NamedTuple):
    id: str
    raw: bytes
    gold: str
    type: str
    domain: str = ""


def load_aeb(root: Path) -> list[Page]:
    gold = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(gold):
        raw = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(Page(page_id, raw, gold[page_id]["articleBody"] or "", "article"))
    return pages


def load_wcxb(root: Path) -> list[Page]:
    files = json.loads((root / "metadata.json").read_text(encoding="utf-8"))["files"]
    pages = []
    for path in sorted((root / "ground-truth").glob("*.json")):
        page_id = path.stem
        record = json.loads(path.read_text(encoding="utf-8"))
        truth = record["ground_truth"]
        raw = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        meta = files.get(page_id, {})
        page_type = meta.get("page_type")
        if page_type is None:  # ~140 pages are missing from metadata.json; their own file says
            internal = record.get("_internal") or {}
            page_type = (internal.get("page_type") or {}).get("primary", "?")
        domain = meta.get("domain") or urlsplit(record.get("url") or "").hostname or ""
        pages.append(Page(page_id, raw, truth.get("main_content") or "", page_type, domain))
    return pages


def load_readability(root: Path) -> list[Page]:
    """mozilla/readability's test pages, with `readability_gold` as the gold."""
    pages = []
    for folder in sorted(p for p in (root / "pages").iterdir() if p.is_dir()):
        raw = gzip.decompress((folder / "source.html.gz").read_bytes())
        pages.append(Page(folder.name, raw, readability_gold(folder / "expected.html.gz"), "page"))
    return pages


def readability_gold(expected_gz: Path) -> str:
    """The visible text of a readability page's `expected.html` (Readability's reviewed
    output), read with resiliparse's `extract_plain_text` without its main-content rules, alt
    texts or link targets (every element's text, blocks on their own lines; lxml's
    `text_content` runs the words of adjacent blocks together)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    expected = gzip.decompress(expected_gz.read_bytes()).decode("utf-8")
    return str(
        extract_plain_text(
            HTMLTree.parse(expected),
            main_content=False,
            alt_texts=False,
            links=False,
            list_bullets=False,
            noscript=True,
        )
    )


_SECOND_LEVEL = frozenset(("co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go"))


def registered_domain(host: str) -> str:
    """The domain a site registered, by a simple rule (no public-suffix list): the last two
    labels, or three under a two-letter country code's second level (`bbc.co.uk`)."""
    labels = host.lower().strip(".").removeprefix("www.").split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def wcxb_half(domain: str) -> str:
    """`wcxb-tune` or `wcxb-check`, by the SHA-1 of the page's registered domain."""
    digest = hashlib.sha1(registered_domain(domain).encode("utf-8")).digest()
    return "wcxb-check" if digest[0] & 1 else "wcxb-tune"


def trafilatura_extract(raw: bytes) -> str:
    import trafilatura

    return trafilatura.extract(raw, output_format="txt", include_comments=False) or ""


def resiliparse_extract(raw: bytes) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import detect_encoding
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse_from_bytes(raw, detect_encoding(raw) or "utf-8")
    return str(extract_plain_text(tree, main_content=True))


ISOLATE = {"value": True}  # --in-process sets it False
# Pages each extractor takes in turn (--block): back to back, as a run extracts them.
BLOCK = 20


def thresher_extract(raw: bytes) -> str:
    import thresher

    return thresher.extract(raw, isolate=ISOLATE["value"]).text


def thresher_fast(raw: bytes) -> str:
    import thresher

    return thresher.extract(raw, mode="fast", isolate=ISOLATE["value"]).text


def thresher_careful(raw: bytes) -> str:
    import thresher

    return thresher.extract(raw, mode="careful", isolate=ISOLATE["value"]).text


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "thresher": thresher_extract,
    "thresher-fast": thresher_fast,
    "thresher-careful": thresher_careful,
    "trafilatura": trafilatura_extract,
    "resiliparse": resiliparse_extract,
}
CACHEABLE = ("trafilatura", "resiliparse")


def version(name: str) -> str:
    from importlib.metadata import version as dist_version

    return dist_version(name)


class Run(NamedTuple):
    scores: dict[str, Score]  # page id -> score
    rate: float | None  # pages/s; None where the text came from the cache


def evaluate(
    extractors: dict[str, Callable[[bytes], str]],
    pages: list[Page],
    cached: dict[str, dict[str, str]] | None = None,
    block: int = BLOCK,
) -> tuple[dict[str, Run], dict[str, dict[str, str]]]:
    """Every extractor on every page, interleaved in blocks: each extractor in turn takes the
    same `block` consecutive pages, back to back as a real run extracts them, then the next
    extractor takes them, so that a machine's speed drifting during the run (it moved by 25%
    between runs on this project's machines) weighs on all extractors alike. The extractors'
    order changes from block to block (`orders`: each one follows each other one equally
    often), so that none always runs right after trafilatura, whose work leaves the caches cold
    for the next. `block=1` interleaves page by page. An extractor with `cached` text for every
    page is not called. Returns the runs and every extractor's text per page."""
    cached = cached or {}
    live = {
        name: extract
        for name, extract in extractors.items()
        if not all(p.id in cached.get(name, {}) for p in pages)
    }
    texts: dict[str, dict[str, str]] = {name: dict(cached.get(name, {})) for name in extractors}
    seconds = dict.fromkeys(live, 0.0)
    if pages:  # imports and first-call set-up are not per-page costs: one untimed call first
        for extract in live.values():
            extract(pages[0].raw)
    names = list(live)
    rounds = orders(len(names))
    size = max(1, block)
    for number, start in enumerate(range(0, len(pages), size)):
        members = pages[start : start + size]
        for index in rounds[number % len(rounds)] if names else ():
            name = names[index]
            extract = live[name]
            for page in members:
                started = time.perf_counter()
                try:
                    text = extract(page.raw)
                except Exception as exc:  # an extractor's crash scores the page 0, and is said
                    print(f"  {name} {page.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    text = ""
                seconds[name] += time.perf_counter() - started
                texts[name][page.id] = text
    runs = {}
    for name in extractors:
        scores = {p.id: score_page(texts[name][p.id], p.gold) for p in pages}
        rate = len(pages) / seconds[name] if seconds.get(name) else None
        runs[name] = Run(scores, rate)
    return runs, texts


def orders(n: int) -> list[list[int]]:
    """The extractors' order for successive blocks: a balanced Latin square (Williams, 1949),
    where each extractor comes first equally often and right after each other extractor
    equally often (for an odd count, the rows and their reverses)."""
    if n <= 1:
        return [list(range(n))]
    first = [0]
    low, high = 1, n - 1
    while len(first) < n:
        first.append(low)
        low += 1
        if len(first) < n:
            first.append(high)
            high -= 1
    rows = [[(value + shift) % n for value in first] for shift in range(n)]
    if n % 2:
        rows += [row[::-1] for row in rows]
    return rows


def groups(key: str, pages: list[Page]) -> dict[str, list[Page]]:
    """The rows a set is reported as: the whole set, and for wcxb-dev its two halves."""
    out = {key: pages}
    if key == "wcxb-dev":
        for half in ("wcxb-tune", "wcxb-check"):
            out[half] = [p for p in pages if wcxb_half(p.domain) == half]
    return out


def report(
    label: str, pages: list[Page], runs: dict[str, Run]
) -> dict[str, dict[str, dict[str, float]]]:
    """Print one row per extractor (P, R, F1, pages/s), then F1 per page type; return the
    figures (extractor -> type -> P/R/F1/pages) for --json."""
    print(f"\n{label}: {len(pages)} pages, {len({p.domain for p in pages if p.domain})} domains")
    by_type: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_type[page.type].append(page)
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, run in runs.items():
        s = mean(run.scores[p.id] for p in pages)
        speed = f"{run.rate:7.1f} pages/s" if run.rate is not None else "   cached"
        print(f"  {name:14} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f} {speed}")
        table[name] = {"all": figures(s, len(pages))}
        for kind, members in by_type.items():
            table[name][kind] = figures(mean(run.scores[p.id] for p in members), len(members))
    if len(by_type) > 1:
        print("  F1 by page type (pages): " + " | ".join(runs))
        for kind in sorted(by_type):
            cells = " | ".join(f"{table[n][kind]['f1']:.3f}" for n in runs)
            print(f"    {kind:14} {len(by_type[kind]):4}  {cells}")
    return table


def figures(score: Score, n: int) -> dict[str, float]:
    return {"p": score.precision, "r": score.recall, "f1": score.f1, "pages": n}


def mean(scores: Iterable[Score]) -> Score:
    return mean_score(scores)


LOADERS = {
    "aeb": ("scrapinghub-aeb", load_aeb),
    "wcxb": ("wcxb-dev", load_wcxb),
    "readability": ("readability", load_readability),
}


def load_cache(cache: Path | None, folder: str, names: Iterable[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    if cache is None:
        return out
    for name in names:
        if name in CACHEABLE:
            path = cache / f"{folder}.{name}-{version(name)}.json"
            if path.is_file():
                out[name] = json.loads(path.read_text(encoding="utf-8"))
    return out


def save_cache(cache: Path | None, folder: str, texts: dict[str, dict[str, str]]) -> None:
    if cache is None:
        return
    cache.mkdir(parents=True, exist_ok=True)
    for name, by_page in texts.items():
        if name in CACHEABLE:
            path = cache / f"{folder}.{name}-{version(name)}.json"
            path.write_text(json.dumps(by_page), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/extraction")
    parser.add_argument("--only", default="thresher,thresher-fast,trafilatura,resiliparse")
    parser.add_argument("--sets", default="aeb,wcxb,readability")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json", help="write the figures and per-page F1 here")
    parser.add_argument("--cache", type=Path, help="keep/reuse other extractors' text here")
    parser.add_argument("--in-process", action="store_true", help="thresher with isolate=False")
    parser.add_argument(
        "--block",
        type=int,
        default=BLOCK,
        help=f"pages each extractor takes in turn (default {BLOCK}; 1: page by page)",
    )
    args = parser.parse_args()
    if args.block < 1:
        parser.error("--block must be 1 or more")
    print(
        f"interleaved in blocks of {args.block} page{'s' if args.block > 1 else ''}"
        " (--block), the extractors' order rotating from block to block"
    )
    ISOLATE["value"] = not args.in_process
    root = Path(args.data)
    chosen = {name: EXTRACTORS[name] for name in args.only.split(",")}
    dump: dict[str, object] = {"block": args.block, "tables": {}, "pages": {}}
    for key in args.sets.split(","):
        folder, load = LOADERS[key]
        if not (root / folder).is_dir():
            print(f"\n{folder}: absent ({root / folder})")
            continue
        pages = load(root / folder)
        if args.limit:
            pages = pages[: args.limit]
        cached = load_cache(args.cache, folder, chosen) if not args.limit else {}
        runs, texts = evaluate(chosen, pages, cached, args.block)
        if not args.limit:
            save_cache(args.cache, folder, texts)
        for label, members in groups(folder, pages).items():
            dump["tables"][label] = report(label, members, runs)  # type: ignore[index]
        dump["pages"][folder] = {  # type: ignore[index]
            name: {pid: round(s.f1, 4) for pid, s in run.scores.items()}
            for name, run in runs.items()
        }
        rates = {name: run.rate for name, run in runs.items() if run.rate}
        if "trafilatura" in rates:
            ratios = ", ".join(
                f"{name} {rate / rates['trafilatura']:.2f}x"
                for name, rate in rates.items()
                if name != "trafilatura"
            )
            print(f"  speed against trafilatura (--block {args.block}): {ratios}")
    if args.json:
        Path(args.json).write_text(json.dumps(dump), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
