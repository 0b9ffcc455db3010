"""Issue 12, the input cases: every input has its own source name, a file named twice is read
once, repeated ids are counted and never confuse dedup, the input's own fields survive, small
files share units, skipped files are named, dolma's `.json.gz` is read, symlinked folders are
followed, an input with nothing to read is refused, and the README names the shards a run
writes."""

from __future__ import annotations

import gzip
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import xxhash
from click.testing import CliRunner

import thresher
from thresher import InputError, Recipe
from thresher.cli import main
from thresher.document import THRESHER_KEYS
from thresher.readers import discover
from thresher.run import plan

ROOT = Path(__file__).resolve().parent.parent
REPAIRS = Recipe.named("repairs")
DEDUP = Recipe.named("dedup")
BODY = (
    "The harbour board met on Monday to discuss the new ferry timetable, which adds two "
    "crossings a day in summer and keeps the winter service as it was last year."
)
OTHER = (
    "A small bakery on the corner of the square has won a regional prize for its rye bread, "
    "baked the old way in a wood-fired oven that the owner restored himself."
)
THIRD = (
    "Volunteers planted four hundred oak saplings along the river on Saturday, the first step "
    "of a plan to restore the flood meadow that was drained for farming a century ago."
)


def record_txt(body: str) -> str:
    return f" date 2025-01-02 200\n{body}"


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def output_records(out: Path, folder: str = "kept") -> list[dict[str, Any]]:
    if not (out / folder).exists():
        return []
    return [
        orjson.loads(line)
        for shard in sorted((out / folder).iterdir())
        for line in shard.read_bytes().splitlines()
    ]


def all_records(out: Path) -> list[dict[str, Any]]:
    return output_records(out, "kept") + output_records(out, "rejected")


def summary_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((out / "summary.json").read_bytes())
    return data


# ------------------------------------------------------------------ 3: source names


def test_same_file_name_in_two_folders_gets_two_source_names(tmp_path: Path) -> None:
    for folder, body in (("a", BODY), ("b", OTHER)):
        (tmp_path / "c1" / folder).mkdir(parents=True)
        (tmp_path / "c1" / folder / "rec.txt").write_text(record_txt(body), encoding="utf-8")
    inputs = [str(tmp_path / "c1" / "a" / "rec.txt"), str(tmp_path / "c1" / "b" / "rec.txt")]
    thresher.run(inputs, tmp_path / "out", REPAIRS)
    summary = summary_of(tmp_path / "out")
    assert sorted(summary["files"]) == ["a/rec.txt", "b/rec.txt"]
    assert sorted(r["id"] for r in all_records(tmp_path / "out")) == ["a/rec.txt:0", "b/rec.txt:0"]


def test_same_jsonl_gz_name_in_two_folders_stays_apart(tmp_path: Path) -> None:
    for folder, body in (("x", BODY), ("y", OTHER)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "part.jsonl.gz").write_bytes(gzip.compress(jsonl([{"text": body}])))
    inputs = [str(tmp_path / "x" / "part.jsonl.gz"), str(tmp_path / "y" / "part.jsonl.gz")]
    thresher.run(inputs, tmp_path / "out", REPAIRS)
    summary = summary_of(tmp_path / "out")
    assert sorted(summary["files"]) == ["x/part.jsonl.gz", "y/part.jsonl.gz"]
    assert summary["in"] == 2


def test_a_single_folder_keeps_its_naming(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "sub").mkdir(parents=True)
    (tmp_path / "corpus" / "sub" / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    files, _ = discover([str(tmp_path / "corpus")])
    assert [f.source for f in files] == ["corpus/sub/a.txt"]
    files, _ = discover([str(tmp_path / "corpus" / "sub" / "a.txt")])
    assert [f.source for f in files] == ["a.txt"]


@pytest.mark.parametrize("how", ["twice", "folder-and-file", "symlink"])
def test_a_file_named_twice_is_read_once_with_a_warning(tmp_path: Path, how: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    if how == "twice":
        inputs = [str(corpus / "a.txt"), str(corpus / "a.txt")]
    elif how == "folder-and-file":
        inputs = [str(corpus), str(corpus / "a.txt")]
    else:
        (tmp_path / "link.txt").symlink_to(corpus / "a.txt")
        inputs = [str(corpus / "a.txt"), str(tmp_path / "link.txt")]
    summary = thresher.run(inputs, tmp_path / "out", REPAIRS)
    data = summary_of(tmp_path / "out")
    assert data["in"] == 1 and summary.balanced
    assert len(data["warnings"]) == 1
    assert "a.txt" in data["warnings"][0] and "read once" in data["warnings"][0]


def test_cli_prints_the_warnings(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(tmp_path / "a.txt"), str(tmp_path / "a.txt"), "-o", str(out)]
    result = CliRunner().invoke(main, [*args, "--recipe", "repairs"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "read once" in result.output


# ------------------------------------------------------------------ 3: repeated ids


def _repeated_ids_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    # ids repeat within a file, across files, and across chunks (records_per_chunk=2)
    first = [{"id": f"r{i % 3}", "text": f"{BODY} {i}"} for i in range(7)]
    second = [{"id": "r1", "text": OTHER}, {"id": "new", "text": THIRD}]
    (corpus / "a.jsonl").write_bytes(jsonl(first))
    (corpus / "b.jsonl").write_bytes(jsonl(second))
    return corpus


@pytest.mark.parametrize("workers", [1, 2])
def test_repeated_ids_are_counted_in_the_summary(
    tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "SMALL_FILE_BYTES", 0)  # a unit per file: two units, two workers
    corpus = _repeated_ids_corpus(tmp_path)
    out = tmp_path / "out"
    thresher.run([str(corpus)], out, REPAIRS, workers=workers, records_per_chunk=2)
    # 9 records, distinct ids r0 r1 r2 new: 5 repeat an id seen before
    assert summary_of(out)["duplicate_ids"] == 5


def test_cli_says_how_many_ids_repeat(tmp_path: Path) -> None:
    corpus = _repeated_ids_corpus(tmp_path)
    args = ["run", str(corpus), "-o", str(tmp_path / "out"), "--recipe", "repairs"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "5 records repeat an id" in result.output


def _smallest_hash_first(*ids: str) -> list[str]:
    return sorted(ids, key=lambda i: xxhash.xxh3_64_intdigest(i.encode()))


def test_dedup_never_confuses_documents_that_share_an_id(tmp_path: Path) -> None:
    """Two clusters whose kept documents share an id; an exact copy carrying its original's
    id; two different texts under one id. Ties go to the smallest id hash, so `shared` is
    kept in both clusters."""
    shared, other_a, other_b = _smallest_hash_first("s-shared", "s-other-a", "s-other-b")
    records = [
        {"id": shared, "text": BODY},
        {"id": other_a, "text": BODY},  # a copy of the first: removed
        {"id": shared, "text": OTHER},
        {"id": other_b, "text": OTHER},  # a copy of the third: removed
        {"id": "twin", "text": THIRD},
        {"id": "twin", "text": THIRD},  # an exact copy with its original's id: removed
        {"id": "pair", "text": "Completely unrelated words about a garden party in June."},
        {"id": "pair", "text": "Another distinct sentence on the price of tea in winter."},
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_bytes(jsonl(records))
    summary = thresher.run([str(corpus)], tmp_path / "out", DEDUP)
    assert summary.balanced
    kept = output_records(tmp_path / "out", "kept")
    removed = output_records(tmp_path / "out", "rejected")
    assert sorted(d["text"] for d in kept) == sorted(
        [BODY, OTHER, THIRD, records[6]["text"], records[7]["text"]]
    )
    assert sorted((d["id"], d["reason"]) for d in removed) == sorted(
        [(other_a, "exact-duplicate"), (other_b, "exact-duplicate"), ("twin", "exact-duplicate")]
    )
    clusters = {d["metadata"]["cluster"]: d for d in kept if "cluster" in d["metadata"]}
    assert len(clusters) == 3  # one per cluster: the two `shared` keepers do not merge
    for copy in removed:
        keeper = clusters[copy["metadata"]["cluster"]]
        assert keeper["text"] == copy["text"]
        assert keeper["id"] == copy["metadata"]["duplicate_of"]
        assert [d["id"] for d in keeper["metadata"]["duplicates"]] == [copy["id"]]
    assert summary_of(tmp_path / "out")["dedup"]["clusters"] == 3


# ------------------------------------------------------------------ 4: the input's fields

DOLMA = {
    "id": "dolma-1",
    "text": BODY,
    "source": "common-crawl",
    "added": "2024-05-01T00:00:00Z",
    "created": "2019-03-02T10:11:12Z",
    "metadata": {
        "url": "https://harbour.example/ferry",
        "language": "en",
        "source": "cc-2019-13",
        "position": 77,
        "nested": {"a": [1, 2]},
    },
}
FINEWEB = {
    "text": OTHER,
    "id": "<urn:uuid:1f0a>",
    "dump": "CC-MAIN-2013-20",
    "url": "http://bakery.example/rye",
    "date": "2013-05-18T07:12:37Z",
    "file_path": "s3://commoncrawl/crawl-data/x.warc.gz",
    "language": "xx",
    "language_score": 0.25,
    "token_count": 45,
    "cluster": "theirs",
    "signals": {"theirs": 1},
}


def _input_values(record: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """Every leaf value of a record with the keys leading to it."""
    out: list[tuple[Any, ...]] = []
    for key, value in record.items():
        if isinstance(value, dict):
            out.extend(_input_values(value, (*path, key)))
        else:
            out.append(((*path, key), value))
    return out


def _findable(document: dict[str, Any], key_path: tuple[str, ...], value: Any) -> bool:
    """Whether `value` sits in the document under the key path, at the top of metadata or in
    metadata.input (text and id as themselves)."""
    if key_path in (("text",), ("id",)):
        return bool(document[key_path[0]] == value)
    for base in (document["metadata"], document["metadata"].get("input", {})):
        node: Any = base
        for key in key_path:
            node = node.get(key) if isinstance(node, dict) else None
        if node == value and node is not None:
            return True
    return False


@pytest.mark.parametrize("record", [DOLMA, FINEWEB], ids=["dolma", "fineweb"])
def test_the_inputs_own_fields_survive_a_run(tmp_path: Path, record: dict[str, Any]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_bytes(jsonl([record]))
    recipe = Recipe.default()
    thresher.run([str(corpus)], tmp_path / "out", recipe)
    (document,) = all_records(tmp_path / "out")
    lost = [
        (path, value)
        for path, value in _input_values(record)
        if path != ("text",) and not _findable(document, path, value)
    ]
    assert lost == []
    metadata = document["metadata"]
    assert metadata["source"] == "corpus/a.jsonl"  # thresher's own keys are thresher's
    assert metadata["input"].get("source", record.get("source")) == record.get("source")


def test_the_input_rule_for_a_fineweb_record(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_bytes(jsonl([FINEWEB]))
    thresher.run([str(corpus)], tmp_path / "out", Recipe.default())
    (document,) = all_records(tmp_path / "out")
    metadata = document["metadata"]
    assert metadata["input"] == {
        "language": "xx",
        "language_score": 0.25,
        "cluster": "theirs",
        "signals": {"theirs": 1},
    }
    assert metadata["language"] == "en"  # thresher's
    assert (metadata["url"], metadata["dump"], metadata["token_count"]) == (
        FINEWEB["url"],
        FINEWEB["dump"],
        FINEWEB["token_count"],
    )


def test_a_nested_metadata_object_is_kept_whole(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_bytes(jsonl([DOLMA]))
    thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    (document,) = all_records(tmp_path / "out")
    metadata = document["metadata"]
    assert metadata["input"]["metadata"] == DOLMA["metadata"]
    assert metadata["input"]["source"] == "common-crawl"
    assert (metadata["added"], metadata["created"]) == (DOLMA["added"], DOLMA["created"])
    assert metadata["url"] == "https://harbour.example/ferry"  # copied up for the steps


def test_every_key_a_step_computes_is_a_thresher_key() -> None:
    """The rule above holds only while this list is whole: a step's new metadata key joins it."""
    from thresher.dedup import step as dedup
    from thresher.extract import CHARSET, EXTRACTOR
    from thresher.quality.gopher import SIGNALS
    from thresher.quality.language import LANGUAGE, LANGUAGE_SCORE

    computed = {LANGUAGE, LANGUAGE_SCORE, SIGNALS, CHARSET, EXTRACTOR, "charset_source"}
    computed |= {dedup.CLUSTER, dedup.CLUSTER_SIZE, dedup.DUPLICATE_OF, dedup.DUPLICATES}
    assert computed <= THRESHER_KEYS


# ------------------------------------------------------------------ 14: small files


def _pages(root: Path, count: int) -> Path:
    pages = root / "pages"
    pages.mkdir()
    for n in range(count):
        text = f"{BODY} Page {n} has its own words: {'alpha beta gamma ' * (n % 5 + 1)}"
        html = f"<html><body><article><h1>Page {n}</h1><p>{text}</p></article></body></html>"
        (pages / f"p{n:03d}.html").write_text(html, encoding="utf-8")
    return pages


def test_small_files_share_units(tmp_path: Path) -> None:
    pages = _pages(tmp_path, 30)
    (pages / "small.jsonl").write_bytes(jsonl([{"text": OTHER}]))
    thresher.run([str(pages)], tmp_path / "one", DEDUP, workers=1)
    files = [p for p in (tmp_path / "one").rglob("*") if p.is_file()]
    shards = list((tmp_path / "one" / "kept").iterdir())
    assert len(shards) == 1, sorted(p.name for p in shards)
    # a run's own files and bookkeeping, however many inputs (31 here)
    assert len(files) <= 24, sorted(str(p.relative_to(tmp_path / "one")) for p in files)


def test_plan_groups_small_files_and_keeps_large_ones_apart(tmp_path: Path) -> None:
    for n in range(300):
        (tmp_path / f"p{n:03d}.html").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "small.jsonl").write_bytes(jsonl([{"text": OTHER}]))
    (tmp_path / "large.jsonl").write_bytes(b" " * plan.SMALL_FILE_BYTES + b"\n")
    files, _ = discover([str(tmp_path)])
    units = plan.plan_units(files)
    assert [len(u.files) for u in units] == [1, 301]
    assert units[0].files[0].path.name == "large.jsonl"


def test_grouped_units_are_the_same_for_any_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "RECORD_FILES_PER_UNIT", 5)  # 13 files: three units
    pages = _pages(tmp_path, 12)
    (pages / "big.jsonl").write_bytes(jsonl([{"text": f"{THIRD} {n}"} for n in range(3)]))
    thresher.run([str(pages)], tmp_path / "one", DEDUP, workers=1, records_per_chunk=5)
    thresher.run([str(pages)], tmp_path / "two", DEDUP, workers=2, records_per_chunk=5)
    for folder in ("kept", "rejected"):
        one = {p.name: p.read_bytes() for p in (tmp_path / "one" / folder).glob("*")}
        two = {p.name: p.read_bytes() for p in (tmp_path / "two" / folder).glob("*")}
        assert one == two
    assert summary_of(tmp_path / "one") == summary_of(tmp_path / "two")


# ------------------------------------------------------------------ 16: what is read


def test_cli_names_the_skipped_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    for name in ("notes.md", "table.csv"):
        (corpus / name).write_text("x", encoding="utf-8")
    args = ["run", str(corpus), "-o", str(tmp_path / "out"), "--recipe", "repairs"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "skipped 2 files of unknown format: corpus/notes.md, corpus/table.csv" in result.output


@pytest.mark.parametrize("name", ["docs.json.gz", "docs.json.zst"])
def test_dolma_json_names_are_read_as_jsonl(tmp_path: Path, name: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = jsonl([{"id": "d1", "text": BODY}, {"id": "d2", "text": OTHER}])
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".zst"):
        import zstandard

        data = zstandard.ZstdCompressor().compress(data)
    (corpus / name).write_bytes(data)
    summary = thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    data_out = summary_of(tmp_path / "out")
    assert summary.balanced and data_out["in"] == 2 and data_out["skipped_files"] == []


def test_a_plain_json_file_is_skipped_and_named_not_read_as_lines(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    (corpus / "config.json").write_bytes(b'{\n  "a pretty-printed": "config"\n}\n')
    thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    data = summary_of(tmp_path / "out")
    assert data["quarantined"] == 0 and data["skipped_files"] == ["corpus/config.json"]


def test_symlinked_folders_are_followed_without_looping(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    elsewhere = tmp_path / "elsewhere"
    corpus.mkdir()
    elsewhere.mkdir()
    (corpus / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    (elsewhere / "b.txt").write_text(record_txt(OTHER), encoding="utf-8")
    (corpus / "linked").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(corpus, target_is_directory=True)  # corpus -> linked -> loop
    files, _ = discover([str(corpus)])
    assert [f.source for f in files] == ["corpus/a.txt", "corpus/linked/b.txt"]


@pytest.mark.parametrize("content", ["nothing", "unknown", "empty-file"])
def test_an_input_with_nothing_to_read_is_refused(tmp_path: Path, content: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    if content == "unknown":
        (corpus / "notes.md").write_text("x", encoding="utf-8")
    elif content == "empty-file":
        (corpus / "a.jsonl").write_bytes(b"")
    with pytest.raises(InputError, match="nothing to read"):
        thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(main, ["run", str(corpus), "-o", str(tmp_path / "out2")])
    assert result.exit_code == 2
    assert "nothing to read" in result.output


# ------------------------------------------------------------------ 18: the README


def test_the_readme_names_the_shards_a_run_writes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    (corpus / "b.txt").write_text(" date 2025-01-02 404\nPage not found", encoding="utf-8")
    thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for folder in ("kept", "rejected"):
        documented = re.search(rf"`{folder}/(part-[^`.]*)\.jsonl`", readme)
        assert documented is not None, f"the README's table has no {folder}/ shard name"
        pattern = re.sub(r"([A-Z])\1*", lambda m: rf"\d{{{len(m.group())}}}", documented[1])
        written = [p.name for p in (tmp_path / "out" / folder).iterdir()]
        assert written and all(re.fullmatch(pattern + r"\.jsonl", n) for n in written), written


# ------------------------------------------------------------------ 16: files not read


def _special(folder: Path, kind: str) -> Path:
    """An entry of `kind` in `folder`, with a known suffix (so only its kind keeps it out)."""
    import os
    import socket

    if kind == "dangling-link":
        path = folder / "dangling.txt"
        path.symlink_to(folder / "missing.txt")
    elif kind == "fifo":
        path = folder / "pipe.txt"
        os.mkfifo(path)
    elif kind == "device":
        path = folder / "zero.txt"
        path.symlink_to("/dev/zero")
    else:
        path = folder / "s.jsonl"
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.bind(str(path))
        except OSError as exc:  # a path too long for a socket on this system
            pytest.skip(f"no socket here: {exc}")
        finally:
            sock.close()
    return path


_SPECIAL_WHY = {
    "dangling-link": "a link to a missing file",
    "fifo": "not a regular file (a FIFO)",
    "device": "not a regular file (a character device)",
    "socket": "not a regular file (a socket)",
}


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A FIFO that is opened blocks: such a test fails after 20 s instead of hanging."""

    def fail(signum: int, frame: object) -> None:
        raise TimeoutError("blocked: a special file was opened")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("kind", list(_SPECIAL_WHY))
def test_a_special_file_in_a_folder_is_skipped_and_named(tmp_path: Path, kind: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    special = _special(corpus, kind)
    summary = thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    data = summary_of(tmp_path / "out")
    source = f"corpus/{special.name}"
    assert summary.balanced and data["in"] == 1 and list(data["files"]) == ["corpus/a.txt"]
    assert data["skipped_files"] == [source]
    assert data["warnings"] == [f"{source}: {_SPECIAL_WHY[kind]}; skipped"]
    result = CliRunner().invoke(main, ["run", str(corpus), "-o", str(tmp_path / "o2")])
    assert result.exit_code == 0, result.output
    assert f"warning: {source}: {_SPECIAL_WHY[kind]}; skipped" in result.output
    assert "unknown format" not in result.output


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("kind", list(_SPECIAL_WHY))
def test_a_special_file_given_as_an_argument_is_refused(tmp_path: Path, kind: str) -> None:
    special = _special(tmp_path, kind)
    with pytest.raises(InputError, match=re.escape(f"{special}: {_SPECIAL_WHY[kind]}")):
        thresher.run([str(special)], tmp_path / "out", REPAIRS)
    assert not (tmp_path / "out").exists()
    for args in (["run", str(special), "-o", str(tmp_path / "o2")], ["clean", str(special)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and _SPECIAL_WHY[kind] in result.output


@pytest.mark.usefixtures("no_hang")
def test_a_folder_of_only_special_files_has_nothing_to_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _special(corpus, "fifo")
    with pytest.raises(InputError, match="nothing to read") as caught:
        thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    assert "corpus/pipe.txt" in str(caught.value) and "unknown format" not in str(caught.value)


def test_input_file_names_what_clean_reads(tmp_path: Path) -> None:
    from thresher.readers import input_file

    (tmp_path / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    item = input_file(tmp_path / "a.txt")
    assert (item.source, item.format) == ("a.txt", "record")
    with pytest.raises(InputError, match="no such file"):
        input_file(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="unknown format"):
        (tmp_path / "notes.md").write_text("x", encoding="utf-8")
        input_file(tmp_path / "notes.md")
    with pytest.raises(InputError, match="a folder"):
        input_file(tmp_path)


@pytest.mark.parametrize("content", ["blank-lines", "empty-gzip", "two-blank-files"])
def test_inputs_that_hold_no_record_end_with_an_error(tmp_path: Path, content: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    if content == "empty-gzip":
        (corpus / "e.jsonl.gz").write_bytes(gzip.compress(b""))
        files = 1
    else:
        (corpus / "a.jsonl").write_bytes(b"\n\n   \n")
        files = 1
        if content == "two-blank-files":
            (corpus / "b.jsonl").write_bytes(b"\n")
            files = 2
    message = f"nothing to read: {files} input file{'s' if files > 1 else ''} held no record"
    with pytest.raises(InputError, match=message):
        thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    assert summary_of(tmp_path / "out")["balanced"]  # the run folder is written, and balanced
    with pytest.raises(InputError, match=message):  # the same command: the same end
        thresher.run([str(corpus)], tmp_path / "out", REPAIRS)
    result = CliRunner().invoke(main, ["run", str(corpus), "-o", str(tmp_path / "o2")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output


def test_a_file_named_three_times_gives_one_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(record_txt(BODY), encoding="utf-8")
    thresher.run([str(corpus / "a.txt")] * 3, tmp_path / "out", REPAIRS)
    assert summary_of(tmp_path / "out")["warnings"] == ["a.txt is named 3 times: read once"]
    thresher.run([str(corpus)] * 3, tmp_path / "out2", REPAIRS)
    assert summary_of(tmp_path / "out2")["warnings"] == ["corpus is named 3 times: read once"]
