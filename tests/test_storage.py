"""The storage layer (thresher.storage) on fsspec's in-memory store: a stage's changes reach
the store in commit order (data, then the markers that commit it; markers go first when
removed), nothing the stage never had is removed from the store, and store inputs are named
as the same files on disk would be."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

import thresher
from thresher import ConfigError
from thresher.readers import find_inputs
from thresher.run.staged import RUN_ORDER
from thresher.storage import Mirror, claim_stage, common_prefix, is_url


class Recording(MemoryFileSystem):  # type: ignore[misc]
    """fsspec's memory store, noting each file sent and removed, in order."""

    protocol = "recording"
    calls: ClassVar[list[tuple[str, str]]] = []  # fsspec caches instances: noted on the class

    def put_file(self, lpath: str, rpath: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append(("put", rpath.rsplit("/", 1)[-1]))
        super().put_file(lpath, rpath, *args, **kwargs)

    def rm(self, path: Any, *args: Any, **kwargs: Any) -> None:
        for one in path if isinstance(path, list) else [path]:
            self.calls.append(("rm", str(one).rsplit("/", 1)[-1]))
        super().rm(path, *args, **kwargs)


@pytest.fixture
def store() -> Iterator[str]:
    fsspec.register_implementation("recording", Recording, clobber=True)
    Recording.calls.clear()
    url = f"recording://run-{uuid.uuid4().hex}"
    yield url
    Recording.store.clear()
    Recording.pseudo_dirs.clear()
    Recording.pseudo_dirs.append("")


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_data_reaches_the_store_before_the_markers_that_commit_it(
    store: str, tmp_path: Path
) -> None:
    mirror = Mirror(store, tmp_path / "stage", RUN_ORDER)
    mirror.fill()
    stage = mirror.local
    write(stage / "run.json", b"{}")
    write(stage / ".work" / "done" / "p0-00000-c00000.json", b"{}")
    write(stage / "kept" / "part-00000-c00000.jsonl", b"doc\n")
    write(stage / ".work" / "p0-keys" / "keys.npz", b"keys")
    write(stage / "summary.json", b"{}")
    write(stage / "dedup-index" / "index.json", b"{}")
    write(stage / "dedup-index" / "segments" / "00000" / "part" / "keys.npz", b"keys")
    write(stage / ".work" / "committed-1.json", b"{}")
    # never sent: a lock, and what is being written (a file, a file of numpy's, a folder)
    write(stage / ".work" / "lock", b"")
    write(stage / "kept" / "part-00000-c00001.jsonl.partial", b"half")
    write(stage / ".work" / "p0-keys" / "keys.npz.partial.npz", b"half")
    write(stage / "dedup-index" / "segments" / "00001.partial" / "keys.npz", b"half")
    assert mirror.push() == 8
    sent = [name for call, name in Recording.calls if call == "put"]
    assert sorted(sent[:3]) == ["keys.npz", "keys.npz", "part-00000-c00000.jsonl"]
    # then the markers, one rank at a time: the run's record, the chunk's, the index's
    # manifest (it lists the segment), the commit, the summary
    assert sent[3:] == [
        "run.json", "p0-00000-c00000.json", "index.json", "committed-1.json", "summary.json"
    ]  # fmt: skip
    Recording.calls.clear()
    assert mirror.push() == 0  # nothing changed, nothing sent
    assert Recording.calls == []
    # gone from the stage: markers leave the store first (the summary before the chunk's
    # record), then the chunk's data; a segment only after the manifest that no longer
    # lists it has been sent
    (stage / "summary.json").unlink()
    (stage / ".work" / "done" / "p0-00000-c00000.json").unlink()
    (stage / "kept" / "part-00000-c00000.jsonl").unlink()
    shutil.rmtree(stage / "dedup-index" / "segments")
    write(stage / "dedup-index" / "index.json", b'{"segments": []}')
    assert mirror.push() == 5
    assert Recording.calls == [
        ("rm", "summary.json"),
        ("rm", "p0-00000-c00000.json"),
        ("rm", "part-00000-c00000.jsonl"),
        ("put", "index.json"),
        ("rm", "keys.npz"),
    ]


def test_a_file_the_stage_never_had_stays_in_the_store(store: str, tmp_path: Path) -> None:
    fs = fsspec.filesystem("recording")
    fs.pipe_file(f"{store}/summary.json", b"{}")
    mirror = Mirror(store, tmp_path / "stage", RUN_ORDER)
    assert mirror.fill() == ["summary.json"]
    fs.pipe_file(f"{store}/theirs.txt", b"written meanwhile")  # after the stage was filled
    (mirror.local / "summary.json").unlink()
    mirror.push()
    assert fs.cat_file(f"{store}/theirs.txt") == b"written meanwhile"
    assert not fs.exists(f"{store}/summary.json")


def test_a_stage_folder_of_someone_else_is_refused(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    write(stage / "mine.txt", b"mine")
    with pytest.raises(ConfigError, match="not thresher's stage"):
        claim_stage(stage, {"output": "s3://b/run", "index": ""})
    assert sorted(p.name for p in stage.iterdir()) == ["mine.txt"]  # nothing made there
    with pytest.raises(ConfigError, match="not thresher's stage"):
        thresher.run(["examples/corpus"], "memory://b/run", stage=stage)
    assert sorted(p.name for p in stage.iterdir()) == ["mine.txt"]
    with pytest.raises(ConfigError, match="not a folder"):
        claim_stage(stage / "mine.txt", {"output": "s3://b/run", "index": ""})


def test_inputs_in_a_store_are_named_as_the_same_files_on_disk(store: str) -> None:
    fs = fsspec.filesystem("recording")
    fs.pipe_file(f"{store}/corpus/a.jsonl", b'{"text": "a"}\n')
    fs.pipe_file(f"{store}/corpus/sub/b.jsonl.gz", b"")
    fs.pipe_file(f"{store}/corpus/notes.md", b"not an input")
    # a run folder below (its run.json is enough, as on disk): left out
    fs.pipe_file(f"{store}/corpus/old-run/run.json", b'{"version": 4, "fingerprint": "f"}')
    fs.pipe_file(f"{store}/corpus/not-a-run/run.json", b"{}")  # someone's file: read
    fs.pipe_file(f"{store}/corpus/old-run/kept/part-00000-c00000.jsonl", b"{}\n")
    found = find_inputs([f"{store}/corpus"])
    assert [item.source for item in found.files] == ["corpus/a.jsonl", "corpus/sub/b.jsonl.gz"]
    assert found.skipped == ["corpus/not-a-run/run.json", "corpus/notes.md"]
    assert found.files[0].path.stat().st_size == 14
    with pytest.raises(ConfigError, match="mix local paths and store URLs"):
        find_inputs([f"{store}/corpus", "examples/corpus"])


def test_urls_and_paths_are_told_apart() -> None:
    assert is_url("s3://bucket/key") and is_url("gs://b") and is_url("hf://datasets/x")
    assert not is_url("/data/run") and not is_url("run") and not is_url("C:/data")
    assert common_prefix(["s3://b/x/one.jsonl", "s3://b/x/y/two.jsonl"]) == "s3://b/x"
    assert common_prefix(["s3://b/corpus"]) == "s3://b"
