"""Each repair step on varied examples: what it removes, and what it must leave alone."""

from __future__ import annotations

import pytest

from thresher import Document
from thresher.repair import Boilerplate, ErrorTemplate, NormalizeText, RepeatedParagraphs, Title
from thresher.repair.boilerplate import is_furniture
from thresher.repair.repetition import line_key

PARA = (
    "The regional water board announced on Thursday that reservoir levels had recovered to "
    "their long-term average after the wettest autumn in twenty years, easing restrictions."
)
PARA2 = (
    "Farmers in the valley welcomed the news but warned that the irrigation channels still "
    "needed repairs before the spring planting season could begin in earnest next month."
)


def doc(text: str, **metadata: object) -> Document:
    return Document(id="t", text=text, metadata=dict(metadata))


@pytest.mark.parametrize(
    "line",
    [
        "Comments",
        "No comments",
        "CommentsNo comment",
        "3 Comments",
        "Comments (12)",
        "Leave a Reply",
        "Leave a Reply Cancel reply",
        "Post a comment",
        "Be the first to comment",
        "Share this article",
        "Share on Facebook",
        "Share: Facebook | Twitter | Email",
        "Subscribe to our newsletter for the latest updates",
        "Follow us on Instagram",
        "This website uses cookies to improve your experience.",
        "We use cookies on our site.",
        "Accept all cookies",
        "Wir verwenden Cookies, um unsere Website zu verbessern.",
        "Home > News > World",
        "Home » Sports » Football",
        "Startseite › Politik › Inland",
        "Skip to main content",
        "Back to top",
        "Advertisement",
        "© 2024 Example Media. All rights reserved.",
        "Copyright 2023 Northwind Press",
        "All rights reserved.",
        "Kommentare",
        "Partager",
        "The views expressed in this article are the author's own.",
    ],
)
def test_furniture_lines(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        PARA,
        "Regulators said the company's website uses cookies to track visitors without consent.",
        "Copyright law is changing fast in the age of generative models.",
        "The comments section of the report drew sharp criticism from unions.",
        "Home prices rose again in March, the third monthly increase in a row.",
        "Share prices fell sharply after the announcement.",
        "Menu prices at the cafe have doubled since 2020.",
        "We're sorry to announce that the festival is cancelled this year.",
    ],
)
def test_article_lines_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)


@pytest.mark.parametrize(
    "heading",
    [
        "Legal Disclaimer:",
        "Disclaimer",
        "DISCLAIMER:",
        "Haftungsausschluss:",
        "Aviso legal:",
        "免责声明：",
    ],
)
def test_disclaimer_heading_goes_with_its_paragraph(heading: str) -> None:
    d = doc(
        f"{PARA}\n{heading}\nThe publisher accepts no liability for the content above.\n{PARA2}"
    )
    Boilerplate()([d]).__next__()
    assert d.text == f"{PARA}\n{PARA2}"
    assert [e.reason for e in d.ledger] == ["boilerplate"]
    assert d.ledger[0].first_line == 1 and d.ledger[0].last_line == 2


def test_disclaimer_paragraph_in_a_blank_line_separated_text() -> None:
    text = (
        f"{PARA}\n\nDisclaimer:\n\nThis content is provided for information only.\n"
        f"It is not advice.\n\n{PARA2}"
    )
    d = doc(text)
    next(Boilerplate()([d]))
    assert d.text == f"{PARA}\n\n{PARA2}"


@pytest.mark.parametrize(
    ("template", "status"),
    [
        ("404 Not Found", 404),
        ("Error 404\nPage not found", 404),
        ("Oops!\nThe page you are looking for has been removed.", 410),
        ("500 Internal Server Error", 500),
        ("Service Unavailable", 503),
        ("403 Forbidden\nYou don't have permission to access this resource.", 403),
        ("Seite nicht gefunden\nDie angeforderte Seite existiert nicht.", 404),
        ("Page introuvable\nDésolé, la page que vous cherchez n'existe pas.", 404),
        ("Página no encontrada\nLo sentimos, la página que buscas no existe.", 404),
        ("Página não encontrada", 404),
        ("Pagina non trovata", 404),
        ("Страница не найдена", 404),
        ("页面不存在", 404),
        ("ページが見つかりません", 404),
        ("Sorry!!\nError! We're sorry, but the page you were looking for doesn't exist.", 200),
    ],
)
def test_error_template_around_an_article_is_removed_and_salvaged(
    template: str, status: int
) -> None:
    d = doc(f"{template}\n{PARA}\n{PARA2}", http_status=status)
    next(ErrorTemplate()([d]))
    assert d.rejection is None
    assert d.text == f"{PARA}\n{PARA2}"
    assert d.metadata["salvaged"] is True
    assert {e.reason for e in d.ledger} == {"error-template"}


def test_error_template_at_the_end_is_removed() -> None:
    d = doc(f"{PARA}\n{PARA2}\nOops!\n404 - Page not found\nGo back to the homepage")
    next(ErrorTemplate()([d]))
    assert d.text == f"{PARA}\n{PARA2}"
    assert d.metadata["salvaged"] is True


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Page not found\nSorry, the page you requested could not be found.\nGo to homepage", 200),
        ("404 Not Found", 404),
        ("Error 500\nInternal Server Error", 500),
        ("Just a few words of text here.", 403),
        ("Страница не найдена\nИзвините", 404),
    ],
)
def test_error_pages_with_nothing_substantial_are_rejected(text: str, status: int) -> None:
    d = doc(text, http_status=status)
    next(ErrorTemplate()([d]))
    assert d.rejection is not None
    assert d.rejection.reason == "error-page"
    assert d.ledger == []


def test_error_status_with_a_real_body_and_no_template_is_salvaged_untouched() -> None:
    d = doc(f"{PARA}\n{PARA2}", http_status=403)
    next(ErrorTemplate()([d]))
    assert d.rejection is None
    assert d.text == f"{PARA}\n{PARA2}"
    assert d.ledger == []
    assert d.metadata["salvaged"] is True


@pytest.mark.parametrize(
    "first",
    [
        "Sorry!!",
        "We're sorry to announce that the festival is cancelled this year.",
        "Error rates in the new census are higher than expected",
        "Access Denied: how a small town lost its only bank",
    ],
)
def test_lines_that_only_look_like_errors_stay(first: str) -> None:
    d = doc(f"{first}\n{PARA}\n{PARA2}", http_status=200)
    next(ErrorTemplate()([d]))
    assert d.text == f"{first}\n{PARA}\n{PARA2}"
    assert d.metadata["salvaged"] is False


@pytest.mark.parametrize(
    ("copy", "why"),
    [
        (PARA, "exact"),
        (PARA.upper(), "case"),
        (PARA.replace(",", "").replace(" ", "  "), "punctuation and spacing"),
        (PARA + " Read more", "trailing read more"),
        (PARA + " Continue reading…", "trailing continue reading"),
        (PARA.replace("twenty", "thirty"), "one word changed"),
        (PARA.replace("Thursday", "Friday").replace("wettest", "driest"), "two words changed"),
    ],
)
def test_repeats_are_removed_and_the_first_stays(copy: str, why: str) -> None:
    d = doc(f"{PARA}\n{PARA2}\n{copy}")
    next(RepeatedParagraphs()([d]))
    assert d.text == f"{PARA}\n{PARA2}", why
    assert [(e.reason, e.first_line) for e in d.ledger] == [("repeated-paragraph", 2)]


def test_changed_date_counts_as_a_repeat() -> None:
    a = "Posted on 12 March 2024 by the editorial team of the county gazette"
    b = "Posted on 19 March 2025 by the editorial team of the county gazette"
    assert line_key(a) == line_key(b)


def test_short_repeats_and_distinct_paragraphs_stay() -> None:
    text = f"Yes.\n{PARA}\nYes.\n{PARA2}\nNo."
    d = doc(text)
    next(RepeatedParagraphs()([d]))
    assert d.text == text
    assert d.ledger == []


def test_whole_article_printed_twice() -> None:
    d = doc(f"Headline here\n{PARA}\n{PARA2}\n{PARA}\n{PARA2}")
    next(RepeatedParagraphs()([d]))
    assert d.text == f"Headline here\n{PARA}\n{PARA2}"
    assert [(e.first_line, e.last_line) for e in d.ledger] == [(3, 4)]


def test_mojibake_is_repaired_line_by_line() -> None:
    d = doc("Le cafÃ© est fermÃ© aujourd'hui.\nDie StraÃŸe ist gesperrt.\nClean line.")
    next(NormalizeText()([d]))
    assert d.text == "Le café est fermé aujourd'hui.\nDie Straße ist gesperrt.\nClean line."
    assert [(e.reason, e.first_line) for e in d.ledger] == [("unicode", 0), ("unicode", 1)]


def test_whitespace_is_normalised_and_recorded() -> None:
    d = doc("\n\n  Title  here \t\nbody\u00a0text\r\n\n\n\nend  ")
    next(NormalizeText()([d]))
    assert d.text == "Title here\nbody text\n\nend"
    assert {e.reason for e in d.ledger} == {"whitespace"}


@pytest.mark.parametrize(
    "text",
    [
        "“Curly quotes” — and dashes… stay.",
        "全角の文字と日本語のテキスト。",
        "Ｆｕｌｌ width stays",
        "ﬁne ligature",
        "Привет, мир!\n\nВторой абзац.",
    ],
)
def test_clean_unicode_is_left_alone(text: str) -> None:
    d = doc(text)
    next(NormalizeText()([d]))
    assert d.text == text
    assert d.ledger == []


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("Lighthouse keepers return to the coast", "Lighthouse keepers return to the coast"),
        ("Is the reservoir finally full again?", "Is the reservoir finally full again?"),
        (PARA, None),
        ("A sentence that ends with a period.", None),
    ],
)
def test_title_from_a_headline_like_first_line(first: str, title: str | None) -> None:
    d = doc(f"{first}\n{PARA2}")
    next(Title()([d]))
    assert d.metadata.get("title") == title
    assert d.text.startswith(first)


def test_existing_title_is_kept() -> None:
    d = doc(f"Some headline\n{PARA}", title="Given title")
    next(Title()([d]))
    assert d.metadata["title"] == "Given title"


def test_consent_buttons_go_with_their_notice() -> None:
    notice = "We use essential cookies to make our site work, and others with your consent."
    d = doc(f"Cookie settings\n{notice}\nAccept\nReject\n{PARA}\nOK, said the mayor, we agree.")
    next(Boilerplate()([d]))
    assert d.text == f"{PARA}\nOK, said the mayor, we agree."


def test_a_short_heading_goes_with_the_furniture_paragraph_below_it() -> None:
    legal = (
        "Northwind provides this information “as is” without warranty of any kind and accepts "
        "no responsibility for the accuracy or completeness of the content of this article."
    )
    d = doc(f"{PARA}\nTerms of use\n{legal}\n{PARA2}")
    next(Boilerplate()([d]))
    assert d.text == f"{PARA}\n{PARA2}"


def test_menus_go_and_table_rows_stay() -> None:
    table = "Year | Physics | Chemistry | Medicine\n1901 | Röntgen | van 't Hoff | von Behring"
    d = doc(f"Contact us | About us | Advertise | Careers\n{PARA}\n{table}\nLength 7 / 177mm | Red")
    next(Boilerplate()([d]))
    assert d.text == f"{PARA}\n{table}\nLength 7 / 177mm | Red"


def test_numbers_are_content_in_short_lines_but_fold_in_paragraphs() -> None:
    assert line_key("Item 12: blue kettle") != line_key("Item 13: blue kettle")
    assert line_key("Updated on 3 May 2024 by the night desk of the paper") == line_key(
        "Updated on 4 May 2024 by the night desk of the paper"
    )


def default_repeated_paragraphs() -> RepeatedParagraphs:
    from thresher import Recipe

    found = [s for s in Recipe.default().steps if isinstance(s, RepeatedParagraphs)]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Actual Weight (U.S. men’s 9): 9.7 ounces (275 grams) | Drop: 8 millimeters",
            "Actual Weight (U.S. men’s 9): 9.2 ounces (261 grams) | Drop: 8 millimeters",
        ),
        (
            "Main Set. Repeat 10-12 times, ending when you feel like the next interval is the "
            "last you could possibly do at the same pace.",
            "Main Set. Repeat 6-8 times, ending when you feel like the next interval is the "
            "last you could possibly do at the same pace.",
        ),
        (
            "Storage: 512 GB SSD | Display: 14-inch | Tested battery life: 12 hours of video",
            "Storage: 512 GB SSD | Display: 14-inch | Tested battery life: 9 hours of video",
        ),
    ],
)
def test_lines_that_differ_in_their_figures_are_different_facts(first: str, second: str) -> None:
    text = f"{first}\n{PARA}\n{second}"
    d = doc(text)
    next(RepeatedParagraphs(distinct_figures=True)([d]))
    assert d.text == text
    assert d.ledger == []
    d = doc(text)
    next(default_repeated_paragraphs()([d]))
    assert d.text == text
    d = doc(text)
    next(RepeatedParagraphs()([d]))  # the step's default: a repeat with changed figures
    assert d.text == f"{first}\n{PARA}"


@pytest.mark.parametrize(
    "copy",
    [PARA, PARA.upper(), PARA + " Read more", PARA.replace("twenty", "thirty")],
)
def test_with_distinct_figures_repeats_still_go(copy: str) -> None:
    d = doc(f"{PARA}\n{PARA2}\n{copy}")
    next(RepeatedParagraphs(distinct_figures=True, near_min_words=20)([d]))
    assert d.text == f"{PARA}\n{PARA2}"
    assert [(e.reason, e.first_line) for e in d.ledger] == [("repeated-paragraph", 2)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Join Us in Philadelphia for the Futurecon Cybersecurity Event!",
            "Join Us in Minneapolis for the Futurecon Cybersecurity Event!",
        ),
        (
            "A successful PUT request to a document MUST result in:",
            "A successful DELETE request to a document MUST result in:",
        ),
        (
            "Free Plan: Basic features with Wix branding (limited functionality).",
            "Free Plan: Basic features with Weebly branding (limited functionality).",
        ),
    ],
)
def test_in_the_default_recipe_a_sentence_with_a_word_changed_is_another_sentence(
    first: str, second: str
) -> None:
    text = f"{first}\n{PARA}\n{second}"
    d = doc(text)
    next(default_repeated_paragraphs()([d]))
    assert d.text == text
    d = doc(text)
    next(RepeatedParagraphs()([d]))  # the step's default matches lines of 8 words or more
    assert d.text == f"{first}\n{PARA}"


FORUM_POST = (
    "Re: gearbox noise after the clutch swap\n"
    "Join Date: Oct 2007\n"
    "Location: Salem, MA\n"
    "Posts: 29,693\n"
    f"{PARA}\n"
    "1 Agrees | 0 Disagrees | Report Abuse »\n"
    f"{PARA2}\n"
    "Reply | Quote\n"
)
MAIL = (
    "- To: mathgroup at smc.vnet.net\n"
    "- Subject: [mg47173] Re: Yet another docs whopper\n"
    "- From: drbob at bigfoot.com (Bobby R. Treat)\n"
    "- Date: Sun, 28 Mar 2004 00:08:10 -0500 (EST)\n"
    f"{PARA}\n"
)
REVIEWS = (
    "4 people found the following review helpful\n"
    "Posted by FataMorgana From Russian Federation on Mar 25, 2012\n"
    f"{PARA}\n"
    "#1 by admin on November 23, 2012 - 14:22\n"
    f"{PARA2}"
)


def test_metadata_lines_are_off_by_default() -> None:
    d = doc(FORUM_POST)
    next(Boilerplate()([d]))
    assert "Join Date: Oct 2007" in d.text and "1 Agrees" in d.text


def test_forum_profile_fields_and_post_widgets_go() -> None:
    d = doc(FORUM_POST)
    next(Boilerplate(metadata_lines=True)([d]))
    assert d.text == f"Re: gearbox noise after the clutch swap\n{PARA}\n{PARA2}"
    assert {e.reason for e in d.ledger} == {"boilerplate"}


def test_a_message_header_block_goes() -> None:
    d = doc(MAIL)
    next(Boilerplate(metadata_lines=True)([d]))
    assert d.text == f"{PARA}\n"


def test_review_votes_and_dated_bylines_go() -> None:
    d = doc(REVIEWS)
    next(Boilerplate(metadata_lines=True)([d]))
    assert d.text == f"{PARA}\n{PARA2}"


def test_an_articles_facts_and_sentences_stay() -> None:
    """Labels an article also uses ("Date:", "Location:") without a post or profile field,
    one labelled line alone, a byline sentence, and a table row of figures are content."""
    text = (
        "Date: June 5, 2024\n"
        "Location: City Hall, Salem\n"
        f"{PARA}\n"
        "Subject: the budget for the coming year\n"
        f"{PARA2}\n"
        "Posted by the mayor on May 5, the notice drew a crowd.\n"
        "X-ray: clear\nDate: May 2\n"
        "Posts | 12 | 14 | 19\n"
        "Year | Wins | Losses | Draws"
    )
    d = doc(text)
    next(Boilerplate(metadata_lines=True)([d]))
    assert d.text == text
    assert not d.ledger
