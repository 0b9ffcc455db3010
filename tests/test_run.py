"""End-to-end runs: the accounting equation, quarantine entries, determinism across workers."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

import thresher
from thresher import ConfigError, OutputError, Recipe, WriterOptions

REPAIRS = Recipe.named("repairs")
ARTICLE = (
    "The city council approved the new budget on Tuesday evening after a debate that lasted "
    "more than four hours, with most members agreeing that road repairs had waited too long."
)


def record(status: int, body: str) -> str:
    return f" date 2025-03-0{status % 9 + 1} {status}\n{body}"


def write_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(record(200, f"Council passes budget\n{ARTICLE}\n{ARTICLE}"))
    (corpus / "b.txt").write_text(
        record(404, "404 Not Found\nThe page you requested does not exist.")
    )
    (corpus / "c.txt").write_bytes(b" date 2025-01-01 200\nbroken \xff bytes")
    lines = [
        orjson.dumps({"id": f"j{i}", "text": f"Headline {i}\n{ARTICLE} Item {i}."})
        for i in range(30)
    ]
    lines.insert(5, b'{"text": "unterminated')
    lines.insert(9, b'{"text": "bad \xff utf8"}')
    (corpus / "d.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    packed = gzip.compress(b"\n".join(lines) + b"\n")
    (corpus / "e.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    (corpus / "notes.md").write_text("not a record")
    return corpus


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_accounting_balances_per_file_and_in_total(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = thresher.run([str(write_corpus(tmp_path))], out, REPAIRS)
    data = orjson.loads((out / "summary.json").read_bytes())
    assert data == summary.to_dict()
    assert data["balanced"] is True
    assert data["in"] == data["kept"] + data["rejected"] + data["quarantined"]
    for counts in data["files"].values():
        assert counts["in"] == counts["kept"] + counts["rejected"] + counts["quarantined"]
    files = data["files"]
    assert files["corpus/a.txt"] == {
        "in": 1,
        "kept": 1,
        "rejected": 0,
        "quarantined": 0,
        "salvaged": 0,
    }
    assert files["corpus/b.txt"]["rejected"] == 1
    assert files["corpus/c.txt"]["quarantined"] == 1
    assert files["corpus/d.jsonl"] == {
        "in": 32,
        "kept": 30,
        "rejected": 0,
        "quarantined": 2,
        "salvaged": 0,
    }
    assert files["corpus/e.jsonl.gz"]["quarantined"] >= 1
    assert data["reasons"] == {"error-page": 1}
    assert data["skipped_files"] == ["corpus/notes.md"]

    kept = [r for p in sorted((out / "kept").iterdir()) for r in read_jsonl(p)]
    rejected = [r for p in sorted((out / "rejected").iterdir()) for r in read_jsonl(p)]
    quarantine = read_jsonl(out / "quarantine.jsonl")
    assert len(kept) == data["kept"]
    assert len(rejected) == data["rejected"]
    assert len(quarantine) == data["quarantined"]
    assert rejected[0]["reason"] == "error-page"
    assert {q["source"] for q in quarantine} == {
        "corpus/c.txt",
        "corpus/d.jsonl",
        "corpus/e.jsonl.gz",
    }
    assert all(q["position"] and q["error"] for q in quarantine)
    a = next(r for r in kept if r["id"] == "corpus/a.txt:0")
    assert a["text"] == f"Council passes budget\n{ARTICLE}"
    assert a["ledger"][0]["reason"] == "repeated-paragraph"


def snapshot(out: Path) -> dict[str, bytes]:
    skip = {"timing.json"}
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in skip and ".work" not in p.parts
    }


@pytest.mark.parametrize(("name", "fmt"), [("repairs", "jsonl"), ("default", "parquet")])
def test_one_and_two_workers_give_byte_identical_output(
    tmp_path: Path, name: str, fmt: str
) -> None:
    corpus = write_corpus(tmp_path)
    for i in range(40):  # enough one-record files for several units of work
        (corpus / f"many-{i:03d}.txt").write_text(record(200, f"Story {i}\n{ARTICLE}"))
    recipe = Recipe(steps=Recipe.named(name).steps, writer=WriterOptions(format=fmt))
    from thresher.run import plan

    original = plan.RECORD_FILES_PER_UNIT
    plan.RECORD_FILES_PER_UNIT = 7
    try:
        thresher.run([str(corpus)], tmp_path / "w1", recipe, workers=1)
        thresher.run([str(corpus)], tmp_path / "w2", recipe, workers=2)
    finally:
        plan.RECORD_FILES_PER_UNIT = original
    one, two = snapshot(tmp_path / "w1"), snapshot(tmp_path / "w2")
    assert len([path for path in one if path.startswith(("kept/", "rejected/"))]) > 6
    assert one == two


def test_parquet_output_keeps_reason_and_ledger(tmp_path: Path) -> None:
    recipe = Recipe(steps=REPAIRS.steps, writer=WriterOptions(format="parquet"))
    thresher.run([str(write_corpus(tmp_path))], tmp_path / "out", recipe)
    (shard,) = (tmp_path / "out" / "rejected").iterdir()
    rows = pq.read_table(shard).to_pylist()
    assert rows[0]["reason"] == "error-page"
    assert orjson.loads(rows[0]["metadata"])["http_status"] == 404


def test_a_folder_that_holds_no_run_is_refused_even_with_force(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    for force in (False, True):
        with pytest.raises(OutputError, match=r"notes\.txt"):
            thresher.run([str(corpus)], tmp_path / "out", force=force)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_the_same_command_again_resumes_and_another_recipe_is_refused(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path)
    first = thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    before = snapshot(tmp_path / "out")
    again = thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    assert again.to_dict() == first.to_dict()
    assert snapshot(tmp_path / "out") == before
    timing = orjson.loads((tmp_path / "out" / "timing.json").read_bytes())
    assert timing["resumed"] is True
    assert len(timing["starts"]) == 2 and timing["thresher"] == thresher.__version__
    with pytest.raises(ConfigError, match="different recipe"):
        thresher.run([str(corpus)], tmp_path / "out", Recipe.named("default"))
    replaced = thresher.run([str(corpus)], tmp_path / "out", Recipe.named("default"), force=True)
    assert replaced.balanced


def test_a_reader_that_fails_midway_quarantines_the_rest_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections.abc import Iterator

    from thresher.run import pipeline

    real = pipeline.read_file

    def flaky(item: object, *args: str, **options: object) -> Iterator[object]:
        for n, record in enumerate(real(item, *args, **options)):  # type: ignore[arg-type]
            if n == 3 and str(getattr(item, "source", "")).endswith("d.jsonl"):
                raise RuntimeError("disk hiccup")
            yield record

    monkeypatch.setattr(pipeline, "read_file", flaky)
    summary = thresher.run([str(write_corpus(tmp_path))], tmp_path / "out", REPAIRS)
    data = summary.to_dict()
    assert data["balanced"] is True
    assert data["files"]["corpus/d.jsonl"] == {
        "in": 4,
        "kept": 3,
        "rejected": 0,
        "quarantined": 1,
        "salvaged": 0,
    }
    assert data["files"]["corpus/e.jsonl.gz"]["kept"] > 0
    quarantine = read_jsonl(tmp_path / "out" / "quarantine.jsonl")
    entry = next(q for q in quarantine if q["source"] == "corpus/d.jsonl")
    assert entry["position"] == "after record 3"
    assert "RuntimeError: disk hiccup" in str(entry["error"])
