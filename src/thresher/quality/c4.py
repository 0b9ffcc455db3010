"""C4's rules (Raffel et al. 2020) as datatrove implements them. The line rules are repairs:
each removed or rewritten line goes in the ledger; the document rules reject. Parameters off by
default narrow a rule to what it targets (thresher's default recipe sets them; docs/QUALITY.md):
a lorem-ipsum line removed rather than the page rejected, only JavaScript warnings and cookie or
policy notices removed, curly brackets rejecting only a page that is mostly code, short lines
removed only in runs, and only sentences that end counted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from thresher.document import Document
from thresher.edits import LineChange, rewrite_lines
from thresher.quality.analysis import adopt_words, analysis_of
from thresher.quality.gopher import out_of_scope, signals_of
from thresher.quality.language_codes import require_languages
from thresher.quality.tokens import count_sentences, words_by_chunk
from thresher.steps import Drop, Repair, register, require

_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_END_PUNCTUATION = (".", "?", "!", '"', "'")
# A line that tells the reader to turn JavaScript on, or that it is off or needed: what C4's
# "javascript" rule is for ("Please enable JavaScript to view the comments", "JavaScript is
# disabled in your browser", "This site requires JavaScript"), not prose about the language.
# Each run of spaces belongs to one quantifier: `\s+(?:is)?\s*` could split a run of n spaces
# n ways, and tried at every "javascript" the line took seconds on 20,000 spaces.
_JAVASCRIPT_WARNING = re.compile(
    r"""
    \b(?:enabl\w*|turn(?:ing)?\s+on|activat\w*|allow\w*|switch(?:ing)?\s+on)\s+
        (?:your\s+|the\s+)?(?:browser'?s?\s+)?javascript
    | javascript(?:\s+(?:is|has\s+been|must\s+be|needs\s+to\s+be|should\s+be|seems\s+to\s+be))?\s+
        (?:currently\s+|not\s+)?(?:disabled|required|enabled|turned\s+off|switched\s+off|off
        |blocked|unavailable|not\s+available)\b
    | \b(?:requires?|needs?)\s+javascript
    | \b(?:does\s*n[o']t|do\s*n[o']t|cannot|can't)\s+(?:support|run|have)\s+javascript
    | \bwithout\s+javascript\s+(?:enabled|support)
    | \bno\s*script\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A line that speaks to the visitor about the site's cookies or policies: what C4's policy rule
# is for ("This site uses cookies", "By using this website you agree to our Terms of Use",
# "Read our privacy policy"), not prose that mentions one ("We read its privacy policy",
# "one of the top databases in terms of use").
_NOTICE = re.compile(
    r"""
    \b(?:this|our)\s+(?:web\s*)?(?:site|page|portal)\b
    | \bwe\s+(?:use|may\s+use|and\s+our\s+partners)\b
    | \byou\s+(?:agree|accept|consent)
    | \bby\s+(?:using|continuing|clicking|visiting|browsing|accessing)\b
    | \b(?:read|see|view|review)\s+our\b | \bour\s+(?:privacy|cookie|terms)
    | \baccept\s+(?:all\s+)?cookies | \bcookie\s+(?:settings|preferences)
    | \bmanage\s+(?:your\s+)?(?:cookie|privacy|preferences|settings)
    | \bopt[\s-]out\b | \blearn\s+more\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_POLICY = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


_CLOSERS = "\"'”’»)]}"


def _terminated(line: str) -> bool:
    """The line ends in C4's terminal punctuation, closing quotes and brackets aside."""
    bare = line.rstrip().rstrip(_CLOSERS)
    return bare.endswith((".", "?", "!")) and not bare.endswith("...")


def _title_line(lines: list[str]) -> int | None:
    """The first line, where the next one ends as a sentence: a headline over its text."""
    found = [i for i, line in enumerate(lines) if line.strip()][:2]
    if len(found) == 2 and _terminated(lines[found[1]]):
        return found[0]
    return None


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
        lorem_ipsum_lines: remove a line with "lorem ipsum" (`c4-lorem-ipsum`) instead of
            rejecting the document (a placeholder left in a sidebar is not the page).
        javascript_warnings_only: remove only lines that warn about JavaScript ("enable
            JavaScript", "JavaScript is disabled", "requires JavaScript"), not every line that
            names it.
        curly_bracket_max_share: reject only when more than this share of the kept lines'
            characters are in lines with a curly bracket, a page that is mostly code or
            template residue (0: any curly bracket rejects, as C4 does).
        short_line_run: remove a line with fewer than `min_words_per_line` words only where at
            least this many such lines follow one another (blank lines between them do not
            count), as in a menu or a list of links; a heading or a one-word line between
            paragraphs stays, and is not counted as a sentence (1: every short line goes).
        sentences_need_terminal_punct: count sentences only in lines that end in terminal
            punctuation (closing quotes and brackets after it allowed), the only lines C4 kept
            when it counted, and in a headline (the first line, where the next one ends so).
            With `filter_no_terminal_punct: false`, datatrove counts every headline, caption
            and menu line as a sentence.
        policy_notices_only: remove only cookie and policy lines that speak to the visitor
            ("this site uses cookies", "by using this website you agree to our Terms of Use",
            "read our privacy policy"), not prose that mentions a privacy policy, or "terms of
            use" inside "in terms of use".
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
    lorem_ipsum_lines: bool = False
    javascript_warnings_only: bool = False
    curly_bracket_max_share: float = 0.0
    short_line_run: int = 1
    sentences_need_terminal_punct: bool = False
    policy_notices_only: bool = False

    def __post_init__(self) -> None:
        require_languages(self.name, self.languages)
        require(
            0 <= self.curly_bracket_max_share < 1,
            self.name,
            "curly_bracket_max_share",
            "in [0, 1)",
            self.curly_bracket_max_share,
        )
        require(self.short_line_run >= 1, self.name, "short_line_run", ">= 1", self.short_line_run)

    def repair(self, doc: Document) -> Document | Drop:
        if out_of_scope(doc, self.languages):
            return doc
        lines = doc.text.split("\n")
        exempt = self._short_lines_kept(lines)
        title = _title_line(lines) if self.sentences_need_terminal_punct else None
        changes: dict[int, LineChange] = {}
        sentences = brace_chars = kept_chars = 0
        # each line's words, from the document's (split once for every rule), for its sentences;
        # those of the lines kept are the words of the text this step leaves
        line_words = analysis_of(doc).line_words() if self.min_num_sentences != -1 else None
        kept_words: list[str] = []
        kept_sizes: list[int] = []
        try:
            for i, raw in enumerate(lines):
                kept: list[str] = []
                reason = "c4-strip"
                for part in raw.splitlines() or [raw]:
                    part_words, part_sizes = line_words.next(part) if line_words else ([], [])
                    line, why = self._judge(part, i in exempt)
                    if why is None:
                        kept.append(line)
                        if line != part.strip():  # a citation cut changes the line's words
                            part_words, part_sizes = words_by_chunk(line)
                        kept_words += part_words
                        kept_sizes += part_sizes
                        if i not in exempt:
                            sentences += self._sentences(line, part_words, title=i == title)
                        kept_chars += len(line)
                        brace_chars += len(line) if "{" in line else 0
                    else:
                        reason = why
                if kept != [raw]:
                    if kept and _CITATION.search(raw):
                        reason = "c4-citation"
                    changes[i] = (reason, "\n".join(kept) if kept else None)
        except _Rejected as rejected:
            return Drop(self.name, rejected.rule)
        signals_of(doc)["c4_sentences"] = sentences
        if self.curly_bracket_max_share:
            share = brace_chars / kept_chars if kept_chars else 0.0
            signals_of(doc)["c4_curly_bracket_share"] = share
            if self.filter_curly_bracket and share > self.curly_bracket_max_share:
                return Drop(self.name, "curly_bracket")
        if sentences < self.min_num_sentences:
            return Drop(self.name, "too_few_sentences")
        rewrite_lines(doc, self.name, changes)
        if changes and line_words is not None:
            adopt_words(doc, kept_words, kept_sizes)
        return doc

    def _short_lines_kept(self, lines: list[str]) -> frozenset[int]:
        """The short lines (fewer than `min_words_per_line` words, not blank) that stay: those
        in a run of fewer than `short_line_run` short lines (blank lines skipped)."""
        if self.short_line_run <= 1 or self.min_words_per_line == -1:
            return frozenset()
        kept: set[int] = set()
        run: list[int] = []
        for i, line in enumerate(lines):
            n_words = len(line.split())
            if not n_words:
                continue
            if n_words < self.min_words_per_line:
                run.append(i)
                continue
            if len(run) < self.short_line_run:
                kept.update(run)
            run = []
        if len(run) < self.short_line_run:
            kept.update(run)
        return frozenset(kept)

    def _judge(self, part: str, short_ok: bool = False) -> tuple[str, str | None]:
        """The line as C4 keeps it, or the reason it goes; raises to reject the document."""
        line = part.strip()
        line_words = line.split()
        if (
            self.max_word_length != -1
            and len(line) > self.max_word_length  # else no word of it can be longer
            and line_words  # a blank line has no word to be too long
            and max(map(len, line_words)) > self.max_word_length
        ):
            return line, "c4-long-word"
        if self.remove_citations:
            line = _CITATION.sub("", line)
        if self.filter_no_terminal_punct and (
            not line.endswith(_END_PUNCTUATION) or line.endswith("...")
        ):
            return line, "c4-no-terminal-punct"
        if len(line_words) < self.min_words_per_line and not (short_ok and line_words):
            return line, "c4-too-few-words"
        lower = line.lower()
        if self.filter_lorem_ipsum and "lorem ipsum" in lower:
            if self.lorem_ipsum_lines:
                return line, "c4-lorem-ipsum"
            raise _Rejected("lorem_ipsum")
        if (
            self.filter_javascript
            and "javascript" in lower
            and (not self.javascript_warnings_only or _JAVASCRIPT_WARNING.search(line))
        ):
            return line, "c4-javascript"
        if self.filter_curly_bracket and not self.curly_bracket_max_share and "{" in line:
            raise _Rejected("curly_bracket")
        if (
            self.filter_policy
            and any(map(lower.__contains__, _POLICY))
            and (not self.policy_notices_only or _NOTICE.search(line))
        ):
            return line, "c4-policy"
        return line, None

    def _sentences(self, line: str, line_words: list[str], title: bool = False) -> int:
        """The sentences of a kept line, `line_words` its words."""
        if self.min_num_sentences == -1:
            return 0
        if self.sentences_need_terminal_punct and not title and not _terminated(line):
            return 0  # a headline, a caption, a menu line: C4 removed it before counting
        return count_sentences(line_words)
