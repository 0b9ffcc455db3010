"""PII redaction: what it replaces, what it must leave alone, the ledger it writes, and linear
cost on hostile input."""

from __future__ import annotations

import gc
import pickle
import re
import time
from collections import deque
from collections.abc import Callable, Iterator

import pytest

from thresher import ConfigError, Document, Recipe, StepStats
from thresher.repair import pii
from thresher.repair.pii import (
    EMAIL_REASON,
    IP_REASON,
    PHONE_REASON,
    PiiRedaction,
    find_pii,
)
from thresher.steps import STEPS


def found(text: str) -> list[tuple[str, str]]:
    return [(text[start:end], reason) for start, end, reason in find_pii(text)]


def redact(text: str, **params: object) -> Document:
    d = Document(id="t", text=text)
    next(PiiRedaction(**params)([d]))  # type: ignore[arg-type]
    return d


def check_ledger(before: str, d: Document) -> None:
    """Every edit names the characters it replaced in the text before the step, on the line it
    gives; replaying the edits from the end reproduces the text after it."""
    lines = before.split("\n")
    for edit in d.ledger:
        assert before[edit.start : edit.end] == edit.removed
        assert edit.first_line == edit.last_line
        assert edit.removed in lines[edit.first_line]
        assert before.count("\n", 0, edit.start) == edit.first_line
    replayed = before
    for edit in sorted(d.ledger, key=lambda e: e.start, reverse=True):
        replayed = replayed[: edit.start] + edit.replacement + replayed[edit.end :]
    assert replayed == d.text


# --- e-mail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Write to jane.doe@example.com today.", "jane.doe@example.com"),
        ("Mail: JANE_99@Mail.Example.ORG.", "JANE_99@Mail.Example.ORG"),
        ("john+news@sub.example.co.uk", "john+news@sub.example.co.uk"),
        ("mailto:info@company.com", "info@company.com"),
        ("(contact: a.b-c@my-host.io)", "a.b-c@my-host.io"),
        ("<press@newsroom.example.de>", "press@newsroom.example.de"),
        ("E-mail us at first.last@university.edu, or call.", "first.last@university.edu"),
        ("reach show@no-priors.com.Sarah said so", "show@no-priors.com"),
        ("--mike@example.net", "mike@example.net"),
    ],
)
def test_email_addresses_are_found(text: str, address: str) -> None:
    assert found(text) == [(address, EMAIL_REASON)]


@pytest.mark.parametrize(
    "text",
    [
        "ping user@localhost for access",
        "follow @handle and @another_one on social media",
        "the retina image logo@2x.png and icon@3x.webp",
        "https://user:secret@example.com/path",
        "see https://web.archive.org/web/2020/mailto:someone@example.com",
        "git clone git@github.com:org/repo.git",
        "pin the package to lodash@4.17.21 and @babel/core@7.0.0",
        "a lone @ sign, an a@b, and foo@bar",
        "a..b@example.com is not valid",
        "name.@example.com ends with a dot",
        "x" * 70 + "@example.com",
    ],
)
def test_email_lookalikes_are_left_alone(text: str) -> None:
    assert found(text) == []


# --- IP addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Google DNS is 8.8.8.8.", "8.8.8.8"),
        ("resolver 1.1.1.1, fallback", "1.1.1.1"),
        ("connect to 93.184.216.34:443", "93.184.216.34"),
        ("http://151.101.1.69/index.html", "151.101.1.69"),
        ("172.32.0.1 is just outside the private block", "172.32.0.1"),
        ("client=45.33.32.156;", "45.33.32.156"),
        ("upgraded our server at 2.56.10.1 last week", "2.56.10.1"),
        ("v6: 2001:4860:4860::8888 answers", "2001:4860:4860::8888"),
        ("host 2a00:1450:4001:80b::200e.", "2a00:1450:4001:80b::200e"),
    ],
)
def test_public_ip_addresses_are_found(text: str, address: str) -> None:
    assert found(text) == [(address, IP_REASON)]


@pytest.mark.parametrize(
    "text",
    [
        "private 10.0.0.1 and 10.255.255.254",
        "private 172.16.5.4 and 172.31.255.1",
        "home router 192.168.1.1",
        "loopback 127.0.0.1",
        "link-local 169.254.10.20",
        "multicast 224.0.0.1 and 239.255.255.250",
        "reserved 240.0.0.1 and broadcast 255.255.255.255",
        "unspecified 0.0.0.0 and carrier-grade NAT 100.64.1.1",
        "documentation 192.0.2.15, 198.51.100.7 and 203.0.113.9",
        "version 1.2.3.4 is out",
        "Version: 2.0.0.1",
        "v1.2.3.4 and release-v8.8.8.8",
        "upgrade to 4.5.6.7 now",
        "see section 1.2.3.4 of the standard",
        "1.2.3.4 Scope of this document",
        "Python 3.11.7 and Windows 10.0.19045.3693",
        "octets over 255: 256.1.1.1 and 1.2.3.999",
        "leading zeros 08.08.08.08",
        "too many parts 1.2.3.4.5 and 8.8.8.8.8",
        "a block 8.8.8.0/24",
        "Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36",
        "a pre-release 1.2.3.4-beta",
        "IPv6 loopback ::1, link-local fe80::1, documentation 2001:db8::1",
        "times 2023:10:15 and 10:30:00, ratio 2024:1",
        "MAC 00:1A:2B:3C:4D:5E",
    ],
)
def test_non_public_addresses_and_versions_are_left_alone(text: str) -> None:
    assert found(text) == []


# --- phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Call (555) 123-4567 today", "(555) 123-4567"),
        ("Call (555)123-4567 today", "(555)123-4567"),
        ("or 555-123-4567.", "555-123-4567"),
        ("or 555.123.4567.", "555.123.4567"),
        ("toll free 1-800-555-0199", "1-800-555-0199"),
        ("London +44 20 7946 0958,", "+44 20 7946 0958"),
        ("Berlin +49 30 1234567", "+49 30 1234567"),
        ("US +1 (555) 123-4567", "+1 (555) 123-4567"),
        ("UK +44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
        ("Paris +33 1 23 45 67 89", "+33 1 23 45 67 89"),
        ("+1-555-123-4567", "+1-555-123-4567"),
        ("+1.555.123.4567", "+1.555.123.4567"),
        ("E.164: +4930123456", "+4930123456"),
        ("Tel: 030 1234567", "030 1234567"),
        ("Phone no.: 020 7946 0958", "020 7946 0958"),
        ("Tel./Fax: 0171/1234567", "0171/1234567"),
        ("Mobile:  06 12 34 56 78", "06 12 34 56 78"),
        ("Telefon: (030) 12345-678", "(030) 12345-678"),
        ("☎ 0800 123 4567", "0800 123 4567"),
    ],
)
def test_phone_numbers_are_found(text: str, number: str) -> None:
    assert found(text) == [(number, PHONE_REASON)]


@pytest.mark.parametrize(
    "text",
    [
        "on 2024-01-15 and 15.01.2024 and 01/15/2024",
        "between 1990-2000 and in 2010–2020",
        "ISBN 978-3-16-148410-0 and ISBN 0-306-40615-2",
        "ISBN 555-123-4567",
        "it costs $1,234.56 or €1.234.567",
        "at 40.7128, -74.0060 and +40.712776 -74.005974",
        "plain numbers 5551234567 and 1234567890123",
        "upvotes +1 +1 +1 and a score of +12",
        "thousands +12 345 678 and +12.345.678",
        "version 555-123-4567",
        "a serial 0555-123-4567 and 155-123-4567",
        "area codes start at 2: 123-456-7890 and (123) 456-7890",
        "the 12-345-6789 code and 555-1234",
        "version 3.11.7 and build 10.0.19045",
        "call me maybe, 555 123 4567 without a label",
        "Note: 1990-2000 was a decade",
        "Date: 2024-01-15",
        "Tel: 1990-2000",
        "Hotel: 030 1234567 is a room number",
        "the ratio 555-123-4567-890 continues",
        "UTC+05:30 and GMT+1",
    ],
)
def test_phone_lookalikes_are_left_alone(text: str) -> None:
    assert found(text) == []


# --- the step and its ledger ----------------------------------------------------------------

CONTACT = (
    "Contact us\n"
    "Mail jane.doe@example.com or call +44 20 7946 0958 from 8.8.8.8.\n"
    "\n"
    "Our office (555) 123-4567 runs version 1.2.3.4 on 192.168.0.10.\n"
    "Write to press@example.org."
)


def test_each_replacement_is_one_edit_over_the_exact_characters() -> None:
    d = redact(CONTACT)
    assert d.text == (
        "Contact us\n"
        "Mail <EMAIL> or call <PHONE> from <IP>.\n"
        "\n"
        "Our office <PHONE> runs version 1.2.3.4 on 192.168.0.10.\n"
        "Write to <EMAIL>."
    )
    assert [(e.reason, e.removed, e.replacement, e.first_line) for e in d.ledger] == [
        (EMAIL_REASON, "jane.doe@example.com", "<EMAIL>", 1),
        (PHONE_REASON, "+44 20 7946 0958", "<PHONE>", 1),
        (IP_REASON, "8.8.8.8", "<IP>", 1),
        (PHONE_REASON, "(555) 123-4567", "<PHONE>", 3),
        (EMAIL_REASON, "press@example.org", "<EMAIL>", 4),
    ]
    assert all(e.step == "pii" and e.action == "replace" for e in d.ledger)
    check_ledger(CONTACT, d)


def test_edits_follow_the_ledger_of_earlier_steps() -> None:
    d = Document(id="t", text=CONTACT)
    stats = StepStats("pii")
    next(PiiRedaction()([d], stats))
    assert stats.edits == {EMAIL_REASON: 2, PHONE_REASON: 2, IP_REASON: 1}
    assert stats.docs == 1 and not stats.rejected


def test_text_without_pii_is_left_byte_identical() -> None:
    text = (
        "The harbour authority said on Monday (15 January 2024) that the new pier, which cost "
        "€12.5 million, would open in spring: 1,234 workers built it between 2019-2023.\n\n"
        "Version 1.2.3.4 of the booking app runs on 10.0.0.5 and 192.168.1.20; call the "
        "front desk at extension 4521. ISBN 978-3-16-148410-0. Coordinates 51.5072, -0.1276.\n"
        "Follow @harbour_news, rate it +1, and see https://example.com/pier?id=20240115.\n"
    ) * 6
    d = redact(text)
    assert d.text == text
    assert d.ledger == []


def test_redaction_is_idempotent() -> None:
    once = redact(CONTACT)
    twice = redact(once.text)
    assert twice.text == once.text and twice.ledger == []


@pytest.mark.parametrize(
    ("param", "kept"),
    [("emails", "jane.doe@example.com"), ("ips", "8.8.8.8"), ("phones", "(555) 123-4567")],
)
def test_each_kind_can_be_turned_off(param: str, kept: str) -> None:
    d = redact(CONTACT, **{param: False})
    assert kept in d.text
    assert all(kept not in e.removed for e in d.ledger)
    check_ledger(CONTACT, d)


def test_placeholders_are_configurable_and_may_be_empty() -> None:
    d = redact(CONTACT, email_placeholder="[email]", ip_placeholder="", phone_placeholder="☏")
    assert "Mail [email] or call ☏ from ." in d.text
    assert [e.action for e in d.ledger if e.reason == IP_REASON] == ["remove"]
    check_ledger(CONTACT, d)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("email_placeholder", "two\nlines"),
        ("ip_placeholder", "8.8.8.8"),
        ("phone_placeholder", "+44 20 7946 0958"),
        ("email_placeholder", "me@example.com"),
    ],
)
def test_a_placeholder_must_be_one_line_and_not_pii(param: str, value: str) -> None:
    with pytest.raises(ConfigError, match=param):
        PiiRedaction(**{param: value})  # type: ignore[arg-type]


def test_the_step_is_registered_pickles_and_round_trips_through_a_recipe() -> None:
    assert STEPS["pii"] is PiiRedaction
    step = PiiRedaction(ips=False, phone_placeholder="[tel]")
    assert pickle.loads(pickle.dumps(step)) == step
    recipe = Recipe(steps=(step,))
    assert Recipe.loads(recipe.dumps()) == recipe
    assert all(type(v) in (bool, str) for v in step.params().values())


def test_several_kinds_on_one_line_and_adjacent_matches() -> None:
    text = "8.8.8.8,1.1.1.1;a@example.com (555) 123-4567, 555-123-4567/ext"
    d = redact(text)
    assert d.text == "<IP>,<IP>;<EMAIL> <PHONE>, <PHONE>/ext"
    check_ledger(text, d)


def test_empty_and_whitespace_documents() -> None:
    for text in ("", "\n\n", "   "):
        d = redact(text)
        assert d.text == text and d.ledger == []


# --- cost on hostile input ------------------------------------------------------------------

PATTERNS = {name: value for name, value in vars(pii).items() if isinstance(value, re.Pattern)}


def hostile(size: int) -> dict[str, str]:
    """Inputs of `size` characters built to make a careless pattern backtrack."""
    units = {
        "a": "a",
        "digits": "1",
        "dots": ".",
        "at": "@",
        "plus": "+",
        "colons": ":",
        "hyphens": "-",
        "parens": "(",
        "spaces": " ",
        "dotted-ones": "1.",
        "a-at": "a@",
        "plus-one": "+1 ",
        "a-dot": "a.",
        "word-dot-at": "ab.cd@ef.",
        "ipv6ish": "2001:",
        "hex-colon": "a:",
        "dashed": "555-",
        "paren-code": "(555) ",
        "digit-space": "1 ",
        "label": "Tel: ",
        "label-digits": "Tel: 1 ",
        "ip-run": "8.8.8.8 ",
        "email-run": "a@b.co ",
        "quad-dots": "1.1.1.1.",
        "email-local": "a" * 63 + ".",
    }
    return {name: (unit * (size // len(unit) + 1))[:size] for name, unit in units.items()}


def seconds(run: Callable[[], object]) -> float:
    """CPU seconds per call (this thread's, so other processes on a busy machine do not count),
    over enough calls to read above the clock's resolution."""
    calls, started = 0, time.thread_time()
    while (elapsed := time.thread_time() - started) < 0.001:
        run()
        calls += 1
    return elapsed / calls


def growth(run: Callable[[str], object], name: str) -> float:
    """How many times longer `run` takes on the 100,000-character input than on the 10,000 one:
    about 10 when linear, about 100 when quadratic. CPU time, the best of interleaved rounds
    and the garbage collector off keep a busy machine from skewing either side."""
    small, large = hostile(10_000)[name], hostile(100_000)[name]
    best_small = best_large = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            best_small = min(best_small, seconds(lambda: run(small)))
            best_large = min(best_large, seconds(lambda: run(large)))
    finally:
        if enabled:
            gc.enable()
    return best_large / best_small


def drain(matches: Iterator[re.Match[str]]) -> None:
    deque(matches, maxlen=0)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_every_pattern_is_linear_on_hostile_input(pattern: str) -> None:
    compiled = PATTERNS[pattern]
    for name in hostile(10):
        ratio = growth(lambda text: drain(compiled.finditer(text)), name)
        assert ratio < 20, f"{pattern} on {name}: 10x input took {ratio:.0f}x the time"


@pytest.mark.parametrize("name", sorted(hostile(10)))
def test_the_step_is_linear_on_hostile_input(name: str) -> None:
    step = PiiRedaction()
    ratio = growth(lambda text: step.repair(Document(id="h", text=text)), name)
    assert ratio < 20, f"{name}: 10x input took {ratio:.0f}x the time"
