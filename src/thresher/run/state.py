"""What makes a run resumable: a fingerprint of its recipe and inputs in `run.json` (with the
details that say what changed when a resume is refused), a record per finished chunk of work,
and markers for the corpus steps' decide and commit phases. Every file is written under a
temporary name and renamed, so a killed run leaves only whole files.

What keeps a run folder safe: a run never writes into an input, holds a lock on its folder
while it runs (`.work/lock`), and `--force` replaces only a thresher run, only its own files,
after taking the run out of the dedup index it added to."""

from __future__ import annotations

import contextlib
import datetime
import difflib
import errno
import fcntl
import os
import re
import shutil
import socket
import stat
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import xxhash

from thresher.dedup.index import LOCK as INDEX_LOCK
from thresher.dedup.index import forget_run
from thresher.errors import ConfigError, OutputError
from thresher.readers import InputFile
from thresher.recipe import Recipe
from thresher.run.accounting import UnitResult
from thresher.steps import STATE_DIR, CorpusStep, step_class
from thresher.storage import is_url

RUN_FILE = "run.json"
WORK_DIR = ".work"
DONE_DIR = "done"
LOCK_FILE = "lock"  # in WORK_DIR; never removed, so that two runs always lock the same file
ID_FILE = "id"  # in WORK_DIR: the run's own id, outside run.json (identical runs, same files)
OWN_INDEX = "dedup-index"
# 2: units group small files, and the output changed (line separators, not-text, input fields):
# a run folder of version 1 is not resumed. 3: a corpus step's chunk files name documents by
# key (documents.npy), not by row.
STATE_VERSION = 4  # 4: chunk records hold the per-rule, language and site counts
_SHOWN = 8  # names listed in a refusal


def fingerprint(
    recipe: Recipe, files: list[InputFile], records_per_chunk: int, index: Path | str | None
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


@dataclass(frozen=True)
class RunRecord:
    """What `run.json` holds: the fingerprint that decides whether a run folder resumes, and
    what went into it, so that a refusal can say what changed. Nothing in it depends on the
    output folder's name: identical commands give identical run files."""

    fingerprint: str
    recipe: str
    inputs: list[dict[str, Any]]  # source, format, size, mtime_ns
    records_per_chunk: int
    index: str | None  # --index as given; None: the run folder's own index
    index_path: str | None  # the same, resolved

    @classmethod
    def of(
        cls,
        recipe: Recipe,
        files: list[InputFile],
        records_per_chunk: int,
        index: Path | None,
        index_url: str | None = None,
    ) -> RunRecord:
        """`index_url`: the store the index folder `index` stages (thresher.storage), which
        names the index in the fingerprint: the same wherever it is staged."""
        inputs = []
        for item in files:
            stat = item.path.stat()
            inputs.append(
                {
                    "source": item.source,
                    "format": item.format,
                    "size": stat.st_size,
                    "mtime_ns": stat.st_mtime_ns,
                }
            )
        named = index_url or index
        return cls(
            fingerprint=fingerprint(recipe, files, records_per_chunk, named),
            recipe=recipe.dumps(),
            inputs=inputs,
            records_per_chunk=records_per_chunk,
            index=None if named is None else str(named),
            index_path=None if index is None else str(index.resolve()),
        )

    def to_json(self) -> bytes:
        record = {"version": STATE_VERSION, **self.__dict__}
        return orjson.dumps(record, option=orjson.OPT_INDENT_2)

    def changes_from(self, old: dict[str, Any]) -> list[str]:
        """What differs from the run recorded in `old`, one entry a change; empty for a
        run.json written before these details were kept."""
        changes: list[str] = []
        if old.get("version") != STATE_VERSION:
            changes.append(
                f"run folder format: {old.get('version')} before (another thresher version),"
                f" {STATE_VERSION} now"
            )
        if isinstance(old.get("inputs"), list):
            changes += _input_changes(old["inputs"], self.inputs)
        if isinstance(old.get("recipe"), str) and old["recipe"] != self.recipe:
            changes.append("recipe:" + _recipe_diff(old["recipe"], self.recipe))
        before_chunk = old.get("records_per_chunk", self.records_per_chunk)
        if before_chunk != self.records_per_chunk:
            changes.append(
                f"records per chunk: {before_chunk} before, {self.records_per_chunk} now"
            )
        if "index" in old and old["index"] != self.index:
            changes.append(
                f"dedup index: {_index_name(old['index'])} before, {_index_name(self.index)} now"
            )
        return changes


def _index_name(index: str | None) -> str:
    return "the run folder's own" if index is None else repr(index)


def _recipe_diff(before: str, now: str, shown: int = 20) -> str:
    lines = difflib.unified_diff(before.splitlines(), now.splitlines(), n=0, lineterm="")
    changed = [line for line in lines if not line.startswith(("---", "+++", "@@"))]
    more = f"\n    ... and {len(changed) - shown} more lines" if len(changed) > shown else ""
    return "".join(f"\n    {line}" for line in changed[:shown]) + more


def _input_changes(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    old = {entry.get("source"): entry for entry in before if isinstance(entry, dict)}
    new = {entry["source"]: entry for entry in now}
    changes = []
    for source in sorted(old.keys() | new.keys(), key=str):
        was, is_ = old.get(source), new.get(source)
        if was is None and is_ is not None:
            changes.append(f"input {source}: new ({_file_state(is_)})")
        elif is_ is None and was is not None:
            changes.append(f"input {source}: gone (was {_file_state(was)})")
        elif was != is_ and was is not None and is_ is not None:
            exact = _file_state(was) == _file_state(is_)
            formats = f" (read as {was.get('format')}, now {is_['format']})"
            changes.append(
                f"input {source}: {_file_state(was, exact)} before,"
                f" {_file_state(is_, exact)} now"
                + (formats if was.get("format") != is_["format"] else "")
            )
    if len(changes) > _SHOWN:
        changes[_SHOWN:] = [f"... and {len(changes) - _SHOWN} more inputs changed"]
    return changes


def _file_state(entry: dict[str, Any], exact: bool = False) -> str:
    when = datetime.datetime.fromtimestamp(int(entry.get("mtime_ns", 0)) / 1e9)
    stamp = when.isoformat(sep=" ", timespec="microseconds" if exact else "seconds")
    return f"{entry.get('size')} bytes, modified {stamp}"


def is_run_folder(path: Path) -> bool:
    """Whether `path` holds a thresher run (a `run.json` thresher wrote): discovery leaves
    such folders out of the inputs, and `--force` replaces nothing else."""
    return _read_record(path) is not None


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        if not stat.S_ISREG((path / RUN_FILE).stat().st_mode):
            return None  # a FIFO or a device named run.json is never opened
        data = (path / RUN_FILE).read_bytes()
    except OSError:
        return None
    return run_record(data)


def run_record(data: bytes) -> dict[str, Any] | None:
    """A run.json's record, if `data` is one thresher wrote."""
    try:
        record = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if isinstance(record, dict) and "fingerprint" in record and "version" in record:
        return record
    return None


def refuse_overlap(output: Path, inputs: Iterable[str], index: Path | None) -> None:
    """Refuse an output (or dedup index) folder that is, contains or lies inside an input:
    the run would read its own output, or `--force` replace the input. Paths are compared
    resolved (symbolic links, `..`)."""
    out = output.resolve()
    if index is not None and _overlap(index.resolve(), out) in ("is", "lies inside"):
        raise ConfigError(
            f"--index {index}: the dedup index folder {_overlap(index.resolve(), out)} the"
            f" output folder {output}; a run keeps its own index in {output / OWN_INDEX}"
            " already. Leave --index out, or give a folder outside the output folder"
        )
    for arg in inputs:
        source = Path(arg).resolve()
        if source.is_dir() and is_run_folder(source):
            raise ConfigError(
                f"{arg}: this input is a thresher run folder; reading it whole would read its"
                f" bookkeeping and rejected documents. To clean its kept documents again, give"
                f" {Path(arg) / 'kept'}"
            )
        relation = _overlap(out, source)
        if relation:
            raise ConfigError(
                f"-o {output}: the output folder {relation} the input {arg}"
                f"{_resolved(output, out, arg, source)}; a run must not read its own output or"
                " write over its input. Choose an output folder outside every input"
            )
        relation = _overlap(index.resolve(), source) if index is not None else ""
        if index is not None and relation:
            raise ConfigError(
                f"--index {index}: the dedup index folder {relation} the input {arg}"
                f"{_resolved(index, index.resolve(), arg, source)}; the index would be read"
                " as input. Choose an index folder outside every input"
            )


def _overlap(folder: Path, source: Path) -> str:
    if folder == source:
        return "is"
    if folder.is_relative_to(source):
        return "lies inside"
    if source.is_relative_to(folder):
        return "contains"
    return ""


def _resolved(given: Path, real: Path, arg: str, source: Path) -> str:
    """Where a link made two names one folder, the folders they name."""
    if Path(os.path.abspath(given)) == real and Path(os.path.abspath(arg)) == source:
        return ""
    return f" (both {real})" if real == source else f" ({real} and {source})"


class FolderLock:
    """An exclusive `flock` on a folder's lock file, with the holder's pid and host written in
    it for whoever is refused. The kernel drops it when the holder dies, however it dies: a
    lock left by a dead run is simply taken."""

    def __init__(self, handle: int) -> None:
        self.handle = handle

    @classmethod
    def take(cls, path: Path, what: str) -> FolderLock:
        """Lock `path` (a lock file, made if absent) for `what` (the folder it guards, as the
        messages name it), or raise `OutputError` naming the process that holds it."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"{what}: cannot write its lock file {path}: {exc}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(handle)
            os.close(handle)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(f"{what}: cannot lock it ({path}): {exc}") from exc
            raise OutputError(
                f"{what}: another thresher run is using this folder ({holder}); wait for it to"
                " end, or stop it, then run the command again"
            ) from exc
        since = datetime.datetime.now().isoformat(sep=" ", timespec="seconds")
        holder_record = {"pid": os.getpid(), "host": socket.gethostname(), "since": since}
        os.ftruncate(handle, 0)
        os.pwrite(handle, orjson.dumps(holder_record), 0)
        return cls(handle)

    def release(self) -> None:
        """Unlock, leaving the file empty: a finished run names no process."""
        os.ftruncate(self.handle, 0)
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        os.close(self.handle)


def _holder(handle: int) -> str:
    try:
        holder = orjson.loads(os.pread(handle, 4096, 0))
        since = f", since {holder['since']}" if "since" in holder else ""
        return f"process {holder['pid']} on {holder['host']}{since}"
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return "a process that has not yet written its name"


def _is_start_leftover(entry: Path) -> bool:
    """A `.work` folder with nothing but what a run writes before its `run.json`: a run that
    died at its very start (or the lock of one refused)."""
    if entry.name != WORK_DIR or not entry.is_dir():
        return False
    allowed = {LOCK_FILE, ID_FILE, ID_FILE + ".partial", DONE_DIR}
    return all(
        e.name in allowed and (e.name != DONE_DIR or not any(e.iterdir())) for e in entry.iterdir()
    )


def _refuse_foreign(out: Path) -> None:
    """Refuse a folder that holds something other than a thresher run, listing what is there;
    thresher writes only into a new or empty folder or one of its own run folders."""
    if not out.is_dir() or is_run_folder(out):
        return
    found = sorted(
        e.name + ("/" if e.is_dir() else "") for e in out.iterdir() if not _is_start_leftover(e)
    )
    if found:
        shown = ", ".join(found[:_SHOWN]) + (
            f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
        )
        raise OutputError(
            f"-o {out}: the folder is not empty ({shown}) and holds no thresher run"
            f" (no {RUN_FILE} of thresher's); a run writes only into a new or empty folder, or"
            " into a thresher run folder. Choose another folder"
        )


def check_output(out: Path, run_files: Iterable[str] = ()) -> None:
    """Refuse, before anything is written, an output that is not a folder, a folder holding
    something other than a thresher run, and a run folder whose own entries (`.work`, `kept`,
    the index…) are links: a run writes and deletes inside them, and must never do so in a
    folder elsewhere."""
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"-o {out}: not a folder; give a folder (a new one, an empty one, or a thresher"
            " run folder)"
        )
    _refuse_foreign(out)
    for name in (WORK_DIR, RUN_FILE, OWN_INDEX, *run_files):
        if (out / name).is_symlink():
            raise OutputError(
                f"-o {out}: {name} in it is a link (to {os.readlink(out / name)}); a run writes"
                " and deletes only inside its own folder. Replace the link by a folder or file"
                " of its own, or choose another output folder"
            )


def _remove(path: Path) -> None:
    """A file or folder, if there (never what a link points to)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _read_id(out: Path, key: str | None = None) -> str | None:
    """The run's id, where `.work/id` was written for this very folder: a copy of a run folder
    (`cp -a`) is another folder, and must not take the original's segments out of an index;
    a folder moved within its file system keeps its inode, and its id."""
    try:
        words = (out / WORK_DIR / ID_FILE).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    if not words or (len(words) > 1 and words[1] != _folder_key(out, key)):
        return None
    return words[0]


def _folder_key(out: Path, key: str | None = None) -> str:
    """What makes a run folder itself: its device and inode; for a folder staged from a
    store, `key` (its URL), as the stage is made anew at each start."""
    if key is not None:
        return "url:" + xxhash.xxh3_64_hexdigest(key.encode("utf-8"))
    found = out.stat()
    return f"{found.st_dev}:{found.st_ino}"


def _new_id(out: Path, key: str | None = None) -> bytes:
    return f"{uuid.uuid4().hex} {_folder_key(out, key)}".encode()


def _replace(out: Path, new: RunRecord, run_files: Iterable[str], key: str | None = None) -> None:
    """Remove the run in `out` for a new one: first its additions to the dedup index (so that
    no document is a copy of its earlier self), then its bookkeeping (a crash after this
    leaves a run that redoes everything), then its outputs; the lock and the files thresher
    did not write stay."""
    old = _read_record(out) or {}
    fingerprint_before = str(old.get("fingerprint", ""))
    id_before = _read_id(out, key) or fingerprint_before
    own_index = out / OWN_INDEX
    _refuse_foreign_in_index(own_index, out)  # before anything of the run is taken away
    old_index = old.get("index")
    if isinstance(old_index, str) and is_url(old_index) and old_index == new.index:
        indexes = [Path(str(new.index_path))]  # the same index in a store, staged here now
    elif "index_path" in old:
        indexes = [Path(old["index_path"]) if old["index_path"] else own_index]
    else:  # run.json from before the index was recorded: wherever this command's goes
        indexes = [own_index, *([Path(new.index_path)] if new.index_path else [])]
    for index in indexes:
        key = fingerprint_before if _inside(index, out) else id_before
        try:
            left = _forget_locked(index, key, out, new)
        except ConfigError:
            if not _inside(index, out):
                raise
            left = 0  # the run's own index, unreadable: it goes with the run
        if index == own_index and left == 0:
            _remove_own_index(own_index, out)
    for entry in sorted((out / WORK_DIR).iterdir()):
        if entry.name != LOCK_FILE:
            _remove_logged(entry, out)
    for name in (*run_files, RUN_FILE):
        if (out / name).is_dir():
            _remove_own(out / name, out, SHARD_NAME)
        for path in (out / name, out / (name + ".partial")):
            if not path.is_dir():
                _remove_logged(path, out)


def _refuse_foreign_in_index(index: Path, out: Path) -> None:
    """A run's own index holding files a run does not write is not replaced (its folder would
    not be a new index, and the files are the user's)."""
    if not index.is_dir() or index.is_symlink():
        return
    foreign = sorted(e.name for e in index.iterdir() if e.name not in INDEX_ENTRIES)
    if foreign:
        raise OutputError(
            f"-o {out}: its dedup index {index} holds files a run does not write"
            f" ({', '.join(foreign[:_SHOWN])}); move them out of it, then run the command again"
        )


def _remove_own_index(index: Path, out: Path) -> None:
    """The run's own index goes whole (`_refuse_foreign_in_index` has made sure it is all the
    run's)."""
    if index.is_dir():
        _refuse_foreign_in_index(index, out)
        _remove_logged(index, out)


def _remove_own(folder: Path, out: Path, own: re.Pattern[str]) -> None:
    """Remove what a run wrote in one of its folders (names `own` matches whole), and the
    folder once empty: a file a user put there stays."""
    for entry in sorted(folder.iterdir()):
        if own.fullmatch(entry.name):
            _remove_logged(entry, out)
    with contextlib.suppress(OSError):
        folder.rmdir()  # not empty: the user's files are in it


# The shards a run writes in kept/ and rejected/ (run/plan.py `chunk_name`, writers' suffixes
# and temporary names), and what it writes in its own dedup index.
SHARD_NAME = re.compile(r"part-\d{5,}-c\d{5,}\.(?:jsonl|parquet)(?:\.partial)?")
INDEX_ENTRIES = frozenset({"index.json", "index.json.partial", "segments", STATE_DIR, INDEX_LOCK})


def _forget_locked(index: Path, run_id: str, out: Path, new: RunRecord) -> int:
    """`forget_run`, holding the index's lock: another run may be using it (the run folder's
    own index too, as another run's --index); unless it is the index this run uses, which it
    has locked already."""
    if not index.is_dir() or (new.index_path and index.resolve() == Path(new.index_path)):
        return _forget_everywhere(index, run_id)
    lock = FolderLock.take(index / INDEX_LOCK, f"dedup index {index}")
    try:
        return _forget_everywhere(index, run_id)
    finally:
        lock.release()


def _forget_everywhere(index: Path, run_id: str) -> int:
    """`forget_run` in the dedup index and in every corpus step's state under it (whatever
    steps the new recipe has: the old run's may differ); the runs' additions left in all."""
    left = forget_run(index, run_id)
    states = index / STATE_DIR
    for folder in sorted(states.iterdir()) if states.is_dir() else []:
        step = step_class(folder.name)
        if isinstance(step, type) and issubclass(step, CorpusStep) and folder.is_dir():
            left += step.forget(folder, run_id)
    return left


def _remove_logged(path: Path, out: Path) -> None:
    try:
        _remove(path)
    except OSError as exc:
        raise OutputError(f"{out}: cannot replace the run in this folder: {exc}") from exc


def write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # a link left at the temporary name is not written through
    partial.write_bytes(data)
    os.replace(partial, path)


class RunState:
    """The run folder's bookkeeping: `open` starts a run or resumes the one it finds, holding
    the folder's lock until `close`."""

    def __init__(self, out: Path, run_id: str, resumed: bool) -> None:
        self.out, self.run_id, self.resumed = out, run_id, resumed
        self.work = out / WORK_DIR
        self.own_id = run_id  # the run's id (see `index_run`); `open` reads it
        self._lock: FolderLock | None = None

    @classmethod
    def open(
        cls,
        out: Path,
        record: RunRecord,
        force: bool,
        run_files: Iterable[str] = (),
        key: str | None = None,
    ) -> RunState:
        """Start a run in `out` (new, empty, or a run folder `force` replaces) or resume the
        run it holds. `run_files` name the run's own outputs, which a replacement removes;
        anything else in the folder stays. `key`: what the folder is, where its inode does
        not say (a stage of a store's folder: its URL)."""
        check_output(out, run_files)  # before creating anything in someone's folder
        lock = FolderLock.take(out / WORK_DIR / LOCK_FILE, str(out))
        try:
            state = cls._open_locked(out, record, force, run_files, key)
        except BaseException:
            lock.release()
            raise
        state._lock = lock
        return state

    @classmethod
    def _open_locked(
        cls, out: Path, record: RunRecord, force: bool, run_files: Iterable[str], key: str | None
    ) -> RunState:
        _refuse_foreign(out)  # again: another run may have written in between
        resumed = False
        if is_run_folder(out):
            if force:
                _replace(out, record, run_files, key)
            else:
                cls._check_same_run(out, record)
                resumed = True
        try:
            (out / WORK_DIR / DONE_DIR).mkdir(parents=True, exist_ok=True)
            if not resumed:
                write_atomic(out / WORK_DIR / ID_FILE, _new_id(out, key))
                write_atomic(out / RUN_FILE, record.to_json())
        except OSError as exc:
            raise OutputError(f"{out}: cannot write the run folder: {exc}") from exc
        state = cls(out, record.fingerprint, resumed)
        state.own_id = _read_id(out, key) or record.fingerprint
        return state

    def index_run(self, index_dir: Path) -> str:
        """What names this run in a dedup index: in the run folder's own index its fingerprint
        (identical runs write identical folders); in an index outside, the run's id, so that
        a rerun of the same command elsewhere, or one replacing this folder, is another run."""
        return self.run_id if _inside(index_dir, self.out) else self.own_id

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @staticmethod
    def _check_same_run(out: Path, record: RunRecord) -> None:
        old = _read_record(out) or {}
        if old.get("fingerprint") != record.fingerprint:
            changes = record.changes_from(old)
            raise ConfigError(
                f"{out}: this run folder was made with a different recipe, inputs, chunk size"
                " or index; resuming would mix two runs' outputs. Run the same command as"
                " before to resume it, pass --force to replace it, or choose another folder"
                + "".join(f"\n  {change}" for change in changes)
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
