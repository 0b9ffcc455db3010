"""Page furniture: legal disclaimers (with the paragraph they head), copyright lines,
comment-widget residue, cookie and consent notices, share and subscribe prompts, navigation
crumbs. General patterns over short lines, in several languages; never a rule for one site."""

from __future__ import annotations

import re
from dataclasses import dataclass

from thresher.document import Document
from thresher.edits import remove_lines
from thresher.steps import Drop, Repair, register, require

REASON = "boilerplate"

_DISCLAIMER_HEADING = re.compile(
    r"^[\W_]{0,3}(?:legal |important |editor['’]s |general |editorial )?"
    r"(?:disclaimer|legal notice|haftungsausschluss|rechtlicher hinweis|aviso legal|"
    r"descargo de responsabilidad|avertissement|mentions légales|clause de non-responsabilité|"
    r"isenção de responsabilidade|esclusione di responsabilità|avvertenza|"
    r"отказ от ответственности|免责声明|免責事項)\s*[:：]?[\W_]{0,3}$",
    re.IGNORECASE,
)
_COMMENT_WORD = r"(?:comments?|kommentare?|commentaires?|comentarios?|commenti|комментарии)"
_NO_COMMENT = (
    r"(?:no comments?(?: yet)?|keine kommentare|aucun commentaire|sin comentarios|"
    r"nessun commento|нет комментариев|\d+ comments?|comments? (?:are )?(?:off|closed))"
)
_SHARE_TARGET = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|e-?mail|pinterest|reddit|telegram|print|"
    r"copy link|messenger|flipboard)"
)
# Lines that are furniture as a whole (give or take punctuation).
_WHOLE_LINE = re.compile(
    rf"^[\W_]{{0,3}}(?:"
    rf"{_COMMENT_WORD}[\s:]*(?:\(\d+\)|\d+|{_NO_COMMENT})?|{_NO_COMMENT}|"
    r"leave a (?:reply|comment)(?: cancel reply)?|post a comment|add (?:a )?comment|"
    r"write a comment|be the first to comment|you must be logged in to post a comment|"
    r"log in to (?:comment|reply)|(?:show|view|load) (?:all )?comments|reply|"
    rf"share(?: this(?: article| post| story| page)?)?(?: on)?(?:[\s:|,/-]+{_SHARE_TARGET})*|"
    rf"{_SHARE_TARGET}(?:[\s:|,/-]+{_SHARE_TARGET})*|"
    r"tweet(?: this)?|pin it|email this|print(?: this)?(?: article| page)?|"
    r"like us on facebook|subscribe(?: now)?|teilen|partager|compartir|condividi|поделиться|"
    r"skip to (?:main )?content|skip to navigation|back to top|go to top|scroll to top|"
    r"jump to (?:navigation|content)|toggle navigation|main menu|menu|advertisement|"
    r"advertising|sponsored(?: content)?|related (?:articles|posts|stories|news)|read more|"
    r"previous (?:article|post)|next (?:article|post)|you may also like|most popular|"
    r"trending now|recommended for you|all rights reserved"
    r")[\W_]{0,3}$",
    re.IGNORECASE,
)
# Lines that open with furniture and say nothing else worth keeping.
_LINE_START = re.compile(
    r"^[\W_]{0,3}(?:"
    r"(?:copyright\s*)?(?:©|\(c\))|copyright\s*\d{4}|"
    r"(?:disclaimer|haftungsausschluss|aviso legal|avertissement)\s*:|"
    r"the (?:views|opinions)(?: and opinions)? expressed (?:in|here|herein|on|by)|"
    r"(?:this (?:web)?site|we|our (?:web)?site) (?:uses?|use) cookies|"
    r"by (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site|"
    r"(?:wir verwenden|diese website verwendet) cookies|nous utilisons des cookies|"
    r"(?:utilizamos|usamos) cookies|utilizziamo (?:i )?cookie|мы используем (?:файлы )?cookie|"
    r"(?:subscribe|sign up) (?:to|for) (?:our|the) (?:free )?(?:daily |weekly )?newsletter|"
    r"follow us on\b|click here to subscribe|"
    r"(?:home|start|inicio|accueil|startseite|главная|首页)\s*(?:[>»›|/]|->)"
    r")",
    re.IGNORECASE,
)
# Furniture anywhere in a short line.
_ANYWHERE = re.compile(
    r"all rights reserved|without (?:any )?warranty of any kind|"
    r"do(?:es)? not necessarily reflect the (?:views|opinions?)|"
    r"\baccept (?:all )?cookies\b|\bcookie (?:policy|settings|preferences)\b",
    re.IGNORECASE,
)
# Substrings without which `_ANYWHERE` or a crumb cannot match: cheap tests that spare most lines
# the regex.
_ANYWHERE_HINTS = ("reserved", "warranty", "reflect", "cookie")
_CRUMB_HINTS = (">", "»", "›")
_CRUMB_SEPARATOR = re.compile(r"\s+[>»›]\s+")


@register
@dataclass(frozen=True, kw_only=True)
class Boilerplate(Repair):
    """Remove lines of page furniture, and each legal disclaimer with the paragraph it heads.

    Parameters:
        max_line_chars: longer lines are never furniture (an article paragraph that discusses
            cookies keeps its place); a disclaimer's body paragraph is exempt.
    """

    name = "boilerplate"
    max_line_chars: int = 300

    def __post_init__(self) -> None:
        require(self.max_line_chars >= 1, self.name, "max_line_chars", ">= 1", self.max_line_chars)

    def repair(self, doc: Document) -> Document | Drop:
        lines = doc.text.split("\n")
        furniture: dict[int, str] = {}
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            if line and len(line) <= self.max_line_chars:
                if _DISCLAIMER_HEADING.match(line):
                    for j in range(i, _paragraph_end(lines, i + 1)):
                        furniture[j] = REASON
                    i = max(furniture) + 1
                    continue
                if is_furniture(line):
                    furniture[i] = REASON
            i += 1
        remove_lines(doc, self.name, furniture)
        return doc


def is_furniture(line: str) -> bool:
    """Whether a stripped, short line is page furniture."""
    return bool(
        _WHOLE_LINE.match(line)
        or _LINE_START.match(line)
        or (_has_any(line.lower(), _ANYWHERE_HINTS) and _ANYWHERE.search(line))
        or (_has_any(line, _CRUMB_HINTS) and _is_crumb(line))
    )


def _has_any(line: str, needles: tuple[str, ...]) -> bool:
    return any(needle in line for needle in needles)


def _is_crumb(line: str) -> bool:
    parts = _CRUMB_SEPARATOR.split(line)
    return len(parts) >= 3 and all(0 < len(part.split()) <= 5 for part in parts)


def _paragraph_end(lines: list[str], start: int) -> int:
    """End (exclusive) of the paragraph that begins at or after `start`: the next line when
    paragraphs are one a line, up to the next blank line when blank lines separate them."""
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines):
        return start
    blank_separated = any(not line.strip() for line in lines)
    if not blank_separated:
        return start + 1
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    return end
