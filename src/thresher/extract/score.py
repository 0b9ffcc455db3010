"""The word-overlap scorer of ../shared/data/README.md, so that figures compare with the ones
published there: lowercase, `\\w+` tokens, multiset overlap per page, mean P/R/F1 over pages."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


def score_page(predicted: str, gold: str) -> Score:
    """Both empty scores 1, one empty and not the other 0."""
    pred, ref = tokens(predicted), tokens(gold)
    n_pred, n_ref = sum(pred.values()), sum(ref.values())
    if not n_pred and not n_ref:
        return Score(1.0, 1.0, 1.0)
    if not n_pred or not n_ref:
        return Score(0.0, 0.0, 0.0)
    overlap = sum((pred & ref).values())
    precision, recall = overlap / n_pred, overlap / n_ref
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Score(precision, recall, f1)


def mean_score(scores: Iterable[Score]) -> Score:
    items = list(scores)
    if not items:
        return Score(0.0, 0.0, 0.0)
    n = len(items)
    return Score(
        sum(s.precision for s in items) / n,
        sum(s.recall for s in items) / n,
        sum(s.f1 for s in items) / n,
    )
