"""Language identification with models that ship inside installed packages: nothing is
downloaded at run time. The measurements behind the default are in docs/LANGUAGE_ID.md."""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from thresher.document import Document
from thresher.quality import model_cache
from thresher.quality.language_codes import parse_languages, require_languages
from thresher.steps import KEEP, Drop, Filter, Verdict, register, require

LANGUAGE = "language"
LANGUAGE_SCORE = "language_score"
MODELS = ("py3langid", "lingua", "py3langid+lingua")

log = logging.getLogger(__name__)

_PY3LANGID_AS_LINGUA = {"no": "nb"}

# py3langid has no Maori (mi), Tswana (tn) or Tsonga (ts), and gives most of their sentences a
# neighbour's label, often with a high probability: Tswana nso or st; Tsonga xh, sn, zu (some
# sw, nso, st); Maori kik, sn or st. A sentence it gives st, xh, zu, sn or nso (with a
# probability of at least `second_opinion_below`) is re-asked of a lingua detector of just
# `_KIN_LANGUAGES`, in high-accuracy mode: about 230 us a sentence against about 500 for the
# low-accuracy detector of all 75 languages (lingua's cost grows with its languages), and more
# accurate on these (docs/LANGUAGE_ID.md, 2026-12-05). sw is left out: sending all Swahili
# there would win 72 of the 1,000 Tsonga test sentences and lose 9 of the 1,000 Swahili ones,
# for a language far more common on the web.
_KIN_LABELS = frozenset({"st", "xh", "zu", "sn", "nso"})
_KIN_LANGUAGES = ("mi", "sn", "st", "tn", "ts", "xh", "zu")

# Where py3langid is unsure, or names a language lingua does not know, lingua (low-accuracy
# mode) chooses among py3langid's `_SHORTLIST` most probable languages that lingua knows and
# the lingua languages py3langid lacks. On the 3,964 test sentences so routed it is right on
# 2,929, lingua choosing among all 75 on 2,812, at about a third of the cost (a detector for
# few languages; docs/LANGUAGE_ID.md, 2026-12-05).
_SHORTLIST = 2

# Texts in several scripts on which the fast scorer must extract exactly py3langid's features
# before it is used (a cheap guard against a model whose automaton is not the expected kind).
_SELF_CHECK = (
    "The committee met on Tuesday to discuss the harbour.",
    "Der Ausschuss traf sich am Dienstag, um über die Zukunft zu sprechen.",
    "Комитет собрался во вторник, чтобы обсудить будущее гавани.",
    "委员会周二开会，讨论了港口和旧码头的未来。",
    "ओं नमः शिवाय। यह एक परीक्षण वाक्य है।",
    "a",
)


class Detector(Protocol):
    def __call__(self, text: str) -> tuple[str, float]: ...


@cache
def _py3langid() -> Any:
    """py3langid's model with its feature table widened from float16 to float32 (57 MB instead
    of 28 per process): numpy has no BLAS for float16, so scoring a sentence took twice as long.
    The arrays come from the model cache when it holds them (`model_cache`)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    model = Path(MODEL_DIR) / MODEL_FILE
    arrays = model_cache.load_or_build(model, _py3langid_arrays, _PY3LANGID_ARRAYS)
    return LanguageIdentifier(
        arrays["ptc"],
        arrays["pc"],
        [str(label) for label in arrays["classes"].tolist()],
        arrays["nextmove"],
        arrays["output"].tolist(),
        norm_probs=True,
        # py3langid shifts each row number left by 8 in Python: ints, not numpy's uint16
        tk_row=arrays["row"].tolist(),
    )


_PY3LANGID_ARRAYS = ("ptc", "pc", "classes", "nextmove", "output", "row")


def _py3langid_arrays(model: Path) -> dict[str, np.ndarray]:
    """The arrays of py3langid's model file, as py3langid loads it (decompressing 60 MB: 0.8 s),
    the feature table as float32."""
    from py3langid.langid import LanguageIdentifier

    shipped = LanguageIdentifier.from_model_file(model, norm_probs=True)
    return {
        "ptc": np.asarray(shipped.nb_ptc, dtype=np.float32),
        "pc": np.asarray(shipped.nb_pc),
        "classes": np.asarray([str(label) for label in shipped.nb_classes]),
        "nextmove": np.asarray(shipped.tk_nextmove),
        "output": np.asarray(shipped.tk_output, dtype=np.int64),
        "row": np.asarray(shipped.tk_row),
    }


class Py3LangidScorer:
    """py3langid's `classify` (norm_probs=True) over its own model arrays, with the feature
    extraction vectorised: the same labels, and the same probabilities up to float rounding.

    py3langid walks a byte automaton in a Python loop, one step per UTF-8 byte (a third of its
    time), and counts the features with a Counter. The automaton is an Aho-Corasick automaton
    over byte n-grams of at most `depth` (6) bytes: the state after byte i is the trie node of
    the longest suffix of the text so far that is a node, so it depends only on bytes
    i-depth+1 .. i, and walking the automaton from its start state over just those bytes
    reaches it. That walk is done for every position at once with numpy, `depth` steps (the
    first two through one 65,536-entry table); tests/test_language.py proves the property for
    the whole transition table. The features are counted by sorting, and the score is
    py3langid's: log1p(counts) @ table rows + priors, softmax at temperature sqrt(bytes),
    the probabilities of labels that own two columns (script variants) summed.
    """

    def __init__(self, identifier: Any) -> None:
        self.identifier = identifier
        # a view of py3langid's 39 MB move table (uint32), not a copy
        moves = np.asarray(identifier.tk_nextmove)
        rows = np.asarray(identifier.tk_row).astype(np.intp)
        self._moves: npt.NDArray[np.uint32] = moves
        self._rowbase: npt.NDArray[np.intp] = rows << 8  # state -> offset of its 256 moves
        self._output: npt.NDArray[np.intp] = np.asarray(identifier.tk_output, dtype=np.intp)
        self.depth = _automaton_depth(moves.reshape(-1, 256), rows)
        # bytes walked per position: any number >= depth reaches the same state; the code
        # below takes the first two in one look-up and the last one apart, hence >= 3
        self._window = max(self.depth, 3)
        root = moves[:256]
        # c0 * 256 + c1 -> the offset of the moves of the state reached from the start state
        # by bytes c0, c1: the first two steps of the walk in one look-up
        self._two: npt.NDArray[np.intp] = self._rowbase[
            moves[(self._rowbase[root][:, None] + np.arange(256)).ravel()]
        ]
        # Positions before the text start are padded with a byte that leaves the start state
        # where it is, so that the first bytes are walked from the start state as in py3langid.
        self._pad = bytes([int(np.flatnonzero(root == 0)[-1])]) * (self._window - 1)
        self._table: npt.NDArray[np.float32] = np.ascontiguousarray(
            identifier.nb_ptc, dtype=np.float32
        )
        self._prior: npt.NDArray[np.float32] = np.asarray(identifier.nb_pc, dtype=np.float32)
        self._classes: list[str] = [str(c) for c in identifier.nb_classes]
        self._alias_pairs: list[tuple[int, int]] = list(identifier._alias_pairs)
        # the last text scored, and its scores: `ranking` after `classify` of the same text
        # (an unsure sentence's second opinion) does not score it again
        self._last: tuple[str, npt.NDArray[np.float32], float] | None = None

    def features(self, data: bytes) -> npt.NDArray[np.intp]:
        """The feature emitted at every byte of data (py3langid's `visit_counts`, uncounted)."""
        n = len(data)
        padded = np.frombuffer(self._pad + data, dtype=np.uint8).astype(np.intp)
        offset = self._two.take((padded[:n] << 8) | padded[1 : n + 1])
        for j in range(2, self._window - 1):
            offset += padded[j : j + n]
            offset = self._rowbase.take(self._moves.take(offset))
        offset += padded[self._window - 1 :]
        found = self._output.take(self._moves.take(offset))
        return found[found >= 0]

    def scores(self, data: bytes) -> npt.NDArray[np.float32]:
        """py3langid's raw naive-Bayes scores (`_raw_score` with norm_probs=True)."""
        found = self.features(data) if data else np.empty(0, dtype=np.intp)
        if not len(found):
            return np.zeros(len(self._classes), dtype=np.float32)
        found.sort()
        first = np.empty(len(found), dtype=bool)
        first[0] = True
        np.not_equal(found[1:], found[:-1], out=first[1:])
        starts = first.nonzero()[0]
        counts = np.empty(len(starts), dtype=np.float32)
        np.subtract(starts[1:], starts[:-1], out=counts[:-1])
        counts[-1] = len(found) - starts[-1]
        rows = self._table.take(found[starts], axis=0)
        raw: npt.NDArray[np.float32] = np.log1p(counts, out=counts) @ rows
        raw += self._prior
        return raw

    def classify(self, text: str) -> tuple[str, float]:
        """(label, probability), as py3langid's `LanguageIdentifier.classify`."""
        probs, total = self._merged(text)
        best = int(probs.argmax())
        return self._classes[best], float(probs[best]) / total

    def ranking(self, text: str) -> list[str]:
        """Every label, most probable first (as py3langid's `rank`, without the scores)."""
        probs = self._merged(text)[0].copy()
        for _, dupe in self._alias_pairs:
            probs[dupe] = 0.0  # its probability is in its label's first column
        order = np.argsort(-probs, kind="stable")
        return list(dict.fromkeys(self._classes[i] for i in order))

    def _merged(self, text: str) -> tuple[npt.NDArray[np.float32], float]:
        """The unnormalised probability of each model column, a label with two columns (script
        variants) holding both in its first, and their total (before that merge, in float64:
        the arithmetic of py3langid's norm_probs, so that `classify`'s scores are its own).
        Callers must not change the array (the last text's is kept)."""
        if self._last is not None and self._last[0] is text:
            return self._last[1], self._last[2]
        original = text
        if text.isupper():  # py3langid's _encode
            text = text.lower()
        data = unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
        probs = self.scores(data)
        probs -= probs.max()
        probs *= 1.0 / math.sqrt(len(data) or 1)
        np.exp(probs, out=probs)
        total = float(probs.sum())
        # the second column then never wins argmax: it is at most the first, and ties go to
        # the lower index
        for first, dupe in self._alias_pairs:
            probs[first] += probs[dupe]
        self._last = (original, probs, total)
        return probs, total

    def agrees_with_py3langid(self, texts: tuple[str, ...] = _SELF_CHECK) -> bool:
        """Same features as py3langid's own automaton walk on texts."""
        from collections import Counter

        from py3langid.langid import visit_counts

        ident = self.identifier
        for text in texts:
            data = ident._encode(text)
            theirs = visit_counts(ident.tk_nextmove, ident._rowbase, ident.tk_output, data)
            if Counter(self.features(data).tolist()) != (theirs or Counter()):
                return False
        return True


def _automaton_depth(moves: npt.NDArray[Any], rows: npt.NDArray[np.intp]) -> int:
    """The most moves from the start state to any state (breadth first; states that share a
    row of moves share their successors, so each level expands its distinct rows only)."""
    seen = np.zeros(len(rows), dtype=bool)
    seen[0] = True
    frontier = np.zeros(1, dtype=np.intp)
    row_seen = np.zeros(len(moves), dtype=bool)
    depth = 0
    while True:
        row_seen[:] = False
        row_seen[rows[frontier]] = True
        successors = moves[row_seen.nonzero()[0]].ravel()
        successors = successors[~seen[successors]]
        if not len(successors):
            return depth
        seen[successors] = True
        new = np.zeros(len(rows), dtype=bool)
        new[successors] = True
        frontier = new.nonzero()[0]
        depth += 1


@cache
def _py3langid_scorer() -> Py3LangidScorer | None:
    """The fast scorer, or None (use py3langid's classify) if it cannot be built for the
    installed model or disagrees with py3langid on the self-check texts."""
    try:
        scorer = Py3LangidScorer(_py3langid())
        if scorer.agrees_with_py3langid():
            return scorer
    except (ValueError, IndexError):  # a model whose arrays are not shaped as expected
        pass
    log.warning("py3langid's model is not the expected automaton; using its own classify")
    return None


@cache
def _lingua() -> Any:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


@cache
def _lingua_kin() -> Any:
    """lingua, high-accuracy mode, for `_KIN_LANGUAGES` only (about 36 MiB of models, loaded
    on first use)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [IsoCode639_1.from_str(code) for code in _KIN_LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


@cache
def _lingua_among(languages: frozenset[str]) -> Any:
    """lingua, low-accuracy mode, for these languages only. A detector shares the models of
    the process (lingua caches them once) and costs about 1 KiB and 70 us to build; there are
    at most C(75, 2) + 75 shortlists."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [IsoCode639_1.from_str(code) for code in sorted(languages)]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


@cache
def _py3langid_lacks() -> frozenset[str]:
    """lingua's languages that py3langid never outputs (mi, tn and ts for py3langid 0.4)."""
    labels = {_PY3LANGID_AS_LINGUA.get(str(label), str(label)) for label in _py3langid().labels}
    return _lingua_codes() - labels


@cache
def _lingua_codes() -> frozenset[str]:
    from lingua import Language

    return frozenset(language.iso_code_639_1.name.lower() for language in Language.all())


def detect_py3langid(text: str) -> tuple[str, float]:
    scorer = _py3langid_scorer()
    if scorer is not None:
        return scorer.classify(text)
    language, score = _py3langid().classify(text)
    return str(language), float(score)


def py3langid_ranking(text: str) -> list[str]:
    """py3langid's labels for text, most probable first."""
    scorer = _py3langid_scorer()
    if scorer is not None:
        return scorer.ranking(text)
    return [str(label) for label, _ in _py3langid().rank(text)]


def detect_lingua_shortlist(text: str) -> tuple[str, float]:
    """lingua's low-accuracy mode among py3langid's `_SHORTLIST` most probable languages that
    lingua knows and the lingua languages py3langid lacks (the score is relative to them)."""
    known = _lingua_codes()
    shortlist = set(_py3langid_lacks())
    wanted = len(shortlist) + _SHORTLIST
    for label in py3langid_ranking(text):
        label = _PY3LANGID_AS_LINGUA.get(label, label)
        if label in known:
            shortlist.add(label)
            if len(shortlist) == wanted:
                break
    return _best(_lingua_among(frozenset(shortlist)), text)


def detect_lingua(text: str) -> tuple[str, float]:
    """lingua's low-accuracy mode over all its 75 languages."""
    return _best(_lingua(), text)


def detect_lingua_kin(text: str) -> tuple[str, float]:
    """lingua's high-accuracy mode over `_KIN_LANGUAGES` (the score is relative to them)."""
    return _best(_lingua_kin(), text)


def _best(detector: Any, text: str) -> tuple[str, float]:
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value <= 0:  # no letters: every value is 0
        return "und", 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), float(best.value)


@register
@dataclass(frozen=True, kw_only=True)
class LanguageId(Filter):
    """Store `metadata.language` (ISO 639-1) and `metadata.language_score`; reject documents
    outside `languages` or under `min_score`.

    Parameters:
        model: "py3langid" (fastest), "lingua" (its low-accuracy mode alone) or
            "py3langid+lingua" (the default): py3langid, and lingua for a second opinion.
            Where py3langid scores under `second_opinion_below` or names a language lingua
            does not know, lingua's low-accuracy mode chooses among py3langid's two most
            probable languages that lingua knows and the three it lacks (mi, tn, ts). Where
            py3langid names st, xh, zu, sn or nso (what it calls most Tswana, Tsonga and
            Maori), lingua's high-accuracy mode chooses among mi, sn, st, tn, ts, xh, zu.
            py3langid's Norwegian, no, is reported as nb. Measured in docs/LANGUAGE_ID.md.
        languages: comma-separated codes to keep, as this step writes them (ISO 639-1,
            `LANGUAGE_CODES`; any other is a ConfigError); empty keeps every language.
        min_score: the lowest score kept (0 keeps all).
        max_chars: only this many characters of the text are read: enough to tell a
            language, and a bound on the time per document.
        second_opinion_below: see `model`.
    """

    name = "language"
    model: str = "py3langid+lingua"
    languages: str = ""
    min_score: float = 0.0
    max_chars: int = 2000
    second_opinion_below: float = 0.5

    def __post_init__(self) -> None:
        require(self.model in MODELS, self.name, "model", f"one of {', '.join(MODELS)}", self.model)
        require_languages(self.name, self.languages)
        require(0 <= self.min_score <= 1, self.name, "min_score", "in [0, 1]", self.min_score)
        require(self.max_chars >= 1, self.name, "max_chars", ">= 1", self.max_chars)
        require(
            0 <= self.second_opinion_below <= 1,
            self.name,
            "second_opinion_below",
            "in [0, 1]",
            self.second_opinion_below,
        )

    def verdict(self, doc: Document) -> Verdict:
        language, score = self.identify(doc.text)
        doc.metadata[LANGUAGE] = language
        doc.metadata[LANGUAGE_SCORE] = round(score, 4)
        keep = self._kept_languages()
        if keep and language not in keep:
            return Drop(self.name, f"{language} is not one of {self.languages}")
        if score < self.min_score:
            return Drop(self.name, f"{language} scored {score:.2f}, under {self.min_score}")
        return KEEP

    def identify(self, text: str) -> tuple[str, float]:
        sample = " ".join(text[: self.max_chars].split())
        if not sample:
            return "und", 0.0
        if self.model == "lingua":
            return detect_lingua(sample)
        language, score = detect_py3langid(sample)
        if self.model == "py3langid":
            return language, score
        # py3langid's Norwegian (no) is lingua's Bokmål (nb), the standard of most written
        # Norwegian (py3langid has Nynorsk, nn, apart), as in the combination measured in
        # docs/LANGUAGE_ID.md: not re-asked of lingua, whose low-accuracy mode calls 18%
        # of the Bokmål test sentences that py3langid calls no nn, da or sv.
        language = _PY3LANGID_AS_LINGUA.get(language, language)
        if score < self.second_opinion_below:
            return detect_lingua_shortlist(sample)
        if language in _KIN_LABELS:
            return detect_lingua_kin(sample)
        if language not in _lingua_codes():
            return detect_lingua_shortlist(sample)
        return language, score

    def _kept_languages(self) -> frozenset[str]:
        return parse_languages(self.languages)
