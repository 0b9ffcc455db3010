"""The contract every registered step keeps: defaults construct, repr is readable, it pickles,
it is lazy, empty input gives empty output, its parameters round-trip through a recipe, its
stats keys are stable, and rejected documents pass through untouched."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from thresher import STEPS, CorpusStep, Document, Recipe, Rejection, Step, StepStats
from thresher.steps import _STEP_MODULE

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


def test_each_step_is_found_in_the_module_the_lazy_table_names() -> None:
    """`step_class` imports only the module `_STEP_MODULE` names for a step: every built-in
    step must be listed there, under its own module (a missing one would still load, by
    importing every step module, but the run would pay for all of them)."""
    assert set(_STEP_MODULE) == set(NAMES)
    for name in NAMES:
        assert STEPS[name].__module__.startswith(_STEP_MODULE[name]), name


def test_the_registry_read_alone_is_whole_and_refuses_a_built_in_name() -> None:
    code = (
        "from dataclasses import dataclass\n"
        "from thresher.steps import KEEP, STEPS, Filter, register\n"
        "try:\n"
        "    @register\n"
        "    @dataclass(frozen=True, kw_only=True)\n"
        "    class Mine(Filter):\n"
        "        name = 'pii'\n"
        "        def verdict(self, doc): return KEEP\n"
        "    print('registered')\n"
        "except ValueError as exc:\n"
        "    print('refused')\n"
        "print(len(STEPS), STEPS['pii'].__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["refused", f"{len(NAMES)} thresher.repair.pii"]


def test_a_dedup_recipe_imports_neither_the_quality_rules_nor_pyarrow() -> None:
    code = (
        "import sys; from thresher import Recipe; Recipe.named('dedup'); "
        "print(sorted(m for m in ('thresher.quality', 'thresher.repair', 'pyarrow') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


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
    # one document per document it yields, or a batch of at most `read_ahead`
    expected = 3 if isinstance(step, CorpusStep) else min(3, step.read_ahead)
    assert pulled == list(range(expected))


def test_a_step_that_reads_ahead_pulls_a_bounded_batch_and_keeps_order() -> None:
    step = STEPS["gopher-repetition"]()
    assert 1 < step.read_ahead < 10_000
    pulled: list[int] = []

    def source() -> Iterator[Document]:
        for i in range(step.read_ahead * 2 + 5):
            pulled.append(i)
            yield Document(id=str(i), text=SAMPLE)

    stream = step(source())
    assert next(stream).id == "0"
    assert 1 < len(pulled) <= step.read_ahead  # a batch (bounded in words too), not the stream
    assert [doc.id for doc in stream] == [str(i) for i in range(1, step.read_ahead * 2 + 5)]


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
            doc.metadata["added"] = True
            doc.metadata["signals"]["exploding_share"] = 0.5
            doc.metadata["url"] = "https://changed.example/"
            if "boom" in doc.id:
                raise ValueError("cannot cope")
            return doc

    stats = StepStats("exploding")
    metadata = {"url": "https://a.example/", "signals": {"words": 9}}
    docs = [
        Document(
            id="boom", text=SAMPLE, metadata={"url": "https://a.example/", "signals": {"words": 9}}
        ),
        Document(
            id="fine", text=SAMPLE, metadata={"url": "https://a.example/", "signals": {"words": 9}}
        ),
    ]
    boom, fine = list(Exploding()(docs, stats))
    assert boom.rejection == Rejection("exploding", STEP_ERROR, "ValueError: cannot cope")
    assert (boom.text, boom.ledger, boom.metadata) == (SAMPLE, [], metadata)
    assert fine.metadata["added"] and fine.metadata["signals"]["exploding_share"] == 0.5
    assert fine.rejection is None and fine.text == "half-edited"
    assert stats.rejected == {STEP_ERROR: 1}


# ---------------------------------------------------------------- corpus steps

CORPUS_NAMES = [name for name in NAMES if issubclass(STEPS[name], CorpusStep)]


def corpus_docs() -> list[Document]:
    """Documents read from two files, with copies across them and a repeated id."""
    paragraphs = [f"{SAMPLE} Item {n}: the pier number {n} opens in spring." for n in range(6)]
    docs = []
    for position, text in enumerate(paragraphs + paragraphs[:3]):
        source = f"file-{position % 2}.jsonl"
        metadata = {"source": source, "position": position, "url": f"https://a.example/{position}"}
        docs.append(Document(id=f"d{position % 7}", text=text, metadata=metadata))
    return docs


def collected(step: CorpusStep, docs: list[Document], folders: list[Path]) -> None:
    for n, folder in enumerate(folders):
        list(step.collect((d for i, d in enumerate(docs) if i % len(folders) == n), folder, n))


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_decisions_do_not_depend_on_the_order_of_folders(name: str, tmp_path: Path) -> None:
    step = STEPS[name]()
    assert isinstance(step, CorpusStep)
    docs = corpus_docs()
    decided: list[dict[int, list[dict[str, object]]]] = []
    for attempt, order in enumerate(([0, 1, 2], [2, 0, 1])):
        folders = [tmp_path / str(attempt) / f"unit-{n}" for n in range(3)]
        collected(step, docs, folders)
        step.decide([folders[n] for n in order], None)
        by_doc: dict[int, list[dict[str, object]]] = {}
        for folder in folders:
            for decision in step.decisions(folder):
                by_doc.setdefault(int(decision["doc"]), []).append(decision)
        decided.append(by_doc)
    assert decided[0] == decided[1]
    assert any(decided[0].values())  # the corpus has copies: something was decided


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_apply_follows_documents_not_positions(name: str, tmp_path: Path) -> None:
    step = STEPS[name]()
    assert isinstance(step, CorpusStep)
    docs = corpus_docs()
    list(step.collect(docs, tmp_path / "unit"))
    step.decide([tmp_path / "unit"], None)
    in_order = [d.to_dict() for d in step.apply(copy_of(docs), tmp_path / "unit")]
    backwards = [d.to_dict() for d in step.apply(copy_of(docs)[::-1], tmp_path / "unit")]
    assert backwards[::-1] == in_order


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_apply_of_no_decisions_changes_nothing(name: str, tmp_path: Path) -> None:
    step = STEPS[name]()
    assert isinstance(step, CorpusStep)
    words = SAMPLE.split()
    texts = [" ".join(words[n::3]) for n in range(3)]  # no three words in a row in common
    docs = [Document(id=f"u{n}", text=text) for n, text in enumerate(texts)]
    list(step.collect(docs, tmp_path / "unit"))
    step.decide([tmp_path / "unit"], None)
    assert not list(step.decisions(tmp_path / "unit"))
    stats = StepStats(name)
    out = list(step.apply(copy_of(docs), tmp_path / "unit", stats))
    assert [d.to_dict() for d in out] == [d.to_dict() for d in docs]
    assert stats.docs == 3 and not stats.rejected and not stats.edits


def test_a_corpus_decision_that_raises_rejects_its_document_undone(tmp_path: Path) -> None:
    from dataclasses import dataclass

    from thresher.dedup import Dedup
    from thresher.steps import STEP_ERROR, Verdict

    @dataclass(frozen=True, kw_only=True)
    class Failing(Dedup):
        def apply_decision(self, doc: Document, decision: dict[str, object]) -> Verdict:
            verdict = super().apply_decision(doc, decision)
            if doc.metadata.get("duplicate_of"):
                raise OSError("disk gone")
            return verdict

    docs = corpus_docs()
    stats = StepStats("dedup")
    out = list(Failing()(copy_of(docs), stats))
    failed = [d for d in out if d.rejection is not None]
    assert failed and all(
        d.rejection == Rejection("dedup", STEP_ERROR, "OSError: disk gone") for d in failed
    )
    assert all("duplicate_of" not in d.metadata and "cluster" not in d.metadata for d in failed)
    assert stats.rejected == {STEP_ERROR: len(failed)}


def copy_of(docs: list[Document]) -> list[Document]:
    return [Document.from_dict(d.to_dict()) for d in docs]
