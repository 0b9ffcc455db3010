"""The crawl record format: one record per `.txt` file, a header line `date YYYY-MM-DD STATUS`
(leading spaces allowed), then the body.

A first line that starts with the word `date` and then a digit (or nothing) is meant as a
header: one that is not exactly the word `date`, a real date written YYYY-MM-DD and a
three-digit HTTP status (100-599) is malformed, and the record is quarantined with what is
wrong. Any other first line is body text: the record is read whole, flagged with
`metadata.header = "missing"`."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path

from thresher.document import DATE, HEADER, HTTP_STATUS, POSITION, SOURCE, Document
from thresher.readers.base import MAX_RECORD_BYTES, Quarantined, record_id
from thresher.storage import RemotePath

HEADER_MISSING = "missing"
EXPECTED_HEADER = "date YYYY-MM-DD STATUS"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STATUS = re.compile(r"[0-9]{3}")
_SHOWN = 60  # characters of a bad header or field quoted in a message
# The header's end: LF, CRLF, or a lone CR (a file saved with old Mac line ends)
_FIRST_BREAK = re.compile(r"\r\n?|\n")


class MalformedHeader(ValueError):
    """A record's first line is meant as a crawl header but is not one; the message says why."""


def parse_record(text: str, source: str, position: int = 0) -> Document:
    """A document from one record's text. A text whose first line is not a header attempt is
    all body, flagged `metadata.header = "missing"`; a malformed header raises
    `MalformedHeader`."""
    first_break = _FIRST_BREAK.search(text)
    first_line, body = (
        (text[: first_break.start()], text[first_break.end() :]) if first_break else (text, "")
    )
    metadata: dict[str, object] = {SOURCE: source, POSITION: position}
    fields = first_line.split()
    if _is_header_attempt(fields):
        date, status = _parse_header(first_line, fields)
        metadata[DATE], metadata[HTTP_STATUS] = date, status
        text = body
    else:
        metadata[HEADER] = HEADER_MISSING
    return Document(id=record_id(source, position), text=text, metadata=metadata)


def _is_header_attempt(fields: list[str]) -> bool:
    """`date`, then a digit or nothing: "date night ideas" is body text."""
    return bool(fields) and fields[0] == "date" and (len(fields) == 1 or fields[1][0].isdigit())


def _parse_header(line: str, fields: list[str]) -> tuple[str, int]:
    """The date and status of a header line split into `fields`, or `MalformedHeader`."""
    try:
        return _checked_date(fields), _checked_status(fields)
    except MalformedHeader as exc:
        raise MalformedHeader(
            f"malformed record header {_shown(line.strip())}: {exc}; expected {EXPECTED_HEADER!r}"
        ) from None


def _checked_date(fields: list[str]) -> str:
    if len(fields) < 2:
        raise MalformedHeader("no date")
    date = fields[1]
    if not _ISO_DATE.fullmatch(date):
        raise MalformedHeader(f"the date {_shown(date)} is not YYYY-MM-DD")
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise MalformedHeader(f"no such date {date}") from None
    return date


def _checked_status(fields: list[str]) -> int:
    if len(fields) < 3:
        raise MalformedHeader("no status")
    status = fields[2]
    if not _STATUS.fullmatch(status):
        raise MalformedHeader(f"the status {_shown(status)} is not three digits")
    if not 100 <= int(status) <= 599:
        raise MalformedHeader(f"the status {status} is not an HTTP status (100-599)")
    if len(fields) > 3:
        raise MalformedHeader(f"extra words after the status: {_shown(' '.join(fields[3:]))}")
    return int(status)


def _shown(value: str) -> str:
    """`value` quoted, cut short: a header can be any length."""
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def read_record_file(
    path: Path | RemotePath, source: str, max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Document | Quarantined]:
    try:
        size = path.stat().st_size
        if size > max_record_bytes:
            error = f"the record is {size} bytes, over max_record_bytes ({max_record_bytes})"
            yield Quarantined(source, "file", error)
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Quarantined(source, "file", f"cannot read the file: {exc}")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield Quarantined(source, f"byte {exc.start}", f"invalid UTF-8: {exc.reason}")
        return
    try:
        yield parse_record(text.removeprefix("\ufeff"), source)
    except MalformedHeader as exc:
        yield Quarantined(source, "line 1", str(exc))
