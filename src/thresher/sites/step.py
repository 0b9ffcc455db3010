"""The `site-boilerplate` step: the lines a site prints on many of its pages (a publisher's
disclaimer, a "Related articles" block, a newsletter box, navigation) learned per site from
the corpus, and removed. Collect keeps hashes of each document's distinct lines; decide counts
them per site, one partition of sites at a time; apply removes the learned lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from thresher.document import Document
from thresher.edits import remove_lines
from thresher.sites.counting import DOCS_FILE, LINES_FILE, PAIR_BIT, Partition, Selector
from thresher.sites.lines import (
    KEYS_VERSION,
    document_lines,
    hash_key,
    hash_site,
    line_hash,
    line_keys,
)
from thresher.sites.site import site_of, valid_mode
from thresher.sites.table import (
    EXAMPLE_CHARS,
    EXAMPLES,
    Counts,
    SiteTable,
    atomic_write,
    forget_run,
    load_counts,
    merge,
    read_jsonl,
    write_jsonl,
)
from thresher.steps import (
    KEEP,
    CorpusStep,
    DocumentKeys,
    StepStats,
    Verdict,
    register,
    require,
)

REASON = "site-boilerplate"
MAX_REACH_STEPS = 16  # template blocks reached over one line at a time are rarely longer
SITE_BOILERPLATE = "site_boilerplate"  # metadata: the site, and each removed line's documents
NAMES_FILE = "docs.jsonl"  # per document: id and site
DECISIONS = "decisions-"


@register
@dataclass(frozen=True, kw_only=True)
class SiteBoilerplate(CorpusStep):
    """Remove the lines a site repeats on many of its pages.

    A line (normalised: case, spacing, punctuation folded, each number and each English month
    or weekday name one token) is learned for a site when it is on at least `min_docs` of the
    site's documents and on at least `min_share` of them, for a site with at least
    `min_site_docs` documents (counted over this run and the earlier runs in the state folder).
    A learned line is removed where it stands in the site's template: where a pair it makes
    with a neighbouring line (or the document's start or end) is learned the same way (see
    `reach`), so that a "Note" or "Parameters" that many pages use among their own words stays;
    once removed so, its other copies on that page go too (a menu printed twice). Each run of
    removed lines is one ledger edit with reason `site-boilerplate`; `metadata.site_boilerplate`
    names the site, its documents and each removed line's.

    Defaults, measured by bench/eval_site_boilerplate.py on five Debian HTML manuals (2,648
    pages; input the whole page's text, gold the theme's content element): precision 0.965
    (0.995 without git's manual pages); recall 0.686 of all lines outside the content element
    that are on two pages or more, and 0.967 of those on a fifth of a site's pages or more (a
    page's own table of contents, its previous and next titles are not a site's). Earlier
    (docs/BENCHMARKS.md, issue 15): `min_share` 0.2 against 0.1 and 0.05: precision 0.952
    against 0.927 and 0.906, for 0.008 and 0.014 of recall; `min_docs` 5 against 3: the same on
    whole sites, precision 0.920 against 0.904 on 10-page sites; `reach` 2 against 1: recall
    0.674 against 0.583, precision 0.952 against 0.964. What goes wrongly is structure the
    content repeats where a template stands: manual page headings ("NAME", "SYNOPSIS") and the
    closing "Part of the git(1) suite" on every git page. `long_line_share` 0.5 and
    `max_removed_share` 0.8 are judgement (the manuals share no long paragraph outside their
    content; 1 of 2,648 pages was guarded).

    Parameters:
        site: what a site is: `domain` (the registered domain of `metadata.url`, public
            suffixes known offline), `host` (its host name) or `field:NAME` (a metadata
            field's value). A document without one is left alone.
        min_docs: documents a line must be on.
        min_share: share of the site's documents a line must be on.
        min_site_docs: documents a site needs before anything is learned for it.
        long_line_words: a line of this many words or more is a paragraph (a quoted statement,
            a standard introduction that some pages share): it is removed only when on at least
            `long_line_share` of the site's documents.
        long_line_share: see `long_line_words`.
        max_removed_share: a document that would lose more than this share of its words keeps
            them all (its decision says `guarded`): it is mostly what the site repeats, and the
            length and quality rules judge it whole.
        reach: 1: a learned line goes where the pair it makes with the line just before or after
            it (the document's start and end count) is learned too; 2: also where a learned
            pair joins it, over one line, to the start or end or to a line removed.
        heading_words: a short line (4 words or fewer) followed by a line of this many words
            or more that stays is a heading of the page's own text ("Description", "See
            also"), and stays too, however many pages have it; 0 turns this off.
        partitions: sites are decided in this many groups (by site hash), one at a time, so
            memory holds one group's lines.
        keep_docs: a line saved in the state folder's table must be on this many of the run's
            documents of its site (lines on one page only are most of the text, and never
            boilerplate).
        block_share: a line on this share of the site's documents (and `min_docs`), even under
            `min_share`, goes where it stands next to a removed line and the pair they make is
            on this share too: the template's part that a section of the site shares (a
            chapter's breadcrumb, a section's menu). 0 turns this off.
    """

    name = "site-boilerplate"
    site: str = "domain"
    min_docs: int = 5
    min_share: float = 0.2
    min_site_docs: int = 5
    long_line_words: int = 25
    long_line_share: float = 0.5
    max_removed_share: float = 0.8
    reach: int = 2
    heading_words: int = 15
    partitions: int = 8
    keep_docs: int = 2
    block_share: float = 0.02

    def __post_init__(self) -> None:
        require(valid_mode(self.site), self.name, "site", "domain, host or field:NAME", self.site)
        require(self.min_docs >= 2, self.name, "min_docs", ">= 2", self.min_docs)
        require(0 < self.min_share <= 1, self.name, "min_share", "in (0, 1]", self.min_share)
        require(self.min_site_docs >= 1, self.name, "min_site_docs", ">= 1", self.min_site_docs)
        require(
            self.long_line_words >= 1, self.name, "long_line_words", ">= 1", self.long_line_words
        )
        require(
            0 < self.long_line_share <= 1,
            self.name,
            "long_line_share",
            "in (0, 1]",
            self.long_line_share,
        )
        require(
            0 < self.max_removed_share <= 1,
            self.name,
            "max_removed_share",
            "in (0, 1]",
            self.max_removed_share,
        )
        require(self.heading_words >= 0, self.name, "heading_words", ">= 0", self.heading_words)
        require(self.reach in (1, 2), self.name, "reach", "1 or 2", self.reach)
        require(
            1 <= self.partitions <= 4096,
            self.name,
            "partitions",
            "in [1, 4096]",
            self.partitions,
        )
        require(self.keep_docs >= 1, self.name, "keep_docs", ">= 1", self.keep_docs)
        require(0 <= self.block_share <= 1, self.name, "block_share", "in [0, 1]", self.block_share)

    def settings(self) -> dict[str, Any]:
        """What the saved counts depend on: a table mixes only with counts made the same way
        (the thresholds apply when deciding, so they may change between runs)."""
        return {"keys": KEYS_VERSION, "site": self.site}

    # ------------------------------------------------------------------ collect

    def collect(self, docs: Iterable[Document], folder: Path, order: int = 0) -> Iterator[Document]:
        folder.mkdir(parents=True, exist_ok=True)
        keys: list[int] = []
        sites: list[int] = []
        words: list[int] = []
        names: list[dict[str, str]] = []
        hashes: list[np.ndarray] = []
        line_words: list[np.ndarray] = []
        orders: list[np.ndarray] = []
        key_of = DocumentKeys()
        for doc in docs:
            key = key_of(doc) if doc.rejection is None else 0  # every document apply sees
            site = site_of(doc.metadata, self.site) if doc.rejection is None else ""
            if site:
                lines, per_line, _, in_order, total = document_lines(doc.text)
                keys.append(key)
                sites.append(hash_site(site))
                words.append(total)
                names.append({"id": doc.id, "site": site})
                hashes.append(lines)
                line_words.append(per_line)
                orders.append(in_order)
            yield doc
        write_jsonl(folder / NAMES_FILE, names)
        _save_npz(
            folder / LINES_FILE,
            hash=np.concatenate([np.zeros(0, np.uint64), *hashes]),
            words=np.concatenate([np.zeros(0, np.uint16), *line_words]),
            order=np.concatenate([np.zeros(0, np.uint32), *orders]),
        )
        _save_npz(  # last: its presence says the folder is whole
            folder / DOCS_FILE,
            key=np.asarray(keys, np.int64),
            site=np.asarray(sites, np.uint64),
            words=np.asarray(words, np.int64),
            offsets=np.cumsum([0, *(len(h) for h in hashes)]).astype(np.int64),
            order_offsets=np.cumsum([0, *(len(o) for o in orders)]).astype(np.int64),
        )

    # ------------------------------------------------------------------ decide

    @classmethod
    def forget(cls, state: Path, run_id: str) -> int:
        return forget_run(state, run_id)

    def check(self, state: Path) -> None:
        SiteTable(state, self.settings()).check()

    def decide(self, folders: list[Path], state: Path | None, run_id: str = "") -> dict[str, Any]:
        reports = [
            self.decide_partition(folders, state, run_id, number)
            for number in range(self.partitions)
        ]
        return self.merge_reports(reports)

    def decide_partitions(self) -> int:
        return self.partitions

    def decide_partition(
        self, folders: list[Path], state: Path | None, run_id: str, number: int
    ) -> dict[str, Any]:
        """The sites whose hash falls in partition `number`: their lines learned, their
        documents' decisions written (one file per partition), the partition's counts."""
        table = SiteTable(state, self.settings()) if state is not None else None
        earlier = list(table.parts(besides=run_id)) if table else []
        keep = self._in_partition(number)
        part = Partition(folders, keep)
        known = merge([load_counts(path, keep) for path in earlier])
        learned = self._learn(part, known)
        removed = _removed(part, learned, self.reach)
        if self.heading_words:
            removed &= ~_headings(part, removed, self.heading_words)
        guarded = self._write_decisions(folders, number, part, learned, removed)
        report = _Report()
        report.add(part, learned, removed, known, guarded)
        return dict(vars(report))

    def merge_reports(self, reports: list[dict[str, Any]]) -> dict[str, Any]:
        total = _Report()
        for counts in reports:
            for name, value in counts.items():
                setattr(total, name, getattr(total, name) + value)
        return total.to_dict()

    def _in_partition(self, number: int) -> Selector:
        def keep(site_hashes: np.ndarray) -> np.ndarray:
            mask: np.ndarray = np.asarray(site_hashes) % np.uint64(self.partitions) == number
            return mask

        return keep

    def _learn(self, part: Partition, known: Counts) -> _Learned:
        """Which keys (lines and line pairs) of the partition are the site's template, with
        the documents they are on and their site's (this run's and the earlier runs')."""
        rows = part.keys.rows
        docs = _total(rows, known.lines)
        site_docs = _site_totals(part, known)[np.searchsorted(part.sites, rows[:, 0])]
        words = np.zeros(len(rows), np.int64)
        words[part.keys.item_row[: part.items]] = part.line_words
        learned = (site_docs >= self.min_site_docs) & (docs >= self.min_docs)
        # a paragraph some pages share (a quotation, a standard introduction) is content
        # unless most of the site carries it
        learned &= (words < self.long_line_words) | (docs >= self.long_line_share * site_docs)
        block = learned & (docs >= self.block_share * site_docs) if self.block_share else None
        learned &= docs >= self.min_share * site_docs
        return _Learned(learned, docs, site_docs, block)

    def _write_decisions(
        self,
        folders: list[Path],
        number: int,
        part: Partition,
        learned: _Learned,
        removed: np.ndarray,
    ) -> int:
        """Write each folder's decisions for this partition; returns the documents guarded."""
        weight = part.line_words[part.seq_item].astype(np.float64) * removed
        lost = np.bincount(part.seq_doc, weights=weight, minlength=part.documents)
        hit = np.bincount(part.seq_doc, weights=removed, minlength=part.documents) > 0
        guarded = 0
        for n, folder in enumerate(folders):
            rows = [r for r in range(part.folder_offsets[n], part.folder_offsets[n + 1]) if hit[r]]
            if not rows:
                continue
            names = list(read_jsonl(folder / NAMES_FILE))
            decisions = []
            for r in rows:
                meta = names[int(part.doc_row[r])]
                decision: dict[str, Any] = {"doc": int(part.doc_key[r]), "id": meta["id"]}
                decision["site"] = meta["site"]
                share = float(lost[r]) / max(int(part.doc_words[r]), 1)
                if share > self.max_removed_share:
                    decision.update(guarded=True, removed_share=round(share, 4))
                    guarded += 1
                else:
                    decision.update(_lines_of(part, learned, removed, r))
                decisions.append(decision)
            write_jsonl(folder / f"{DECISIONS}{number:05d}.jsonl", decisions)
        return guarded

    # ------------------------------------------------------------------ apply

    def decisions(self, folder: Path) -> Iterator[dict[str, Any]]:
        for path in sorted(folder.glob(DECISIONS + "*.jsonl")):
            yield from read_jsonl(path)

    def apply_decision(self, doc: Document, decision: dict[str, Any]) -> Verdict:
        if decision.get("guarded"):
            return KEEP
        # the lines with words, in order, numbered as collect numbered them
        wanted = {int(k): (int(h), int(n)) for k, h, n in decision["lines"]}
        removed: dict[int, str] = {}
        listed = []
        ordinal = 0
        for i, key in enumerate(line_keys(doc.text)):
            if not key:
                continue
            h = hash_key(key)
            if ordinal in wanted:
                expected, docs = wanted[ordinal]
                if h != expected:  # not the text collect saw: never remove the wrong line
                    raise ValueError(f"line {i} is not the line decided on")
                removed[i] = REASON
                listed.append({"line": i, "docs": docs})
            ordinal += 1
        remove_lines(doc, self.name, removed)
        doc.metadata[SITE_BOILERPLATE] = {
            "site": decision["site"],
            "site_docs": decision["site_docs"],
            "lines": listed,
        }
        return KEEP

    def apply(
        self, docs: Iterable[Document], folder: Path, stats: StepStats | None = None
    ) -> Iterator[Document]:
        """The base class's apply; on the way, one example text of each removed line is noted
        (`examples.jsonl` in `folder`) for `commit` to save with the counts."""
        examples: dict[tuple[int, int], str] = {}
        for doc in super().apply(docs, folder, stats):
            _note_examples(doc, self.name, examples)
            yield doc
        write_jsonl(
            folder / EXAMPLES,
            ({"site": s, "line": h, "text": t} for (s, h), t in sorted(examples.items())),
        )

    # ------------------------------------------------------------------ commit

    def commit(self, folders: list[Path], state: Path | None, run_id: str = "") -> None:
        """Save this run's counts in `state` (once per `run_id`): per site its documents and
        the lines on `keep_docs` or more of them, one part per partition."""
        if state is None:
            return
        table = SiteTable(state, self.settings())
        if run_id and table.has_run(run_id):
            return
        table.append(
            (
                (f"part-{p:05d}", self._run_counts(folders, self._in_partition(p)))
                for p in range(self.partitions)
            ),
            run_id,
        )

    def _run_counts(self, folders: list[Path], keep: Selector) -> Counts:
        part = Partition(folders, keep)
        rows = part.keys.rows[part.keys.rows[:, 2] >= self.keep_docs]
        names: dict[int, str] = {}
        for n, folder in enumerate(folders):
            lo, hi = part.folder_offsets[n], part.folder_offsets[n + 1]
            if hi > lo:
                listed = list(read_jsonl(folder / NAMES_FILE))
                for r in range(lo, hi):
                    names[int(part.doc_site[r])] = listed[int(part.doc_row[r])]["site"]
        examples: dict[tuple[int, int], str] = {}
        for folder in folders:
            for row in read_jsonl(folder / EXAMPLES):
                key = (int(row["site"]), int(row["line"]))
                if bool(keep(np.asarray([key[0]], np.uint64))[0]):
                    examples[key] = min(str(row["text"]), examples.get(key, str(row["text"])))
        sites = np.stack([part.sites, part.site_docs.astype(np.uint64)], axis=1)
        return Counts(sites.astype(np.uint64).reshape(-1, 2), rows, names, examples)


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    def write(target: Path) -> None:
        with target.open("wb") as out:  # a file object: np.savez adds no suffix
            np.savez(out, **arrays)  # type: ignore[arg-type]  # stubs take allow_pickle for **

    atomic_write(path, write)


def _note_examples(doc: Document, step: str, examples: dict[tuple[int, int], str]) -> None:
    found = doc.metadata.get(SITE_BOILERPLATE)
    if not isinstance(found, dict):
        return
    site = hash_site(str(found["site"]))
    for edit in doc.ledger:
        if edit.step == step and edit.reason == REASON:
            for line in edit.removed.split("\n"):
                h = line_hash(line)
                if h is not None:
                    text = line.strip()[:EXAMPLE_CHARS]
                    examples[(site, h)] = min(text, examples.get((site, h), text))


def _removed(part: Partition, learned: _Learned, reach: int) -> np.ndarray:
    """Per line of each document in order: removed or not. A learned line goes where it stands
    in the site's template, not alone among the page's own words: where the pair it makes
    with the line just before or after it (the document's start and end count as lines) is
    learned too; with `reach` 2, also where a learned pair joins it, over one line, to the
    document's start or end or to a line removed so (a title between "Previous topic" and
    "Next topic"), repeatedly."""
    line_row = part.keys.item_row[: part.items]
    pair_row = part.keys.item_row[part.items :]
    at = part.seq_framed
    learned_line = learned.mask[line_row[part.seq_item]]

    def pair_learned(index: np.ndarray) -> np.ndarray:
        found: np.ndarray = learned.mask[pair_row[index]] & (index >= 0)
        return found

    near = part.pair_at[0]
    removed: np.ndarray = learned_line & (pair_learned(near[at - 1]) | pair_learned(near[at]))
    if reach >= 2:
        removed = _reach_over_one(part, learned_line, removed, pair_learned)
    if learned.block is not None:
        removed = _grow_blocks(part, learned.block, removed)
    return _with_copies(part, learned_line, removed)


def _grow_blocks(part: Partition, block: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """`removed`, grown line by line into lines that a part of the site shares (a chapter's
    navigation bar, a section's breadcrumb): a line next to a removed one, where both the line
    and the pair they make are on `block_share` of the site's documents."""
    at = part.seq_framed
    line_row = part.keys.item_row[: part.items]
    pair_row = part.keys.item_row[part.items :]
    near = part.pair_at[0]
    line = block[line_row[part.seq_item]]
    before = block[pair_row[near[at - 1]]] & (near[at - 1] >= 0)
    after = block[pair_row[near[at]]] & (near[at] >= 0)
    return _grow(part, removed, line, (before, after), distance=1, edges=False)


def _reach_over_one(
    part: Partition,
    learned_line: np.ndarray,
    removed: np.ndarray,
    pair_learned: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """`removed`, grown over one line at a time to learned lines whose learned pair joins
    them, over that line, to a removed line or the document's edge. (Requiring the line passed
    over to be on two pages or more would keep git's "NAME" and "SYNOPSIS", and lose
    postgresql's footer "Prev Up Next" over each page's own last line: measured, see
    docs/BENCHMARKS.md, issue 15.)"""
    at = part.seq_framed
    far = part.pair_at[1]
    joins = (pair_learned(far[at - 2]), pair_learned(far[at]))
    return _grow(part, removed, learned_line, joins, distance=2, edges=True)


def _grow(
    part: Partition,
    removed: np.ndarray,
    line: np.ndarray,
    joins: tuple[np.ndarray, np.ndarray],
    *,
    distance: int,
    edges: bool,
) -> np.ndarray:
    """`removed`, grown to each line allowed (`line`) whose join to the line `distance`
    before or after it (`joins`) holds where that line is removed (or, with `edges`, is the
    document's start or end), repeatedly, up to `MAX_REACH_STEPS` times."""
    at = part.seq_framed
    before, after = joins
    gone = np.zeros(len(part.framed_is_edge) + distance, bool)  # `at + distance` past the end
    if edges:
        gone[: len(part.framed_is_edge)] = part.framed_is_edge
    for _ in range(MAX_REACH_STEPS):
        gone[at] = removed
        grown = removed | line & ((before & gone[at - distance]) | (after & gone[at + distance]))
        if (grown == removed).all():
            break
        removed = grown
    return removed


def _with_copies(part: Partition, learned_line: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """A learned line removed once from a document where it stands in the template goes
    wherever else that document has it (a sidebar printed twice, once as a menu)."""
    hit = np.bincount(part.seq_item, weights=removed, minlength=part.items) > 0
    grown: np.ndarray = removed | (learned_line & hit[part.seq_item])
    return grown


HEADING_MAX_WORDS = 4


def _headings(part: Partition, removed: np.ndarray, words: int) -> np.ndarray:
    """Per line of each document in order: a short line that heads a long line of the page's
    own (the next line with words, not removed)."""
    size = part.line_words[part.seq_item].astype(np.int64)
    follows = np.zeros(len(size), bool)
    if len(size) > 1:
        same_doc = part.seq_doc[1:] == part.seq_doc[:-1]
        follows[:-1] = same_doc & (size[1:] >= words) & ~removed[1:]
    heading: np.ndarray = (size <= HEADING_MAX_WORDS) & follows
    return heading


def _lines_of(part: Partition, learned: _Learned, removed: np.ndarray, row: int) -> dict[str, Any]:
    """Document `row`'s removed lines: [ordinal among its lines with words, hash, documents]."""
    lo, hi = part.seq_offsets[row], part.seq_offsets[row + 1]
    ordinals = np.flatnonzero(removed[lo:hi])
    items = part.seq_item[lo + ordinals]
    key_rows = part.keys.item_row[items]
    lines = zip(
        ordinals.tolist(), part.line[items].tolist(), learned.docs[key_rows].tolist(), strict=True
    )
    site_docs = int(learned.site_docs[key_rows[0]])
    return {"site_docs": site_docs, "lines": [[k, h, n] for k, h, n in lines]}


@dataclass
class _Learned:
    mask: np.ndarray  # per key row: boilerplate or not
    docs: np.ndarray  # per key row: documents it is on (this run and earlier ones)
    site_docs: np.ndarray  # per key row: documents of its site
    block: np.ndarray | None = None  # per key row: on `block_share` of the site's documents


def _total(rows: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Per row of `rows` (site, key, documents; sorted, distinct), its documents plus those
    `known` (same columns) has for the same (site, key)."""
    if not len(known) or not len(rows):
        return rows[:, 2].astype(np.int64)
    both = np.concatenate([rows, known])
    order = np.lexsort((both[:, 1], both[:, 0]))
    ordered = both[order]
    new = np.ones(len(both), bool)
    new[1:] = (ordered[1:, :2] != ordered[:-1, :2]).any(axis=1)
    group = np.empty(len(both), np.int64)
    group[order] = np.cumsum(new) - 1
    sums = np.bincount(group, weights=both[:, 2].astype(np.float64))
    return sums[group[: len(rows)]].astype(np.int64)


def _site_totals(part: Partition, known: Counts) -> np.ndarray:
    """Documents per site of `part.sites` (this run's and the earlier runs')."""
    totals = part.site_docs.astype(np.int64)
    if len(known.sites) and len(totals):
        where = np.minimum(np.searchsorted(known.sites[:, 0], part.sites), len(known.sites) - 1)
        found = known.sites[where, 0] == part.sites
        totals = totals + np.where(found, known.sites[where, 1], 0).astype(np.int64)
    return totals


class _Report:
    """What the run summary says: documents and sites seen, lines learned, documents cleaned
    and guarded, and the memory a (document, line) pair took in decide."""

    def __init__(self) -> None:
        self.documents = self.sites = self.learned_sites = self.lines = self.line_pairs = 0
        self.cleaned = self.guarded = self.items = self.item_bytes = self.known_sites = 0

    def add(
        self,
        part: Partition,
        learned: _Learned,
        removed: np.ndarray,
        known: Counts,
        guarded: int,
    ) -> None:
        is_line = part.keys.rows[:, 1] < PAIR_BIT
        self.documents += part.documents
        self.sites += len(part.sites)
        self.known_sites += len(known.sites)
        self.learned_sites += len(np.unique(part.keys.rows[learned.mask & is_line, 0]))
        self.lines += int((learned.mask & is_line).sum())
        self.line_pairs += int((learned.mask & ~is_line).sum())
        self.items += part.items
        self.item_bytes += part.nbytes()
        hit = np.bincount(part.seq_doc, weights=removed, minlength=part.documents)
        self.cleaned += int((hit > 0).sum()) - guarded
        self.guarded += guarded

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "sites": self.sites,
            "sites_known_before": self.known_sites,
            "sites_with_boilerplate": self.learned_sites,
            "lines_learned": self.lines,
            "line_pairs_learned": self.line_pairs,
            "documents_cleaned": self.cleaned,
            "documents_guarded": self.guarded,
            # decide's memory for one (document, distinct line) item, all arrays included
            "bytes_per_line": round(self.item_bytes / self.items, 1) if self.items else 0.0,
        }
