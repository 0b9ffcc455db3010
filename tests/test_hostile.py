"""10,000 hostile records (bench/hostile.py) through `thresher.run` with the default recipe on
2 workers: no crash, the run finishes, and every record is accounted for, per file, exactly as
many as the generator says it wrote."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import orjson

import thresher

ROOT = Path(__file__).resolve().parent.parent
RECORDS = 10_000


def hostile_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile", ROOT / "bench" / "hostile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    hostile = hostile_module()
    first = hostile.generate(tmp_path / "a" / "corpus", 300, seed=3, huge=False)
    second = hostile.generate(tmp_path / "b" / "corpus", 300, seed=3, huge=False)
    assert first == second and first["records"] >= 300
    for source in first["files"]:
        rel = source.split("/", 1)[1]
        a = (tmp_path / "a" / "corpus" / rel).read_bytes()
        assert a == (tmp_path / "b" / "corpus" / rel).read_bytes()


def test_small_hostile_run_is_accounted_for(tmp_path: Path) -> None:
    hostile = hostile_module()
    corpus = tmp_path / "corpus"
    manifest = hostile.generate(corpus, 200, seed=1, huge=False)
    summary = thresher.run([str(corpus)], tmp_path / "out", workers=1)
    check(summary, manifest)


def test_the_cases_of_issue_12_end_as_documented(tmp_path: Path) -> None:
    """Each named input of issue 12 in the generator ends the way docs/ROBUSTNESS.md says."""
    hostile = hostile_module()
    corpus = tmp_path / "corpus"
    manifest = hostile.generate(corpus, 100, seed=2, huge=False)
    out = tmp_path / "out"
    summary = thresher.run([str(corpus)], out, workers=2)
    check(summary, manifest)
    docs = _documents_by_source(out)
    quarantined = {entry["source"] for entry in _lines(out / "quarantine.jsonl")}
    for doc in docs["corpus/cases/separators.jsonl"]:
        assert not re.search(r"[a-z]\.[A-Z]", doc["text"]), doc  # no two sentences glued
        assert "\n" in doc["text"]
    for name in ("binary.html", "controls.jsonl"):
        [doc] = docs[f"corpus/cases/{name}"]
        assert doc["reason"] == "not-text", doc.get("reason")
    assert "corpus/cases/binary.txt" in quarantined  # random bytes: not UTF-8
    for stem in ("extra-words", "long-status", "bad-date", "status-600"):
        assert f"corpus/cases/header-{stem}.txt" in quarantined
    for stem in ("abc", "zero"):
        [doc] = docs[f"corpus/cases/header-{stem}.txt"]
        assert doc["metadata"]["header"] == "missing"
    assert summary.duplicate_ids >= 2  # cases/repeated-ids.jsonl: three records of one id
    [dolma] = docs["corpus/cases/dolma.jsonl"]
    given = dolma["metadata"]["input"]
    assert given["source"] == "common-crawl" and given["language_score"] == 0.25
    assert given["metadata"]["nested"] == {"k": 1}
    assert docs["corpus/cases/attributes-20k.html"]  # read and judged, not hung


def _lines(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _documents_by_source(out: Path) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for shard in sorted((out / "kept").glob("*.jsonl")) + sorted(
        (out / "rejected").glob("*.jsonl")
    ):
        for doc in _lines(shard):
            found.setdefault(str(doc["metadata"]["source"]), []).append(doc)  # type: ignore[index]
    return found


def test_ten_thousand_hostile_records(tmp_path: Path) -> None:
    hostile = hostile_module()
    corpus = tmp_path / "corpus"
    manifest = hostile.generate(corpus, RECORDS, seed=0)
    assert manifest["records"] >= RECORDS
    summary = thresher.run([str(corpus)], tmp_path / "out", workers=2)
    check(summary, manifest)


def check(summary: thresher.Summary, manifest: dict[str, object]) -> None:
    files = manifest["files"]
    assert isinstance(files, dict)
    assert summary.balanced
    assert sum(summary.records_in.values()) == manifest["records"]
    got = {source: summary.records_in[source] for source in files}
    expected = {source: entry["records"] for source, entry in files.items()}
    assert got == expected
    assert "step-error" not in summary.reasons, summary.reasons
