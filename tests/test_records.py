"""Hand-written records in tests/fixtures/records, each with its expected outcome in
expected.yaml: error templates, repeats, boilerplate, mojibake, clean records and traps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from thresher import Document, Recipe
from thresher.readers import parse_record

RECORDS = Path(__file__).resolve().parent / "fixtures" / "records"
# These records test the repairs; the quality chain has its own tests (test_quality.py).
REPAIRS = Recipe.named("repairs")
CASES: list[dict[str, Any]] = yaml.safe_load((RECORDS / "expected.yaml").read_text("utf-8"))


def clean(name: str) -> tuple[str, Document]:
    raw = (RECORDS / name).read_text(encoding="utf-8")
    body = raw.partition("\n")[2]
    return body, REPAIRS.clean(parse_record(raw, name))


def test_there_are_enough_varied_records() -> None:
    assert len(CASES) >= 20
    assert {case["status"] for case in CASES} == {"kept", "rejected"}
    assert sum(bool(case.get("untouched")) for case in CASES) >= 6


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_record(case: dict[str, Any]) -> None:
    body, doc = clean(case["file"])
    assert doc.status == case["status"]
    if case["status"] == "rejected":
        assert doc.rejection is not None
        assert doc.rejection.reason == case["reason"]
        return
    assert doc.metadata["salvaged"] is case.get("salvaged", False)
    assert doc.metadata.get("title") == case.get("title")
    if case.get("untouched"):
        assert doc.text == body
        assert doc.ledger == []
    if "text" in case:
        assert doc.text == case["text"]
    removed = {
        (edit.reason, line.strip())
        for edit in doc.ledger
        if not edit.replacement
        for line in edit.removed.split("\n")
        if line.strip()
    }
    expected = {(item["reason"], item["line"].strip()) for item in case.get("removed") or ()}
    assert removed == expected
