"""The run report and the terminal view: summary.json's counts by rule and characters, the
ledger laid over the text, the HTML page (escaping, CSP, samples, determinism) and
`thresher show`. The browser tests are in test_report_browser.py."""

from __future__ import annotations

import base64
import hashlib
import html
import random
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

import thresher
from thresher import Recipe, WriterOptions
from thresher.cli import main
from thresher.document import Document, Edit
from thresher.edits import remove_lines, rewrite_lines
from thresher.report import html as report_html
from thresher.report import write_report
from thresher.report.html import content_security_policy
from thresher.report.ledger import INSERTED, KEPT, REMOVED, LedgerMismatch, Piece, pieces
from thresher.report.reading import SAMPLE_CHARS, documents, read_run
from thresher.run import plan
from thresher.run.accounting import chars_removed, rule_of, site_name

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "corpus"
ARTICLE = (
    "The city council approved the new budget on Tuesday evening after a debate that lasted "
    "more than four hours, with most members agreeing that road repairs had waited too long. "
)
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click me</a>',
    "</textarea><script>alert(2)</script>",
    "</script><script>alert(3)</script>",
]


def hostile_corpus(root: Path, files: int = 1) -> Path:
    """JSONL records whose text, ids, URLs and fields carry markup: some kept, some rejected,
    some edited (a repeated line is removed), so the markup lands in every part of the page."""
    corpus = root / "hostile"
    corpus.mkdir()
    records = []
    for i, payload in enumerate(HOSTILE):
        body = f"Headline {payload}\n{ARTICLE * 3}\n{payload} is shown as text.\n{ARTICLE * 2}"
        records.append(
            {"id": f"h{i}-{payload}", "text": body, "url": f"https://e{i}.example/?q={payload}"}
        )
        repeated = f"{payload} repeated line here\n{ARTICLE}\n{payload} repeated line here"
        records.append({"id": f"r{i}", "text": repeated, "url": f"javascript:alert({i})"})
        records.append({"id": f"e{i}", "text": f"404 Not Found\n{payload}", "http_status": 404})
    for i in range(files):
        part = records[i::files]
        (corpus / f"h{i}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in part))
    return corpus


REPORT_TAGS = {
    "html",
    "head",
    "meta",
    "link",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "h3",
    "nav",
    "a",
    "section",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "b",
    "p",
    "span",
    "input",
    "details",
    "summary",
    "article",
    "header",
    "br",
    "pre",
    "del",
    "ins",
    "div",
    "figure",
    "svg",
    "rect",
    "line",
    "text",
    "figcaption",
    "ul",
    "li",
    "script",
}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def page_tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of the page as a browser's tokenizer sees it, with its attributes."""
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def run_rows(out: Path) -> list[dict[str, object]]:
    return [
        orjson.loads(line)
        for part in ("kept", "rejected")
        for shard in sorted((out / part).glob("*.jsonl"))
        for line in shard.read_bytes().splitlines()
    ]


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "run"
    thresher.run([str(EXAMPLES)], out, Recipe.default())
    return out


# summary.json by rule, in characters, per language and per site


def test_rule_of_keeps_rule_names_and_folds_numbers_and_ids() -> None:
    assert (
        rule_of("gopher-quality", "gopher_below_alpha_threshold") == "gopher_below_alpha_threshold"
    )
    assert rule_of("c4", "") == "c4"
    copy = "copy of 000021_3db5c1e07fe3da7f (cluster c7c5f44b4f163e7d2; Jaccard of word 3-gram sets 0.93)"
    assert rule_of("near-duplicate", copy) == "copy of N (cluster N; Jaccard of word 3-gram sets N)"
    assert (
        rule_of("error-page", "HTTP 404 and no substantial body")
        == "HTTP N and no substantial body"
    )
    assert rule_of("step-error", "ValueError: <script>quoted text</script>") == "ValueError"
    assert len(rule_of("x", "word " * 100)) <= 80


def test_summary_counts_rejections_by_rule_and_characters_everywhere(example_run: Path) -> None:
    data = orjson.loads((example_run / "summary.json").read_bytes())
    rows = run_rows(example_run)
    docs = [Document.from_dict(row) for row in rows]
    rejected = [d for d in docs if d.rejection is not None]
    by_rule: dict[str, Counter[str]] = {}
    for doc in rejected:
        assert doc.rejection is not None
        by_rule.setdefault(doc.rejection.reason, Counter())[
            rule_of(doc.rejection.reason, doc.rejection.detail)
        ] += 1
    assert data["rules"] == {reason: dict(counts) for reason, counts in sorted(by_rule.items())}
    assert {reason: sum(rules.values()) for reason, rules in data["rules"].items()} == data[
        "reasons"
    ]

    removed = sum(chars_removed(e) for d in docs for e in d.ledger)
    chars = data["chars"]
    assert chars["kept"] == sum(len(d.text) for d in docs if d.rejection is None)
    assert (
        chars["rejected"]
        == sum(len(d.text) for d in rejected)
        == sum(data["rejected_chars"].values())
    )
    assert chars["removed"] == removed == sum(data["removed_chars"].values())
    assert chars["in"] == chars["kept"] + chars["rejected"] + chars["removed"]
    # the characters in are the records' texts as read (the examples are .txt: body after the header)
    assert chars["in"] > chars["kept"] > 0
    per_step = {name: s["chars_removed"] for name, s in data["steps"].items()}
    assert sum(per_step.values()) == chars["removed"]
    assert data["removed_chars"]["repeated-paragraph"] == per_step["repeated-paragraph"]

    languages = data["languages"]
    assert sum(v["kept"] for v in languages.values()) == data["kept"]
    assert sum(v["rejected"] for v in languages.values()) == data["rejected"]
    assert sum(v["chars_kept"] for v in languages.values()) == chars["kept"]
    assert languages["fr"]["kept"] == 1 and languages["en"]["kept"] >= 5
    assert data["sites"] == {
        "count": 1,
        "top": [
            {
                "site": "(no url)",
                "kept": data["kept"],
                "rejected": data["rejected"],
                "chars_in": chars["in"],
                "chars_kept": chars["kept"],
            }
        ],
    }


def test_sites_are_registered_domains_most_documents_first(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    urls = ["https://news.bbc.co.uk/a", "https://www.bbc.co.uk/b", "http://blog.example.org/c", ""]
    rows = [
        {"id": f"d{i}", "text": f"Story {i}\n{ARTICLE}", "url": url} for i, url in enumerate(urls)
    ]
    (corpus / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    data = thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs")).to_dict()
    assert [(s["site"], s["kept"]) for s in data["sites"]["top"]] == [
        ("bbc.co.uk", 2),
        ("(no url)", 1),
        ("example.org", 1),
    ]
    assert site_name({"url": "https://news.bbc.co.uk/x"}) == "bbc.co.uk"


def test_new_summary_fields_are_the_same_for_one_and_two_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """test_run's byte-identity test covers every file; this one checks the new fields are
    there and not empty, so that identity is not the identity of nothing."""
    monkeypatch.setattr(plan, "RECORD_FILES_PER_UNIT", 3)  # several units of work
    corpus = hostile_corpus(tmp_path)
    for i in range(12):
        (corpus / f"more-{i}.jsonl").write_bytes(
            orjson.dumps({"id": f"m{i}", "text": f"404 Not Found\nitem {i}"}) + b"\n"
        )
    recipe = Recipe(steps=Recipe.named("repairs").steps, writer=WriterOptions(format="parquet"))
    one = thresher.run([str(corpus)], tmp_path / "w1", recipe, workers=1)
    two = thresher.run([str(corpus)], tmp_path / "w2", recipe, workers=2)
    assert (tmp_path / "w1" / "summary.json").read_bytes() == (
        tmp_path / "w2" / "summary.json"
    ).read_bytes()
    data = one.to_dict()
    assert data == two.to_dict()
    assert (
        data["rules"]["error-page"] and data["chars"]["removed"] > 0 and data["sites"]["count"] > 5
    )


# the ledger laid over the text


def test_pieces_mark_removed_and_replaced_text_in_place() -> None:
    doc = Document(id="d", text="keep one\ndrop me\nkeep two\nold line\nend")
    remove_lines(doc, "first", {1: "junk"})
    rewrite_lines(doc, "second", {2: ("fix", "new line")})
    assert doc.text == "keep one\nkeep two\nnew line\nend"
    laid = pieces(doc.text, doc.ledger)
    assert laid == [
        Piece(text="keep one\n", kind=KEPT),
        Piece(text="drop me\n", kind=REMOVED, edit="first: junk"),
        Piece(text="keep two\n", kind=KEPT),
        Piece(text="old line", kind=REMOVED, edit="second: fix"),
        Piece(text="new line", kind=INSERTED, edit="second: fix"),
        Piece(text="\nend", kind=KEPT),
    ]


def test_a_replacement_removed_by_a_later_step_shows_as_removed() -> None:
    doc = Document(id="d", text="a\nb\nc")
    rewrite_lines(doc, "first", {1: ("fix", "B")})
    remove_lines(doc, "second", {1: "junk"})
    laid = pieces(doc.text, doc.ledger)
    assert "".join(p.text for p in laid if p.kind != REMOVED) == doc.text == "a\nc"
    assert [p.text for p in laid if p.kind == REMOVED] == ["b", "B\n"]


def test_every_ledger_of_the_example_run_replays_to_its_text(example_run: Path) -> None:
    count = 0
    for doc in documents(example_run):
        laid = pieces(doc.text, doc.ledger)
        assert "".join(p.text for p in laid if p.kind != REMOVED) == doc.text
        original = "".join(p.text for p in laid if p.kind != INSERTED)
        assert len(original) == len(doc.text) + sum(chars_removed(e) for e in doc.ledger)
        count += bool(doc.ledger)
    assert count >= 5


def test_a_ledger_that_does_not_fit_the_text_is_refused() -> None:
    edit = Edit("s", "r", 0, 0, 0, 4, "gone")
    with pytest.raises(LedgerMismatch):
        pieces("text", [edit, Edit("s", "r", 0, 0, 2, 6, "nope")])
    with pytest.raises(LedgerMismatch):
        pieces("short", [Edit("s", "r", 0, 0, 0, 3, "abc", replacement="zzz")])


# the HTML page


def test_report_is_self_contained_and_deterministic(example_run: Path, tmp_path: Path) -> None:
    first = write_report(example_run, tmp_path / "a.html").read_bytes()
    second = write_report(example_run, tmp_path / "b.html").read_bytes()
    assert first == second
    page = first.decode()
    assert re.findall(r"(?:src|href)=\"(?!#|data:)[^\"]*\"", page) == []  # nothing fetched
    assert "<svg" in page and 'id="funnel"' in page and 'id="search"' in page
    data = orjson.loads((example_run / "summary.json").read_bytes())
    assert f'data-row="kept"><td><b>kept</b></td><td class="n docs">{data["kept"]:,}</td>' in page
    assert 'data-group="rejected:error-page:an error template and no substantial body"' in page
    # the quality signals' histograms, with the recipe's threshold drawn where it falls
    alpha = re.search(r'<figure class="hist" data-signal="alpha_words_ratio">(.*?)</figure>', page)
    assert alpha is not None and "<rect" in alpha.group(1)
    assert '<line class="threshold"' in alpha.group(1)
    assert "gopher-quality.min_alpha_words_ratio = 0.8" in alpha.group(1)
    assert 'id="language-table"' in page and "<td>fr</td>" in page


def test_report_carries_a_csp_that_allows_only_its_own_script_and_style(
    example_run: Path, tmp_path: Path
) -> None:
    page = write_report(example_run, tmp_path / "r.html").read_text()
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    csp = content_security_policy()
    assert f'<meta http-equiv="Content-Security-Policy" content="{csp}">' in page
    assert page.index("Content-Security-Policy") < page.index("<style>")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert f"script-src {digest(scripts[0])};" in csp
    assert f"style-src {digest(styles[0])};" in csp
    assert csp.startswith("default-src 'none';") and "unsafe" not in csp
    handlers = [a for _, attrs in page_tags(page) for a, _ in attrs if a.startswith("on")]
    assert handlers == []  # no inline handler: CSP would block it


def test_hostile_text_is_escaped_everywhere_in_the_page(tmp_path: Path) -> None:
    out = tmp_path / "run"
    thresher.run([str(hostile_corpus(tmp_path))], out, Recipe.named("repairs"))
    page = write_report(out).read_text()
    body = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    for payload in HOSTILE:
        assert payload not in body
        assert (
            payload.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            in page
        )
    tags = page_tags(page)
    assert {name for name, _ in tags} <= REPORT_TAGS  # no img, a, textarea from a record
    assert [a for _, attrs in tags for a, _ in attrs if a.startswith("on")] == []
    assert {v for _, attrs in tags for a, v in attrs if a in ("href", "src")} <= {"data:,"} | {
        f"#{s}"
        for s in (
            "funnel",
            "samples",
            "signals",
            "languages",
            "sites",
            "duplicates",
            "boilerplate",
            "run",
            "errors",
        )
    }
    assert page.count("<script>") == 1  # the page's own, and none from a record
    # the removed repeated line of a hostile record is shown struck through, escaped
    assert (
        '<del title="repeated-paragraph: repeated-paragraph">\n&lt;script&gt;alert(1)&lt;/script&gt;'
        in page
    )


def test_samples_are_capped_and_texts_cut(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    long_text = "Headline\n" + ARTICLE * 200
    rows = [
        {"id": f"d{i:03d}", "text": f"404 Not Found\nitem {i}" if i % 2 else long_text + str(i)}
        for i in range(120)
    ]
    (corpus / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    out = tmp_path / "out"
    thresher.run([str(corpus)], out, Recipe.named("repairs"))
    view = read_run(out, samples_per_group=7)
    _, count, samples = view.groups["rejected:error-page:an error template and no substantial body"]
    assert count == 60 and len(samples) == 7
    kept_group = view.groups["kept"]
    assert kept_group[1] == 60 and len(kept_group[2]) == 7
    assert all(
        s.left_out > 0 and sum(len(p.text) for p in s.pieces or []) == SAMPLE_CHARS
        for s in kept_group[2]
    )
    # the same documents whatever the order of reading: the smallest hashes
    again = read_run(out, samples_per_group=7)
    assert [s.id for s in again.groups["kept"][2]] == [s.id for s in kept_group[2]]


def test_many_long_samples_are_cut_to_the_pages_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    rows = [
        {"id": f"d{i:03d}", "text": "Headline\n" + "<b>&amp;</b> " * 400 + str(i)}
        for i in range(40)
    ]
    (corpus / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    out = tmp_path / "out"
    thresher.run([str(corpus)], out, Recipe.named("repairs"))
    full = write_report(out, tmp_path / "full.html").read_text()
    assert full.count('<article class="doc"') == 20
    monkeypatch.setattr(report_html, "SAMPLES_BYTES", 20_000)  # each sample: ~4 KB escaped
    page = write_report(out, tmp_path / "cut.html").read_text()
    shown = re.search(r"(\d+) a group here, to keep the page under", page)
    assert shown is not None and 1 <= int(shown.group(1)) < 20
    articles = re.findall(r'<article class="doc".*?</article>', page, re.S)
    groups = re.findall(r'<details class="group".*?</details>', page, re.S)
    assert all(g.count("<article") == int(shown.group(1)) for g in groups)
    assert sum(len(a.encode()) for a in articles) <= 20_000
    assert len(page.encode()) < len(full.encode()) - 50_000


def test_report_of_the_same_run_in_one_or_two_workers_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "RECORD_FILES_PER_UNIT", 3)
    corpus = hostile_corpus(tmp_path, files=5)
    for workers in (1, 2):
        thresher.run(
            [str(corpus)], tmp_path / f"w{workers}" / "run", Recipe.default(), workers=workers
        )
    shutil.copy(tmp_path / "w1" / "run" / "timing.json", tmp_path / "w2" / "run" / "timing.json")
    one = write_report(tmp_path / "w1" / "run", tmp_path / "one.html").read_bytes()
    two = write_report(tmp_path / "w2" / "run", tmp_path / "two.html").read_bytes()
    assert one.replace(b"w1", b"wN") == two.replace(b"w2", b"wN")


# the CLI: run writes the report, report and show


def test_run_writes_the_report_and_report_rewrites_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(EXAMPLES), "-o", str(out), "--quiet", "-r", "repairs"]
    )
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'report.html'}" in result.output
    page = (out / "report.html").read_bytes()
    (out / "report.html").unlink()
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").read_bytes() == page
    again = CliRunner().invoke(
        main,
        [
            "run",
            str(EXAMPLES),
            "-o",
            str(out),
            "--quiet",
            "-r",
            "repairs",
            "--force",
            "--no-report",
        ],
    )
    assert again.exit_code == 0 and not (out / "report.html").exists()  # --force replaced it


def test_report_of_a_folder_without_a_run_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "no summary.json" in result.output


def test_show_selects_by_id_reason_rule_and_site(tmp_path: Path) -> None:
    out = tmp_path / "run"
    thresher.run([str(hostile_corpus(tmp_path))], out, Recipe.named("repairs"))
    runner = CliRunner()
    result = runner.invoke(main, ["show", str(out), "--id", "r0"])
    assert result.exit_code == 0, result.output
    assert (
        "── r0  kept" in result.output
        and "@@ repeated-paragraph [repeated-paragraph]" in result.output
    )
    assert "-<script>alert(1)</script> repeated line here" in result.output  # as text, in the diff
    assert "1 documents match; shown 1-1" in result.output

    rejected = runner.invoke(main, ["show", str(out), "--reason", "error-page", "-n", "10"])
    ids = set(re.findall(r"── (e\d)", rejected.output))
    assert ids == {f"e{i}" for i in range(len(HOSTILE))}
    rule = runner.invoke(
        main, ["show", str(out), "--rule", "an error template and no substantial body", "-n", "2"]
    )
    assert (
        len(re.findall(r"── e\d", rule.output)) == 2
        and "5 documents match; shown 1-2" in rule.output
    )
    page2 = runner.invoke(
        main, ["show", str(out), "--reason", "error-page", "-n", "2", "--page", "2"]
    )
    assert set(re.findall(r"── (e\d)", page2.output)) < ids and "shown 3-4" in page2.output
    site = runner.invoke(main, ["show", str(out), "--site", "e3.example"])
    assert re.findall(r"── (\S+)", site.output) == ["h3-</textarea><script>alert(2)</script>"]


def test_show_escapes_terminal_controls(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.jsonl").write_bytes(
        orjson.dumps({"id": "x", "text": "Title \x1b[31mred\x07\n" + ARTICLE}) + b"\n"
    )
    thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    result = CliRunner().invoke(main, ["show", str(tmp_path / "out")])
    assert "\x1b[31m" not in result.output and "\\x1b[31mred\\x07" in result.output


def test_the_report_lists_the_lines_site_boilerplate_learned(tmp_path: Path) -> None:
    from thresher.sites import SiteBoilerplate

    corpus = tmp_path / "c"
    corpus.mkdir()
    footer = "Read our <b>terms</b> & conditions before you comment on any story here."
    words = ARTICLE.split()
    rows = [
        {
            "id": f"p{i}",
            # each page's own text: the article's words in an order of its own
            "text": f"{' '.join(random.Random(i).sample(words, len(words)))}\n{footer}",
            "url": f"https://www.news.example/{i}",
        }
        for i in range(12)
    ]
    (corpus / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    out = tmp_path / "out"
    summary = thresher.run([str(corpus)], out, Recipe(steps=(SiteBoilerplate(),))).to_dict()
    assert summary["site-boilerplate"]["documents_cleaned"] == 12
    page = write_report(out).read_text()
    section = page.split('<section id="boilerplate">')[1].split("</section>")[0]
    assert "<h3>www.news.example</h3>" in section  # .example is no public suffix: its own site
    assert "12 cleaned in this run" in section
    assert f"<td class=n>12</td><td><pre>{html.escape(footer)}</pre></td>" in section
    assert 'data-group="edited:site-boilerplate"' in page


def test_a_histogram_draws_its_threshold_even_when_nearly_every_value_is_zero() -> None:
    values = {"kept": [0.0] * 500, "rejected": [0.0] * 3 + [0.5, 0.6]}
    figure = report_html._histogram(
        "dup_line_frac", values, [("gopher-repetition.dup_line_frac", 0.3)]
    )
    line = re.search(r'<line class="threshold" x1="([\d.]+)"', figure)
    assert line is not None and 0 < float(line.group(1)) < 340
    assert "rejected: 2</title>" not in figure  # the two high values are not in the first bin
    assert re.search(r'class="bar kept" x="0.0"[^>]*><title>kept: 500</title>', figure)


def test_the_funnel_shows_what_the_readers_bounds_rejected(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    docs = [
        {"id": "ok", "text": "A normal short document about the harbour and its new pier."},
        {"id": "wide", "text": "w" * 3000},
    ]
    (corpus / "d.jsonl").write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    reader = thresher.ReaderOptions(max_chars=2000)
    recipe = Recipe(steps=Recipe.named("repairs").steps, reader=reader)
    thresher.run([str(corpus)], tmp_path / "out", recipe)
    page = write_report(tmp_path / "out").read_text(encoding="utf-8")
    funnel = page[page.index('id="funnel"') : page.index("</table>", page.index('id="funnel"'))]
    assert 'data-row="reader"' in funnel and 'data-row="reason:too-large"' in funnel


def test_report_of_a_damaged_run_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "d.jsonl").write_bytes(orjson.dumps({"id": "a", "text": "Some words here."}) + b"\n")
    thresher.run([str(corpus)], tmp_path / "out", Recipe.named("repairs"))
    shards = [p for p in (tmp_path / "out").rglob("*.jsonl") if p.parent.name != ".work"]
    assert shards
    for shard in shards:
        shard.write_bytes(b"{not json\n")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "out")])
    assert result.exit_code == 2 and "cannot read the run" in result.output
    assert not isinstance(result.exception, ValueError)


def _copied_by_definition(
    queue: list[Piece], out: list[Piece], position: int, end: int | None, removed_by: str = ""
) -> int:
    """The walk's copy as first written: a split cuts the rest of the piece off anew."""
    while queue and (end is None or position < end):
        piece = queue.pop(0)
        if not piece.live:
            out.append(piece)
            continue
        room = len(piece.text) if end is None else end - position
        head, tail = piece.text[:room], piece.text[room:]
        kind, label = (REMOVED, removed_by) if removed_by else (piece.kind, piece.edit)
        out.append(Piece(text=head, kind=kind, edit=label))
        position += len(head)
        if tail:
            queue.insert(0, Piece(text=tail, kind=piece.kind, edit=piece.edit))
    return position


def _pieces_by_definition(text: str, ledger: list[Edit]) -> list[Piece]:
    """`pieces` as first written (neighbours of one kind and edit joined two at a time): the
    reference for the walk by offsets."""
    from itertools import groupby

    from thresher.report.ledger import _in_order, _undo

    steps = [list(edits) for _, edits in groupby(ledger, key=lambda edit: edit.step)]
    original = text
    for edits in reversed(steps):
        original = _undo(original, _in_order(edits))
    current = [Piece(text=original, kind=KEPT)] if original else []
    for edits in steps:
        out: list[Piece] = []
        queue, position = list(current), 0
        for edit in _in_order(edits):
            label = f"{edit.step}: {edit.reason}"
            position = _copied_by_definition(queue, out, position, edit.start)
            position = _copied_by_definition(queue, out, position, edit.end, label)
            if edit.replacement:
                out.append(Piece(text=edit.replacement, kind=INSERTED, edit=label))
        _copied_by_definition(queue, out, position, None)
        joined: list[Piece] = []
        for piece in out:
            if joined and (joined[-1].kind, joined[-1].edit) == (piece.kind, piece.edit):
                piece = Piece(text=joined.pop().text + piece.text, kind=piece.kind, edit=piece.edit)
            joined.append(piece)
        current = joined
    return current


def test_pieces_are_those_of_the_walk_as_first_written() -> None:
    import random

    from thresher.edits import rewrite_lines

    rng = random.Random(5)
    words = ["", "a", "bb", "text here", " ", "menu", "x" * 30]
    for _ in range(1_500):
        doc = Document(id="d", text="\n".join(rng.choice(words) for _ in range(rng.randint(1, 12))))
        for step in ("one", "two", "three")[: rng.randint(1, 3)]:
            count = doc.text.count("\n") + 1
            picked = rng.sample(range(count), rng.randint(0, count))
            changes = {i: (rng.choice("rs"), rng.choice([None, None, "new", "x"])) for i in picked}
            rewrite_lines(doc, step, changes)
        assert pieces(doc.text, doc.ledger) == _pieces_by_definition(doc.text, doc.ledger)
