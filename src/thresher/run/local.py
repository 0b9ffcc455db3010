"""The local engine: units run in this process (`workers=1`) or in a pool of processes. Each
unit is processed and written in chunks of records, each chunk's output and accounting saved
whole before the next, so that a killed run, started again, redoes only unfinished chunks.
Results merge in (pass, unit, chunk) order: the output is byte-identical for any number of
workers and for any number of interruptions."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import orjson

from thresher.document import SALVAGED, Document, Rejection
from thresher.errors import ConfigError, OutputError
from thresher.readers import InputFile, Quarantined, discover, read_file
from thresher.recipe import ReaderOptions, Recipe
from thresher.run.accounting import Summary, UnitResult
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
from thresher.run.state import RunState, fingerprint
from thresher.writers import shard_writer, write_jsonl

KEPT_DIR = "kept"
REJECTED_DIR = "rejected"
SUMMARY = "summary.json"
QUARANTINE = "quarantine.jsonl"
RECIPE = "recipe.yaml"
TIMING = "timing.json"
INDEX_DIR = "dedup-index"

Progress = Callable[[int, int], None]  # (units done, units in all)


@dataclass(frozen=True)
class _Job:
    """What every worker needs, pickled once per task."""

    recipe: Recipe
    out: Path
    run_id: str
    records_per_chunk: int


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
) -> Summary:
    """Read `inputs` (files or folders), apply `recipe`, write kept, rejected, quarantine and
    the summary under `output`, and return the summary.

    An `output` folder left by an interrupted run of the same recipe and inputs is resumed;
    one made differently is refused (`ConfigError`) unless `force` replaces it. A recipe with a
    corpus step (dedup) runs in passes; its index goes to `index` (read first when it exists,
    then extended), or to `output/dedup-index`."""
    recipe = recipe or Recipe.default()
    if not 1 <= records_per_chunk <= MAX_RECORDS_PER_CHUNK:
        raise ConfigError(
            f"records_per_chunk must be in [1, {MAX_RECORDS_PER_CHUNK}], got {records_per_chunk}"
        )
    passes = plan_passes(recipe)
    if index is not None and len(passes) == 1:
        raise ConfigError(f"--index {index}: the recipe has no dedup step to use an index")
    files, skipped = discover(inputs)
    out = Path(output)
    index_dir = Path(index) if index is not None else out / INDEX_DIR
    run_id = fingerprint(recipe, files, records_per_chunk, Path(index) if index else None)
    state = RunState.open(out, run_id, force)
    units = plan_units(files)
    job = _Job(recipe, out, run_id, records_per_chunk)
    started = time.perf_counter()
    summary = Summary(skipped_files=skipped)
    quarantine: list[dict[str, object]] = []
    chunks: dict[int, int] = {}
    ticker = _Ticker(progress, len(units) * len(passes))
    for stage in passes:
        results_by_unit = _execute(units, job, stage, chunks, workers, ticker)
        for unit, results in zip(units, results_by_unit, strict=True):
            chunks.setdefault(unit.index, len(results))
            for result in results:
                summary.add(result)
                quarantine.extend(result.quarantine)
        if stage.after is not None:
            summary.corpus[stage.after.name] = _decide(state, stage, units, chunks, index_dir)
    for stage in passes:
        if stage.after is not None and state.marker(f"committed-{stage.number}") is None:
            folders = _keys_folders(state, stage, units, chunks)
            stage.after.commit(folders, index_dir, run_id)
            state.mark(f"committed-{stage.number}", {})
    state.clean_intermediates()
    seconds = time.perf_counter() - started
    try:
        write_jsonl(out / QUARANTINE, quarantine)
        (out / SUMMARY).write_bytes(orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2))
        (out / RECIPE).write_text(recipe.dumps(), encoding="utf-8")
        _write_timing(out, summary, seconds, workers, state.resumed)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write the run's summary: {exc}. Free space or fix the folder, then"
            " run the same command again (finished work is kept)"
        ) from exc
    return summary


def _keys_folders(
    state: RunState, stage: Pass, units: list[Unit], chunks: dict[int, int]
) -> list[Path]:
    return [
        keys_folder(state.work, stage.number, unit, chunk)
        for unit in units
        for chunk in range(chunks[unit.index])
    ]


def _decide(
    state: RunState, stage: Pass, units: list[Unit], chunks: dict[int, int], index_dir: Path
) -> dict[str, object]:
    """The corpus step's decision over all chunks' keys, once: a resumed run reuses it."""
    assert stage.after is not None
    name = f"decided-{stage.number}"
    report = state.marker(name)
    if report is None:
        report = stage.after.decide(_keys_folders(state, stage, units, chunks), index_dir)
        state.mark(name, report)
    return report


class _Ticker:
    """Progress over all passes: units done so far, of units times passes."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)


def _execute(
    units: list[Unit],
    job: _Job,
    stage: Pass,
    chunks: dict[int, int],
    workers: int,
    ticker: _Ticker,
) -> Iterator[list[UnitResult]]:
    """Each unit's chunk results, in unit order, whatever order the workers finish in."""
    tasks = [(unit, job, stage, chunks.get(unit.index)) for unit in units]
    if workers <= 1 or len(units) <= 1:
        for task in tasks:
            yield process_unit(*task)
            ticker.tick()
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(process_unit, *task) for task in tasks]
        for _ in as_completed(futures):
            ticker.tick()
        for future in futures:
            yield future.result()


def process_unit(unit: Unit, job: _Job, stage: Pass, chunk_count: int | None) -> list[UnitResult]:
    """One pass over one unit, chunk by chunk; finished chunks are read back, not redone."""
    state = RunState(job.out, job.run_id, resumed=True)
    results: list[UnitResult] = []
    if stage.number == 0:
        batches: Iterable[list[_Item]] = _batches(
            _read_items(unit, job.recipe), job.records_per_chunk
        )
    else:
        batches = ([] for _ in range(chunk_count or 0))
    for chunk, batch in enumerate(batches):
        done = state.load_done(stage.number, unit.name, chunk)
        if done is None:
            try:
                done = _process_chunk(unit, chunk, batch, job, stage, state)
                state.save_done(stage.number, unit.name, chunk, done)
            except OSError as exc:  # readers quarantine their own errors: this is the output
                raise OutputError(
                    f"{job.out}: cannot write the output of {chunk_name(unit, chunk)}"
                    f" ({', '.join(f.source for f in unit.files[:3])}): {exc}. Free space or"
                    " fix the folder, then run the same command again to resume"
                ) from exc
        results.append(done)
    return results


def _process_chunk(
    unit: Unit, chunk: int, batch: list[_Item], job: _Job, stage: Pass, state: RunState
) -> UnitResult:
    started = time.perf_counter()
    result = UnitResult(unit.index, steps=stage.new_stats())
    if stage.number == 0:
        docs: Iterator[Document] = _within_bounds(_route(batch, result), job.recipe.reader)
    else:
        docs = _read_documents(documents_file(state.work, stage.number - 1, unit, chunk))
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
        _write_final(chunk_name(unit, chunk), job, docs, result)
    result.seconds = time.perf_counter() - started
    return result


def _write_final(name: str, job: _Job, docs: Iterator[Document], result: UnitResult) -> None:
    kept = shard_writer(job.recipe.writer.format, job.out / KEPT_DIR / name)
    rejected = shard_writer(job.recipe.writer.format, job.out / REJECTED_DIR / name)
    for doc in docs:
        counts = result.counts(str(doc.metadata.get("source", "")))
        if doc.rejection is None:
            counts.kept += 1
            counts.salvaged += bool(doc.metadata.get(SALVAGED))
            kept.write(doc)
        else:
            counts.rejected += 1
            result.reasons[doc.rejection.reason] += 1
            rejected.write(doc)
    kept.close()
    rejected.close()


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
        except Exception as exc:
            error = f"reader failed: {type(exc).__name__}: {exc}"
            yield item.source, Quarantined(item.source, f"after record {read}", error)


def _batches(items: Iterator[_Item], size: int) -> Iterator[list[_Item]]:
    """Chunks of `size` records (file starts ride along); at least one, even if empty."""
    batch: list[_Item] = []
    records = 0
    emitted = False
    for item in items:
        batch.append(item)
        if item[1] is not None:
            records += 1
            if records == size:
                yield batch
                batch, records, emitted = [], 0, True
    if batch or not emitted:
        yield batch


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
            yield record


TOO_LARGE = "too-large"
TOO_MANY_LINES = "too-many-lines"


def _within_bounds(docs: Iterator[Document], options: ReaderOptions) -> Iterator[Document]:
    """Reject documents too big for the steps before any step sees them."""
    for doc in docs:
        if len(doc.text) > options.max_chars:
            detail = f"{len(doc.text)} characters, over max_chars ({options.max_chars})"
            doc.rejection = Rejection("reader", TOO_LARGE, detail)
        else:
            lines = doc.text.count("\n") + 1
            if lines > options.max_lines:
                detail = f"{lines} lines, over max_lines ({options.max_lines})"
                doc.rejection = Rejection("reader", TOO_MANY_LINES, detail)
        yield doc


def _write_timing(out: Path, summary: Summary, seconds: float, workers: int, resumed: bool) -> None:
    records = sum(summary.records_in.values())
    timing = {
        "workers": workers,
        "resumed": resumed,
        "seconds": round(seconds, 3),
        "docs_per_second": round(records / seconds, 1) if seconds else None,
        "steps_seconds": {name: round(s.seconds, 3) for name, s in summary.steps.items()},
    }
    (out / TIMING).write_bytes(orjson.dumps(timing, option=orjson.OPT_INDENT_2))
