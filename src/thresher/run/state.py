"""What makes a run resumable: a fingerprint of its recipe and inputs in `run.json`, a record
per finished chunk of work, and markers for the corpus steps' decide and commit phases. Every
file is written under a temporary name and renamed, so a killed run leaves only whole files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import xxhash

from thresher.errors import ConfigError, OutputError
from thresher.readers import InputFile
from thresher.recipe import Recipe
from thresher.run.accounting import UnitResult

RUN_FILE = "run.json"
WORK_DIR = ".work"
DONE_DIR = "done"
STATE_VERSION = 1


def fingerprint(
    recipe: Recipe, files: list[InputFile], records_per_chunk: int, index: Path | None
) -> str:
    """Changes whenever the output could: the recipe, each input's name, size and mtime, the
    chunk size (it names the output shards) and the dedup index folder."""
    digest = xxhash.xxh3_128()
    digest.update(f"state {STATE_VERSION}\nchunk {records_per_chunk}\nindex {index}\n".encode())
    digest.update(recipe.dumps().encode("utf-8"))
    for item in files:
        stat = item.path.stat()
        line = f"{item.source}\0{item.format}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
        digest.update(line.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


class RunState:
    """The run folder's bookkeeping: `open` starts a run or resumes the one it finds."""

    def __init__(self, out: Path, run_id: str, resumed: bool) -> None:
        self.out, self.run_id, self.resumed = out, run_id, resumed
        self.work = out / WORK_DIR

    @classmethod
    def open(cls, out: Path, run_id: str, force: bool) -> RunState:
        resumed = False
        if out.exists() and any(out.iterdir()):
            if force:
                shutil.rmtree(out)
            elif not (out / RUN_FILE).exists():
                raise OutputError(
                    f"{out}: the output folder is not empty and holds no thresher run;"
                    " pass --force to replace it, or choose another folder"
                )
            else:
                cls._check_same_run(out, run_id)
                resumed = True
        try:
            (out / WORK_DIR / DONE_DIR).mkdir(parents=True, exist_ok=True)
            if not resumed:
                record = {"version": STATE_VERSION, "fingerprint": run_id}
                write_atomic(out / RUN_FILE, orjson.dumps(record, option=orjson.OPT_INDENT_2))
        except OSError as exc:
            raise OutputError(f"{out}: cannot write the run folder: {exc}") from exc
        return cls(out, run_id, resumed)

    @staticmethod
    def _check_same_run(out: Path, run_id: str) -> None:
        try:
            record = orjson.loads((out / RUN_FILE).read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise OutputError(f"{out / RUN_FILE}: unreadable ({exc}); pass --force") from exc
        if record.get("fingerprint") != run_id:
            raise ConfigError(
                f"{out}: this run folder was made with a different recipe, inputs, chunk size"
                " or index; resuming would mix two runs' outputs. Run the same command as"
                " before to resume it, pass --force to start afresh, or choose another folder"
            )

    def done_path(self, stage: int, unit: str, chunk: int) -> Path:
        return self.work / DONE_DIR / f"p{stage}-{unit}-c{chunk:05d}.json"

    def load_done(self, stage: int, unit: str, chunk: int) -> UnitResult | None:
        path = self.done_path(stage, unit, chunk)
        if not path.exists():
            return None
        return UnitResult.from_dict(orjson.loads(path.read_bytes()))

    def save_done(self, stage: int, unit: str, chunk: int, result: UnitResult) -> None:
        write_atomic(self.done_path(stage, unit, chunk), orjson.dumps(result.to_dict()))

    def marker(self, name: str) -> dict[str, Any] | None:
        path = self.work / f"{name}.json"
        return dict(orjson.loads(path.read_bytes())) if path.exists() else None

    def mark(self, name: str, content: dict[str, Any]) -> None:
        write_atomic(self.work / f"{name}.json", orjson.dumps(content))

    def clean_intermediates(self) -> None:
        """Drop what later passes read (documents, keys); keep the small done records, so that
        running the finished command again redoes nothing."""
        for path in self.work.iterdir():
            if path.is_dir() and path.name != DONE_DIR:
                shutil.rmtree(path)
