"""A run whose folder or dedup index is in a store (`s3://...`): worked in a local stage and
copied to the store as chunks finish, in commit order (thresher.storage). The run itself is
the local run, unchanged: the same output bytes, resumed the same way (from the store, on
any machine: the stage is filled from it at each start)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from thresher.errors import ConfigError, OutputError, ThresherError
from thresher.run.accounting import Summary
from thresher.run.pipeline import Settings, run_in_folder
from thresher.run.state import RUN_FILE, FolderLock
from thresher.storage import Mirror, Pusher, claim_stage, default_stage, is_url, overlaps

# At most this often a chunk's end copies the stage to the store ($THRESHER_PUSH_SECONDS: a
# killed run loses at most this much work; less costs a listing of the stage each time)
PUSH_SECONDS = 10.0
RUN_STAGE = "run"
INDEX_STAGE = "index"
_LOCK = "lock"


def stage_root(output: str, index: str | None, stage: str | Path | None) -> Path:
    """The stage of a run: `stage` as given, or the default folder of its store URLs."""
    if stage is not None:
        return Path(stage)
    return default_stage(" ".join(url for url in (output, index) if url and is_url(url)))


def staged_folder(output: str, index: str | None, stage: str | Path | None) -> Path:
    """Where a staged run's folder is worked (and its report is written, then copied)."""
    return stage_root(output, index, stage) / RUN_STAGE


def run_staged(
    inputs: list[str],
    output: str,
    index: str | None,
    stage: str | Path | None,
    settings: Settings,
) -> Summary:
    """`thresher.run` with `output` and/or `index` at a URL."""
    _refuse_overlaps(inputs, output, index)
    root = stage_root(output, index, stage)
    urls = {"output": output if is_url(output) else "", "index": index or ""}
    root.mkdir(parents=True, exist_ok=True)
    lock = FolderLock.take(root / _LOCK, f"stage {root}")
    try:
        claim_stage(root, urls, ignore=(_LOCK,))
        mirrors = []
        out = Path(output)
        if is_url(output):
            run_mirror = Mirror(output, root / RUN_STAGE)
            _require_run_or_empty(run_mirror)
            run_mirror.fill()
            mirrors.append(run_mirror)
            out = run_mirror.local
        index_dir = None if index is None else Path(index)
        if index is not None and is_url(index):
            index_mirror = Mirror(index, root / INDEX_STAGE)
            index_mirror.fill()
            mirrors.append(index_mirror)
            index_dir = index_mirror.local
        push = Pusher(mirrors, _push_seconds())
        with _named_by_url(mirrors), _pushed_at_end(push):
            return run_in_folder(
                inputs,
                out,
                index_dir,
                settings,
                index_url=index if index is not None and is_url(index) else None,
                checkpoint=push,
            )
    finally:
        lock.release()


@contextmanager
def _named_by_url(mirrors: list[Mirror]) -> Iterator[None]:
    """A refusal or error about a stage folder names the store's URL, which the user gave."""
    try:
        yield
    except ThresherError as exc:
        message = str(exc)
        for mirror in mirrors:
            message = message.replace(str(mirror.local), mirror.url)
        if message == str(exc):
            raise
        raise type(exc)(message) from exc


def _push_seconds() -> float:
    given = os.environ.get("THRESHER_PUSH_SECONDS")
    try:
        return PUSH_SECONDS if given is None else max(0.0, float(given))
    except ValueError as exc:
        raise ConfigError(f"THRESHER_PUSH_SECONDS={given!r}: not a number of seconds") from exc


@contextmanager
def _pushed_at_end(push: Pusher) -> Iterator[None]:
    """Copy what the run wrote to the store when it ends, however it ends (an interrupted
    run resumes from what reached the store)."""
    try:
        yield
    finally:
        push(force=True)


def _require_run_or_empty(mirror: Mirror) -> None:
    """A store folder that holds files but no thresher run is someone's: never written in."""
    names = mirror.remote_files()
    if names and RUN_FILE not in names:
        shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
        raise OutputError(
            f"{mirror.url}: the folder holds files ({shown}) and no thresher run; thresher"
            " writes only into an empty folder or a run folder of its own. Choose another"
        )


def _refuse_overlaps(inputs: list[str], output: str, index: str | None) -> None:
    """A store folder that is, holds or lies in an input would be read as its own input."""
    for name, url in (("-o", output), ("--index", index)):
        if url is None or not is_url(url):
            continue
        for given in inputs:
            if is_url(given) and overlaps(url, given):
                raise ConfigError(
                    f"{name} {url}: it overlaps the input {given}; the run would read its own"
                    " output. Choose a folder outside the inputs"
                )
    if index is not None and is_url(index) and is_url(output) and overlaps(index, output):
        raise ConfigError(
            f"--index {index}: it overlaps the output {output}; a run keeps its own index in"
            f" {output}/dedup-index already. Leave --index out, or give a folder outside it"
        )
