"""The local engine: units run in this process (`workers=1`) or in a pool of processes; each
unit writes its own shards, and results merge in unit order, so the output is byte-identical
for any number of workers."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import orjson

from thresher.document import SALVAGED, Document
from thresher.errors import ConfigError, OutputError
from thresher.readers import Quarantined, discover, read_file
from thresher.recipe import Recipe
from thresher.run.accounting import Summary, UnitResult
from thresher.run.plan import Pass, Unit, plan_passes, plan_units
from thresher.writers import shard_writer, write_jsonl

KEPT_DIR = "kept"
REJECTED_DIR = "rejected"
SUMMARY = "summary.json"
QUARANTINE = "quarantine.jsonl"
RECIPE = "recipe.yaml"
TIMING = "timing.json"
INDEX_DIR = "dedup-index"
WORK_DIR = ".work"

Progress = Callable[[int, int], None]  # (units done, units in all)


def run(
    inputs: list[str],
    output: str | Path,
    recipe: Recipe | None = None,
    *,
    workers: int = 1,
    force: bool = False,
    progress: Progress | None = None,
    index: str | Path | None = None,
) -> Summary:
    """Read `inputs` (files or folders), apply `recipe`, write kept, rejected, quarantine and
    the summary under `output`, and return the summary. A recipe with a corpus step (dedup)
    runs in passes; its index goes to `index` (read first when it exists, then extended), or
    to `output/dedup-index`."""
    recipe = recipe or Recipe.default()
    out = _prepare_output(Path(output), force)
    files, skipped = discover(inputs)
    units = plan_units(files)
    started = time.perf_counter()
    summary = Summary(skipped_files=skipped)
    quarantine: list[dict[str, object]] = []
    passes = plan_passes(recipe)
    if index is not None and len(passes) == 1:
        raise ConfigError(f"--index {index}: the recipe has no dedup step to use an index")
    state = Path(index) if index is not None else out / INDEX_DIR
    work = out / WORK_DIR
    ticker = _Ticker(progress, len(units) * len(passes))
    for stage in passes:
        for result in _execute(units, recipe, out, workers, ticker, stage):
            summary.add(result)
            quarantine.extend(result.quarantine)
        if stage.after is not None:
            folders = [stage.keys_folder(work, unit) for unit in units]
            summary.corpus[stage.after.name] = stage.after.decide(folders, state)
    for stage in passes:
        if stage.after is not None:
            stage.after.commit([stage.keys_folder(work, unit) for unit in units], state)
    shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - started
    write_jsonl(out / QUARANTINE, quarantine)
    (out / SUMMARY).write_bytes(orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2))
    (out / RECIPE).write_text(recipe.dumps(), encoding="utf-8")
    _write_timing(out, summary, seconds, workers)
    return summary


def _prepare_output(out: Path, force: bool) -> Path:
    if out.exists() and any(out.iterdir()):
        if not force:
            raise OutputError(f"{out}: the output folder is not empty; pass --force to replace it")
        shutil.rmtree(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc}") from exc
    return out


class _Ticker:
    """Progress over all passes: units done so far, of units times passes."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)


def _execute(
    units: list[Unit], recipe: Recipe, out: Path, workers: int, ticker: _Ticker, stage: Pass
) -> Iterator[UnitResult]:
    """Unit results in unit order, whatever order the workers finish in."""
    if workers <= 1 or len(units) <= 1:
        for unit in units:
            yield process_unit(unit, recipe, out, stage)
            ticker.tick()
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(process_unit, unit, recipe, out, stage) for unit in units]
        for _ in as_completed(futures):
            ticker.tick()
        for future in futures:
            yield future.result()


def process_unit(unit: Unit, recipe: Recipe, out: Path, stage: Pass | None = None) -> UnitResult:
    """One pass over one unit: read it (the input, or the previous pass's documents), apply the
    pass's steps, and write the documents on (the next pass's input, or the final shards)."""
    started = time.perf_counter()
    stage = stage or plan_passes(recipe)[0]
    work = out / WORK_DIR
    result = UnitResult(unit.index, steps=stage.new_stats())
    if stage.number == 0:
        docs: Iterator[Document] = _read_unit(unit, recipe, result)
    else:
        docs = _read_documents(stage.documents_file(work, unit, stage.number - 1))
    if stage.before is not None:
        folder = stage.keys_folder(work, unit, stage.number - 1)
        docs = stage.before.apply(docs, folder, result.steps[stage.before.name])
    for step in stage.steps:
        docs = step(docs, result.steps[step.name])
    if stage.after is not None:
        docs = stage.after.collect(docs, stage.keys_folder(work, unit), unit.index)
        _write_documents(stage.documents_file(work, unit), docs)
    else:
        _write_final(unit, recipe, out, docs, result)
    result.seconds = time.perf_counter() - started
    return result


def _write_final(
    unit: Unit, recipe: Recipe, out: Path, docs: Iterator[Document], result: UnitResult
) -> None:
    kept = shard_writer(recipe.writer.format, out / KEPT_DIR / unit.name)
    rejected = shard_writer(recipe.writer.format, out / REJECTED_DIR / unit.name)
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


def _read_unit(unit: Unit, recipe: Recipe, result: UnitResult) -> Iterator[Document]:
    """The unit's documents; quarantine entries are counted and set aside on the way."""
    options = recipe.reader
    for item in unit.files:
        result.counts(item.source)
        read = 0
        try:
            for record in read_file(item, options.text_field, options.id_field):
                read += 1
                yield from _route_read(record, item.source, result)
        except Exception as exc:  # a reader's unforeseen failure costs the rest of that file only
            error = f"reader failed: {type(exc).__name__}: {exc}"
            yield from _route_read(
                Quarantined(item.source, f"after record {read}", error), item.source, result
            )


def _route_read(
    record: Document | Quarantined, source: str, result: UnitResult
) -> Iterator[Document]:
    result.records_in[source] += 1
    if isinstance(record, Quarantined):
        result.counts(source).quarantined += 1
        result.quarantine.append(record.to_dict())
    else:
        yield record


def _write_timing(out: Path, summary: Summary, seconds: float, workers: int) -> None:
    records = sum(summary.records_in.values())
    timing = {
        "workers": workers,
        "seconds": round(seconds, 3),
        "docs_per_second": round(records / seconds, 1) if seconds else None,
        "steps_seconds": {name: round(s.seconds, 3) for name, s in summary.steps.items()},
    }
    (out / TIMING).write_bytes(orjson.dumps(timing, option=orjson.OPT_INDENT_2))
