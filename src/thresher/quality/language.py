"""Language identification with models that ship inside installed packages: nothing is
downloaded at run time. The measurements behind the default are in docs/LANGUAGE_ID.md."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from thresher.document import Document
from thresher.steps import KEEP, Drop, Filter, Verdict, register, require

LANGUAGE = "language"
LANGUAGE_SCORE = "language_score"
MODELS = ("py3langid", "lingua", "py3langid+lingua")


class Detector(Protocol):
    def __call__(self, text: str) -> tuple[str, float]: ...


@cache
def _py3langid() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@cache
def _lingua() -> Any:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


@cache
def _lingua_codes() -> frozenset[str]:
    from lingua import Language

    return frozenset(language.iso_code_639_1.name.lower() for language in Language.all())


def detect_py3langid(text: str) -> tuple[str, float]:
    language, score = _py3langid().classify(text)
    return str(language), float(score)


def detect_lingua(text: str) -> tuple[str, float]:
    values = _lingua().compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
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
            "py3langid+lingua" (the default: lingua only where py3langid scores under
            `second_opinion_below` or names a language lingua does not know); measured in
            docs/LANGUAGE_ID.md.
        languages: comma-separated ISO 639-1 codes to keep; empty keeps every language.
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
        unsure = score < self.second_opinion_below or language not in _lingua_codes()
        if self.model == "py3langid+lingua" and unsure:
            return detect_lingua(sample)
        return language, score

    def _kept_languages(self) -> frozenset[str]:
        return frozenset(code.strip() for code in self.languages.split(",") if code.strip())
