"""Word F1 of the kept text against the gold main text, with the `site-boilerplate` step on and
off, from WARC files of real multi-page sites (the Debian HTML manuals of
bench/eval_site_boilerplate.py, each package one site).

One WARC per site holds each page's HTML as an HTTP 200 response at its URL
(`https://<package>.debian.example/<path>`); `thresher run` reads them (extracting each page's
main content), once with the default recipe and once with `site-boilerplate` inserted before
`dedup`. A page's score is the word F1 of its kept text against its gold main text (the text
of the theme's main-content element, as eval_site_boilerplate defines it): both lowercased,
tokens `\\w+`, overlap counted as multisets; a page rejected (or removed as a duplicate)
scores 0. Scores are means over pages, per site and overall. With `--input whole-text` the
runs read each page's whole visible text instead (JSONL records with the same URLs: the input
eval_site_boilerplate gives the step), so that nothing has taken the template out before.

    .venv/bin/python bench/eval_site_warc.py [--limit N] [--workers W] [--min-share S]
    .venv/bin/python bench/eval_site_warc.py --input whole-text   # the whole text as JSONL

Writes the inputs, the two runs and the figures (eval-warc.json, eval-whole-text.json) under
bench/out/sites/.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_site_boilerplate import (
    OUT,
    SITES,
    Site,
    gold_text,
    page_url,
    pages,
    site_pages,
    unpack,
)

from thresher import Recipe
from thresher.sites import SITE_BOILERPLATE, SiteBoilerplate

WARCS = OUT / "warc"
RUNS = OUT / "warc-runs"
_WORD = re.compile(r"\w+")


def tokens(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def word_f1(kept: Counter[str], gold: Counter[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of `kept`'s words against `gold`'s (multisets)."""
    overlap = sum((kept & gold).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(kept.values()), overlap / sum(gold.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def _record(number: int, kind: str, uri: str, payload: bytes, extra: str = "") -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:eval-{number:08d}>\r\n"
        f"WARC-Date: 2024-02-03T04:05:06Z\r\nWARC-Target-URI: {uri}\r\n{extra}"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload + b"\r\n\r\n"


def write_warc(site: Site, limit: int) -> dict[str, Counter[str]]:
    """The site's WARC (one response record a page); returns each page's gold words by URL
    (pages without the main-content element are left out, as eval_site_boilerplate does)."""
    WARCS.mkdir(parents=True, exist_ok=True)
    gold: dict[str, Counter[str]] = {}
    with (WARCS / f"{site.package}.warc").open("wb") as out:
        for number, path in enumerate(site_pages(site, limit)):
            raw = path.read_bytes()
            text = gold_text(site, raw.decode("utf-8", errors="replace"))
            if text is None:
                continue
            url = page_url(site, path)
            gold[url] = tokens(text)
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + raw
            extra = "Content-Type: application/http; msgtype=response\r\n"
            out.write(_record(number, "response", url, http, extra))
    return gold


WCXB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction" / "wcxb-dev"


def write_wcxb_warc(min_pages: int) -> dict[str, dict[str, Counter[str]]]:
    """wcxb-dev's pages of the domains it has `min_pages` or more pages of (held out: real
    shops, manuals and news sites, none tuned on), one WARC; each page's gold words by URL,
    per domain."""
    meta = json.loads((WCXB / "metadata.json").read_text())["files"]
    by_domain: dict[str, list[str]] = {}
    for file_id, entry in sorted(meta.items()):
        by_domain.setdefault(entry["domain"], []).append(file_id)
    WARCS.mkdir(parents=True, exist_ok=True)
    gold: dict[str, dict[str, Counter[str]]] = {}
    with (WARCS.parent / "wcxb.warc").open("wb") as out:
        for domain, ids in sorted(by_domain.items()):
            if len(ids) < min_pages:
                continue
            for file_id in ids:
                truth = json.loads((WCXB / "ground-truth" / f"{file_id}.json").read_text())
                main_text = truth["ground_truth"]
                if isinstance(main_text, str):  # a Python literal in the benchmark's files
                    main_text = ast.literal_eval(main_text)
                url = truth["url"]
                gold.setdefault(domain, {})[url] = tokens(main_text.get("main_content") or "")
                raw = gzip.decompress((WCXB / "html" / f"{file_id}.html.gz").read_bytes())
                http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + raw
                extra = "Content-Type: application/http; msgtype=response\r\n"
                out.write(_record(int(file_id), "response", url, http, extra))
    return gold


def recipes(step: SiteBoilerplate, before: str) -> dict[str, Path]:
    """The default recipe, and the default with `step` just before the step `before`, as
    config files."""
    default = Recipe.named("default")
    names = [s.name for s in default.steps]
    at = names.index(before)
    steps = (*default.steps[:at], step, *default.steps[at:])
    RUNS.mkdir(parents=True, exist_ok=True)
    files = {}
    for label, recipe in (("off", default), ("on", replace(default, steps=steps))):
        files[label] = RUNS / f"{label}.yaml"
        files[label].write_text(recipe.dumps())
    return files


def write_whole_text(path: Path, limit: int) -> dict[str, Counter[str]]:
    """The pages' whole text as JSONL records with their URLs (as eval_site_boilerplate gives
    them to the step); returns each page's gold words by URL."""
    gold: dict[str, Counter[str]] = {}
    with path.open("wb") as out:
        for site in SITES:
            for page in pages(site, limit):
                url = page.doc.metadata["url"]
                html = (unpack(site) / url.split("/", 3)[3]).read_text("utf-8", errors="replace")
                gold[url] = tokens(gold_text(site, html) or "")
                record = {"id": page.doc.id, "text": page.doc.text, "url": url}
                out.write(orjson.dumps(record) + b"\n")
    return {
        site.package: {u: w for u, w in gold.items() if u.startswith(f"https://{site.package}.")}
        for site in SITES
    }


def run(source: Path, label: str, config: Path, workers: int) -> dict[str, Any]:
    """`thresher run` over `source`; wall and CPU seconds (the children's, from rusage)."""
    out = RUNS / label
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [str(Path(sys.executable).parent / "thresher"), "run", str(source), "-o", str(out)]
    command += ["--config", str(config), "--force", "--no-progress", "-w", str(workers)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "folder": str(out)}


def kept_texts(folder: Path) -> dict[str, tuple[str, int]]:
    """Per URL, the kept document's text and the lines site-boilerplate removed from it."""
    kept = {}
    for path in sorted((folder / "kept").rglob("*.jsonl*")):
        for line in path.read_bytes().splitlines():
            doc = orjson.loads(line)
            meta = doc.get("metadata", {})
            removed = meta.get(SITE_BOILERPLATE, {}).get("lines", [])
            kept[meta["url"]] = (doc["text"], len(removed))
    return kept


def score(gold: dict[str, Counter[str]], kept: dict[str, tuple[str, int]]) -> dict[str, Any]:
    f1s, precisions, recalls, cleaned, lines = [], [], [], 0, 0
    for url, words in gold.items():
        text, removed = kept.get(url, ("", 0))
        p, r, f = word_f1(tokens(text), words) if url in kept else (0.0, 0.0, 0.0)
        f1s.append(f)
        if url in kept:
            precisions.append(p)
            recalls.append(r)
        cleaned += removed > 0
        lines += removed
    return {
        "pages": len(gold),
        "kept": sum(url in kept for url in gold),
        "f1": round(sum(f1s) / max(len(f1s), 1), 4),
        "precision_kept": round(sum(precisions) / max(len(precisions), 1), 4),
        "recall_kept": round(sum(recalls) / max(len(recalls), 1), 4),
        "pages_cleaned": cleaned,
        "lines_removed": lines,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="pages per site (0: all)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--min-share", type=float, default=0, help="the step's (0: default)")
    parser.add_argument(
        "--input",
        choices=("warc", "whole-text", "wcxb"),
        default="warc",
        help="warc: the pages' HTML in WARCs, extracted by the run; whole-text: the pages'"
        " whole text (eval_site_boilerplate's input) as JSONL records with their URLs;"
        " wcxb: wcxb-dev's domains with 5 pages or more, from a WARC",
    )
    parser.add_argument("--before", default="dedup", help="the step it runs just before")
    args = parser.parse_args()
    step = SiteBoilerplate()
    if args.min_share:
        step = replace(step, min_share=args.min_share)
    started = time.perf_counter()
    if args.input == "warc":
        gold = {site.package: write_warc(site, args.limit) for site in SITES}
        source = WARCS
    elif args.input == "wcxb":
        gold = write_wcxb_warc(5)
        source = WARCS.parent / "wcxb.warc"
    else:
        source = OUT / "whole-text.jsonl"
        gold = write_whole_text(source, args.limit)
    prepared = time.perf_counter() - started
    configs = recipes(step, args.before)
    result: dict[str, Any] = {"input": args.input, "step": step.params()}
    result.update(prepare_s=round(prepared, 1), runs={}, scores={})
    suffix = f"-min-share-{args.min_share}" if args.min_share else ""
    for label in ("off", "on"):
        folder = f"{args.input}{suffix}-{label}"
        result["runs"][label] = run(source, folder, configs[label], args.workers)
        kept = kept_texts(Path(result["runs"][label]["folder"]))
        every: dict[str, Counter[str]] = {}
        for name, site_gold in gold.items():
            result["scores"].setdefault(name, {})[label] = score(site_gold, kept)
            every.update(site_gold)
        result["scores"].setdefault("all", {})[label] = score(every, kept)
    print("| site | pages | kept off | kept on | F1 off | F1 on | P off | P on | R off | R on |")
    print("|---" * 10 + "|")
    for name, s in result["scores"].items():
        off, on = s["off"], s["on"]
        print(
            f"| {name} | {off['pages']} | {off['kept']} | {on['kept']} | {off['f1']:.4f} |"
            f" {on['f1']:.4f} | {off['precision_kept']:.4f} | {on['precision_kept']:.4f} |"
            f" {off['recall_kept']:.4f} | {on['recall_kept']:.4f} |"
        )
    for name, s in result["scores"].items():
        on = s["on"]
        print(
            f"{name}: on: {on['pages_cleaned']} pages cleaned, {on['lines_removed']} lines removed"
        )
    print(f"runs: {result['runs']}")
    (OUT / f"eval-{args.input}{suffix}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
