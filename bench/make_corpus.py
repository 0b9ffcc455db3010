#!/usr/bin/env python3
"""Generate thresher's benchmark corpus: real paragraphs, recombined, with known web noise.

Documents are built from the real paragraphs of ../shared/data (see corpus_pool.py); about 60%
stay clean, the rest get error-page templates, repeated paragraphs, disclaimers, comment-widget
residue, cookie notices, share/subscribe prompts, navigation crumbs or footers at recorded
places, and a few are pure soft-404 pages. Exact and near-duplicate copies of some documents are
added, each recording the document it copies.

Output: OUT/part-NNNNN.jsonl.gz shards of {id, text, url, date, http_status}; the truth file
(default OUT.truth.jsonl.gz, beside the corpus folder, since thresher reads every file inside
it) with one line per document; OUT.stats.json with the counts. The same arguments always give
byte-identical files (with the same Python and zlib versions).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import noise_text as nt
from corpus_pool import Pool, load_pool, missing_sources

REPO_ROOT = Path(__file__).resolve().parent.parent
CLEAN_SHARE = 0.60
SOFT404_SHARE = 0.02
LINGUA_SHARE = 0.20
NOISE_WEIGHTS: dict[str, float] = {
    "error-template": 3,
    "repeat-article": 1,
    "repeat-tail": 1.5,
    "repeat-paragraph": 1.5,
    "near-repeat": 1.5,
    "disclaimer": 2,
    "comments": 2,
    "cookie": 1.5,
    "share": 1.5,
    "nav": 1.5,
    "footer": 1,
}
REPEAT_KINDS = frozenset({"repeat-article", "repeat-tail", "repeat-paragraph", "near-repeat"})
FIRST_DATE = date(2019, 1, 1)
DATE_SPAN_DAYS = 6 * 365
EDIT_RATES = (0.005, 0.04)  # near duplicates: share of words edited
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Base:
    """An original document before noise: language, optional headline, paragraphs."""

    source: str  # "web" (English gold paragraphs) or "lingua" (one language's sentences)
    lang: str
    title: str | None
    paragraphs: tuple[str, ...]
    soft404: bool = False
    noisy: bool = False


@dataclass
class Segment:
    """A run of lines of a rendered document; `kind` None is article content."""

    lines: list[str]
    kind: str | None = None
    position: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    sources: list[Segment] = field(default_factory=list)
    line: int = -1


@dataclass
class Page:
    """A rendered document: its segments, status, url, date and duplicate information."""

    segments: list[Segment]
    http_status: int
    url: str
    date: str
    site: str
    duplicate: dict[str, Any] | None = None


# ---------------------------------------------------------------- base documents


def headline_from(sentence: str, rng: random.Random) -> str:
    """A headline-like line: the first words of a sentence, without closing punctuation."""
    words = sentence.split()
    if len(words) < 4:  # scripts without spaces
        return sentence[: rng.randint(12, 30)].rstrip(" .,;:!?。")
    return " ".join(words[: rng.randint(4, 12)]).rstrip(" .,;:!?")


def web_paragraphs(rng: random.Random, pool: Pool, count: int) -> tuple[str, ...]:
    """`count` distinct paragraphs taken as contiguous runs from random source articles."""
    chosen: list[int] = []
    while len(chosen) < count:
        article = pool.articles[rng.randrange(len(pool.articles))]
        start = rng.randrange(len(article))
        for pid in article[start : start + rng.randint(1, count - len(chosen))]:
            if pid not in chosen:
                chosen.append(pid)
    return tuple(pool.paragraphs[pid] for pid in chosen)


def lingua_paragraphs(rng: random.Random, sentences: list[str], count: int) -> tuple[str, ...]:
    """`count` paragraphs of 1-5 distinct sentences of one language."""
    sizes = [rng.randint(1, 5) for _ in range(count)]
    picked = rng.sample(sentences, sum(sizes))
    joiner = "" if picked and len(picked[0].split()) < 3 else " "
    out, at = [], 0
    for size in sizes:
        out.append(joiner.join(picked[at : at + size]))
        at += size
    return tuple(out)


def make_base(rng: random.Random, pool: Pool) -> Base:
    """One random original: a web (English) or lingua (one language) document."""
    roll = rng.random()
    soft404 = roll < SOFT404_SHARE
    noisy = not soft404 and roll >= SOFT404_SHARE + CLEAN_SHARE
    source = "lingua" if rng.random() < LINGUA_SHARE else "web"
    if source == "lingua":
        lang = rng.choice(sorted(pool.sentences))
        paragraphs = lingua_paragraphs(rng, pool.sentences[lang], rng.randint(3, 8))
        title = headline_from(rng.choice(pool.sentences[lang]), rng)
    else:
        lang = "en"
        paragraphs = web_paragraphs(rng, pool, rng.randint(3, 15))
        use_real = rng.random() < 0.7
        title = rng.choice(pool.titles if use_real else pool.paragraphs)
        title = title if use_real else headline_from(title, rng)
    headline = None if rng.random() < 0.5 or title in paragraphs else title
    return Base(source, lang, headline, paragraphs, soft404, noisy)


def text_key(lines: list[str] | tuple[str, ...]) -> bytes:
    return hashlib.blake2b("\n".join(lines).encode(), digest_size=16).digest()


def make_bases(rng: random.Random, pool: Pool, count: int) -> list[Base]:
    """`count` originals whose article content (headline and paragraphs) is pairwise distinct."""
    seen: set[bytes] = set()
    bases: list[Base] = []
    while len(bases) < count:
        base = make_base(rng, pool)
        key = text_key((base.title or "", *base.paragraphs))
        if key not in seen:
            seen.add(key)
            bases.append(base)
    return bases


# ---------------------------------------------------------------- metadata


def make_site(rng: random.Random) -> str:
    a, b = rng.choice(nt.SITE_WORDS_A), rng.choice(nt.SITE_WORDS_B)
    return f"{a}{b}{rng.choice(['', '-news', 'online', '24', '-hub'])}"


def site_name(site: str) -> str:
    """A display name for a domain label: 'harborpost-news' -> 'Harborpost News'."""
    return " ".join(part.capitalize() for part in site.split("-"))


def slug(base: Base) -> str:
    words = (base.title or base.paragraphs[0]).lower()
    return re.sub(r"[^a-z0-9]+", "-", words)[:60].strip("-") or "article"


def make_url(rng: random.Random, site: str, base: Base, suffix: str) -> str:
    section = rng.choice(nt.NAV_SECTIONS).lower()
    return f"https://www.{site}.example/{section}/{slug(base)}-{suffix}"


def make_date(rng: random.Random, after: str | None = None, span: int = DATE_SPAN_DAYS) -> str:
    start = date.fromisoformat(after) if after else FIRST_DATE
    return (start + timedelta(days=rng.randrange(span))).isoformat()


def fill(line: str, rng: random.Random, site: str, url: str) -> str:
    path = "/" + url.split("/", 3)[-1]
    year, n, ref = rng.randint(2015, 2025), rng.randint(2, 48), f"{rng.getrandbits(48):012x}"
    return line.format(site=site_name(site), path=path, year=year, n=n, ref=ref)


def fill_all(lines: tuple[str, ...], rng: random.Random, site: str, url: str) -> list[str]:
    return [fill(line, rng, site, url) for line in lines]


# ---------------------------------------------------------------- noise


def error_template(rng: random.Random, lang: str) -> tuple[int, tuple[str, ...]]:
    """An HTTP status and an error-page template, in the document's language when one exists."""
    template_lang = lang if lang in nt.ERROR_TEMPLATES and rng.random() < 0.7 else "en"
    if lang == "en" and rng.random() < 0.1:
        template_lang = rng.choice(sorted(nt.ERROR_TEMPLATES))
    statuses, lines = rng.choice(nt.ERROR_TEMPLATES[template_lang])
    return rng.choice(statuses), lines


def nav_lines(rng: random.Random) -> tuple[str, ...]:
    sections = rng.sample(nt.NAV_SECTIONS, 4)
    picks = rng.sample(nt.NAV_LINES, rng.randint(1, 3))
    return tuple(
        p.format(a=sections[0], b=sections[1], c=sections[2], d=sections[3]) for p in picks
    )


def boilerplate_lines(kind: str, rng: random.Random) -> tuple[str, ...]:
    """Unfilled lines for the simple boilerplate kinds."""
    if kind == "disclaimer":
        return rng.choice(nt.DISCLAIMER_HEADINGS), rng.choice(nt.DISCLAIMER_BODIES)
    if kind == "comments":
        return rng.choice(nt.COMMENT_WIDGETS)
    if kind == "cookie":
        return rng.choice(nt.COOKIE_NOTICES)
    if kind == "share":
        return rng.choice(nt.SHARE_PROMPTS)
    if kind == "nav":
        return nav_lines(rng)
    return tuple(rng.sample(nt.FOOTER_LINES, rng.randint(1, 2)))


def choose_kinds(rng: random.Random) -> list[str]:
    """1-3 distinct noise kinds, at most one of them a repetition."""
    names = list(NOISE_WEIGHTS)
    weights = [NOISE_WEIGHTS[n] for n in names]
    wanted = rng.choice([1, 1, 2, 2, 3])
    kinds: list[str] = []
    while len(kinds) < wanted:
        kind = rng.choices(names, weights)[0]
        repeat_taken = kind in REPEAT_KINDS and any(k in REPEAT_KINDS for k in kinds)
        if kind not in kinds and not repeat_taken:
            kinds.append(kind)
    return kinds


def change_number(text: str, rng: random.Random) -> str:
    """`text` with one of its numbers replaced by a different one."""
    matches = list(_NUMBER.finditer(text))
    m = rng.choice(matches)
    old = int(m.group())
    new = old + rng.choice([-2, -1, 1, 2, 3, 10]) if old > 2 else old + rng.randint(1, 9)
    return text[: m.start()] + str(new) + text[m.end() :]


def repeat_segments(kind: str, rng: random.Random, body: list[Segment]) -> list[Segment]:
    """Copies of body paragraphs to place right after the body."""
    # repeat-tail: a final run of paragraphs, at least two and not all of them
    picked = body if kind == "repeat-article" else body[rng.randint(1, len(body) - 2) :]
    return [Segment(list(s.lines), kind, "end", sources=[s]) for s in picked]


@dataclass
class Layout:
    """Noise segments by where they go around the body."""

    start: list[Segment] = field(default_factory=list)
    middle: list[tuple[int, Segment]] = field(default_factory=list)
    repeats: list[Segment] = field(default_factory=list)
    end: list[Segment] = field(default_factory=list)


@dataclass
class Noiser:
    """Adds noise of given kinds around one document's body, in its language and site."""

    rng: random.Random
    lang: str
    site: str
    url: str
    body: list[Segment]
    layout: Layout = field(default_factory=Layout)
    status: int = 200

    def add(self, kind: str) -> None:
        if kind in ("repeat-article", "repeat-tail"):
            self.layout.repeats.extend(repeat_segments(kind, self.rng, self.body))
        elif kind in ("repeat-paragraph", "near-repeat"):
            self.paragraph_repeat(kind)
        else:
            self.boilerplate(kind)

    def paragraph_repeat(self, kind: str) -> None:
        """One repeated (or near-repeated) paragraph, right after its original or after the body."""
        rng, body = self.rng, self.body
        numbered = [i for i, s in enumerate(body) if _NUMBER.search(s.lines[0])]
        extra: dict[str, Any] = {}
        if kind == "near-repeat":
            extra["variant"] = "number" if numbered and rng.random() < 0.5 else "read-more"
        number = extra.get("variant") == "number"
        index = rng.choice(numbered) if number else rng.randrange(len(body))
        text = body[index].lines[0]
        if number:
            text = change_number(text, rng)
        elif extra:
            text += rng.choice(nt.READ_MORE)
        for _ in range(2 if kind == "repeat-paragraph" and rng.random() < 0.2 else 1):
            segment = Segment([text], kind, "end", dict(extra), sources=[body[index]])
            if rng.random() < 0.4:
                segment.position = "middle"
                self.layout.middle.append((index + 1, segment))
            else:
                self.layout.repeats.append(segment)

    def boilerplate(self, kind: str) -> None:
        """An error template or a block of boilerplate at the start, middle or end."""
        if kind == "error-template":
            self.status, lines = error_template(self.rng, self.lang)
        else:
            lines = boilerplate_lines(kind, self.rng)
        segment = Segment(fill_all(lines, self.rng, self.site, self.url), kind, "end")
        at_start = {"error-template": 0.75, "cookie": 0.6, "nav": 1.0}.get(kind, 0.0)
        if kind == "share" and self.rng.random() < 0.4:
            segment.position = "middle"
            self.layout.middle.append((self.rng.randint(1, len(self.body) - 1), segment))
        elif self.rng.random() < at_start:
            segment.position = "start"
            self.layout.start.append(segment)
        else:
            self.layout.end.append(segment)


def assemble(
    title: Segment | None, body: list[Segment], layout: Layout, rng: random.Random
) -> list[Segment]:
    """Start noise, headline, body with middle insertions, repeats, then the end noise."""
    rng.shuffle(layout.start)
    rng.shuffle(layout.end)
    out = list(layout.start) + ([title] if title else [])
    inserts = sorted(layout.middle, key=lambda pair: pair[0])
    for index, segment in enumerate(body):
        out.append(segment)
        out.extend(s for at, s in inserts if at == index + 1)
    return out + layout.repeats + layout.end


def content_segments(base: Base) -> tuple[Segment | None, list[Segment]]:
    title = Segment([base.title], extra={"title": True}) if base.title else None
    return title, [Segment([p]) for p in base.paragraphs]


def render_noisy(base: Base, rng: random.Random, site: str, url: str) -> tuple[list[Segment], int]:
    title, body = content_segments(base)
    noiser = Noiser(rng, base.lang, site, url, body)
    for kind in choose_kinds(rng) if base.noisy else []:
        noiser.add(kind)
    return assemble(title, body, noiser.layout, rng), noiser.status


def render_soft404(
    base: Base, rng: random.Random, site: str, url: str, pool: Pool
) -> tuple[list[Segment], int]:
    """A pure error page (no article): template, hints, maybe nav and popular headlines."""
    status, template = error_template(rng, base.lang)
    lines = list(nav_lines(rng)) if rng.random() < 0.5 else []
    lines += fill_all(template, rng, site, url)
    extra = (rng.choice(nt.SOFT404_REQUEST), *rng.sample(nt.SOFT404_EXTRA, rng.randint(0, 2)))
    lines += fill_all(extra, rng, site, url)
    if rng.random() < 0.5:
        lines += ["Popular stories", *rng.sample(pool.titles, rng.randint(3, 5))]
    if rng.random() < 0.5:
        lines += fill_all(boilerplate_lines("footer", rng), rng, site, url)
    return [Segment(lines, "soft-404", "whole")], (200 if rng.random() < 0.7 else status)


# ---------------------------------------------------------------- near duplicates


def tokenize(paragraphs: tuple[str, ...]) -> tuple[list[list[str]], str]:
    """Words split on spaces, or single characters for scripts written without spaces."""
    words = [p.split(" ") for p in paragraphs]
    chars = sum(len(p) for p in paragraphs)
    if sum(len(ws) for ws in words) * 20 >= chars:
        return words, " "
    return [list(p) for p in paragraphs], ""


def edit_words(
    paragraphs: tuple[str, ...], rate: float, rng: random.Random
) -> tuple[list[str], dict[str, Any]]:
    """Substitute, delete or insert about `rate` of the words (or characters); lines and info."""
    words, joiner = tokenize(paragraphs)
    slots = [(i, j) for i, ws in enumerate(words) for j in range(len(ws))]
    low, high = math.ceil(EDIT_RATES[0] * len(slots)), math.floor(EDIT_RATES[1] * len(slots))
    edits = max(1, min(max(round(rate * len(slots)), low), high))
    vocabulary = [w for ws in words for w in ws if w.isalpha()] or ["the"]
    for i, j in sorted(rng.sample(slots, edits), reverse=True):
        op = rng.random()
        if op < 0.2 and len(words[i]) > 1:
            del words[i][j]
        elif op < 0.4:
            words[i].insert(j + 1, rng.choice(vocabulary))
        else:
            sample = rng.sample(vocabulary, min(5, len(vocabulary)))
            options = [w for w in sample if w != words[i][j]]
            words[i][j] = options[0] if options else words[i][j] + "s"
    info = {
        "unit": "word" if joiner else "char",
        "edits": edits,
        "units": len(slots),
        "edit_rate": round(edits / len(slots), 4),
    }
    return [joiner.join(ws) for ws in words], info


def render_near(
    base: Base, rng: random.Random, site: str, url: str
) -> tuple[list[Segment], dict[str, Any]]:
    """A near-duplicate: words edited and/or different header and footer lines."""
    mode = rng.choices(["edits", "frame", "both"], [0.4, 0.2, 0.4])[0]
    info: dict[str, Any] = {"mode": mode}
    title, body = content_segments(base)
    if mode != "frame":
        rate = rng.uniform(*EDIT_RATES)
        lines, edits = edit_words(base.paragraphs, rate, rng)
        body = [Segment([line]) for line in lines]
        info |= edits
    layout = Layout()
    if mode != "edits":
        header = Segment(fill_all(nav_lines(rng), rng, site, url), "nav", "start")
        footer = Segment(
            fill_all(boilerplate_lines("footer", rng), rng, site, url), "footer", "end"
        )
        layout.start, layout.end = [header], [footer]
    return assemble(title, body, layout, rng), info


# ---------------------------------------------------------------- rendering and output


class Corpus:
    """Renders the planned documents; every rendering is seeded by (seed, role, original)."""

    def __init__(self, seed: int, pool: Pool, bases: list[Base]) -> None:
        self.seed, self.pool, self.bases = seed, pool, bases

    def rng(self, role: str, k: int) -> random.Random:
        return random.Random(f"{self.seed}:{role}:{k}")

    def original(self, k: int) -> Page:
        base, rng = self.bases[k], self.rng("orig", k)
        site = make_site(rng)
        url, day = make_url(rng, site, base, str(k)), make_date(rng)
        if base.soft404:
            segments, status = render_soft404(base, rng, site, url, self.pool)
        else:
            segments, status = render_noisy(base, rng, site, url)
        return Page(segments, status, url, day, site)

    def copy(self, role: str, k: int, original_id: str) -> Page:
        source = self.original(k)
        rng = self.rng(role, k)
        site = make_site(rng)
        url = make_url(rng, site, self.bases[k], f"c{k}")
        day = make_date(rng, after=source.date, span=90)
        duplicate = {"of": original_id, "kind": role}
        if role == "exact":
            return Page(source.segments, source.http_status, url, day, site, duplicate)
        segments, info = render_near(self.bases[k], rng, site, url)
        return Page(segments, 200, url, day, site, duplicate | info)

    def page(self, role: str, k: int, original_id: str | None) -> Page:
        return self.original(k) if role == "orig" else self.copy(role, k, original_id or "")


def flatten(segments: list[Segment]) -> tuple[list[str], list[dict[str, Any]], int | None]:
    """The text lines, the truth entry of each noise segment, and the headline's line."""
    lines: list[str] = []
    title_line = None
    for segment in segments:
        segment.line = len(lines)
        lines.extend(segment.lines)
        if segment.extra.get("title"):
            title_line = segment.line
    noise = []
    for s in segments:
        if s.kind is None:
            continue
        entry = {
            "kind": s.kind,
            "position": s.position,
            "line": s.line,
            "lines": s.lines,
            **s.extra,
        }
        if s.sources:
            entry["copy_of_line"] = s.sources[0].line
        noise.append(entry)
    return lines, noise, title_line


def doc_id(position: int, url: str) -> str:
    return f"{position:06d}_{hashlib.sha1(url.encode()).hexdigest()[:16]}"


def plan_order(
    rng: random.Random, originals: int, sources: list[int], exact: int
) -> list[tuple[str, int]]:
    """Shuffled (role, original) entries; every copy comes after the document it copies."""
    entries = [("orig", k) for k in range(originals)]
    entries += [("exact", k) for k in sources[:exact]] + [("near", k) for k in sources[exact:]]
    rng.shuffle(entries)
    where = {entry: i for i, entry in enumerate(entries)}
    for i, (role, k) in enumerate(list(entries)):
        j = where[("orig", k)]
        if role != "orig" and j > i:
            entries[i], entries[j] = entries[j], entries[i]
            where[("orig", k)], where[(role, k)] = i, j
    return entries


class GzipLines:
    """A gzip file of text lines with a fixed header (no name, mtime 0): reproducible bytes."""

    def __init__(self, path: Path) -> None:
        self.raw = path.open("wb")
        self.zipped = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0)

    def write(self, line: str) -> None:
        self.zipped.write(line.encode("utf-8"))

    def close(self) -> None:
        self.zipped.close()
        self.raw.close()


def dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass
class Stats:
    counts: Counter[str] = field(default_factory=Counter)
    noise: Counter[str] = field(default_factory=Counter)
    status: Counter[str] = field(default_factory=Counter)
    langs: set[str] = field(default_factory=set)

    def add(
        self, role: str, base: Base, page: Page, noise: list[dict[str, Any]], text: str
    ) -> None:
        c = self.counts
        c["documents"] += 1
        c["chars"] += len(text)
        c["bytes"] += len(text.encode())
        c[{"orig": "originals", "exact": "exact_duplicates", "near": "near_duplicates"}[role]] += 1
        if role == "orig":
            c["soft404" if base.soft404 else ("noisy" if noise else "clean")] += 1
        c[f"{base.source}_docs"] += 1
        self.langs.add(base.lang)
        self.noise.update({n["kind"] for n in noise})
        self.status[str(page.http_status)] += 1

    def as_dict(self) -> dict[str, Any]:
        order = [
            "documents",
            "originals",
            "clean",
            "noisy",
            "soft404",
            "exact_duplicates",
            "near_duplicates",
            "web_docs",
            "lingua_docs",
            "chars",
            "bytes",
        ]
        c = self.counts
        return {
            **{key: c[key] for key in order},
            "distinct_texts": c["documents"] - c["exact_duplicates"],
            "mean_chars": round(c["chars"] / max(c["documents"], 1)),
            "languages": len(self.langs),
            "noise_kinds": dict(sorted(self.noise.items())),
            "http_status": dict(sorted(self.status.items())),
        }


def write_corpus(
    corpus: Corpus, entries: list[tuple[str, int]], out: Path, truth_path: Path, shard_size: int
) -> Stats:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.jsonl.gz"):
        old.unlink()
    stats, seen = Stats(), set()
    ids: dict[int, str] = {}
    truth = GzipLines(truth_path)
    shard = None
    for position, (role, k) in enumerate(entries):
        if position % shard_size == 0:
            if shard:
                shard.close()
            shard = GzipLines(out / f"part-{position // shard_size:05d}.jsonl.gz")
        page = corpus.page(role, k, ids.get(k))
        lines, noise, title_line = flatten(page.segments)
        key = text_key(lines)
        if role != "exact" and key in seen:
            raise RuntimeError(f"document {position} repeats an earlier text; try another --seed")
        seen.add(key)
        did = doc_id(position, page.url)
        if role == "orig":
            ids[k] = did
        text = "\n".join(lines)
        assert shard is not None
        shard.write(
            dump(
                {
                    "id": did,
                    "text": text,
                    "url": page.url,
                    "date": page.date,
                    "http_status": page.http_status,
                }
            )
        )
        truth.write(dump(truth_record(did, corpus.bases[k], page, noise, title_line, len(lines))))
        stats.add(role, corpus.bases[k], page, noise, text)
    if shard:
        shard.close()
    truth.close()
    return stats


def truth_record(
    did: str,
    base: Base,
    page: Page,
    noise: list[dict[str, Any]],
    title_line: int | None,
    n_lines: int,
) -> dict[str, Any]:
    return {
        "id": did,
        "source": base.source,
        "lang": base.lang,
        "http_status": page.http_status,
        "lines": n_lines,
        "title_line": title_line,
        "soft404": base.soft404 and page.duplicate is None,
        "clean": not noise,
        "noise": noise,
        "duplicate": page.duplicate,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--docs", type=int, default=100_000, help="distinct texts (originals + near copies)"
    )
    p.add_argument("--exact-dup-rate", type=float, default=0.02, help="exact copies added, per doc")
    p.add_argument(
        "--near-dup-rate", type=float, default=0.03, help="share of docs that are near copies"
    )
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--shard-size", type=int, default=10_000)
    p.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "out" / "corpus")
    p.add_argument("--truth", type=Path, help="truth file (default: OUT.truth.jsonl.gz)")
    return p.parse_args(argv)


def build(args: argparse.Namespace) -> dict[str, Any]:
    pool = load_pool(args.data)
    rng = random.Random(args.seed)
    near, exact = round(args.docs * args.near_dup_rate), round(args.docs * args.exact_dup_rate)
    bases = make_bases(rng, pool, args.docs - near)
    eligible = [k for k, b in enumerate(bases) if not b.soft404]
    sources = rng.sample(eligible, near + exact)
    entries = plan_order(rng, len(bases), sources, exact)
    out: Path = args.out
    truth = args.truth or out.with_name(out.name + ".truth.jsonl.gz")
    stats = write_corpus(Corpus(args.seed, pool, bases), entries, out, truth, args.shard_size)
    summary = {
        "pool_paragraphs": len(pool.paragraphs),
        "pool_articles": len(pool.articles),
        "pool_languages": len(pool.sentences),
        **stats.as_dict(),
        "seed": args.seed,
        "corpus": str(out),
        "truth": str(truth),
    }
    out.with_name(out.name + ".stats.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = missing_sources(args.data)
    if missing:
        print(
            f"make_corpus: evaluation data not found under {args.data} (missing: "
            f"{', '.join(missing)}); pass --data DIR. Nothing generated.",
            file=sys.stderr,
        )
        return 2
    summary = build(args)
    for key, value in summary.items():
        print(f"{key:>18}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
