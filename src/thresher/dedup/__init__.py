"""Deduplication: exact and MinHash-LSH near duplicates, clusters with provenance, and an index
on disk that later runs extend."""

from thresher.dedup.index import DedupIndex
from thresher.dedup.step import DUPLICATE_OF, EXACT_DUPLICATE, NEAR_DUPLICATE, Dedup

__all__ = ["DUPLICATE_OF", "EXACT_DUPLICATE", "NEAR_DUPLICATE", "Dedup", "DedupIndex"]
