"""A run whose folder or dedup index is in a store (`s3://...`): worked in a local stage and
copied to the store as chunks finish, in commit order (thresher.storage). The run itself is
the local run, unchanged: the same output bytes, resumed the same way (from the store, on
any machine: the stage is filled from it at each start)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from thresher.dedup.index import MANIFEST as INDEX_MANIFEST
from thresher.errors import ConfigError, OutputError, ThresherError
from thresher.run.accounting import Summary
from thresher.run.pipeline import START_FILE, Settings, run_in_folder
from thresher.run.state import ID_FILE, RUN_FILE, WORK_DIR, FolderLock
from thresher.sites.table import MANIFEST as SITES_MANIFEST
from thresher.storage import (
    STAGE_MARK,
    CommitOrder,
    Mirror,
    Pusher,
    claim_stage,
    default_stage,
    is_url,
    overlaps,
)

# At most this often a chunk's end copies the stage to the store ($THRESHER_PUSH_SECONDS: a
# killed run loses at most this much work; less costs a listing of the stage each time)
PUSH_SECONDS = 10.0
RUN_STAGE = "run"
INDEX_STAGE = "index"
_LOCK = "stage.lock"
MANIFESTS = frozenset({INDEX_MANIFEST, SITES_MANIFEST})  # what lists an index's segments


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
    claim_stage(root, urls, ignore=(_LOCK,))  # before anything is made in a folder given
    root.mkdir(parents=True, exist_ok=True)
    lock = FolderLock.take(root / _LOCK, f"stage {root}")
    try:
        claim_stage(root, urls, ignore=(_LOCK,))  # again: another run may have taken it
        (root / STAGE_MARK).write_bytes(orjson.dumps(urls))
        mirrors: list[Mirror] = []  # pushed in this order: the index's commits come first
        index_dir = None if index is None else Path(index)
        if index is not None and is_url(index):
            index_mirror = Mirror(index, root / INDEX_STAGE, INDEX_ORDER)
            index_mirror.fill()
            mirrors.append(index_mirror)
            index_dir = index_mirror.local
        out = Path(output)
        if is_url(output):
            run_mirror = Mirror(output, root / RUN_STAGE, RUN_ORDER)
            _require_run_or_empty(run_mirror)
            run_mirror.fill()
            mirrors.append(run_mirror)
            out = run_mirror.local
        push = Pusher(mirrors, _push_seconds())
        with _named_by_url(mirrors), _pushed_at_end(push):
            return run_in_folder(
                inputs,
                out,
                index_dir,
                settings,
                index_url=index if index is not None and is_url(index) else None,
                folder_key=output if is_url(output) else None,
                checkpoint=push,
            )
    finally:
        lock.release()


def _run_tier(name: str) -> int | None:
    """The commit order of a run folder's files (see thresher.storage.CommitOrder), as a local
    run writes them: the run's id, then its record; each chunk's done record (and the list of
    starts); each pass's decision; the index manifests, which list the segments a commit
    wrote; the commit markers; the summary and timing last. Everything else is data."""
    base = name.rsplit("/", 1)[-1]
    if name == f"{WORK_DIR}/{ID_FILE}":
        return 1
    if name == RUN_FILE:
        return 2
    if not base.endswith(".json"):
        return None
    if base in MANIFESTS:
        return 5
    if name.startswith(f"{WORK_DIR}/decided-"):
        return 4
    if name.startswith(f"{WORK_DIR}/committed-"):
        return 6
    if "/" not in name:  # summary.json, timing.json
        return 7
    return 3


def _index_tier(name: str) -> int | None:
    return 1 if name.rsplit("/", 1)[-1] in MANIFESTS else None


def _listed_by_manifest(name: str) -> bool:
    """A segment's file: a manifest lists it, so it goes only once the manifest that no
    longer lists it is in the store."""
    return "segments" in name.split("/")


def _this_start(name: str) -> bool:
    """The start's token (`.work/start`): each start's own, never sent."""
    return name == f"{WORK_DIR}/{START_FILE}"


RUN_ORDER = CommitOrder(tier=_run_tier, late=_listed_by_manifest, local=_this_start)
INDEX_ORDER = CommitOrder(tier=_index_tier, late=_listed_by_manifest)


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
        renamed = type(exc)(message)
        for note in getattr(exc, "__notes__", ()):
            renamed.add_note(note)
        raise renamed from exc


def _push_seconds() -> float:
    given = os.environ.get("THRESHER_PUSH_SECONDS")
    try:
        return PUSH_SECONDS if given is None else max(0.0, float(given))
    except ValueError as exc:
        raise ConfigError(f"THRESHER_PUSH_SECONDS={given!r}: not a number of seconds") from exc


@contextmanager
def _pushed_at_end(push: Pusher) -> Iterator[None]:
    """Copy what the run wrote to the store when it ends, however it ends (an interrupted
    run resumes from what reached the store). A copy that fails after the run failed does
    not hide the run's own error: it is added to it as a note."""
    try:
        yield
    except BaseException as exc:
        try:
            push(force=True)
        except Exception as failed:
            note = getattr(exc, "add_note", None)  # Python 3.11+
            if note is not None:
                note(f"and the copy of the finished chunks to the store failed: {failed}")
        raise
    push(force=True)


def _require_run_or_empty(mirror: Mirror) -> None:
    """A store folder that holds files but no thresher run is someone's: never written in
    (what a run writes before its run.json aside)."""
    names = [name for name in mirror.remote_files() if name != f"{WORK_DIR}/{ID_FILE}"]
    if names and RUN_FILE not in names:
        shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
        raise OutputError(
            f"{mirror.url}: the folder holds files ({shown}) and no thresher run; thresher"
            " writes only into an empty folder or a run folder of its own. Choose another"
            " folder"
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
