"""Shared fixtures. `../shared` (evaluation data, the seed record) is optional: tests that need
it skip with a message where it is absent."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# The model cache (quality/model_cache.py) of the test session is a folder of its own, removed at
# the end: tests leave nothing in the home folder. Set before any test imports a model; worker
# processes inherit it.
_MODEL_CACHE = tempfile.mkdtemp(prefix="thresher-test-model-cache-")
os.environ.setdefault("THRESHER_CACHE_DIR", _MODEL_CACHE)
atexit.register(shutil.rmtree, _MODEL_CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_390a2ec1c65bd976.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside the repository)")
    return path


@pytest.fixture
def seed_path() -> Path:
    return need_shared(SEED)


def snapshot(out: Path) -> dict[str, bytes]:
    """A run folder's output files and their bytes: all but `timing.json` (times) and `.work/`
    (bookkeeping), which may differ between runs that must give the same output."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "timing.json" and ".work" not in p.relative_to(out).parts
    }


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server for the session (object_store.py); skipped without the s3 extra."""
    pytest.importorskip("s3fs", reason="s3fs is not installed (pip install 'thresher[s3]')")
    pytest.importorskip("moto.server", reason="moto's server is not installed (the dev extra)")
    import object_store

    port = object_store.free_port()
    server = object_store.serve(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        with object_store.configured(endpoint):
            yield endpoint
    finally:
        object_store.stop(server)


@pytest.fixture
def bucket(s3_endpoint: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty prefix in the test bucket, one per test, removed after it."""
    import object_store

    fs = object_store.s3()
    if not fs.exists(object_store.BUCKET):
        fs.mkdir(object_store.BUCKET)
    prefix = f"{object_store.BUCKET}/{request.node.name.replace('[', '-').replace(']', '')}"
    yield prefix
    fs.invalidate_cache()
    if fs.exists(prefix):
        fs.rm(prefix, recursive=True)
