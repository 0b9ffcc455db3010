"""The report from the records its workers write chunk by chunk (thresher.report.collect):
the same page, byte for byte, as reading every shard, for one or two workers, on Ray, for a
resumed run, for Parquet shards, and for run folders whose records are missing, damaged or do
not cover what the report needs (those chunks are read whole)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from conftest import ROOT
from news_corpus import write_corpus

import thresher
from thresher import Document, Recipe, Repair, WriterOptions
from thresher.cli import main
from thresher.dedup import Dedup
from thresher.report import collect, render, write_report
from thresher.report.collect import SignalCover, document_hash, raw_groups, signal_bound
from thresher.report.reading import Group, RunView, documents, read_run
from thresher.run import accounting, plan
from thresher.run.accounting import OTHER_RULE

EXAMPLES = ROOT / "examples" / "corpus"


def run_mixed(tmp_path: Path, name: str, recipe: Recipe, workers: int = 1) -> Path:
    """News pages (copies for dedup, a disclaimer for site-boilerplate) and the examples
    (error pages, quality rejections, edits), in small chunks and several units."""
    corpus = tmp_path / "news"
    if not corpus.exists():
        write_corpus(corpus, files=4, per_file=70)
    out = tmp_path / name
    thresher.run([str(corpus), str(EXAMPLES)], out, recipe, workers=workers, records_per_chunk=15)
    return out


def both_views(out: Path) -> tuple[RunView, RunView]:
    """The report's view from the records, and from reading every shard."""
    return read_run(out), read_run(out, records=False)


def records_of(out: Path) -> list[Path]:
    return sorted((out / ".work" / "done").glob("*" + collect.RECORD_SUFFIX))


def shard_count(out: Path) -> int:
    return sum(1 for name in ("kept", "rejected") for _ in (out / name).iterdir())


def reference_samples(out: Path, k: int) -> dict[str, list[str]]:
    """Each group's documents of smallest (hash, reading order), by brute force."""
    summary = orjson.loads((out / "summary.json").read_bytes())
    known = {reason: set(rules) for reason, rules in summary.get("rules", {}).items()}
    found: dict[str, list[tuple[int, int, str]]] = {}
    for seq, doc in enumerate(documents(out)):
        for kind, reason, rule in raw_groups(doc):
            if kind == "rejected" and reason in known and rule not in known[reason]:
                rule = OTHER_RULE
            key = Group(kind=kind, reason=reason, rule=rule).key
            found.setdefault(key, []).append((document_hash(doc), seq, doc.id))
    return {key: [doc_id for _, _, doc_id in sorted(docs)[:k]] for key, docs in found.items()}


@pytest.fixture(scope="module")
def mixed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The default recipe over the mixed corpus with one and with two workers (units of at
    most three small files; summary.json lists one rule a reason, the rest as "(other)")."""
    tmp_path = tmp_path_factory.mktemp("mixed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan, "RECORD_FILES_PER_UNIT", 3)
        patch.setattr(accounting, "RULES_SHOWN", 1)
        return {w: run_mixed(tmp_path, f"w{w}", Recipe.default(), w) for w in (1, 2)}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_records_give_the_page_of_reading_every_shard(
    mixed_runs: dict[int, Path], workers: int
) -> None:
    out = mixed_runs[workers]
    merged, read = both_views(out)
    assert merged.shards_read == 0 and read.shards_read == shard_count(out) > 10
    assert render(merged) == render(read)
    assert write_report(out).read_text(encoding="utf-8") == render(merged)
    expected = reference_samples(out, merged.samples_per_group)
    assert {key: [s.id for s in samples] for key, (_, _, samples) in merged.groups.items()} == (
        expected
    )
    # the page has every part the records carry: rejections by rule, edits, clusters, sites
    kinds = {group.kind for group, _, _ in merged.groups.values()}
    assert {"rejected", "edited", "kept"} <= kinds
    assert any(group.rule == OTHER_RULE for group, _, _ in merged.groups.values())
    # (the example corpus's documents have no URL; which clusters are the largest shown
    # depends on ids that hold the checkout's folder name)
    assert merged.cluster_urls and any(merged.cluster_urls.values())
    assert merged.site_cleaned and merged.signals
    assert merged.cluster_urls == read.cluster_urls and merged.site_cleaned == read.site_cleaned


def test_the_page_is_the_same_for_one_or_two_workers(mixed_runs: dict[int, Path]) -> None:
    one, two = (read_run(mixed_runs[w]) for w in (1, 2))
    two.timing = one.timing  # the seconds and workers differ, nothing else
    two.folder = one.folder
    assert render(one) == render(two)


def test_the_records_are_json_beside_the_chunks_done_records(mixed_runs: dict[int, Path]) -> None:
    out = mixed_runs[2]
    records = records_of(out)
    chunks = {p.name.removesuffix(".jsonl") for p in (out / "kept").iterdir()}
    chunks |= {p.name.removesuffix(".jsonl") for p in (out / "rejected").iterdir()}
    assert {p.name.removesuffix(collect.RECORD_SUFFIX) for p in records} >= chunks
    for path in records:
        record = orjson.loads(path.read_bytes())
        assert record["version"] == collect.RECORD_VERSION and record["signal_cover"] is None
        assert not path.stat().st_mode & 0o111


@pytest.mark.parametrize("recipe", ["default", "fineweb-filters"])  # two passes, and one
def test_records_under_a_small_signal_bound_and_a_bound_they_do_not_cover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recipe: str
) -> None:
    monkeypatch.setattr(collect, "SIGNAL_DOCUMENTS", 40)
    out = run_mixed(tmp_path, "run", Recipe.named(recipe))
    covers = [orjson.loads(p.read_bytes())["signal_cover"] for p in records_of(out)]
    assert any(cover is not None for cover in covers)  # a chunk kept some signals only
    merged, read = both_views(out)
    assert merged.shards_read == 0 and render(merged) == render(read)
    total = read.summary["kept"] + read.summary["rejected"]
    measured = [doc for doc in documents(out) if doc.metadata.get("signals")]
    under = [doc for doc in measured if document_hash(doc) < signal_bound(total)]
    assert merged.signal_documents == len(under) < len(measured)
    # a report that shows more documents' signals than the records kept reads those chunks
    monkeypatch.setattr(collect, "SIGNAL_DOCUMENTS", 20_000)
    merged, read = both_views(out)
    assert 0 < merged.shards_read <= read.shards_read
    assert render(merged) == render(read) and merged.signal_documents == len(measured)


def test_more_samples_than_the_records_hold_read_the_shards(mixed_runs: dict[int, Path]) -> None:
    out = mixed_runs[1]
    more = read_run(out, samples_per_group=collect.SAMPLES_PER_GROUP + 5)
    assert more.shards_read == shard_count(out)
    fewer = read_run(out, samples_per_group=3)
    assert fewer.shards_read == 0
    assert render(fewer) == render(read_run(out, samples_per_group=3, records=False))


CRASH_AT: list[int] = []
SEEN = [0]


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so no step swallows it."""


@dataclass(frozen=True, kw_only=True)
class CrashAt(Repair):
    """Counts the documents it sees and dies at the one CRASH_AT names (test only)."""

    name = "crash-at"

    def repair(self, doc: Document) -> Document:
        SEEN[0] += 1
        if CRASH_AT and SEEN[0] == CRASH_AT[0]:
            raise Crash
        return doc


def test_a_run_resumed_in_its_last_pass_reuses_the_records_and_gives_the_same_page(
    tmp_path: Path,
) -> None:
    recipe = Recipe(steps=(*Recipe.named("repairs").steps, Dedup(), CrashAt()))
    reference = run_mixed(tmp_path, "ref", recipe)
    SEEN[0] = 0
    CRASH_AT[:] = [100]  # in the last pass (after dedup), a few chunks of 15 in
    try:
        with pytest.raises(Crash):
            run_mixed(tmp_path, "out", recipe)
    finally:
        CRASH_AT.clear()
    out = tmp_path / "out"
    before = {p.name: p.stat().st_mtime_ns for p in records_of(out)}
    assert len(before) >= 3
    run_mixed(tmp_path, "out", recipe)
    after = {p.name: p.stat().st_mtime_ns for p in records_of(out)}
    assert {name: after[name] for name in before} == before  # read back, not redone
    merged, read = both_views(out)
    assert merged.shards_read == 0 and render(merged) == render(read)
    assert merged.cluster_urls
    unbroken = read_run(reference)
    merged.timing, merged.folder = unbroken.timing, unbroken.folder  # the starts differ
    assert render(merged) == render(unbroken)


def test_a_run_folder_without_records_or_with_stale_ones_is_read(
    mixed_runs: dict[int, Path], tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    shutil.copytree(mixed_runs[1], out)
    page = render(read_run(out))
    records_of(out)[0].write_bytes(b"{not json")  # damaged: its chunk is read
    view = read_run(out)
    assert render(view) == page and view.shards_read in (1, 2)
    shard = sorted((out / "kept").iterdir())[1]
    with shard.open("ab") as lines:
        lines.write(b"\n")  # the shard is not the one its record describes
    view = read_run(out)
    assert render(view) == page and view.shards_read >= 2
    for path in records_of(out):  # as a thresher before them left the run folder
        path.unlink()
    view = read_run(out)
    assert render(view) == page and view.shards_read == shard_count(out)


@pytest.mark.parametrize(
    "damage",
    [
        {"groups": 5},
        {"groups": [["x"]]},
        {"groups": [["kept", "", "", 1, [[1, 7, 0]]]]},  # a shard folder that is not there
        {"signals": "x"},
        {"signals": {"hashes": [1], "columns": {"words": [[[5], [1.0]], [[], []]]}}},
        {"signals": {"hashes": [1], "columns": {"words": [[[0], ["many"]], [[], []]]}}},
        {"cluster_places": {"a": 3}},
        {"sites": {"a": "b"}},
    ],
)
def test_a_record_of_the_wrong_shape_is_not_merged_but_its_chunk_read(
    mixed_runs: dict[int, Path], tmp_path: Path, damage: dict[str, object]
) -> None:
    out = tmp_path / "copy"
    shutil.copytree(mixed_runs[1], out)
    page = render(read_run(out))
    record = records_of(out)[0]
    record.write_bytes(orjson.dumps({**orjson.loads(record.read_bytes()), **damage}))
    view = read_run(out)
    assert render(view) == page and view.shards_read >= 1


def test_report_and_show_on_a_run_folder_without_records(
    mixed_runs: dict[int, Path], tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    shutil.copytree(mixed_runs[2], out)
    with_records = write_report(out, tmp_path / "with.html").read_bytes()
    for path in records_of(out):  # as a thresher before them left the run folder
        path.unlink()
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").read_bytes() == with_records
    result = CliRunner().invoke(main, ["show", str(out), "--reason", "exact-duplicate"])
    assert result.exit_code == 0 and "exact-duplicate" in result.output


def test_parquet_shards_give_the_same_page_from_their_records(tmp_path: Path) -> None:
    recipe = Recipe(steps=Recipe.default().steps, writer=WriterOptions(format="parquet"))
    out = run_mixed(tmp_path, "run", recipe)
    assert next((out / "kept").iterdir()).suffix == ".parquet"
    merged, read = both_views(out)
    assert merged.shards_read == 0 and render(merged) == render(read)


def test_a_ray_run_gives_the_local_runs_page_from_its_records(
    mixed_runs: dict[int, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (the ray extra)")
    monkeypatch.setattr(plan, "RECORD_FILES_PER_UNIT", 3)  # as the local runs were made
    monkeypatch.setattr(accounting, "RULES_SHOWN", 1)
    out = tmp_path / "ray"
    thresher.run(
        [str(mixed_runs[1].parent / "news"), str(EXAMPLES)],
        out,
        Recipe.default(),
        workers=2,
        engine="ray",
        records_per_chunk=15,
    )
    on_ray, local = read_run(out), read_run(mixed_runs[1])
    assert on_ray.shards_read == 0
    on_ray.timing, on_ray.folder = local.timing, local.folder
    assert render(on_ray) == render(local)


def test_a_chunks_signal_cover_only_falls_and_holds_for_a_run_as_large_as_it_guesses() -> None:
    run = 1_000_000
    for cover in (
        SignalCover(unit_documents=0, unit_bytes=100, run_bytes=100_000),
        SignalCover(unit_documents=30_000, unit_bytes=100, run_bytes=100_000),
        SignalCover(unit_documents=30_000, unit_bytes=0, run_bytes=0, run_documents=run),
    ):
        covers = [cover(n) for n in range(0, 40_000, 1_000)]
        as_numbers = [collect.HASH_SPACE if c is None else c for c in covers]
        assert as_numbers == sorted(as_numbers, reverse=True)
    # given the run's documents (a later pass), a chunk keeps exactly what the report shows
    assert cover(10) == signal_bound(run)
    # guessed, the cover holds for any run of no more documents than the guess
    guessed = SignalCover(unit_documents=50_000, unit_bytes=100, run_bytes=1_000)
    least = max(50_010, 50_010 * 10 // collect.COVER_HEADROOM)
    assert guessed(10) == signal_bound(least) >= signal_bound(least + 1)
    assert SignalCover(unit_documents=5, unit_bytes=100, run_bytes=1_000)(10) is None
