"""Issue 12, the run as a process in a user's hands: workers capped at the usable cores (10),
Ctrl-C and `kill -9` (12), progress a user can read (15), a recipe file that is not UTF-8 (11).
The signal tests run a real `thresher` command in its own session, as a terminal would."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest
from click.testing import CliRunner
from conftest import snapshot

import thresher
from thresher import Recipe
from thresher.cli import main

if TYPE_CHECKING:
    from thresher import RunProgress

WORDS = ["river", "market", "school", "winter", "garden", "station", "bridge", "library"]
INTERRUPTED = "interrupted; run the same command to resume"


UNIT_BYTES = 1_200_000  # a file this big is a unit of work of its own (small ones are grouped)


def write_corpus(folder: Path, files: int, per_file: int) -> Path:
    """JSONL files of plain stories, each file big enough to be one unit of work."""
    rng = random.Random(files * 1_000_003 + per_file)
    lines_per_story = max(4, UNIT_BYTES // per_file // 100)
    folder.mkdir()
    for f in range(files):
        lines = []
        for i in range(per_file):
            body = "\n".join(
                " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
                for _ in range(lines_per_story)
            )
            lines.append(orjson.dumps({"id": f"f{f}-{i}", "text": f"Headline {i}\n{body}"}))
        (folder / f"part-{f}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


# --- 10: workers capped at the usable cores and the units ---------------------------------


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


@pytest.mark.usefixtures("two_cores")
def test_workers_are_capped_at_the_usable_cores_with_a_warning_and_the_same_output(
    tmp_path: Path,
) -> None:
    corpus = write_corpus(tmp_path / "in", files=3, per_file=30)
    recipe = Recipe.named("repairs")
    reference = thresher.run([str(corpus)], tmp_path / "one", recipe, workers=1)
    with pytest.warns(thresher.ThresherWarning, match=r"1000 workers.*using 2.*2 usable cores"):
        capped = thresher.run([str(corpus)], tmp_path / "many", recipe, workers=1000)
    assert capped.to_dict() == reference.to_dict()
    assert snapshot(tmp_path / "many") == snapshot(tmp_path / "one")
    timing = orjson.loads((tmp_path / "many" / "timing.json").read_bytes())
    assert (timing["workers"], timing["workers_requested"]) == (2, 1000)


@pytest.mark.usefixtures("two_cores")
def test_workers_are_capped_at_the_number_of_units(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=1, per_file=10)
    with pytest.warns(thresher.ThresherWarning, match=r"2 workers.*using 1.*1 unit"):
        thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"), workers=2)
    timing = orjson.loads((tmp_path / "out" / "timing.json").read_bytes())
    assert timing["workers"] == 1


@pytest.mark.usefixtures("two_cores")
def test_the_cli_says_in_one_line_that_it_caps_the_workers(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=3, per_file=5)
    args = ["run", str(corpus), "-o", str(tmp_path / "out"), "-r", "repairs", "-w", "1000"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warned == ["thresher: warning: asked for 1000 workers; using 2 (2 usable cores)"]
    quiet = CliRunner().invoke(main, [*args[:2], "-o", str(tmp_path / "q"), *args[4:], "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert "in 15 = kept" in quiet.stdout


def test_fewer_workers_than_cores_and_units_are_used_as_asked(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=2, per_file=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", thresher.ThresherWarning)
        thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"), workers=1)


# --- 15: progress with documents, docs/s and an ETA ----------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_is_reported_per_chunk_with_documents_and_the_fraction_done(
    tmp_path: Path, workers: int
) -> None:
    corpus = write_corpus(tmp_path / "in", files=2, per_file=25)
    recipe = Recipe.named("dedup")  # two passes
    reports: list[RunProgress] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thresher.ThresherWarning)  # a 1-core machine caps it
        thresher.run(
            [str(corpus)],
            tmp_path / "out",
            recipe,
            workers=workers,
            progress=reports.append,
            records_per_chunk=10,
        )
    chunks_per_pass = 2 * 3  # two units of 25 records in chunks of 10
    assert len(reports) == 2 * chunks_per_pass
    first, second = reports[:chunks_per_pass], reports[chunks_per_pass:]
    assert [r.pass_number for r in reports] == [1] * chunks_per_pass + [2] * chunks_per_pass
    assert all(r.passes == 2 for r in reports)
    for stage in (first, second):
        docs = [r.docs for r in stage]
        assert docs == sorted(docs) and docs[-1] == 50
        assert stage[-1].fraction == 1.0 and stage[-1].eta_seconds == 0
    assert first[0].docs_total is None and second[0].docs_total == 50
    assert second[0].docs in (10, 5)  # a chunk is reported as it finishes, not a unit


def test_one_big_input_file_has_a_share_done_and_an_eta_before_it_ends(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=1, per_file=60)
    reports: list[RunProgress] = []
    thresher.run(
        [str(corpus)],
        tmp_path / "out",
        Recipe.named("repairs"),
        progress=reports.append,
        records_per_chunk=10,
    )
    assert len(reports) == 6
    fractions = [r.fraction for r in reports]
    assert all(f is not None for f in fractions), fractions
    known = [f for f in fractions if f is not None]
    assert known == sorted(known) and 0 < known[0] < known[-2] < 1 and known[-1] == 1.0
    assert all(r.eta_seconds is not None for r in reports[1:])


def test_a_resumed_run_counts_read_back_chunks_as_done_but_not_in_the_rate(
    tmp_path: Path,
) -> None:
    corpus = write_corpus(tmp_path / "in", files=2, per_file=20)
    out = tmp_path / "out"
    recipe = Recipe.named("repairs")
    thresher.run([str(corpus)], out, recipe, records_per_chunk=10)
    reports: list[RunProgress] = []
    thresher.run([str(corpus)], out, recipe, records_per_chunk=10, progress=reports.append)
    assert reports[-1].docs == 40 and reports[-1].fraction == 1.0
    assert all(r.docs_per_second == 0 for r in reports)


def test_progress_off_a_terminal_is_a_plain_line_at_an_interval(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in", files=2, per_file=20)
    args = ["run", str(corpus), "-o", str(tmp_path / "out"), "-r", "repairs"]
    result = CliRunner().invoke(
        main, [*args, "--records-per-chunk", "10", "--progress-interval", "0"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 4, lines  # one per chunk with no interval
    # the share done and the ETA show from the first chunk (the file's offset counts)
    pattern = r"thresher: pass 1/1: [\d,]+ docs, [\d,.]+ docs/s, \d+% of the input, ETA [\d:]+"
    assert all(re.fullmatch(pattern, line) for line in lines), lines
    assert "100% of the input" not in lines[0]
    assert lines[-1].startswith("thresher: pass 1/1: 40 docs,")
    assert "100% of the input, ETA 0:00:00" in lines[-1]
    # the default interval (30 s) is far longer than this run: no line at all
    quiet_run = CliRunner().invoke(main, [*args[:2], "-o", str(tmp_path / "o2"), *args[4:]])
    assert quiet_run.exit_code == 0, quiet_run.output
    assert quiet_run.stderr == ""


# --- 11 (part): the recipe file -----------------------------------------------------------


def test_a_recipe_file_that_is_not_utf8_is_one_line_and_exit_2_before_any_work(
    tmp_path: Path,
) -> None:
    config = tmp_path / "recipe.yaml"
    config.write_bytes("steps:\n- step: min-words  # caf\u00e9\n".encode("latin-1"))
    with pytest.raises(thresher.ConfigError, match=r"recipe\.yaml: not UTF-8 text .*byte 0xe9"):
        Recipe.load(config)
    (tmp_path / "a.txt").write_text("Some words here and there.", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(tmp_path / "a.txt"), "-o", str(out), "-c", str(config)]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("thresher: error: recipe")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_an_interrupt_is_one_line_and_exit_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(thresher, "run", interrupted)
    result = CliRunner().invoke(main, ["run", str(tmp_path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 130
    assert result.stderr == f"thresher: {INTERRUPTED}\n"


# --- 12: Ctrl-C and kill -9 of a real two-worker run ---------------------------------------


def session_processes(session: int) -> list[int]:
    """Live (not zombie) processes of a session, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        state, sid = fields[0], int(fields[3])
        if sid == session and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def thresher_command(corpus: Path, out: Path) -> list[str]:
    run = [sys.executable, "-m", "thresher", "run", str(corpus), "-o", str(out)]
    return [*run, "--workers", "2", "--records-per-chunk", "200", "--no-progress"]


@pytest.fixture
def session_reaper() -> Iterator[list[int]]:
    """Sessions started by a test; whatever is left of them is killed afterwards."""
    sessions: list[int] = []
    yield sessions
    for session in sessions:
        for pid in session_processes(session):
            os.kill(pid, signal.SIGKILL)


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="scans /proc for the run's processes"
)


def first_chunk_done(out: Path) -> bool:
    done = out / ".work" / "done"
    return done.is_dir() and any(done.glob("*.json"))


@needs_proc
def test_ctrl_c_of_a_two_worker_run_is_one_line_exit_130_and_the_run_resumes(
    tmp_path: Path, session_reaper: list[int]
) -> None:
    corpus = write_corpus(tmp_path / "in", files=2, per_file=3000)
    out = tmp_path / "out"
    command = thresher_command(corpus, out)
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    session_reaper.append(process.pid)
    assert wait_for(lambda: first_chunk_done(out), timeout=120), "no chunk finished"
    assert len(session_processes(process.pid)) >= 3  # the parent and two workers at least
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()
    assert stderr.decode() == f"thresher: {INTERRUPTED}\n"
    assert wait_for(lambda: not session_processes(process.pid), timeout=30)
    assert not (out / "summary.json").exists()
    resumed = subprocess.run(command, capture_output=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert summary["balanced"] and summary["in"] == 6000
    timing = orjson.loads((out / "timing.json").read_bytes())
    assert timing["resumed"] is True
    assert [s["engine"] for s in timing["starts"]] == ["local", "local"]  # interrupted, resumed


@needs_proc
def test_kill_9_of_the_main_process_leaves_no_worker_behind(
    tmp_path: Path, session_reaper: list[int]
) -> None:
    # long units: a worker left alive would still be busy with its unit long after the kill
    corpus = write_corpus(tmp_path / "in", files=2, per_file=40000)
    out = tmp_path / "out"
    process = subprocess.Popen(
        thresher_command(corpus, out),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    session_reaper.append(process.pid)
    assert wait_for(lambda: first_chunk_done(out), timeout=120), "no chunk finished"
    assert len(session_processes(process.pid)) >= 3
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    left = session_processes(process.pid)
    assert wait_for(lambda: not session_processes(process.pid), timeout=15), left


def die_in_a_worker(seconds: float, report: object = None) -> None:
    """A task whose worker is killed from outside, as the system kills one out of memory."""
    time.sleep(seconds)
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_from_outside_is_a_clear_error_not_a_traceback() -> None:
    from thresher.errors import WorkerError
    from thresher.run.pool import WorkerPool

    pool = WorkerPool(2)
    try:
        with pytest.raises(WorkerError, match="run the same command to resume"):
            pool.map(die_in_a_worker, [(0.0,), (0.0,)], lambda _: None)
    finally:
        pool.close()


def worker_pid(
    number: int, seconds: float = 0.0, report: Callable[[object], None] | None = None
) -> int:
    time.sleep(seconds)  # long enough that every worker takes a task
    if report is not None:
        report(number)
    return os.getpid()


def test_a_local_run_keeps_its_workers_for_every_pass_and_ends_them() -> None:
    from thresher.run.engine import EngineChoice, open_engine

    reported: list[object] = []
    tasks = [(n, 0.3) for n in range(4)]
    with open_engine(EngineChoice(workers=2), 4) as engine:
        first = engine.map(worker_pid, tasks, reported.append)
        second = engine.map(worker_pid, tasks, reported.append)
        workers = set(first)
    # the second pass ran in the first pass's processes: a new pool would be new ones
    assert len(workers) == 2 and set(second) <= workers and os.getpid() not in workers
    assert sorted(reported) == sorted([0, 1, 2, 3] * 2)
    assert wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=15)


def test_a_pool_whose_worker_died_starts_new_workers_for_the_next_map() -> None:
    from thresher.errors import WorkerError
    from thresher.run.pool import WorkerPool

    pool = WorkerPool(2)
    try:
        with pytest.raises(WorkerError):
            pool.map(die_in_a_worker, [(0.0,), (0.0,)], lambda _: None)
        pids = pool.map(worker_pid, [(0,), (1,)], lambda _: None)
        assert len(pids) == 2 and os.getpid() not in pids  # new workers ran both tasks
    finally:
        pool.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[-1].startswith("Z")
    except OSError:
        return True
