from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from thresher import Recipe
from thresher.cli import main, printable

BODY = (
    "Lighthouse keepers return to the coast\n"
    "After a decade of automation, the regional authority has hired three keepers again to "
    "look after the old lighthouses, citing storms that the sensors failed to report in time."
)


def test_recipe_command_prints_the_default_recipe_as_loadable_yaml() -> None:
    result = CliRunner().invoke(main, ["recipe"])
    assert result.exit_code == 0
    assert Recipe.loads(result.output) == Recipe.default()


def test_recipe_list() -> None:
    result = CliRunner().invoke(main, ["recipe", "--list"])
    assert result.exit_code == 0
    assert "default" in result.output.split()


def test_run_prints_the_balanced_summary_and_writes_the_run_folder(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f" date 2024-01-02 200\n{BODY}", encoding="utf-8")
    (corpus / "b.jsonl").write_bytes(b'{"text": "too short"}\nnot json\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(corpus), "-o", str(out), "--workers", "2", "--recipe", "repairs"]
    )
    assert result.exit_code == 0, result.output
    assert "in 3 = kept 1 + rejected 1 + quarantined 1  (balanced" in result.output
    assert "rejected too-short: 1" in result.output
    assert "in/b.jsonl: in 2 = kept 0 + rejected 1 + quarantined 1" in result.output
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert (summary["in"], summary["kept"], summary["rejected"], summary["quarantined"]) == (
        3,
        1,
        1,
        1,
    )
    assert Recipe.load(out / "recipe.yaml") == Recipe.named("repairs")


def test_run_with_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "r.yaml"
    config.write_text("steps:\n- step: min-words\n  min_words: 100\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(tmp_path / "a.txt"), "-o", str(out), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert orjson.loads((out / "summary.json").read_bytes())["reasons"] == {"too-short": 1}


def test_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(tmp_path / "missing"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [{step: nope}]", encoding="utf-8")
    result = CliRunner().invoke(main, ["recipe"])
    result = CliRunner().invoke(main, ["clean", str(bad), "--config", str(bad)])
    assert result.exit_code == 2
    assert "unknown step 'nope'" in result.output


def test_clean_prints_text_and_ledger(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text(f" date 2024-01-02 404\nPage not found\n{BODY}\n{BODY[40:]}", encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(path), "--recipe", "repairs"])
    assert result.exit_code == 0, result.output
    assert "# r.txt:0: kept" in result.output
    assert "# ledger" in result.output
    assert "-Page not found" in result.output
    assert "# salvaged: True" in result.output


def test_clean_escapes_control_characters_it_shows(tmp_path: Path) -> None:
    config = tmp_path / "r.yaml"
    config.write_text("steps:\n- step: title\n", encoding="utf-8")
    path = tmp_path / "r.txt"
    path.write_text(f"{BODY}\x1b[2J", encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(path), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "time.\\x1b[2J" in result.output


def test_printable_escapes_terminal_controls() -> None:
    assert printable("a\x1b[31mb\x07\nc\td") == "a\\x1b[31mb\\x07\nc\td"


def test_crawled_text_is_shown_with_separators_and_bidi_overrides_escaped() -> None:
    from thresher.cli import printable

    shown = printable("a\u2028b\u2029c\u202ed\u2066e\x1bf\x85g\nnext line, café")
    assert shown == "a\\u2028b\\u2029c\\u202ed\\u2066e\\x1bf\\x85g\nnext line, café"
