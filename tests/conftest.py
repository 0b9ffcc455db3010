"""Shared fixtures. `../shared` (evaluation data, the seed record) is optional: tests that need
it skip with a message where it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

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
