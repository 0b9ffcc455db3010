"""Filters: steps that keep or drop a document without changing it."""

from thresher.filters.length import MinWords

__all__ = ["MinWords"]
