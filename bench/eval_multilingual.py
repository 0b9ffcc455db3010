"""Does the `fineweb2` step keep clean text and reject junk in FineWeb-2's largest languages?

For each of the `--top` largest languages of FineWeb-2 by words (fineweb2-language-distribution
.csv, train split, `_removed` subsets left out) that lingua's test sentences cover
(../shared/data/langid/lingua-sentences/<code>.txt; a missing one is skipped, the next taken,
and named in the output), plus `--extra` languages, it builds seeded documents:

- clean: 5-15 of the language's sentences, in paragraphs of 1-4 sentences, one paragraph a
  line (sentences joined by a space, or by nothing in Chinese and Japanese);
- junk made from the same words (those of 10 sentences of the language: words split by
  spaces, or 2-3 character pieces in the scripts written without spaces):
  `short-lines`, the words shuffled into lines of 2-4; `menu`, 20-40 items of 1-3 words, one
  a line, some with a link-like mark (» › | ·); `repeated`, 2-4 of the sentences repeated 8-15
  times each, in random order; `salad` (reported, no target), the words shuffled into
  sentence-long lines ending in a period.

With `--chain default` every document goes through the default recipe's steps from
`normalize` through `fineweb` (language ID included; dedup and the steps after it left out),
then `fineweb2`; with `--chain rules`, through `language` and `fineweb2` alone. A clean
document counts as kept when no step rejects it; a junk document as rejected when any step
does (the step and rule are counted). In the default chain `repeated-paragraph` removes the
repeats of a repeated line before any rule sees them (a repair, in the ledger): such a
document, kept as its 2-4 distinct lines, counts as repaired. Targets (issue 13): clean kept
>= 97%, junk rejected (for `repeated` in the default chain: rejected or repaired) >= 90% in
each language and kind.

    nice -n 19 .venv/bin/python bench/eval_multilingual.py [--docs 200] [--seed 13] \
        [--top 20] [--extra th] [--chain default|rules] [--alpha-margin 0.1] \
        [--out bench/out/multilingual.md]

`--word-scale` instead measures how many words FineWeb-2's tokenizers make of thresher's
split words (`WORDS_PER_UNIT` in quality/words.py), on lingua's sentences of zh, ja, th, ko.
It needs the tokenizers, which thresher does not depend on; run it from a separate venv:

    python3 -m venv /tmp/tok && /tmp/tok/bin/pip install regex jieba sudachipy \
        sudachidict_core pythainlp kiwipiepy
    /tmp/tok/bin/python bench/eval_multilingual.py --word-scale
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

if "--word-scale" not in sys.argv:  # the measurement runs without thresher's dependencies
    from thresher import Document, Recipe
    from thresher.quality.analysis import is_symbol_word
    from thresher.quality.multilingual import FineWeb2Quality, table
    from thresher.quality.words import split, word_count, words

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data"
SENTENCES = DATA / "langid/lingua-sentences"
DISTRIBUTION = DATA / "quality/fineweb2-configs/fineweb2-language-distribution.csv"
JUNK = ("short-lines", "menu", "repeated")
EXTRA_JUNK = ("salad",)
OUTCOMES = ("kept", "total", "repaired")
NO_SPACE_JOIN = {"zh", "ja", "yue", "wuu"}
MENU_MARKS = ("", "", "", "» ", "› ", "| ", "· ", "- ")
# A clean document has at least this many words as FineWeb-2 counts them (Gopher's rule asks
# for 50): 5 short sentences are a snippet, not a document.
MIN_CLEAN_WORDS = 60


def _content_words(text: str) -> float:
    return word_count([w for w in words(text) if not is_symbol_word(w)])


def largest_languages(top: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(thresher code, FineWeb-2 subset) of the `top` largest subsets by words whose main
    config is a language thresher names and lingua's sentences cover; and the skipped ones."""
    main: dict[str, str] = {}
    for code, names in table()["languages"].items():
        if (SENTENCES / f"{code}.txt").exists():  # nb and no share nob_Latn: lingua has nb
            main.setdefault(names[0], code)
    rows = []
    with DISTRIBUTION.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["split"] == "train" and not row["subset"].endswith("_removed"):
                rows.append((int(row["words"]) if row["words"].isdigit() else 0, row["subset"]))
    chosen: list[tuple[str, str]] = []
    skipped: list[str] = []
    for _, subset in sorted(rows, reverse=True):
        code = main.get(subset)
        if code is None or not (SENTENCES / f"{code}.txt").exists():
            skipped.append(subset)
            continue
        chosen.append((code, subset))
        if len(chosen) == top:
            break
    return chosen, skipped


def vocabulary(sentences: list[str], code: str) -> list[str]:
    """Word-like pieces of the sentences: words split by spaces, punctuation dropped; in the
    scripts written without spaces, runs cut into pieces of 2-3 characters."""
    out: list[str] = []
    for sentence in sentences:
        if split(sentence) == "characters":
            run = "".join(w for w in words(sentence) if w.isalnum())
            i = 0
            while i < len(run):
                size = 2 + (i // 2) % 2
                out.append(run[i : i + size])
                i += size
        else:
            out.extend(w for w in sentence.split() if any(ch.isalpha() for ch in w))
    return [w.strip(".,;:!?\"'()«»„“”") or w for w in out]


def clean_doc(rng: random.Random, lines: list[str], code: str) -> str:
    chosen = rng.sample(lines, rng.randint(5, 15))
    while _content_words(" ".join(chosen)) < MIN_CLEAN_WORDS:
        chosen.append(rng.choice(lines))
    joiner = "" if code in NO_SPACE_JOIN else " "
    paragraphs = []
    while chosen:
        size = rng.randint(1, 4)
        paragraphs.append(joiner.join(chosen[:size]))
        chosen = chosen[size:]
    return "\n".join(paragraphs)


def junk_doc(rng: random.Random, lines: list[str], code: str, kind: str) -> str:
    sample = rng.sample(lines, 10)
    vocab = vocabulary(sample, code)
    rng.shuffle(vocab)
    joiner = "" if split(" ".join(sample)) == "characters" else " "
    if kind == "short-lines":
        out, i = [], 0
        while i < len(vocab):
            size = rng.randint(2, 4)
            out.append(joiner.join(vocab[i : i + size]))
            i += size
        return "\n".join(out)
    if kind == "menu":
        items = []
        for _ in range(rng.randint(20, 40)):
            item = joiner.join(rng.sample(vocab, rng.randint(1, 3)))
            items.append(rng.choice(MENU_MARKS) + item[:1].upper() + item[1:])
        return "\n".join(items)
    if kind == "repeated":
        kept = sample[: rng.randint(2, 4)]
        body = [line for line in kept for _ in range(rng.randint(8, 15))]
        rng.shuffle(body)
        return "\n".join(body)
    if kind == "salad":
        out, i = [], 0
        while i < len(vocab):
            size = rng.randint(10, 25)
            out.append(joiner.join(vocab[i : i + size]) + ".")
            i += size
        return "\n".join(out)
    raise ValueError(kind)


def pipeline(chain: str = "default", alpha_margin: float = 0.1) -> Recipe:
    """`default`: the default recipe's steps through `fineweb`, then `fineweb2`; `rules`: the
    `language` step and `fineweb2` alone."""
    default = Recipe.default()
    names = [step.name for step in default.steps]
    if chain == "rules":
        steps = (default.steps[names.index("language")],)
    else:
        steps = default.steps[: names.index("fineweb") + 1]
    step = FineWeb2Quality(alpha_words_margin=alpha_margin)
    return Recipe(steps=(*steps, step), reader=default.reader)


def word_scale() -> None:
    """Print, per language, FineWeb-2's tokenizer's words and thresher's split words on the
    same sentences (content words: those with a letter or digit), and their mean lengths."""
    import importlib.util
    from collections.abc import Callable

    spec = importlib.util.spec_from_file_location("words", ROOT / "src/thresher/quality/words.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def reference(code: str) -> Callable[[str], list[str]]:
        if code == "zh":
            import jieba  # spaCy's zh tokenizer with the jieba segmenter, as datatrove sets it

            jieba.setLogLevel(60)
            return lambda text: list(jieba.cut(text))
        if code == "ja":
            from sudachipy import dictionary  # spaCy's ja tokenizer

            tokenizer = dictionary.Dictionary().create()
            return lambda text: [m.surface() for m in tokenizer.tokenize(text)]
        if code == "th":
            from pythainlp.tokenize import word_tokenize

            return lambda text: word_tokenize(text, keep_whitespace=False, engine="newmm-safe")
        from kiwipiepy import Kiwi

        kiwi = Kiwi()
        return lambda text: [text[t.start : t.end] for t in kiwi.tokenize(text)]

    def content(tokens: list[str]) -> list[str]:
        return [t for t in tokens if any(ch.isalnum() for ch in t)]

    for code in ("zh", "ja", "th", "ko"):
        lines = [
            line.strip()
            for line in (SENTENCES / f"{code}.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        split_line = reference(code)
        theirs = content([t.strip() for line in lines for t in split_line(line) if t.strip()])
        ours = content(module.words("\n".join(lines)))
        print(
            f"{code}: FineWeb-2's tokenizer {len(theirs)} words, mean {_mean_len(theirs):.2f}"
            f" chars; thresher {len(ours)} split words, mean {_mean_len(ours):.2f} chars;"
            f" split words per word {len(ours) / len(theirs):.3f}"
        )


def _mean_len(tokens: list[str]) -> float:
    return sum(map(len, tokens)) / len(tokens)


def main() -> None:
    if "--word-scale" in sys.argv:
        word_scale()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="documents per language and kind")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--extra", default="th", help="more codes, comma-separated")
    parser.add_argument("--chain", choices=("default", "rules"), default="default")
    parser.add_argument("--alpha-margin", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out/multilingual.md")
    args = parser.parse_args()
    if not SENTENCES.exists() or not DISTRIBUTION.exists():
        sys.exit(f"needs {SENTENCES} and {DISTRIBUTION}")
    chosen, skipped = largest_languages(args.top)
    for code in filter(None, args.extra.split(",")):
        if code not in {c for c, _ in chosen}:
            chosen.append((code, table()["languages"][code][0]))
    recipe = pipeline(args.chain, args.alpha_margin)
    kinds = ("clean", *JUNK, *EXTRA_JUNK)
    results: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    languages_seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for code, _subset in chosen:
        lines = [
            line.strip()
            for line in (SENTENCES / f"{code}.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        rng = random.Random(f"{args.seed}:{code}")
        docs = []
        for kind in kinds:
            for i in range(args.docs):
                text = (
                    clean_doc(rng, lines, code)
                    if kind == "clean"
                    else junk_doc(rng, lines, code, kind)
                )
                docs.append(Document(id=f"{code}-{kind}-{i}", text=text))
        for doc in recipe.apply(docs):
            kind = doc.id.split("-", 1)[1].rsplit("-", 1)[0]
            found = doc.metadata.get("language", "?")
            languages_seen[(code, kind)][str(found)] += 1
            if doc.rejection is None:
                results[(code, kind)]["kept"] += 1
                if any(edit.step == "repeated-paragraph" for edit in doc.ledger):
                    results[(code, kind)]["repaired"] += 1
            else:
                results[(code, kind)][f"{doc.rejection.step}:{doc.rejection.detail}"] += 1
            results[(code, kind)]["total"] += 1
    report = render(chosen, skipped, kinds, results, languages_seen, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "-"


def render(
    chosen: list[tuple[str, str]],
    skipped: list[str],
    kinds: tuple[str, ...],
    results: dict[tuple[str, str], Counter[str]],
    seen: dict[tuple[str, str], Counter[str]],
    args: argparse.Namespace,
) -> str:
    out = [
        f"chain: {args.chain}; alpha_words_margin: {args.alpha_margin}; "
        f"documents per language and kind: {args.docs}, seed {args.seed}; "
        f"skipped among the largest (no thresher code or no lingua sentences): "
        f"{', '.join(skipped) or 'none'}",
        "",
        "| language | thresholds | clean kept % | "
        + " | ".join(f"{k} rejected %" for k in kinds[1:])
        + " | repeated rejected or repaired % | clean rejected by |",
        "|---|---|---|" + "---|" * len(kinds) + "---|",
    ]
    failures = []
    for code, subset in chosen:
        cells = []
        for kind in kinds:
            r = results[(code, kind)]
            if kind == "clean":
                cells.append(_pct(r["kept"], r["total"]))
                if r["kept"] < 0.97 * r["total"]:
                    failures.append(f"{code} clean")
            else:
                cells.append(_pct(r["total"] - r["kept"], r["total"]))
                handled = r["total"] - r["kept"] + (r["repaired"] if kind == "repeated" else 0)
                if kind in JUNK and handled < 0.9 * r["total"]:
                    failures.append(f"{code} {kind}")
        r = results[(code, "repeated")]
        cells.append(_pct(r["total"] - r["kept"] + r["repaired"], r["total"]))
        reasons = Counter({k: v for k, v in results[(code, "clean")].items() if k not in OUTCOMES})
        why = ", ".join(f"{k} {v}" for k, v in reasons.most_common(3)) or "-"
        out.append(f"| {code} | {subset} | " + " | ".join(cells) + f" | {why} |")
    out += ["", "Rules that rejected junk (all languages):", ""]
    for kind in kinds[1:]:
        total: Counter[str] = Counter()
        for code, _ in chosen:
            total.update({k: v for k, v in results[(code, kind)].items() if k not in OUTCOMES})
        out.append(f"- {kind}: " + ", ".join(f"{k} {v}" for k, v in total.most_common(6)))
    out += ["", "Language found for junk, where not the document's own (all languages):", ""]
    for kind in kinds[1:]:
        wrong: Counter[str] = Counter()
        for code, _ in chosen:
            wrong.update({k: v for k, v in seen[(code, kind)].items() if k != code})
        out.append(f"- {kind}: " + (", ".join(f"{k} {v}" for k, v in wrong.most_common(8)) or "-"))
    out += ["", "Below target: " + (", ".join(failures) or "none"), ""]
    return "\n".join(out)


if __name__ == "__main__":
    main()
