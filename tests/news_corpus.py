"""A small corpus of local news pages on two sites, for runs that must give the same output
on every engine and store: every page kept by the default recipe, with exact and near copies
and one site's disclaimer for the corpus steps to find."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import orjson

SUBJECTS = [
    "the town council",
    "the new library",
    "a local farmer",
    "the school board",
    "the river trust",
    "a group of volunteers",
    "the city museum",
    "the football club",
    "the bakery on the corner",
    "the health centre",
    "the bus company",
    "the parish church",
]
VERBS = [
    "has announced",
    "plans to open",
    "agreed to pay for",
    "is asking residents about",
    "will review",
    "has started work on",
    "wants to protect",
    "is raising money for",
    "has finally approved",
    "is still arguing about",
    "promised to improve",
    "voted against",
]
OBJECTS = [
    "a footbridge over the river",
    "the old railway station",
    "longer opening hours at the weekend",
    "a garden for the primary school",
    "a new cycle path to the coast",
    "the empty shops on the high street",
    "cheaper parking near the market",
    "a shelter for the homeless",
    "the flood defences along the harbour",
    "free lunches for older people",
    "a summer festival in the park",
    "the repairs to the town hall roof",
]
TAILS = [
    "after a long campaign by the people who live nearby.",
    "because the cost of repairs has risen sharply this year.",
    "and the work should be finished before the end of the summer.",
    "although several members of the public have raised concerns.",
    "with help from a national fund for small communities.",
    "so that families can get there without using a car.",
    "despite a shortage of builders in the region.",
    "as part of a plan that was first drawn up in 2019.",
    "which has divided opinion among shop owners.",
    "and a public meeting will be held next month.",
    "to mark the anniversary of the old market charter.",
    "while the council looks for a permanent solution.",
]
DISCLAIMER = "Please read our terms and conditions before you comment on any article here."


def article(seed: int) -> str:
    """A local news story that the default recipe keeps: nine sentences, none twice."""
    rng = random.Random(seed)
    picks = [rng.sample(words, 9) for words in (SUBJECTS, VERBS, OBJECTS, TAILS)]
    sentences = [f"{s[0].upper()}{s[1:]} {v} {o} {t}" for s, v, o, t in zip(*picks, strict=True)]
    title = f"News from the valley, number {seed}"
    return "\n".join([title] + [" ".join(sentences[i : i + 3]) for i in (0, 3, 6)])


def page(n: int) -> dict[str, str]:
    """Page `n` of one of two sites; every page of news0 ends with the site's disclaimer; every
    tenth story is an exact copy of an earlier one, every tenth another a near copy."""
    site = n % 2
    text = article(n - 8 if n % 10 == 9 else n)
    if n % 10 == 4:
        text = article(n - 2) + " Readers can send their views to the newsroom."
    if site == 0:
        text += "\n" + DISCLAIMER
    return {"id": f"p{n}", "text": text, "url": f"https://news{site}.example/{n}"}


def write_corpus(folder: Path, files: int, per_file: int) -> Path:
    """`files` JSONL files of `per_file` pages, the last one gzipped."""
    folder.mkdir()
    for f in range(files):
        lines = b"".join(orjson.dumps(page(f * per_file + i)) + b"\n" for i in range(per_file))
        if f == files - 1:
            (folder / f"part-{f}.jsonl.gz").write_bytes(gzip.compress(lines, mtime=0))
        else:
            (folder / f"part-{f}.jsonl").write_bytes(lines)
    return folder
