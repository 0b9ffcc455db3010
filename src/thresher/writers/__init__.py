"""Writers: shards of kept and rejected documents, written under a temporary name and renamed
when complete, so a shard on disk is always whole."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any

import orjson

from thresher.document import Document


class ShardWriter(ABC):
    """Collects documents for one shard; `close` writes it, or nothing when it stayed empty."""

    suffix = ""

    def __init__(self, path_without_suffix: Path) -> None:
        self.path = path_without_suffix.with_name(path_without_suffix.name + self.suffix)
        self.count = 0

    def write(self, doc: Document) -> None:
        self.count += 1
        self._add(doc.to_dict())

    def close(self) -> Path | None:
        if self.count == 0:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._partial()
        self._dump(partial)
        os.replace(partial, self.path)
        return self.path

    def _partial(self) -> Path:
        return self.path.with_name(self.path.name + ".partial")

    def _fresh_partial(self) -> Path:
        """The temporary name, cleared: a link left there is never written through."""
        partial = self._partial()
        partial.unlink(missing_ok=True)
        return partial

    @abstractmethod
    def _add(self, record: dict[str, Any]) -> None: ...

    @abstractmethod
    def _dump(self, path: Path) -> None: ...


class JsonlShardWriter(ShardWriter):
    """Streams lines to the partial file as they come, so a shard never sits in memory."""

    suffix = ".jsonl"

    def __init__(self, path_without_suffix: Path) -> None:
        super().__init__(path_without_suffix)
        self._out: IO[bytes] | None = None

    def _add(self, record: dict[str, Any]) -> None:
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = self._fresh_partial().open("wb")
        self._out.write(orjson.dumps(record) + b"\n")

    def _dump(self, path: Path) -> None:
        assert self._out is not None
        self._out.close()


class ParquetShardWriter(ShardWriter):
    """Parquet with flat columns; `metadata` and `ledger` are JSON strings so that any record's
    metadata fits one schema."""

    suffix = ".parquet"

    def __init__(self, path_without_suffix: Path) -> None:
        super().__init__(path_without_suffix)
        self._rows: list[dict[str, Any]] = []

    def _add(self, record: dict[str, Any]) -> None:
        record["metadata"] = orjson.dumps(record["metadata"]).decode()
        record["ledger"] = orjson.dumps(record["ledger"]).decode()
        self._rows.append(record)

    def _dump(self, path: Path) -> None:
        import pyarrow as pa  # here, not at the top: a run that writes JSONL never loads it
        import pyarrow.parquet as pq

        columns = ("id", "status", "reason", "rejected_by", "detail", "text", "metadata", "ledger")
        table = pa.table(
            {c: pa.array([r.get(c) for r in self._rows], pa.string()) for c in columns}
        )
        path.unlink(missing_ok=True)  # a link left at the temporary name is not written through
        pq.write_table(table, path)


WRITERS: dict[str, type[ShardWriter]] = {"jsonl": JsonlShardWriter, "parquet": ParquetShardWriter}


def shard_writer(fmt: str, path_without_suffix: Path) -> ShardWriter:
    return WRITERS[fmt](path_without_suffix)


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """Write a small JSON Lines file atomically (the quarantine list, for one)."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # a link left at the temporary name is not written through
    with partial.open("wb") as out:
        out.writelines(orjson.dumps(r) + b"\n" for r in records)
    os.replace(partial, path)
