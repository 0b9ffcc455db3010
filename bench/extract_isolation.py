#!/usr/bin/env python3
"""What extracting each page in a helper process (`thresher.extract`'s default, so that the
deadline holds inside the C parser) costs against extracting in this process, with pages back to
back as a run extracts them (bench/eval_extract.py interleaves extractors page by page, which
leaves the helper idle, its caches cold, between two of its pages).

    .venv/bin/python bench/extract_isolation.py [--data ../shared/data/extraction] [--rounds 3]

Per set: pages/s of `auto` isolated and in-process, best of `rounds` passes each, alternated.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import thresher

SETS = {"aeb": "scrapinghub-aeb/html", "wcxb": "wcxb-dev/html", "readability": "readability/pages"}


def pages_of(root: Path) -> list[bytes]:
    files = sorted(root.glob("*.html.gz")) or sorted(root.glob("*/source.html.gz"))
    return [gzip.decompress(path.read_bytes()) for path in files]


def pages_per_second(pages: list[bytes], isolate: bool) -> float:
    started = time.perf_counter()
    for page in pages:
        thresher.extract(page, isolate=isolate)
    return len(pages) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/extraction"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for name, folder in SETS.items():
        root = args.data / folder
        if not root.is_dir():
            print(f"{name}: {root} absent, skipped")
            continue
        pages = pages_of(root)
        thresher.extract(pages[0])  # the helper's start is not a page's time
        best = {True: 0.0, False: 0.0}
        for _ in range(args.rounds):
            for isolate in (True, False):
                best[isolate] = max(best[isolate], pages_per_second(pages, isolate))
        cost = best[False] / best[True] - 1
        print(
            f"{name}: {len(pages)} pages; isolated {best[True]:.1f} pages/s, in-process"
            f" {best[False]:.1f} pages/s; the helper costs {cost:.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
