"""The Ray engine: the same run folder as the local engine, byte for byte, for any number of
Ray workers; a Ray worker killed mid-task is retried and the run ends the same; a driver killed
with SIGKILL resumes with the same command, redoing only unfinished chunks. One real local Ray
(2 CPUs, no dashboard) serves the whole test session; none of its processes outlives it."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from conftest import ROOT, snapshot
from news_corpus import write_corpus

import thresher
from thresher import ConfigError, Document, Recipe, Repair

ray = pytest.importorskip(
    "ray", reason="Ray is not installed (the ray extra: pip install 'thresher[ray]')"
)

TESTS = Path(__file__).resolve().parent
EXAMPLES = ROOT / "examples" / "corpus"
# Every process a test starts Ray in carries this in its environment, and so does every Ray
# process started under it: how the tests find a Ray process left behind.
TOKEN_VARIABLE = "THRESHER_RAY_TEST"
LEAVE_SECONDS = 30.0  # how long Ray's processes may take to go once their driver has


def ray_processes(token: str) -> list[int]:
    """The processes whose environment carries `token` (this one excepted)."""
    needle = f"{TOKEN_VARIABLE}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in environment.split(b"\0"):
            found.append(int(entry.name))
    return found


def require_all_gone(token: str) -> None:
    """Wait for the Ray processes of `token` to end; fail (killing them) if any stays."""
    deadline = time.monotonic() + LEAVE_SECONDS
    left = ray_processes(token)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = ray_processes(token)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):  # it went at last
            os.kill(pid, signal.SIGKILL)
    assert not left, f"Ray processes outlived their driver: {left}"


@pytest.fixture(scope="session")
def local_ray() -> Iterator[None]:
    """One local Ray for the session. Its workers import this module (the test steps travel
    pickled by reference), so tests/ goes on their path; its processes are found by a token."""
    token = uuid.uuid4().hex
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", TOKEN_VARIABLE)}
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), saved["PYTHONPATH"]]))
    os.environ[TOKEN_VARIABLE] = token
    try:
        ray.init(
            address="local",
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=80 << 20,
            logging_level=logging.ERROR,
            log_to_driver=False,
        )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield
    ray.shutdown()
    require_all_gone(token)


def run_both(corpus: Path, tmp_path: Path, recipe: Recipe, chunk: int, ray_workers: int) -> None:
    """The corpus through the local engine (one process) and the Ray engine: the same files,
    byte for byte, and the same accounting."""
    local = thresher.run([str(corpus)], tmp_path / "local", recipe, records_per_chunk=chunk)
    on_ray = thresher.run(
        [str(corpus)],
        tmp_path / "ray",
        recipe,
        records_per_chunk=chunk,
        workers=ray_workers,
        engine="ray",
    )
    assert on_ray.balanced
    assert on_ray.to_dict() == local.to_dict()
    assert snapshot(tmp_path / "ray") == snapshot(tmp_path / "local")
    timing = orjson.loads((tmp_path / "ray" / "timing.json").read_bytes())
    assert timing["workers"] == ray_workers


def test_the_example_corpus_on_ray_is_the_local_engines_byte_for_byte(
    local_ray: None, tmp_path: Path
) -> None:
    run_both(EXAMPLES, tmp_path, Recipe.default(), chunk=4, ray_workers=2)
    summary = orjson.loads((tmp_path / "ray" / "summary.json").read_bytes())
    assert summary["in"] == 16 and summary["reasons"]["exact-duplicate"] == 1


def test_a_node_with_another_thresher_is_refused(
    local_ray: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from thresher.run import ray_engine

    monkeypatch.setattr(ray_engine, "_driver_version", lambda: "0.0.0-another")
    with pytest.raises(ConfigError, match="install the same version on every node"):
        thresher.run([str(EXAMPLES)], tmp_path / "ray", engine="ray", workers=2)


@pytest.mark.parametrize("ray_workers", [1, 2])
def test_a_multi_file_corpus_on_ray_is_the_local_engines_for_any_workers(
    local_ray: None, tmp_path: Path, ray_workers: int
) -> None:
    corpus = write_corpus(tmp_path / "in", files=4, per_file=70)  # 4 units: 3 files, 1 small
    # the default recipe has both corpus steps: site-boilerplate's decide runs whole (one
    # worker) or partition by partition (two), dedup's whole
    run_both(corpus, tmp_path, Recipe.default(), chunk=15, ray_workers=ray_workers)
    summary = orjson.loads((tmp_path / "ray" / "summary.json").read_bytes())
    assert summary["in"] == 280 and len(summary["files"]) == 4
    assert {p.name[:10] for p in (tmp_path / "ray" / "kept").iterdir()} == {
        f"part-0000{unit}" for unit in range(4)
    }
    assert summary["kept"] > 100
    assert summary["reasons"]["exact-duplicate"] > 0 and summary["reasons"]["near-duplicate"] > 0
    assert summary["steps"]["site-boilerplate"]["edits"]  # the disclaimer, learnt and removed


@dataclass(frozen=True, kw_only=True)
class DieOnce(Repair):
    """Notes each document it sees in `log`; at the document `at_id`, unless `marker` exists,
    makes the marker and kills the process it runs in with SIGKILL (test only)."""

    name = "die-once"
    log: str
    marker: str
    at_id: str

    def repair(self, doc: Document) -> Document:
        with open(self.log, "a", encoding="utf-8") as seen:  # one short append: whole lines
            seen.write(doc.id + "\n")
        if doc.id == self.at_id and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return doc


def test_a_ray_worker_killed_mid_task_is_retried_and_the_run_ends_the_same(
    local_ray: None, tmp_path: Path
) -> None:
    corpus = write_corpus(tmp_path / "in", files=2, per_file=80)  # units: p0-p79, p80-p159
    log, marker = tmp_path / "seen", tmp_path / "killed"
    # killed at p40: in the first unit's third chunk of 15, its first two chunks finished
    die = DieOnce(log=str(log), marker=str(marker), at_id="p40")
    recipe = Recipe(steps=(die, *Recipe.default().steps))
    on_ray = thresher.run(
        [str(corpus)], tmp_path / "ray", recipe, records_per_chunk=15, workers=2, engine="ray"
    )
    assert int(marker.read_text()) != os.getpid()  # a Ray worker died, and its task was retried
    seen = Counter(log.read_text().split())
    assert [seen[f"p{n}"] for n in range(30)] == [1] * 30  # finished chunks: read back
    assert [seen[f"p{n}"] for n in range(30, 41)] == [2] * 11  # the chunk it died in: redone
    assert [seen[f"p{n}"] for n in range(41, 160)] == [1] * 119
    local = thresher.run([str(corpus)], tmp_path / "local", recipe, records_per_chunk=15)
    assert on_ray.to_dict() == local.to_dict() and on_ray.balanced
    assert snapshot(tmp_path / "ray") == snapshot(tmp_path / "local")


def thresher_on_ray(corpus: Path, out: Path, token: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "thresher",
        "run",
        str(corpus),
        "-o",
        str(out),
        "--engine",
        "ray",
        "--workers",
        "2",
        "--records-per-chunk",
        "10",
        "--no-progress",
        "--no-report",
    ]
    environment = {**os.environ, TOKEN_VARIABLE: token}
    return subprocess.Popen(
        command,
        start_new_session=True,  # its own process group: killed whole, as a shell kills a job
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finished_chunks(out: Path) -> dict[str, bytes]:
    done = out / ".work" / "done"
    return {p.name: p.read_bytes() for p in done.glob("*.json")} if done.is_dir() else {}


def kill_after_chunks(process: subprocess.Popen[bytes], out: Path, chunks: int) -> None:
    """SIGKILL the process group once `chunks` chunks are finished (it must not end first)."""
    while len(finished_chunks(out)) < chunks:
        if process.poll() is not None:
            errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
            pytest.fail(
                f"the run ended (status {process.returncode}) before it was killed: {errors}"
            )
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_a_killed_ray_driver_resumes_with_the_same_command_and_ends_the_same(
    tmp_path: Path,
) -> None:
    corpus = write_corpus(tmp_path / "in", files=3, per_file=100)
    recipe = Recipe.default()
    reference = thresher.run([str(corpus)], tmp_path / "local", recipe, records_per_chunk=10)
    out, token = tmp_path / "ray", uuid.uuid4().hex
    kill_after_chunks(thresher_on_ray(corpus, out, token), out, chunks=4)
    require_all_gone(token)  # the killed driver took its Ray with it: nothing writes on
    before = finished_chunks(out)
    total = len(finished_chunks(tmp_path / "local"))
    assert 4 <= len(before) < total
    again = thresher_on_ray(corpus, out, token)
    _, errors = again.communicate()
    assert again.returncode == 0, errors.decode(errors="replace")[-2000:]
    require_all_gone(token)
    after = finished_chunks(out)
    # the chunks done before the kill were read back, not redone: their records untouched
    assert {name: after[name] for name in before} == before
    assert len(after) == total
    assert orjson.loads((out / "timing.json").read_bytes())["resumed"] is True
    assert reference.balanced
    assert snapshot(out) == snapshot(tmp_path / "local")


def test_ctrl_c_stops_a_ray_run_with_its_ray_and_one_line(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=3, per_file=100)
    out, token = tmp_path / "ray", uuid.uuid4().hex
    process = thresher_on_ray(corpus, out, token)
    while len(finished_chunks(out)) < 2:
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole group
    _, errors = process.communicate()
    assert process.returncode == 130
    assert errors.decode().strip().splitlines()[-1] == (
        "thresher: interrupted; run the same command to resume"
    )
    require_all_gone(token)  # the tasks cancelled, the local Ray stopped


def test_a_run_in_a_store_on_ray_is_the_local_runs(bucket: str, tmp_path: Path) -> None:
    """Inputs, run folder and index in an S3 store (moto's server), on a local Ray that the
    CLI starts (its workers read the inputs from the store): the local run's output."""
    from object_store import download, output_of, upload

    corpus = write_corpus(tmp_path / "corpus", files=3, per_file=40)
    url = upload(corpus, bucket)
    local = thresher.run(
        [str(corpus)], tmp_path / "local", index=tmp_path / "index", records_per_chunk=15
    )
    out, token = f"s3://{bucket}/ray", uuid.uuid4().hex
    command = [
        sys.executable, "-m", "thresher", "run", url, "-o", out, "--index",
        f"s3://{bucket}/index", "--engine", "ray", "--workers", "2", "--records-per-chunk",
        "15", "--stage", str(tmp_path / "stage"), "--no-progress",
    ]  # fmt: skip
    done = subprocess.run(
        command, env={**os.environ, TOKEN_VARIABLE: token}, capture_output=True, text=True
    )
    require_all_gone(token)
    assert done.returncode == 0, done.stderr[-2000:]
    back = download(out, tmp_path / "back")
    assert local.balanced and (back / "report.html").is_file()  # the CLI's report, copied
    (back / "report.html").unlink()
    assert output_of(back) == output_of(tmp_path / "local")
