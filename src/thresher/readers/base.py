"""What readers yield: documents, or quarantine entries for what cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The largest record a reader takes into memory; a bigger one is quarantined unread.
MAX_RECORD_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record (or the rest of a file) that could not be read: where, and why."""

    source: str
    position: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "position": self.position, "error": self.error}


def record_id(source: str, position: int) -> str:
    """A stable id from the source name and the record's position in it."""
    return f"{source}:{position}"
