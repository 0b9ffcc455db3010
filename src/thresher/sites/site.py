"""What a document's site is: the registered domain of its URL (public-suffix aware, from the
list that the `publicsuffixlist` package bundles: nothing is downloaded), its host, or the
value of a metadata field."""

from __future__ import annotations

import ipaddress
import re
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from thresher.document import URL

DOMAIN = "domain"
HOST = "host"
FIELD = "field:"


@cache
def _suffixes() -> PublicSuffixList:
    # accept_unknown=False: a host under a suffix the list does not know ("docs.example",
    # "intranet") has no registered domain, and is its own site rather than merged with every
    # other host under that suffix
    return PublicSuffixList(accept_unknown=False)


def valid_mode(mode: str) -> bool:
    return mode in (DOMAIN, HOST) or (mode.startswith(FIELD) and len(mode) > len(FIELD))


# A URL whose host urlsplit would give as it is but for case and trailing dots: http or https,
# a host of letters, digits, dots and hyphens only, an optional numeric port, and the end of
# the netloc ("/", "?", "#" or the end). Anything else (user info, IPv6, percent signs, tabs,
# backslashes, spaces, other schemes) goes to urlsplit. Most URLs of a crawl are such.
_PLAIN_URL = re.compile(r"https?://([A-Za-z0-9.\-]+)(?::[0-9]*)?(?:[/?#]|\Z)")


def host_of(url: str) -> str:
    """The URL's host name, lower case, without a trailing dot; "" when it has none."""
    plain = _PLAIN_URL.match(url)
    if plain is not None:
        return plain[1].lower().rstrip(".")
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:  # an unparsable URL (a bad IPv6 literal, a bad port) has no site
        return ""
    return host.rstrip(".")


@lru_cache(maxsize=1 << 16)
def registered_domain(host: str) -> str:
    """The host's registered domain ("news.bbc.co.uk" -> "bbc.co.uk", "me.github.io" stays,
    private suffixes being suffixes); an IP address, or a host under no known suffix, is its
    own site. Cached: a corpus holds many pages of each host; bounded: a crawl holds millions
    of hosts, and a worker runs for all of its chunks."""
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


def site_of(metadata: dict[str, Any], mode: str) -> str:
    """The document's site under `mode` (`domain`, `host` or `field:NAME`); "" for none."""
    if mode.startswith(FIELD):
        value = metadata.get(mode[len(FIELD) :])
        return value.strip() if isinstance(value, str) else ""
    url = metadata.get(URL)
    if not isinstance(url, str) or not url:
        return ""
    host = host_of(url)
    return registered_domain(host) if mode == DOMAIN else host
