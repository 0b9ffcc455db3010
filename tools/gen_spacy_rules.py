"""Regenerate src/thresher/quality/spacy_en_rules.json from an installed spaCy.

thresher's word tokenizer follows spaCy's English tokenizer (the one datatrove's filters use),
without depending on spaCy at run time: this script exports spaCy's rule data (prefix, suffix
and infix patterns, the URL pattern, the special cases, the sentencizer's punctuation) once.
spaCy is MIT-licensed; the exported data keeps its version and licence note.

    python -m venv /tmp/spacy-venv && /tmp/spacy-venv/bin/pip install spacy
    /tmp/spacy-venv/bin/python tools/gen_spacy_rules.py
"""

from __future__ import annotations

import json
from pathlib import Path

import spacy
from spacy.attrs import ORTH
from spacy.pipeline import Sentencizer

OUT = Path(__file__).resolve().parent.parent / "src/thresher/quality/spacy_en_rules.json"


def main() -> None:
    tokenizer = spacy.blank("en").tokenizer
    rules = {
        "source": f"spaCy {spacy.__version__} English tokenizer rules (MIT licence, Explosion AI)",
        "prefix": tokenizer.prefix_search.__self__.pattern,
        "suffix": tokenizer.suffix_search.__self__.pattern,
        "infix": tokenizer.infix_finditer.__self__.pattern,
        "url": tokenizer.url_match.__self__.pattern,
        "special_cases": {
            key: [piece[ORTH] for piece in pieces]
            for key, pieces in sorted(tokenizer.rules.items())
            if not key.isspace()
        },
        "sentence_punct": sorted(Sentencizer.default_punct_chars),
    }
    OUT.write_text(json.dumps(rules, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
