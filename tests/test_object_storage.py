"""Inputs, run folders and dedup indexes in object storage: an S3-protocol server (moto's, in
its own process on 127.0.0.1) serves them, and every run's output matches the local run's,
byte for byte. A run killed mid-way resumes from what reached the store, on a machine with
nothing of it staged; a store folder that is not a thresher run is never written in."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from conftest import ROOT
from news_corpus import write_corpus
from object_store import download, output_of, s3, store_files, upload

import thresher
from thresher import ConfigError, InputError, OutputError, Recipe
from thresher.storage import Mirror

EXAMPLES = ROOT / "examples" / "corpus"


def test_inputs_in_a_store_give_the_local_inputs_output(bucket: str, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", files=3, per_file=30)
    url = upload(corpus, bucket)
    local = thresher.run([str(corpus)], tmp_path / "local", records_per_chunk=20)
    stored = thresher.run([url], tmp_path / "from-store", records_per_chunk=20)
    assert stored.balanced and stored.to_dict() == local.to_dict()
    assert output_of(tmp_path / "from-store") == output_of(tmp_path / "local")
    assert sorted(stored.files) == [
        "corpus/part-0.jsonl",
        "corpus/part-1.jsonl",
        "corpus/part-2.jsonl.gz",
    ]


def test_a_run_folder_and_index_in_a_store_match_the_local_run(bucket: str, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", files=4, per_file=40)
    url = upload(corpus, bucket)
    local = thresher.run(
        [str(corpus)], tmp_path / "local", index=tmp_path / "index", records_per_chunk=25
    )
    out, index = f"s3://{bucket}/out", f"s3://{bucket}/index"
    stored = thresher.run([url], out, index=index, records_per_chunk=25, stage=tmp_path / "stage")
    assert stored.to_dict() == local.to_dict()
    assert output_of(download(out, tmp_path / "back")) == output_of(tmp_path / "local")
    assert not any(name.startswith(".work/p") for name in store_files(out))  # intermediates gone
    # the index: the same segments, parts and files (its manifest names the run by its id)
    assert sorted(store_files(index)) == sorted(
        p.relative_to(tmp_path / "index").as_posix()
        for p in (tmp_path / "index").rglob("*")
        if p.is_file() and p.name != "lock"
    )
    # a second run dedups against the index in the store, as against the local one
    more = write_corpus(tmp_path / "more", files=1, per_file=30)
    again_local = thresher.run([str(more)], tmp_path / "local2", index=tmp_path / "index")
    again = thresher.run(
        [upload(more, bucket)], f"s3://{bucket}/out2", index=index, stage=tmp_path / "stage2"
    )
    assert again.to_dict() == again_local.to_dict()
    assert again.reasons.get("exact-duplicate", 0) > 0


def test_the_cli_runs_in_a_store_and_a_killed_run_resumes_from_it(
    bucket: str, tmp_path: Path
) -> None:
    """The CLI, killed (SIGKILL) once some chunks reached the store, then started again with
    its stage gone (another machine): the chunks in the store are not redone, and the output
    is the local run's."""
    corpus = write_corpus(tmp_path / "corpus", files=3, per_file=100)
    url = upload(corpus, bucket)
    out = f"s3://{bucket}/run"
    command = [
        sys.executable,
        "-m",
        "thresher",
        "run",
        url,
        "-o",
        out,
        "--records-per-chunk",
        "10",
        "--stage",
        str(tmp_path / "stage"),
        "--no-progress",
        "--no-report",
    ]
    env = {**os.environ, "THRESHER_PUSH_SECONDS": "0"}  # each chunk to the store as it ends
    first = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    try:
        done_before = _wait_for_done_records(out, at_least=4, process=first)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    stored_before = {name: body for name, body in store_files(out).items() if name in done_before}
    assert "summary.json" not in store_files(out)
    shutil.rmtree(tmp_path / "stage")
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    after = store_files(out)
    assert {name: after[name] for name in stored_before} == stored_before  # not redone
    thresher.run([str(corpus)], tmp_path / "local", records_per_chunk=10)
    assert output_of(download(out, tmp_path / "back")) == output_of(tmp_path / "local")
    timing = orjson.loads(after["timing.json"])
    assert len(timing["starts"]) == 2
    # the run in the store is looked at where it is: its report written there, its documents
    report = subprocess.run([*command[:3], "report", out], env=env, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert report.stdout.strip() == f"report: {out}/report.html"
    assert b"<html" in store_files(out)["report.html"][:200].lower()
    show = [*command[:3], "show", out, "--reason", "exact-duplicate", "-n", "1"]
    shown = subprocess.run(show, env=env, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "exact-duplicate" in shown.stdout


def _wait_for_done_records(out: str, at_least: int, process: subprocess.Popen[bytes]) -> set[str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        fs = s3()
        root = out.removeprefix("s3://")
        try:
            done = {p[len(root) + 1 :] for p in fs.find(f"{root}/.work/done")}
        except FileNotFoundError:
            done = set()
        if len(done) >= at_least:
            return done
        time.sleep(0.1)
    pytest.fail("no chunk reached the store in 120 s")


def test_a_store_folder_that_is_not_a_run_is_never_written_in(bucket: str, tmp_path: Path) -> None:
    fs = s3()
    fs.pipe_file(f"{bucket}/mine/notes.txt", b"my notes")
    with pytest.raises(OutputError, match="no thresher run"):
        thresher.run([str(EXAMPLES)], f"s3://{bucket}/mine", stage=tmp_path / "stage")
    assert store_files(f"s3://{bucket}/mine") == {"notes.txt": b"my notes"}


def test_force_replaces_the_run_in_a_store_and_nothing_else(bucket: str, tmp_path: Path) -> None:
    out = f"s3://{bucket}/run"
    thresher.run([str(EXAMPLES)], out, Recipe.named("repairs"), stage=tmp_path / "stage")
    before = store_files(out)
    assert "kept/part-00000-c00000.jsonl" in before
    with pytest.raises(ConfigError, match=f"{out}: this run folder was made with a different"):
        thresher.run([str(EXAMPLES)], out, stage=tmp_path / "s1")  # another recipe: refused
    assert store_files(out) == before
    thresher.run([str(EXAMPLES)], out, force=True, records_per_chunk=5, stage=tmp_path / "s2")
    thresher.run([str(EXAMPLES)], tmp_path / "local", records_per_chunk=5)
    back = download(out, tmp_path / "back")
    assert output_of(back) == output_of(tmp_path / "local")  # the old run's files all gone
    # a file of the user's in the run folder stays when the run is replaced again
    s3().pipe_file(f"{bucket}/run/notes.txt", b"mine")
    thresher.run([str(EXAMPLES)], out, Recipe.named("repairs"), force=True, stage=tmp_path / "s3")
    after = store_files(out)
    assert after["notes.txt"] == b"mine"
    assert "kept/part-00000-c00003.jsonl" not in after  # the chunk-of-5 run's shards: gone


def test_a_run_stopped_before_its_index_reached_the_store_commits_it_when_resumed(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index is sent before the run's markers: a run whose index commit could not reach
    the store has no commit marker there either, and resuming commits its documents."""
    out, index = f"s3://{bucket}/run", f"s3://{bucket}/index"
    real_push = Mirror.push

    def lost_on_the_way(mirror: Mirror) -> int:
        manifests = [*mirror.local.rglob("index.json"), *mirror.local.rglob("sites.json")]
        if mirror.url == index and manifests:  # a corpus step's commit: its first push
            raise OSError("the connection dropped")  # as a kill at that moment would
        return real_push(mirror)

    monkeypatch.setattr(Mirror, "push", lost_on_the_way)
    with pytest.raises(OSError, match="connection dropped"):
        thresher.run([str(EXAMPLES)], out, index=index, stage=tmp_path / "stage")
    monkeypatch.undo()
    # site-boilerplate (pass 0) learned nothing here (no URLs): its commit wrote nothing, and
    # is marked; dedup's (pass 1) wrote the index, which did not reach the store: not marked
    stored = store_files(out)
    assert ".work/committed-0.json" in stored
    assert ".work/committed-1.json" not in stored and "summary.json" not in stored
    assert not [name for name in store_files(index) if name.endswith(".json")]
    resumed = thresher.run([str(EXAMPLES)], out, index=index, stage=tmp_path / "stage")
    manifest = orjson.loads(store_files(index)["index.json"])
    assert [segment["documents"] for segment in manifest["segments"]] == [resumed.totals.kept]


def test_force_takes_the_old_runs_documents_out_of_an_index_in_the_store(
    bucket: str, tmp_path: Path
) -> None:
    out, index = f"s3://{bucket}/run", f"s3://{bucket}/index"
    first = thresher.run([str(EXAMPLES)], out, index=index, stage=tmp_path / "stage")
    again = thresher.run([str(EXAMPLES)], out, index=index, stage=tmp_path / "stage", force=True)
    assert again.to_dict() == first.to_dict()  # not its own earlier self's duplicates
    manifest = orjson.loads(store_files(index)["index.json"])
    assert len(manifest["segments"]) == 1  # the old run's segment forgotten


def test_a_store_that_cannot_be_read_stops_the_run_and_loses_no_record(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An input the store fails to serve is not taken for damaged data (quarantined, its
    records lost to every resume): the run stops, and the same command reads it again."""
    import s3fs

    corpus = write_corpus(tmp_path / "corpus", files=2, per_file=20)
    url = upload(corpus, bucket)

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError("Access Denied")

    monkeypatch.setattr(s3fs.S3FileSystem, "open", refused)
    with pytest.raises(InputError, match=r"cannot read it from the store.*Access Denied"):
        thresher.run([url], tmp_path / "out")
    monkeypatch.undo()
    resumed = thresher.run([url], tmp_path / "out")
    assert resumed.totals.quarantined == 0 and sum(resumed.records_in.values()) == 40


def test_a_new_index_killed_between_its_segments_and_its_manifest_resumes(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store has no rename: a first commit killed while its segment is in the store and its
    manifest is not leaves them so; the same command resumes (the segment is rewritten)."""
    out, index = f"s3://{bucket}/run", f"s3://{bucket}/index"
    real_send = Mirror._send
    dead: list[str] = []

    def send(mirror: Mirror, names: list[str], states: dict[str, tuple[int, int]]) -> None:
        if dead or any(name.endswith("index.json") for name in names):
            dead.append("killed")
            raise OSError("killed before the manifest")
        real_send(mirror, names, states)

    monkeypatch.setattr(Mirror, "_send", send)
    with pytest.raises(OutputError, match="killed before the manifest"):
        thresher.run([str(EXAMPLES)], out, index=index, stage=tmp_path / "stage")
    monkeypatch.undo()
    left = store_files(index)
    assert "index.json" not in left and any(name.startswith("segments/00000/") for name in left)
    resumed = thresher.run([str(EXAMPLES)], out, index=index, stage=tmp_path / "stage")
    manifest = orjson.loads(store_files(index)["index.json"])
    assert [segment["documents"] for segment in manifest["segments"]] == [resumed.totals.kept]
