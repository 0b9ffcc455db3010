"""Page metadata the page itself states: title, author, publication date, canonical URL. Read
from the head's `<meta>` tags (OpenGraph, Dublin Core, article:*, itemprop) and `<title>`, which
publishers fill in for crawlers. The tags are found with bounded regular expressions over the
head's source: walking resiliparse's node collections from Python costs ~9 ms a page (a weak
reference per node), more than the whole main-content pass."""

from __future__ import annotations

import html as htmllib
import re

from resiliparse.parse.html import HTMLTree

_TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "title")
_AUTHOR_KEYS = (
    "author",
    "article:author",
    "dc.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
    "twitter:creator",
)
_DATE_KEYS = (
    "article:published_time",
    "datepublished",
    "dc.date",
    "dc.date.issued",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "og:published_time",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "dcterms.created",
)
_DATE = re.compile(r"((?:19|20)\d\d)-(\d\d)-(\d\d)")
_SPACES = re.compile(r"\s+")
_HEAD_CHARS = 200_000  # metadata lives in the head; a head longer than this is not a page's
# A `<meta>` or `<link>` tag, or the head's end (`</head`, as written: the first one ends the
# search), found in one scan of the head, within its first _HEAD_CHARS (a separate search for
# the end scanned the head twice: 0.02 ms a page on aeb). A tag cannot reach over the end: it
# holds no `<`.
_HEAD_TAG = re.compile(r"<(?:((?i:meta|link))\s([^<>]{0,2000})>|/head)")
_KEY = re.compile(r"""\b(?:property|name|itemprop)\s*=\s*["']?\s*([^"'\s>]+)""", re.I)
_CONTENT = re.compile(r"""\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_TIME = re.compile(r"""<time\s[^<>]{0,500}?datetime\s*=\s*["']?([^"'\s>]{1,40})""", re.I)


_TYPE_KEY = "og:type"
_WANTED = frozenset((*_TITLE_KEYS, *_AUTHOR_KEYS, *_DATE_KEYS, _TYPE_KEY))


def _value(pattern: re.Pattern[str], source: str) -> str:
    match = pattern.search(source)
    if match is None:
        return ""
    return htmllib.unescape(match.group(1) or match.group(2) or match.group(3) or "")


def page_metadata(tree: HTMLTree, source: str) -> dict[str, str]:
    """`title`, `author`, `date` (YYYY-MM-DD), `canonical_url` and `og_type` (what the page
    declares itself: `article`, `website`, `product`, lowercased), each only where found."""
    found: dict[str, str] = {}
    values: dict[str, str] = {}
    # Only the tags thresher wants are parsed further: a head holds dozens of others.
    for match in _HEAD_TAG.finditer(source, 0, _HEAD_CHARS):
        attrs = match.group(2)
        if attrs is None:  # the head's end
            break
        if match.group(1).lower() == "link":
            if "canonical" in attrs.lower() and "canonical_url" not in found:
                href = _value(_HREF, attrs).strip()
                if href:
                    found["canonical_url"] = href
            continue
        key_match = _KEY.search(attrs)
        key = key_match.group(1).lower() if key_match else ""
        if key not in _WANTED or key in values:
            continue
        content = _SPACES.sub(" ", _value(_CONTENT, attrs)).strip()
        if content:
            values[key] = content
    if values.get(_TYPE_KEY):
        found["og_type"] = values[_TYPE_KEY].lower()
    title = next((values[k] for k in _TITLE_KEYS if values.get(k)), "")
    title = title or _SPACES.sub(" ", tree.title or "").strip()
    if title:
        found["title"] = title
    author = next((values[k] for k in _AUTHOR_KEYS if values.get(k)), "")
    if author and not author.startswith(("http://", "https://", "@")):
        found["author"] = author
    date = next((m for k in _DATE_KEYS if (m := _DATE.search(values.get(k, "")))), None)
    if date is None:
        stamp = _TIME.search(source, 0, 2_000_000)
        date = _DATE.search(stamp.group(1)) if stamp else None
    if date is not None:
        found["date"] = "-".join(date.groups())
    return found
