"""PII redaction: e-mail addresses, public IP addresses and phone numbers replaced by
placeholders, one ledger edit per replacement over the exact characters it replaced.

Precision comes before recall: each kind has a narrow candidate pattern, and Python checks the
context of each candidate (the characters either side, the words before it). Private and
reserved addresses, version and section numbers, dates, year ranges, prices, coordinates, ISBNs
and plain runs of digits stay as written.

Speed: every search starts from an anchor character, never from a character class (`re` tries
a pattern that opens with a class at every position, ten times slower than its literal scan).
Rare anchors ("@", "+", "(", the colon after a phone label, "☎") are found with `str.find`,
which scans at memory speed, and a pattern is matched at each; patterns for common ones (".",
"-", the colon inside an IPv6 address) open with that literal and run over the whole text. Text
without a digit skips the IP and phone searches. No pattern nests quantifiers over overlapping
classes, every repetition is bounded, and the Python loops step over each anchor once, looking
back a bounded distance: the cost is linear in the text's length.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from thresher.document import Document, Edit
from thresher.steps import Drop, Repair, register, require

EMAIL_REASON = "pii-email"
IP_REASON = "pii-ip"
PHONE_REASON = "pii-phone"

# A match: start, end, priority (at one start, e-mail beats IP beats phone), reason.
_Span = tuple[int, int, int, str]
_EMAIL_RANK, _IP_RANK, _PHONE_RANK = 0, 1, 2


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DIGITS = "0123456789"
_CONTEXT_CHARS = 40  # how far back the words before a candidate are read
_TOKEN_CHARS = 256  # how far back the token (URL) holding an e-mail address is read
_WORD = re.compile(r"[^\W\d_]+")

# --- e-mail ---------------------------------------------------------------------------------

_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_LOCAL_MAX = 64
# Matched where the local part starts, found by looking back from an "@": at most 64
# characters of dot-separated atoms (no leading, trailing or doubled dot), then a host of up to
# eight labels and an alphabetic top-level domain. Dots delimit the repeated parts, so no split
# is ambiguous.
_EMAIL = re.compile(
    r"(?=[A-Za-z0-9._%+-]{1,64}@)[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]{1,64}){0,15}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9_@-]|\.[A-Za-z0-9]|:[^\s])"
)
# File names shaped like addresses ("logo@2x.png").
_FILE_SUFFIXES = _word_set(
    "png jpg jpeg gif svg webp bmp ico tif tiff avif css js mjs json xml html htm php asp aspx"
    " pdf txt md csv zip gz"
)

# --- IP addresses ---------------------------------------------------------------------------

# From the first dot: the rest of an IPv4 address ("8.8.8.8" from ".8.8.8") or of a dotted
# North American number ("555.123.4567" from ".123.4567"); the digits before are checked in
# Python.
_DOTTED_TAIL = re.compile(r"\.(?:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|[0-9]{3}\.[0-9]{4})")
# Global unicast IPv6 is 2000::/3: its first group is four hex digits led by 2 or 3. The search
# starts at the colon after that group.
_IPV6_TAIL = re.compile(r":[0-9A-Fa-f:]{2,35}")
_IPV6_HEAD = re.compile(r"[23][0-9A-Fa-f]{3}")
# Words that make a dotted quad a version, section or other number rather than an address.
_NOT_IP_WORDS = _word_set(
    "version versions ver v release released build firmware update updated upgrade upgraded"
    " patch patched rev revision section sections sec chapter clause article paragraph para"
    " figure fig table step rule item part appendix edition isbn kb sp"
)

# --- phone numbers --------------------------------------------------------------------------

# International: "+", the country code (an area code may run on: "+4930"), then groups each
# after one separator (an optional "(0)" or "(555)" group may follow the code), or E.164
# written solid. Groups are maximal digit runs between separators: no split is ambiguous.
_PHONE_INTL = re.compile(
    r"\+(?:[1-9][0-9]{0,5}(?:[ .-]?\([0-9]{1,4}\)[ .-]?[0-9]{1,8}|[ .-][0-9]{1,8})"
    r"(?:[ .-][0-9]{1,8}){0,5}|[1-9][0-9]{7,14})(?![\w]|[.,/-][0-9])"
)
# North American: "(555) 123-4567"; "555-123-4567" from its first hyphen ("555.123.4567" is
# `_DOTTED_TAIL`'s).
_PHONE_PAREN = re.compile(r"\([2-9][0-9]{2}\)[ .-]?[0-9]{3}[ .-][0-9]{4}(?![\w]|[.,/-][0-9])")
_PHONE_DASHED_TAIL = re.compile(r"-[0-9]{3}-[0-9]{4}(?![\w]|[.,/-][0-9])")
_AREA_DIGITS = 3
# Any other layout counts only after a phone label and a colon ("Tel: 030 1234567",
# "Phone no.: 020 7946 0958", "Tel./Fax: 0171/1234567") or a phone symbol ("☎ 030 1234567").
_PHONE_LABELS = _word_set(
    "tel telephone phone ph fax mobile mob cell cellphone hotline whatsapp telefon telefono"
    " teléfono téléphone tél"
)
_NUMBER_WORDS = _word_set("no nr number num")
_LABEL_ENDINGS = frozenset(word[-1] for word in _PHONE_LABELS | _NUMBER_WORDS)
_PHONE_SYMBOLS = ("☎", "📞")
_PHONE_LOOSE = re.compile(r"[(0-9][0-9 ()./-]{6,24}")
_NUMBER_STARTS = frozenset("(0123456789")
_PHONE_PUNCT = " ()./-"
_NOT_PHONE_WORDS = _word_set(
    "isbn issn doi arxiv pmid version ver v patent order invoice serial sku ref model part id"
    " ticket case account acct iban routing"
)
# What a phone-like run of digits may really be: a date, a year range, a number with thousands
# separators, a decimal.
_NOT_PHONE_SHAPE = re.compile(
    r"[0-9]{4}[./-][0-9]{1,2}[./-][0-9]{1,2}|[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}"
    r"|(?:1[5-9]|20)[0-9]{2} ?[/-] ?(?:(?:1[5-9]|20)[0-9]{2}|[0-9]{2})"
    r"|[0-9]{1,3}(?:\.[0-9]{3}){1,4}|[0-9]{1,6}\.[0-9]{1,8}"
)
_GROUP_SEPARATOR = re.compile(r"[ .-]")


@register
@dataclass(frozen=True, kw_only=True)
class PiiRedaction(Repair):
    """Replace e-mail addresses, public IP addresses and phone numbers by placeholders; each
    replacement is one ledger edit over the exact characters it replaced, with the reason
    `pii-email`, `pii-ip` or `pii-phone`.

    Left alone: addresses inside URLs ("https://user:pass@host"), "user@localhost", @handles,
    file names like "logo@2x.png"; private, loopback, link-local, shared, documentation,
    multicast and reserved IP ranges, CIDR blocks, version and section numbers ("version
    1.2.3.4", "v1.2.3.4", "Chrome/120.0.0.0"); dates, year ranges, ISBNs, prices, coordinates
    and digit runs without a phone's layout. Phone numbers are international ("+44 20 7946
    0958") or North American ("(555) 123-4567", "555-123-4567"); another national layout counts
    only after a phone label and a colon ("Tel: 030 1234567").

    Parameters:
        emails: redact e-mail addresses.
        ips: redact public IPv4 and IPv6 addresses.
        phones: redact phone numbers.
        email_placeholder: text put in place of an e-mail address.
        ip_placeholder: text put in place of an IP address.
        phone_placeholder: text put in place of a phone number.
    """

    name = "pii"
    emails: bool = True
    ips: bool = True
    phones: bool = True
    email_placeholder: str = "<EMAIL>"
    ip_placeholder: str = "<IP>"
    phone_placeholder: str = "<PHONE>"

    def __post_init__(self) -> None:
        for param in ("email_placeholder", "ip_placeholder", "phone_placeholder"):
            value = getattr(self, param)
            require(
                isinstance(value, str) and "\n" not in value and not find_pii(value),
                self.name,
                param,
                "a one-line text that is not itself PII",
                value,
            )

    def repair(self, doc: Document) -> Document | Drop:
        text = doc.text
        spans = find_pii(text, emails=self.emails, ips=self.ips, phones=self.phones)
        if not spans:
            return doc
        placeholders = {
            EMAIL_REASON: self.email_placeholder,
            IP_REASON: self.ip_placeholder,
            PHONE_REASON: self.phone_placeholder,
        }
        pieces: list[str] = []
        pos = line = 0
        for start, end, reason in spans:
            line += text.count("\n", pos, start)
            placeholder = placeholders[reason]
            doc.ledger.append(
                Edit(self.name, reason, line, line, start, end, text[start:end], placeholder)
            )
            pieces.append(text[pos:start])
            pieces.append(placeholder)
            pos = end
        pieces.append(text[pos:])
        doc.text = "".join(pieces)
        return doc


def find_pii(
    text: str, *, emails: bool = True, ips: bool = True, phones: bool = True
) -> list[tuple[int, int, str]]:
    """The PII in `text`: sorted, non-overlapping `(start, end, reason)` spans, none of which
    crosses a line break. Where two candidates overlap, the one that starts first wins."""
    found: list[_Span] = []
    if emails and "@" in text:
        found.extend(_emails(text))
    if (ips or phones) and _has_digit(text):
        if "." in text:
            found.extend(_dotted(text, ips=ips, phones=phones))
        if ips and ":" in text:
            found.extend(_ipv6s(text))
        if phones:
            found.extend(_phones(text))
    if not found:
        return []
    found.sort(key=lambda span: (span[0], span[2], -span[1]))
    spans: list[tuple[int, int, str]] = []
    covered = 0
    for start, end, _, reason in found:
        if start >= covered:
            spans.append((start, end, reason))
            covered = end
    return spans


# --- e-mail ---------------------------------------------------------------------------------


def _emails(text: str) -> list[_Span]:
    out: list[_Span] = []
    at = text.find("@")
    while at != -1:
        start = at
        limit = max(0, at - _LOCAL_MAX)
        while start > limit and text[start - 1] in _LOCAL_CHARS:
            start -= 1
        if start == limit and start > 0 and text[start - 1] in _LOCAL_CHARS:
            at = text.find("@", at + 1)  # a local part over 64 characters: no address
            continue
        while start < at and text[start] in ".%+-":
            start += 1
        match = _EMAIL.match(text, start)
        end = _email_end(text, at, match.end()) if match is not None else -1
        if end != -1 and "://" not in _token_before(text, start):
            out.append((start, end, _EMAIL_RANK, EMAIL_REASON))
            at = text.find("@", end)
        else:
            at = text.find("@", at + 1)
    return out


def _email_end(text: str, at: int, end: int) -> int:
    """Where the address that matched up to `end` ends, or -1 if it is no address. A last
    label in title case after a lowercase host is the next sentence run on, as extracted text
    often has it ("mail show@example.com.Sarah said"): the address ends before it."""
    dot = text.rfind(".", at, end)
    last, host = text[dot + 1 : end], text[at + 1 : dot]
    if last.istitle() and host.islower() and "." in host:
        end, dot = dot, text.rfind(".", at, dot)
        last = text[dot + 1 : end]
    return -1 if last.lower() in _FILE_SUFFIXES else end


# --- IP addresses and dotted phone numbers --------------------------------------------------


def _dotted(text: str, *, ips: bool, phones: bool) -> list[_Span]:
    out: list[_Span] = []
    for match in _DOTTED_TAIL.finditer(text):
        if match.group().count(".") == 3:
            start = _digits_before(text, match.start(), 3)
            if ips and start < match.start() and _is_ipv4(text, start, match.end()):
                out.append((start, match.end(), _IP_RANK, IP_REASON))
        elif phones:
            area = _area_code_start(text, match.start())
            end = match.end()
            if (
                area is not None
                and not _continues_number(text, end)
                and not _words_before(text, area) & _NOT_PHONE_WORDS
            ):
                out.append((area, end, _PHONE_RANK, PHONE_REASON))
    return out


def _is_ipv4(text: str, start: int, end: int) -> bool:
    before, after = _char(text, start - 1), _char(text, end)
    if _is_word_char(before) or before == ".":
        return False
    if before == "/" and _is_word_char(_char(text, start - 2)):  # "Chrome/120.0.0.0"
        return False
    if _is_word_char(after) or _continues(after, _char(text, end + 1)):
        return False  # "1.2.3.4.5", "1.2.3.4-beta", the block "8.8.8.0/24"
    try:
        address = ipaddress.IPv4Address(text[start:end])
    except ValueError:  # an octet over 255 or with a leading zero
        return False
    if not address.is_global or address.is_multicast:
        return False
    return not (_words_before(text, start) & _NOT_IP_WORDS or _is_section_heading(text, start, end))


def _ipv6s(text: str) -> list[_Span]:
    out: list[_Span] = []
    for match in _IPV6_TAIL.finditer(text):
        start, end = match.start() - 4, match.end()
        if start < 0 or not _IPV6_HEAD.fullmatch(text, start, match.start()):
            continue
        before = _char(text, start - 1)
        if _is_word_char(before) or before in ":.":
            continue
        candidate = text[start:end]
        if candidate.endswith(":") and not candidate.endswith("::"):
            candidate, end = candidate[:-1], end - 1
        after = _char(text, end)
        if _is_word_char(after) or (after == "." and _char(text, end + 1).isalnum()):
            continue
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        if address.is_global and not address.is_multicast:
            out.append((start, end, _IP_RANK, IP_REASON))
    return out


# --- phone numbers --------------------------------------------------------------------------


def _phones(text: str) -> list[_Span]:
    spans: list[tuple[int, int]] = []
    for match in _matches_at(_PHONE_INTL, text, "+"):
        start = match.start()
        before = _char(text, start - 1)
        if not (_is_word_char(before) or before in "+./-") and _intl_shape(match.group()):
            spans.append(match.span())
    for match in _matches_at(_PHONE_PAREN, text, "("):
        start = _trunk_prefix_start(text, match.start())
        if _starts_number(text, start):
            spans.append((start, match.end()))
    if "-" in text:
        for match in _PHONE_DASHED_TAIL.finditer(text):
            area = _area_code_start(text, match.start())
            if area is not None:
                spans.append((area, match.end()))
    out = [
        (start, end, _PHONE_RANK, PHONE_REASON)
        for start, end in spans
        if not _words_before(text, start) & _NOT_PHONE_WORDS
    ]
    out.extend(_labelled_phones(text))
    return out


def _matches_at(pattern: re.Pattern[str], text: str, anchor: str) -> list[re.Match[str]]:
    """Matches of `pattern` at each occurrence of its first character `anchor`."""
    out: list[re.Match[str]] = []
    at = text.find(anchor)
    while at != -1:
        match = pattern.match(text, at)
        if match is not None:
            out.append(match)
        at = text.find(anchor, at + 1 if match is None else match.end())
    return out


def _area_code_start(text: str, separator: int) -> int | None:
    """Where a North American number starts, given the separator after its area code."""
    start = separator - _AREA_DIGITS
    if _digits_before(text, separator, _AREA_DIGITS) != start or text[start] in "01":
        return None
    start = _trunk_prefix_start(text, start)
    return start if _starts_number(text, start) else None


def _trunk_prefix_start(text: str, start: int) -> int:
    """Take in a trunk prefix: "1-800-555-0199", "1 (800) 555-0199"."""
    if text[start - 2 : start] in ("1 ", "1-", "1.") and not _is_word_char(_char(text, start - 3)):
        return start - 2
    return start


def _starts_number(text: str, start: int) -> bool:
    before = _char(text, start - 1)
    return not (_is_word_char(before) or before in "+./-$€£#")


def _intl_shape(number: str) -> bool:
    if not 8 <= _count_digits(number) <= 15:
        return False
    if "(" in number:
        return True
    separators = [ch for ch in number if ch in " .-"]
    if "." in separators and (len(separators) < 2 or set(separators) != {"."}):
        return False  # a signed decimal or coordinate ("+40.712776 -74.005974")
    groups = _GROUP_SEPARATOR.split(number)[1:]
    if len(groups) >= 2 and all(len(group) == 3 for group in groups):
        return False  # thousands ("+12 345 678")
    return _NOT_PHONE_SHAPE.fullmatch(number[1:]) is None  # "+2024-01-15", "+12.345.678"


def _labelled_phones(text: str) -> list[_Span]:
    out: list[_Span] = []
    at = text.find(":")
    while at != -1:
        if _char(text, _skip_blanks(text, at + 1)) in _NUMBER_STARTS and _is_phone_label(text, at):
            span = _number_after(text, at + 1)
            if span is not None:
                out.append((*span, _PHONE_RANK, PHONE_REASON))
        at = text.find(":", at + 1)
    if not text.isascii():
        for symbol in _PHONE_SYMBOLS:
            at = text.find(symbol)
            while at != -1:
                after = at + len(symbol)
                span = _number_after(text, after + (_char(text, after) == ":"))
                if span is not None:
                    out.append((*span, _PHONE_RANK, PHONE_REASON))
                at = text.find(symbol, after)
    return out


def _is_phone_label(text: str, colon: int) -> bool:
    """Whether a phone label ends at the colon: "Tel:", "Tel.:", "Phone no.:", "Tel./Fax:"."""
    label = text[max(0, colon - _CONTEXT_CHARS // 2) : colon].rstrip(". ")
    if not label or label[-1].lower() not in _LABEL_ENDINGS:
        return False
    words = label.lower().replace(".", " ").replace("/", " ").split()
    if words and words[-1] in _NUMBER_WORDS:
        words.pop()
    return bool(words) and words[-1].lstrip("([") in _PHONE_LABELS


def _number_after(text: str, pos: int) -> tuple[int, int] | None:
    """A phone number of any layout starting at `pos`, after at most three blanks."""
    pos = _skip_blanks(text, pos)
    match = _PHONE_LOOSE.match(text, pos)
    if match is None:
        return None
    number = match.group().rstrip(_PHONE_PUNCT)
    if number.count("(") < number.count(")"):
        number = number.rstrip(")").rstrip(_PHONE_PUNCT)
    end = pos + len(number)
    if not _loose_shape(number) or _is_word_char(_char(text, end)):
        return None
    return pos, end


def _skip_blanks(text: str, pos: int, most: int = 3) -> int:
    end = min(pos + most, len(text))
    while pos < end and text[pos] in " \t":
        pos += 1
    return pos


def _loose_shape(number: str) -> bool:
    if not 7 <= _count_digits(number) <= 15:
        return False
    if number.count("(") != number.count(")") or number.count("(") > 1:
        return False
    if any(pair in number for pair in ("..", "--", "//", "((", "))")):
        return False
    if "." in number and ("-" in number or "/" in number):
        return False  # "10.30-12.00"
    return _NOT_PHONE_SHAPE.fullmatch(number) is None


# --- context --------------------------------------------------------------------------------


def _has_digit(text: str) -> bool:
    return any(digit in text for digit in _DIGITS)


def _count_digits(text: str) -> int:
    return sum(ch in _DIGITS for ch in text)


def _continues(after: str, next_char: str) -> bool:
    return (
        (after == "." and next_char.isalnum())
        or (after == "-" and next_char.isalpha())
        or (after == "/" and next_char.isdigit())
    )


def _continues_number(text: str, end: int) -> bool:
    after = _char(text, end)
    return _is_word_char(after) or (after in ".,/-" and _char(text, end + 1).isdigit())


def _is_section_heading(text: str, start: int, end: int) -> bool:
    """A numbered heading at the start of a line: "1.2.3.4 Scope"."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t#"):
        return False
    return _char(text, end) == " " and _char(text, end + 1).isupper()


def _digits_before(text: str, index: int, most: int) -> int:
    """Where the run of at most `most` ASCII digits that ends at `index` starts."""
    start = index
    while start > index - most and start > 0 and "0" <= text[start - 1] <= "9":
        start -= 1
    return start


def _line_before(text: str, start: int) -> str:
    window = text[max(0, start - _CONTEXT_CHARS) : start]
    return window[window.rfind("\n") + 1 :]


def _words_before(text: str, start: int) -> set[str]:
    """The last two words before `start` on its line, lowercased."""
    return {word.lower() for word in _WORD.findall(_line_before(text, start))[-2:]}


def _token_before(text: str, start: int) -> str:
    """The part of the whitespace-separated token that ends at `start`."""
    window = text[max(0, start - _TOKEN_CHARS) : start]
    return "" if not window or window[-1].isspace() else window.split()[-1]


def _char(text: str, index: int) -> str:
    """The character at `index`; beyond either end of the text, a space."""
    return text[index] if 0 <= index < len(text) else " "


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"
