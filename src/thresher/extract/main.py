"""HTML -> main text. A fast pass: resiliparse's main-content heuristics over its C DOM, as
minimal HTML (paragraphs, headings, lists, links), then the article region chosen among its
blocks. Where that region holds little prose, a wide pass: the same region choice over the
whole page's blocks (resiliparse's main-content rules drop the content of many product,
forum and script-built pages). Where the region holds little of the page's running text, or
no pass finds prose, the container pass: the page's declared content container (schema.org's
article body, a CMS's content class, `<article>`, `<main>`), read whole. trafilatura is the
`careful` pass, for the pages that declare none, and a mode for callers who want it alone.

The region: each block scores its word count when it reads like prose (enough words, few of
them link text, not a heading) and a penalty otherwise (short lines, link lists, headings);
the region is the run of consecutive blocks with the largest sum (Kadane's maximum subarray,
as in Finn et al.'s Body Text Extraction). Sidebars, "related articles", polls, tweet feeds
and subscription boxes before or after an article fall outside it; a heading or caption
between two paragraphs stays inside.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import DOMNode, ElementNode, HTMLTree

# Runs of spaces to fold: a lone space is left alone (matching every one cost as much as the
# rest of the pass's text handling). `tidy` folds what `[\t\u00a0][ \t\u00a0]*| [ \t\u00a0]+`
# matches in two steps: tabs and no-break spaces become spaces (`str.replace`, a fast scan),
# then runs of two spaces or more fold (that pattern's alternation was tried at every space:
# 0.13 ms a page's text, against 0.04; the same text on every benchmark page).
_SPACE_RUN = re.compile("  +")
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)
_BREAK = re.compile(r"<br>\s*")
_HEADINGS = tuple(f"<h{level}" for level in range(1, 7))
_SENTENCE_END = (".", "!", "?", ":", '"', "”", "»", ")", "。", "！", "？", "」")
# Chinese and Japanese are written without spaces between words: their characters are counted
# as words, two to a word (whitespace alone made a Chinese page's paragraphs one or two "words"
# each, and no block read as prose).
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def count_words(text: str) -> int:
    """Whitespace-separated words, plus half the Chinese and Japanese characters."""
    words = len(text.split())
    # the search stops most non-ASCII texts (max(text) cost twice as much: a str per char)
    if not text.isascii() and _UNSPACED.search(text):
        words += len(_UNSPACED.findall(text)) // 2
    return words


# Block scoring: a block is prose with at least PROSE_WORDS words, or SENTENCE_WORDS words and
# a sentence end, with less than MAX_LINK_SHARE of its characters in links. Anything else costs
# max(MIN_PENALTY, words * PENALTY_PER_WORD). Tuned on scrapinghub-aeb (docs/EXTRACTION.md).
PROSE_WORDS = 15
SENTENCE_WORDS = 6
MAX_LINK_SHARE = 0.5
MIN_PENALTY = 1.0
PENALTY_PER_WORD = 0.3


class Block(NamedTuple):  # a tuple: a page makes dozens, and a frozen dataclass is slow to make
    text: str
    words: int
    score: float
    subheading: bool  # an h2 to h6: one right before the region is the region's own


@dataclass(slots=True)
class FastResult:
    region: list[Block]  # the chosen region's blocks (all of them where no block is prose)
    region_words: int  # prose words inside the chosen region
    prose_words: int  # prose words on the whole page
    blocks: list[Block]
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The region's text, made on first use: the region of a pass that looks unsure, and
        of the container pass's own, is never read (its tidying and repeat rule were wasted)."""
        if self._text is None:
            self._text = _joined_text(self.region)
        return self._text

    def all_text(self) -> str:
        if self.region is self.blocks:
            return self.text
        return _joined_text(self.blocks)


def _joined_text(items: list[Block]) -> str:
    return drop_repeats(tidy("\n".join([b.text for b in items])))


def blocks(tree: HTMLTree, main_content: bool = True) -> list[Block]:
    """resiliparse's main content as blocks. Comments, alt texts and post bylines are not
    article text (the benchmarks' gold leaves them out, and so do readers)."""
    marked = extract_plain_text(
        tree,
        preserve_formatting="minimal_html",
        main_content=main_content,
        links=True,
        alt_texts=False,
        comments=False,
        post_meta=False,
        list_bullets=False,
    )
    out: list[Block] = []
    marked = str(marked)
    if "<pre" in marked:  # code: its lines are marked, out of the repeat rule's reach
        code_seen: set[str] = set()
        marked = _PRE.sub(lambda m: _mark_code(m.group(1), code_seen), marked)
    for chunk in marked.split("\n\n"):
        chunk = chunk.strip()
        if not chunk:
            continue
        heading = chunk.startswith(_HEADINGS)
        link_chars = 0
        text = chunk
        if "<" in chunk:  # most blocks are tagged; a bare text block skips the regexes
            if "<a" in chunk:
                link_chars = _link_chars(chunk)
            if "<br" in chunk:
                chunk = _BREAK.sub("\n", chunk)
            text = _TAG.sub("", chunk)
        if "&" in text:
            text = htmllib.unescape(text)
        rescued = RESCUED in text
        if rescued:
            text = text.replace(RESCUED, "")
        stripped = text.strip()
        words = len(stripped.split())  # count_words, inline: this runs on every block
        if not stripped.isascii() and _UNSPACED.search(stripped):
            words += len(_UNSPACED.findall(stripped)) // 2
        prose = (
            link_chars < MAX_LINK_SHARE * max(1, len(stripped))
            and not heading
            and (
                words >= PROSE_WORDS
                or (words >= SENTENCE_WORDS and stripped.endswith(_SENTENCE_END))
            )
        )
        score = float(words) if prose else -max(MIN_PENALTY, words * PENALTY_PER_WORD)
        if rescued:  # a list put back (_rescue_list): kept between prose, never a region's edge
            score = 0.0
        out.append(Block(text, words, score, heading and not chunk.startswith("<h1")))
    return out


def _link_chars(markup: str) -> int:
    """The characters of the text of the markup's links (`<a>`), each stripped. Most links
    hold bare text: they skip the tag regex."""
    total = 0
    for inner in _LINK.findall(markup):
        if "<" in inner:
            inner = _TAG.sub("", inner)
        total += len(inner.strip())
    return total


# Code (`<pre>`) lines carry this mark from the extraction to the repeat rule, which leaves
# them alone: examples repeat lines on purpose (the same set-up in each example, one snippet per
# language). Not where a code block is mostly lines said before (CODE_COPY_SHARE: a copy of an
# earlier block, a log pasted into a forum post that repeats one traceback), nor a line said
# before in its own block.
CODE = "\u2064\u2064"
CODE_COPY_SHARE = 0.5
# A body runs to its own `</pre>` and never across another `<pre>`: `.*?` would scan from every
# unclosed `<pre>` to the end of the text (quadratic in their number).
_PRE = re.compile(r"<pre>((?:[^<]|<(?!/?pre>))*)</pre>")
_LINE_START = re.compile(r"^([ \t]*)(?=\S)")


def _mark_code(body: str, page_seen: set[str]) -> str:
    """The lines of one code block, marked CODE where the repeat rule should pass them by;
    `page_seen` holds the long lines of the page's earlier code blocks."""
    lines = body.split("\n")
    keys = [line.strip().casefold() for line in lines]
    seen: set[str] = set()
    repeats = longs = 0
    for key in keys:
        if len(key) > REPEAT_MIN_CHARS:
            longs += 1
            repeats += key in seen or key in page_seen
            seen.add(key)
    page_seen.update(seen)
    if longs and repeats > CODE_COPY_SHARE * longs:
        return body
    out = []
    within: set[str] = set()
    for line, key in zip(lines, keys, strict=True):
        if not key or key in within:
            out.append(line)  # said before in this block: left to the repeat rule
        else:
            within.add(key)
            out.append(_LINE_START.sub(_code_mark, line, count=1))
    return "\n".join(out)


def _code_mark(match: re.Match[str]) -> str:
    return match.group(1) + CODE


# Class or id fragments of page furniture that resiliparse's main-content rules keep and that
# readers (and both benchmarks' gold) leave out: captions, consent banners, newsletter boxes,
# bylines, "most popular" and "related" lists, breadcrumbs, modals. Each fragment was kept only
# where it raised F1 on both benchmark sets (docs/EXTRACTION.md); "share", "social",
# "paywall", "widget", "banner", "hidden", "meta" and "ad-" lowered it (article bodies and
# product descriptions carry such classes).
FURNITURE = (
    *("caption", "cookie", "consent", "gdpr", "newsletter", "signup", "subscri", "byline"),
    *("popular", "related", "breadcrumb", "modal", "popup", "disclaimer", "author", "bio"),
    *("print", "alert", "notice"),
)
# `[class]:is(...)` rather than a flat list: the selector engine then looks at the fragments
# only on elements that have the attribute (a fifth less time, the same matches).
# Issue 13's fragments (FURNITURE_ELEMENTS below) join the same groups: as a flat list they
# cost 0.15 ms a page more on aeb.
FURNITURE_CLASS_ONLY = ("advert", "toolbar", "controls", "reviews", "cart")
FURNITURE_ID_ONLY = ("advert", "reviews")
FURNITURE_CLASS_WORDS = ("ad", "ads")  # whole class names: "ad" is in "header", "shadow"
# The selector engine's cost is per attribute test, whatever the fragment's length: each
# classed element was tested for every fragment (0.45 ms a page on aeb). The fragments are
# grouped, and groups nested, under a substring that each of them contains, tested first: an
# element whose class lacks it skips the group (the same matches, 0.15 ms less on aeb). The
# groups were chosen by the tests they save on the class names of aeb and wcxb-dev.
_FragmentGroup = tuple[str, tuple["str | _FragmentGroup", ...]]
_FRAGMENT_GROUPS: tuple[str | _FragmentGroup, ...] = (
    (
        "r",
        (
            ("rt", ("cart", "alert", "advert")),
            ("la", ("popular", "related", "disclaimer")),
            ("ews", ("newsletter", "reviews")),
            ("cr", ("breadcrumb", "subscri")),
            ("ol", ("toolbar", "controls")),
            ("pr", ("print", "gdpr")),
            "author",
        ),
    ),
    ("o", (("io", ("bio", "caption")), ("co", ("consent", "cookie")), "modal", "notice", "popup")),
    "byline",
    "signup",
)


def _fragment_tests(
    attribute: str, groups: tuple[str | _FragmentGroup, ...], fragments: tuple[str, ...]
) -> list[str]:
    """Selectors for an attribute's value holding any of the fragments, in any case, tested
    by their groups (_FRAGMENT_GROUPS)."""
    tests = []
    for item in groups:
        if isinstance(item, str):
            if item in fragments:
                tests.append(f"[{attribute}*={item} i]")
            continue
        key, inner = item
        assert all(key in word for word in _grouped((item,)))
        within = _fragment_tests(attribute, inner, fragments)
        if len(within) > 1:
            tests.append(f"[{attribute}*={key} i]:is({', '.join(within)})")
        else:
            tests.extend(within)
    return tests


def _grouped(groups: tuple[str | _FragmentGroup, ...]) -> list[str]:
    return [w for item in groups for w in ([item] if isinstance(item, str) else _grouped(item[1]))]


assert sorted(_grouped(_FRAGMENT_GROUPS)) == sorted(
    {*FURNITURE, *FURNITURE_CLASS_ONLY, *FURNITURE_ID_ONLY}
)
_FURNITURE_SELECTOR = ", ".join(
    (
        "[class]:is({})".format(
            ", ".join(
                (
                    *_fragment_tests(
                        "class", _FRAGMENT_GROUPS, (*FURNITURE, *FURNITURE_CLASS_ONLY)
                    ),
                    *(f"[class~={w} i]" for w in FURNITURE_CLASS_WORDS),
                )
            )
        ),
        "[id]:is({})".format(
            ", ".join(_fragment_tests("id", _FRAGMENT_GROUPS, (*FURNITURE, *FURNITURE_ID_ONLY)))
        ),
    )
)
# An element that holds more than this share of the page's text is a container, whatever its
# class says (Substack's article is `newsletter-post`); semantic containers are never furniture.
FURNITURE_MAX_SHARE = 0.2
FURNITURE_SMALL_CHARS = 500
_NEVER_FURNITURE = frozenset(("article", "main", "body", "html"))
# Elements whose tag says they are furniture are removed without measuring their text (the
# size guard costs a text walk of each; F1 the same or higher without it on every set);
# `header` keeps the guard: some pages put the article's opening in it (wcxb-dev's articles
# lost 0.003 without it).
_FURNITURE_TAGS = frozenset(("nav", "footer", "aside", "dialog"))
# A post embedded in an article (a tweet, an Instagram or TikTok post) is quoted content, but
# its class reads as a social widget to resiliparse's main-content rules, which drop it: the
# class goes, the quote stays (+0.003 F1 on scrapinghub-aeb, whose gold keeps them).
EMBEDDED_POSTS = ("twitter", "instagram", "tiktok")
# Elements that are furniture by what they are, wherever they sit (issue 13; each kept only
# where it cost neither wcxb-dev's checking half, readability nor aeb: docs/EXTRACTION.md):
# asides (`aside`, ARIA's `complementary`: sidebars, "more on this" boxes); a page's or an
# embed's header, footer and menus, which the wide and container passes otherwise read;
# dialogs ("Add items to your cart?"). With the class fragments above (FURNITURE_CLASS_ONLY,
# FURNITURE_ID_ONLY, FURNITURE_CLASS_WORDS): ad slots (`ad`/`ads` as a whole class,
# `advert`); player and gallery controls ("Autoplay", "Full Screen", "1 of 24"); a product
# page's customer reviews (`reviews`, plural: a single `review` is often the article) and cart
# widgets.
FURNITURE_ELEMENTS = (
    *("aside", "header", "footer", "nav", "dialog", "[aria-modal=true]"),
    "[role]:is([role=complementary], [role=dialog])",
)
# resiliparse's main-content rules drop a `<ul>` whose link text is over a fifth of its text
# (a link cluster: menus, "related" lists), and with it a documentation page's lists of
# "<a>topic</a>: what it covers" and a guide's steps that link to their tools (issue 13). A
# list right after a paragraph or a section heading, what running text introduces, whose items
# hold no headings or images (a teaser feed's cards do), and that is not links alone under a
# heading (a "Related articles" widget), is put back (`_rescue_list`): its items become an
# `<ol>`, which those rules do not test, inside a `<p>` (its own block), each item marked
# RESCUED. Its block scores 0 in the region choice: inside the region it stays, but it never
# makes or extends one (a news ticker after a lead paragraph, which scores as prose).
RESCUE_LISTS = ":is(p, h2, h3, h4) + ul"
RESCUE_LINK_SHARE = 0.2  # resiliparse's own link-cluster threshold for `<ul>`
RESCUE_ALL_LINKS = 0.9  # over this, a list is put back only after a paragraph
_CARDS = "h1, h2, h3, h4, h5, h6, img"
_ITEM = re.compile(r"<li\b[^>]*>")
_NESTED = re.compile(r"<(/?)ul\b", re.I)
RESCUED = "\u2063\u2063"  # two characters: lexbor drops a lone 3-byte one as an icon glyph
# One pass of the selector engine for all, the lists to put back included (each pass over a
# page's elements costs ~0.1 ms plus ~0.015 ms a selector; the lists' own query cost 0.06 ms).
_FURNITURE_OR_EMBEDDED = ", ".join(
    (
        _FURNITURE_SELECTOR,
        *FURNITURE_ELEMENTS,
        *(f"blockquote[class*={w} i]" for w in EMBEDDED_POSTS),
        RESCUE_LISTS,
    )
)
_CLASS_FRAGMENTS = (*FURNITURE, *FURNITURE_CLASS_ONLY)
_ID_FRAGMENTS = (*FURNITURE, *FURNITURE_ID_ONLY)
_FURNITURE_ROLES = ("complementary", "dialog")


def drop_furniture(tree: HTMLTree) -> None:
    """Remove the page furniture elements (FURNITURE) from the tree, before any pass reads it,
    unmark embedded posts (EMBEDDED_POSTS) so that they are read as quotes, and put back the
    lists that running text introduces (RESCUE_LISTS), once the furniture is out.
    The matches are taken as a list first: resiliparse's collections are live, re-running the
    selector at every index (and shifting as nodes go). `remove` detaches without freeing, so
    a match nested in one removed before stays valid."""
    body = tree.body
    if body is None:
        return
    limit = -1.0  # the page's text is measured only when a large match asks for it
    lists: list[ElementNode] = []
    for node in body.query_selector_all(_FURNITURE_OR_EMBEDDED).values():
        tag = node.tag
        if tag in _NEVER_FURNITURE:
            continue
        if tag == "ul" and not _furniture_by_attributes(node):
            lists.append(node)  # a list that running text introduces (RESCUE_LISTS)
            continue
        if tag == "blockquote" and _is_embedded_post(node.getattr("class") or ""):
            node.remove_attribute("class")
            continue
        if tag in _FURNITURE_TAGS:
            node.remove()
            continue
        size = len(node.text or "")
        if size > FURNITURE_SMALL_CHARS:
            if limit < 0:
                limit = FURNITURE_MAX_SHARE * len(body.text or "")
            if size > limit:
                continue
        node.remove()
    for node in lists:
        _rescue_list(tree, node, body)


def _furniture_by_attributes(node: ElementNode) -> bool:
    """Whether an element matches _FURNITURE_SELECTOR or FURNITURE_ELEMENTS' attribute tests
    (asked only of the few `<ul>` matches, which may be either furniture or RESCUE_LISTS)."""
    classes = (node.getattr("class") or "").lower()
    if classes and (
        any(w in classes for w in _CLASS_FRAGMENTS)
        or any(w in FURNITURE_CLASS_WORDS for w in classes.split())
    ):
        return True
    ident = (node.getattr("id") or "").lower()
    if ident and any(w in ident for w in _ID_FRAGMENTS):
        return True
    return node.getattr("role") in _FURNITURE_ROLES or node.getattr("aria-modal") == "true"


def _rescue_list(tree: HTMLTree, ul: ElementNode, body: ElementNode) -> None:
    """Put back a list that resiliparse's main-content rules would drop as a link cluster
    (RESCUE_LISTS), unless it was inside furniture removed since. Its markup is read and
    written whole (two calls in C): moving its items node by node from Python cost 0.06 ms a
    page on scrapinghub-aeb."""
    if not body.contains(ul):  # inside furniture removed since
        return
    size = len(" ".join((ul.text or "").split()))
    markup = ul.html or ""
    # link text from the list's markup, as blocks() reads it (no node object made per link)
    linked = _link_chars(markup)
    if linked <= RESCUE_LINK_SHARE * size or ul.query_selector(_CARDS) is not None:
        return
    if linked > RESCUE_ALL_LINKS * size and getattr(ul.prev_element, "tag", "") != "p":
        return  # links alone under a heading: a widget ("Related articles"), not the text's
    parent = ul.parent
    start, end = markup.find(">") + 1, markup.rfind("</ul>")
    wrap = tree.create_element("p")
    if parent is None or wrap is None or not 0 < start <= end:
        return
    parent.insert_before(wrap, ul)
    # its items marked; lists nested in it become `<ol>`s too (they are its sub-items)
    items = _ITEM.sub(_item_mark, markup[start:end])
    wrap.html = "<ol>" + _NESTED.sub(r"<\1ol", items) + "</ol>"
    ul.remove()


def _item_mark(match: re.Match[str]) -> str:
    return match.group(0) + RESCUED


def _is_embedded_post(classes: str) -> bool:
    lowered = classes.lower()
    return any(word in lowered for word in EMBEDDED_POSTS)


def fast_text(tree: HTMLTree, main_content: bool = True) -> FastResult:
    items = blocks(tree, main_content)
    best = current = 0.0
    start = best_start = best_end = 0
    for i, block in enumerate(items):
        if current <= 0:
            current, start = block.score, i
        else:
            current += block.score
        if current > best:
            best, best_start, best_end = current, start, i + 1
    prose = sum([int(b.score) for b in items if b.score > 0])
    if best <= 0:  # no prose at all (a product grid, a link list): keep what resiliparse kept
        return FastResult(items, 0, prose, items)
    if best_start > 0 and items[best_start - 1].subheading:
        # the section heading that introduces the region ("Highlights", "Overview"), which
        # scores a penalty as a short non-prose block; not an h1, the page's headline, which
        # aeb's gold leaves out (with h1: aeb -0.0034)
        best_start -= 1
    region = items[best_start:best_end]
    inside = sum([int(b.score) for b in region if b.score > 0])
    return FastResult(region, inside, prose, items)


PARAGRAPH_MIN_WORDS = 10
# A menu's list items are not running text (and were a third of the elements read here).
_PARAGRAPHS = "p, li:not(nav li, header li, footer li), td, dd, pre"


def paragraph_words(tree: HTMLTree) -> int:
    """Words in the page's paragraphs, list items (outside menus) and cells of
    PARAGRAPH_MIN_WORDS or more: how much running text the page holds, wherever resiliparse's
    rules put it."""
    body = tree.body
    if body is None:
        return 0
    total = 0
    for node in body.query_selector_all(_PARAGRAPHS).values():
        words = count_words(node.text or "")
        if words >= PARAGRAPH_MIN_WORDS:
            total += words
    return total


# Where a page's content lies, as its markup declares it, most explicit first: schema.org's
# article body; the content classes of the common CMSs; `<article>`; `<main>`; a `content`
# block. The first tier that matches an element of CONTAINER_MIN_WORDS words or more wins.
CONTAINERS = (
    "[itemprop=articleBody]",
    ", ".join(
        (
            *(f"[class*={w} i]" for w in ("entry-content", "post-content", "post-body")),
            *(f"[class*={w} i]" for w in ("article-body", "articlebody", "article-content")),
            "[class*=story-body i], [id*=article-body i], [id*=post-content i]",
        )
    ),
    "article",
    "main, [role=main]",
    "#content, .content, [id*=main-content i], [class*=main-content i]",
)
CONTAINER_MIN_WORDS = 50


def container_text(tree: HTMLTree) -> str | None:
    """The whole text of the page's declared content container (CONTAINERS), where it has
    one and it reads as CONTAINER_MIN_WORDS words or more: everything else is cut from the
    tree first (so this is the last pass to read it)."""
    body = tree.body
    if body is None:
        return None
    for selector in CONTAINERS:
        node = _first_substantial(body, selector)
        if node is not None:
            _keep_only(node, body)
            text = fast_text(tree, main_content=False).all_text()
            # its raw text counted scripts and styles, which are not read
            return text if count_words(text) >= CONTAINER_MIN_WORDS else None
    return None


def _first_substantial(body: ElementNode, selector: str) -> ElementNode | None:
    """The first element matching the selector, where it has CONTAINER_MIN_WORDS words or
    more. Only the first: where a page's first `<article>` is a short teaser, the page is a
    listing, and the next tier (`<main>`, the listing) reads it better than a later article
    would (wcxb-dev's collections: 0.654 against 0.643)."""
    node = body.query_selector(selector)
    if node is not None and count_words(node.text or "") >= CONTAINER_MIN_WORDS:
        return node
    return None


def _keep_only(node: DOMNode, body: DOMNode) -> None:
    """Cut every element under `body` that is neither the node, inside it, nor one of its
    ancestors."""
    current: DOMNode | None = node
    while current is not None and current != body:
        for direction in ("prev", "next"):
            sibling = getattr(current, direction)
            while sibling is not None:
                following = getattr(sibling, direction)
                sibling.remove()
                sibling = following
        current = current.parent


COVER_SHARE = 0.5


def covers(container: str, region: str) -> bool:
    """Whether a container's text is longer than the fast region and holds COVER_SHARE of its
    words: a teaser or a sidebar's `<article>` does not replace the region. (Asking for its
    longest line, or 0.8 of its words, lost 0.0015 F1 on wcxb-dev: the two passes lay text
    out differently, and some regions were the wrong text.)"""
    region_words = Counter(region.lower().split())
    container_words = Counter(container.lower().split())
    if container_words.total() <= region_words.total():
        return False
    return (region_words & container_words).total() >= COVER_SHARE * region_words.total()


def careful_text(html: str, url: str | None) -> str:
    import trafilatura  # imported on first use: it costs a second of start-up

    text = trafilatura.extract(
        html, url=url, output_format="txt", include_comments=False, with_metadata=False
    )
    return tidy(text or "")


def tidy(text: str) -> str:
    """One paragraph a line: spaces folded, blank lines and leading/trailing spaces dropped."""
    # every run of tabs, no-break spaces and spaces that is two characters or more, or a lone
    # tab or no-break space, becomes one space: once tabs and no-break spaces are spaces, those
    # runs are the runs of two spaces or more
    if "\t" in text:
        text = text.replace("\t", " ")
    if "\xa0" in text:
        text = text.replace("\xa0", " ")
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join([line for line in lines if line])


REPEAT_MIN_CHARS = 30
# A single repeated line shorter than this is still dropped (a caption, a teaser, a notice);
# a longer one is a paragraph the page says twice.
REPEAT_KEEP_CHARS = 120


def drop_repeats(text: str) -> str:
    """A run of lines said earlier on the page (two or more lines of some length in a row, each
    a repeat) is a copy: the article printed twice, a gallery's captions shown in the page and
    in its lightbox, a quoted post. The copy goes, the first stays. So does a single short
    repeat (REPEAT_KEEP_CHARS: a caption, a teaser). A single paragraph said twice stays:
    pages repeat a paragraph on purpose (dropping every repeat cost 0.02 F1 on readability's
    pages; keeping every repeat cost 0.003 on wcxb-dev, whose pages print whole articles
    twice). Lines marked CODE (`_mark_code`) are left alone, and unmarked."""
    lines = text.split("\n")
    seen: set[str] = set()
    repeat: list[bool] = []
    code = CODE in text  # code lines (_mark_code) are not repeats, nor what a repeat repeats
    for line in lines:
        if code and line.startswith(CODE):
            repeat.append(False)
        elif len(line) > REPEAT_MIN_CHARS:
            key = line.casefold()
            repeat.append(key in seen)
            seen.add(key)
        else:
            repeat.append(False)
    if not any(repeat):
        return text.replace(CODE, "") if code else text
    # neighbours among the lines of some length (a short heading between two copied
    # paragraphs does not break the run)
    long_lines = [i for i, line in enumerate(lines) if len(line) > REPEAT_MIN_CHARS]
    drop: set[int] = set()
    for k, i in enumerate(long_lines):
        if not repeat[i]:
            continue
        before = k > 0 and repeat[long_lines[k - 1]]
        after = k + 1 < len(long_lines) and repeat[long_lines[k + 1]]
        if before or after or len(lines[i]) < REPEAT_KEEP_CHARS:
            drop.add(i)
    out = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    return out.replace(CODE, "") if code else out
