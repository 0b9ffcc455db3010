"""Units of work: the pieces a run is cut into, each processed whole by one worker and written
to its own shards, so that the output does not depend on how many workers there are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thresher.readers import InputFile
from thresher.recipe import Recipe
from thresher.steps import CorpusStep, Step, StepStats

RECORD_FILES_PER_UNIT = 500
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
    """One unit per JSONL or Parquet file; one-record files grouped in runs of
    `RECORD_FILES_PER_UNIT`. `files` must be sorted, as `discover` returns them."""
    groups: list[tuple[InputFile, ...]] = []
    pending: list[InputFile] = []
    for item in files:
        if item.format == "record":
            pending.append(item)
            if len(pending) == RECORD_FILES_PER_UNIT:
                groups.append(tuple(pending))
                pending = []
        else:
            groups.append((item,))
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
