"""The per-document and per-signal fast paths of the writer and the report give what the plain
Python rules they replace give: histogram bins and ranges (numpy), a URL's site (a regex for
plain http URLs), a rule name's characters (a regex), and a chunk's signal columns."""

from __future__ import annotations

import math
import random
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest

from thresher.report import html
from thresher.report.collect import SHARD_DIRS, _Signals
from thresher.run import accounting
from thresher.sites.site import _PLAIN_URL, host_of, registered_domain


def python_bins(numbers: list[float], low: float, width: float) -> list[int]:
    counts = [0] * html.BINS
    for value in numbers:
        counts[min(max(int((value - low) / width), 0), html.BINS - 1)] += 1
    return counts


def python_range(values: dict[str, list[float]], bounds: list[float]) -> tuple[Any, Any]:
    every = sorted(values["kept"] + values["rejected"])
    low, high = every[0], every[min(len(every) - 1, math.ceil(len(every) * 0.99))]
    if high == low:
        high = max(every[-1], *bounds) if bounds else every[-1]
    span = high - low
    for bound in bounds:
        if low - span <= bound <= high + span:
            low, high = min(low, bound), max(high, bound)
    return low, high


EDGES = [0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 5e-324, 1.7976931348623157e308, 0.5, 1.0]


def random_values(rng: random.Random, count: int) -> list[float]:
    values = []
    for _ in range(count):
        pick = rng.random()
        if pick < 0.4:
            values.append(rng.gauss(0, 10))
        elif pick < 0.6:
            values.append(float(rng.randint(-5, 40)))  # on bin edges, for whole widths
        elif pick < 0.7:
            values.append(rng.choice(EDGES))
        elif pick < 0.8:
            values.append(rng.uniform(-1e18, 1e18))
        else:
            values.append(rng.expovariate(0.5))
    return values


@pytest.mark.parametrize("seed", range(40))
def test_numpy_bins_are_the_python_rules_bins(seed: int) -> None:
    rng = random.Random(seed)
    numbers = random_values(rng, rng.choice([0, 1, 5, 300]))
    low = rng.choice([0.0, -1.0, rng.gauss(0, 5), -1e300, 3, 1e10])
    width = rng.choice([1.0, 0.1, 1 / 3, 1e-300, 1e300, rng.uniform(0.01, 5)])
    start = [rng.randint(0, 3) for _ in range(html.BINS)]
    try:
        expected = [a + b for a, b in zip(start, python_bins(numbers, low, width), strict=True)]
    except OverflowError:  # a quotient beyond floats: int() raises, and so must the report
        with pytest.raises(OverflowError):
            html._binned(numbers, low, width, start)
        return
    assert html._binned(numbers, low, width, start) == expected


def test_bins_of_ints_nan_and_infinite_quotients_are_pythons() -> None:
    assert html._binned([1, 2.5, 29], 0.0, 1.0, [0] * html.BINS) == python_bins(
        [1, 2.5, 29], 0.0, 1.0
    )
    with pytest.raises(OverflowError):
        html._binned([1e308, 1.0], -1e308, 1.0, [0] * html.BINS)
    with pytest.raises(ValueError):
        html._binned([float("nan")], 0.0, 1.0, [0] * html.BINS)


@pytest.mark.parametrize("seed", range(40))
def test_numpy_range_is_the_sorted_lists(seed: int) -> None:
    rng = random.Random(1000 + seed)
    values = {"kept": random_values(rng, rng.randint(1, 200)), "rejected": []}
    values["rejected"] = random_values(rng, rng.randint(0, 50))
    if seed % 4 == 0:  # mostly one value, zeros of both signs in some order
        values["kept"] = [rng.choice([0.0, -0.0]) for _ in range(200)] + [3.5]
    bounds = rng.choice([[], [0.0], [5, 1e5], [rng.gauss(0, 3)]])
    got, expected = html._range(values, bounds), python_range(values, bounds)
    assert [(type(v), repr(v)) for v in got] == [(type(v), repr(v)) for v in expected]


def test_a_range_of_ints_is_pythons() -> None:
    values = {"kept": [3, 1.0, 2, -0.0, 0], "rejected": [0.0]}
    assert repr(html._range(values, [1])) == repr(python_range(values, [1]))


URLS = [
    "http://Example.COM/a",
    "https://www.bbc.co.uk:443/news?x#y",
    "https://me.github.io",
    "http://example.com.",
    "http://example.com..:80/",
    "http://.../",
    "http:///path",
    "http://a.com:/x",
    "http://a.com:abc/",
    "http://a.com\\evil.org/",
    "http://user:pw@host.org/",
    "http://[::1]:8080/",
    "http://[bad/",
    "http://10.0.0.1/x",
    "http://exa\tmple.com/",
    "ht\ttp://example.com/",
    " http://padded.org/ ",
    "http://trailing.org\n",
    "http://b\u00fccher.de/",
    "http://xn--bcher-kva.de/",
    "HTTP://UPPER.ORG/",
    "ftp://files.example.net/",
    "mailto:someone@example.com",
    "//no-scheme.org/x",
    "example.org",
    "http://a.com?q=1",
    "http://a.com#f",
    "http://a.com%2e/",
    "http://-dash-.org/",
    "http://a.com:99999999999999999999/",
]


def _host_by_urlsplit(url: str) -> str:
    """`host_of` as first written: urlsplit's host name, lower case, no trailing dot."""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


@pytest.mark.parametrize("url", URLS)
def test_host_of_is_urlsplits_host_and_site_name_its_domain(url: str) -> None:
    assert host_of(url) == _host_by_urlsplit(url)
    expected = registered_domain(_host_by_urlsplit(url)) or accounting.NO_SITE
    assert accounting.site_name({"url": url}) == expected


def test_host_of_random_urls_is_urlsplits_host() -> None:
    rng = random.Random(9)
    parts = ["http", "https", "://", "a", "B", "0", ".", "-", ":", "80", "/", "?", "#", "@"]
    parts += ["[", "]", "%", "\\", " ", "\t", "\u00e9", "x.org", "co.uk", "", "\n"]
    plain = 0
    for _ in range(20_000):
        url = rng.choice(["http://", "https://", ""]) + "".join(
            rng.choice(parts) for _ in range(rng.randrange(12))
        )
        assert host_of(url) == _host_by_urlsplit(url), url
        plain += bool(_PLAIN_URL.match(url))
    assert plain > 2_000  # the fast path is taken, and checked


def test_rule_names_are_the_rule_characters_exactly() -> None:
    rng = random.Random(7)
    alphabet = "aZ09_-. :()/\u212a\u0131\u0663\u00e9\n"  # Kelvin sign, dotless i, Arabic 3
    for _ in range(3000):
        detail = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        plain = all(c in accounting._RULE_CHARS for c in detail)
        assert (accounting._RULE_NAME.fullmatch(detail) is not None) == plain, detail


def reference_signals(docs: list[tuple[int, int, object]]) -> dict[str, Any]:
    hashes: list[int] = []
    columns: dict[str, list[list[list[Any]]]] = {}
    for doc_hash, where, found in docs:
        if not isinstance(found, dict):
            continue
        row, added = len(hashes), False
        for name, value in found.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                number = float(value)
                if math.isfinite(number):
                    column = columns.setdefault(name, [[[], []] for _ in SHARD_DIRS])
                    column[where][0].append(row)
                    column[where][1].append(number)
                    added = True
        if added:
            hashes.append(doc_hash)
    return {"hashes": hashes, "columns": columns}


def test_signal_columns_are_the_plain_rules() -> None:
    rng = random.Random(3)
    odd: list[object] = [
        True,
        False,
        float("nan"),
        float("inf"),
        -float("inf"),
        -0.0,
        3,
        np.float64(2.5),
        np.float64("inf"),
        "7",
        None,
    ]
    docs: list[tuple[int, int, object]] = []
    for index in range(400):
        names = rng.sample(["a", "b", "c", "d", "e"], rng.randint(0, 5))
        found: object = {name: rng.choice([rng.random(), rng.choice(odd)]) for name in names}
        if index % 50 == 0:
            found = None
        docs.append((rng.getrandbits(64), rng.randint(0, 1), found))
    signals = _Signals()
    for doc in docs:
        signals.add(*doc)
    got, expected = signals.record(None), reference_signals(docs)
    assert repr(got) == repr(expected)
    assert all(type(v) is float for c in got["columns"].values() for w in c for v in w[1])


def test_a_huge_int_signal_raises_as_before() -> None:
    with pytest.raises(OverflowError):
        _Signals().add(1, 0, {"a": 10**400})
