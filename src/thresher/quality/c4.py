"""C4's rules (Raffel et al. 2020) as datatrove implements them. The line rules are repairs:
each removed or rewritten line goes in the ledger; the document rules reject."""

from __future__ import annotations

import re
from dataclasses import dataclass

from thresher.document import Document
from thresher.edits import LineChange, rewrite_lines
from thresher.quality.gopher import out_of_scope, signals_of
from thresher.quality.language_codes import require_languages
from thresher.quality.tokens import count_sentences, words
from thresher.steps import Drop, Repair, register

_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_END_PUNCTUATION = (".", "?", "!", '"', "'")
_POLICY = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


class _Rejected(Exception):
    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


@register
@dataclass(frozen=True, kw_only=True)
class C4Quality(Repair):
    """Remove lines C4 would not keep (no terminal punctuation, fewer than three words, a word
    over 1,000 characters, "javascript", cookie and policy notices), strip citation marks, and
    reject documents with "lorem ipsum", a curly bracket, or fewer than five sentences left.

    Parameters:
        remove_citations: strip "[1]", "[edit]", "[citation needed]".
        filter_no_terminal_punct: remove lines that do not end in . ? ! " ' (or end in ...).
        min_num_sentences: fewest sentences in the kept lines (-1: no minimum).
        min_words_per_line: fewest words in a kept line (-1: no minimum).
        max_word_length: remove lines with a longer word (-1: no limit).
        filter_lorem_ipsum, filter_curly_bracket: reject documents with those.
        filter_javascript, filter_policy: remove lines with those.
        languages: the documents judged, as for `gopher-repetition`.
    """

    name = "c4"
    remove_citations: bool = True
    filter_no_terminal_punct: bool = True
    min_num_sentences: int = 5
    min_words_per_line: int = 3
    max_word_length: int = 1000
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True
    languages: str = ""

    def __post_init__(self) -> None:
        require_languages(self.name, self.languages)

    def repair(self, doc: Document) -> Document | Drop:
        if out_of_scope(doc, self.languages):
            return doc
        changes: dict[int, LineChange] = {}
        sentences = 0
        try:
            for i, raw in enumerate(doc.text.split("\n")):
                kept: list[str] = []
                reason = "c4-strip"
                for part in raw.splitlines() or [raw]:
                    line, why = self._judge(part)
                    if why is None:
                        kept.append(line)
                        sentences += self._sentences(line)
                    else:
                        reason = why
                if kept != [raw]:
                    if kept and _CITATION.search(raw):
                        reason = "c4-citation"
                    changes[i] = (reason, "\n".join(kept) if kept else None)
        except _Rejected as rejected:
            return Drop(self.name, rejected.rule)
        signals_of(doc)["c4_sentences"] = sentences
        if sentences < self.min_num_sentences:
            return Drop(self.name, "too_few_sentences")
        rewrite_lines(doc, self.name, changes)
        return doc

    def _judge(self, part: str) -> tuple[str, str | None]:
        """The line as C4 keeps it, or the reason it goes; raises to reject the document."""
        line = part.strip()
        line_words = line.split()
        if self.max_word_length != -1 and any(len(w) > self.max_word_length for w in line_words):
            return line, "c4-long-word"
        if self.remove_citations:
            line = _CITATION.sub("", line)
        if self.filter_no_terminal_punct and (
            not line.endswith(_END_PUNCTUATION) or line.endswith("...")
        ):
            return line, "c4-no-terminal-punct"
        if len(line_words) < self.min_words_per_line:
            return line, "c4-too-few-words"
        lower = line.lower()
        if self.filter_lorem_ipsum and "lorem ipsum" in lower:
            raise _Rejected("lorem_ipsum")
        if self.filter_javascript and "javascript" in lower:
            return line, "c4-javascript"
        if self.filter_curly_bracket and "{" in line:
            raise _Rejected("curly_bracket")
        if self.filter_policy and any(p in lower for p in _POLICY):
            return line, "c4-policy"
        return line, None

    def _sentences(self, line: str) -> int:
        return count_sentences(words(line)) if self.min_num_sentences != -1 else 0
