"""The model cache maps the arrays the model's own loader gives, and is only ever a shortcut:
a damaged entry, a folder that cannot be written or the cache turned off all give the same
arrays from the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from thresher.quality import model_cache


def fake_model(folder: Path, content: bytes = b"model v1") -> Path:
    path = folder / "model.bin"
    path.write_bytes(content)
    return path


class Builder:
    """Counts its calls; arrays derived from the model file's bytes."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, model: Path) -> dict[str, np.ndarray]:
        self.calls += 1
        seed = int.from_bytes(model.read_bytes()[-4:], "little")
        rng = np.random.default_rng(seed)
        return {
            "table": rng.random((50, 7), dtype=np.float32),
            "moves": rng.integers(0, 2**32, 1000, dtype=np.uint32),
            "labels": np.asarray(["en", "fr", "sr"]),
        }


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a
    )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(model_cache.ENV, str(root))
    return root


def test_the_first_load_writes_an_entry_the_next_maps_it(cache: Path, tmp_path: Path) -> None:
    model, build = fake_model(tmp_path), Builder()
    first = model_cache.load_or_build(model, build)
    again = model_cache.load_or_build(model, build)
    assert build.calls == 1
    assert same(first, build(model)) and same(again, first)
    assert all(isinstance(array, np.memmap) for array in again.values())
    with pytest.raises(ValueError, match="read-only"):
        again["table"][0, 0] = 1.0  # mapped read-only: no process can change another's model
    assert [p.name for p in cache.iterdir()] == [f"model.bin-{model_cache._file_digest(model)}"]


def test_another_model_file_is_another_entry(cache: Path, tmp_path: Path) -> None:
    build = Builder()
    one = model_cache.load_or_build(fake_model(tmp_path, b"model v1"), build)
    (tmp_path / "model.bin").unlink()
    two = model_cache.load_or_build(fake_model(tmp_path, b"model v2"), build)
    assert build.calls == 2 and not same(one, two) and len(list(cache.iterdir())) == 2


def test_a_damaged_entry_is_passed_over(cache: Path, tmp_path: Path) -> None:
    model, build = fake_model(tmp_path), Builder()
    model_cache.load_or_build(model, build)
    (entry,) = cache.iterdir()
    table = entry / "table.npy"
    data = bytearray(table.read_bytes())
    data[-1] ^= 0xFF  # one value changed, the file still loads
    table.write_bytes(bytes(data))
    found = model_cache.load_or_build(model, build)
    assert build.calls == 2 and same(found, Builder()(model))
    (entry / model_cache.MANIFEST).write_text("{not json")
    assert same(model_cache.load_or_build(model, build), Builder()(model))


def test_a_folder_that_cannot_be_written_or_the_cache_off_loads_from_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, build = fake_model(tmp_path), Builder()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(model_cache.ENV, str(blocker / "cache"))
    assert same(model_cache.load_or_build(model, build), Builder()(model))
    monkeypatch.setenv(model_cache.ENV, "off")
    assert model_cache.cache_root() is None
    assert same(model_cache.load_or_build(model, build), Builder()(model))
    assert build.calls == 2 and blocker.read_text() == "not a folder"


def test_py3langids_arrays_from_the_cache_are_its_models(cache: Path) -> None:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from thresher.quality.language import _py3langid_arrays

    model = Path(MODEL_DIR) / MODEL_FILE
    fresh = _py3langid_arrays(model)
    model_cache.load_or_build(model, _py3langid_arrays)
    mapped = model_cache.load_or_build(model, _py3langid_arrays)
    assert isinstance(mapped["ptc"], np.memmap) and same(mapped, fresh)
