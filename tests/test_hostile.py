"""10,000 hostile records (bench/hostile.py) through `thresher.run` with the default recipe on
2 workers: no crash, the run finishes, and every record is accounted for, per file, exactly as
many as the generator says it wrote."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
