"""Units of work: the pieces a run is cut into, each processed whole by one worker and written
to its own shards, so that the output does not depend on how many workers there are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thresher.readers import InputFile
from thresher.recipe import Recipe
from thresher.steps import CorpusStep, Step, StepStats

RECORD_FILES_PER_UNIT = 500
# Files that hold one record (`.txt` records, HTML pages) or are smaller than SMALL_FILE_BYTES
# share units, up to RECORD_FILES_PER_UNIT files and UNIT_BYTES of input: 300 pages make one
# unit, one shard and one set of index files, not 300.
ONE_RECORD_FORMATS = frozenset({"record", "html"})
SMALL_FILE_BYTES = 64 << 10  # a few dozen JSONL records: grouping them costs no parallelism
UNIT_BYTES = 64 << 20
# A unit is read whole by one worker but processed and written in chunks of this many records:
# the grain of resuming. Small enough to lose little work to a kill, large enough that the
# per-chunk files stay few.
RECORDS_PER_CHUNK = 2000
MAX_RECORDS_PER_CHUNK = 2**20  # chunk rows must fit the dedup step's ordering numbers


@dataclass(frozen=True)
class Unit:
    index: int
    files: tuple[InputFile, ...]

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"


def plan_units(files: list[InputFile]) -> list[Unit]:
    """One unit per large file; small files (one-record formats, or under SMALL_FILE_BYTES)
    grouped in sorted order, up to RECORD_FILES_PER_UNIT files or UNIT_BYTES. `files` must be
    sorted, as `discover` returns them: the units depend on the files alone, never on workers."""
    groups: list[tuple[InputFile, ...]] = []
    pending: list[InputFile] = []
    pending_bytes = 0
    for item in files:
        size = item.size()
        size = SMALL_FILE_BYTES if size is None else size  # unreadable: a unit of its own
        if item.format not in ONE_RECORD_FORMATS and size >= SMALL_FILE_BYTES:
            groups.append((item,))
            continue
        if pending and pending_bytes + size > UNIT_BYTES:
            groups.append(tuple(pending))
            pending, pending_bytes = [], 0
        pending.append(item)
        pending_bytes += size
        if len(pending) == RECORD_FILES_PER_UNIT:
            groups.append(tuple(pending))
            pending, pending_bytes = [], 0
    if pending:
        groups.append(tuple(pending))
    return [Unit(index, group) for index, group in enumerate(groups)]


@dataclass(frozen=True)
class Pass:
    """One pass over every unit: apply the decisions of the corpus step `before` (from the
    previous pass), run the document `steps`, then collect keys for the corpus step `after`."""

    number: int
    steps: tuple[Step, ...]
    before: CorpusStep | None = None
    after: CorpusStep | None = None

    def new_stats(self) -> dict[str, StepStats]:
        steps = ([self.before] if self.before else []) + list(self.steps)
        return {step.name: StepStats(step.name) for step in steps}


def chunk_name(unit: Unit, chunk: int) -> str:
    return f"{unit.name}-c{chunk:05d}"


def keys_folder(work: Path, stage: int, unit: Unit, chunk: int) -> Path:
    """Where pass `stage` saves the keys (and its corpus step the decisions) of one chunk."""
    return work / f"keys-{stage}" / chunk_name(unit, chunk)


def documents_file(work: Path, stage: int, unit: Unit, chunk: int) -> Path:
    """Where pass `stage` leaves one chunk's documents for the next pass."""
    return work / f"pass-{stage}" / f"{chunk_name(unit, chunk)}.jsonl"


def plan_passes(recipe: Recipe) -> list[Pass]:
    """Cut the recipe at each corpus step: one pass when it has none."""
    passes: list[Pass] = []
    steps: list[Step] = []
    before: CorpusStep | None = None
    for step in recipe.steps:
        if isinstance(step, CorpusStep):
            passes.append(Pass(len(passes), tuple(steps), before, step))
            steps, before = [], step
        else:
            steps.append(step)
    passes.append(Pass(len(passes), tuple(steps), before, None))
    return passes
