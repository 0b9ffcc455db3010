"""Units of work: the pieces a run is cut into, each processed whole by one worker and written
to its own shards, so that the output does not depend on how many workers there are."""

from __future__ import annotations

from dataclasses import dataclass

from thresher.readers import InputFile

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
