#!/usr/bin/env python3
"""Generate a corpus of hostile input records, in every format thresher reads, to check that a
run survives it: nothing raises, nothing hangs, every record is accounted for.

    python3 bench/hostile.py OUT [--records 10000] [--seed 0] [--no-huge]

OUT receives `.txt` crawl records, JSONL (plain, gzip, zstd; some streams truncated, some
decompression bombs), Parquet (one truncated), WARC (plain and gzip, some truncated) and HTML
files; and beside it, `OUT.manifest.json` (outside OUT, since thresher reads every file inside
it): for each file, by the source name `thresher run OUT` gives it, how many records the reader
must report for it (`in` in summary.json), and the hostile kinds it holds.

What counts as a record: a `.txt` or `.html` file is one; a JSONL line that is not blank is one;
a Parquet row is one; a WARC `response` or `conversion` record is one (`warcinfo` and `request`
records are not). A stream that breaks off adds one record, the quarantine entry for its rest:
its count is the complete lines (records) before the break, plus one. The generator works those
out from the bytes it wrote (decompressing the truncated prefix with zlib or zstandard itself),
not by asking thresher's readers.

The same arguments give byte-identical files. From Python: `generate(out, records, seed)`
returns the manifest.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

_WORD_TEXT = (
    "the of and to in is was for on that with as by at from his her they this which are be"
    " river market city people water history council school garden winter station music house"
    " report season morning project family library island museum network village harbour"
    " question answer result system method evidence language science nature energy country"
    " während über straße große häuser élève été façade niño año corazón"
)
_EXTRA_TEXT = "Москва город вода 東京 都市 水 القاهرة مدينة ماء ירושלים עיר מים"
WORDS = tuple(_WORD_TEXT.split(" "))
EXTRA_WORDS = tuple(_EXTRA_TEXT.split(" "))

# Characters that make trouble: controls, bidi overrides and isolates, zero-width, BOM, line
# and paragraph separators, NEL, replacement character, noncharacters, combining marks.
TROUBLE = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x80\x85\x9f\u00ad\u034f\u061c\u200b\u200c\u200d\u200e"
    "\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
    "\ufffd\ufffe\uffff\U0010ffff\u0301\u0336\U0001f600"
)

# Inputs that make a backtracking regex slow: each repeated to the length wanted.
PATHOLOGICAL_UNITS = (
    "a",
    " ",
    ".",
    "-",
    "=",
    "*",
    "#",
    "!",
    "?",
    "\t",
    "0",
    "1.",
    "ab",
    "a ",
    ". ",
    "-=",
    "<>",
    "()",
    "[]",
    "{}",
    "\\",
    "/",
    "@",
    "a@",
    "@a.",
    "1 ",
    "+1 ",
    "http://",
    "www.",
    "&nbsp;",
    "<div>",
    "©",
    "•",
    "…",
    "\u200b",
    "é",
    "Ж",
    "漢",
    "\u202e",
)


def _rng_text(rng: random.Random, words: int, foreign: float = 0.05) -> str:
    out = []
    for _ in range(words):
        pool = EXTRA_WORDS if rng.random() < foreign else WORDS
        out.append(rng.choice(pool))
    return " ".join(out)


def prose(rng: random.Random, paragraphs: int = 4) -> str:
    paras = []
    for _ in range(paragraphs):
        sentences = [
            _rng_text(rng, rng.randint(6, 18)).capitalize() + rng.choice(".!?")
            for _ in range(rng.randint(2, 5))
        ]
        paras.append(" ".join(sentences))
    return "\n\n".join(paras)


def pathological(rng: random.Random, size: int) -> str:
    unit = rng.choice(PATHOLOGICAL_UNITS)
    return (unit * (size // len(unit) + 1))[:size]


# --- hostile texts: each a (kind, function of the rng returning a str) ----------------------
# Sizes keep 10,000 records within a couple of minutes of a 2-worker run; the multi-megabyte
# ones are few and added separately (`huge_texts`).


def _t_prose(rng: random.Random) -> str:
    return prose(rng, rng.randint(1, 6))


def _t_trouble(rng: random.Random) -> str:
    base = list(prose(rng, 3))
    for _ in range(rng.randint(5, 60)):
        base.insert(rng.randrange(len(base) + 1), rng.choice(TROUBLE))
    return "".join(base)


def _t_nul(rng: random.Random) -> str:
    return prose(rng, 2).replace(" ", "\x00", rng.randint(1, 40)) + "\x00" * rng.randint(1, 500)


def _t_surrogate(rng: random.Random) -> str:
    lone = rng.choice(["\ud800", "\udfff", "\udc80", "\udbff"])
    text = prose(rng, 2)
    cut = rng.randrange(len(text) + 1)
    return text[:cut] + lone + text[cut:]


def _t_rtl(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(3, 30)):
        mark = rng.choice(["\u202e", "\u202b", "\u2067", "\u200f", "\u061c", ""])
        lines.append(mark + _rng_text(rng, rng.randint(3, 15), foreign=0.6) + rng.choice(TROUBLE))
    return "\n".join(lines)


def _t_mojibake(rng: random.Random) -> str:
    text = prose(rng, 2) + " — “quoted” café naïve 東京"
    layers = rng.randint(1, 3)
    for _ in range(layers):
        text = text.encode("utf-8").decode(rng.choice(["latin-1", "cp1252"]), "replace")
    return text


def _t_run(rng: random.Random) -> str:
    size = rng.choice([1_000, 1_000, 10_000, 10_000, 100_000])
    return pathological(rng, size)


def _t_run_in_prose(rng: random.Random) -> str:
    return prose(rng, 2) + "\n" + pathological(rng, rng.choice([500, 5_000])) + "\n" + prose(rng, 1)


def _t_spaces(rng: random.Random) -> str:
    return "word" + " " * 100_000 + "word\n" + "\t \u00a0\u3000" * 2_000


def _t_short_lines(rng: random.Random) -> str:
    count = rng.choice([1_000, 5_000, 60_000])
    unit = rng.choice(["a", "", ".", "1", "- x", "Home", "\r", " "])
    return "\n".join(unit for _ in range(count))


def _t_too_many_lines(rng: random.Random) -> str:
    return "\n" * rng.choice([100_000, 150_000])  # 100,001 lines and more: over max_lines


def _t_punct(rng: random.Random) -> str:
    unit = rng.choice(["!?", "...", "?!.", ",;:", "--", "~*~", "»«", "。、", "¡¿"])
    return prose(rng, 1) + " " + unit * rng.randint(100, 5_000)


def _t_nested_html(rng: random.Random) -> str:
    depth = rng.choice([100, 1_000, 20_000])
    tag = rng.choice(["div", "span", "b", "table><tr><td", "ul><li"])
    close = "</" + tag.split("><")[0] + ">"
    return f"<{tag}>" * depth + prose(rng, 1) + close * rng.choice([0, depth])


def _t_markup(rng: random.Random) -> str:
    bits = [
        "<script>var a = {x: [1,2,3]};</script>",
        "{{ template }}",
        "lorem ipsum dolor sit amet",
        "javascript must be enabled",
        "Cookie policy. Accept all cookies",
        "© 2024 All rights reserved",
        "404 Not Found",
        "Share on Facebook | Tweet | Subscribe",
        "jane.doe@example.com +1 (555) 123-4567 8.8.8.8",
        "[1][2][citation needed]",
    ]
    return "\n".join(rng.choice(bits) + " " + _rng_text(rng, rng.randint(0, 10)) for _ in range(40))


def _t_long_word(rng: random.Random) -> str:
    return prose(rng, 1) + " " + "".join(rng.choice("abcdefghij") for _ in range(5_000))


def _t_empty(rng: random.Random) -> str:
    return rng.choice(["", " ", "\n", "\n\n\n", "\t", "\u200b", "\ufeff", "\x00"])


def _t_random_unicode(rng: random.Random) -> str:
    chars = []
    for _ in range(rng.randint(1, 3000)):
        cp = rng.randrange(0x110000)
        if 0xD800 <= cp < 0xE000:
            cp = 0xFFFD
        chars.append(chr(cp))
    return "".join(chars)


TEXTS: tuple[tuple[str, Callable[[random.Random], str], int], ...] = (
    # kind, generator, weight
    ("prose", _t_prose, 30),
    ("control-characters", _t_trouble, 8),
    ("nul-bytes", _t_nul, 5),
    ("lone-surrogate", _t_surrogate, 3),
    ("rtl-bidi", _t_rtl, 5),
    ("mojibake", _t_mojibake, 5),
    ("one-char-run", _t_run, 5),
    ("run-in-prose", _t_run_in_prose, 5),
    ("spaces-1e5", _t_spaces, 1),
    ("short-lines", _t_short_lines, 2),
    ("too-many-lines", _t_too_many_lines, 1),
    ("repeated-punctuation", _t_punct, 4),
    ("nested-html", _t_nested_html, 2),
    ("web-noise", _t_markup, 6),
    ("long-word", _t_long_word, 2),
    ("empty", _t_empty, 4),
    ("random-unicode", _t_random_unicode, 4),
)


def hostile_text(rng: random.Random, allow_surrogates: bool = True) -> tuple[str, str]:
    kinds = [t for t in TEXTS if allow_surrogates or t[0] != "lone-surrogate"]
    kind, make, _ = rng.choices(kinds, weights=[w for _, _, w in kinds])[0]
    return kind, make(rng)


def huge_texts(rng: random.Random) -> list[tuple[str, str]]:
    """The few multi-megabyte records: enormous lines under and over the bounds."""
    return [
        ("huge-line-prose-2MB", _rng_text(rng, 300_000)),  # one 2 MB line of words
        ("huge-line-one-char-3MB", "x" * 3_000_000),
        ("huge-over-max-chars", "y " * 2_100_000),  # 4.2 million characters: too-large
        ("huge-spaces-1MB", " " * 1_000_000 + "end"),
    ]


# --- files ----------------------------------------------------------------------------------


@dataclass
class FileEntry:
    records: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


@dataclass
class Writer:
    root: Path
    rng: random.Random
    files: dict[str, FileEntry] = field(default_factory=dict)

    def entry(self, rel: str) -> FileEntry:
        return self.files.setdefault(rel, FileEntry())

    def write(self, rel: str, data: bytes, records: int, *kinds: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entry = self.entry(rel)
        entry.records += records
        entry.kinds.update(kinds)

    @property
    def total(self) -> int:
        return sum(e.records for e in self.files.values())


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1995, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _txt_record(rng: random.Random) -> tuple[bytes, str]:
    """One `.txt` crawl record: header (valid, odd or broken) and a hostile body, encoded
    validly or not."""
    kind, text = hostile_text(rng)
    header = rng.choice(
        [
            f" date {_date(rng)} 200",
            f"date {_date(rng)} {rng.choice([200, 404, 500, 301, 999])}",
            f"   date\t{_date(rng)}\t200\r",
            f" date {_date(rng)} 200 trailing",
            " date 2024-13-45 20",
            "\ufeff date 2024-01-01 200",
            "date",
            "",
            "no header at all",
        ]
    )
    raw = (header + "\n" + text).encode("utf-8", "surrogatepass")
    mode = rng.random()
    if mode < 0.05:
        raw = b"\xef\xbb\xbf" + raw  # a BOM
    elif mode < 0.10:
        raw = raw + "café".encode("latin-1")  # mixed encodings: invalid UTF-8
        kind += "+latin-1"
    elif mode < 0.13:
        raw = (header + "\n").encode() + text.encode("utf-16", "surrogatepass")
        kind += "+utf-16"
    elif mode < 0.16:
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4000)))
        kind = "random-bytes"
    elif mode < 0.18:
        raw = raw.replace(b"\n", b"\r\n")
        kind += "+crlf"
    return raw, kind


def _json_line(rng: random.Random, number: int) -> tuple[bytes, str]:
    """One JSONL line (without its newline): mostly a hostile text in a valid object, and
    every way a line can be broken."""
    kind, text = hostile_text(rng)
    obj: dict[str, Any] = {"id": f"h{number}", "text": text, "url": f"https://example.com/{number}"}
    shape = rng.random()
    if shape < 0.70:
        if rng.random() < 0.2:
            obj["date"] = _date(rng)
            obj["http_status"] = rng.choice([200, 404, 500, "200", None, -1, 10**30])
        if rng.random() < 0.05:
            obj["metadata"] = rng.choice([{"a": [1, {"b": None}]}, "not a dict", [1, 2], None])
        if rng.random() < 0.05:
            obj["id"] = rng.choice(["", None, 10**40, {"nested": 1}, [1], "\x00", "a\ud800"])
        try:
            return orjson.dumps(obj), kind
        except TypeError:  # a lone surrogate: json (with ensure_ascii) escapes it as \udXXX
            return json.dumps(obj).encode(), kind
    broken: list[tuple[str, Callable[[], bytes]]] = [
        ("json-truncated", lambda: orjson.dumps({"text": prose(rng, 1)})[: rng.randint(1, 40)]),
        ("json-trailing-comma", lambda: b'{"text": "a b c",}'),
        ("json-single-quotes", lambda: b"{'text': 'a b c'}"),
        ("json-nan", lambda: b'{"text": "a", "x": NaN}'),
        ("json-huge-number", lambda: b'{"text": "a b", "n": 1e999999}'),
        ("json-bigint", lambda: b'{"text": "a b", "n": ' + b"9" * 5000 + b"}"),
        ("json-deep-array", lambda: b"[" * 100_000 + b"]" * 100_000),
        ("json-deep-object", lambda: b'{"text": "x", "m": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001),
        ("json-not-object", lambda: rng.choice([b"[1, 2]", b'"text"', b"42", b"null", b"true"])),
        (
            "json-text-not-string",
            lambda: orjson.dumps({"text": rng.choice([1, [], {}, None, 2.5, True])}),
        ),
        ("json-no-text", lambda: orjson.dumps({"body": "a b c"})),
        ("json-duplicate-keys", lambda: b'{"text": "first", "text": "second", "id": 1, "id": 2}'),
        ("json-invalid-utf8", lambda: b'{"text": "caf\xe9 \xff\xfe"}'),
        ("json-escaped-surrogate", lambda: b'{"text": "a \\ud800 b"}'),
        ("json-escaped-nul", lambda: b'{"text": "a\\u0000b\\u0000"}'),
        ("json-raw-control", lambda: b'{"text": "a\x01\x1b b"}'),
        (
            "json-garbage",
            lambda: bytes(rng.randrange(1, 256) for _ in range(rng.randint(1, 300))).replace(
                b"\n", b"x"
            ),
        ),
        ("json-bom", lambda: b"\xef\xbb\xbf" + orjson.dumps({"text": "after a bom"})),
        ("json-cr", lambda: orjson.dumps({"text": "carriage"}) + b"\r"),
        ("json-two-objects", lambda: b'{"text": "a"} {"text": "b"}'),
    ]
    kind, make = rng.choice(broken)
    line = make()
    if not line.strip():
        line = b"{"
    return line, kind


def _jsonl_body(rng: random.Random, count: int, start: int, kinds: Counter[str]) -> bytes:
    """`count` JSONL records (lines that are not blank), with blank lines between some."""
    out = io.BytesIO()
    for i in range(count):
        line, kind = _json_line(rng, start + i)
        kinds[kind] += 1
        out.write(line + rng.choice([b"\n", b"\n", b"\n", b"\r\n", b"\n\n", b"\n \n"]))
    return out.getvalue()


def _complete_lines(data: bytes) -> int:
    """Records among the complete lines of `data` (the part before its last newline)."""
    complete = data[: data.rfind(b"\n") + 1]
    return sum(1 for line in complete.split(b"\n")[:-1] if line.strip())


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(min(20, len(data) - 1), len(data) - 1)]


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def _zstd(data: bytes, frames: int = 1) -> bytes:
    if frames <= 1:
        return zstandard.ZstdCompressor(level=3).compress(data)
    step = len(data) // frames + 1
    return b"".join(
        zstandard.ZstdCompressor(level=3).compress(data[i : i + step])
        for i in range(0, len(data), step)
    )


def _readable_prefix(compressed: bytes, fmt: str) -> bytes:
    """What a streaming decompressor gets out of a truncated stream before it breaks off."""
    if fmt == "gz":
        try:
            return zlib.decompressobj(31).decompress(compressed)
        except zlib.error:
            return b""
    out = b""
    rest = compressed
    while rest:
        decompressor = zstandard.ZstdDecompressor().decompressobj()
        try:
            out += decompressor.decompress(rest)
        except zstandard.ZstdError:
            return out
        if not decompressor.eof:
            return out
        rest = decompressor.unused_data
    return out


def write_jsonl(w: Writer, count: int, start: int) -> None:
    rng = w.rng
    kinds: Counter[str] = Counter()
    files = max(1, count // 400)
    per = [count // files + (1 if i < count % files else 0) for i in range(files)]
    number = start
    for i, n in enumerate(per):
        kinds = Counter()
        body = _jsonl_body(rng, n, number, kinds)
        number += n
        kind = ("plain", "gz", "zst")[i % 3]
        truncated = i % 3 != 0 and rng.random() < 0.4
        if kind == "plain":
            rel = f"jsonl/part-{i:04d}.jsonl"
            w.write(rel, body, n, *kinds.elements())
            continue
        packed = _gzip(body) if kind == "gz" else _zstd(body, frames=rng.choice([1, 1, 3]))
        rel = f"jsonl/part-{i:04d}.jsonl.{kind}"
        if truncated:
            packed = _truncate(rng, packed)
            records = _complete_lines(_readable_prefix(packed, kind)) + 1
            w.write(rel, packed, records, *kinds.elements(), f"truncated-{kind}")
        else:
            w.write(rel, packed, n, *kinds.elements())


def write_special_jsonl(w: Writer, huge: bool) -> None:
    rng = w.rng
    w.write("jsonl/empty.jsonl", b"", 0, "empty-file")
    w.write("jsonl/blank-lines.jsonl", b"\n\n  \n\r\n\t\n", 0, "blank-lines-only")
    w.write("jsonl/no-final-newline.jsonl", b'{"text": "a b c d e"}\n{"text": "f g"}', 2)
    w.write("jsonl/garbage.jsonl.gz", b"\x1f\x8b" + b"not gzip at all" * 10, 1, "corrupt-gzip")
    w.write("jsonl/garbage.jsonl.zst", b"\x28\xb5\x2f\xfd" + b"junk" * 30, 1, "corrupt-zstd")
    w.write("jsonl/plain-named-gz.jsonl.gz", b'{"text": "not compressed"}\n', 1, "wrong-suffix")
    w.write("jsonl/header-only.jsonl.gz", _gzip(b'{"text": "x"}\n')[:5], 1, "truncated-gz-header")
    if not huge:
        return
    # Decompression bombs: one line of 17 MiB (over max_record_bytes) between two records.
    first, last = orjson.dumps({"text": "before the bomb"}), orjson.dumps({"text": "after"})
    bomb = first + b"\n" + b'{"text": "' + b"0" * (17 << 20) + b'"}\n' + last + b"\n"
    w.write("jsonl/bomb.jsonl.gz", gzip.compress(bomb, 9, mtime=0), 3, "gzip-bomb")
    w.write("jsonl/bomb.jsonl.zst", _zstd(bomb), 3, "zstd-bomb")
    lines = []
    for kind, text in huge_texts(rng):
        lines.append(orjson.dumps({"id": kind, "text": text}))
        w.entry("jsonl/huge.jsonl").kinds[kind] += 1
    w.write("jsonl/huge.jsonl", b"\n".join(lines) + b"\n", len(lines))


def write_txt(w: Writer, count: int, huge: bool) -> None:
    for i in range(count):
        raw, kind = _txt_record(w.rng)
        w.write(f"txt/{i // 500:02d}/{i:05d}.txt", raw, 1, kind)
    w.write("txt/empty.txt", b"", 1, "empty-file")
    if huge:
        # over max_record_bytes (16 MiB): quarantined unread
        w.write("txt/huge.txt", b" date 2024-01-01 200\n" + b"z " * (17 << 19), 1, "over-max-bytes")


def write_parquet(w: Writer, count: int, start: int) -> None:
    rng = w.rng
    texts: list[str | None] = []
    kinds: Counter[str] = Counter()
    for _ in range(count):
        if rng.random() < 0.05:
            texts.append(None)
            kinds["null-text"] += 1
            continue
        kind, text = hostile_text(rng, allow_surrogates=False)
        texts.append(text)
        kinds[kind] += 1
    ids = [f"p{start + i}" if rng.random() < 0.9 else None for i in range(count)]
    half = count // 2
    for rel, part in (
        ("parquet/a.parquet", slice(0, half)),
        ("parquet/b.parquet", slice(half, count)),
    ):
        table = pa.table({"id": ids[part], "text": texts[part], "n": list(range(len(texts[part])))})
        sink = io.BytesIO()
        pq.write_table(table, sink, row_group_size=256)
        w.write(rel, sink.getvalue(), len(texts[part]))
    w.entry("parquet/a.parquet").kinds.update(kinds)
    numbers = io.BytesIO()  # the text column is not a string column
    pq.write_table(pa.table({"text": [1, 2, 3]}), numbers)
    w.write("parquet/int-text.parquet", numbers.getvalue(), 3, "text-not-string")
    data = (w.root / "parquet/a.parquet").read_bytes()
    w.write("parquet/truncated.parquet", data[: len(data) // 2], 1, "truncated-parquet")
    w.write("parquet/garbage.parquet", b"PAR1" + b"\x00" * 100, 1, "corrupt-parquet")


# --- WARC and HTML -------------------------------------------------------------------------


# Nesting depths of the HTML pages. Deeper ones (`--deep-html`) are left out by default: the
# main-content extraction (resiliparse, in C, where the extraction deadline cannot interrupt it)
# takes about 0.7 s at 4,000 nested <div>s and grows faster than quadratically, so 20,000 take
# minutes and 100,000 hours, until the extractor bounds parse depth.
HTML_DEPTHS = (100, 500, 2_000)
DEEP_HTML_DEPTHS = (20_000, 100_000)
# The text of a page, unless `--deep-html`: a page of 30,000 <p>s or of 150,000 lines takes the
# extractor seconds, and with those 10,000 records do not fit in a few minutes.
HTML_TEXT_CHARS = 5_000


def _html_page(rng: random.Random, depths: tuple[int, ...] = HTML_DEPTHS) -> tuple[bytes, str]:
    kind, text = hostile_text(rng)
    heavy = depths != HTML_DEPTHS
    if not heavy:  # keep pages small: extraction is the slowest part of a run on them
        text = text[:HTML_TEXT_CHARS]
    body = text.encode("utf-8", "surrogatepass")
    shape = rng.random()
    if shape < 0.15:
        depth = rng.choice(depths)
        tag = rng.choice([b"div", b"span", b"table"])
        page = b"<html><body>" + b"<%s>" % tag * depth + body + b"</%s>" % tag * (depth // 2)
        return page, f"nested-html-{depth}"
    if shape < 0.25:
        return (
            b"<html><head><meta charset=shift_jis></head><body><p>" + body + b"</p>",
            kind + "+wrong-charset",
        )
    if shape < 0.30:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 5000))), "random-bytes"
    if shape < 0.35:
        return b"<!-- " + b"-" * 50_000 + b"<p>" + body, "unclosed-comment"
    if shape < 0.40:
        count = 30_000 if heavy else 2_000
        return b"<html><body>" + b"<p>a</p>" * count + b"</body></html>", "many-paragraphs"
    if shape < 0.45:
        attrs = b" ".join(b'a%d="%s"' % (i, b"x" * 50) for i in range(5_000 if heavy else 500))
        return b"<html><body><div " + attrs + b">" + body + b"</div>", "many-attributes"
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n")).encode("utf-8", "surrogatepass")
    return (
        b"<!doctype html><html><head><title>t</title></head><body>"
        + paragraphs
        + b"</body></html>",
        kind,
    )


def _warc_record(number: int, rtype: str, payload: bytes, extra: str = "") -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {rtype}\r\nWARC-Record-ID: <urn:uuid:hostile-{number:08d}>\r\n"
        f"WARC-Date: 2024-02-03T04:05:06Z\r\nWARC-Target-URI: https://example.com/{number}\r\n"
        f"{extra}Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload + b"\r\n\r\n"


def _http_response(rng: random.Random, depths: tuple[int, ...]) -> tuple[bytes, str]:
    page, kind = _html_page(rng, depths)
    status, ctype, headers = 200, "text/html; charset=utf-8", ""
    shape = rng.random()
    if shape < 0.05:
        status, headers, kind = 301, "Location: https://example.com/x\r\n", "redirect"
    elif shape < 0.10:
        ctype, page, kind = "image/png", b"\x89PNG\r\n\x1a\n" + page[:100], "not-html"
    elif shape < 0.15:
        headers, kind = "Content-Encoding: gzip\r\n", kind + "+bad-gzip-encoding"
    elif shape < 0.18:
        headers, page, kind = (
            "Content-Encoding: gzip\r\n",
            gzip.compress(page, mtime=0),
            kind + "+gzip-encoding",
        )
    elif shape < 0.22:
        headers, page, kind = "Transfer-Encoding: chunked\r\n", b"zz\r\nbroken", "bad-chunked"
    elif shape < 0.25:
        ctype, kind = "", kind + "+no-content-type"
    elif shape < 0.28:
        ctype, kind = "text/html; charset=x-unknown-charset", kind + "+unknown-charset"
    http = f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\n{headers}\r\n".encode()
    return http + page, kind


def write_warc(w: Writer, count: int, start: int, depths: tuple[int, ...]) -> None:
    rng = w.rng
    files = max(1, count // 100)
    per = [count // files + (1 if i < count % files else 0) for i in range(files)]
    number = start
    for i, n in enumerate(per):
        kinds: Counter[str] = Counter()
        records: list[bytes] = [_warc_record(number, "warcinfo", b"software: hostile\r\n")]
        for _ in range(n):
            if rng.random() < 0.1:  # a request record: not a record of the run
                records.append(_warc_record(number, "request", b"GET / HTTP/1.1\r\n\r\n"))
            if rng.random() < 0.1:
                _, text = hostile_text(rng)
                payload = text.encode("utf-8", "surrogatepass")
                records.append(
                    _warc_record(number, "conversion", payload, "Content-Type: text/plain\r\n")
                )
                kinds["wet-conversion"] += 1
            else:
                payload, kind = _http_response(rng, depths)
                extra = "Content-Type: application/http; msgtype=response\r\n"
                records.append(_warc_record(number, "response", payload, extra))
                kinds[kind] += 1
            number += 1
        gz = i % 2 == 1
        members = [_gzip(r) for r in records] if gz else records
        data = b"".join(members)
        rel = f"warc/part-{i:04d}.warc" + (".gz" if gz else "")
        if rng.random() < 0.3:
            # Truncated inside the payload of a response record: it and what follows are lost,
            # the record quarantined; the records before it are read.
            candidates = [j for j, r in enumerate(records) if b"WARC-Type: response" in r]
            cut_record = rng.choice(candidates)
            offset = sum(len(m) for m in members[:cut_record])
            member = members[cut_record]
            # somewhere in the second half of the record (its payload), short of its end
            cut = offset + rng.randint(len(member) // 2 + 1, len(member) - 8)
            before = sum(
                1
                for r in records[:cut_record]
                if b"WARC-Type: response" in r or b"WARC-Type: conversion" in r
            )
            w.write(rel, data[:cut], before + 1, *kinds.elements(), "truncated-warc")
        else:
            w.write(rel, data, n, *kinds.elements())
    w.write("warc/garbage.warc", b"this is not a warc file\r\n" * 10, 1, "not-warc")


def write_html(w: Writer, count: int, depths: tuple[int, ...]) -> None:
    for i in range(count):
        page, kind = _html_page(w.rng, depths)
        if i % 10 == 9:
            w.write(f"html/{i:05d}.html.gz", _truncate(w.rng, _gzip(page)), 1, kind, "truncated-gz")
        else:
            w.write(f"html/{i:05d}.html", page, 1, kind)


# --- the cases of issue 12 ------------------------------------------------------------------
# Each named file is one case a user met; tests/test_hostile.py checks what becomes of each.

# Characters that separate lines (str.splitlines): never deleted between two words.
LINE_SEPARATORS = ("\r", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")

# Headers that are not `date YYYY-MM-DD STATUS`: (file stem, first line).
BAD_HEADERS = (
    ("header-abc", "abc"),
    ("header-zero", "0"),
    ("header-extra-words", " date 2025-04-21 403 extra words"),
    ("header-long-status", " date 2025-04-21 " + "4" * 5_000),
    ("header-bad-date", " date 2025-13-45 200"),
    ("header-status-600", " date 2025-04-21 600"),
)


def _separated_text(rng: random.Random, separator: str) -> str:
    words = [_rng_text(rng, rng.randint(8, 14), foreign=0).capitalize() + "." for _ in range(6)]
    return separator.join(words)


def _attribute_bomb(attributes: int) -> bytes:
    """One element with `attributes` distinct attributes: the parser's time grew with their
    square (200,000: over two minutes in C, where no deadline reaches)."""
    attrs = b" ".join(b"a%d=x" % i for i in range(attributes))
    return b"<html><body><div " + attrs + b"><p>" + b"a few words here. " * 20 + b"</p></div>"


def write_issue_cases(w: Writer, huge: bool) -> None:
    """The inputs of issue 12 that a reader or a step must handle: glued separators, binary
    content, malformed record headers, same-named files in two folders, repeated ids, an
    input's own fields that clash with thresher's, and pages the HTML parser chokes on."""
    rng = random.Random(12)
    lines = [
        orjson.dumps({"id": f"sep-{ord(sep):x}", "text": _separated_text(rng, sep)})
        for sep in LINE_SEPARATORS
    ]
    w.write("cases/separators.jsonl", b"\n".join(lines) + b"\n", len(lines), "line-separators")
    binary = bytes(rng.randrange(256) for _ in range(200_000))
    w.write("cases/binary.html", binary, 1, "binary-html")
    w.write("cases/binary.txt", b" date 2025-01-01 200\n" + binary[:20_000], 1, "binary-txt")
    controls = "".join(chr(rng.choice([*range(1, 9), *range(14, 32)])) for _ in range(5_000))
    w.write("cases/controls.jsonl", orjson.dumps({"text": controls}) + b"\n", 1, "control-text")
    for stem, header in BAD_HEADERS:
        body = prose(rng, 3)
        w.write(f"cases/{stem}.txt", (header + "\n" + body).encode(), 1, "bad-header")
    for folder in ("a", "b"):  # the same file names in two folders: two sources, two ids
        w.write(
            f"cases/{folder}/rec.txt",
            f" date 2025-01-0{len(folder)} 200\n{prose(rng)}".encode(),
            1,
            "same-name",
        )
        body = orjson.dumps({"text": prose(rng, 2)}) + b"\n"
        w.write(f"cases/{folder}/x.jsonl.gz", _gzip(body), 1, "same-name")
    repeated = [orjson.dumps({"id": "same", "text": prose(rng, 2)}) for _ in range(3)]
    w.write("cases/repeated-ids.jsonl", b"\n".join(repeated) + b"\n", 3, "repeated-id")
    dolma = {
        "id": "dolma-1",
        "text": prose(rng, 3),
        "source": "common-crawl",
        "added": "2024-01-01T00:00:00Z",
        "metadata": {"url": "https://example.com/d", "language_score": 0.5, "nested": {"k": 1}},
        "language_score": 0.25,
    }
    w.write("cases/dolma.jsonl", orjson.dumps(dolma) + b"\n", 1, "input-fields")
    w.write("cases/attributes-20k.html", _attribute_bomb(20_000), 1, "attribute-bomb")
    if huge:
        w.write("cases/attributes-200k.html", _attribute_bomb(200_000), 1, "attribute-bomb")
        value = b'<html><body><div title="' + b"v" * 5_000_000 + b'"><p>text</p></div>'
        w.write("cases/attribute-value-5MB.html", value, 1, "huge-attribute-value")
        siblings = b"<html><body>" + b"<i a=1 b=2></i>" * 300_000 + b"</body></html>"
        w.write("cases/elements-300k.html", siblings, 1, "many-elements")


def readers_present() -> set[str]:
    """The formats thresher can read here (WARC and HTML only where their readers exist)."""
    try:
        from thresher.readers import FORMATS
    except ImportError:  # thresher not installed: assume the base formats
        return {"record", "jsonl", "parquet"}
    return set(FORMATS.values())


def generate(
    out: Path, records: int = 10_000, seed: int = 0, huge: bool = True, deep_html: bool = False
) -> dict[str, Any]:
    """Write the hostile corpus to `out` (which must be empty or absent) and return the
    manifest: {"records": total, "files": {source: {"records": n, "kinds": {...}}}, ...}.
    At least `records` records: what truncated streams lose is made up in a last JSONL file,
    and the manifest has the exact number. `huge` adds the multi-megabyte records and the
    decompression bombs; `deep_html` pages nested 20,000 and 100,000 deep."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise SystemExit(f"{out}: not empty")
    w = Writer(out, random.Random(seed))
    formats = readers_present()
    share = {"record": 0.2, "jsonl": 0.57, "parquet": 0.1, "warc": 0.08, "html": 0.05}
    share = {k: v for k, v in share.items() if k in formats}
    scale = sum(share.values())
    counts = {k: int(records * v / scale) for k, v in share.items()}
    counts["jsonl"] += records - sum(counts.values())
    write_txt(w, counts["record"], huge)
    write_jsonl(w, counts["jsonl"], 0)
    write_special_jsonl(w, huge)
    write_parquet(w, counts["parquet"], 0)
    depths = HTML_DEPTHS + DEEP_HTML_DEPTHS if deep_html else HTML_DEPTHS
    if "warc" in counts:
        write_warc(w, counts["warc"], 0, depths)
    if "html" in counts:
        write_html(w, counts["html"], depths)
    if {"html", "record", "jsonl"} <= formats:
        write_issue_cases(w, huge)
    missing = records - w.total
    if missing > 0:
        kinds: Counter[str] = Counter()
        body = _jsonl_body(w.rng, missing, 10 * records, kinds)
        w.write("jsonl/top-up.jsonl", body, missing, *kinds.elements())
    kinds: Counter[str] = Counter()
    for entry in w.files.values():
        kinds.update(entry.kinds)
    return {
        "seed": seed,
        "records": w.total,
        "kinds": dict(sorted(kinds.items())),
        "files": {
            f"{out.name}/{rel}": {"records": e.records, "kinds": dict(sorted(e.kinds.items()))}
            for rel, e in sorted(w.files.items())
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Then: thresher run OUT -o RUN --workers 2, and compare RUN/summary.json's"
        " `files` with OUT.manifest.json.",
    )
    parser.add_argument("out", type=Path, help="folder to write (must be empty or absent)")
    parser.add_argument("--records", type=int, default=10_000, help="about how many records")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-huge", action="store_true", help="leave out the multi-megabyte records and bombs"
    )
    parser.add_argument(
        "--deep-html",
        action="store_true",
        help="add HTML pages nested 20,000 and 100,000 deep (the extractor is slow on them)",
    )
    args = parser.parse_args(argv)
    manifest = generate(
        args.out, args.records, args.seed, huge=not args.no_huge, deep_html=args.deep_html
    )
    path = args.out.parent / f"{args.out.name}.manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{manifest['records']} records in {len(manifest['files'])} files under {args.out}")
    print(f"manifest: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
