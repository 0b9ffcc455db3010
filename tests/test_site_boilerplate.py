"""The `site-boilerplate` step: lines a site repeats learned per site and removed, the guards
that keep content, order independence, the ledger, and the tables later runs reuse."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from thresher import ConfigError, Document, Recipe, StepStats
from thresher import run as run_corpus
from thresher.cli import main
from thresher.sites import (
    REASON,
    SITE_BOILERPLATE,
    SiteBoilerplate,
    forget_run,
    line_key,
    site_documents,
    site_lines,
    site_of,
)

_VOCABULARY = (
    "harbour ferry council budget river bridge school market winter festival museum railway"
    " station garden library hospital theatre village mayor harvest storm coast island"
    " vineyard orchard meadow quarry lighthouse tunnel castle chapel square fountain"
)
WORDS = _VOCABULARY.split()
DISCLAIMER = "Disclaimer: the views expressed here are the author's own, not the paper's."
MENU = "Home | World | Sport | Culture"
QUOTE = (
    "We will not rest until every family in this valley has a safe home, a warm school and a"
    " hospital within reach, said the mayor, repeating the words of her first speech in office."
)


def sentence(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def page(n: int, site: str = "news.example.com", *, seed: int = 0, extra: str = "") -> Document:
    """A page of `site`: its menu, a title and paragraphs of its own, `extra` lines, then the
    disclaimer and a dated copyright line."""
    rng = random.Random(f"{site}-{n}-{seed}")
    body = [sentence(rng, 12 + k) for k in range(4)]
    lines = [
        MENU,
        f"Story {n}: {sentence(rng, 5)}",
        "",
        *body,
        *([extra] if extra else []),
        "",
        DISCLAIMER,
        f"© {2000 + n} Example News",
    ]
    metadata = {"url": f"https://{site}/2024/story-{n}-{seed}", "source": "s", "position": n}
    return Document(id=f"{site}/{n}/{seed}", text="\n".join(lines), metadata=metadata)


def run(docs: list[Document], step: SiteBoilerplate | None = None) -> list[Document]:
    return list((step or SiteBoilerplate())(docs))


def removed_lines(doc: Document) -> list[str]:
    return [
        line
        for edit in doc.ledger
        if edit.reason == REASON
        for line in edit.removed.split("\n")
        if line.strip()
    ]


# ------------------------------------------------------------------ learned and removed


def test_a_disclaimer_learned_from_twenty_pages_leaves_the_twenty_first() -> None:
    docs = [page(n) for n in range(21)]
    out = run(docs)
    last = out[20]
    assert DISCLAIMER not in last.text and MENU not in last.text
    assert "© 2020" not in last.text
    assert last.text.startswith("Story 20:")  # its own title and paragraphs stay
    assert removed_lines(last) == [MENU, DISCLAIMER, "© 2020 Example News"]
    info = last.metadata[SITE_BOILERPLATE]
    assert info["site"] == "example.com" and info["site_docs"] == 21
    assert [x["docs"] for x in info["lines"]] == [21, 21, 21]


def test_a_line_frequent_on_one_site_is_kept_on_another() -> None:
    docs = [page(n) for n in range(20)]
    other = [page(n, "blog.other.org", seed=1) for n in range(3)]
    out = run(docs + other)
    assert all(DISCLAIMER not in d.text for d in out[:20])
    assert all(DISCLAIMER in d.text and not d.ledger for d in out[20:])


def test_pages_without_a_site_are_left_alone() -> None:
    docs = [page(n) for n in range(20)]
    for doc in docs[:5]:
        del doc.metadata["url"]
    out = run(docs)
    assert all(DISCLAIMER in d.text and not d.ledger for d in out[:5])
    assert all(DISCLAIMER not in d.text for d in out[5:])


def test_a_site_with_too_few_pages_learns_nothing() -> None:
    out = run([page(n) for n in range(4)])
    assert all(not d.ledger for d in out)


# ------------------------------------------------------------------ guards


def test_a_long_quote_some_pages_share_stays() -> None:
    # on 5 of 20 pages, just above the disclaimer (so in the template's place): a short line
    # there would go, a paragraph stays unless half the site carries it
    docs = [page(n, extra=QUOTE if n < 5 else "") for n in range(20)]
    short = [page(n, extra="Read our newsletter" if n < 5 else "") for n in range(20)]
    assert all(QUOTE in d.text for d in run(docs)[:5])
    assert all("Read our newsletter" not in d.text for d in run(short)[:5])
    everywhere = [page(n, extra=QUOTE if n < 12 else "") for n in range(20)]
    assert all(QUOTE not in d.text for d in run(everywhere)[:12])


def test_a_repeated_heading_among_the_pages_own_words_stays() -> None:
    docs = [page(n) for n in range(20)]
    for doc in docs[:10]:  # "Note" on half the pages, each time between paragraphs of its own
        lines = doc.text.split("\n")
        lines.insert(4, "Note")
        doc.text = "\n".join(lines)
    out = run(docs)
    assert all("\nNote\n" in d.text for d in out[:10])
    assert all(DISCLAIMER not in d.text for d in out)


def test_a_second_copy_of_a_removed_line_goes_too() -> None:
    # the menu printed again at the foot of every page, between two paragraphs of its own
    docs = [page(n) for n in range(20)]
    for doc in docs:
        lines = doc.text.split("\n")
        lines.insert(5, MENU)
        doc.text = "\n".join(lines)
    alone = [page(n) for n in range(20)]  # the same line nowhere in the template's place
    for doc in alone:
        lines = doc.text.split("\n")
        lines[0] = lines[1]
        lines.insert(5, MENU)
        doc.text = "\n".join(lines)
    assert all(MENU not in d.text for d in run(docs))
    assert all(MENU in d.text for d in run(alone))


def breadcrumbed(where: int) -> list[Document]:
    """40 pages; 2 of them (5%: under min_share) carry "Section: Harbour" at line `where`."""
    docs = [page(n) for n in range(40)]
    for doc in docs[:2]:
        lines = doc.text.split("\n")
        lines.insert(where, "Section: Harbour")
        doc.text = "\n".join(lines)
    return docs


def test_a_sections_breadcrumb_goes_beside_the_sites_menu() -> None:
    step = SiteBoilerplate(min_docs=2)
    beside_menu = run(breadcrumbed(1), step)
    assert all(MENU not in d.text and "Section: Harbour" not in d.text for d in beside_menu)
    # the same line among the page's own words, or with blocks not grown, stays
    among_own = run(breadcrumbed(4), step)
    assert all("Section: Harbour" in d.text for d in among_own[:2])
    unblocked = run(breadcrumbed(1), SiteBoilerplate(min_docs=2, block_share=0))
    assert all("Section: Harbour" in d.text for d in unblocked[:2])


def sidebar(doc: Document, n: int) -> None:
    """Append a sidebar: labels with the titles of the neighbouring pages between them."""
    before, after = (sentence(random.Random(f"title {k}"), 4) for k in (n - 1, n + 1))
    doc.text += f"\nPrevious topic\n{before}\nNext topic\n{after}"


def test_a_label_between_titles_goes_with_reach_2_only() -> None:
    docs = [page(n) for n in range(20)]
    for n, doc in enumerate(docs):
        sidebar(doc, n)
    near = run([Document.from_dict(d.to_dict()) for d in docs], SiteBoilerplate(reach=1))
    far = run(docs)
    # "Previous topic" follows the copyright line on every page; "Next topic" stands between
    # two titles of the page's own, and only reach 2 joins it to the label above
    assert all("Previous topic" not in d.text and "Next topic" in d.text for d in near)
    assert all("Previous topic" not in d.text and "Next topic" not in d.text for d in far)
    titles = [sentence(random.Random(f"title {n + 1}"), 4) for n in range(20)]
    assert all(d.text.endswith(title) for d, title in zip(far, titles, strict=True))


def test_a_heading_above_the_pages_own_paragraph_stays() -> None:
    def pages() -> list[Document]:
        own = [sentence(random.Random(n), 20) for n in range(20)]
        return [page(n, extra=f"Description\n{own[n]}") for n in range(20)]

    assert all("\nDescription\n" in d.text for d in run(pages()))
    gone = run(pages(), SiteBoilerplate(heading_words=0))
    assert all("\nDescription\n" not in d.text for d in gone)


def test_a_page_that_would_lose_most_of_its_text_keeps_it(tmp_path: Path) -> None:
    docs = [page(n) for n in range(20)]
    thin = Document(
        id="thin",
        text=f"{MENU}\nShort.\n{DISCLAIMER}\n© 2019 Example News",
        metadata={"url": "https://news.example.com/thin"},
    )
    step = SiteBoilerplate()
    list(step.collect([*docs, thin], tmp_path / "unit"))
    step.decide([tmp_path / "unit"], None)
    decision = next(d for d in step.decisions(tmp_path / "unit") if d["id"] == "thin")
    assert decision["guarded"] is True and decision["removed_share"] > 0.8
    (kept,) = [d for d in run([*docs, thin]) if d.id == "thin"]
    assert kept.text == thin.text and not kept.ledger


# ------------------------------------------------------------------ keys


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("© 2008", "© 2012"),
        ("© 2008 Example News. All rights reserved.", "© 2012 Example News. All rights reserved"),
        ("Published Tuesday 15 January 2008", "published: Wednesday 9 February 2009"),
        ("Last updated: Mon, Jan 3 2011 10:42", "Last updated: Fri, Dec 30 2016 9:05"),
        ("Page 3 of 12", "page 10 of 4"),
    ],
)
def test_digits_and_dates_key_together(a: str, b: str) -> None:
    assert line_key(a) == line_key(b) != b""


def test_keys_keep_apart_what_differs() -> None:
    assert line_key("© 2008") != line_key("[1]") != line_key("Example News")
    assert line_key("42") == line_key("3.14") == b""  # a bare number is no line
    assert line_key("Tuesday 15 January 2008") != line_key("Tuesday 15 January 2008 news")
    # a date alone is a page's own (a release's, an article's): keyed on its text
    assert line_key("September 10, 2010") != line_key("September 5, 2010")
    assert line_key("Nov 11, 2026") == line_key("nov  11, 2026") != b""


def test_a_release_or_section_number_keeps_its_figures() -> None:
    # one release's page is not another's; a date written with dots still folds
    assert line_key("Django 1.4.2 release notes") != line_key("Django 1.4.3 release notes")
    assert line_key("9.4.1. String Functions") != line_key("9.4.2. String Functions")
    assert line_key("Updated 15.01.2008") == line_key("Updated 3.11.2019")
    assert line_key("Version 1.4 is out") == line_key("Version 2.0 is out")  # two parts: a number


def test_release_titles_that_fold_alike_stay_their_pages_own() -> None:
    # every page titled "Example 1.N.M release notes", between the menu and its text: with the
    # figures folded the title would be one line on every page, in the template's place
    docs = [page(n) for n in range(20)]
    for n, doc in enumerate(docs):
        menu, rest = doc.text.split("\n", 1)
        doc.text = f"{menu}\nExample 1.{n}.{n % 3} release notes\n{rest}"
    out = run(docs)
    assert all(f"Example 1.{n}.{n % 3} release notes" in d.text for n, d in enumerate(out))
    assert all(MENU not in d.text for d in out)


def test_a_date_alone_is_learned_only_where_the_pages_share_it() -> None:
    docs = [page(n) for n in range(20)]
    for n, doc in enumerate(docs):  # a release date under the title, the build date at the end
        title, rest = doc.text.split("\n", 2)[1], doc.text.split("\n", 2)[2]
        doc.text = f"{MENU}\n{title}\nMarch {n + 1}, 20{n:02d}\n{rest}\nLast update:\nNov 11, 2026"
    out = run(docs)
    assert all(f"March {n + 1}, 20{n:02d}" in d.text for n, d in enumerate(out))
    assert all("Nov 11, 2026" not in d.text and "Last update" not in d.text for d in out)


def test_dated_lines_are_learned_as_one() -> None:
    docs = [page(n) for n in range(20)]
    for n, doc in enumerate(docs):
        doc.text += f"\nPublished {['Monday', 'Friday'][n % 2]} {n + 1} March 20{n:02d}"
    out = run(docs)
    assert all("Published" not in d.text for d in out)


# ------------------------------------------------------------------ order, ledger


def decisions_by_doc(step: SiteBoilerplate, folders: list[Path]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for folder in folders:
        for decision in step.decisions(folder):
            found[int(decision["doc"])] = decision
    return found


def test_decisions_do_not_depend_on_document_or_folder_order(tmp_path: Path) -> None:
    docs = [page(n) for n in range(20)] + [page(n, "b.example.net", seed=2) for n in range(12)]
    step = SiteBoilerplate(partitions=3)
    results = []
    for attempt, seed in enumerate((None, 1, 2)):
        shuffled = list(docs)
        if seed is not None:
            random.Random(seed).shuffle(shuffled)
        folders = [tmp_path / str(attempt) / f"unit-{n}" for n in range(3)]
        for n, folder in enumerate(folders):
            list(step.collect(shuffled[n::3], folder, n))
        order = [folders[i] for i in ((0, 1, 2), (2, 0, 1), (1, 2, 0))[attempt]]
        summary = step.decide(order, None)
        results.append((decisions_by_doc(step, folders), summary))
    assert results[0] == results[1] == results[2]
    assert len(results[0][0]) == 32


def test_each_removal_is_a_ledger_edit_and_the_stats_add_up() -> None:
    docs = [page(n) for n in range(20)]
    before = {d.id: d.text for d in docs}
    stats = StepStats("site-boilerplate")
    out = list(SiteBoilerplate()(docs, stats))
    edits = [e for d in out for e in d.ledger]
    assert edits and all(e.reason == REASON and e.step == "site-boilerplate" for e in edits)
    assert stats.edits == {REASON: len(edits)}
    assert stats.chars_removed == sum(len(e.removed) for e in edits) > 0
    for doc in out:
        for edit in doc.ledger:
            assert before[doc.id][edit.start : edit.end] == edit.removed
        # each removed run of lines holds the line breaks that go with it: replaying the
        # spans from the last gives the text
        assert len(before[doc.id]) - len(doc.text) == sum(len(e.removed) for e in doc.ledger)
        replayed = before[doc.id]
        for edit in reversed(doc.ledger):
            replayed = replayed[: edit.start] + replayed[edit.end :]
        assert replayed == doc.text


# ------------------------------------------------------------------ tables of earlier runs


def one_run(step: SiteBoilerplate, docs: list[Document], work: Path, state: Path, run_id: str):
    folder = work / run_id / "unit"
    list(step.collect(docs, folder))
    summary = step.decide([folder], state, run_id)
    out = list(step.apply(docs, folder))
    step.commit([folder], state, run_id)
    return out, summary


def test_a_later_run_cleans_a_few_pages_with_the_saved_table(tmp_path: Path) -> None:
    step, state = SiteBoilerplate(), tmp_path / "state"
    step.check(state)  # a new folder is fine
    first, _ = one_run(step, [page(n) for n in range(20)], tmp_path, state, "r1")
    assert all(DISCLAIMER not in d.text for d in first)
    later = [page(n, seed=9) for n in range(3)]
    alone = run([Document.from_dict(d.to_dict()) for d in later])
    assert all(DISCLAIMER in d.text for d in alone)  # three pages teach nothing
    second, summary = one_run(step, later, tmp_path, state, "r2")
    assert all(DISCLAIMER not in d.text and MENU not in d.text for d in second)
    assert summary["sites_known_before"] == 1
    assert site_documents(state, "example.com") == 23
    listed = site_lines(state, "example.com")
    lines = {text: n for text, n in listed if text}
    # the learned lines with one example text each (the smallest), most documents first
    assert lines == {MENU: 23, DISCLAIMER: 23, "© 2000 Example News": 23}
    assert listed[:3] == sorted(listed[:3], key=lambda x: -x[1])
    assert all(n <= 23 for _, n in listed)  # lines only, not the pairs of lines


def test_a_resumed_commit_adds_nothing_and_forget_run_takes_a_run_out(tmp_path: Path) -> None:
    step, state = SiteBoilerplate(), tmp_path / "state"
    one_run(step, [page(n) for n in range(20)], tmp_path, state, "r1")
    step.commit([tmp_path / "r1" / "unit"], state, "r1")
    assert site_documents(state, "example.com") == 20
    assert forget_run(state, "r1") == 0
    assert site_documents(state, "example.com") == 0
    second, _ = one_run(step, [page(n, seed=9) for n in range(3)], tmp_path, state, "r2")
    assert all(DISCLAIMER in d.text for d in second)


def test_a_resumed_decide_does_not_count_its_own_run_twice(tmp_path: Path) -> None:
    step, state = SiteBoilerplate(), tmp_path / "state"
    one_run(step, [page(n) for n in range(20)], tmp_path, state, "r1")
    folder = tmp_path / "r1" / "unit"
    summary = step.decide([folder], state, "r1")  # the run, resumed after its commit
    assert summary["sites_known_before"] == 0
    assert {d["site_docs"] for d in step.decisions(folder)} == {20}
    step.decide([folder], state, "r2")  # another run reading the same pages again
    assert {d["site_docs"] for d in step.decisions(folder)} == {40}


def test_a_table_made_with_other_settings_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    one_run(SiteBoilerplate(), [page(n) for n in range(20)], tmp_path, state, "r1")
    with pytest.raises(ConfigError, match="settings"):
        SiteBoilerplate(site="host").check(state)
    SiteBoilerplate(min_docs=9).check(state)  # thresholds apply when deciding: any will do


# ------------------------------------------------------------------ sites, parameters


@pytest.mark.parametrize(
    ("url", "mode", "site"),
    [
        ("https://www.bbc.co.uk/news/1", "domain", "bbc.co.uk"),
        ("https://news.bbc.co.uk/x", "host", "news.bbc.co.uk"),
        ("https://someone.github.io/blog", "domain", "someone.github.io"),
        ("http://192.168.0.1:8080/a", "domain", "192.168.0.1"),
        ("https://python3.11-doc.debian.example/x", "domain", "python3.11-doc.debian.example"),
        ("https://WWW.Example.COM./a", "domain", "example.com"),
        ("not a url", "domain", ""),
        ("http://[bad/", "domain", ""),
    ],
)
def test_sites(url: str, mode: str, site: str) -> None:
    assert site_of({"url": url}, mode) == site


def test_a_site_from_a_metadata_field() -> None:
    assert site_of({"publisher": "Harbour News", "url": "https://a.com/"}, "field:publisher") == (
        "Harbour News"
    )
    assert site_of({"url": "https://a.com/"}, "field:publisher") == ""


@pytest.mark.parametrize(
    "params",
    [
        {"site": "url"},
        {"site": "field:"},
        {"min_docs": 1},
        {"min_share": 0},
        {"max_removed_share": 1.5},
        {"reach": 3},
        {"partitions": 0},
        {"block_share": 1.5},
        {"block_share": -0.1},
    ],
)
def test_bad_parameters_are_refused(params: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="site-boilerplate"):
        SiteBoilerplate(**params)


def test_a_small_min_share_needs_no_block_share_of_its_own() -> None:
    assert SiteBoilerplate(min_share=0.01).block_share == 0.02


# ------------------------------------------------------------------ the `boilerplate` command


def test_the_boilerplate_command_prints_a_sites_learned_lines(tmp_path: Path) -> None:
    docs = [page(n) for n in range(20)]
    # a hostile line on every page: control characters must not reach the terminal
    for doc in docs:
        doc.text += "\nEvil\x1b[2J line\u202e here"
    corpus = tmp_path / "in.jsonl"
    corpus.write_bytes(b"".join(orjson.dumps(d.to_dict()) + b"\n" for d in docs))
    out = tmp_path / "out"
    run_corpus([str(corpus)], out, Recipe(steps=(SiteBoilerplate(),)))

    result = CliRunner().invoke(main, ["boilerplate", "example.com", "--run", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("example.com: 20 documents; ")
    assert f"20  {DISCLAIMER}" in lines and f"20  {MENU}" in lines
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "Evil\\x1b[2J line\\u202e here" in result.output
    assert any(line.endswith("© 2000 Example News") for line in lines)  # dated: one line

    index = out / "dedup-index"
    by_url = CliRunner().invoke(
        main, ["boilerplate", "https://news.example.com/a", "--index", str(index), "-n", "1"]
    )
    assert by_url.exit_code == 0, by_url.output
    assert by_url.output.splitlines()[0].startswith("example.com: 20 documents")
    assert len(by_url.output.splitlines()) == 3  # the site, one line, "... and N more"

    unknown = CliRunner().invoke(main, ["boilerplate", "other.org", "--run", str(out)])
    assert unknown.exit_code == 2 and "not in the table" in unknown.output
    missing = CliRunner().invoke(main, ["boilerplate", "example.com", "--index", str(tmp_path)])
    assert missing.exit_code == 2 and "no site-boilerplate table" in missing.output
    for part in (index / "steps" / "site-boilerplate" / "segments").rglob("sites.npy"):
        part.write_bytes(b"not an array")
    damaged = CliRunner().invoke(main, ["boilerplate", "example.com", "--run", str(out)])
    assert damaged.exit_code == 2 and "cannot read it" in damaged.output


def test_partitions_decided_apart_give_the_decisions_and_report_of_one_decide(
    tmp_path: Path,
) -> None:
    step = SiteBoilerplate(partitions=4)
    docs = [page(n) for n in range(24)]
    folders = [tmp_path / "whole", tmp_path / "parts"]
    for folder in folders:
        list(step.collect([Document.from_dict(d.to_dict()) for d in docs], folder))
    whole = step.decide([folders[0]], None)
    parts = [step.decide_partition([folders[1]], None, "", n) for n in reversed(range(4))]
    assert step.merge_reports(parts[::-1]) == whole
    assert sorted(map(str, step.decisions(folders[0]))) == sorted(
        map(str, step.decisions(folders[1]))
    )
    assert whole["lines_learned"] > 0


def test_the_run_summary_on_the_terminal_names_what_was_learned(tmp_path: Path) -> None:
    records = [
        {"id": d.id, "text": d.text, "url": f"https://news.example.com/{n}"}
        for n, d in enumerate(page(n) for n in range(20))
    ]
    (tmp_path / "in.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    (tmp_path / "recipe.yaml").write_text(Recipe(steps=(SiteBoilerplate(),)).dumps())
    args = ["run", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, "-c", str(tmp_path / "recipe.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("site-boilerplate:"))
    assert "lines learned on 1 of 1 sites; removed from 20 documents" in line


def test_the_calendar_lookahead_changes_no_substitution() -> None:
    # the lookahead only skips positions where no name can start: the same substitutions as
    # the bare alternation, also for the letters case folding matches (long s, dotless i,
    # Kelvin sign, dotted capital I)
    import random
    import re

    from thresher.sites.lines import _CALENDAR

    bare = re.compile(_CALENDAR.pattern.replace("(?=[adfjmnostw])", "", 1), re.IGNORECASE)
    assert bare.pattern != _CALENDAR.pattern
    pieces = ["jan", "January", "sept", "Sept", "SEPTEMBER", "may", "mayday", "Tues", "thurs"]
    pieces += ["sun", "\u017fun", "fr\u0131", "sat\u212aurday", "\u0130", "\u00e9", "x", "19", "_"]
    pieces += [" ", " ", ".", ",", "-"]
    rng = random.Random(7)
    texts = ["Published Tuesday 15 January 2008", "SEPT sept. Sept\u017fember", "mayday may"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(30))) for _ in range(20000)]
    changed = 0
    for text in texts:
        expected = bare.sub("0m", text)
        assert _CALENDAR.sub("0m", text) == expected, text
        changed += expected != text
    assert changed > 1000  # the texts do hold names


def test_line_keys_of_a_text_are_each_lines_key() -> None:
    # the text's substitutions and fold are made once: the same keys as line by line
    from thresher.sites.lines import line_key, line_keys

    pieces = ["Published", " Tuesday", " 15 January 2008", "\u00a9 2012", " [12]", " 42", " v1.4.2"]
    pieces += [
        " caf\u00e9",
        " \u039f\u0394\u039f\u03a3",
        "\u03a3",
        " \u6771\u4eac",
        " \u2014",
        "\n",
    ]
    pieces += ["\n", "\n\n", " Sept. 10, 2010", " --", " #", "\u212a", " ..."]
    rng = random.Random(13)
    for _ in range(3_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(25)))
        assert line_keys(text) == [line_key(line) for line in text.split("\n")], text
