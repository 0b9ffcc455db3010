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


DISCLAIMER = "Please read our terms and conditions before you comment on any article here."


def write_site_corpus(folder: Path, files: int = 4, per_file: int = 160) -> Path:
    """Pages of two sites; every page of news0 ends with the site's disclaimer; every tenth
    story is a copy of an earlier one."""
    folder.mkdir()
    for f in range(files):
        lines = []
        for i in range(per_file):
            n = f * per_file + i
            site = n % 2
            text = story(n - 8 if n % 10 == 9 else n).split("\n", 1)[1]  # no "Headline N"
            if site == 0:
                text += "\n" + DISCLAIMER
            record = {"id": f"f{f}-{i}", "text": text, "url": f"https://news{site}.example/{n}"}
            lines.append(orjson.dumps(record))
        (folder / f"part-{f}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def test_two_corpus_steps_resume_after_kills_and_agree_for_any_workers(tmp_path: Path) -> None:
    from thresher.sites import SiteBoilerplate

    corpus = write_site_corpus(tmp_path / "in")
    recipe = Recipe(steps=(SiteBoilerplate(), Dedup()))
    one = thresher.run([str(corpus)], tmp_path / "w1", recipe, records_per_chunk=25)
    three = thresher.run([str(corpus)], tmp_path / "w3", recipe, workers=2, records_per_chunk=25)
    assert one.balanced and snapshot(tmp_path / "w1") == snapshot(tmp_path / "w3")
    kept = [
        orjson.loads(line)
        for p in sorted((tmp_path / "w1" / "kept").iterdir())
        for line in p.read_bytes().splitlines()
    ]
    assert kept and not any(DISCLAIMER in r["text"] for r in kept)
    edited = [r for r in kept if r["metadata"].get("site_boilerplate")]
    assert len(edited) == len([r for r in kept if r["metadata"]["url"].startswith("https://news0")])
    assert three.to_dict()["reasons"]["exact-duplicate"] > 0
    # each corpus step keeps its state in its own folder of the run's index
    assert (tmp_path / "w1" / "dedup-index" / "index.json").is_file()
    assert (tmp_path / "w1" / "dedup-index" / "steps" / "site-boilerplate").is_dir()
    # a forced rerun forgets what the run taught before: the same output, not learnt twice
    again = thresher.run([str(corpus)], tmp_path / "w1", recipe, records_per_chunk=25, force=True)
    assert again.to_dict() == one.to_dict() and snapshot(tmp_path / "w1") == snapshot(
        tmp_path / "w3"
    )
    config = tmp_path / "recipe.yaml"
    config.write_text(recipe.dumps())
    args = ["--workers", "2", "--config", str(config), "--records-per-chunk", "25"]
    report = load_chaos().chaos([str(corpus)], tmp_path / "chaos", args, kills=2, seed=3)
    assert report["kills"] == 2
    assert report["identical"], report["differing"]
    assert report["balanced"] and report["in"] == 640
