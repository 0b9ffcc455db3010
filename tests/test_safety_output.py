"""Issue 12: the output folder and the dedup index are safe in a user's hands. An output that
overlaps an input is refused, `--force` replaces only a thresher run (after taking the folder's
lock), a forced rerun forgets its own index additions, a damaged index or a bad `-o` is refused
before any record is read, and a refused resume says what changed."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

import thresher
from thresher import ConfigError, OutputError, Recipe
from thresher.cli import main
from thresher.dedup import Dedup

DEDUP = Recipe.named("dedup")
REPAIRS = Recipe.named("repairs")
WORDS = [
    *("harbour", "council", "budget", "river", "market", "school", "winter", "garden", "station"),
    *("bridge", "library", "museum", "farmer", "teacher", "doctor", "village", "mountain"),
    *("forest", "island", "engine", "letter", "window", "kitchen", "summer", "evening"),
    *("morning", "report", "season", "festival", "weather", "traffic", "railway", "hospital"),
]


def article(seed: int, words: int = 60) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def corpus(folder: Path, prefix: str, seeds: range) -> Path:
    write_jsonl(folder / "crawl.jsonl", [{"id": f"{prefix}{s}", "text": article(s)} for s in seeds])
    return folder


def kept_ids(out: Path) -> list[str]:
    return [
        orjson.loads(line)["id"]
        for shard in sorted((out / "kept").iterdir())
        for line in shard.read_bytes().splitlines()
    ]


def all_documents(out: Path) -> list[dict[str, object]]:
    return [
        orjson.loads(line)
        for folder in ("kept", "rejected")
        for shard in sorted((out / folder).iterdir())
        for line in shard.read_bytes().splitlines()
    ]


# ---------------------------------------------------------------- 1: --force and the inputs


@pytest.mark.parametrize("where", ["same", "inside", "containing", "dotdot", "symlink"])
def test_an_output_folder_that_overlaps_an_input_is_refused_even_with_force(
    tmp_path: Path, where: str
) -> None:
    inputs = corpus(tmp_path / "x" / "in", "a", range(3))
    before = (inputs / "crawl.jsonl").read_bytes()
    (tmp_path / "link").symlink_to(inputs)
    output = {
        "same": inputs,
        "inside": inputs / "out",
        "containing": tmp_path / "x",
        "dotdot": inputs / ".." / "in",
        "symlink": tmp_path / "link",
    }[where]
    for force in (False, True):
        with pytest.raises(ConfigError) as refused:
            thresher.run([str(inputs)], output, REPAIRS, force=force)
        message = str(refused.value)
        assert str(output) in message and str(inputs) in message
        assert "--force" not in message
    assert sorted(p.name for p in inputs.iterdir()) == ["crawl.jsonl"]
    assert (inputs / "crawl.jsonl").read_bytes() == before


def test_an_index_inside_an_input_is_refused(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    with pytest.raises(ConfigError, match="index"):
        thresher.run([str(inputs)], tmp_path / "out", DEDUP, index=inputs / "idx")
    assert not (inputs / "idx").exists()


def test_the_cli_refuses_output_equal_to_input_in_one_line_and_keeps_the_input(
    tmp_path: Path,
) -> None:
    inputs = corpus(tmp_path / "x" / "in", "a", range(3))
    for extra in ([], ["--force"]):
        result = CliRunner().invoke(main, ["run", str(inputs), "-o", str(inputs), *extra])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert sorted(p.name for p in inputs.iterdir()) == ["crawl.jsonl"]


def test_force_refuses_a_folder_that_holds_no_run_and_lists_it(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.txt").write_text("three years of work")
    (out / "figures").mkdir()
    for force in (False, True):
        with pytest.raises(OutputError) as refused:
            thresher.run([str(inputs)], out, REPAIRS, force=force)
        assert "thesis.txt" in str(refused.value) and "figures" in str(refused.value)
        assert "pass --force" not in str(refused.value)
    assert (out / "thesis.txt").read_text() == "three years of work"
    assert sorted(p.name for p in out.iterdir()) == ["figures", "thesis.txt"]


def test_force_replaces_a_run_but_leaves_what_the_user_put_beside_it(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, REPAIRS)
    (out / "thesis.txt").write_text("mine")
    with pytest.raises(ConfigError, match="--force"):
        thresher.run([str(inputs)], out, DEDUP)
    summary = thresher.run([str(inputs)], out, DEDUP, force=True)
    assert summary.balanced
    assert (out / "thesis.txt").read_text() == "mine"
    assert Recipe.load(out / "recipe.yaml") == DEDUP


def test_force_leaves_what_the_user_put_in_the_runs_own_folders(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, DEDUP)
    (out / "kept" / "mine.txt").write_text("mine")
    (out / "kept" / "part-notes.txt").write_text("mine too")  # named like, but not, a shard
    (out / "dedup-index" / "notes").mkdir()
    (out / "dedup-index" / "notes" / "a.txt").write_text("also mine")
    with pytest.raises(OutputError, match=r"dedup index .* holds files a run does not write"):
        thresher.run([str(inputs)], out, DEDUP, force=True)
    assert (out / "dedup-index" / "notes" / "a.txt").read_text() == "also mine"
    shutil.move(out / "dedup-index" / "notes", tmp_path / "notes")
    assert thresher.run([str(inputs)], out, DEDUP, force=True).balanced
    assert (out / "kept" / "mine.txt").read_text() == "mine"
    assert (out / "kept" / "part-notes.txt").read_text() == "mine too"
    shards = sorted((out / "kept").glob("part-*.jsonl")) + sorted(
        (out / "rejected").glob("*.jsonl")
    )
    ids = [orjson.loads(line)["id"] for shard in shards for line in shard.read_bytes().splitlines()]
    assert sorted(ids) == ["a0", "a1", "a2"]  # the new run's shards, beside the user's file


def test_a_run_folder_inside_an_input_folder_is_not_read_back(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    thresher.run([str(inputs)], tmp_path / "first", DEDUP)
    shutil.move(tmp_path / "first", inputs / "first")  # a user moves a run into the inputs
    summary = thresher.run([str(inputs)], tmp_path / "second", DEDUP)
    assert summary.to_dict()["in"] == 3


# ---------------------------------------------------------------- 2: --force with --index


def test_a_forced_rerun_with_an_index_forgets_its_own_additions(tmp_path: Path) -> None:
    day1 = corpus(tmp_path / "day1", "a", range(10))
    day2 = corpus(tmp_path / "day2", "b", range(5, 20))  # 5 copies of day 1, 10 new
    thresher.run([str(day1)], tmp_path / "A", DEDUP)
    index = tmp_path / "A" / "dedup-index"
    thresher.run([str(day2)], tmp_path / "r2", DEDUP, index=index)
    first = kept_ids(tmp_path / "r2")
    assert len(first) == 10
    thresher.run([str(day2)], tmp_path / "r2", DEDUP, index=index, force=True)
    assert kept_ids(tmp_path / "r2") == first
    for doc in all_documents(tmp_path / "r2"):
        assert doc["metadata"].get("duplicate_of") != doc["id"]  # type: ignore[union-attr]
    manifest = orjson.loads((index / "index.json").read_bytes())
    assert [s["documents"] for s in manifest["segments"]] == [10, 10]
    # replacing A, whose folder holds the index, keeps what r2 added to it
    thresher.run([str(day1)], tmp_path / "A", DEDUP, force=True)
    manifest = orjson.loads((index / "index.json").read_bytes())
    assert sorted(s["documents"] for s in manifest["segments"]) == [10, 10]
    assert len(kept_ids(tmp_path / "A")) == 10


def test_the_same_command_twice_into_two_folders_gives_identical_run_files(
    tmp_path: Path,
) -> None:
    inputs = corpus(tmp_path / "in", "a", range(4))
    for name in ("o1", "o2"):
        thresher.run([str(inputs)], tmp_path / name, DEDUP)
    for name in ("run.json", "dedup-index/index.json"):
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes()


# ---------------------------------------------------------------- 11: refused before any work


def test_an_output_that_is_not_a_folder_is_one_clear_error(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    (tmp_path / "file").write_text("x")
    for output in ("/dev/null", str(tmp_path / "file")):
        with pytest.raises(OutputError, match="not a folder"):
            thresher.run([str(inputs)], output, REPAIRS)
    assert (tmp_path / "file").read_text() == "x"
    result = CliRunner().invoke(main, ["run", str(inputs), "-o", "/dev/null"])
    assert result.exit_code == 2 and "not a folder" in result.output
    assert "Traceback" not in result.output


def _damage(index: Path, how: str) -> None:
    part = next((index / "segments" / "00000").iterdir())
    if how == "keys cut short":
        keys = part / "keys.npz"
        keys.write_bytes(keys.read_bytes()[:100])
    elif how == "empty meta":
        (part / "meta.jsonl").write_bytes(b"")
    elif how == "missing part":
        manifest = orjson.loads((index / "index.json").read_bytes())
        manifest["segments"][0]["parts"].append("part-00009-c00000")
        (index / "index.json").write_bytes(orjson.dumps(manifest))
    elif how == "shingles cut short":
        shingles = part / "shingles.npy"
        shingles.write_bytes(shingles.read_bytes()[:140])


@pytest.mark.parametrize(
    "how", ["keys cut short", "empty meta", "missing part", "shingles cut short"]
)
def test_a_damaged_index_is_refused_before_any_record_is_read(tmp_path: Path, how: str) -> None:
    day1 = corpus(tmp_path / "day1", "a", range(10))
    day2 = corpus(tmp_path / "day2", "b", range(5, 20))
    index = tmp_path / "index"
    thresher.run([str(day1)], tmp_path / "r1", DEDUP, index=index)
    _damage(index, how)
    with pytest.raises(ConfigError, match=f"dedup index {index}"):
        thresher.run([str(day2)], tmp_path / "r2", DEDUP, index=index)
    assert not list((tmp_path / "r2" / ".work" / "done").glob("*"))
    result = CliRunner().invoke(
        main, ["run", str(day2), "-o", str(tmp_path / "r3"), "-r", "dedup", "--index", str(index)]
    )
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output


def test_a_damaged_index_is_refused_before_force_replaces_anything(tmp_path: Path) -> None:
    index = tmp_path / "index"
    day1 = corpus(tmp_path / "day1", "a", range(10))
    thresher.run([str(day1)], tmp_path / "r1", DEDUP, index=index)
    day2 = corpus(tmp_path / "day2", "b", range(5, 20))
    out = tmp_path / "r2"
    thresher.run([str(day2)], out, DEDUP, index=index)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _damage(index, "keys cut short")
    with pytest.raises(ConfigError, match=f"dedup index {index}"):
        thresher.run([str(day2)], out, DEDUP, index=index, force=True)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


# ---------------------------------------------------------------- 13: a lock on the run folder


def _hold_lock(out: Path, pid: int) -> int:
    (out / ".work").mkdir(parents=True, exist_ok=True)
    handle = os.open(out / ".work" / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(handle, orjson.dumps({"pid": pid, "host": "elsewhere"}))
    return handle


def test_a_second_run_into_a_locked_folder_says_which_process_holds_it(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, REPAIRS)
    before = sorted(p.relative_to(out) for p in out.rglob("*") if ".work" not in p.parts)
    handle = _hold_lock(out, 4242)
    try:
        for force in (False, True):
            with pytest.raises(OutputError, match=r"4242.*elsewhere"):
                thresher.run([str(inputs)], out, DEDUP, force=force)
    finally:
        os.close(handle)
    assert sorted(p.relative_to(out) for p in out.rglob("*") if ".work" not in p.parts) == before
    assert thresher.run([str(inputs)], out, DEDUP, force=True).balanced  # the lock is free again


def test_two_runs_extending_one_index_at_once_are_refused(tmp_path: Path) -> None:
    index = tmp_path / "index"
    day1 = corpus(tmp_path / "day1", "a", range(10))
    handle = os.open(_new_file(index / "lock"), os.O_RDWR)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(handle, orjson.dumps({"pid": 4343, "host": "elsewhere"}))
    try:
        with pytest.raises(OutputError, match=r"dedup index .*4343.*elsewhere"):
            thresher.run([str(day1)], tmp_path / "r1", DEDUP, index=index)
    finally:
        os.close(handle)
    assert not (tmp_path / "r1").exists()
    summary = thresher.run([str(day1)], tmp_path / "r1", DEDUP, index=index)  # a free lock
    assert summary.balanced and (index / "index.json").exists()


def _new_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return path


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    script = (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
        " fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'{\"pid\": 1}'); os._exit(9)"
    )
    (out / ".work").mkdir(parents=True)
    subprocess.run([sys.executable, "-c", script, str(out / ".work" / "lock")], check=False)
    assert thresher.run([str(inputs)], out, REPAIRS).balanced


# ---------------------------------------------------------------- 17: what changed


def test_a_refused_resume_names_the_changed_input(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    thresher.run([str(inputs)], tmp_path / "out", REPAIRS)
    with (inputs / "crawl.jsonl").open("ab") as more:
        more.write(orjson.dumps({"id": "extra", "text": article(99)}) + b"\n")
    write_jsonl(inputs / "new.jsonl", [{"id": "n", "text": article(5)}])
    with pytest.raises(ConfigError) as refused:
        thresher.run([str(inputs)], tmp_path / "out", REPAIRS)
    message = str(refused.value)
    size = (inputs / "crawl.jsonl").stat().st_size
    assert "in/crawl.jsonl" in message and f"{size} bytes" in message
    assert "in/new.jsonl" in message and "--force" in message


def test_a_refused_resume_shows_the_recipe_lines_chunk_size_and_index(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    thresher.run([str(inputs)], tmp_path / "out", DEDUP, records_per_chunk=4)
    changed = Recipe(steps=(Dedup(ngram=4),))
    with pytest.raises(ConfigError) as refused:
        thresher.run([str(inputs)], tmp_path / "out", changed, records_per_chunk=4)
    assert "-  ngram: 3" in str(refused.value) and "+  ngram: 4" in str(refused.value)
    with pytest.raises(ConfigError, match=r"records per chunk: 4 before, 5 now"):
        thresher.run([str(inputs)], tmp_path / "out", DEDUP, records_per_chunk=5)
    with pytest.raises(ConfigError, match=r"dedup index: .*before.*idx.*now"):
        thresher.run(
            [str(inputs)], tmp_path / "out", DEDUP, records_per_chunk=4, index=tmp_path / "idx"
        )


def test_an_old_run_file_without_details_still_gives_the_generic_message(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    thresher.run([str(inputs)], tmp_path / "out", REPAIRS)
    run_file = tmp_path / "out" / "run.json"
    record = orjson.loads(run_file.read_bytes())
    run_file.write_bytes(orjson.dumps({"version": 1, "fingerprint": record["fingerprint"]}))
    assert thresher.run([str(inputs)], tmp_path / "out", REPAIRS).balanced  # still resumes
    with pytest.raises(ConfigError, match="different recipe, inputs, chunk size or index"):
        thresher.run([str(inputs)], tmp_path / "out", DEDUP)


# ------------------------------------------------ found by a review: links, versions, indexes


@pytest.mark.parametrize("force", [False, True])
def test_a_link_among_the_run_folders_own_entries_is_refused(tmp_path: Path, force: bool) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, REPAIRS)
    scratch = tmp_path / "scratch"
    shutil.copytree(out / ".work", scratch)
    (scratch / "keep.txt").write_text("precious", encoding="utf-8")
    (scratch / "project").mkdir()
    shutil.rmtree(out / ".work")
    (out / ".work").symlink_to(scratch, target_is_directory=True)
    with pytest.raises(OutputError, match=r"\.work in it is a link"):
        thresher.run([str(inputs)], out, REPAIRS, force=force)
    assert (scratch / "keep.txt").read_text(encoding="utf-8") == "precious"
    assert (scratch / "project").is_dir()


def test_a_run_folder_of_an_earlier_format_is_not_resumed(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, REPAIRS)
    record = orjson.loads((out / "run.json").read_bytes())
    record.update(version=1, fingerprint="0" * 32)  # as a run of the earlier format left it
    (out / "run.json").write_bytes(orjson.dumps(record))
    with pytest.raises(ConfigError, match="run folder format: 1 before"):
        thresher.run([str(inputs)], out, REPAIRS)
    assert thresher.run([str(inputs)], out, REPAIRS, force=True).balanced


def test_an_input_that_is_a_run_folder_is_refused_naming_its_kept_folder(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    thresher.run([str(inputs)], tmp_path / "run1", REPAIRS)
    with pytest.raises(ConfigError, match=r"run1/kept"):
        thresher.run([str(tmp_path / "run1")], tmp_path / "run2", REPAIRS)
    assert not (tmp_path / "run2").exists()
    summary = thresher.run([str(tmp_path / "run1" / "kept")], tmp_path / "run2", REPAIRS)
    assert summary.balanced and summary.totals.kept == 3


@pytest.mark.parametrize("where", ["is", "inside"])
def test_an_index_in_the_output_folder_is_refused_and_leaves_nothing(
    tmp_path: Path, where: str
) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    index = out if where == "is" else out / "idx"
    with pytest.raises(ConfigError, match="own index"):
        thresher.run([str(inputs)], out, DEDUP, index=index)
    assert not out.exists()
    assert thresher.run([str(inputs)], out, DEDUP).balanced  # the right command works


def test_force_locks_the_replaced_runs_own_index_while_it_forgets_its_segments(
    tmp_path: Path,
) -> None:
    inputs = corpus(tmp_path / "in", "a", range(6))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, DEDUP, index=tmp_path / "A")
    manifest = (tmp_path / "A" / "index.json").read_bytes()
    handle = os.open(tmp_path / "A" / "lock", os.O_RDWR)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(handle, orjson.dumps({"pid": 4444, "host": "elsewhere"}))
    try:
        with pytest.raises(OutputError, match=r"dedup index .*4444"):
            thresher.run([str(inputs)], out, DEDUP, index=tmp_path / "B", force=True)
    finally:
        os.close(handle)
    assert (tmp_path / "A" / "index.json").read_bytes() == manifest
    assert thresher.run([str(inputs)], out, DEDUP, index=tmp_path / "B", force=True).balanced
    assert orjson.loads((tmp_path / "A" / "index.json").read_bytes())["segments"] == []


# ------------------------------------------------ found by a second review


def test_a_fifo_named_run_json_is_never_opened(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    (inputs / "sub").mkdir()
    os.mkfifo(inputs / "sub" / "run.json")  # opened, it would block the run for ever
    os.mkfifo(tmp_path / "run.json")
    command = [sys.executable, "-m", "thresher", "run", str(inputs), "-o", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "in 3 = kept" in done.stdout


def test_a_refused_force_leaves_the_runs_own_index_whole(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(4))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, DEDUP)
    manifest = (out / "dedup-index" / "index.json").read_bytes()
    for name in ("index.json.bak", "lock-notes"):
        (out / "dedup-index" / name).write_text("mine")
        with pytest.raises(OutputError, match="holds files a run does not write"):
            thresher.run([str(inputs)], out, DEDUP, force=True)
        assert (out / "dedup-index" / "index.json").read_bytes() == manifest
        assert (out / "dedup-index" / name).read_text() == "mine"
        (out / "dedup-index" / name).unlink()


def test_a_link_at_a_temporary_name_is_not_written_through(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(3))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, REPAIRS)
    for done in (out / ".work" / "done").iterdir():
        done.unlink()  # as if the run had been killed before its chunks were recorded
    precious = tmp_path / "precious.jsonl"
    precious.write_text("precious")
    (out / "kept" / "part-00000-c00000.jsonl").unlink()
    (out / "kept" / "part-00000-c00000.jsonl.partial").symlink_to(precious)
    assert thresher.run([str(inputs)], out, REPAIRS).balanced
    assert precious.read_text() == "precious"
    assert not (out / "kept" / "part-00000-c00000.jsonl").is_symlink()


def test_a_runs_own_index_is_locked_against_a_run_using_it_as_its_index(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(4))
    out = tmp_path / "out"
    thresher.run([str(inputs)], out, DEDUP)
    handle = os.open(out / "dedup-index" / "lock", os.O_RDWR)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(handle, orjson.dumps({"pid": 4545, "host": "elsewhere"}))
    try:
        with pytest.raises(OutputError, match=r"dedup index .*4545"):
            thresher.run([str(inputs)], out, DEDUP, force=True)
    finally:
        os.close(handle)
    assert thresher.run([str(inputs)], out, DEDUP, force=True).balanced


def test_forcing_a_copy_of_a_run_folder_leaves_the_originals_segments(tmp_path: Path) -> None:
    inputs = corpus(tmp_path / "in", "a", range(4))
    index = tmp_path / "index"
    thresher.run([str(inputs)], tmp_path / "A", DEDUP, index=index)
    before = orjson.loads((index / "index.json").read_bytes())["segments"]
    shutil.copytree(tmp_path / "A", tmp_path / "B", symlinks=True)
    thresher.run([str(inputs)], tmp_path / "B", DEDUP, index=index, force=True)
    after = orjson.loads((index / "index.json").read_bytes())["segments"]
    assert after[: len(before)] == before  # A's segment stays; B's run adds its own


def test_the_read_offset_is_found_past_a_closed_descriptor(tmp_path: Path) -> None:
    from thresher.run.pipeline import _read_offset

    first, second = tmp_path / "a", tmp_path / "b"
    first.write_bytes(b"x" * 100)
    second.write_bytes(b"y" * 100)
    hole = os.open(first, os.O_RDONLY)
    with second.open("rb") as stream:
        os.close(hole)  # a closed descriptor below the input's
        stream.raw.read(40)
        assert _read_offset(second) == 40
