"""WARC and HTML inputs: records built here byte by byte (plain and gzipped, truncated in the
payload or the header, not HTML, redirects, over the size cap), the run's accounting over them,
`reader.extract: false`, and every WARC sample in ../shared/data."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import orjson
import pytest

import thresher
from thresher import Quarantined, ReaderOptions, Recipe
from thresher.extract.step import Extract
from thresher.readers import discover, read_file

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "warc"
ARTICLE = (
    "<html><head><title>Harbour pier</title></head><body><article><h1>Harbour pier to open</h1>"
    + "".join(
        f"<p>Paragraph {i}: the harbour authority said on Monday that the new pier would open "
        "in spring, after two years of work and a long dispute over its cost.</p>"
        for i in range(4)
    )
    + "</article></body></html>"
)


def record(warc_type: str, uri: str, payload: bytes, record_id: str, *, cut: int = 0) -> bytes:
    """One WARC/1.0 record; `cut` drops that many bytes from its end (a truncated file)."""
    head = (
        f"WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: {uri}\r\n"
        f"WARC-Date: 2024-05-18T01:58:10Z\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode()
    data = head + payload + b"\r\n\r\n"
    return data[: len(data) - cut] if cut else data


def http(status: str, content_type: str, body: bytes, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def records() -> list[bytes]:
    info = (
        b"WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Date: 2024-05-18T01:58:10Z\r\n"
        b"WARC-Record-ID: <urn:uuid:0>\r\nContent-Length: 11\r\n\r\nsoftware: x\r\n\r\n"
    )
    latin = ARTICLE.replace("Monday", "Montag für Größe").encode("cp1252")
    return [
        info,
        record(
            "response",
            "https://a.example/pier",
            http("200 OK", "text/html; charset=utf-8", ARTICLE.encode()),
            "1",
        ),
        record(
            "response",
            "https://a.example/de",
            http("200 OK", "text/html; charset=iso-8859-1", latin),
            "2",
        ),
        record(
            "response",
            "https://a.example/api",
            http("200 OK", "application/json", b'{"a": 1}'),
            "3",
        ),
        record(
            "response",
            "https://a.example/old",
            http("301 Moved Permanently", "text/html", b"moved", "Location: /new\r\n"),
            "4",
        ),
        record(
            "response",
            "https://a.example/cut",
            http("200 OK", "text/html", ARTICLE.encode()),
            "5",
            cut=200,
        ),
    ]


@pytest.fixture(params=["plain", "gzip"])
def warc_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "plain":
        path = tmp_path / "crawl.warc"
        path.write_bytes(b"".join(records()))
    else:  # one gzip member per record, as crawlers write them
        path = tmp_path / "crawl.warc.gz"
        path.write_bytes(b"".join(gzip.compress(r) for r in records()))
    return path


def read(path: Path) -> list[thresher.Document | Quarantined]:
    (item,), _ = discover([str(path)])
    return list(read_file(item))


def test_responses_become_documents_with_the_fetch_metadata(warc_file: Path) -> None:
    out = read(warc_file)
    assert len(out) == 5  # the warcinfo record is no record of the run
    first, second, api, moved, cut = out
    assert isinstance(first, thresher.Document) and first.rejection is None
    assert first.id == "urn:uuid:1"
    meta = first.metadata
    assert meta["url"] == "https://a.example/pier"
    assert meta["date"] == "2024-05-18" and meta["warc_date"] == "2024-05-18T01:58:10Z"
    assert meta["http_status"] == 200 and meta["content_type"] == "text/html"
    assert meta["charset"] == "utf-8" and meta["title"] == "Harbour pier"
    assert "Paragraph 3: the harbour authority" in first.text
    assert isinstance(second, thresher.Document)
    assert "Montag für Größe" in second.text and second.metadata["charset"] == "cp1252"
    assert isinstance(api, thresher.Document) and api.rejection is not None
    assert api.rejection.reason == "not-html"
    assert isinstance(moved, thresher.Document) and moved.rejection is not None
    assert moved.rejection.reason == "http-redirect" and "/new" in moved.rejection.detail
    assert isinstance(cut, Quarantined)


def test_a_run_over_a_warc_balances(warc_file: Path, tmp_path: Path) -> None:
    summary = thresher.run([str(warc_file)], tmp_path / "out", Recipe.named("repairs"))
    assert summary.balanced
    data = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert (data["in"], data["kept"], data["quarantined"]) == (5, 2, 1)
    assert data["reasons"] == {"http-redirect": 1, "not-html": 1}


def test_html_files_plain_and_gzipped(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.htm").write_bytes(ARTICLE.encode("utf-16"))
    (tmp_path / "c.html.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    (tmp_path / "d.html.gz").write_bytes(gzip.compress(ARTICLE.encode())[:-30])
    out = {item.source: list(read_file(item)) for item in discover([str(tmp_path)])[0]}
    for name in ("a.html", "c.html.gz"):
        (doc,) = out[f"{tmp_path.name}/{name}"]
        assert isinstance(doc, thresher.Document)
        assert doc.id == f"{tmp_path.name}/{name}:0"
        assert "Paragraph 0:" in doc.text
    (broken,) = out[f"{tmp_path.name}/d.html.gz"]
    assert isinstance(broken, Quarantined)
    (utf16,) = out[f"{tmp_path.name}/b.htm"]  # no BOM sniffing promised: never a crash
    assert isinstance(utf16, thresher.Document)


needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent")


@needs_shared
def test_every_shared_warc_is_read_or_quarantined_with_a_reason() -> None:
    files, _ = discover([str(SHARED)])
    assert len(files) >= 15
    for item in files:
        for rec in read_file(item):
            if isinstance(rec, Quarantined):
                assert rec.error and rec.position
            elif rec.rejection is None:
                assert rec.metadata["record_id"] and "position" in rec.metadata


@needs_shared
def test_a_run_over_the_shared_warcs_balances(tmp_path: Path) -> None:
    summary = thresher.run(
        [str(SHARED / "resiliparse"), str(SHARED / "warcio"), str(SHARED / "whirlwind")],
        tmp_path / "out",
        Recipe.named("repairs"),
        workers=2,
    )
    assert summary.balanced
    data = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert data["files"]["resiliparse/warcfile.warc.gz"]["in"] == 16
    assert data["files"]["resiliparse/warcfile.warc.gz"]["kept"] >= 12
    quarantine = [orjson.loads(line) for line in (tmp_path / "out" / "quarantine.jsonl").open("rb")]
    errors = {q["source"]: q["error"] for q in quarantine}
    assert errors["resiliparse/clipped.warc.gz"].startswith("truncated record")
    assert "Invalid WARC header" in errors["warcio/example-trunc.warc"]


def test_arc_files_plain_and_gzipped(tmp_path: Path) -> None:
    desc = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    page = http("200 OK", "text/html", ARTICLE.encode())
    data = (
        b"filedesc://t.arc 0.0.0.0 20140216050221 text/plain %d\n" % len(desc)
        + desc
        + b"\n"
        + b"http://a.example/x y 1.2.3.4 20140216050221 text/html %d\n" % len(page)
        + page
        + b"\n"
    )
    (tmp_path / "a.arc").write_bytes(data)
    (tmp_path / "b.arc.gz").write_bytes(gzip.compress(data))
    (tmp_path / "c.arc").write_bytes(data[:-100])
    out = {item.source: list(read_file(item)) for item in discover([str(tmp_path)])[0]}
    for name in ("a.arc", "b.arc.gz"):
        (doc,) = out[f"{tmp_path.name}/{name}"]
        assert isinstance(doc, thresher.Document) and doc.rejection is None
        assert doc.metadata["url"] == "http://a.example/x y"
        assert doc.metadata["date"] == "2014-02-16" and doc.metadata["http_status"] == 200
        assert "Paragraph 2:" in doc.text
    (cut,) = out[f"{tmp_path.name}/c.arc"]
    assert isinstance(cut, Quarantined) and cut.error.startswith("truncated ARC record")


# --- a file cut inside a record's header ------------------------------------------------------


def joined(parts: list[bytes], gz: bool) -> tuple[bytes, int]:
    """The file (plain, or one gzip member per record as crawlers write them) and the offset at
    which its last part starts."""
    members = [gzip.compress(p, mtime=0) for p in parts] if gz else parts
    return b"".join(members), sum(len(m) for m in members[:-1])


def cut_file(tmp_path: Path, gz: bool, keep: int, *, cut_member: bool = False) -> tuple[Path, int]:
    """warcinfo, a good response, then a response cut after `keep` of its bytes: cut before it
    is compressed (a gzip member holding the cut header), or with `cut_member` the whole
    member compressed and the file cut after `keep` of its compressed bytes."""
    last = record(
        "response", "https://a.example/cut", http("200 OK", "text/html", b"<p>x</p>"), "9"
    )
    if not cut_member:
        last = last[:keep]
    data, offset = joined([*records()[:2], last], gz)
    if cut_member:
        data = data[: offset + keep]
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(data)
    return path, offset


CUT_HEADERS = [
    b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/cut\r\n",
    b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.exa",
    b"WARC/1.0\r\nWARC-Type: resp",
    b"WARC/1.0\r\n",
    b"WAR",
]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("head", CUT_HEADERS, ids=lambda h: repr(h[-12:]))
def test_a_record_cut_inside_its_header_is_quarantined_at_its_offset(
    tmp_path: Path, gz: bool, head: bytes
) -> None:
    whole = record("response", "https://a.example/cut", http("200 OK", "text/html", b"x"), "9")
    assert whole.startswith(head)
    path, offset = cut_file(tmp_path, gz, len(head))
    first, cut = read(path)
    assert isinstance(first, thresher.Document) and first.rejection is None
    assert first.id == "urn:uuid:1" and "Paragraph 3:" in first.text
    assert isinstance(cut, Quarantined), cut  # never a document with a made-up id
    assert cut.position == f"byte {offset}" and f"at byte {offset}" in cut.error
    if head != b"WAR":  # a header that parses as far as it goes
        assert cut.error.startswith(f"cut WARC header at byte {offset}")


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_file_cut_anywhere_in_its_last_record_quarantines_that_record(
    tmp_path: Path, gz: bool
) -> None:
    # Every cut point short of the record's end: in the header, the HTTP header, the payload;
    # for gzip, in the compressed member (its gzip header included). A gzip member cut near its
    # end may still inflate to the whole record: then it is the record, under its own id.
    whole = record(
        "response", "https://a.example/cut", http("200 OK", "text/html", b"<p>x</p>"), "9"
    )
    size = len(gzip.compress(whole, mtime=0)) if gz else len(whole) - 4
    whole_records = 0
    for keep in range(1, size):
        path, offset = cut_file(tmp_path, gz, keep, cut_member=True)
        first, last = read(path)
        assert isinstance(first, thresher.Document) and first.id == "urn:uuid:1"
        if isinstance(last, Quarantined):
            assert last.position == f"byte {offset}", (keep, last)
        else:
            assert gz and last.id == "urn:uuid:9" and last.text == "x", (keep, last)
            whole_records += 1
    assert whole_records < 20


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_run_over_a_file_cut_in_a_header_balances(tmp_path: Path, gz: bool) -> None:
    path, offset = cut_file(tmp_path, gz, len(CUT_HEADERS[0]))
    summary = thresher.run([str(path)], tmp_path / "out", Recipe.named("repairs"))
    data = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert summary.balanced and (data["in"], data["kept"], data["quarantined"]) == (2, 1, 1)
    (entry,) = [orjson.loads(line) for line in (tmp_path / "out" / "quarantine.jsonl").open("rb")]
    assert entry["position"] == f"byte {offset}" and "cut WARC header" in entry["error"]


# --- the payload cap: reader.max_record_bytes or the extractor's 8 MiB ------------------------


def test_a_payload_over_max_record_bytes_is_rejected_page_too_large(tmp_path: Path) -> None:
    big = ARTICLE.encode() + b"<p>" + b"filler " * 400 + b"</p>"
    bomb = gzip.compress(b"<html><body>" + b"<p>zero</p>" * 2000 + b"</body></html>", mtime=0)
    wet = (
        b"WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:uuid:7>\r\n"
        b"Content-Length: 3000\r\n\r\n" + b"w" * 3000 + b"\r\n\r\n"
    )
    parts = [
        record(
            "response",
            "https://a.example/small",
            http("200 OK", "text/html", ARTICLE.encode()),
            "1",
        ),
        record("response", "https://a.example/big", http("200 OK", "text/html", big), "2"),
        record(
            "response",
            "https://a.example/bomb",
            http("200 OK", "text/html", bomb, "Content-Encoding: gzip\r\n"),
            "3",
        ),
        wet,
    ]
    path = tmp_path / "caps.warc"
    path.write_bytes(b"".join(parts))
    assert max(len(bomb), len(ARTICLE)) < 1500 and len(big) > 2000
    (item,), _ = discover([str(path)])
    small, large, inflated, text = read_file(item, max_record_bytes=2000)
    assert isinstance(small, thresher.Document) and small.rejection is None
    for doc, what in ((large, "payload of"), (inflated, "decoded payload"), (text, "3000 bytes")):
        assert isinstance(doc, thresher.Document) and doc.rejection is not None, doc
        assert (doc.rejection.step, doc.rejection.reason) == ("reader", "page-too-large")
        assert (
            what in doc.rejection.detail and "over max_record_bytes (2000)" in doc.rejection.detail
        )
    assert large.metadata["url"] == "https://a.example/big"
    assert large.metadata["http_status"] == 200 and large.metadata["content_type"] == "text/html"
    # Over the recipe's limit but under the extractor's 8 MiB: all read.
    assert all(isinstance(r, thresher.Document) and r.rejection is None for r in read(path))


def test_a_large_payload_is_rejected_without_being_read(tmp_path: Path) -> None:
    huge = b"<html><body>" + b"<p>same words again</p>" * 200_000 + b"</body></html>"  # 4.6 MB
    parts = [
        record("response", "https://a.example/huge", http("200 OK", "text/html", huge), "1"),
        record(
            "response", "https://a.example/next", http("200 OK", "text/html", ARTICLE.encode()), "2"
        ),
    ]
    path = tmp_path / "huge.warc.gz"
    path.write_bytes(b"".join(gzip.compress(p, mtime=0) for p in parts))
    (item,), _ = discover([str(path)])
    tracemalloc.start()
    rejected, after = read_file(item, max_record_bytes=10_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(rejected, thresher.Document) and rejected.rejection is not None
    assert rejected.rejection.reason == "page-too-large"
    assert isinstance(after, thresher.Document) and after.rejection is None
    assert peak < 1 << 20  # the 4.6 MB payload never became a Python object


def test_arc_and_html_pages_over_max_record_bytes_are_rejected(tmp_path: Path) -> None:
    page = http("200 OK", "text/html", ARTICLE.encode())
    big = http("200 OK", "text/html", ARTICLE.encode() * 3)
    desc = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    arc = b"".join(
        b"%s 1.2.3.4 20140216050221 text/html %d\n%s\n" % (url, len(body), body)
        for url, body in (
            (b"filedesc://t.arc", desc),
            (b"http://a.example/big", big),
            (b"http://a.example/ok", page),
        )
    )
    (tmp_path / "a.arc").write_bytes(arc)
    (tmp_path / "b.html").write_bytes(ARTICLE.encode() * 3)
    limit = len(page) + 10
    out = {
        i.source: list(read_file(i, max_record_bytes=limit)) for i in discover([str(tmp_path)])[0]
    }
    too_large, fine = out[f"{tmp_path.name}/a.arc"]
    (html_page,) = out[f"{tmp_path.name}/b.html"]
    for doc in (too_large, html_page):
        assert isinstance(doc, thresher.Document) and doc.rejection is not None
        assert (doc.rejection.step, doc.rejection.reason) == ("reader", "page-too-large")
        assert f"max_record_bytes ({limit})" in doc.rejection.detail
    assert too_large.metadata["url"] == "http://a.example/big"
    assert isinstance(fine, thresher.Document) and fine.rejection is None  # read on past it


def test_a_run_counts_pages_over_max_record_bytes(tmp_path: Path, warc_file: Path) -> None:
    reader = ReaderOptions(max_record_bytes=700)
    recipe = Recipe(steps=Recipe.named("repairs").steps, reader=reader)
    summary = thresher.run([str(warc_file)], tmp_path / "out", recipe)
    data = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert summary.balanced and data["in"] == 5
    assert data["reasons"]["page-too-large"] == 2 and data["quarantined"] == 1  # the cut one


# --- reader.extract: false, the HTML for a recipe's extract step --------------------------------


def test_extract_off_gives_the_decoded_html_to_the_extract_step(warc_file: Path) -> None:
    (item,), _ = discover([str(warc_file)])
    raw = list(read_file(item, extract=False))
    done = read(warc_file)
    first, second, api, moved, cut = raw
    assert isinstance(first, thresher.Document) and first.text == ARTICLE
    assert isinstance(second, thresher.Document) and "Montag für Größe" in second.text
    assert second.metadata["charset"] == "cp1252" and second.metadata["charset_source"] == "header"
    for doc in (first, second):
        assert {"title", "extractor", "author", "page_date"}.isdisjoint(doc.metadata)
        assert doc.metadata["url"] and doc.metadata["http_status"] == 200
    for off, on in ((api, done[2]), (moved, done[3])):  # rejected the same way
        assert isinstance(off, thresher.Document) and isinstance(on, thresher.Document)
        assert off.rejection == on.rejection
    assert isinstance(cut, Quarantined)
    step = Recipe(steps=(Extract(),))
    for doc, extracted in zip((first, second), done[:2], strict=True):
        assert isinstance(extracted, thresher.Document)
        cleaned = step.clean(doc)
        assert cleaned.rejection is None and cleaned.text == extracted.text
        assert cleaned.metadata["title"] == extracted.metadata["title"] == "Harbour pier"
        assert cleaned.ledger[0].reason == "html"


def test_extract_off_for_html_files(tmp_path: Path) -> None:
    page = ARTICLE.replace("Monday", "Montag für Größe")
    (tmp_path / "a.html").write_bytes(page.encode("cp1252"))
    (item,), _ = discover([str(tmp_path / "a.html")])
    (doc,) = read_file(item, extract=False)
    assert isinstance(doc, thresher.Document) and doc.text == page
    assert doc.id == "a.html:0" and doc.metadata["charset_source"] == "detected"
    assert "title" not in doc.metadata


def test_content_encodings_decoded_stored_decoded_or_cut(tmp_path: Path) -> None:
    packed = gzip.compress(ARTICLE.encode(), mtime=0)
    encoded = "Content-Encoding: gzip\r\n"
    bodies = {
        "gzip": packed,
        "stored-decoded": ARTICLE.encode(),  # the header kept, the payload stored decoded
        "cut": packed[: len(packed) // 2],  # a gzip stream that breaks off (warcio's trunc)
    }
    parts = [
        record(
            "response",
            f"https://a.example/{name}",
            http("200 OK", "text/html", body, encoded),
            name,
        )
        for name, body in bodies.items()
    ]
    path = tmp_path / "enc.warc"
    path.write_bytes(b"".join(parts))
    gzipped, stored, cut = read(path)
    for doc in (gzipped, stored):
        assert isinstance(doc, thresher.Document) and doc.rejection is None
        assert "Paragraph 3: the harbour authority" in doc.text
    assert isinstance(cut, Quarantined)  # not its compressed bytes read as text
    assert cut.error.startswith("truncated record urn:uuid:cut: its gzip content encoding")


def test_a_run_with_extraction_off_extracts_in_its_extract_step(tmp_path: Path) -> None:
    # how a recipe picks the extraction mode: the reader keeps the HTML, the step extracts
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.html").write_text(ARTICLE, encoding="utf-8")
    steps = (Extract(mode="fast"), *Recipe.named("repairs").steps)
    recipe = Recipe(steps=steps, reader=ReaderOptions(extract=False))
    summary = thresher.run([str(tmp_path / "in")], tmp_path / "out", recipe)
    assert summary.balanced
    (shard,) = sorted((tmp_path / "out" / "kept").iterdir())
    (doc,) = [orjson.loads(line) for line in shard.read_bytes().splitlines()]
    assert doc["text"].startswith("Paragraph 0: the harbour authority said")
    assert "<p>" not in doc["text"]
    assert doc["metadata"]["extractor"] == "fast"
    assert doc["metadata"]["title"] == "Harbour pier"
