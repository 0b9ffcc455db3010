from pathlib import Path

import pytest

from thresher import ConfigError, ReaderOptions, Recipe, builtin_recipes


def test_default_recipe_round_trips_through_yaml(tmp_path: Path) -> None:
    recipe = Recipe.default()
    path = tmp_path / "recipe.yaml"
    path.write_text(recipe.dumps(), encoding="utf-8")
    again = Recipe.load(path)
    assert again == recipe
    assert again.dumps() == recipe.dumps()


def test_default_is_built_in() -> None:
    assert "default" in builtin_recipes()
    names = [step.name for step in Recipe.default().steps]
    assert names[0] == "normalize"
    assert {"boilerplate", "error-template", "repeated-paragraph", "title"} <= set(names)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps: [{step: no-such-step}]", "unknown step 'no-such-step'"),
        ("steps: [{step: title, max_wordz: 3}]", "unknown parameter 'max_wordz'"),
        ("steps: [{step: title, max_words: many}]", "parameter 'max_words' must be int"),
        ("steps: [{step: title, max_words: 0}]", "parameter 'max_words' must be >= 1"),
        ("steps: [{step: title}]\nwriter: {format: csv}", "format must be one of"),
        ("steps: []", "'steps' must be a non-empty list"),
        ("steps: [title]", "expected a mapping with a 'step' key"),
        ("version: 9\nsteps: [{step: title}]", "version 9"),
        ("{{{", "not valid YAML"),
    ],
)
def test_invalid_recipes_fail_before_the_run_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Recipe.loads(text)


def test_unknown_built_in_recipe_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"built-in: .*default"):
        Recipe.named("nope")


def test_reader_extract_round_trips_and_is_checked() -> None:
    recipe = Recipe.loads("reader: {extract: false}\nsteps: [{step: extract}, {step: title}]")
    assert recipe.reader.extract is False and Recipe.default().reader.extract is True
    assert "extract: false" in recipe.dumps()
    assert Recipe.loads(recipe.dumps()) == recipe
    with pytest.raises(ConfigError, match="parameter 'extract' must be bool"):
        Recipe.loads("reader: {extract: 'no'}\nsteps: [{step: title}]")
    with pytest.raises(ConfigError, match="extract must be true or false"):
        ReaderOptions(extract=1)  # type: ignore[arg-type]
