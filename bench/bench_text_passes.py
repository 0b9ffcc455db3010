#!/usr/bin/env python3
"""CPU time of two whole-text passes that every document of the default recipe goes through,
in one process: dedup's normalisation (`normalized_lines`: case, digits, punctuation folded)
and the site step's line keys (`sites.lines.line_keys`), over every document of the JSONL
files given (or of the folders given), with a digest of their outputs: two versions of
thresher that print the same digests give the same keys, byte for byte.

To compare two versions, run each with its own source tree on PYTHONPATH, interleaved:

    git archive 70661c4 src | tar -x -C /tmp/thresher-before
    for i in 1 2; do
      PYTHONPATH=/tmp/thresher-before/src .venv/bin/python bench/bench_text_passes.py \\
          bench/out/corpus-20k bench/out/long-corpus --label before
      PYTHONPATH=src .venv/bin/python bench/bench_text_passes.py \\
          bench/out/corpus-20k bench/out/long-corpus --label after
    done
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import thresher
from thresher.dedup.minhash import normalized_lines
from thresher.sites.lines import line_keys


def jsonl_files(inputs: list[Path]) -> Iterator[Path]:
    for path in inputs:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.name.endswith((".jsonl", ".gz")))
        else:
            yield path


def texts(path: Path) -> Iterator[str]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    for line in data.decode("utf-8").split("\n"):  # not splitlines: JSON may hold U+2028
        if line.strip():
            yield json.loads(line)["text"]


def timed(name: str, texts: list[str], one: Callable[[str], object]) -> dict[str, object]:
    digest = hashlib.blake2b(digest_size=8)
    started = time.process_time()
    results = [one(text) for text in texts]
    seconds = time.process_time() - started
    for result in results:
        digest.update(repr(result).encode("utf-8", "surrogatepass"))
    return {f"{name}_cpu_s": round(seconds, 3), f"{name}_digest": digest.hexdigest()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("inputs", nargs="+", type=Path, help="JSONL files or folders of them")
    p.add_argument("--label", default="")
    args = p.parse_args()
    for path in args.inputs:
        corpus = [text for file in jsonl_files([path]) for text in texts(file)]
        figures: dict[str, object] = {
            "label": args.label,
            "thresher": str(Path(thresher.__file__).parent),
            "corpus": str(path),
            "documents": len(corpus),
        }
        figures |= timed("normalized_lines", corpus, normalized_lines)
        figures |= timed("line_keys", corpus, line_keys)
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
