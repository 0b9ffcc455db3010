"""The language codes a recipe may name: exactly those the `language` step can output, so that a
code a step compares against `metadata.language` can ever match. A mistyped code (`EN`, `eng`)
would otherwise turn a rule off or reject every document without a word."""

from __future__ import annotations

from thresher.steps import require

# py3langid's labels (ISO 639-1, or ISO 639-3 for a language without a two-letter code),
# lingua's ISO 639-1 codes, nb (py3langid's no as the default model reports it) and und (no
# language found). Written out so that checking a recipe loads no model; tests/
# test_safety_text.py checks it against the installed models.
_CODES = """
    ace af am an ar ary arz as az ba bcl be bg bn br bs ca crh cs cy da de dz el en eo es et eu
    ext fa fi fo fr fuv fy ga gcf gcr gd gl gom grc gu gug guw ha hbo he hi hr ht hu hy id ig is
    it ja jv ka kab kik kk km kn ko ku ky la lb lg lij ln lo lt ltg lv mg mi mk ml mn mr ms mt my
    nb ne nl nn no nso oc om or pa pcm pl ps pt qu ro ru rw sa sdh se si sk sl sn so sq sr st sv
    sw ta te tg th tk tl tn tr ts tt ug uk und ur uz uzs vec vi vo wa wuu xh yo yue zh zu zxx
    """
LANGUAGE_CODES = frozenset(_CODES.split())


def parse_languages(languages: str) -> frozenset[str]:
    """The codes of a comma-separated `languages` parameter (spaces around a code allowed)."""
    return frozenset(code.strip() for code in languages.split(",") if code.strip())


def require_languages(step: str, languages: object) -> None:
    """A step's `languages` parameter must be a string of known codes, separated by commas;
    the error names each unknown code, what was probably meant, and every accepted code."""
    require(isinstance(languages, str), step, "languages", "a comma-separated string", languages)
    unknown = sorted(parse_languages(str(languages)) - LANGUAGE_CODES)
    accepted = " ".join(sorted(LANGUAGE_CODES))
    require(
        not unknown,
        step,
        "languages",
        f"codes the language step outputs, separated by commas; unknown: "
        f"{', '.join(_with_hint(code) for code in unknown)}; accepted: {accepted}",
        languages,
    )


def _with_hint(code: str) -> str:
    meant = _meant(code)
    return repr(code) if meant is None else f"{code!r} (use {meant!r})"


def _meant(code: str) -> str | None:
    """The accepted code a user probably meant: the lower-case form, or the ISO 639-1 code of
    an ISO 639-3 one (eng -> en)."""
    lower = code.lower()
    if lower in LANGUAGE_CODES:
        return lower
    from lingua import Language  # on the error path only

    for language in Language.all():
        if language.iso_code_639_3.name.lower() == lower:
            return str(language.iso_code_639_1.name.lower())
    return None
