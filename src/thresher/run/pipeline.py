"""The pipeline: a run cut into units and passes, each pass's units mapped over an engine
(`thresher.run.engine`: this process, a local pool of processes, or Ray tasks). Each
unit is processed and written in chunks of records, each chunk's output and accounting saved
whole before the next, so that a killed run, started again, redoes only unfinished chunks.
Results merge in (pass, unit, chunk) order: the output is byte-identical for any number of
workers and for any number of interruptions."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from thresher.dedup.index import LOCK as INDEX_LOCK
from thresher.document import SALVAGED, Document
from thresher.errors import ConfigError, InputError, OutputError, ThresherError
from thresher.readers import InputFile, Inputs, Quarantined, find_inputs, read_file
from thresher.recipe import ReaderOptions, Recipe
from thresher.report.collect import (
    KEPT_WHERE,
    REJECTED_WHERE,
    ChunkCollector,
    SignalCover,
    cluster_ids,
    shard_entry,
    write_record,
)
from thresher.run.accounting import Summary, UnitResult, id_hash
from thresher.run.engine import LOCAL, Engine, EngineChoice, open_engine
from thresher.run.plan import (
    MAX_RECORDS_PER_CHUNK,
    RECORDS_PER_CHUNK,
    Pass,
    Unit,
    chunk_name,
    documents_file,
    keys_folder,
    plan_passes,
    plan_units,
)
from thresher.run.progress import ChunkDone, Progress, Ticker
from thresher.run.state import (
    OWN_INDEX,
    WORK_DIR,
    FolderLock,
    RunRecord,
    RunState,
    check_output,
    refuse_overlap,
    write_atomic,
)
from thresher.steps import CorpusStep
from thresher.storage import RemotePath, is_url
from thresher.writers import shard_writer, write_jsonl

KEPT_DIR = "kept"
REJECTED_DIR = "rejected"
SUMMARY = "summary.json"
QUARANTINE = "quarantine.jsonl"
RECIPE = "recipe.yaml"
TIMING = "timing.json"
REPORT = "report.html"  # written by `thresher run` (thresher.report), after the run
_STARTS = "starts"  # the marker that lists each start of the run
START_FILE = "start"  # in .work: this start's token
INDEX_DIR = OWN_INDEX
# What a run writes in its folder besides its bookkeeping: what `--force` replaces (and all)
_RUN_FILES = (KEPT_DIR, REJECTED_DIR, QUARANTINE, SUMMARY, RECIPE, TIMING, REPORT)


@dataclass(frozen=True)
class _Job:
    """What every worker needs, pickled once per task."""

    recipe: Recipe
    out: Path
    run_id: str
    records_per_chunk: int
    start: str  # this start's token, in .work/start: a worker checks it sees this folder
    run_bytes: int = 0  # the inputs' size: a chunk's guess at the run's documents (report)
    cluster_ids: frozenset[str] = frozenset()  # whose URLs the report lists (the last pass)
    documents: int | None = None  # the run's, where known (a later pass): for the report


def run(
    inputs: list[str],
    output: str | Path,
    recipe: Recipe | None = None,
    *,
    workers: int = 1,
    force: bool = False,
    progress: Progress | None = None,
    index: str | Path | None = None,
    records_per_chunk: int = RECORDS_PER_CHUNK,
    engine: str = LOCAL,
    address: str | None = None,
    stage: str | Path | None = None,
) -> Summary:
    """Read `inputs` (files or folders), apply `recipe`, write kept, rejected, quarantine and
    the summary under `output`, and return the summary.

    `engine` runs the work: `"local"` (this process, or `workers` processes) or `"ray"` (Ray
    tasks: a local Ray with `workers` CPUs, or at most `workers` tasks at once on the cluster
    at `address`, or on the Ray this process has already joined); the output is the same.

    An `output` folder left by an interrupted run of the same recipe and inputs is resumed;
    one made differently is refused (`ConfigError`) unless `force` replaces it. A recipe with a
    corpus step (dedup) runs in passes; its index goes to `index` (read first when it exists,
    then extended), or to `output/dedup-index`.

    Inputs with nothing to read (no regular file of a known format, or only empty files) are
    refused before any work (`InputError`). Inputs whose files held no record at all (blank
    lines, an empty compressed stream) can only be known after reading: the run is finished
    (its folder written and balanced, at 0) and then ends with an `InputError`; the same call
    again resumes the finished run and ends with the same error.

    `output` and `index` may be store URLs (`s3://bucket/run`, any fsspec URL; inputs too):
    the run then works in a local copy, `stage` (default: one folder per URL under
    $THRESHER_STAGE or ~/.cache/thresher/stage), filled from the store at the start, and
    copies finished chunks to the store as it goes (thresher.storage)."""
    recipe = recipe or Recipe.default()
    choice = EngineChoice(engine, workers, address)
    choice.check()
    if not 1 <= records_per_chunk <= MAX_RECORDS_PER_CHUNK:
        raise ConfigError(
            f"records_per_chunk must be in [1, {MAX_RECORDS_PER_CHUNK}], got {records_per_chunk}"
        )
    passes = plan_passes(recipe)
    if index is not None and len(passes) == 1:
        raise ConfigError(f"--index {index}: the recipe has no dedup step to use an index")
    settings = Settings(recipe, passes, choice, records_per_chunk, force, progress)
    if is_url(output) or (index is not None and is_url(index)):
        from thresher.run.staged import run_staged  # fsspec: only for a store

        return run_staged(
            inputs, str(output), None if index is None else str(index), stage, settings
        )
    if stage is not None:
        raise ConfigError(f"--stage {stage}: only a run folder or index in a store is staged")
    return run_in_folder(inputs, Path(output), None if index is None else Path(index), settings)


@dataclass(frozen=True)
class Settings:
    """A run's settings, checked (`run`)."""

    recipe: Recipe
    passes: list[Pass]
    choice: EngineChoice
    records_per_chunk: int
    force: bool
    progress: Progress | None


def run_in_folder(
    inputs: list[str],
    out: Path,
    index_given: Path | None,
    settings: Settings,
    *,
    index_url: str | None = None,
    folder_key: str | None = None,
    checkpoint: Callable[[bool], None] | None = None,
) -> Summary:
    """`run` in the local folder `out`. A staged run (thresher.run.staged) names its index by
    `index_url` and its folder by `folder_key` (its URL), and has `checkpoint` called when
    the run starts, as chunks finish and at each pass's end (forced, `True`): it copies them
    to the store."""
    recipe, passes = settings.recipe, settings.passes
    refuse_overlap(out, inputs, index_given)
    found = find_inputs(inputs)
    found.require_records(inputs)
    index_dir = index_given if index_given is not None else out / INDEX_DIR
    chunk = settings.records_per_chunk
    record = RunRecord.of(recipe, found.files, chunk, index_given, index_url)
    if index_given is not None:  # refused before the run folder is touched (or replaced)
        _check_corpus_state(passes, index_given)
    check_output(out, _RUN_FILES)  # before the index lock is made (in a folder of the user's)
    with _index_locked(index_given):
        state = RunState.open(out, record, settings.force, _RUN_FILES, folder_key)
        # the run folder's own index is locked too: another run may use it as its --index
        own_index = index_dir if index_given is None and len(passes) > 1 else None
        try:
            with _index_locked(own_index):
                _check_corpus_state(passes, index_dir)  # a damaged index: refused up front
                summary = _run_in(
                    state,
                    recipe,
                    passes,
                    found,
                    index_dir,
                    chunk,
                    settings.choice,
                    settings.progress,
                    checkpoint or _nothing,
                )
        finally:
            state.close()
    _require_some_record(summary, found, out)
    return summary


def _nothing(force: bool = False) -> None:
    """No checkpoint: a local folder is whole as it is written."""


def _require_some_record(summary: Summary, found: Inputs, out: Path) -> None:
    """A run that read not one record (every file blank or empty) ends with an error: exit
    status 0 would say the corpus was cleaned."""
    if sum(summary.records_in.values()) == 0 and summary.totals.total == 0:
        count = len(found.files)
        files = "1 input file" if count == 1 else f"{count} input files"
        raise InputError(
            f"nothing to read: {files} held no record (all blank or empty); the run in {out}"
            " counted 0"
        )


@contextmanager
def _index_locked(index: Path | None) -> Iterator[None]:
    """Hold a dedup index folder's lock for the whole run (a forced rerun removes its own
    segments from it at the start, and the commit appends at the end)."""
    if index is None:
        yield
        return
    lock = FolderLock.take(index / INDEX_LOCK, f"dedup index {index}")
    try:
        yield
    finally:
        lock.release()


def _check_corpus_state(passes: list[Pass], index: Path) -> None:
    for stage in passes:
        if stage.after is not None:
            stage.after.check(stage.after.state_folder(index))


def _run_in(
    state: RunState,
    recipe: Recipe,
    passes: list[Pass],
    found: Inputs,
    index_dir: Path,
    records_per_chunk: int,
    choice: EngineChoice,
    progress: Progress | None,
    checkpoint: Callable[[bool], None],
) -> Summary:
    """The run proper, in the run folder `state` holds (locked), on the engine `choice` names
    (the driver here: each pass's tasks and each decision on the engine, the rest here)."""
    out, run_id, files = state.out, state.run_id, found.files
    units = plan_units(files)
    run_bytes = sum(item.size() or 0 for item in files)
    job = _Job(recipe, out, run_id, records_per_chunk, _start_token(state), run_bytes)
    started = time.perf_counter()
    summary = Summary(skipped_files=found.skipped, warnings=found.warnings)
    quarantine: list[dict[str, object]] = []
    chunks: dict[int, int] = {}
    ticker = Ticker(progress, len(passes), run_bytes)
    starts = _note_start(state, choice)
    checkpoint(True)  # the run's record before any of its data
    with open_engine(choice, len(units)) as engine:
        used = engine.workers
        for stage in passes:
            ticker.start_pass(stage.number, _documents(summary) if stage.number else None)
            stage_job = _job_for(job, stage, summary)
            results_by_unit = _execute(units, stage_job, stage, chunks, engine, ticker, checkpoint)
            for unit, results in zip(units, results_by_unit, strict=True):
                chunks.setdefault(unit.index, len(results))
                for result in results:
                    summary.add(result)
                    quarantine.extend(result.quarantine)
            if stage.after is not None:
                report = _decide(state, stage, units, chunks, index_dir, engine)
                summary.corpus[stage.after.name] = report
            checkpoint(True)
    for stage in passes:
        if stage.after is not None and state.marker(f"committed-{stage.number}") is None:
            folders = _keys_folders(state, stage, units, chunks)
            step_state = stage.after.state_folder(index_dir)
            stage.after.commit(folders, step_state, state.index_run(index_dir))
            state.mark(f"committed-{stage.number}", {})
            checkpoint(True)
    state.clean_intermediates()
    seconds = time.perf_counter() - started
    try:
        write_jsonl(out / QUARANTINE, quarantine)
        (out / SUMMARY).write_bytes(orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2))
        (out / RECIPE).write_text(recipe.dumps(), encoding="utf-8")
        _write_timing(out, summary, seconds, (used, choice.workers), state.resumed, starts)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write the run's summary: {exc}. Free space or fix the folder, then"
            " run the same command again (finished work is kept)"
        ) from exc
    return summary


def _job_for(job: _Job, stage: Pass, summary: Summary) -> _Job:
    """The last pass's job names what its chunks' report records need that is decided by
    now: the documents of the largest duplicate clusters (whose URLs they note), and the
    run's documents where the first pass counted them."""
    if stage.after is not None:
        return job
    documents = _documents(summary) if stage.number else None
    return replace(job, cluster_ids=frozenset(cluster_ids(summary.corpus)), documents=documents)


def _keys_folders(
    state: RunState, stage: Pass, units: list[Unit], chunks: dict[int, int]
) -> list[Path]:
    return [
        keys_folder(state.work, stage.number, unit, chunk)
        for unit in units
        for chunk in range(chunks[unit.index])
    ]


def _decide(
    state: RunState,
    stage: Pass,
    units: list[Unit],
    chunks: dict[int, int],
    index_dir: Path,
    engine: Engine,
) -> dict[str, object]:
    """The corpus step's decision over all chunks' keys, once: a resumed run reuses it. A step
    whose decision falls into independent partitions has them decided as the engine's tasks,
    with more than one worker (the same files and report for any number); else it is one task
    (the local engine runs it in this process)."""
    step = stage.after
    assert step is not None
    name = f"decided-{stage.number}"
    report = state.marker(name)
    if report is None:
        folders = _keys_folders(state, stage, units, chunks)
        step_state = step.state_folder(index_dir)
        run_id = state.index_run(index_dir)
        count = step.decide_partitions()
        if engine.workers > 1 and count > 1:
            tasks = [(step, folders, step_state, run_id, number) for number in range(count)]
            report = step.merge_reports(engine.map(_decide_partition, tasks, _no_report))
        else:
            whole = (step, folders, step_state, run_id)
            report = engine.map(_decide_whole, [whole], _no_report)[0]
        state.mark(name, report)
    return report


def _decide_partition(
    step: CorpusStep,
    folders: list[Path],
    state: Path,
    run_id: str,
    number: int,
    report: Callable[[object], None] | None = None,
) -> dict[str, Any]:
    """One partition of a corpus step's decision, in a worker process."""
    return step.decide_partition(folders, state, run_id, number)


def _decide_whole(
    step: CorpusStep,
    folders: list[Path],
    state: Path,
    run_id: str,
    report: Callable[[object], None] | None = None,
) -> dict[str, Any]:
    """A corpus step's whole decision, as one task."""
    return step.decide(folders, state, run_id)


def _no_report(_: object) -> None:
    """A decision's tasks report no progress."""


def _documents(summary: Summary) -> int:
    """The documents each pass after the first goes over: all read, less the quarantined."""
    return sum(summary.records_in.values()) - summary.totals.quarantined


def _execute(
    units: list[Unit],
    job: _Job,
    stage: Pass,
    chunks: dict[int, int],
    engine: Engine,
    ticker: Ticker,
    checkpoint: Callable[[bool], None],
) -> list[list[UnitResult]]:
    """Each unit's chunk results, in unit order, whatever order the engine finishes them in;
    each chunk reported to `ticker` as it is done (on Ray: as its unit's task ends), then
    `checkpoint` called."""

    def chunk_done(done: ChunkDone) -> None:
        ticker.chunk_done(done)
        checkpoint(False)

    tasks = [(unit, job, stage, chunks.get(unit.index)) for unit in units]
    return engine.map(process_unit, tasks, chunk_done)


def process_unit(
    unit: Unit,
    job: _Job,
    stage: Pass,
    chunk_count: int | None,
    report: Callable[[ChunkDone], None] | None = None,
) -> list[UnitResult]:
    """One pass over one unit, chunk by chunk; finished chunks are read back, not redone.
    `report` hears of each chunk as it is done."""
    _require_run_folder(job)
    state = RunState(job.out, job.run_id, resumed=True)
    results: list[UnitResult] = []
    if stage.number == 0:
        batches: Iterable[tuple[list[_Item], bool]] = _batches(
            _read_items(unit, job.recipe), job.records_per_chunk
        )
    else:
        count = chunk_count or 0
        batches = (([], chunk == count - 1) for chunk in range(count))
    files_read = _FilesRead(unit)
    # what the report's records guess the run's documents from: the unit's so far, its bytes
    unit_documents, unit_bytes = 0, sum(item.size() or 0 for item in unit.files)
    for chunk, (batch, last) in enumerate(batches):
        done = state.load_done(stage.number, unit.name, chunk)
        read_back = done is not None
        tally = _Tally()
        if done is None:
            try:
                so_far = (unit_documents, unit_bytes)
                done = _process_chunk(unit, chunk, batch, job, stage, state, tally, so_far)
                state.save_done(stage.number, unit.name, chunk, done)
            except OSError as exc:  # readers quarantine their own errors: this is the output
                raise OutputError(
                    f"{job.out}: cannot write the output of {chunk_name(unit, chunk)}"
                    f" ({', '.join(f.source for f in unit.files[:3])}): {exc}. Free space or"
                    " fix the folder, then run the same command again to resume"
                ) from exc
        results.append(done)
        unit_documents += _written(done)
        if report is not None:
            docs = _documents_in(done, stage, tally)
            finished = files_read.finished_by(batch, last) if stage.number == 0 else 0
            report(ChunkDone(docs, finished, read_back))
    return results


def _start_token(state: RunState) -> str:
    """A token new at each start, in the run folder, for workers to check (`_Job.start`)."""
    token = uuid.uuid4().hex
    write_atomic(state.work / START_FILE, token.encode("ascii"))
    return token


def _require_run_folder(job: _Job) -> None:
    """Refuse to work where the run folder is not this start's (a cluster node that does not
    share the driver's storage would write in a folder of its own, or in an old copy of the
    run's, lost to the run)."""
    try:
        token = (job.out / WORK_DIR / START_FILE).read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError):
        token = None
    if token != job.start:
        raise ConfigError(
            f"{job.out}: this worker ({socket.gethostname()}) does not see the run folder the"
            " run started in. On a cluster, the run folder (for a run in a store: --stage)"
            " must be on storage every node shares"
        )


def _written(done: UnitResult) -> int:
    """The documents a chunk wrote, kept and rejected (of a pass before the last: went on)."""
    return sum(counts.kept + counts.rejected for counts in done.files.values())


def _documents_in(done: UnitResult, stage: Pass, tally: _Tally) -> int:
    """A chunk's documents, for progress: what the first pass read; what a later pass went
    over (a chunk read back of the last pass: what it wrote; of a pass between two corpus
    steps: not known, 0)."""
    if stage.number == 0:
        return sum(done.records_in.values())
    return tally.count or _written(done)


class _Tally:
    """Counts the documents that go through it (a later pass's, read from the one before)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, docs: Iterator[Document]) -> Iterator[Document]:
        for doc in docs:
            self.count += 1
            yield doc


class _FilesRead:
    """A unit's input files by size, counted as they are read (progress's measure of the first
    pass): a file is finished when the next one starts, or with the unit; the file being read
    counts up to its reader's offset, where the system tells it (one big input file has a
    share done and an ETA before it ends)."""

    def __init__(self, unit: Unit) -> None:
        self.items = {item.source: item for item in unit.files}
        self.sizes = {item.source: item.size() or 0 for item in unit.files}
        self.current: str | None = None
        self.credited = 0  # of the current file

    def finished_by(self, batch: list[_Item], last: bool) -> int:
        """The bytes read since the last call."""
        read = 0
        for source, record in batch:
            if record is None:  # a file starts: the one before is read to its end
                read += self._finish()
                self.current = source
        if last:
            read += self._finish() + sum(self.sizes.values())
            self.sizes.clear()
        elif self.current is not None:
            offset = _read_offset(self.items[self.current].path)
            size = self.sizes.get(self.current, 0)
            if offset is not None and offset > self.credited:
                read += min(offset, size) - self.credited
                self.credited = min(offset, size)
        return read

    def _finish(self) -> int:
        if self.current is None:
            return 0
        rest = self.sizes.pop(self.current, 0) - self.credited
        self.current, self.credited = None, 0
        return max(rest, 0)


def _read_offset(path: Path | RemotePath) -> int | None:
    """How far this process has read `path`: the offset of its open descriptor, from Linux's
    /proc (None elsewhere, for a file in a store, or when the reader holds it some other
    way)."""
    if not isinstance(path, Path):
        return None
    try:
        target = str(path.resolve())
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for fd in descriptors:
        try:  # one closed since the listing (the listing's own) is passed over
            if os.readlink(f"/proc/self/fd/{fd}") == target:
                with open(f"/proc/self/fdinfo/{fd}", encoding="ascii") as info:
                    return int(info.readline().split()[1])  # "pos:\t123"
        except (OSError, ValueError, IndexError):
            continue
    return None


def _process_chunk(
    unit: Unit,
    chunk: int,
    batch: list[_Item],
    job: _Job,
    stage: Pass,
    state: RunState,
    tally: _Tally,
    unit_so_far: tuple[int, int],
) -> UnitResult:
    """`unit_so_far`: the documents the unit's chunks before this one wrote, and the unit's
    input bytes."""
    started = time.perf_counter()
    result = UnitResult(unit.index, steps=stage.new_stats())
    if stage.number == 0:
        docs: Iterator[Document] = job.recipe.reader.within_bounds(_route(batch, result))
    else:
        docs = tally(_read_documents(documents_file(state.work, stage.number - 1, unit, chunk)))
    if stage.before is not None:
        folder = keys_folder(state.work, stage.number - 1, unit, chunk)
        docs = stage.before.apply(docs, folder, result.steps[stage.before.name])
    for step in stage.steps:
        docs = step(docs, result.steps[step.name])
    if stage.after is not None:
        folder = keys_folder(state.work, stage.number, unit, chunk)
        docs = stage.after.collect(docs, folder, unit.index * 2**20 + chunk)
        _write_documents(documents_file(state.work, stage.number, unit, chunk), docs)
    else:
        name = chunk_name(unit, chunk)
        cover = SignalCover(*unit_so_far, job.run_bytes, job.documents)
        collector = ChunkCollector(job.cluster_ids, cover=cover)
        shards = _write_final(name, job, docs, result, collector)
        write_record(state.work, name, collector.record(shards))
    result.seconds = time.perf_counter() - started
    return result


def _write_final(
    name: str, job: _Job, docs: Iterator[Document], result: UnitResult, collector: ChunkCollector
) -> list[list[Any] | None]:
    """Write the chunk's kept and rejected shards, `collector` noting what the report needs
    of them as they go (it then reads back only the documents it shows); the shards."""
    kept = shard_writer(job.recipe.writer.format, job.out / KEPT_DIR / name)
    rejected = shard_writer(job.recipe.writer.format, job.out / REJECTED_DIR / name)
    for doc in docs:
        counts = result.counts(str(doc.metadata.get("source", "")))
        result.breakdown.add(doc)
        if doc.rejection is None:
            counts.kept += 1
            counts.salvaged += bool(doc.metadata.get(SALVAGED))
            collector.add(doc, KEPT_WHERE, kept.count)
            kept.write(doc)
        else:
            counts.rejected += 1
            result.reasons[doc.rejection.reason] += 1
            collector.add(doc, REJECTED_WHERE, rejected.count)
            rejected.write(doc)
    return [shard_entry(kept.close()), shard_entry(rejected.close())]


def _write_documents(path: Path, docs: Iterator[Document]) -> None:
    """Documents between passes, whole (text, metadata, ledger, verdict), one JSON a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        for doc in docs:
            out.write(orjson.dumps(doc.to_dict()) + b"\n")
    os.replace(partial, path)


def _read_documents(path: Path) -> Iterator[Document]:
    with path.open("rb") as lines:
        for line in lines:
            yield Document.from_dict(orjson.loads(line))


# What a unit's reading yields: a file starting (its source), or one record read from it.
_Item = tuple[str, Document | Quarantined | None]


def read_records(item: InputFile, options: ReaderOptions) -> Iterator[Document | Quarantined]:
    """One input file's records, read as the recipe's reader options say."""
    return read_file(
        item,
        options.text_field,
        options.id_field,
        options.max_record_bytes,
        extract=options.extract,
    )


def _read_items(unit: Unit, recipe: Recipe) -> Iterator[_Item]:
    """The unit's records, each with its source file; a file's failure mid-way costs the rest
    of that file only, as one quarantine entry."""
    options = recipe.reader
    for item in unit.files:
        yield item.source, None
        read = 0
        try:
            for record in read_records(item, options):
                read += 1
                yield item.source, record
        except ThresherError:  # a store that could not be read: the run stops, and resumes
            raise
        except Exception as exc:
            error = f"reader failed: {type(exc).__name__}: {exc}"
            yield item.source, Quarantined(item.source, f"after record {read}", error)


def _batches(items: Iterator[_Item], size: int) -> Iterator[tuple[list[_Item], bool]]:
    """Chunks of `size` records (file starts ride along), each with whether it is the unit's
    last (known by reading one item ahead); at least one, even if empty."""
    batch: list[_Item] = []
    records = 0
    for item in items:
        if records == size:  # full, and something follows
            yield batch, False
            batch, records = [], 0
        batch.append(item)
        if item[1] is not None:
            records += 1
    yield batch, True


def _route(batch: list[_Item], result: UnitResult) -> Iterator[Document]:
    """Count what was read; set quarantine entries aside; pass documents on."""
    for source, record in batch:
        result.counts(source)
        if record is None:
            continue
        result.records_in[source] += 1
        if isinstance(record, Quarantined):
            result.counts(source).quarantined += 1
            result.quarantine.append(record.to_dict())
        else:
            result.id_hashes.append(id_hash(record.id))
            yield record


def _note_start(state: RunState, choice: EngineChoice) -> list[dict[str, object]]:
    """Every start of this run so far, this one last (kept in the run's bookkeeping folder,
    and written to `timing.json` when it finishes): when, on which engine, by which
    thresher."""
    found = state.marker(_STARTS) or _finished_starts(state.out / TIMING)
    starts: list[dict[str, object]] = list(found["starts"]) if found else []
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    start = {"started": started, "engine": choice.name, "workers": choice.workers}
    starts.append({**start, "thresher": _thresher_version()})
    state.mark(_STARTS, {"starts": starts})
    return starts


def _finished_starts(timing: Path) -> dict[str, Any] | None:
    """The starts a finished run recorded (the same command run again on it is one more)."""
    try:
        found = orjson.loads(timing.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("starts"), list) else None


def _thresher_version() -> str:
    import thresher  # the package imports this module: its version is there by run time

    return thresher.__version__


def _write_timing(
    out: Path,
    summary: Summary,
    seconds: float,
    workers: tuple[int, int],
    resumed: bool,
    starts: list[dict[str, object]],
) -> None:
    """`workers`: those used, and those asked for (more than could help are not started);
    `starts`: each time the run was started (more than one: it was resumed)."""
    records = sum(summary.records_in.values())
    used, asked = workers
    timing = {
        "thresher": _thresher_version(),
        "workers": used,
        "workers_requested": asked,
        "resumed": resumed,
        "starts": starts,
        "seconds": round(seconds, 3),
        "docs_per_second": round(records / seconds, 1) if seconds else None,
        "steps_seconds": {name: round(s.seconds, 3) for name, s in summary.steps.items()},
    }
    (out / TIMING).write_bytes(orjson.dumps(timing, option=orjson.OPT_INDENT_2))
