from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from thresher import Document, InputError, Quarantined, parse_record
from thresher.readers import InputFile, discover, format_of, read_file


def read(path: Path, **options: str) -> list[Document | Quarantined]:
    fmt = format_of(path)
    assert fmt is not None
    return list(read_file(InputFile(path.name, path, fmt), **options))


@pytest.mark.parametrize(
    "header",
    [
        " date 2025-04-21 403",
        "date 2025-04-21 403",
        "   date  2025-04-21\t403  ",
        "date 2025-04-21 403\r",
    ],
)
def test_record_header_becomes_metadata_and_leaves_the_text(header: str) -> None:
    doc = parse_record(f"{header}\nFirst line\nSecond line", "a.txt")
    assert doc.text == "First line\nSecond line"
    assert doc.metadata["date"] == "2025-04-21"
    assert doc.metadata["http_status"] == 403
    assert doc.id == "a.txt:0"


def test_record_without_header_is_all_body() -> None:
    doc = parse_record("Just a body\nwith two lines", "b.txt")
    assert doc.text == "Just a body\nwith two lines"
    assert "http_status" not in doc.metadata


def test_record_file_with_invalid_utf8_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b" date 2025-01-01 200\nok text \xff\xfe more")
    (entry,) = read(path)
    assert isinstance(entry, Quarantined)
    assert entry.position == "byte 29"
    assert "invalid UTF-8" in entry.error


def jsonl_bytes() -> bytes:
    rows = [
        {"id": "r1", "text": "first", "url": "https://a.example/1"},
        {"text": "second", "metadata": {"lang": "en"}},
        {"id": "r3", "content": "wrong field"},
    ]
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst"])
def test_jsonl_plain_and_compressed(tmp_path: Path, suffix: str) -> None:
    data = jsonl_bytes()
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
    elif suffix.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / f"in{suffix}"
    path.write_bytes(data)
    first, second, third = read(path)
    assert isinstance(first, Document) and isinstance(second, Document)
    assert (first.id, first.text, first.metadata["url"]) == ("r1", "first", "https://a.example/1")
    assert second.id == f"in{suffix}:2"
    assert second.metadata["input"]["metadata"] == {"lang": "en"}  # kept whole (issue 12)
    assert isinstance(third, Quarantined)
    assert third.error == "field 'text' is missing"


def test_jsonl_configurable_fields(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"doc_id": 7, "content": "body text"}\n')
    (doc,) = read(path, text_field="content", id_field="doc_id")
    assert isinstance(doc, Document)
    assert (doc.id, doc.text) == ("7", "body text")


def test_jsonl_bad_lines_are_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"text": "good one"}\n'
        b'{"text": "broken\n'
        b'{"text": "bad utf8 \xff"}\n'
        b"[1, 2]\n"
        b"\n"
        b'{"text": "good two"}\n'
    )
    out = read(path)
    assert [type(x).__name__ for x in out] == [
        "Document",
        "Quarantined",
        "Quarantined",
        "Quarantined",
        "Document",
    ]
    positions = [x.position for x in out if isinstance(x, Quarantined)]
    assert positions == ["line 2", "line 3", "line 4"]
    assert out[-1].id == "mixed.jsonl:6"  # type: ignore[union-attr]


def test_truncated_gzip_keeps_what_was_read_and_quarantines_the_rest(tmp_path: Path) -> None:
    data = b"".join(orjson.dumps({"text": f"record number {i} " * 20}) + b"\n" for i in range(200))
    packed = gzip.compress(data)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    out = read(path)
    docs = [x for x in out if isinstance(x, Document)]
    assert 0 < len(docs) < 200
    assert isinstance(out[-1], Quarantined)
    assert "unreadable stream" in out[-1].error


def test_parquet_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table = pa.table({"id": ["p1", None], "text": ["alpha", None], "url": ["u1", "u2"]})
    pq.write_table(table, path)
    first, second = read(path)
    assert isinstance(first, Document)
    assert (first.id, first.text, first.metadata["url"]) == ("p1", "alpha", "u1")
    assert isinstance(second, Quarantined)
    assert second.position == "record 1"


def test_discover_sorts_skips_unknown_and_names_sources(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    for name in ("b.txt", "a.jsonl", "sub/c.txt", "README.md"):
        (root / name).write_text("x", encoding="utf-8")
    files, skipped = discover([str(root)])
    assert [f.source for f in files] == ["corpus/a.jsonl", "corpus/b.txt", "corpus/sub/c.txt"]
    assert skipped == ["corpus/README.md"]


def test_discover_refuses_missing_and_unknown_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        discover([str(tmp_path / "missing")])
    odd = tmp_path / "x.csv"
    odd.write_text("a", encoding="utf-8")
    with pytest.raises(InputError, match="unknown format"):
        discover([str(odd)])


def test_truncated_zstd_is_quarantined_not_silently_short(tmp_path: Path) -> None:
    data = b"".join(orjson.dumps({"text": f"record {i} " * 30}) + b"\n" for i in range(300))
    packed = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(packed[: len(packed) // 2])
    out = read(path)
    assert isinstance(out[-1], Quarantined)
    assert "truncated" in out[-1].error


def test_concatenated_zstd_frames_are_all_read(tmp_path: Path) -> None:
    compressor = zstandard.ZstdCompressor()
    path = tmp_path / "two.jsonl.zst"
    path.write_bytes(
        compressor.compress(b'{"text": "a"}\n') + compressor.compress(b'{"text": "b"}\n')
    )
    assert [d.text for d in read(path) if isinstance(d, Document)] == ["a", "b"]
