"""Main-content extraction on pages written here: paragraphs, page metadata, charsets, the
bounds on size and time, soft error pages and salvaged ones, and the `extract` step."""

from __future__ import annotations

import pytest

import thresher
from thresher import Document, Recipe
from thresher.extract.charset import decode_html
from thresher.extract.step import Extract

PARAGRAPHS = [
    "The harbour authority said on Monday that the new pier would open in spring, after two "
    "years of work and a long dispute over its cost, which rose by a third.",
    "Fishermen who moor their boats at the old quay welcomed the news, though several said "
    "the fees for the new berths would be more than a small crew could afford.",
    "The council will vote next month on a plan to cap those fees for local boats, and the "
    "harbour master expects the first ferries to call at the pier by the end of April.",
]


def page(
    body_paragraphs: list[str] = PARAGRAPHS,
    *,
    head: str = "",
    before: str = "",
    after: str = "",
    charset_meta: str = "",
) -> str:
    paras = "\n".join(f"<p>{p}</p>" for p in body_paragraphs)
    return (
        f"<!doctype html><html><head>{charset_meta}<title>Harbour pier to open | Gazette</title>"
        f"{head}</head><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/n'>News</a>"
        f"</li><li><a href='/s'>Sport</a></li></ul></nav>{before}<article><h1>Harbour pier to "
        f"open in spring</h1>{paras}</article>{after}<footer><p>© 2024 The Gazette. All rights "
        "reserved.</p><a href='/privacy'>Privacy</a></footer></body></html>"
    )


def test_main_text_is_the_article_one_paragraph_a_line() -> None:
    doc = thresher.extract(page(), url="https://gazette.example/pier")
    assert doc.rejection is None
    lines = doc.text.split("\n")
    for paragraph in PARAGRAPHS:
        assert paragraph in lines
    assert "Home" not in lines and "Privacy" not in doc.text
    assert doc.metadata["url"] == "https://gazette.example/pier"
    assert doc.metadata["extractor"] == "fast"


def test_page_metadata_comes_from_the_head() -> None:
    head = (
        '<meta property="og:title" content="Harbour pier to open in spring">'
        '<meta name="author" content="Ann Lee">'
        '<meta property="article:published_time" content="2024-03-04T08:00:00Z">'
        '<link rel="canonical" href="https://gazette.example/pier">'
        '<meta property="og:type" content="Article">'
    )
    doc = thresher.extract(page(head=head))
    assert doc.metadata["og_type"] == "article"
    assert doc.metadata["title"] == "Harbour pier to open in spring"
    assert doc.metadata["author"] == "Ann Lee"
    assert doc.metadata["date"] == "2024-03-04"
    assert doc.metadata["canonical_url"] == "https://gazette.example/pier"


def test_a_sidebar_after_the_article_is_left_out() -> None:
    sidebar = (
        "<div><h3>Related articles</h3><ul><li><a href='/a'>Council votes on the budget</a></li>"
        "<li><a href='/b'>Storm closes the coast road</a></li></ul><h3>Poll</h3><p>Should the "
        "pier charge for parking?</p><p><a href='/r'>View results</a></p></div>"
    )
    doc = thresher.extract(page(after=sidebar))
    assert PARAGRAPHS[-1] in doc.text
    assert "Council votes on the budget" not in doc.text
    assert "View results" not in doc.text


WORDS = "Ça coûte très cher, déjà dit le maître d’hôtel à São Paulo"


@pytest.mark.parametrize(
    ("data", "declared", "charset"),
    [
        # valid UTF-8 declared as iso-8859-1, in the header and in the page
        (page([WORDS * 3], charset_meta='<meta charset="iso-8859-1">').encode(), None, "utf-8"),
        (page([WORDS * 3]).encode(), "iso-8859-1", "utf-8"),
        # a legacy charset, declared by the meta tag or the header, or by neither
        (
            page([WORDS * 3], charset_meta='<meta charset="windows-1252">').encode("cp1252"),
            None,
            "cp1252",
        ),
        (page([WORDS * 3]).encode("cp1252"), "iso-8859-1", "cp1252"),
    ],
)
def test_charsets_decode_to_the_same_text(data: bytes, declared: str | None, charset: str) -> None:
    doc = thresher.extract(data, charset=declared)
    assert doc.metadata["charset"] == charset
    assert WORDS in doc.text


def test_cyrillic_and_japanese_legacy_charsets() -> None:
    russian = "Стратегия пожарной безопасности: мы проектируем и обслуживаем предприятия. " * 4
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    doc = thresher.extract(page([russian], charset_meta=meta).encode("cp1251"))
    assert doc.metadata["charset"] == "cp1251"
    assert russian.split(":")[0] in doc.text
    japanese = "和菓子は季節を映す菓子であり、職人は四季の移ろいを形と色で表現する。" * 5
    html = f"<html><head><title>和菓子</title></head><body><p>{japanese}</p></body></html>"
    text, used, how = decode_html(html.encode("shift_jis"), "Shift_JIS")
    assert japanese in text and used == "shift_jis" and how == "header"


def test_undecodable_bytes_never_raise() -> None:
    doc = thresher.extract(b"<html><body><p>" + bytes(range(128, 256)) * 20 + b"</p></body></html>")
    assert doc.rejection is None


def test_a_page_over_the_size_cap_is_rejected_unparsed() -> None:
    doc = thresher.extract(page(), max_bytes=100)
    assert doc.rejection is not None and doc.rejection.reason == "page-too-large"


def test_a_page_over_the_time_bound_is_rejected_not_waited_for() -> None:
    # 200,000 elements side by side: many times the deadline to parse and walk
    huge = "<html><body>" + "<div>word</div>" * 200_000 + "</body></html>"
    doc = thresher.extract(huge, timeout=0.001, mode="careful")
    assert doc.rejection is not None
    assert doc.rejection.reason == "extract-timeout"


def test_a_200_page_that_says_not_found_is_a_soft_error_page() -> None:
    body = page(
        ["Sorry, the page you were looking for could not be found.", "Go back to the homepage"]
    )
    doc = thresher.extract(body, url="https://gazette.example/missing")
    doc.metadata["http_status"] = 200
    out = Recipe.named("repairs").clean(doc)
    assert out.rejection is not None
    assert out.rejection.reason == "soft-error-page"


def test_a_403_template_around_an_article_is_salvaged() -> None:
    before = "<div class='error'><h2>403 Forbidden</h2><p>Access denied.</p></div>"
    doc = thresher.extract(page(before=before), url="https://gazette.example/pier")
    doc.metadata["http_status"] = 403
    out = Recipe.named("repairs").clean(doc)
    assert out.rejection is None
    assert out.metadata["salvaged"] is True
    assert PARAGRAPHS[0] in out.text and "403 Forbidden" not in out.text


def test_the_extract_step_turns_an_html_field_into_text_with_a_ledger() -> None:
    html = page()
    doc = Document(id="1", text=html, metadata={"url": "https://gazette.example/pier"})
    plain = Document(id="2", text="Just text, not a page.")
    out = list(Extract()([doc, plain]))
    assert PARAGRAPHS[0] in out[0].text
    (edit,) = out[0].ledger
    assert edit.reason == "html" and edit.removed == html and edit.replacement == out[0].text
    assert out[0].metadata["title"] == "Harbour pier to open | Gazette"
    assert out[1].text == "Just text, not a page." and out[1].ledger == []


def test_deep_nesting_is_rejected_before_the_main_content_pass() -> None:
    from thresher.extract import TOO_DEEP

    # (resiliparse's main-content pass alone would take minutes on this page)
    deep = "<html><body>" + "<div>" * 20_000 + "text" + "</div>" * 20_000 + "</body></html>"
    doc = thresher.extract(deep)
    assert doc.rejection is not None and doc.rejection.reason == TOO_DEEP
    items = "".join(f"<li>item number {i} of a long list" for i in range(3000))
    listing = f"<html><body><h1>A list</h1><ul>{items}</ul></body></html>"
    assert thresher.extract(listing).rejection is None


def test_page_furniture_inside_the_article_is_left_out() -> None:
    furniture = (
        "<figure><img src='pier.jpg'><figcaption>The new pier at dawn, seen from the old "
        "quay. Photo: Gazette staff</figcaption></figure>"
        "<div class='cookie-consent'>This website uses cookies to improve your experience. "
        "By continuing to browse you agree to our use of cookies.</div>"
        "<div class='newsletter-box'>Get the latest harbour news delivered to your inbox "
        "every morning, free of charge, by signing up to our newsletter today.</div>"
    )
    body = [PARAGRAPHS[0], furniture, *PARAGRAPHS[1:]]
    doc = thresher.extract(page(body))
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text
    assert "Photo: Gazette staff" not in doc.text
    assert "uses cookies" not in doc.text
    assert "newsletter" not in doc.text


def test_an_article_whose_class_reads_like_furniture_is_kept() -> None:
    # Substack's article element is `newsletter-post`: a container, never furniture
    html = page().replace("<article>", "<article class='newsletter-post post'>")
    doc = thresher.extract(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text


def test_an_embedded_post_is_kept_as_a_quote() -> None:
    tweet = (
        "<blockquote class='twitter-tweet'><p lang='en'>The pier opens to the public on the "
        "first of April, with free entry for the whole of the first week.</p>&mdash; Harbour "
        "Authority (@harbour) <a href='https://twitter.com/harbour/status/1'>March 4, 2024</a>"
        "</blockquote>"
    )
    doc = thresher.extract(page([PARAGRAPHS[0], tweet, *PARAGRAPHS[1:]]))
    assert "free entry for the whole of the first week" in doc.text
    assert PARAGRAPHS[-1] in doc.text


REPLY = (
    "<div class='comment reply'><div class='comment-body'><p>Reply {i}: we moored at the new "
    "pier last weekend and found the berths wide, the fees fair and the harbour staff helpful "
    "with the ropes, though the car park was already full by nine.</p></div></div>"
)


def test_running_text_left_out_by_the_fast_pass_is_read_from_the_page_container() -> None:
    # a forum thread: one short opening post, and replies that resiliparse's main-content
    # rules take for comments; the fast region holds a small share of the page's paragraphs
    replies = "".join(REPLY.format(i=i) for i in range(12))
    html = (
        "<html><head><title>Harbour pier to open</title></head><body><nav><ul><li><a href='/'>"
        "Home</a></li><li><a href='/s'>Sport</a></li></ul></nav><main><div class='post'><h1>"
        f"Harbour pier to open</h1><p>{'</p><p>'.join(PARAGRAPHS)}</p></div><section class='comments'>"
        f"{replies}</section></main><footer><p>All rights reserved.</p></footer></body></html>"
    )
    doc = thresher.extract(html)
    assert doc.metadata["extractor"] == "container"
    assert PARAGRAPHS[0] in doc.text and "Reply 11: we moored" in doc.text
    assert "Sport" not in doc.text and "All rights reserved" not in doc.text
    fast = thresher.extract(html, mode="fast")
    assert fast.metadata["extractor"] == "fast" and "Reply 11" not in fast.text


def test_a_page_with_no_prose_region_and_no_container_goes_to_the_careful_pass() -> None:
    # short replies only (no block reads as prose), in plain divs: no container to read
    replies = "".join(f"<div class='reply'>Reply {i}: berths wide</div>" for i in range(12))
    html = f"<html><body><div><h1>Pier opened</h1>{replies}</div></body></html>"
    doc = thresher.extract(html)
    assert doc.metadata["extractor"] == "careful"
    assert "Reply 11: berths wide" in doc.text
    assert thresher.extract(html, mode="fast").metadata["extractor"] == "page"


def test_the_container_pass_reads_the_most_explicit_container_whole() -> None:
    from resiliparse.parse.html import HTMLTree

    from thresher.extract.main import container_text

    body = " ".join(PARAGRAPHS)
    html = (
        "<html><body><nav><a href='/'>Home</a></nav><main><aside>Most read: the fees, the "
        f"ferries</aside><div itemprop='articleBody'><p>{body}</p><ul><li>Berths: 40</li>"
        "<li>Opening: April</li></ul></div><div class='share'>Share this</div></main>"
        "<footer>All rights reserved</footer></body></html>"
    )
    text = container_text(HTMLTree.parse(html))
    assert text is not None
    assert PARAGRAPHS[0] in text and "Berths: 40" in text and "Opening: April" in text
    for outside in ("Home", "Most read", "Share this", "All rights reserved"):
        assert outside not in text
    # no container of 50 words or more: nothing to read
    assert (
        container_text(HTMLTree.parse("<html><body><main>Too short.</main></body></html>")) is None
    )


def test_a_page_with_no_prose_region_is_read_from_its_container_before_trafilatura() -> None:
    replies = "".join(f"<p>Reply {i}: berths wide</p>" for i in range(20))
    html = (
        "<html><body><nav><a href='/'>Home</a> <a href='/s'>Sport</a></nav><main><h1>Pier "
        f"opened</h1>{replies}</main><footer>All rights reserved</footer></body></html>"
    )
    doc = thresher.extract(html)
    assert doc.metadata["extractor"] == "container"
    assert "Reply 0: berths wide" in doc.text and "Reply 19: berths wide" in doc.text
    assert "Sport" not in doc.text and "All rights reserved" not in doc.text


def test_a_teaser_container_does_not_replace_the_article() -> None:
    # many comments outside the story put the fast region under a quarter of the page's
    # paragraphs; the first container is a sidebar teaser, shorter than the story
    teaser = (
        "<article class='teaser'><p>"
        + " ".join(["Also read: the ferry timetable for the summer season is out now."] * 6)
        + "</p></article>"
    )
    comments = "".join(REPLY.format(i=i) for i in range(30))
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        f"<html><body><aside>{teaser}</aside><div class='story'><h1>Harbour pier to open</h1>"
        f"{story}</div><section class='comments'>{comments}</section></body></html>"
    )
    doc = thresher.extract(html)
    assert doc.metadata["extractor"] == "fast"
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text


def test_a_container_whose_words_are_a_script_is_not_read() -> None:
    from resiliparse.parse.html import HTMLTree

    from thresher.extract.main import container_text

    script = "<script>var words = '" + "word " * 300 + "';</script>"
    html = f"<html><body><main>{script}<p>Only three words.</p></main></body></html>"
    assert container_text(HTMLTree.parse(html)) is None


def test_an_aside_inside_the_article_is_left_out() -> None:
    aside = (
        "<aside><h2>More on this story</h2><p>Ferry timetables for the spring season are "
        "published today, with extra sailings at weekends and a new late boat.</p></aside>"
    )
    complementary = (
        "<div role='complementary'><p>Readers also liked our guide to the best fish "
        "restaurants along the harbour front, updated for this summer.</p></div>"
    )
    doc = thresher.extract(
        page([PARAGRAPHS[0], aside, PARAGRAPHS[1], complementary, PARAGRAPHS[2]])
    )
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text
    assert "Ferry timetables" not in doc.text and "fish restaurants" not in doc.text


def test_chinese_paragraphs_are_counted_as_prose() -> None:
    # written without spaces: counted by whitespace, each paragraph was one "word", no block
    # read as prose, and the wide pass took the page's menus with the article
    sentence = "港口管理局周一表示新码头将在春季开放经过两年的施工和关于成本的长期争论。"
    paragraphs = [f"第{n}段。" + sentence * 3 for n in "一二三"]
    menu = "".join(f"<li><a href='/{i}'>栏目{i}</a></li>" for i in range(30))
    html = (
        f"<html><body><ul>{menu}</ul><div><p>{'</p><p>'.join(paragraphs)}</p></div>"
        "<div>关于我们联系我们广告服务</div></body></html>"
    )
    doc = thresher.extract(html)
    assert doc.metadata["extractor"] == "fast"
    assert doc.text.split("\n") == paragraphs


def test_a_paragraph_said_twice_stays_and_a_copied_run_goes() -> None:
    from thresher.extract.main import drop_repeats

    a, b, c = (p[:150] for p in PARAGRAPHS)
    caption = "The new pier at dawn, from the old quay"
    # one paragraph repeated on purpose stays; a short repeat (a caption) goes
    assert drop_repeats("\n".join([a, b, caption, a, c, caption])) == "\n".join(
        [a, b, caption, a, c]
    )
    # the article printed twice: the second copy goes, a short line between copies stays
    assert drop_repeats("\n".join([a, b, c, "Print", a, b, c])) == "\n".join([a, b, c, "Print"])


def test_the_section_heading_before_the_article_stays_and_the_headline_does_not() -> None:
    html = page().replace("<h1>Harbour pier to open in spring</h1>", "<h2>The plan</h2>")
    assert thresher.extract(html).text.split("\n")[0] == "The plan"
    assert "Harbour pier to open in spring" not in thresher.extract(page()).text


def test_customer_reviews_and_dialogs_are_left_out() -> None:
    reviews = (
        "<div class='product-reviews'><p>Great pier, would moor again. The berths are wide "
        "and the staff are friendly, five stars from our whole crew.</p></div>"
        "<div role='dialog'><p>Add these items to your basket in the Harbour Store? We noticed "
        "that you have entered a different store than the one you used before.</p></div>"
    )
    doc = thresher.extract(page([*PARAGRAPHS[:2], reviews, PARAGRAPHS[2]]))
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text
    assert "would moor again" not in doc.text and "different store" not in doc.text


def test_a_list_of_links_the_text_introduces_is_kept_and_a_feed_after_it_is_not() -> None:
    """resiliparse drops a `<ul>` whose link text is over a fifth of its text; one that a
    paragraph or a heading introduces is put back, but only inside the article's region (a
    feed of teasers after the article stays out)."""
    topics = "".join(
        f"<li><a href='/{slug}'>{name}</a>: {what}.</li>"
        for slug, name, what in (
            ("fees", "Berth fees and moorings", "what a berth costs by the day or the month"),
            ("rules", "Harbour rules for crews", "speed limits and quiet hours in the basin"),
            ("fuel", "Fuel dock opening times", "diesel and petrol at the north quay"),
        )
    )
    feed = "".join(
        f"<li><a href='/n{i}'>Lifeboat crew rescues {i} sailors off the point in a gale</a> "
        "The volunteers launched twice in one night and brought every sailor home safely "
        "to the harbour before dawn, the station said.</li>"
        for i in range(2, 6)
    )
    html = (
        "<html><body><div><div><div><article>"
        f"<p>{PARAGRAPHS[0]}</p><p>Everything a visiting crew needs to know:</p><ul>{topics}</ul>"
        f"<p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></article>"
        f"<h3>More from the coast</h3><ul>{feed}</ul></div></div></div></body></html>"
    )
    doc = thresher.extract(html)
    lines = doc.text.split("\n")
    assert "Berth fees and moorings: what a berth costs by the day or the month." in lines
    assert "Fuel dock opening times: diesel and petrol at the north quay." in lines
    for paragraph in PARAGRAPHS:
        assert paragraph in lines
    assert "Lifeboat" not in doc.text and "More from the coast" not in doc.text


def test_code_examples_keep_their_shared_lines_and_a_log_that_repeats_itself_does_not() -> None:
    setup = "client = harbour.Client(api_key=os.environ['HARBOUR_KEY'])"
    error = "ERROR (MainThread) [harbour] Error doing job: Future exception was never retrieved"
    examples = [
        f"<pre>{setup}\nberths = client.berths.list(limit=10)</pre>",
        f"<pre>{setup}\nfees = client.fees.retrieve(berth='B12')</pre>",
        f"<pre>{error}\n{error}\n{error}\n{error}\n{error}\nTraceback: in receive_loop</pre>",
    ]
    body = "".join(f"<p>{p}</p>{code}" for p, code in zip(PARAGRAPHS, examples, strict=True))
    doc = thresher.extract(f"<html><body><main>{body}</main></body></html>")
    assert doc.text.count(setup) == 2  # each example keeps its set-up line
    # a block mostly of lines said before (a log that repeats itself) is left to the repeat
    # rule whole: one copy stays
    assert doc.text.count(error) == 1
    assert "fees = client.fees.retrieve(berth='B12')" in doc.text
    assert "\u2063" not in doc.text and "\u2064" not in doc.text  # the marks are not text


def test_the_grouped_furniture_selector_matches_what_each_fragment_matches() -> None:
    # the fragments are tested under a shared substring first (a speed-up): every element
    # whose class or id holds a fragment, in any case, is matched all the same
    from resiliparse.parse.html import HTMLTree

    from thresher.extract import main

    fragments = {*main.FURNITURE, *main.FURNITURE_CLASS_ONLY, *main.FURNITURE_ID_ONLY}
    elements = [
        f'<div class="x-{w.upper()}-y">{w}</div><div id="z{w.title()}">{w}</div>'
        for w in sorted(fragments)
    ]
    html = "<html><body>{}<div class='ad'>ad</div><div class='plain'>-</div></body></html>"
    tree = HTMLTree.parse(html.format("".join(elements)))
    assert tree.body is not None
    flat = ", ".join(
        (
            *(f"[class*={w} i]" for w in (*main.FURNITURE, *main.FURNITURE_CLASS_ONLY)),
            *(f"[class~={w} i]" for w in main.FURNITURE_CLASS_WORDS),
            *(f"[id*={w} i]" for w in (*main.FURNITURE, *main.FURNITURE_ID_ONLY)),
        )
    )
    grouped = tree.body.query_selector_all(main._FURNITURE_SELECTOR).values()
    assert [n.html for n in grouped] == [
        n.html for n in tree.body.query_selector_all(flat).values()
    ]
    assert len(grouped) == 2 * len(fragments) + 1 - 3  # cart, controls, toolbar: class only
