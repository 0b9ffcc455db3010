"""The run report as one self-contained HTML file: inline CSS, one inline script and inline
SVG, nothing fetched. Crawled text is hostile: every piece of it goes through `html.escape`,
the script reads nothing but the page's own text, and the page's Content-Security-Policy
allows only its own style and script, by hash (no inline event handler, no other origin)."""

from __future__ import annotations

import base64
import hashlib
import math
import platform
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

import thresher
from thresher.report.ledger import INSERTED, REMOVED, Piece
from thresher.report.reading import Group, RunView, Sample
from thresher.sites import site_documents, site_lines

BINS = 30
INPUTS_SHOWN = 100
BOILERPLATE_SITES = 10
BOILERPLATE_LINES = 20
SAMPLES_BYTES = 6_000_000  # the samples' markup in all: the page stays under 10 MB

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 16px}
body{color:#1d232a}h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccd}
table{border-collapse:collapse;margin:6px 0}
td,th{padding:2px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.sub td:first-child{padding-left:28px}tr.rule td:first-child{padding-left:48px;color:#555}
tbody tr:nth-child(even){background:#f4f5f8}nav a{margin-right:12px}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font:12px/1.4 ui-monospace,monospace}
.doc{border:1px solid #dde;border-radius:4px;margin:8px 0;padding:6px 10px;background:#fff}
.doc header{font-size:12px;color:#444}
.text{background:#fafbfc;padding:6px;max-height:360px;overflow:auto}
del{background:#ffe1e1;color:#8a1c1c}ins{background:#dcf5dc;color:#14561a;text-decoration:none}
.tag{display:inline-block;border-radius:3px;padding:0 5px;margin-right:4px;background:#e8eaf2}
.tag.rejected{background:#ffe1e1}.tag.kept{background:#dcf5dc}.tag.salvaged{background:#fff1c2}
details.group{margin:4px 0}details.group>summary{cursor:pointer;font-weight:600}
.hists{display:flex;flex-wrap:wrap;gap:10px}.hist{width:360px}.hist figcaption{font-size:12px}
.bar{fill:#6b8fd6}.bar.rejected{fill:#e06c6c}
.threshold{stroke:#000;stroke-width:1.5;stroke-dasharray:4 2}
.legend{font-size:12px}.swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.swatch.kept{background:#6b8fd6}.swatch.rejected{background:#e06c6c}.muted{color:#666}
#search{width:320px;padding:4px}.warn{color:#8a1c1c}
"""

# Search over the samples: reads only the page's own text (textContent), sets only `hidden`
# and `open`, and writes a count with textContent: nothing it touches can run as markup.
_SCRIPT = """
(function(){
var box=document.getElementById('search');var out=document.getElementById('search-count');
function apply(){var q=box.value.trim().toLowerCase();var shown=0;
document.querySelectorAll('details.group').forEach(function(g){var n=0;
g.querySelectorAll('.doc').forEach(function(d){
var hit=!q||d.textContent.toLowerCase().indexOf(q)>=0;d.hidden=!hit;if(hit){n++;}});
g.hidden=q!==''&&n===0;if(q&&n){g.open=true;}shown+=n;});
out.textContent=q?shown+' matching samples':'';}
box.addEventListener('input',apply);apply();})();
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy() -> str:
    """Nothing from anywhere; the page's own style and script by hash; data: images only."""
    return (
        f"default-src 'none'; script-src {_sha256(_SCRIPT)}; style-src {_sha256(_STYLE)};"
        " img-src data:; base-uri 'none'; form-action 'none'"
    )


def render(view: RunView) -> str:
    """The whole report page."""
    name = view.folder.resolve().name
    sections = [
        ("funnel", "Funnel", _funnel(view)),
        ("samples", "Samples", _samples(view)),
        ("signals", "Quality signals", _histograms(view)),
        ("languages", "Languages", _languages(view.summary)),
        ("sites", "Sites", _sites(view.summary)),
        ("duplicates", "Duplicate clusters", _clusters(view)),
        ("boilerplate", "Site boilerplate", _boilerplate(view)),
        ("run", "The run", _run_details(view)),
        ("errors", "Errors", _errors(view)),
    ]
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{title}</h2>{content}</section>'
        for key, title, content in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">'
        '<link rel="icon" href="data:,">'
        f"<title>thresher report: {escape(name)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>thresher report: {escape(name)}</h1><nav>{nav}</nav>{body}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


def _n(value: object) -> str:
    """A number with thousands separated; anything else escaped."""
    return (
        f"{value:,}"
        if isinstance(value, int) and not isinstance(value, bool)
        else escape(str(value))
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _cells(values: Iterable[object], numeric: Iterable[bool]) -> str:
    return "".join(
        f"<td class=n>{_n(v)}</td>" if is_number else f"<td>{escape(str(v))}</td>"
        for v, is_number in zip(values, numeric, strict=True)
    )


def _table(table_id: str, headers: list[str], rows: Iterable[str], numeric_from: int) -> str:
    """A table with header cells (those from `numeric_from` right-aligned) and rows given."""
    head = "".join(
        f"<th class=n>{escape(h)}</th>" if i >= numeric_from else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _row(
    label: str, docs: object, chars: object, seconds: object = "", *, key: str, kind: str = ""
) -> str:
    """A funnel row; `label` is markup (its text already escaped)."""
    kind_attr = f' class="{kind}"' if kind else ""
    return (
        f'<tr data-row="{escape(key)}"{kind_attr}><td>{label}</td>'
        f'<td class="n docs">{_n(docs)}</td><td class="n chars">{_n(chars)}</td>'
        f'<td class="n">{_n(seconds)}</td></tr>'
    )


def _funnel(view: RunView) -> str:
    """Records in, quarantined, each step's rejections (by reason and rule) and removals,
    kept: documents and characters, and each step's seconds (from timing.json)."""
    summary = view.summary
    chars = summary.get("chars", {})
    rows = [
        _row("records in", summary.get("in", ""), chars.get("in", ""), key="in"),
        _row("quarantined (unreadable)", summary.get("quarantined", ""), "", key="quarantined"),
    ]
    rows.extend(_reader_rows(summary))
    seconds = view.timing.get("steps_seconds", {})
    for step, stats in summary.get("steps", {}).items():
        rejected = stats.get("rejected", {})
        label = f"step <b>{escape(step)}</b>"
        removed = stats.get("chars_removed", "")
        rows.append(
            _row(label, sum(rejected.values()), removed, seconds.get(step, ""), key=f"step:{step}")
        )
        for reason, count in rejected.items():
            rows.extend(_reason_rows(summary, reason, count))
    rows.append(_row("<b>kept</b>", summary.get("kept", ""), chars.get("kept", ""), key="kept"))
    table = _table("funnel", ["", "documents", "characters", "seconds"], rows, 1)
    return table + _funnel_note(summary) + _removed_chars(summary)


def _reader_rows(summary: dict[str, Any]) -> list[str]:
    """The records the reader's bounds rejected before any step (too large, too many lines,
    not text): the reasons' counts that no step's rejections account for."""
    by_steps: dict[str, int] = {}
    for stats in summary.get("steps", {}).values():
        for reason, count in stats.get("rejected", {}).items():
            by_steps[reason] = by_steps.get(reason, 0) + count
    left = {
        reason: count - by_steps.get(reason, 0)
        for reason, count in summary.get("reasons", {}).items()
        if count > by_steps.get(reason, 0)
    }
    if not left:
        return []
    rows = [_row("reader <b>bounds</b>", sum(left.values()), "", key="reader")]
    for reason, count in left.items():
        rows.extend(_reason_rows(summary, reason, count))
    return rows


def _reason_rows(summary: dict[str, Any], reason: str, count: int) -> list[str]:
    reason_chars = summary.get("rejected_chars", {}).get(reason, "")
    label = f"rejected: {escape(reason)}"
    rows = [_row(label, count, reason_chars, key=f"reason:{reason}", kind="sub")]
    for rule, rule_count in summary.get("rules", {}).get(reason, {}).items():
        rows.append(_row(escape(rule), rule_count, "", key=f"rule:{reason}:{rule}", kind="rule"))
    return rows


def _funnel_note(summary: dict[str, Any]) -> str:
    chars = summary.get("chars")
    if not chars:
        return '<p class="warn">This summary.json predates the per-rule and character counts.</p>'
    return (
        "<p class=muted>A step's row: the documents it rejected, and the characters its edits"
        " removed (negative where replacements are longer). A reason's row: the characters of"
        " the documents it rejected. Characters in = kept + rejected + removed by edits:"
        f" {_n(chars['in'])} = {_n(chars['kept'])} + {_n(chars['rejected'])} +"
        f" {_n(chars['removed'])}. Salvaged: {_n(summary.get('salvaged', ''))};"
        f" balanced: {_n(summary.get('balanced', ''))}.</p>"
    )


def _removed_chars(summary: dict[str, Any]) -> str:
    removed = summary.get("removed_chars", {})
    if not removed:
        return ""
    rows = (f"<tr>{_cells(item, (False, True))}</tr>" for item in removed.items())
    table = _table("removed-chars", ["edit reason", "characters removed"], rows, 1)
    return f"<h3>Characters removed by edit reason</h3>{table}"


def _samples(view: RunView) -> str:
    intro = (
        '<p><input id="search" type="search" placeholder="search the samples"'
        ' aria-label="search the samples"> <span id="search-count" class="muted"></span></p>'
        f"<p class=muted>Up to {view.samples_per_group} documents a group, chosen by a hash of"
        " their id and source (the same run gives the same samples); removed text"
        " <del>struck through</del>, replacements <ins>marked</ins>.</p>"
    )
    rendered = {
        key: [_sample(sample) for sample in samples] for key, (_, _, samples) in view.groups.items()
    }
    shown = _samples_within(SAMPLES_BYTES, list(rendered.values()))
    if shown < view.samples_per_group:
        intro += (
            f"<p class=muted>{shown} a group here, to keep the page under"
            f" {SAMPLES_BYTES // 1_000_000} MB of samples.</p>"
        )
    groups = (
        _group(group, count, rendered[key][:shown])
        for key, (group, count, _) in view.groups.items()
    )
    return intro + "".join(groups)


def _samples_within(budget: int, groups: list[list[str]]) -> int:
    """The most samples a group (its first ones) whose markup, over all groups, fits in
    `budget` bytes: many groups of long, markup-heavy text cannot make the page large."""
    most = max((len(samples) for samples in groups), default=0)
    sizes = [[len(sample.encode("utf-8")) for sample in samples] for samples in groups]
    for count in range(most, 0, -1):
        if sum(sum(s[:count]) for s in sizes) <= budget:
            return count
    return 0


def _group_title(group: Group) -> str:
    if group.kind == "rejected":
        return f"rejected: {escape(group.reason)} / {escape(group.rule)}"
    if group.kind == "edited":
        return f"edited: {escape(group.reason)}"
    return escape(group.kind)


def _group(group: Group, count: int, samples: list[str]) -> str:
    docs = "".join(samples)
    counts = f"({_plural(count, 'document')}, {len(samples)} shown)"
    return (
        f'<details class="group" data-group="{escape(group.key)}"><summary>'
        f"{_group_title(group)} <span class=muted>{counts}</span></summary>{docs}</details>"
    )


def _sample(sample: Sample) -> str:
    tags = [f'<span class="tag {escape(sample.status)}">{escape(sample.status)}</span>']
    if sample.salvaged:
        tags.append('<span class="tag salvaged">salvaged</span>')
    if sample.reason:
        tags.append(f'<span class="tag">{escape(sample.reason)}</span>')
    detail = f" — {escape(sample.detail)}" if sample.detail else ""
    where = " · ".join(
        escape(part) for part in (sample.source, sample.url, sample.language) if part
    )
    header = (
        f'<header>{"".join(tags)}<b class="doc-id">{escape(sample.id)}</b>{detail}'
        f"<br>{where} · {sample.edits} edits</header>"
    )
    more = f"<span class=muted>… {sample.left_out:,} more characters</span>"
    text = _text(sample) + (more if sample.left_out else "")
    return (
        f'<article class="doc" data-id="{escape(sample.id)}">{header}'
        f'<pre class="text">{text}</pre></article>'
    )


def _text(sample: Sample) -> str:
    if sample.pieces is None:
        warning = '<span class="warn">[the ledger does not replay to this text]</span>\n'
        return warning + escape(sample.text)
    return "".join(_piece(piece) for piece in sample.pieces)


def _piece(piece: Piece) -> str:
    text = escape(piece.text)
    if piece.kind == REMOVED:
        return f'<del title="{escape(piece.edit)}">{text}</del>'
    if piece.kind == INSERTED:
        return f'<ins title="{escape(piece.edit)}">{text}</ins>'
    return text


def _histograms(view: RunView) -> str:
    if not view.signals:
        return "<p class=muted>No document carries quality signals (no quality step ran).</p>"
    legend = (
        '<p class="legend"><span class="swatch kept"></span>kept'
        '<span class="swatch rejected"></span>rejected; dashed: the recipe\'s threshold.'
        f" From {view.signal_documents:,} documents chosen by hash.</p>"
    )
    figures = (
        _histogram(name, values, view.thresholds.get(name, []))
        for name, values in view.signals.items()
    )
    return f'{legend}<div class="hists">{"".join(figures)}</div>'


_PLOT_W, _PLOT_H = 340, 120


def _histogram(name: str, values: dict[str, list[float]], bounds: list[tuple[str, float]]) -> str:
    """Kept and rejected counts per bin, side by side, over the range of the values (the top
    percent folded into the last bin so one outlier does not squash the rest), with the
    thresholds that fall in it."""
    low, high = _range(values, [bound for _, bound in bounds])
    width = (high - low) / BINS or 1.0
    counts = {status: [0] * BINS for status in ("kept", "rejected")}
    for status, numbers in values.items():
        counts[status] = _binned(numbers, low, width, counts[status])
    tallest = max(max(c) for c in counts.values()) or 1
    bar = _PLOT_W / BINS
    rects = [
        f'<rect class="bar {status}" x="{i * bar + offset:.1f}" y="{_PLOT_H - h:.1f}"'
        f' width="{bar / 2:.1f}" height="{h:.1f}"><title>{status}: {count}</title></rect>'
        for status, offset in (("kept", 0.0), ("rejected", bar / 2))
        for i, count in enumerate(counts[status])
        if count and (h := _PLOT_H * count / tallest)
    ]
    lines = [
        f'<line class="threshold" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{_PLOT_H}">'
        f"<title>{escape(label)} = {bound:g}</title></line>"
        for label, bound in bounds
        if low <= bound <= high and (x := (bound - low) / (high - low or 1.0) * _PLOT_W) >= 0
    ]
    axis = (
        f'<text x="0" y="{_PLOT_H + 12}" font-size="10">{low:.3g}</text>'
        f'<text x="{_PLOT_W}" y="{_PLOT_H + 12}" font-size="10" text-anchor="end">{high:.3g}</text>'
    )
    shown = "".join(f"; {escape(label)} = {bound:g}" for label, bound in bounds)
    caption = (
        f"<b>{escape(name)}</b> kept {len(values['kept']):,},"
        f" rejected {len(values['rejected']):,}{shown}"
    )
    return (
        f'<figure class="hist" data-signal="{escape(name)}"><svg width="{_PLOT_W}"'
        f' height="{_PLOT_H + 14}" role="img">{"".join(rects)}{"".join(lines)}{axis}</svg>'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _binned(numbers: list[float], low: float, width: float, counts: list[int]) -> list[int]:
    """`counts` plus the values in each bin: bin `min(max(int((value - low) / width), 0),
    BINS - 1)`, as the loop below counts, in numpy where that gives the same bins."""
    array = _floats(numbers)
    if array is not None:
        with np.errstate(over="ignore", invalid="ignore"):  # as Python's float arithmetic
            quotients = (array - float(low)) / float(width)
        if np.isfinite(quotients).all():  # else int() raises below, as it always did
            # clipped first, in floats (a huge quotient does not fit an int); the cast then
            # truncates toward zero as int() does, so (-1, 1) is bin 0 both ways
            bins = np.clip(quotients, -1.0, float(BINS)).astype(np.int64).clip(0, BINS - 1)
            added: list[int] = np.bincount(bins, minlength=BINS).tolist()
            return [count + more for count, more in zip(counts, added, strict=True)]
    counts = list(counts)
    for value in numbers:
        counts[min(max(int((value - low) / width), 0), BINS - 1)] += 1
    return counts


def _floats(numbers: list[float]) -> np.ndarray | None:
    """`numbers` as an array, where numpy orders and computes them as Python does: Python
    floats only (no int, no subclass) and no NaN (which sorts in no order); else None."""
    if not set(map(type, numbers)) <= {float}:
        return None
    array = np.array(numbers, dtype=np.float64)
    return None if np.isnan(array).any() else array


def _range(values: dict[str, list[float]], bounds: list[float]) -> tuple[float, float]:
    """From the least value to the 99th percentile, widened to show the thresholds that lie
    near (within the range's own width): a bound far off (100,000 words) would squash it."""
    listed = values["kept"] + values["rejected"]
    top = min(len(listed) - 1, math.ceil(len(listed) * 0.99))
    array = _floats(listed)
    if array is None:
        every = sorted(listed)
        low, high, last = every[0], every[top], every[-1]
    else:  # a stable sort, as sorted(): equal values (0.0 and -0.0) keep their order
        ordered = np.sort(array, kind="stable")
        low, high, last = ordered[0].item(), ordered[top].item(), ordered[-1].item()
    if high == low:  # nearly all one value (0 for most repetition signals): show the rest
        high = max(last, *bounds) if bounds else last
    span = high - low
    for bound in bounds:
        if low - span <= bound <= high + span:
            low, high = min(low, bound), max(high, bound)
    return low, high


_PLACE_HEADERS = ["kept", "rejected", "characters in", "characters kept"]
_PLACE_KEYS = ("kept", "rejected", "chars_in", "chars_kept")


def _place_table(table_id: str, first: str, places: Iterable[tuple[str, dict[str, Any]]]) -> str:
    numeric = (False, True, True, True, True)
    rows = (
        f"<tr>{_cells([name, *(c.get(k, 0) for k in _PLACE_KEYS)], numeric)}</tr>"
        for name, c in places
    )
    return _table(table_id, [first, *_PLACE_HEADERS], rows, 1)


def _languages(summary: dict[str, Any]) -> str:
    languages = summary.get("languages")
    if not languages:
        return "<p class=muted>Not in this summary.json.</p>"
    ordered = sorted(
        languages.items(), key=lambda item: (-item[1]["kept"] - item[1]["rejected"], item[0])
    )
    return _place_table("language-table", "language", ordered)


def _sites(summary: dict[str, Any]) -> str:
    sites = summary.get("sites")
    if not sites:
        return "<p class=muted>Not in this summary.json.</p>"
    note = (
        f"<p class=muted>{len(sites['top'])} of {sites['count']:,} sites, most documents first.</p>"
    )
    return note + _place_table("site-table", "site", ((s["site"], s) for s in sites["top"]))


def _clusters(view: RunView) -> str:
    clusters = view.summary.get("dedup", {}).get("largest_clusters", [])
    if not clusters:
        return "<p class=muted>No dedup step, or no duplicates.</p>"
    rows = (_cluster_row(cluster, view.cluster_urls) for cluster in clusters)
    return _table("clusters", ["cluster", "size", "documents (URL)"], rows, 1)


def _cluster_row(cluster: dict[str, Any], urls: dict[str, str]) -> str:
    kept = str(cluster.get("kept", ""))
    removed = [str(i) for i in cluster.get("removed", [])]
    listed = "".join(
        f"<li>{'kept' if doc_id == kept else 'removed'} {escape(doc_id)}"
        f" <span class=muted>{escape(urls.get(doc_id, ''))}</span></li>"
        for doc_id in [kept, *removed]
    )
    more = int(cluster.get("removed_count", len(removed))) - len(removed)
    more_note = f"<span class=muted>and {more:,} more</span>" if more > 0 else ""
    return (
        f"<tr><td>{escape(str(cluster.get('cluster', '')))}</td>"
        f"<td class=n>{_n(cluster.get('cluster_size', ''))}</td>"
        f"<td><ul>{listed}</ul>{more_note}</td></tr>"
    )


def _boilerplate(view: RunView) -> str:
    """What the site-boilerplate step learned, read from its table with the functions
    `thresher boilerplate` reads it with, for the sites it cleaned most documents of."""
    report = view.summary.get("site-boilerplate")
    if report is None:
        return "<p class=muted>The recipe has no site-boilerplate step.</p>"
    facts = ", ".join(
        f"{escape(str(k))}: {_n(v)}" for k, v in report.items() if not isinstance(v, dict | list)
    )
    state = _boilerplate_state(view)
    sites = sorted(view.site_cleaned.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"<p>{facts}</p>"]
    parts += [_site_lines(state, site, cleaned) for site, cleaned in sites[:BOILERPLATE_SITES]]
    return "".join(parts)


def _site_lines(state: Path, site: str, cleaned: int) -> str:
    try:
        lines = [(text, n) for text, n in site_lines(state, site) if text is not None]
        documents = site_documents(state, site)
    except (OSError, ValueError) as exc:  # a part missing or damaged
        return (
            f"<p class=warn>{escape(site)}: table not readable ({escape(type(exc).__name__)})</p>"
        )
    rows = (
        f"<tr><td class=n>{n:,}</td><td><pre>{escape(text)}</pre></td></tr>"
        for text, n in lines[:BOILERPLATE_LINES]
    )
    note = (
        f"{documents:,} documents in the table, {cleaned:,} cleaned in this run;"
        f" {_plural(len(lines), 'line')} learned (the first {BOILERPLATE_LINES} shown)"
    )
    table = _table("", ["documents", "line"], rows, 2)
    return f"<h3>{escape(site)}</h3><p class=muted>{note}</p>{table}"


def _boilerplate_state(view: RunView) -> Path:
    """The step's table: in the index the run used (run.json), else the run's own."""
    index = view.run_record.get("index_path")
    folder = Path(str(index)) if index else view.folder / "dedup-index"
    return folder / "steps" / "site-boilerplate"


def _run_details(view: RunView) -> str:
    record, timing = view.run_record, view.timing
    inputs = record.get("inputs", [])
    keys = ("source", "format", "size", "mtime_ns")
    rows = (
        f"<tr>{_cells((i.get(k, '') for k in keys), (False, False, True, False))}</tr>"
        for i in inputs[:INPUTS_SHOWN]
    )
    more = len(inputs) - INPUTS_SHOWN
    more_note = f"<p class=muted>and {more:,} more inputs (run.json)</p>" if more > 0 else ""
    done = view.folder / ".work" / "done"
    python = platform.python_implementation() + " " + platform.python_version()
    facts = {
        "thresher (this report)": thresher.__version__,
        "python": python,
        "run folder format": record.get("version", ""),
        "fingerprint (recipe, inputs, chunk size, index)": record.get("fingerprint", ""),
        "records per chunk": record.get("records_per_chunk", ""),
        "dedup index": record.get("index") or "the run folder's own (dedup-index/)",
        "workers used": timing.get("workers", ""),
        "workers asked for": timing.get("workers_requested", ""),
        "made by thresher": timing.get("thresher", ""),
        "resumed (an interrupted run, started again)": timing.get("resumed", ""),
        "starts (UTC, engine, workers)": "; ".join(
            f"{s.get('started', '')} {s.get('engine', '')} x{s.get('workers', '')}"
            for s in timing.get("starts", [])
            if isinstance(s, dict)
        ),
        "wall seconds": timing.get("seconds", ""),
        "documents a second": timing.get("docs_per_second", ""),
        "finished chunks recorded": len(list(done.glob("*.json"))) if done.is_dir() else "",
    }
    fact_rows = "".join(f"<tr><th>{escape(k)}</th><td>{_n(v)}</td></tr>" for k, v in facts.items())
    inputs_table = _table("inputs", ["source", "format", "bytes", "mtime (ns)"], rows, 2)
    return (
        f'<table id="run-facts">{fact_rows}</table><h3>Inputs ({len(inputs):,})</h3>'
        f"{inputs_table}{more_note}<h3>Recipe</h3><pre>{escape(view.recipe_text)}</pre>"
    )


def _errors(view: RunView) -> str:
    summary = view.summary
    parts = [f"<p>Quarantined: {view.quarantined:,} (quarantine.jsonl)</p>"]
    if view.quarantine:
        keys = ("source", "position", "error")
        rows = (
            f"<tr>{_cells((q.get(k, '') for k in keys), (False,) * 3)}</tr>"
            for q in view.quarantine
        )
        parts.append(_table("quarantine", list(keys), rows, 3))
    step_errors = summary.get("reasons", {}).get("step-error", 0)
    parts.append(f"<p>Documents rejected because a step raised (step-error): {step_errors:,}</p>")
    listed = (("Warnings", "warnings"), ("Skipped files", "skipped_files"))
    for title, key in listed:
        entries = summary.get(key, [])
        if entries:
            items = "".join(f"<li>{escape(str(e))}</li>" for e in entries[:INPUTS_SHOWN])
            parts.append(f"<h3>{title} ({len(entries):,})</h3><ul>{items}</ul>")
    repeated = _n(summary.get("duplicate_ids", 0))
    parts.append(f"<p>Records whose id an earlier record had: {repeated}</p>")
    return "".join(parts)
