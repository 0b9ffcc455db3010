"""Word splitting for every script, for the per-language quality rules (`fineweb2` step).

FineWeb-2 split words with a tokenizer per language (spaCy's rules for most, jieba for Chinese,
SudachiPy for Japanese, PyThaiNLP, Kiwi, khmer-nltk, LaoNLP, botok). thresher has none of
them (nothing to download, no per-language dependency), so it splits by script:

- scripts written with spaces between words (Latin, Cyrillic, Greek, Arabic, Hebrew, the
  Indic scripts, Hangul, Ethiopic, ...): runs of letters, marks and digits, kept together
  across an inner apostrophe, period or comma ("l'eau", "U.S", "3,5"); every other
  non-space character is a token of its own, a run of periods one token (as spaCy does);
- Han and Hiragana: one character a word (the word of a dictionary split is one or two
  characters, and FineWeb-2's Chinese and Japanese stop words are single characters);
  a run of Katakana (with the long-vowel mark) is one word, as a loanword is;
- Thai, Lao, Khmer and Myanmar: one grapheme cluster a word (a consonant with its vowel signs
  and tone marks);
- Tibetan: one syllable a word, its syllable mark (tsheg) separating like a space.

A word so split is not always a word as FineWeb-2's tokenizers count them, and its
thresholds that count words (at least 50 words, newlines and symbols per word, the mean word
length) assume theirs: `WORDS_PER_UNIT` holds how many of their words one split word makes,
measured on lingua's test sentences against jieba, SudachiPy, PyThaiNLP and Kiwi
(`bench/eval_multilingual.py --word-scale`), and `word_count` counts with it. The
measurements are in docs/QUALITY.md, "Every language".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import regex

# Scripts written without spaces between words.
_HAN = r"\p{Han}\p{Hiragana}々〆〇"
_KATAKANA = r"\p{Katakana}ー"
_CLUSTER = r"\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
_UNSPACED = _HAN + _KATAKANA + _CLUSTER
_TSHEG = "\u0f0b\u0f0c"
_WORD_CHAR = rf"[[\w\p{{M}}]--[{_UNSPACED}]]"
_TOKEN = regex.compile(
    rf"[{_KATAKANA}]+"
    rf"|[{_HAN}]"
    rf"|(?=[{_CLUSTER}])\X"
    rf"|{_WORD_CHAR}+(?:['’.,]{_WORD_CHAR}+)*"
    r"|\.{2,}"
    rf"|[^\s{_TSHEG}]",
    flags=regex.V1,
)
_UNSPACED_LETTER = regex.compile(rf"[{_UNSPACED}--[\p{{M}}]]", flags=regex.V1)
_LETTER = regex.compile(r"\p{L}")

Split = Literal["spaces", "characters"]

# FineWeb-2's words per split word, by the script of the split word's first character:
# measured (content words, punctuation left out) on lingua's 1,000 test sentences of a language:
# Chinese 1 / 1.74 (jieba), Japanese 1 / 1.62 (SudachiPy, mode C), Thai 1 / 3.63 (PyThaiNLP
# newmm), Korean 1 / 0.49 (Kiwi, which splits particles and endings off a spaced word).
# Lao, Khmer and Myanmar, not measured, take Thai's.
WORDS_PER_UNIT = {"han": 1 / 1.7, "cluster": 1 / 3.6, "hangul": 2.0}
_HAN_START = regex.compile(rf"[{_HAN}{_KATAKANA}]")
_CLUSTER_START = regex.compile(rf"[{_CLUSTER}]")
_HANGUL = regex.compile(r"\p{Hangul}")
# A character that can start a word of another weight than 1.0.
_WEIGHTED = regex.compile(rf"[{_HAN}{_KATAKANA}{_CLUSTER}\p{{Hangul}}]")


# `_TOKEN` for text with no character of a script written without spaces: there only its
# last three alternatives can match, and a word character is any of [\w\p{M}], so the same
# tokens come from a pattern without the class difference, twice as fast.
_SPACED_TOKEN = regex.compile(
    rf"[\w\p{{M}}]+(?:['’.,][\w\p{{M}}]+)*|\.{{2,}}|[^\s{_TSHEG}]", flags=regex.V1
)


def words(text: str, *, uniform: bool | None = None) -> list[str]:
    """The words of `text`, split as suits each script (see the module's docstring);
    `uniform`: `uniform_weights(text)`, where the caller knows it already."""
    if uniform is None:
        uniform = uniform_weights(text)
    # no script written without spaces where every word weighs 1 (`_WEIGHTED` holds them)
    return (_SPACED_TOKEN if uniform else _TOKEN).findall(text)


@lru_cache(maxsize=65_536)
def weight(word: str) -> float:
    """How many of FineWeb-2's words this split word makes (see `WORDS_PER_UNIT`)."""
    if _HAN_START.match(word):
        return WORDS_PER_UNIT["han"]
    if _CLUSTER_START.match(word):
        return WORDS_PER_UNIT["cluster"]
    if _HANGUL.match(word):
        return WORDS_PER_UNIT["hangul"]
    return 1.0


def word_count(split_words: list[str]) -> float:
    """The split words counted as FineWeb-2's tokenizers would count them (see
    `WORDS_PER_UNIT`): the number of words where every word is spaced."""
    return sum(map(weight, split_words))


def uniform_weights(text: str) -> bool:
    """Whether every word split from `text` weighs 1.0 (no character of a script that
    `WORDS_PER_UNIT` weighs otherwise): `word_count` of its words is then their number."""
    return _WEIGHTED.search(text) is None


def split(text: str) -> Split:
    """How `words` splits most of this text: by "characters" where at least half of its
    letters are in a script written without spaces, else by "spaces"."""
    letters = len(_LETTER.findall(text))
    unspaced = len(_UNSPACED_LETTER.findall(text))
    return "characters" if letters and 2 * unspaced >= letters else "spaces"


def unspaced(word: str) -> bool:
    """Whether a word (a stop word, say) is written in a script without spaces, or in Hangul,
    where particles are written joined to the word before them: such a word is looked for
    in the text, not among the split words."""
    return _UNSPACED_LETTER.search(word) is not None or _HANGUL.search(word) is not None
