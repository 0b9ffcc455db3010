"""Parquet files, read in record batches; rows without a text are quarantined."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from thresher.document import Document
from thresher.readers.base import MAX_RECORD_BYTES, Quarantined
from thresher.readers.jsonl import document_from_record
from thresher.storage import RemotePath

BATCH_ROWS = 1024


def read_parquet_file(
    path: Path | RemotePath,
    source: str,
    text_field: str,
    id_field: str,
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[Document | Quarantined]:
    import pyarrow as pa  # here, not at the top: a run that reads no Parquet never loads it
    import pyarrow.parquet as pq

    row = 0
    try:
        with path.open("rb") as stream:  # a stream: a file in a store is read the same way
            for batch in pq.ParquetFile(stream).iter_batches(batch_size=BATCH_ROWS):
                for record in batch.to_pylist():
                    text = record.get(text_field)
                    if (
                        isinstance(text, str)
                        and len(text) * 4 > max_record_bytes
                        and (len(text.encode("utf-8", "surrogatepass")) > max_record_bytes)
                    ):
                        error = f"the text is over max_record_bytes ({max_record_bytes})"
                        yield Quarantined(source, f"row {row}", error)
                    else:
                        yield document_from_record(record, source, row, text_field, id_field)
                    row += 1
    except (OSError, pa.ArrowException) as exc:
        yield Quarantined(source, f"row {row}", f"unreadable Parquet: {exc}")
