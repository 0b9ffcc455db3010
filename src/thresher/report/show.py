"""`thresher show`: a run's documents in the terminal, chosen as the report chooses its
samples (by hash: the same command shows the same documents), the ledger laid over the text
and as a coloured diff. Crawled text reaches the terminal only as rich `Text` (never parsed
as markup) with its control characters escaped."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.text import Text

from thresher.document import URL, Document
from thresher.report.ledger import INSERTED, REMOVED, LedgerMismatch, pieces, shown
from thresher.report.reading import SAMPLE_CHARS, document_hash, documents
from thresher.run.accounting import rule_of, site_name

# Controls, line and paragraph separators, and bidi overrides (which reorder what a terminal
# shows): crawled text is shown with them escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

_STYLES = {REMOVED: "strike red", INSERTED: "bold green"}


def printable(text: str) -> str:
    """Crawled text made safe for a terminal: control characters, separators other than the
    newline and bidi overrides shown as escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True, kw_only=True)
class Selection:
    """Which documents to show: each given filter must hold. `reason` matches a rejection's
    reason or the reason of any edit in the ledger; `site` the site summary.json counts."""

    reason: str | None = None
    rule: str | None = None
    doc_id: str | None = None
    site: str | None = None

    def matches(self, doc: Document) -> bool:
        rejection = doc.rejection
        if self.doc_id is not None and doc.id != self.doc_id:
            return False
        if self.reason is not None:
            edited = any(edit.reason == self.reason for edit in doc.ledger)
            if not edited and (rejection is None or rejection.reason != self.reason):
                return False
        if self.rule is not None and (
            rejection is None or self.rule not in (rejection.detail, _rule(doc))
        ):
            return False
        return self.site is None or site_name(doc.metadata) == self.site


def _rule(doc: Document) -> str:
    assert doc.rejection is not None
    return rule_of(doc.rejection.reason, doc.rejection.detail)


def select(
    folder: Path, selection: Selection, count: int, page: int = 1
) -> tuple[list[Document], int]:
    """The documents of page `page` (`count` a page) among those matching, in hash order, and
    how many match in all. Streams the run: only `count * page` documents are held."""
    wanted = count * page
    heap: list[tuple[int, int, Document]] = []
    matching = 0
    for seq, doc in enumerate(documents(folder)):
        if not selection.matches(doc):
            continue
        matching += 1
        entry = (-document_hash(doc), seq, doc)
        if len(heap) < wanted:
            heapq.heappush(heap, entry)
        elif entry[0] > heap[0][0]:
            heapq.heapreplace(heap, entry)
    ordered = [doc for _, _, doc in sorted(heap, key=lambda e: (-e[0], e[1]))]
    return ordered[count * (page - 1) :], matching


def show(console: Console, docs: list[Document], *, full: bool = False) -> None:
    """Each document: a header, its text with the ledger in place, then the ledger as a diff."""
    for doc in docs:
        console.print(_header(doc))
        console.print(_laid_text(doc, None if full else SAMPLE_CHARS))
        for line in _diff(doc):
            console.print(line)
        console.print()


def _header(doc: Document) -> Text:
    header = Text("── ", style="dim")
    header.append(printable(doc.id), style="bold")
    if doc.rejection is None:
        header.append("  kept", style="green")
    else:
        verdict = f"  rejected {doc.rejection.reason} by {doc.rejection.step}"
        header.append(printable(verdict), style="red")
        if doc.rejection.detail:
            header.append(printable(f" ({doc.rejection.detail})"), style="red")
    if doc.metadata.get("salvaged"):
        header.append("  salvaged", style="yellow")
    url = doc.metadata.get(URL)
    if isinstance(url, str) and url:
        header.append("  " + printable(url), style="cyan")
    return header


def _laid_text(doc: Document, limit: int | None) -> Text:
    text = Text()
    try:
        laid = pieces(doc.text, doc.ledger)
    except LedgerMismatch:
        text.append("[the ledger does not replay to this text]\n", style="yellow")
        text.append(printable(doc.text if limit is None else doc.text[:limit]))
        return text
    left_out = 0
    if limit is not None:
        laid, left_out = shown(laid, limit)
    for piece in laid:
        text.append(printable(piece.text), style=_STYLES.get(piece.kind, ""))
    if left_out:
        text.append(f"\n… {left_out:,} more characters (--full shows all)", style="dim")
    return text


def _diff(doc: Document) -> Iterator[Text]:
    """The ledger as `thresher clean` prints it, coloured: a hunk per edit."""
    for edit in doc.ledger:
        yield Text(
            f"@@ {printable(edit.step)} [{printable(edit.reason)}] lines"
            f" {edit.first_line}-{edit.last_line} chars {edit.start}-{edit.end} @@",
            style="cyan",
        )
        for line in edit.lines:
            yield Text("-" + printable(line), style="red")
        if edit.replacement:
            for line in edit.replacement.split("\n"):
                yield Text("+" + printable(line), style="green")
