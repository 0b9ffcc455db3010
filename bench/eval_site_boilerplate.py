"""Measure the `site-boilerplate` step on real multi-page sites: the HTML manuals of Debian
documentation packages, each package one site.

For each page, the gold main text is the text of the theme's main-content element (SITES
below names it per package); the step's input is the whole visible text (resiliparse,
main_content=False), with a URL whose host is the package name. A removed line is correct when
it is not a line of the page's gold text (lines compared normalised: case, punctuation,
spacing and digits folded); a template line is a line of the whole text that is not in the
gold text, on two or more pages of the site. Precision: share of removed lines that are not
gold; recall: share of template line occurrences removed.

    .venv/bin/python bench/eval_site_boilerplate.py [--grid] [--limit N]

Packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x` under
bench/out/sites/ (never committed); the figures go to bench/out/sites/eval.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

from thresher import Document, StepStats
from thresher.dedup.minhash import normalized
from thresher.sites import REASON, SiteBoilerplate, registered_domain, site_of

OUT = Path(__file__).resolve().parent / "out" / "sites"


@dataclass(frozen=True)
class Site:
    package: str
    root: str  # where the HTML pages are, inside the package
    main: str  # CSS selector of the main-content element
    drop: tuple[str, ...] = ()  # elements inside `main` that are not main content


SITES = (
    # Sphinx (classic theme): the article is div.body (role=main)
    Site("python3.11-doc", "usr/share/doc/python3.11/html", "div.body"),
    # Django's own Sphinx theme: #yui-main holds the article, #hd/#ft/#sidebar the template
    Site("python-django-doc", "usr/share/doc/python-django-doc/html", "#yui-main"),
    # DocBook (PostgreSQL): the body less the navigation header and footer tables
    Site(
        "postgresql-doc-15",
        "usr/share/doc/postgresql-doc-15/html",
        "body",
        ("div.navheader", "div.navfooter"),
    ),
    # AsciiDoc (git manual pages): the body less #footer (#header holds the page's title and
    # NAME section)
    Site("git-doc", "usr/share/doc/git-doc", "body", ("#footer",)),
    # DocBook (Debian Reference): as PostgreSQL
    Site(
        "debian-reference-en",
        "usr/share/debian-reference",
        "body",
        ("div.navheader", "div.navfooter"),
    ),
)


def unpack(site: Site) -> Path:
    """The package's files, downloaded and unpacked on first use."""
    folder = OUT / "pkg" / site.package
    if folder.is_dir():
        return folder / site.root
    debs = OUT / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if not list(debs.glob(f"{site.package}_*.deb")):
        subprocess.run(["apt-get", "download", site.package], cwd=debs, check=True)
    (deb,) = debs.glob(f"{site.package}_*.deb")
    folder.parent.mkdir(parents=True, exist_ok=True)  # dpkg-deb -x makes only the last folder
    subprocess.run(["dpkg-deb", "-x", str(deb), str(folder)], check=True)
    return folder / site.root


@dataclass
class Page:
    doc: Document
    gold: Counter[bytes]  # normalised lines of the gold main text, with their counts


def site_pages(site: Site, limit: int = 0) -> list[Path]:
    """The site's HTML pages, in order (the first `limit`; 0: all)."""
    return sorted(unpack(site).rglob("*.html"))[: limit or None]


def page_url(site: Site, path: Path) -> str:
    return f"https://{site.package}.debian.example/{path.relative_to(unpack(site))}"


def gold_text(site: Site, html: str) -> str | None:
    """The page's main text: the text of the theme's main-content element, less what `drop`
    names inside it; None when the page has no such element."""
    body = HTMLTree.parse(html).body
    main = body if site.main == "body" or body is None else body.query_selector(site.main)
    if main is None:
        return None
    for selector in site.drop:
        for node in main.query_selector_all(selector):
            node.decompose()
    return str(extract_plain_text(main.html, main_content=False))


def pages(site: Site, limit: int) -> list[Page]:
    root = unpack(site)
    found = []
    for path in site_pages(site, limit):
        html = path.read_text("utf-8", errors="replace")
        whole = extract_plain_text(html, main_content=False)
        gold = gold_text(site, html)
        if gold is None or not whole.strip():
            continue
        url = page_url(site, path)
        doc = Document(id=f"{site.package}/{path.relative_to(root)}", text=whole)
        doc.metadata["url"] = url
        found.append(Page(doc, Counter(k for k in map(normalized, gold.split("\n")) if k)))
    return found


def extra_lines(page: Page) -> Counter[bytes]:
    """The page's lines beyond its gold text: per normalised line, the occurrences the whole
    text has more than the gold text (a sidebar's copy of a heading is one)."""
    whole = Counter(k for k in map(normalized, page.doc.text.split("\n")) if k)
    return Counter({k: n - page.gold[k] for k, n in whole.items() if n > page.gold[k]})


WRONG_SHOWN = 30  # wrongly removed lines listed per site, most often first
SITEWIDE = 0.2  # a template line on this share of a site's pages is "site-wide"
_TEMPLATES: dict[tuple[str, ...], list[Counter[bytes]]] = {}


def template_lines(site_pages: list[Page]) -> list[Counter[bytes]]:
    """Per page, its template lines: lines beyond the gold text that are beyond it on two
    pages or more of the site (computed once per set of pages)."""
    key = tuple(p.doc.id for p in site_pages)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _template_lines(site_pages)
    return _TEMPLATES[key]


def _template_lines(site_pages: list[Page]) -> list[Counter[bytes]]:
    extra = [extra_lines(p) for p in site_pages]
    pages_of: Counter[bytes] = Counter(k for e in extra for k in e)
    return [Counter({k: n for k, n in e.items() if pages_of[k] >= 2}) for e in extra]


def sitewide_lines(site_pages: list[Page]) -> set[bytes]:
    """Template lines on `SITEWIDE` or more of the site's pages: those a site-level rule
    can see (a chapter's navigation bar, or a page's own table of contents, it cannot)."""
    pages_of: Counter[bytes] = Counter(k for t in template_lines(site_pages) for k in t)
    return {k for k, n in pages_of.items() if n >= SITEWIDE * len(site_pages)}


@dataclass
class Score:
    removed: int = 0
    wrong: int = 0  # removed lines of the gold text
    template: int = 0
    found: int = 0  # template lines removed
    sitewide: int = 0  # template lines on SITEWIDE of the site's pages
    sitewide_found: int = 0
    wrong_lines: Counter[bytes] | None = None
    missed_lines: Counter[bytes] | None = None

    def add(
        self, page: Page, removed: set[int], template: Counter[bytes], sitewide: set[bytes]
    ) -> None:
        lines = page.doc.text.split("\n")
        gone = Counter(k for k in (normalized(lines[i]) for i in removed) if k)
        extra = extra_lines(page)
        # a removed line is wrong when more of its copies went than the page had beyond gold
        bad = Counter({k: n - extra[k] for k, n in gone.items() if n > extra[k]})
        self.removed += sum(gone.values())
        self.wrong += sum(bad.values())
        self.template += sum(template.values())
        self.found += sum(min(n, gone[k]) for k, n in template.items())
        self.sitewide += sum(n for k, n in template.items() if k in sitewide)
        self.sitewide_found += sum(min(n, gone[k]) for k, n in template.items() if k in sitewide)
        if self.wrong_lines is not None:
            self.wrong_lines.update(bad)
        if self.missed_lines is not None:
            self.missed_lines.update({k: n - gone[k] for k, n in template.items() if n > gone[k]})

    def to_dict(self) -> dict[str, Any]:
        return {
            "removed": self.removed,
            "wrong": self.wrong,
            "template": self.template,
            "found": self.found,
            "precision": round(1 - self.wrong / self.removed, 4) if self.removed else 1.0,
            "recall": round(self.found / self.template, 4) if self.template else 1.0,
            "sitewide": self.sitewide,
            "recall_sitewide": (
                round(self.sitewide_found / self.sitewide, 4) if self.sitewide else 1.0
            ),
        }


def removed_by_ledger(doc: Document) -> set[int]:
    return {
        i
        for edit in doc.ledger
        if edit.reason == REASON
        for i in range(edit.first_line, edit.last_line + 1)
    }


def run_step(step: SiteBoilerplate, corpus: dict[str, list[Page]]) -> tuple[dict[str, Any], float]:
    """The step on every site's pages at once (as one run would), scored per site."""
    docs = [Document.from_dict(p.doc.to_dict()) for ps in corpus.values() for p in ps]
    stats = StepStats(step.name)
    with tempfile.TemporaryDirectory(prefix="eval-sites-") as work:
        folder = Path(work) / "unit"
        started = time.perf_counter()
        collected = list(step.collect(docs, folder))
        after_collect = time.perf_counter()
        summary = step.decide([folder], None)
        after_decide = time.perf_counter()
        out = {d.id: d for d in step.apply(collected, folder, stats)}
        seconds = time.perf_counter() - started
    phases = {
        "collect": round(after_collect - started, 2),
        "decide": round(after_decide - after_collect, 2),
        "apply": round(started + seconds - after_decide, 2),
    }
    scores: dict[str, Any] = {}
    total = Score(wrong_lines=Counter())
    for name, site_pages in corpus.items():
        score = Score(wrong_lines=Counter(), missed_lines=Counter())
        sitewide = sitewide_lines(site_pages)
        for page, template in zip(site_pages, template_lines(site_pages), strict=True):
            removed = removed_by_ledger(out[page.doc.id])
            score.add(page, removed, template, sitewide)
            total.add(page, removed, template, sitewide)
        scores[name] = {**score.to_dict(), "pages": len(site_pages)}
        assert score.wrong_lines is not None
        assert score.missed_lines is not None
        scores[name]["missed_examples"] = [
            (k.decode()[:60], n) for k, n in score.missed_lines.most_common(12)
        ]
        scores[name]["wrong_examples"] = [
            (k.decode()[:60], n) for k, n in score.wrong_lines.most_common(WRONG_SHOWN)
        ]
    scores["all"] = {**total.to_dict(), "pages": sum(len(p) for p in corpus.values())}
    scores["all"]["stats"] = stats.to_dict()
    scores["all"]["summary"] = summary
    scores["all"]["seconds"] = phases
    return scores, seconds


def grid(corpus: dict[str, list[Page]]) -> list[dict[str, Any]]:
    """Precision and recall over a grid of thresholds (on full sites, and on samples of 10
    and 30 pages of each site, the size of a site in a small crawl)."""
    rng = np.random.default_rng(7)
    samples = {"full": corpus}
    for size in (10, 30):
        samples[f"sample{size}"] = {
            name: [ps[i] for i in sorted(rng.choice(len(ps), min(size, len(ps)), replace=False))]
            for name, ps in corpus.items()
        }
    rows = []
    base = SiteBoilerplate()
    for reach, min_docs, min_share in itertools.product((1, 2), (3, 5), (0.05, 0.1, 0.2, 0.3)):
        step = replace(base, reach=reach, min_docs=min_docs, min_share=min_share)
        row: dict[str, Any] = {"reach": reach, "min_docs": min_docs, "min_share": min_share}
        for label, sample in samples.items():
            row[label] = run_step(step, sample)[0]["all"]
            for key in ("stats", "summary", "seconds"):
                row[label].pop(key)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    return rows


def grid_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| reach | min_docs | min_share | full P | full R | 30 pages P | R | 10 pages P | R |",
        "|---" * 9 + "|",
    ]
    for r in rows:
        cells = [r["reach"], r["min_docs"], r["min_share"]]
        for label in ("full", "sample30", "sample10"):
            cells += [f"{r[label]['precision']:.4f}", f"{r[label]['recall']:.4f}"]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def site_speed(corpus: dict[str, list[Page]]) -> dict[str, float]:
    """Microseconds per URL to find its site (registered domain): the first sight of a host
    (the public suffix list searched) and a host seen before (cached)."""
    urls = [p.doc.metadata["url"] for ps in corpus.values() for p in ps]
    hosts = [f"www.page{n}.example.co.uk" for n in range(20000)]
    started = time.perf_counter()
    for host in hosts:
        registered_domain(host)
    fresh = (time.perf_counter() - started) / len(hosts) * 1e6
    started = time.perf_counter()
    for url in urls:
        site_of({"url": url}, "domain")
    cached = (time.perf_counter() - started) / len(urls) * 1e6
    return {"new_host_us": round(fresh, 2), "known_host_url_us": round(cached, 2)}


def table(scores: dict[str, Any]) -> str:
    lines = [
        "| site | pages | removed | precision | template lines | recall | site-wide | recall |",
        "|---" * 8 + "|",
    ]
    for name, s in scores.items():
        lines.append(
            f"| {name} | {s['pages']} | {s['removed']} | {s['precision']:.4f} |"
            f" {s['template']} | {s['recall']:.4f} | {s['sitewide']} |"
            f" {s['recall_sitewide']:.4f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", action="store_true", help="also sweep min_docs x min_share")
    parser.add_argument("--reach", type=int, default=0, help="the step's reach (0: default)")
    parser.add_argument("--heading-words", type=int, default=-1, help="-1: the default")
    parser.add_argument("--min-share", type=float, default=0, help="0: the default")
    parser.add_argument("--limit", type=int, default=0, help="pages per site (0: all)")
    parser.add_argument(
        "--set", action="append", default=[], help="a step parameter NAME=VALUE (JSON value)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = {site.package: pages(site, args.limit) for site in SITES}
    prepared = time.perf_counter() - started
    step = SiteBoilerplate()
    if args.reach:
        step = replace(step, reach=args.reach)
    if args.heading_words >= 0:
        step = replace(step, heading_words=args.heading_words)
    if args.min_share:
        step = replace(step, min_share=args.min_share)
    for setting in args.set:
        name, _, value = setting.partition("=")
        step = replace(step, **{name: json.loads(value)})
    scores, seconds = run_step(step, corpus)
    docs = scores["all"]["pages"]
    result: dict[str, Any] = {
        "step": step.params(),
        "scores": scores,
        "seconds": round(seconds, 2),
        "docs_per_second": round(docs / seconds, 1),
        "prepare_seconds": round(prepared, 1),
    }
    print(table({k: v for k, v in scores.items()}))
    print(f"\n{docs} pages, step {seconds:.2f} s ({docs / seconds:.0f} pages/s;", end=" ")
    print(f"{scores['all']['seconds']}); decide: {scores['all']['summary']}")
    for name, s in scores.items():
        if s.get("wrong_examples"):
            print(f"{name}: wrongly removed, most often: {s['wrong_examples']}")
        if s.get("missed_examples"):
            print(f"{name}: template lines missed, most often: {s['missed_examples']}")
    result["site_of"] = site_speed(corpus)
    print(f"site of a URL (microseconds): {result['site_of']}")
    if args.grid:
        result["grid"] = grid(corpus)
        print(grid_table(result["grid"]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "eval.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
