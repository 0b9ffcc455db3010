"""Page furniture: legal disclaimers (with the paragraph they head), copyright lines,
comment-widget residue, cookie and consent notices (with their buttons), share and subscribe
prompts, navigation menus and crumbs. General patterns over bounded lines, in several
languages; never a rule for one site."""

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
)
_COMMENT_WORD = r"(?:comments?|kommentare?|commentaires?|comentarios?|commenti|комментарии)"
_SHARE_TARGET = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|e-?mail|pinterest|reddit|telegram|print|"
    r"copy link|messenger|flipboard)"
)
# Phrases that are furniture on their own. A line made of one to four of them, joined by
# punctuation or nothing ("CommentsNo comment", "No comments yet. Be the first to comment!"),
# is furniture.
_PHRASE = (
    rf"{_COMMENT_WORD}(?:\s*\(\d+\))?|\d+ {_COMMENT_WORD}|no comments?(?: yet)?|"
    r"keine kommentare|aucun commentaire|sin comentarios|nessun commento|нет комментариев|"
    r"comments? (?:are )?(?:off|closed)|leave a (?:reply|comment)|cancel reply|post a comment|"
    r"add (?:a )?comment|write a comment|be the first to comment|join the discussion|"
    r"you must be logged in to post a comment|log in to (?:comment|reply)|"
    r"(?:show|view|load) (?:all )?comments|reply|"
    rf"share(?: this(?: article| post| story| page)?)?(?: on)?|{_SHARE_TARGET}|"
    r"tweet(?: this)?|pin it|email this|print(?: this)?(?: article| page)?|like us on facebook|"
    r"subscribe(?: now)?|teilen|partager|compartir|condividi|поделиться|"
    r"skip to (?:main )?content|skip to navigation|back to top|go to top|scroll to top|"
    r"jump to (?:navigation|content)|toggle navigation|main menu|menu|search|advertisement|"
    r"advertising|sponsored(?: content)?|related (?:articles|posts|stories|news)|read more|"
    r"previous (?:article|post)|next (?:article|post)|you may also like|most popular|"
    r"trending now|recommended for you|all rights reserved|sign in|log ?in|log ?out|"
    r"register|sign up|my account|terms of (?:use|service)|terms and conditions|"
    r"privacy policy|cookie policy|contact us|about us"
)
_WHOLE_LINE = re.compile(
    rf"^[\W_]{{0,3}}(?:{_PHRASE})(?:[\W_]{{0,3}}(?:{_PHRASE})){{0,3}}[\W_]{{0,3}}$",
)
# Lines that open with furniture and say nothing else worth keeping.
_LINE_START = re.compile(
    r"^[\W_]{0,3}(?:"
    r"(?:copyright\s*)?(?:©|\(c\))|copyright\s*\d{4}|"
    r"(?:disclaimer|haftungsausschluss|aviso legal|avertissement)\s*:|"
    r"the (?:views|opinions)(?: and opinions)? expressed (?:in|here|herein|on|by)|"
    r"this press release (?:was|is) (?:distributed|issued|published|provided) by|"
    r"(?:subscribe|sign up) (?:to|for) (?:our|the) (?:free )?(?:daily |weekly )?newsletter|"
    r"(?:like|enjoy(?:ed)?|love)(?:d)? (?:this|the) (?:story|article|post)\?|"
    r"follow us\b|click here to subscribe|related\s*:|you are here\s*:|breadcrumbs?\s*:|"
    r"(?:main )?menu\s*:|"
    r"your email address will not be published|"
    r"(?:home|start|inicio|accueil|startseite|главная|首页)\s*(?:[>»›|/]|->)"
    r")",
)
# A consent notice; the short buttons beside it ("Accept", "Reject") go with it.
_CONSENT = re.compile(
    r"^[\W_]{0,3}(?:(?:we|this (?:web)?site|our (?:web)?site|ce site|diese (?:web)?seite|"
    r"questo sito|este sitio)(?: and our partners)? (?:uses?|utilise|verwendet|utilizza|utiliza)"
    r" (?:\w+ ){0,2}cookies|by (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site|"
    r"(?:wir verwenden|diese website verwendet) cookies|nous utilisons des cookies|"
    r"(?:utilizamos|usamos) cookies|utilizziamo (?:i )?cookie|мы используем (?:файлы )?cookie)|"
    r"\baccept (?:all )?cookies\b|\bcookie (?:settings|preferences|consent)\b",
)
# Every consent notice above holds one of these: a line without them is not searched.
_CONSENT_HINTS = ("cookie", "site")
_CONSENT_BUTTON = re.compile(
    r"^[\W_]{0,3}(?:accept(?: all)?|reject(?: all)?|decline|deny|allow(?: all)?|ok(?:ay)?|"
    r"got it|i agree|agree|i accept|manage (?:preferences|settings|cookies|options)|"
    r"customi[sz]e|settings|more options|einverstanden|akzeptieren|alle akzeptieren|ablehnen|"
    r"j['’]accepte|accepter|tout accepter|refuser|aceptar|rechazar|accetto|accetta|rifiuta|"
    r"aceitar|recusar|принять|согласен)[\W_]{0,3}$",
)
# Legal furniture anywhere in a line, however long: these phrases do not occur in articles.
_LEGAL = re.compile(
    r"all rights reserved|without (?:any )?warranty of any kind|"
    r"do(?:es)? not necessarily reflect the (?:views|opinions?)|"
    r"(?:receive|earn)s? (?:a )?(?:small )?commission (?:for|on|from) (?:purchases|sales|"
    r"qualifying)|without (?:the )?(?:express )?prior written (?:permission|consent)|"
    r"disclaims? (?:all|any) liability|alle rechte vorbehalten|tous droits réservés|"
    r"todos los derechos reservados|tutti i diritti riservati|все права защищены",
)
_LEGAL_HINTS = (
    "reserved",
    "warranty",
    "reflect",
    "commission",
    "prior written",
    "liability",
    "vorbehalten",
    "réservés",
    "reservados",
    "riservati",
    "защищены",
)
# Furniture anywhere in a short line.
_SHORT_ANYWHERE = re.compile(
    r"delivered (?:straight |directly )?to your inbox|more stories from|"
    r"\bcookie (?:policy|settings|preferences)\b",
)
_SHORT_HINTS = ("inbox", "stories from", "cookie")
_SHORT_CHARS = 200
# A separator starts where a whitespace run starts (the lookbehinds): the leftmost match is the
# same, and a long run of spaces is scanned once instead of once from each of its positions.
_CRUMB_SEPARATOR = re.compile(r"(?<!\s)\s+[>»›]\s+")
_MENU_SEPARATOR = re.compile(r"(?<!\s)\s*\|\s*|(?<!\s)\s+/\s+")
_CRUMB_HINTS = (">", "»", "›")
_MENU_HINTS = ("|", " / ")
_MENU_ITEM_WORDS = 4
_HEADING_WORDS = 4
_PARAGRAPH_WORDS = 15

# Forum, mailing-list and profile metadata (`metadata_lines`): lines that label a post rather
# than say something. Found by shape (a short "Label: value" line, a row of counters and
# buttons, a "Posted by NAME on DATE" line) and a vocabulary of the fields such software prints,
# never by site. The label is matched at the line's start only; the value is checked in Python.
_LABEL_PREFIX = r"^[-*•·>]?\s{0,3}"
# Labels only post and profile furniture carries: one of them makes a run of labelled lines
# metadata. "Subject" and the mail headers are here: a run of them is a message's header block.
_STRONG_LABEL = re.compile(
    _LABEL_PREFIX + r"(?:join(?:ed)?(?: date)?|member since|registered(?: since| on)?|"
    r"(?:total )?posts|reputation|rep(?:utation)? power|karma|thanks(?: received)?|"
    r"thanked \d{1,6} times?|likes(?: received)?|trophy points|user ?title|"
    r"last (?:seen|active|activity|visit|online|login)|subject|sender|references|reply-to|"
    r"in-reply-to|message-id|newsgroups|cc|bcc|mime-version|content-type|user-agent|x-mailer|"
    r"x-url|x-original-to|x-originating-ip|x-priority|x-spam-[a-z]{1,12}|"
    r"mailing-list|list-id)\s{0,3}:",
)
# Labels that also head an article's facts ("Date:", "Location:"): metadata only in a run that
# holds a strong label.
_WEAK_LABEL = re.compile(
    _LABEL_PREFIX + r"(?:from|to|date|sent|location|age|gender|sex|status|rank|posted|"
    r"author|online|views|replies|messages|threads|points|organi[sz]ation|country|"
    r"occupation|interests|website|homepage|blog|signature|mood|device)\s{0,3}:",
)
_LABEL_HINT = ":"
_METADATA_VALUE_WORDS = 12
_METADATA_RUN = 2
# A row of counters and buttons under a post: "1 Agrees | 0 Disagrees | Report Abuse »",
# "Reply | Quote", "12 likes · Reply · Share".
_WIDGET_SEPARATOR = re.compile(r"[|·•]")
_WIDGET_PART = re.compile(
    r"^(?:\d[\d,.]{0,12}\s{1,3}(?:agrees?|disagrees?|likes?|dislikes?|votes?|points?|"
    r"thanks|repl(?:y|ies)|comments?|views?|helpful|unhelpful)|"
    r"report(?: abuse| post| this| comment)?|reply(?: with quote)?|quote|multi-?quote|"
    r"permalink|flag|edit|delete|like|unlike|dislike|agree|disagree|helpful|not helpful|"
    r"share|link|top|back to top)$",
)
_WIDGET_COUNTER = re.compile(r"^\d|^report|^quote|^multi")
# "4 people found the following review helpful", "Was this review helpful?"
_REVIEW_VOTES = re.compile(
    r"^[\W_]{0,3}(?:\d[\d,]{0,9} (?:of \d[\d,]{0,9} )?(?:people|person|users?|customers?|"
    r"readers?) found (?:the following|this) (?:review|comment|answer|post) (?:helpful|useful)|"
    r"(?:was|is|did you find) this (?:review|comment|answer|post) (?:helpful|useful)\?)",
)
# "Posted by NAME From PLACE on Mar 25, 2012", "#1 by admin on November 23, 2012 - 14:22":
# a byline with a date and nothing after it.
_POSTED_BY = re.compile(
    r"^[\W_]{0,3}(?:(?:posted|submitted|written|reviewed|added|asked|answered|commented|"
    r"replied|uploaded|shared)(?: by| on| at)\b|#\d{1,6} by\b)",
)
_DATE_WORD = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?\s{0,3}\d|"
    r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b|\b\d{1,2}:\d{2}\b|\bago\b|\byesterday\b|\btoday\b",
)
_BYLINE_WORDS = 16


@register
@dataclass(frozen=True, kw_only=True)
class Boilerplate(Repair):
    """Remove lines of page furniture, and each legal disclaimer with the paragraph it heads.

    Parameters:
        max_line_chars: longer lines are furniture only by a legal phrase ("all rights
            reserved", "without warranty of any kind") or as a disclaimer's body paragraph, so
            an article paragraph that discusses cookies keeps its place.
        metadata_lines: also remove the metadata of forum posts, mailing-list messages and
            user profiles: runs of "Label: value" lines that hold a post or profile field
            ("Join Date:", "Posts:", "Subject:", "Sender:"), rows of counters and buttons
            ("1 Agrees | 0 Disagrees | Report Abuse", "Reply | Quote"), review votes ("4 people
            found the following review helpful") and dated bylines with nothing after them
            ("Posted by NAME on Mar 25, 2012"). Off by default (the step's earlier behaviour).
    """

    name = "boilerplate"
    max_line_chars: int = 300
    metadata_lines: bool = False

    def __post_init__(self) -> None:
        require(self.max_line_chars >= 1, self.name, "max_line_chars", ">= 1", self.max_line_chars)

    def repair(self, doc: Document) -> Document | Drop:
        lines = [line.strip() for line in doc.text.split("\n")]
        furniture: set[int] = set()
        i = 0
        while i < len(lines):
            line = lines[i]
            short = len(line) <= self.max_line_chars
            if line and short and _DISCLAIMER_HEADING.match(line.lower()):
                end = _paragraph_end(lines, i + 1)
                furniture.update(range(i, end))
                i = end
                continue
            if line and (self._is_furniture(line) or _is_text_menu(lines, i)):
                furniture.add(i)
            i += 1
        _extend_to_consent_buttons(lines, furniture)
        _extend_to_headings(lines, furniture)
        if self.metadata_lines:
            furniture.update(metadata_lines(lines))
        remove_lines(doc, self.name, dict.fromkeys(sorted(furniture), REASON))
        return doc

    def _is_furniture(self, line: str) -> bool:
        if len(line) <= self.max_line_chars:
            return is_furniture(line)
        low = line.lower()
        return _has_any(low, _LEGAL_HINTS) and _LEGAL.search(low) is not None


def is_furniture(line: str) -> bool:
    """Whether a stripped line of at most `max_line_chars` is page furniture on its own."""
    low = line.lower()  # the patterns are lowercase: far faster than re.IGNORECASE
    return bool(
        _WHOLE_LINE.match(low)
        or _LINE_START.match(low)
        or (_has_any(low, _CONSENT_HINTS) and _CONSENT.search(low))
        or (_has_any(low, _LEGAL_HINTS) and _LEGAL.search(low))
        or (
            len(line) <= _SHORT_CHARS
            and _has_any(low, _SHORT_HINTS)
            and _SHORT_ANYWHERE.search(low)
        )
        or (_has_any(line, _CRUMB_HINTS) and _is_menu(line, _CRUMB_SEPARATOR))
    )


def metadata_lines(lines: list[str]) -> set[int]:
    """Indices of the stripped `lines` that are post, message or profile metadata."""
    found: set[int] = set()
    run: list[int] = []
    strong = False
    for i, line in enumerate(lines):
        if not line:
            continue  # a blank line neither breaks a run nor joins one
        low = line.lower()
        label = _metadata_label(low)
        if label:
            run.append(i)
            strong = strong or label == "strong"
            continue
        if strong and len(run) >= _METADATA_RUN:
            found.update(run)
        run, strong = [], False
        if _is_widget(low) or _REVIEW_VOTES.match(low) or _is_dated_byline(low):
            found.add(i)
    if strong and len(run) >= _METADATA_RUN:
        found.update(run)
    return found


def _metadata_label(low: str) -> str:
    """The kind of a short "Label: value" line, "strong" or "weak"; "" for any other line."""
    if _LABEL_HINT not in low or low.endswith((".", "!", "?")):
        return ""
    match = _STRONG_LABEL.match(low)
    kind = "strong" if match else ""
    if match is None:
        match = _WEAK_LABEL.match(low)
        kind = "weak"
    if match is None or len(low[match.end() :].split()) > _METADATA_VALUE_WORDS:
        return ""
    return kind


def _is_widget(low: str) -> bool:
    """A row of two or more counters and buttons, one of them a count or a report link."""
    if not _has_any(low, ("|", "·", "•")):
        return False
    parts = [part.strip(" \t»«›‹>-–—()[]") for part in _WIDGET_SEPARATOR.split(low)]
    parts = [part for part in parts if part]
    return (
        len(parts) >= 2
        and all(_WIDGET_PART.match(part) for part in parts)
        and any(_WIDGET_COUNTER.match(part) for part in parts)
    )


def _is_dated_byline(low: str) -> bool:
    return (
        _POSTED_BY.match(low) is not None
        and not low.endswith((".", "!", "?"))
        and len(low.split()) <= _BYLINE_WORDS
        and _DATE_WORD.search(low) is not None
    )


def _has_any(line: str, needles: tuple[str, ...]) -> bool:
    return any(map(line.__contains__, needles))


def _is_menu(line: str, separator: re.Pattern[str]) -> bool:
    """A crumb or menu: three or more items of a few words between separators."""
    parts = separator.split(line)
    return len(parts) >= 3 and all(0 < len(part.split()) <= _MENU_ITEM_WORDS for part in parts)


def _is_text_menu(lines: list[str], i: int) -> bool:
    """A menu of words between pipes or slashes ("About | Contact | Careers"). A table row has
    the same shape, so numbers in the items, or a neighbour line with as many pipes, rule it
    out."""
    line = lines[i]
    if not _has_any(line, _MENU_HINTS) or any(ch.isdigit() for ch in line):
        return False
    pipes = line.count("|")
    neighbours = (lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines))
    if pipes and any(other.count("|") == pipes for other in neighbours):
        return False
    return _is_menu(line.strip("|").strip(), _MENU_SEPARATOR)


def _extend_to_consent_buttons(lines: list[str], furniture: set[int]) -> None:
    """Buttons ("Accept", "Reject", "Got it!") directly around a consent notice."""
    for i in [i for i in sorted(furniture) if _CONSENT.search(lines[i].lower())]:
        for step in (1, -1):
            j = i + step
            while 0 <= j < len(lines) and _CONSENT_BUTTON.match(lines[j].lower()):
                furniture.add(j)
                j += step


def _extend_to_headings(lines: list[str], furniture: set[int]) -> None:
    """A short heading ("Terms of use", "Important information") right above a removed
    paragraph of furniture is that paragraph's heading."""
    for i in sorted(furniture):
        if len(lines[i].split()) < _PARAGRAPH_WORDS:
            continue
        j = i - 1
        while j >= 0 and not lines[j]:
            j -= 1
        if j >= 0 and j not in furniture and _is_heading(lines[j]):
            furniture.add(j)


def _is_heading(line: str) -> bool:
    return 0 < len(line.split()) <= _HEADING_WORDS and not line.endswith((".", "!", "?"))


def _paragraph_end(lines: list[str], start: int) -> int:
    """End (exclusive) of the paragraph that begins at or after `start`: the next line when
    paragraphs are one a line, up to the next blank line when blank lines separate them."""
    while start < len(lines) and not lines[start]:
        start += 1
    if start >= len(lines):
        return start
    if all(lines):
        return start + 1
    end = start
    while end < len(lines) and lines[end]:
        end += 1
    return end
