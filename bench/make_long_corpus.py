#!/usr/bin/env python3
"""Build a corpus of long real documents (issue 18): the visible text of documentation pages
and web pages, for measuring the quality filters where their cost grows with document length.

Sources, all read from this machine (nothing is downloaded):
- the HTML of Debian documentation packages unpacked under bench/out/sites/pkg/ (python3.11-doc,
  postgresql-doc-15, git-doc, python-django-doc, debian-reference-en);
- the pages of ../shared/data/extraction (scrapinghub-aeb, wcxb-dev, readability);
- the DCLM documents of ../shared/data/quality/dclm.

HTML is turned into text with resiliparse's `extract_plain_text` (visible text of the whole
page, not only its main content, so that menus and repeated blocks are there to be found).
Documents shorter than --min-chars are left out. Output: OUT/part-NNNNN.jsonl (id, text), at
most --shard records a file, and OUT.stats.json (documents, characters, mean length per source).

    .venv/bin/python bench/make_long_corpus.py                   # bench/out/long-corpus
    .venv/bin/python bench/make_long_corpus.py --min-chars 3000 --out bench/out/long-3k
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from resiliparse.extract.html2text import extract_plain_text

REPO_ROOT = Path(__file__).resolve().parent.parent
PKG = REPO_ROOT / "bench" / "out" / "sites" / "pkg"
DATA = REPO_ROOT.parent / "shared" / "data"


def html_text(raw: bytes) -> str:
    html = raw.decode("utf-8", "replace")
    return str(extract_plain_text(html, main_content=False))


def pkg_pages() -> Iterator[tuple[str, str]]:
    for path in sorted(PKG.rglob("*.html")):
        yield f"pkg/{path.relative_to(PKG)}", html_text(path.read_bytes())


def extraction_pages() -> Iterator[tuple[str, str]]:
    for path in sorted((DATA / "extraction").rglob("*.html.gz")):
        if path.name == "expected.html.gz":  # readability's gold output, not a page
            continue
        yield (
            f"extraction/{path.relative_to(DATA / 'extraction')}",
            html_text(gzip.decompress(path.read_bytes())),
        )


def dclm_documents() -> Iterator[tuple[str, str]]:
    for path in sorted((DATA / "quality" / "dclm").glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    yield f"dclm/{path.name}:{number}", str(json.loads(line)["text"])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "out" / "long-corpus")
    p.add_argument("--min-chars", type=int, default=1000)
    p.add_argument("--shard", type=int, default=500)
    args = p.parse_args()
    # only a folder this script made (its marker there) is cleared: never a corpus of the user's
    marker = args.out / ".made-by-make_long_corpus"
    if args.out.exists() and any(args.out.iterdir()) and not marker.exists():
        p.error(f"{args.out} holds files this script did not write: give an empty or new folder")
    args.out.mkdir(parents=True, exist_ok=True)
    marker.touch()
    for old in args.out.glob("part-*.jsonl"):
        old.unlink()
    stats: dict[str, list[int]] = {}
    records: list[dict[str, str]] = []
    for source in (pkg_pages, extraction_pages, dclm_documents):
        for doc_id, text in source():
            if len(text) >= args.min_chars:
                records.append({"id": doc_id, "text": text})
                stats.setdefault(doc_id.split("/")[0], []).append(len(text))
    for index in range(0, len(records), args.shard):
        with (args.out / f"part-{index // args.shard:05d}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(
                json.dumps(r, ensure_ascii=False) + "\n"
                for r in records[index : index + args.shard]
            )
    chars = [n for lengths in stats.values() for n in lengths]
    summary = {
        "documents": len(chars),
        "characters": sum(chars),
        "mean_chars": round(sum(chars) / max(len(chars), 1)),
        "by_source": {
            k: {"documents": len(v), "mean_chars": round(sum(v) / len(v))} for k, v in stats.items()
        },
    }
    args.out.with_suffix(".stats.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
