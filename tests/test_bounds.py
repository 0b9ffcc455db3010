"""Bounds per record: bytes (quarantined unread, memory bounded even for a decompression bomb),
characters and lines (rejected before any step), each configurable and counted."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import thresher
from thresher import ConfigError, ReaderOptions, Recipe
from thresher.readers import InputFile, Quarantined, read_file

SMALL = 1000


def read(path: Path, fmt: str, limit: int = SMALL) -> list[object]:
    return list(read_file(InputFile(path.name, path, fmt), max_record_bytes=limit))


def test_an_oversized_jsonl_line_is_quarantined_and_the_next_lines_are_read(tmp_path: Path) -> None:
    lines = [
        orjson.dumps({"text": "short one"}),
        orjson.dumps({"text": "x" * 5000}),
        orjson.dumps({"text": "y" * (SMALL - 20)}),  # just under the limit
        orjson.dumps({"text": "after"}),
    ]
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\n".join(lines))  # the last line without a newline
    records = read(path, "jsonl")
    assert [type(r).__name__ for r in records] == [
        "Document",
        "Quarantined",
        "Document",
        "Document",
    ]
    skipped = records[1]
    assert isinstance(skipped, Quarantined) and skipped.position == "line 2"
    assert "max_record_bytes (1000)" in skipped.error


def test_a_line_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    line = orjson.dumps({"text": "z" * 200})
    path = tmp_path / "a.jsonl"
    path.write_bytes(line + b"\n" + line)
    assert [type(r).__name__ for r in read(path, "jsonl", len(line))] == ["Document", "Document"]
    assert [type(r).__name__ for r in read(path, "jsonl", len(line) - 1)] == ["Quarantined"] * 2


def test_a_gzip_bomb_is_read_past_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(orjson.dumps({"text": "before"}) + b"\n")
        block = b"0" * (1 << 20)
        for _ in range(64):  # one 64 MiB line, about 64 KB compressed
            out.write(block)
        out.write(b"\n" + orjson.dumps({"text": "after"}) + b"\n")
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    records = read(path, "jsonl", limit=1 << 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [type(r).__name__ for r in records] == ["Document", "Quarantined", "Document"]
    assert peak < 8 << 20


def test_an_oversized_record_file_is_quarantined_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(" date 2024-01-01 200\n" + "word " * 400)
    (entry,) = read(path, "record")
    assert isinstance(entry, Quarantined) and "over max_record_bytes" in entry.error


def test_an_oversized_parquet_text_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": ["fine", "é" * 600, "fine too"]}), path)
    kinds = [type(r).__name__ for r in read(path, "parquet")]
    assert kinds == ["Document", "Quarantined", "Document"]


def test_documents_over_max_chars_or_max_lines_are_rejected_before_the_steps(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    docs = [
        {"id": "ok", "text": "A normal short document about the harbour and its new pier."},
        {"id": "wide", "text": "w" * 3000},
        {"id": "tall", "text": "line\n" * 300},
    ]
    (corpus / "d.jsonl").write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    reader = ReaderOptions(max_chars=2000, max_lines=200)
    recipe = Recipe(steps=Recipe.named("repairs").steps, reader=reader)
    summary = thresher.run([str(corpus)], tmp_path / "out", recipe)
    data = summary.to_dict()
    assert data["balanced"]
    assert data["reasons"]["too-large"] == 1 and data["reasons"]["too-many-lines"] == 1
    rejected = {
        orjson.loads(line)["id"]: orjson.loads(line)
        for path in (tmp_path / "out" / "rejected").glob("*.jsonl")
        for line in path.read_bytes().splitlines()
    }
    assert rejected["wide"]["rejected_by"] == "reader"
    assert rejected["tall"]["ledger"] == []  # no step touched it


def test_bounds_are_validated_and_round_trip() -> None:
    with pytest.raises(ConfigError, match="max_chars"):
        ReaderOptions(max_chars=0)
    recipe = Recipe(steps=Recipe.named("repairs").steps, reader=ReaderOptions(max_lines=7))
    assert Recipe.loads(recipe.dumps()) == recipe
