"""`_keepers` sorts only the clustered rows; it must pick what sorting every row picked: per
cluster, the smallest (priority, id hash, tie), equal keys going to the smallest row."""

from __future__ import annotations

import numpy as np
import pytest

from thresher.dedup.clusters import Keys, RowStore, _keepers


def keepers_by_sorting_every_row(keys: Keys, root: np.ndarray) -> np.ndarray:
    order = np.lexsort((keys.ties(), keys.id_hash, keys.priority, root))
    ordered = root[order]
    first = np.ones(len(order), bool)
    first[1:] = ordered[1:] != ordered[:-1]
    keeper_of_root = np.zeros(len(root), root.dtype)
    keeper_of_root[ordered[first]] = order[first]
    return keeper_of_root[root]


def keys_of(rows: int, rng: np.random.Generator, with_ties: bool) -> Keys:
    return Keys(
        id_hash=rng.integers(0, 4, rows).astype(np.uint64),  # few values: many equal
        exact=np.zeros((rows, 2), np.uint64),
        bands=np.zeros((rows, 0), np.uint64),
        priority=rng.integers(0, 3, rows).astype(np.float64),
        signatures=RowStore([]),
        shingles=RowStore([]),
        tie=rng.integers(0, 2, rows).astype(np.uint64) if with_ties else None,
    )


@pytest.mark.parametrize("with_ties", [True, False])
@pytest.mark.parametrize("seed", range(5))
def test_keepers_match_sorting_every_row(seed: int, with_ties: bool) -> None:
    rng = np.random.default_rng(seed)
    rows = 2_000
    # clusters named by their smallest row, as union-find's roots are; most rows alone
    root = np.arange(rows, dtype=np.int32)
    for _ in range(150):
        members = np.sort(rng.choice(rows, rng.integers(2, 12), replace=False))
        root[members] = root[members].min()
    root = root[root]  # a row joined twice points at its final root
    keys = keys_of(rows, rng, with_ties)
    found = _keepers(keys, root)
    assert found.dtype == root.dtype
    assert np.array_equal(found, keepers_by_sorting_every_row(keys, root))
    assert (found != np.arange(rows)).sum() > 100  # clusters did choose other rows


def test_rows_alone_keep_themselves() -> None:
    keys = keys_of(5, np.random.default_rng(0), with_ties=False)
    root = np.arange(5, dtype=np.int32)
    assert _keepers(keys, root).tolist() == [0, 1, 2, 3, 4]
