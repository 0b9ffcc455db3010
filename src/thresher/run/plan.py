"""Units of work: the pieces a run is cut into, each processed whole by one worker and written
to its own shards, so that the output does not depend on how many workers there are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thresher.readers import InputFile
from thresher.recipe import Recipe
from thresher.steps import CorpusStep, Step, StepStats

RECORD_FILES_PER_UNIT = 500


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

    def keys_folder(self, work: Path, unit: Unit, number: int | None = None) -> Path:
        return work / f"keys-{self.number if number is None else number}" / unit.name

    def documents_file(self, work: Path, unit: Unit, number: int | None = None) -> Path:
        return work / f"pass-{self.number if number is None else number}" / f"{unit.name}.jsonl"


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
