"""Resuming: an interrupted run, started again, ends with exactly the output of an unbroken one
and redoes only unfinished chunks; a real multi-worker run killed with SIGKILL three times."""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import orjson
import pytest
from conftest import snapshot

import thresher
from thresher import Document, Recipe, Repair
from thresher.dedup import Dedup

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "river",
    "market",
    "school",
    "winter",
    "garden",
    "station",
    "bridge",
    "library",
    "museum",
    "farmer",
    "teacher",
]


def story(seed: int) -> str:
    rng = random.Random(seed)
    lines = [" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(4)]
    return "Headline " + str(seed) + "\n" + "\n".join(lines)


def write_corpus(folder: Path, files: int = 3, per_file: int = 120) -> Path:
    folder.mkdir()
    for f in range(files):
        lines = []
        for i in range(per_file):
            n = f * per_file + i
            # every tenth story is a copy of an earlier one: work for the dedup pass
            text = story(n - 7 if n % 10 == 9 else n)
            lines.append(
                orjson.dumps({"id": f"f{f}-{i}", "text": text, "date": f"2024-01-{1 + i % 28:02d}"})
            )
        (folder / f"part-{f}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


class Interrupted(BaseException):
    """Stands for the process dying: not an Exception, so no step swallows it."""


CRASH_AT: list[int] = []
SEEN: list[int] = [0]


@dataclass(frozen=True, kw_only=True)
class Tripwire(Repair):
    """Counts the documents it sees and dies at the configured one (test only)."""

    name = "tripwire"

    def repair(self, doc: Document) -> Document:
        SEEN[0] += 1
        if CRASH_AT and SEEN[0] == CRASH_AT[0]:
            raise Interrupted
        return doc


RECIPE = Recipe(steps=(*Recipe.named("repairs").steps, Tripwire(), Dedup()))


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    CRASH_AT.clear()
    SEEN[0] = 0
    yield
    CRASH_AT.clear()


def test_an_interrupted_run_resumes_to_the_same_output_without_redoing_finished_chunks(
    tmp_path: Path,
) -> None:
    corpus = write_corpus(tmp_path / "in")
    reference = thresher.run([str(corpus)], tmp_path / "ref", RECIPE, records_per_chunk=50)
    total = SEEN[0]
    SEEN[0] = 0
    CRASH_AT.append(200)
    with pytest.raises(Interrupted):
        thresher.run([str(corpus)], tmp_path / "out", RECIPE, records_per_chunk=50)
    CRASH_AT.clear()
    SEEN[0] = 0
    resumed = thresher.run([str(corpus)], tmp_path / "out", RECIPE, records_per_chunk=50)
    # chunks of 50: the first 150 documents were finished before the crash at the 200th
    assert SEEN[0] < total - 100
    assert resumed.to_dict() == reference.to_dict()
    assert resumed.balanced
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "ref")
    assert reference.to_dict()["reasons"]["exact-duplicate"] > 0


def test_a_resumed_run_with_a_changed_config_refuses_with_a_clear_message(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=1, per_file=20)
    CRASH_AT.append(5)
    with pytest.raises(Interrupted):
        thresher.run([str(corpus)], tmp_path / "out", RECIPE, records_per_chunk=4)
    CRASH_AT.clear()
    changed = Recipe(steps=(*RECIPE.steps[:-1], Dedup(ngram=4)))
    with pytest.raises(thresher.ConfigError, match=r"different recipe.*--force"):
        thresher.run([str(corpus)], tmp_path / "out", changed, records_per_chunk=4)
    with pytest.raises(thresher.ConfigError, match="different recipe"):
        thresher.run([str(corpus)], tmp_path / "out", RECIPE, records_per_chunk=5)
    assert thresher.run([str(corpus)], tmp_path / "out", RECIPE, records_per_chunk=4).balanced


def test_an_interrupted_dedup_run_adds_itself_to_the_index_once(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=2, per_file=30)
    index = tmp_path / "index"
    thresher.run([str(corpus)], tmp_path / "out", RECIPE, records_per_chunk=10, index=index)
    again = thresher.run([str(corpus)], tmp_path / "out", RECIPE, records_per_chunk=10, index=index)
    assert again.balanced
    manifest = orjson.loads((index / "index.json").read_bytes())
    assert len(manifest["segments"]) == 1


def load_chaos() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chaos", ROOT / "bench" / "chaos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_three_sigkills_of_a_two_worker_run_end_byte_identical(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=4, per_file=150)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(Recipe(steps=(*Recipe.named("repairs").steps, Dedup())).dumps())
    args = ["--workers", "2", "--config", str(recipe), "--records-per-chunk", "25"]
    report = load_chaos().chaos([str(corpus)], tmp_path / "chaos", args, kills=3, seed=7)
    assert report["kills"] == 3
    assert report["identical"], report["differing"]
    assert report["balanced"] and report["in"] == 600
    assert report["files_compared"] > 20
