"""Deduplication: normalisation, exact and near duplicates, provenance, keep policies, order and
worker independence, the index across runs, and the accounting."""

from __future__ import annotations

import itertools
import random
import tempfile
from pathlib import Path

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import thresher
from thresher import ConfigError, Document, Recipe
from thresher.cli import main
from thresher.dedup import Dedup, DedupIndex
from thresher.dedup import clusters as clusters_module
from thresher.dedup.clusters import KeyParts, Keys, RowStore, _candidate_groups, cluster
from thresher.dedup.minhash import (
    MinHasher,
    lsh_params,
    normalized,
    normalized_lines,
    shingle_hashes,
    shingles,
    tokens,
)
from thresher.run import plan

VOCABULARY = [
    "harbour",
    "council",
    "budget",
    "river",
    "market",
    "school",
    "winter",
    "garden",
    "station",
    "bridge",
    "library",
    "museum",
    "farmer",
    "teacher",
    "doctor",
    "village",
    "mountain",
    "forest",
    "island",
    "engine",
    "letter",
    "window",
    "kitchen",
    "summer",
    "evening",
    "morning",
    "report",
    "season",
    "festival",
    "weather",
    "traffic",
    "railway",
    "hospital",
    "election",
    "price",
    "water",
    "light",
    "music",
    "paper",
    "story",
    "family",
    "street",
    "house",
    "court",
    "police",
    "student",
    "city",
    "country",
]


def article(seed: int, words: int = 120) -> str:
    """A distinct, deterministic text: random words, a sentence every twelve."""
    rng = random.Random(seed)
    chosen = [rng.choice(VOCABULARY) for _ in range(words)]
    sentences = [" ".join(chosen[i : i + 12]).capitalize() + "." for i in range(0, words, 12)]
    return " ".join(sentences)


def edited(text: str, changes: int, seed: int) -> str:
    rng = random.Random(seed)
    words = text.split()
    for position in rng.sample(range(len(words)), changes):
        words[position] = "changed"
    return " ".join(words)


def doc(doc_id: str, text: str, **metadata: object) -> Document:
    return Document(id=doc_id, text=text, metadata=dict(metadata))


def by_id(docs: list[Document]) -> dict[str, Document]:
    return {d.id: d for d in docs}


# ---------------------------------------------------------------- keys


def test_tokens_fold_case_punctuation_and_digits() -> None:
    assert tokens("Hello, WORLD! It's 2024 -- 3.14") == [
        "hello",
        "world",
        "it",
        "s",
        "0000",
        "0",
        "00",
    ]
    assert tokens("東京は晴れ。Hi") == ["東", "京", "は", "晴", "れ", "hi"]
    assert tokens("  \n\t ") == []


def test_shingles_depend_on_word_order_and_short_texts_make_one_shingle() -> None:
    forward = shingle_hashes(["a", "b", "c", "d", "e", "f"], 5)
    backward = shingle_hashes(["f", "e", "d", "c", "b", "a"], 5)
    assert len(forward) == 2
    assert not set(forward.tolist()) & set(backward.tolist())
    assert len(shingle_hashes(["only", "three", "words"], 5)) == 1
    assert len(shingle_hashes([], 5)) == 0


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII.\nTwo lines, and\r\n\n\n  a third  \t one\n",
        "Curly \u201cquotes\u201d \u2014 dashes\u00a0and\u2028separators\nnext line",
        "Caf\u00e9 na\u00efve \u00fcber 2024\n\u6771\u4eac\u306f\u6674\u308c\u3002\nHi\x1cthere\x85end",
        "no line break at all",
        "\n\n",
    ],
)
def test_normalised_lines_are_the_normalised_text_with_its_line_breaks(text: str) -> None:
    lines = normalized_lines(text)
    assert lines.replace(b"\n", b" ") == normalized(text)
    assert b"\n\n" not in lines and not lines.startswith(b"\n") and not lines.endswith(b"\n")


def test_the_listed_unicode_spaces_are_those_bytes_split_does_not_know() -> None:
    import re
    import sys

    from thresher.dedup.minhash import OTHER_SPACES

    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    listed = {c for c in spaces if re.fullmatch(f"[{OTHER_SPACES}]", c)}
    assert listed == spaces - set(" \t\n\r\x0b\x0c")


def test_normalised_lines_hold_for_random_spacing() -> None:
    alphabet = list("ab cD1\t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000\u00e9\u6771\u2014\u201c.,!")
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        lines = normalized_lines(text)
        assert lines.replace(b"\n", b" ") == normalized(text) == b" ".join(normalized(text).split())
        for bad in (b"\n\n", b" \n", b"\n ", b"  "):
            assert bad not in lines, (text, lines)


def shingle_set(text: str, ngram: int = 3) -> set[int]:
    return set(shingles(normalized_lines(text), ngram, lines=True).tolist())


def test_shingles_within_lines_ignore_the_order_of_lines() -> None:
    paragraphs = [article(s, 40) for s in range(6)] + ["A short heading", "Menu"]
    reordered = paragraphs[3:] + paragraphs[:3]
    assert shingle_set("\n".join(paragraphs)) == shingle_set("\n\n".join(reordered))
    # across lines the order shows: some 3-grams span the line breaks
    across = set(shingles(normalized("\n".join(paragraphs)), 3).tolist())
    assert across != set(shingles(normalized("\n".join(reordered)), 3).tolist())


def test_no_shingle_within_lines_holds_words_of_two_lines() -> None:
    two_lines = shingle_set("alpha beta\ngamma delta")
    assert two_lines == shingle_set("alpha beta") | shingle_set("gamma delta")
    assert shingle_set("Menu\nContact us") > shingle_set("Contact us")  # a short line counts
    # a line of `ngram` words or more keeps its own n-grams, and gains its edges
    assert set(shingles(b"a b c d", 3).tolist()) < shingle_set("a b c d")


def test_signature_agreement_estimates_jaccard() -> None:
    hasher = MinHasher(bands=16, rows=16)
    words = article(1, 600).lower().replace(".", "").split()
    half = words[: len(words) // 2] + [f"x{i}" for i in range(len(words) // 2)]
    a = hasher.signature(shingle_hashes(words, 5))
    b = hasher.signature(shingle_hashes(half, 5))
    shingles_a = {tuple(words[i : i + 5]) for i in range(len(words) - 4)}
    shingles_b = {tuple(half[i : i + 5]) for i in range(len(half) - 4)}
    exact = len(shingles_a & shingles_b) / len(shingles_a | shingles_b)
    assert abs(float((a == b).mean()) - exact) < 0.1
    assert (hasher.signature(shingle_hashes(words, 5)) == a).all()


def test_lsh_params_follow_the_threshold() -> None:
    low, high = lsh_params(0.5), lsh_params(0.9)
    assert low[0] * low[1] <= 112 and high[0] * high[1] <= 112
    # a higher threshold needs more rows per band (a steeper, later S-curve)
    assert high[1] > low[1]
    with pytest.raises(ConfigError):
        lsh_params(1.5)


# ---------------------------------------------------------------- verdicts


def test_exact_and_near_duplicates_are_removed_with_provenance() -> None:
    text = article(7)
    docs = [
        doc("orig", text, date="2024-01-01", url="https://a.example/story"),
        doc(
            "shouting", text.upper().replace(".", "!"), date="2024-02-01", url="https://b.example/s"
        ),
        doc("edited", edited(text, 1, seed=1), date="2024-03-01", url="https://c.example/s"),
        doc("other", article(8), date="2024-01-01", url="https://d.example/other"),
    ]
    out = by_id(list(Dedup()(docs)))
    kept = out["orig"]
    assert kept.rejection is None
    assert kept.metadata["cluster_size"] == 3
    listed = {(d["id"], d["url"]) for d in kept.metadata["duplicates"]}
    assert listed == {("shouting", "https://b.example/s"), ("edited", "https://c.example/s")}
    for copy, reason in (("shouting", "exact-duplicate"), ("edited", "near-duplicate")):
        removed = out[copy]
        assert removed.rejection is not None and removed.rejection.reason == reason
        assert removed.metadata["duplicate_of"] == "orig"
        assert removed.metadata["cluster"] == kept.metadata["cluster"]
    assert out["other"].rejection is None
    assert "cluster" not in out["other"].metadata


def test_documents_rejected_earlier_are_left_alone() -> None:
    text = article(3)
    first = doc("first", text, date="2024-01-01")
    first.rejection = thresher.Rejection("min-words", "too-short")
    out = by_id(list(Dedup()([first, doc("second", text, date="2024-02-01")])))
    assert out["first"].rejection is not None and out["first"].rejection.reason == "too-short"
    assert out["second"].rejection is None and "cluster" not in out["second"].metadata


def test_exact_only_and_near_only() -> None:
    text = article(11)
    docs = [doc("a", text), doc("b", text), doc("c", edited(text, 2, seed=2))]
    exact = by_id(list(Dedup(near=False)(docs)))
    assert sum(exact[i].rejection is None for i in "ab") == 1
    assert exact["c"].rejection is None
    near = by_id(list(Dedup(exact=False)(docs)))
    assert sum(near[i].rejection is None for i in "abc") == 1
    with pytest.raises(ConfigError, match="exact/near"):
        Dedup(exact=False, near=False)


def test_verification_rejects_candidates_under_its_threshold() -> None:
    # one-row bands make any pair sharing a single MinHash value a candidate
    # (estimated Jaccard of this pair: 0.48)
    text = article(12, 240)

    def kept(step: Dedup) -> int:
        docs = [doc("a", text), doc("b", edited(text, 20, seed=3))]
        return sum(d.rejection is None for d in step(docs))

    assert kept(Dedup(bands=56, rows=1, verify_threshold=0.0)) == 1
    assert kept(Dedup(bands=56, rows=1, verify_threshold=0.7)) == 2


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        ("earliest", "old"),
        ("newest", "new"),
        ("longest", "long"),
        ("quality", "good"),
        ("first", "old"),
    ],
)
def test_keep_policies(keep: str, expected: str) -> None:
    text = article(21)
    docs = [
        doc("old", text, date="2023-05-01", signals={"score": 0.2}),
        doc("new", text, date="2025-05-01", signals={"score": 0.1}),
        doc("long", text + " Extra words at the very end.", date="2024-05-01"),
        doc("good", text, date="2024-06-01", signals={"score": 0.9}),
    ]
    step = Dedup(keep=keep, quality_signal="score" if keep == "quality" else "")
    out = by_id(list(step(docs)))
    assert [d for d in out if out[d].rejection is None] == [expected]


def test_unknown_dates_and_missing_signals_lose_to_known_ones() -> None:
    text = article(22)
    docs = [doc("undated", text), doc("dated", text, date="2030-01-01")]
    out = by_id(list(Dedup(keep="earliest")(docs)))
    assert out["dated"].rejection is None and out["undated"].rejection is not None
    with pytest.raises(ConfigError, match="quality_signal"):
        Dedup(keep="quality")


def test_clusters_do_not_depend_on_input_order() -> None:
    texts = [article(s) for s in range(30)]
    docs = [
        doc(f"d{i}", texts[i % 10] if i < 20 else edited(texts[i % 10], 2, i)) for i in range(30)
    ]
    docs += [doc(f"u{i}", texts[10 + i]) for i in range(20)]

    def clusters(order: list[Document]) -> dict[str, tuple[object, object]]:
        fresh = [Document(id=d.id, text=d.text) for d in order]
        return {
            d.id: (d.metadata.get("cluster"), d.rejection and d.rejection.reason)
            for d in Dedup()(fresh)
        }

    expected = clusters(docs)
    shuffled = list(docs)
    random.Random(5).shuffle(shuffled)
    assert clusters(shuffled) == expected
    assert len({c for c, _ in expected.values() if c}) == 10


def keys_of(bands: list[list[int]], sets: list[list[int]], priority: list[float]) -> Keys:
    n = len(bands)
    return Keys(
        id_hash=np.arange(n, dtype=np.uint64)[::-1].copy(),
        exact=np.array([[i, i] for i in range(n)], np.uint64),
        bands=np.array(bands, np.uint64),
        priority=np.array(priority),
        signatures=RowStore([np.zeros((n, 4), np.uint32)]),
        shingles=RowStore([[np.array(s, np.uint32) for s in sets]]),
    )


def test_candidates_join_through_shared_buckets_without_a_check() -> None:
    keys = keys_of([[10, 20], [10, 21], [11, 21], [12, 22]], [[1], [2], [3], [4]], [0, 1, 2, 3])
    found = cluster(keys, exact=True, near=True, verify="none")
    assert found.rows.tolist() == [0, 1, 2]  # the fourth row shares no key: no candidate
    found = found.every_row(4)
    assert found.size.tolist() == [3, 3, 3, 1]
    assert found.keeper.tolist() == [0, 0, 0, 3]


def test_a_chain_is_cut_into_stars_around_keepers() -> None:
    # a~b and b~c share buckets, but a and c have little in common: c is not a copy of a
    sets = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 6], [1, 2, 3, 6, 7]]
    keys = keys_of([[10, 20], [10, 21], [11, 21]], sets, [0, 1, 2])
    found = cluster(keys, exact=True, near=True, verify="exact", threshold=0.6).every_row(3)
    assert found.keeper.tolist() == [0, 0, 2]  # J(a, b) = 4/6; J(a, c) = 3/7
    assert found.size.tolist() == [2, 2, 1]


def family_keys(count: int, ngram: int = 3) -> Keys:
    """Keys of `count` texts that all share one LSH bucket (a site template): copies of a few
    originals with a word or more changed, and distinct texts of the same vocabulary."""
    hasher = MinHasher(bands=22, rows=5)
    sets, signatures = [], []
    for i in range(count):
        text = article(i % 7, 150) if i % 3 else article(1000 + i, 150)
        hashes = shingle_hashes(tokens(edited(text, i % 9, i)), ngram)
        sets.append(np.unique(hashes.astype(np.uint32)))
        signatures.append(hasher.signature(hashes).astype(np.uint32))
    return Keys(
        id_hash=np.arange(count, dtype=np.uint64),
        exact=np.array([[i, i] for i in range(count)], np.uint64),
        bands=np.zeros((count, 1), np.uint64),
        priority=np.zeros(count),
        signatures=RowStore([np.stack(signatures)]),
        shingles=RowStore([sets]),
    )


def test_a_large_group_is_cut_as_exactly_compared_stars_would_cut_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = family_keys(600)  # over LARGE_GROUP: the signature prefilter runs
    prefiltered = cluster(keys, exact=True, near=True, verify="exact", threshold=0.7)
    prefiltered = prefiltered.every_row(600)
    monkeypatch.setattr(clusters_module, "LARGE_GROUP", 10_000)
    exact = cluster(keys, exact=True, near=True, verify="exact", threshold=0.7).every_row(600)
    assert prefiltered.keeper.tolist() == exact.keeper.tolist()
    np.testing.assert_array_equal(prefiltered.similarity, exact.similarity)
    removed = prefiltered.keeper != np.arange(600)
    assert 300 < removed.sum() < 600  # copies joined, distinct texts kept apart
    assert (prefiltered.similarity[removed] >= 0.7).all()
    assert (prefiltered.similarity[~removed] == 1.0).all()


STRICT = {"ngram": 5, "within_lines": False, "bands": 14, "rows": 8, "verify_threshold": 0.8}


def test_a_removed_copy_carries_the_similarity_that_was_measured() -> None:
    original = article(1, 300)
    docs = [doc("a", original), doc("b", edited(original, 12, 2)), doc("c", original + " ")]
    result = by_id(list(Dedup(keep="first")(docs)))
    near, exact = result["b"], result["c"]
    assert near.rejection is not None and exact.rejection is not None
    assert 0.7 <= near.metadata["duplicate_similarity"] < 1
    assert "Jaccard of word 3-gram sets" in near.rejection.detail
    assert f"{near.metadata['duplicate_similarity']:.3f}" in near.rejection.detail
    assert exact.metadata["duplicate_similarity"] == 1.0
    assert "duplicate_similarity" not in result["a"].metadata


def test_the_strict_setting_of_earlier_versions_stays_available() -> None:
    # an index made before `within_lines` existed still mixes with the strict settings
    assert Dedup(**STRICT).settings() == {"keys": 3, "ngram": 5, "bands": 14, "rows": 8, "seed": 1}
    original = "\n".join(article(s, 60) for s in range(5))
    copy = edited(original, 12, 3)  # 4% of the words changed, one at a time
    default = by_id(list(Dedup(keep="first")([doc("a", original), doc("b", copy)])))
    strict = by_id(list(Dedup(keep="first", **STRICT)([doc("a", original), doc("b", copy)])))
    assert default["b"].rejection is not None
    assert strict["b"].rejection is None


# ---------------------------------------------------------------- runs


def write_jsonl(path: Path, docs: list[dict[str, object]]) -> None:
    path.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))


def corpus_docs(prefix: str, originals: range, copies: int) -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for k in originals:
        docs.append({"id": f"{prefix}o{k}", "text": article(k), "date": "2024-01-01"})
        for c in range(copies):
            # one word of 120 changed: Jaccard about 0.92, which 14 x 8 LSH catches with
            # probability 0.9999 (two words, 0.84: 0.98, too often missed for an exact count)
            text = article(k) if c == 0 else edited(article(k), 1, seed=k * 10 + c)
            docs.append({"id": f"{prefix}c{k}-{c}", "text": text, "date": "2024-02-01"})
    return docs


def outcome(out: Path) -> dict[str, tuple[object, ...]]:
    result: dict[str, tuple[object, ...]] = {}
    for path in sorted(out.glob("kept/*.jsonl")) + sorted(out.glob("rejected/*.jsonl")):
        for line in path.read_bytes().splitlines():
            d = orjson.loads(line)
            meta = d["metadata"]
            result[d["id"]] = (d.get("reason"), meta.get("cluster"), meta.get("duplicate_of"))
    return result


DEDUP = Recipe.named("dedup")


def test_one_and_two_workers_and_shuffled_files_give_the_same_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "SMALL_FILE_BYTES", 0)  # a unit per file, however small
    docs = corpus_docs("", range(40), copies=2)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    for part in range(4):
        write_jsonl(tmp_path / "a" / f"part-{part}.jsonl", docs[part::4])
    shuffled = list(docs)
    random.Random(1).shuffle(shuffled)
    for part in range(3):
        write_jsonl(tmp_path / "b" / f"part-{part}.jsonl", shuffled[part::3])
    one = thresher.run([str(tmp_path / "a")], tmp_path / "w1", DEDUP, workers=1)
    two = thresher.run([str(tmp_path / "a")], tmp_path / "w2", DEDUP, workers=2)
    other = thresher.run([str(tmp_path / "b")], tmp_path / "w3", DEDUP, workers=2)
    assert one.balanced and two.balanced and other.balanced
    assert one.to_dict()["reasons"] == {"exact-duplicate": 40, "near-duplicate": 40}
    assert outcome(tmp_path / "w1") == outcome(tmp_path / "w2") == outcome(tmp_path / "w3")
    # only the small records of finished chunks stay, not the passes' documents and keys
    left = sorted(p.name for p in (tmp_path / "w1" / ".work").iterdir())
    assert left == [
        "committed-0.json",
        "decided-0.json",
        "done",
        "id",
        "lock",
        "start",
        "starts.json",
    ]


def test_a_later_run_dedups_against_the_saved_index(tmp_path: Path) -> None:
    (tmp_path / "day1").mkdir()
    (tmp_path / "day2").mkdir()
    write_jsonl(tmp_path / "day1" / "crawl.jsonl", corpus_docs("a", range(10), copies=1))
    again = [
        {"id": f"b{k}", "text": edited(article(k), 1, seed=k), "date": "2023-01-01"}
        for k in range(5)
    ]
    fresh = [{"id": f"n{k}", "text": article(100 + k)} for k in range(5)]
    write_jsonl(tmp_path / "day2" / "crawl.jsonl", again + fresh)
    index = tmp_path / "index"
    first = thresher.run([str(tmp_path / "day1")], tmp_path / "r1", DEDUP, index=index)
    assert first.to_dict()["dedup"]["indexed_before"] == 0
    second = thresher.run([str(tmp_path / "day2")], tmp_path / "r2", DEDUP, index=index)
    report = second.to_dict()
    assert report["dedup"]["indexed_before"] == 10
    assert report["reasons"] == {"near-duplicate": 5}
    result = outcome(tmp_path / "r2")
    for k in range(5):
        # older by date, but the index's copy was published first: it stays the kept one
        assert result[f"b{k}"][2] == f"ao{k}"
        assert result[f"n{k}"][0] is None
    manifest = orjson.loads((index / "index.json").read_bytes())
    assert manifest["format"] == "thresher-dedup-index" and manifest["version"] == 2
    assert [s["documents"] for s in manifest["segments"]] == [10, 5]


def test_an_index_made_with_other_settings_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    write_jsonl(tmp_path / "in" / "x.jsonl", corpus_docs("", range(3), copies=1))
    index = tmp_path / "index"
    thresher.run([str(tmp_path / "in")], tmp_path / "r1", DEDUP, index=index)
    other = Recipe(steps=(Dedup(ngram=5),))
    with pytest.raises(ConfigError, match="keys would not compare"):
        thresher.run([str(tmp_path / "in")], tmp_path / "r2", other, index=index)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file").write_text("x")
    with pytest.raises(ConfigError, match="not empty"):
        DedupIndex(tmp_path / "junk", Dedup().settings())


def test_the_default_recipe_dedups_and_the_cli_shows_clusters(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    example = Path(__file__).resolve().parent.parent / "examples" / "corpus"
    text = (example / "05_clean_news_sheep_sales.txt").read_text().split("\n", 1)[1]
    for name, date in (("a", "2024-01-01"), ("b", "2024-02-01")):
        (corpus / f"{name}.txt").write_text(f" date {date} 200\n{text}")
    result = CliRunner().invoke(main, ["run", str(corpus), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "dedup: 1 clusters; removed 1 exact and 0 near duplicates" in result.output
    assert "kept in/a.txt:0; removed in/b.txt:0" in result.output
    assert (tmp_path / "out" / "dedup-index" / "index.json").exists()


def test_the_ascii_fast_path_normalises_as_the_general_one() -> None:
    rng = random.Random(3)
    for _ in range(500):
        text = "".join(chr(rng.randrange(0, 128)) for _ in range(60))
        # a trailing non-ASCII word sends the same text down the general path
        assert tokens(text + " é") == [*tokens(text), "é"]


def test_an_index_without_a_dedup_step_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    write_jsonl(tmp_path / "in" / "x.jsonl", corpus_docs("", range(2), copies=0))
    with pytest.raises(ConfigError, match="no dedup step"):
        thresher.run(
            [str(tmp_path / "in")], tmp_path / "out", Recipe.named("repairs"), index=tmp_path / "i"
        )


def test_a_threshold_chooses_the_lsh_shape() -> None:
    step = Dedup(threshold=0.9)
    assert step.lsh_shape == lsh_params(0.9, 112)
    assert step.settings()["bands"] * step.settings()["rows"] <= 112


def test_more_key_files_than_the_process_keeps_mapped(tmp_path: Path) -> None:
    # one record per chunk: 150 signature files, more than the 64 mapped at once
    (tmp_path / "in").mkdir()
    write_jsonl(tmp_path / "in" / "x.jsonl", corpus_docs("", range(50), copies=2))
    summary = thresher.run([str(tmp_path / "in")], tmp_path / "out", DEDUP, records_per_chunk=1)
    assert summary.to_dict()["reasons"] == {"exact-duplicate": 50, "near-duplicate": 50}


def test_an_index_whose_first_append_was_interrupted_is_taken_as_new(tmp_path: Path) -> None:
    index = tmp_path / "index"
    (index / "segments" / "00000.partial" / "part-00000-c00000").mkdir(parents=True)
    (index / "index.json.partial").write_text("{")
    fresh = DedupIndex(index, Dedup().settings())
    assert fresh.documents == 0 and list(fresh.parts()) == []
    # a segment under its final name with no manifest: a first append cut before its
    # manifest in a store (no rename there); the next append rewrites it
    (index / "segments" / "00000" / "part-00000-c00000").mkdir(parents=True)
    assert DedupIndex(index, Dedup().settings()).documents == 0
    (index / "segments" / "mine").mkdir()  # anything else is not an index's
    with pytest.raises(ConfigError, match="not empty"):
        DedupIndex(index, Dedup().settings())


def test_stars_are_the_same_whatever_the_batch_of_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    from thresher.dedup import clusters

    def outcome_of() -> dict[str, object]:
        docs = [
            doc(str(d["id"]), str(d["text"]), date=d["date"])
            for d in corpus_docs("", range(12), copies=3)
        ]
        return {
            d.id: (d.metadata.get("cluster"), d.rejection and d.rejection.reason)
            for d in Dedup()(docs)
        }

    whole = outcome_of()
    monkeypatch.setattr(clusters, "STAR_BATCH_ROWS", 3)
    assert outcome_of() == whole
    assert len({c for c, _ in whole.values() if c}) == 12


def test_a_recipe_with_one_corpus_step_twice_is_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="corpus step dedup appears more than once"):
        Recipe(steps=(Dedup(), Dedup(ngram=5)))
    text = "version: 1\nsteps:\n- step: dedup\n- step: dedup\n"
    (tmp_path / "twice.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(tmp_path / "in.jsonl"),
            "-o",
            str(tmp_path / "out"),
            "-c",
            str(tmp_path / "twice.yaml"),
        ],
    )
    assert result.exit_code != 0 and "appears more than once" in result.output
    assert not (tmp_path / "out").exists()


def test_a_copy_exactly_at_the_threshold_is_joined() -> None:
    # J = 7 / 10 = 0.7: the sizes' bound (J <= 7 / 10) must not rule it out in floating point
    keys = keys_of([[1], [1]], [list(range(10)), list(range(7))], [0, 1])
    found = cluster(keys, exact=True, near=True, verify="exact", threshold=0.7)
    assert found.keeper.tolist() == [0, 0]
    assert found.similarity[1] == pytest.approx(0.7)


def groups_by_union_find(bands: np.ndarray, exact: np.ndarray) -> list[int]:
    """Each row's group (its smallest row) when rows sharing the exact key or a band's key
    are joined one pair at a time: what the candidate search must find."""
    from thresher.dedup.clusters import UnionFind

    rows = UnionFind(len(bands))
    for column in [exact.tolist(), *(bands[:, b].tolist() for b in range(bands.shape[1]))]:
        first: dict[object, int] = {}
        for row, key in enumerate(column):
            key = tuple(key) if isinstance(key, list) else key
            rows.union(first.setdefault(key, row), row)
    groups: list[int] = rows.roots().tolist()
    return groups


def candidate_keys(bands: np.ndarray, exact: np.ndarray, parts: int) -> KeyParts:
    n = len(bands)
    bounds = np.linspace(0, n, parts + 1).astype(int).tolist()
    keys = [
        Keys(
            id_hash=np.zeros(hi - lo, np.uint64),
            exact=exact[lo:hi],
            bands=bands[lo:hi],
            priority=np.zeros(hi - lo),
            signatures=RowStore([]),
            shingles=RowStore([]),
        )
        for lo, hi in itertools.pairwise(bounds)
    ]
    return KeyParts([lambda k=k: k for k in keys], [len(k) for k in keys], bands.shape[1])


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("limit", [None, 500, 2])
def test_candidates_in_partitions_are_the_groups_of_union_find(
    tmp_path: Path, limit: int | None, threads: int
) -> None:
    rng = np.random.default_rng(3)
    bands = rng.integers(0, 30_000, (600, 6), dtype=np.uint64)
    bands[:, 1] = bands[:, 0]  # the same value in two bands of one row joins nothing more
    exact = rng.integers(0, 2000, (600, 2), dtype=np.uint64) // np.uint64(1000)
    exact[:, 0] = rng.integers(0, 1000, 600, dtype=np.uint64)
    expected = groups_by_union_find(bands, exact)
    options = {"threads": threads} if limit is None else {"limit": limit, "threads": threads}
    keys = candidate_keys(bands, exact, parts=3)
    rows, group = _candidate_groups(keys, exact=True, near=True, spill=tmp_path, **options)
    found = np.arange(600)
    found[rows] = rows[group]  # positions to rows; every other row is alone
    assert found.tolist() == expected
    alone = [r for r in range(600) if expected.count(expected[r]) == 1]
    assert sorted(set(range(600)) - set(rows.tolist())) == alone  # candidates: rows not alone
    assert 0 < len(alone) < 600
    assert not list(tmp_path.iterdir())  # the spilled partitions and pairs are gone


def test_partitions_sorted_by_threads_give_the_same_pairs_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from thresher.dedup import clusters

    added: dict[int, list[tuple[list[int], list[int]]]] = {}
    real_add = clusters._Pairs.add

    def noted_add(self: clusters._Pairs, a: np.ndarray, b: np.ndarray) -> None:
        added.setdefault(threads, []).append((a.tolist(), b.tolist()))
        real_add(self, a, b)

    monkeypatch.setattr(clusters._Pairs, "add", noted_add)
    bands = np.random.default_rng(11).integers(0, 400, (500, 3), dtype=np.uint64)
    exact = np.random.default_rng(12).integers(0, 300, (500, 2), dtype=np.uint64)
    keys = candidate_keys(bands, exact, parts=5)
    found = {}
    for threads in (1, 4):
        # the same partitions for both (limit / threads values each): the threads only sort
        options = {"limit": 64 * threads, "threads": threads}
        found[threads] = _candidate_groups(keys, exact=True, near=True, spill=tmp_path, **options)
    assert found[1][0].tolist() == found[4][0].tolist()
    assert found[1][1].tolist() == found[4][1].tolist()
    assert len(added[1]) > 20 and added[1] == added[4]  # pairs file identical, partition order
    assert not list(tmp_path.iterdir())


def test_a_failed_partition_sort_stops_the_search_and_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from thresher.dedup import clusters

    sorted_so_far = []
    real = clusters._equal_neighbours

    def failing(records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sorted_so_far.append(len(records))
        if len(sorted_so_far) == 5:
            raise MemoryError("partition 5")
        return real(records)

    monkeypatch.setattr(clusters, "_equal_neighbours", failing)
    bands = np.random.default_rng(13).integers(0, 400, (400, 3), dtype=np.uint64)
    keys = candidate_keys(bands, np.zeros((400, 2), np.uint64), parts=2)
    with pytest.raises(MemoryError, match="partition 5"):
        _candidate_groups(keys, exact=True, near=True, spill=tmp_path, limit=8, threads=3)
    assert 5 <= len(sorted_so_far) <= 5 + 2  # stopped there: at most the two others in flight
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("threads", [1, 3])
def test_the_search_holds_at_most_one_partition_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    import weakref

    from thresher.dedup import clusters

    seen: list[weakref.ref[np.ndarray]] = []
    most = 0
    real = clusters._equal_neighbours

    def counting(records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nonlocal most
        seen.append(weakref.ref(records))
        most = max(most, sum(ref() is not None for ref in seen))
        return real(records)

    monkeypatch.setattr(clusters, "_equal_neighbours", counting)
    bands = np.random.default_rng(14).integers(0, 400, (400, 3), dtype=np.uint64)
    keys = candidate_keys(bands, np.zeros((400, 2), np.uint64), parts=2)
    _candidate_groups(keys, exact=True, near=True, spill=tmp_path, limit=6, threads=threads)
    assert len(seen) > 20 and most <= threads


def test_exact_keys_join_on_both_words() -> None:
    exact = np.array([[1, 2], [1, 3], [4, 2], [1, 2]], np.uint64)  # rows 0 and 3 alone share
    bands = np.zeros((4, 0), np.uint64)
    rows, group = _candidate_groups(
        candidate_keys(bands, exact, parts=2),
        exact=True,
        near=True,
        spill=None,
    )
    assert rows.tolist() == [0, 3] and group.tolist() == [0, 0]


def test_repeated_ids_without_a_source_each_get_their_own_decision() -> None:
    copied = article(7, 200)
    docs = [doc("x", article(8, 200)), doc("x", copied), doc("y", copied)]
    out = list(Dedup(keep="first")(docs))
    assert out[0].rejection is None and "cluster" not in out[0].metadata  # distinct: untouched
    assert out[1].rejection is None and out[1].metadata["cluster_size"] == 2
    assert out[2].rejection is not None and out[2].metadata["duplicate_of"] == "x"


def test_many_band_partitions_keep_few_files_open(tmp_path: Path) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    bands = np.random.default_rng(5).integers(0, 500, (400, 2), dtype=np.uint64)
    exact = np.arange(800, dtype=np.uint64).reshape(400, 2)
    keys = candidate_keys(bands, exact, parts=4)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(64, hard), hard))
    try:  # 400 partitions of each kind
        many = _candidate_groups(keys, exact=True, near=True, spill=tmp_path, limit=2)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    one = _candidate_groups(keys, exact=True, near=True, spill=None)
    assert many[0].tolist() == one[0].tolist() and many[1].tolist() == one[1].tolist()
    assert len(one[0]) > 100


def test_an_index_without_band_keys_does_not_mix_with_near_dedup() -> None:
    assert Dedup(near=False).settings()["near"] is False
    assert "near" not in Dedup().settings()


# Pieces of text that fold in every way there is: ASCII (words, digits, marks, \x1c-\x1f),
# Latin letters beyond ASCII, marks and spaces beyond ASCII, capital sigma (lower-cased by its
# neighbours), scripts written without spaces, digits of other scripts, characters whose lower
# case is ASCII or two characters, a lone surrogate.
FOLD_PIECES = [
    *("Word", "river", "DATA", "2024", " ", "\n", "\t", ".", ",", "(x)", "\x1c", "\x1f"),
    *("caf\u00e9", "\u00dcBER", "Stra\u00dfe", "\u0130", "\u212a", "\ufb01", "\u00e9"),
    *("\u2014", "\u201c", "\u201d", "\u00a0", "\u2028", "\x85", "\u3000", "\u00b6", "\u20ac"),
    *("\u03a3", "\u039f\u0394\u039f\u03a3", "\u03c3\u03bf\u03c6\u03af\u03b1"),
    *("\u6771\u4eac", "\u0e2a\u0e27\u0e31\u0e2a", "\u0663\u0664", "\u0418\u0432\u0430\u043d"),
    "\ud800",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FOLD_PIECES), max_size=300), st.integers(0, 40))
def test_folding_run_by_run_splits_as_folding_the_whole_text(pieces: list[str], pad: int) -> None:
    from thresher.dedup.minhash import _folded, _folded_by_runs, _folded_whole

    for text in ("".join(pieces), "plain ascii words " * pad + "".join(pieces)):
        whole = _folded_whole(text).split()
        assert _folded(text).split() == whole
        by_runs = _folded_by_runs(text.encode("utf-8", "surrogatepass"))
        if by_runs is not None and "\u03a3" not in text:
            assert by_runs.split() == whole


def test_mostly_ascii_text_folds_run_by_run_short_or_long() -> None:
    from thresher.dedup.minhash import _folded_by_runs, _folded_whole

    for repeat in (1, 40):  # under and over the length where numpy finds the runs
        text = (
            "The caf\u00e9 on the corner of \u201cSTRASSE\u201d \u2014 the one in \u0130stanbul,"
            " opened in 2024 and sold for 12\u00a0\u20ac a cup of coffee, or so they say. "
        ) * repeat
        by_runs = _folded_by_runs(text.encode())
        assert by_runs is not None and by_runs.split() == _folded_whole(text).split()
        assert by_runs.split()[:4] == [b"the", b"caf\xc3\xa9", b"on", b"the"]
    # text in another script (a run a word) is left to the whole-text fold
    assert _folded_by_runs(("\u0418\u0432\u0430\u043d " * 200).encode()) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*FOLD_PIECES, "\n", "\n\n", "\u03a3\n", "\n\u03a3"]), max_size=200)
)
def test_normalising_by_line_is_normalising_each_line(pieces: list[str]) -> None:
    from thresher.dedup.minhash import normalized_by_line

    text = "".join(pieces)
    assert normalized_by_line(text) == [normalized(line) for line in text.split("\n")]


def test_clusters_over_parts_are_the_clusters_over_one() -> None:
    from thresher.dedup.clusters import PickedRows

    keys = family_keys(300)
    keys.bands = np.repeat(np.arange(300, dtype=np.uint64)[:, None] // np.uint64(40), 2, axis=1)
    keys.priority = np.random.default_rng(1).integers(0, 5, 300).astype(np.float64)

    def rows(lo: int, hi: int) -> Keys:
        picked = np.arange(lo, hi)
        return Keys(
            id_hash=keys.id_hash[lo:hi],
            exact=keys.exact[lo:hi],
            bands=np.asarray(keys.bands)[lo:hi],
            priority=keys.priority[lo:hi],
            signatures=RowStore([PickedRows(keys.signatures, picked)]),
            shingles=RowStore([PickedRows(keys.shingles, picked)]),
        )

    parts = [rows(0, 70), rows(70, 71), rows(71, 71), rows(71, 300)]
    split = KeyParts([lambda p=p: p for p in parts], [len(p) for p in parts], 2)
    whole = cluster(keys, exact=True, near=True, verify="exact", threshold=0.7)
    found = cluster(split, exact=True, near=True, verify="exact", threshold=0.7)
    for field in ("rows", "root", "keeper", "size", "exact", "ties"):
        assert getattr(found, field).tolist() == getattr(whole, field).tolist(), field
    np.testing.assert_array_equal(found.similarity, whole.similarity)
    assert (whole.every_row(300).keeper != np.arange(300)).sum() > 50  # copies were joined


def test_packed_names_give_back_each_string() -> None:
    from thresher.dedup.step import _Strings

    texts = ["doc-1", "", "été/über", "https://x.example/a?b=c", "日本語", "\U0001f600"]
    packed = _Strings()
    packed.extend([t.encode() for t in texts[:2]])
    packed.extend([])
    packed.extend([t.encode() for t in texts[2:]])
    packed.pack()
    assert [packed[i] for i in range(len(texts))] == texts


def test_large_and_small_groups_together_are_cut_as_without_the_prefilter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = family_keys(420)
    keys.bands = (np.arange(420) >= 120).astype(np.uint64)[:, None]  # a group of 120, then 300
    prefiltered = cluster(keys, exact=True, near=True, verify="exact", threshold=0.7)
    monkeypatch.setattr(clusters_module, "LARGE_GROUP", 10_000)
    compared = cluster(keys, exact=True, near=True, verify="exact", threshold=0.7)
    assert prefiltered.keeper.tolist() == compared.keeper.tolist()
    np.testing.assert_array_equal(prefiltered.similarity, compared.similarity)
    assert not set(prefiltered.root[:120].tolist()) & set(prefiltered.root[120:].tolist())


def test_a_spill_of_more_partitions_than_16_bits_gives_each_record_back(tmp_path: Path) -> None:
    from thresher.dedup.clusters import SPILL_FANOUT, _Spill

    spill = _Spill(140_000, 2, 1, tmp_path, "band")  # 70,000 partitions and more: two levels
    assert spill.count >= 70_000 and spill.count % SPILL_FANOUT == 0
    keys = np.array([5, 70_005, 69_999, 139_999, 65_536, 5, 2**64 - 1], np.uint64)
    for row, key in enumerate(keys.tolist()):  # a flush each: several appends to a file
        spill.add(np.array([[key, row]], np.uint64))
    found = [records.tolist() for records in spill.partitions()]
    assert sorted(map(tuple, itertools.chain.from_iterable(found))) == sorted(
        zip(keys.tolist(), range(len(keys)), strict=True)
    )
    assert all(len({key % spill.count for key, _ in records}) == 1 for records in found)
    assert len(found) == len({key % spill.count for key in keys.tolist()})
    assert not list(tmp_path.iterdir())


def test_copied_rows_read_back_whatever_the_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    from thresher.dedup.clusters import copy_rows

    rows = [np.array([1, 2, 70_000], np.uint32)] * 3 + [np.array([9], np.int64)] * 3
    rows += [np.zeros(0, np.uint32), np.array([4], np.uint32)]
    monkeypatch.setattr(clusters_module, "COPY_BLOCK_ROWS", 2)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        copied = copy_rows(RowStore([rows]), np.array([0, 2, 3, 5, 6, 7]), folder / "rows")
        back = copied.take(np.arange(8))
    assert [r.tolist() for r in back] == [
        [1, 2, 70_000],
        [],
        [1, 2, 70_000],
        [9],
        [],
        [9],
        [],
        [4],
    ]  # rows not copied are empty
