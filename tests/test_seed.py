"""The reference record, checked as ../shared/seed/README.md describes it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from thresher import Recipe
from thresher.readers import parse_record


def test_reference_record_is_cleaned_as_the_seed_readme_says(seed_path: Path) -> None:
    raw = seed_path.read_text(encoding="utf-8").split("\n")
    title, paragraphs = raw[3].strip(), [line.strip() for line in raw[4:10]]
    doc = Recipe.default().clean(parse_record("\n".join(raw), seed_path.name))

    assert doc.status == "kept"
    assert doc.metadata["title"] == title
    assert doc.metadata["date"] == "2025-04-21"
    assert doc.metadata["http_status"] == 403
    assert doc.metadata["salvaged"] is True
    assert doc.text == "\n".join([title, *paragraphs])
    for gone in (
        "Sorry!!",
        "page you were looking for",
        "Legal Disclaimer",
        "as is",
        "No comment",
        "2025-04-21 403",
    ):
        assert gone not in doc.text

    removed = {(edit.reason, line) for edit in doc.ledger for line in edit.lines}
    assert ("error-template", "Sorry!!") in removed
    assert ("error-template", raw[2]) in removed
    assert {("repeated-paragraph", line) for line in raw[10:15]} <= removed
    assert ("boilerplate", "Legal Disclaimer:") in removed
    assert ("boilerplate", raw[16]) in removed
    assert ("boilerplate", "CommentsNo comment") in removed
    assert len(removed) == 2 + 5 + 3


def test_clean_json_interface(seed_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "thresher", "clean", str(seed_path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(done.stdout)
    assert doc["status"] == "kept"
    assert "reason" not in doc
    for key in ("title", "date", "http_status", "salvaged"):
        assert key in doc["metadata"]
    assert {e["reason"] for e in doc["ledger"]} == {
        "error-template",
        "repeated-paragraph",
        "boilerplate",
    }
    assert all({"step", "reason", "removed"} <= set(e) for e in doc["ledger"])


def test_no_code_names_the_reference_site() -> None:
    src = Path(__file__).resolve().parent.parent / "src"
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "MENAFN" not in text.upper(), path
        assert "Trufanov" not in text, path
