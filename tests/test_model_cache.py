"""The model cache maps the arrays the model's own loader gives, and is only ever a shortcut:
a damaged entry, a folder that cannot be written or the cache turned off all give the same
arrays from the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from thresher.quality import model_cache


def fake_model(folder: Path, content: bytes = b"model v1") -> Path:
    path = folder / "model.bin"
    path.write_bytes(content)
    return path


NAMES = ("table", "moves", "labels")


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
    first = model_cache.load_or_build(model, build, NAMES)
    again = model_cache.load_or_build(model, build, NAMES)
    assert build.calls == 1
    assert same(first, build(model)) and same(again, first)
    assert all(isinstance(array, np.memmap) for array in again.values())
    with pytest.raises(ValueError, match="read-only"):
        again["table"][0, 0] = 1.0  # mapped read-only: no process can change another's model
    (entry,) = cache.iterdir()
    assert entry.name.startswith(f"model.bin-{model_cache._file_digest(model)}-")


def test_another_model_file_is_another_entry(cache: Path, tmp_path: Path) -> None:
    build = Builder()
    one = model_cache.load_or_build(fake_model(tmp_path, b"model v1"), build, NAMES)
    (tmp_path / "model.bin").unlink()
    two = model_cache.load_or_build(fake_model(tmp_path, b"model v2"), build, NAMES)
    assert build.calls == 2 and not same(one, two) and len(list(cache.iterdir())) == 2


def test_a_damaged_entry_is_passed_over(cache: Path, tmp_path: Path) -> None:
    model, build = fake_model(tmp_path), Builder()
    model_cache.load_or_build(model, build, NAMES)
    (entry,) = cache.iterdir()
    table = entry / "table.npy"
    data = bytearray(table.read_bytes())
    data[-1] ^= 0xFF  # one value changed, the file still loads
    table.write_bytes(bytes(data))
    found = model_cache.load_or_build(model, build, NAMES)
    assert build.calls == 2 and same(found, Builder()(model))
    # and written anew: the next process maps it
    assert same(model_cache.load_or_build(model, build, NAMES), found) and build.calls == 2
    (entry / model_cache.MANIFEST).write_text("{not json")
    assert same(model_cache.load_or_build(model, build, NAMES), Builder()(model))
    assert [p.name for p in cache.iterdir()] == [entry.name]  # nothing left beside it


@pytest.mark.parametrize(
    "arrays",
    [
        {},  # a manifest that lists nothing
        {"table": None},  # or only some of the arrays
        {"table": None, "moves": None, "labels": None, "extra": None},
        {"table": None, "moves": None, "../../outside": None},  # a name out of the entry
    ],
)
def test_an_entry_without_exactly_the_arrays_asked_is_passed_over(
    cache: Path, tmp_path: Path, arrays: dict[str, None]
) -> None:
    model, build = fake_model(tmp_path), Builder()
    model_cache.load_or_build(model, build, NAMES)
    (entry,) = cache.iterdir()
    manifest = orjson.loads((entry / model_cache.MANIFEST).read_bytes())
    (tmp_path / "outside.npy").write_bytes((entry / "table.npy").read_bytes())
    listed = {name: manifest["arrays"].get(name, manifest["arrays"]["table"]) for name in arrays}
    (entry / model_cache.MANIFEST).write_bytes(orjson.dumps({**manifest, "arrays": listed}))
    found = model_cache.load_or_build(model, build, NAMES)
    assert same(found, Builder()(model)) and build.calls == 2


def test_the_same_bytes_as_another_type_do_not_match_the_digest() -> None:
    ints = np.arange(8, dtype=np.uint32)
    assert model_cache._array_digest(ints) != model_cache._array_digest(ints.view(np.float32))
    assert model_cache._array_digest(ints) != model_cache._array_digest(ints.reshape(2, 4))


def test_no_home_folder_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(model_cache.ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert model_cache.cache_root() is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as XDG says
    assert model_cache.cache_root() is None
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert model_cache.cache_root() == Path("/somewhere/cache/thresher")


def test_a_folder_that_cannot_be_written_or_the_cache_off_loads_from_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, build = fake_model(tmp_path), Builder()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(model_cache.ENV, str(blocker / "cache"))
    assert same(model_cache.load_or_build(model, build, NAMES), Builder()(model))
    monkeypatch.setenv(model_cache.ENV, "off")
    assert model_cache.cache_root() is None
    assert same(model_cache.load_or_build(model, build, NAMES), Builder()(model))
    assert build.calls == 2 and blocker.read_text() == "not a folder"


def test_py3langids_arrays_from_the_cache_are_its_models(cache: Path) -> None:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from thresher.quality.language import _PY3LANGID_ARRAYS, _py3langid_arrays

    model = Path(MODEL_DIR) / MODEL_FILE
    fresh = _py3langid_arrays(model)
    model_cache.load_or_build(model, _py3langid_arrays, _PY3LANGID_ARRAYS)
    mapped = model_cache.load_or_build(model, _py3langid_arrays, _PY3LANGID_ARRAYS)
    assert isinstance(mapped["ptc"], np.memmap) and same(mapped, fresh)
