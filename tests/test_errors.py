"""What stops a run, and how it says so: the exception hierarchy and its messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import thresher
from thresher import ConfigError, InputError, OutputError, Recipe, ThresherError


def test_every_error_is_a_thresher_error() -> None:
    for error in (ConfigError, InputError, OutputError):
        assert issubclass(error, ThresherError)


def test_a_missing_input_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere: no such file or folder"):
        thresher.run([str(tmp_path / "nowhere")], tmp_path / "out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_input_folder_stops_the_run_with_its_name(tmp_path: Path) -> None:
    locked = tmp_path / "in" / "locked"
    locked.mkdir(parents=True)
    (locked / "a.txt").write_text(" date 2024-01-01 200\nhello")
    locked.chmod(0)
    try:
        with pytest.raises(InputError, match="locked: cannot list this input folder"):
            thresher.run([str(tmp_path / "in")], tmp_path / "out")
    finally:
        locked.chmod(0o755)


def test_an_unlistable_folder_is_reported_not_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in").mkdir()
    real_walk = os.walk

    def walk(top: object, onerror: object = None, **kwargs: object) -> object:
        assert callable(onerror)
        onerror(PermissionError(13, "Permission denied", str(tmp_path / "in" / "sub")))
        return real_walk(top, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "walk", walk)
    with pytest.raises(InputError, match="sub: cannot list this input folder"):
        thresher.run([str(tmp_path / "in")], tmp_path / "out")


def test_a_failed_write_is_an_output_error_that_says_how_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_text(" date 2024-01-01 200\nA short record about the harbour pier.")
    from thresher.run import pipeline

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "_write_final", full)
    with pytest.raises(OutputError, match=r"No space left on device.*run the same command again"):
        thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    monkeypatch.undo()
    assert thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs")).balanced


def test_a_bad_recipe_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"recipe step 1: unknown step 'nope'"):
        Recipe.loads("steps:\n- step: nope\n")
