"""How well the repairs find the noise that make_corpus.py injected, and what else they remove.

Reads the truth file beside the corpus and a finished run folder:

    python bench/eval_repairs.py bench/out/corpus bench/out/run-w1

Per noise kind: injected lines, the share removed with the expected reason, and the share
removed at all. Soft-404 pages: the share rejected as `error-page`. Clean documents (real text
with no injected noise): the share kept with no line removed, and with no edit at all (the real
text has its own odd spacing, which `normalize` repairs). And lines removed that were not
injected (false removals), by reason.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXPECTED_REASON = {
    "error-template": "error-template",
    "repeat-paragraph": "repeated-paragraph",
    "repeat-article": "repeated-paragraph",
    "repeat-tail": "repeated-paragraph",
    "near-repeat": "repeated-paragraph",
    "disclaimer": "boilerplate",
    "comments": "boilerplate",
    "cookie": "boilerplate",
    "footer": "boilerplate",
    "nav": "boilerplate",
    "share": "boilerplate",
}


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def run_records(run: Path) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for folder in ("kept", "rejected"):
        for shard in sorted((run / folder).glob("*.jsonl")):
            for record in read_jsonl(shard):
                records[record["id"]] = record
    return records


def removed_lines(record: dict[str, Any]) -> dict[str, str]:
    """Removed line text -> reason, over the whole ledger."""
    out: dict[str, str] = {}
    for edit in record.get("ledger", ()):
        if edit["replacement"]:
            continue
        for line in edit["removed"].split("\n"):
            if line.strip():
                out.setdefault(line.strip(), edit["reason"])
    return out


def evaluate(truth_path: Path, run: Path) -> dict[str, Any]:
    records = run_records(run)
    injected: Counter[str] = Counter()
    right: Counter[str] = Counter()
    any_reason: Counter[str] = Counter()
    false_removals: Counter[str] = Counter()
    soft = soft_rejected = clean = clean_no_removal = clean_unchanged = error_pages = 0
    for truth in read_jsonl(truth_path):
        record = records.get(truth["id"])
        if record is None:
            continue
        if truth["soft404"]:
            soft += 1
            soft_rejected += record.get("reason") == "error-page"
            continue
        if record.get("reason") == "error-page":
            error_pages += 1
        removed = removed_lines(record)
        noise_lines: set[str] = set()
        for noise in truth["noise"]:
            kind = noise["kind"]
            for line in noise["lines"]:
                line = line.strip()
                if not line:
                    continue
                noise_lines.add(line)
                injected[kind] += 1
                reason = removed.get(line)
                any_reason[kind] += reason is not None
                right[kind] += reason == EXPECTED_REASON.get(kind)
        for line, reason in removed.items():
            if line not in noise_lines:
                false_removals[reason] += 1
        if truth["clean"] and truth.get("duplicate") is None:
            clean += 1
            clean_no_removal += record["status"] == "kept" and not removed
            clean_unchanged += record["status"] == "kept" and not record["ledger"]
    return {
        "kinds": {
            kind: {
                "injected_lines": injected[kind],
                "removed_with_reason": round(right[kind] / injected[kind], 4),
                "removed": round(any_reason[kind] / injected[kind], 4),
            }
            for kind in sorted(injected)
        },
        "soft404_rejected": round(soft_rejected / soft, 4) if soft else None,
        "soft404_docs": soft,
        "other_docs_rejected_as_error_page": error_pages,
        "clean_without_removal": round(clean_no_removal / clean, 4) if clean else None,
        "clean_unchanged": round(clean_unchanged / clean, 4) if clean else None,
        "clean_docs": clean,
        "false_removals_by_reason": dict(sorted(false_removals.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="the corpus folder make_corpus.py wrote")
    parser.add_argument("run", type=Path, help="a finished `thresher run` folder on it")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    truth = args.corpus.with_name(args.corpus.name + ".truth.jsonl.gz")
    result = evaluate(truth, args.run)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("| noise kind | injected lines | removed, right reason | removed |")
    print("|---|---|---|---|")
    for kind, row in result["kinds"].items():
        print(
            f"| {kind} | {row['injected_lines']} | {row['removed_with_reason']:.2%}"
            f" | {row['removed']:.2%} |"
        )
    print(
        f"\nsoft-404 pages rejected as error-page: {result['soft404_rejected']:.2%}"
        f" of {result['soft404_docs']}"
    )
    print(
        f"other documents rejected as error-page (their noise counts as not removed):"
        f" {result['other_docs_rejected_as_error_page']}"
    )
    print(
        f"clean documents kept with no line removed: {result['clean_without_removal']:.2%}"
        f", with no edit at all: {result['clean_unchanged']:.2%}, of {result['clean_docs']}"
    )
    print(f"lines removed that were not injected, by reason: {result['false_removals_by_reason']}")


if __name__ == "__main__":
    main()
