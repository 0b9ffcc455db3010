"""The contract every registered step keeps: defaults construct, repr is readable, it pickles,
it is lazy, empty input gives empty output, its parameters round-trip through a recipe, its
stats keys are stable, and rejected documents pass through untouched."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest

from thresher import STEPS, CorpusStep, Document, Recipe, Rejection, Step, StepStats

NAMES = sorted(STEPS)

SAMPLE = (
    "A headline about the harbour\n"
    "The harbour authority said on Monday that the new pier would open in spring, after two "
    "years of work and a long dispute over its cost, which rose by a third.\n"
    "Share this article\n"
    "The harbour authority said on Monday that the new pier would open in spring, after two "
    "years of work and a long dispute over its cost, which rose by a third."
)


def test_the_registry_holds_the_core_steps() -> None:
    core = {
        "normalize",
        "boilerplate",
        "error-template",
        "repeated-paragraph",
        "title",
        "min-words",
    }
    assert core <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_construct_and_repr_names_every_parameter(name: str) -> None:
    step = STEPS[name]()
    assert step.name == name
    text = repr(step)
    for param in step.params():
        assert f"{param}=" in text


@pytest.mark.parametrize("name", NAMES)
def test_step_pickles_to_an_equal_step(name: str) -> None:
    step = STEPS[name]()
    assert pickle.loads(pickle.dumps(step)) == step


@pytest.mark.parametrize("name", NAMES)
def test_parameters_round_trip_through_a_recipe(name: str) -> None:
    recipe = Recipe(steps=(STEPS[name](),))
    again = Recipe.loads(recipe.dumps())
    assert again == recipe
    assert again.steps[0].params() == recipe.steps[0].params()


@pytest.mark.parametrize("name", NAMES)
def test_empty_input_gives_empty_output(name: str) -> None:
    assert list(STEPS[name]()([])) == []


@pytest.mark.parametrize("name", NAMES)
def test_step_is_lazy(name: str) -> None:
    pulled: list[int] = []

    def source() -> Iterator[Document]:
        for i in range(3):
            pulled.append(i)
            yield Document(id=str(i), text=SAMPLE)

    step = STEPS[name]()
    stream = step(source())
    assert pulled == []
    next(stream)
    # a corpus step must see the whole stream before its first verdict; a document step pulls
    # one document per document it yields
    assert pulled == ([0, 1, 2] if isinstance(step, CorpusStep) else [0])


@pytest.mark.parametrize("name", NAMES)
def test_stats_keys_are_stable_and_counts_add_up(name: str) -> None:
    step: Step = STEPS[name]()
    stats = StepStats(name)
    docs = [Document(id=str(i), text=SAMPLE) for i in range(4)]
    out = list(step(docs, stats))
    assert set(stats.to_dict()) == {"docs", "rejected", "edits", "chars_removed"}
    assert stats.docs == 4
    assert sum(stats.rejected.values()) == sum(d.rejection is not None for d in out)
    assert sum(stats.edits.values()) == sum(len(d.ledger) for d in out)


@pytest.mark.parametrize("name", NAMES)
def test_rejected_documents_pass_through_untouched(name: str) -> None:
    doc = Document(id="r", text=SAMPLE, rejection=Rejection("earlier", "too-short"))
    stats = StepStats(name)
    (out,) = list(STEPS[name]()([doc], stats))
    assert out.text == SAMPLE
    assert out.ledger == []
    assert out.rejection == Rejection("earlier", "too-short")
    assert stats.docs == 0


def test_stats_merge_exactly() -> None:
    a, b = StepStats("s"), StepStats("s")
    a.rejected["x"] += 2
    a.edits["y"] += 1
    a.chars_removed = 5
    b.rejected["x"] += 1
    b.edits["z"] += 3
    b.docs = 7
    a.merge(b)
    assert a.to_dict() == {
        "docs": 7,
        "rejected": {"x": 3},
        "edits": {"y": 1, "z": 3},
        "chars_removed": 5,
    }


def test_a_step_that_raises_rejects_the_document_and_restores_it() -> None:
    from dataclasses import dataclass

    from thresher import Repair
    from thresher.document import Edit
    from thresher.steps import STEP_ERROR

    @dataclass(frozen=True, kw_only=True)
    class Exploding(Repair):
        name = "exploding"

        def repair(self, doc: Document) -> Document:
            doc.ledger.append(Edit(self.name, "x", 0, 0, 0, 1, "A"))
            doc.text = "half-edited"
            if "boom" in doc.id:
                raise ValueError("cannot cope")
            return doc

    stats = StepStats("exploding")
    docs = [Document(id="boom", text=SAMPLE), Document(id="fine", text=SAMPLE)]
    boom, fine = list(Exploding()(docs, stats))
    assert boom.rejection == Rejection("exploding", STEP_ERROR, "ValueError: cannot cope")
    assert (boom.text, boom.ledger) == (SAMPLE, [])
    assert fine.rejection is None and fine.text == "half-edited"
    assert stats.rejected == {STEP_ERROR: 1}
