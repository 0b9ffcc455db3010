"""Regenerate src/thresher/quality/fineweb2_thresholds.json from FineWeb-2's per-language
filter configs (huggingface/fineweb-2 @d0defb2, Apache-2.0).

FineWeb-2 calibrated its filters per language and script (`configs/<iso639-3>_<Script>.yml`:
duplicate line and n-gram fractions, line punctuation, newline ratio, word length bounds, the
share of words with a letter, stop words). thresher's `fineweb2` step applies them to every
document by the language the `language` step found; this script keeps what that step needs:
the configs of the language-script pairs that thresher's language ID can name (its
`LANGUAGE_CODES`, through the ISO 639-1 -> 639-3 table below), with the fields the FineWeb-2
pipeline passes to its filters (`language_score` is GlotLID's and is left out), and the
language's configs in order of FineWeb-2's word count (train split), the first being the
language's main script.

    .venv/bin/python tools/gen_fineweb2_thresholds.py [../shared/data/quality/fineweb2-configs]

The output is deterministic (sorted keys, the configs' values unchanged); tests/
test_multilingual.py checks that the shipped file equals this script's output where the
configs are present.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared/data/quality/fineweb2-configs"
OUT = ROOT / "src/thresher/quality/fineweb2_thresholds.json"
NOTICE = ROOT / "src/thresher/quality/FINEWEB2_NOTICE"

SOURCE = "huggingface/fineweb-2 @d0defb2 (https://github.com/huggingface/fineweb-2), configs/*.yml"
ATTRIBUTION = {
    "source": SOURCE,
    "license": "Apache-2.0 (https://www.apache.org/licenses/LICENSE-2.0)",
    "copyright": "FineWeb-2 configs: Copyright Hugging Face, licensed under the Apache License 2.0",
    "changes": (
        "Derived by tools/gen_fineweb2_thresholds.py: only the language-script pairs thresher's "
        "language ID can name; only the fields FineWeb-2's filtering pipeline reads "
        "(language_score dropped); n-gram thresholds as {n: value}; values unchanged."
    ),
}

# thresher's language codes (ISO 639-1, or 639-3 where no 639-1 code exists) -> the ISO 639-3
# code FineWeb-2 names the language by. FineWeb-2 uses individual languages, not
# macrolanguages: Standard Arabic (arb), not Arabic (ara); Mandarin (cmn), not Chinese (zho).
# Each was checked against the configs' names and fineweb2-language-distribution.csv.
ISO639_3 = {
    "ace": "ace", "af": "afr", "am": "amh", "an": "arg", "ar": "arb", "ary": "ary",
    "arz": "arz", "as": "asm", "az": "azj", "ba": "bak", "bcl": "bcl", "be": "bel",
    "bg": "bul", "bn": "ben", "br": "bre", "bs": "bos", "ca": "cat", "crh": "crh",
    "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "dz": "dzo", "el": "ell",
    "eo": "epo", "es": "spa", "et": "ekk", "eu": "eus", "ext": "ext", "fa": "fas",
    "fi": "fin", "fo": "fao", "fr": "fra", "fuv": "fuv", "fy": "fry", "ga": "gle",
    "gcf": "gcf", "gcr": "gcr", "gd": "gla", "gl": "glg", "gom": "gom", "grc": "grc",
    "gu": "guj", "gug": "gug", "guw": "guw", "ha": "hau", "hbo": "hbo", "he": "heb",
    "hi": "hin", "hr": "hrv", "ht": "hat", "hu": "hun", "hy": "hye", "id": "ind",
    "ig": "ibo", "is": "isl", "it": "ita", "ja": "jpn", "jv": "jav", "ka": "kat",
    "kab": "kab", "kik": "kik", "kk": "kaz", "km": "khm", "kn": "kan", "ko": "kor",
    "ku": "kmr", "ky": "kir", "la": "lat", "lb": "ltz", "lg": "lug", "lij": "lij",
    "ln": "lin", "lo": "lao", "lt": "lit", "ltg": "ltg", "lv": "lvs", "mg": "plt",
    "mi": "mri", "mk": "mkd", "ml": "mal", "mn": "khk", "mr": "mar", "ms": "zsm",
    "mt": "mlt", "my": "mya", "nb": "nob", "ne": "npi", "nl": "nld", "nn": "nno",
    "no": "nob", "nso": "nso", "oc": "oci", "om": "gaz", "or": "ory", "pa": "pan",
    "pcm": "pcm", "pl": "pol", "ps": "pbt", "pt": "por", "qu": "quy", "ro": "ron",
    "ru": "rus", "rw": "kin", "sa": "san", "sdh": "sdh", "se": "sme", "si": "sin",
    "sk": "slk", "sl": "slv", "sn": "sna", "so": "som", "sq": "als", "sr": "srp",
    "st": "sot", "sv": "swe", "sw": "swh", "ta": "tam", "te": "tel", "tg": "tgk",
    "th": "tha", "tk": "tuk", "tl": "fil", "tn": "tsn", "tr": "tur", "ts": "tso",
    "tt": "tat", "ug": "uig", "uk": "ukr", "ur": "urd", "uz": "uzn", "uzs": "uzs",
    "vec": "vec", "vi": "vie", "vo": "vol", "wa": "wln", "wuu": "wuu", "xh": "xho",
    "yo": "yor", "yue": "yue", "zh": "cmn", "zu": "zul",
}  # fmt: skip
# Codes with no FineWeb-2 config of their own: English (FineWeb's English values apply, in
# the `gopher-*`, `c4` and `fineweb` steps), no language found, not a language. Kurdish
# written in Arabic script is Central Kurdish (ckb) in FineWeb-2.
NO_CONFIG = frozenset({"en", "und", "zxx"})
EXTRA_SCRIPTS = {"ku": ["ckb_Arab"], "az": ["azb_Arab"]}

# FineWeb-2's values for what it does not calibrate: datatrove's defaults for the repetition
# rules (FineWeb-2 turns the paragraph and character fractions off), its own
# char_duplicates_ratio (0.1, FineWeb's 0.01 raised) and short-line rule (off), datatrove's
# newline ratio and alpha-word share; no line punctuation, word length or stop words, which
# depend on the language.
NEUTRAL: dict[str, Any] = {
    "dup_line_frac": 0.3,
    "top_n_grams": {"2": 0.2, "3": 0.18, "4": 0.16},
    "dup_n_grams": {"5": 0.15, "6": 0.14, "7": 0.13, "8": 0.12, "9": 0.11, "10": 0.1},
    "line_punct_thr": -1,
    "new_line_ratio": 0.3,
    "min_avg_word_length": 0,
    "max_avg_word_length": 0,
    "max_non_alpha_words_ratio": 0.8,
    "stopwords": [],
}
FIELDS = (
    "dup_line_frac",
    "top_n_grams",
    "dup_n_grams",
    "line_punct_thr",
    "new_line_ratio",
    "min_avg_word_length",
    "max_avg_word_length",
    "max_non_alpha_words_ratio",
    "stopwords",
)


def _words_by_subset(source: Path) -> dict[str, int]:
    words: dict[str, int] = {}
    with (source / "fineweb2-language-distribution.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["split"] == "train" and not row["subset"].endswith("_removed"):
                words[row["subset"]] = int(row["words"]) if row["words"].isdigit() else 0
    return words


def _config(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    for key in FIELDS:
        value = raw[key]
        if key in ("top_n_grams", "dup_n_grams"):
            value = {str(n): threshold for n, threshold in value}
        out[key] = value
    return out


def build(source: Path) -> dict[str, Any]:
    from thresher.quality.language_codes import LANGUAGE_CODES

    missing = sorted(LANGUAGE_CODES - NO_CONFIG - set(ISO639_3))
    if missing:
        raise SystemExit(f"no ISO 639-3 code for {missing}: add them to ISO639_3")
    words = _words_by_subset(source)
    configs_dir = source / "configs"
    available = {p.stem for p in configs_dir.glob("*.yml")}
    languages: dict[str, list[str]] = {}
    for code in sorted(LANGUAGE_CODES - NO_CONFIG):
        iso3 = ISO639_3[code]
        own = [name for name in available if name.split("_")[0] == iso3]
        if not own:
            raise SystemExit(f"{code} -> {iso3}: no FineWeb-2 config")
        ranked = sorted(own, key=lambda name: (-words.get(name, 0), name))
        languages[code] = ranked + [s for s in EXTRA_SCRIPTS.get(code, []) if s in available]
    used = sorted({name for names in languages.values() for name in names})
    return {
        "attribution": ATTRIBUTION,
        "neutral": NEUTRAL,
        "languages": languages,
        "configs": {name: _config(configs_dir / f"{name}.yml") for name in used},
    }


def render(table: dict[str, Any]) -> str:
    return json.dumps(table, ensure_ascii=False, sort_keys=False, separators=(",", ":")) + "\n"


def notice() -> str:
    """The NOTICE shipped beside the derived file (Apache-2.0, section 4)."""
    return (
        "thresher/quality/fineweb2_thresholds.json is derived from FineWeb-2's per-language\n"
        "filter configs:\n\n"
        f"  {SOURCE}\n"
        "  Copyright Hugging Face. Licensed under the Apache License, Version 2.0;\n"
        "  you may obtain a copy of the License at http://www.apache.org/licenses/LICENSE-2.0\n\n"
        f"Changes: {ATTRIBUTION['changes']}\n\n"
        "Unless required by applicable law or agreed to in writing, the configs are distributed\n"
        'on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or\n'
        "implied. See the License for the specific language governing permissions and\n"
        "limitations under the License.\n"
    )


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    text = render(build(source))
    OUT.write_text(text, encoding="utf-8")
    NOTICE.write_text(notice(), encoding="utf-8")
    print(f"wrote {OUT} ({len(text.encode())} bytes) and {NOTICE}")


if __name__ == "__main__":
    main()
