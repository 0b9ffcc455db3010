"""WARC and HTML inputs: records built here byte by byte (plain and gzipped, truncated, not
HTML, redirects), the run's accounting over them, and every WARC sample in ../shared/data."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

import thresher
from thresher import Quarantined, Recipe
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
