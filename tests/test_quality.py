"""Quality rules: the word split (checked against spaCy's own output), each rule's signals and
sub-rules, thresholds from the recipe, C4's line removals in the ledger, and the reference
record kept by repairing first where the datatrove-equivalent chain drops it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thresher import Document, Recipe
from thresher.quality import C4Quality, FineWebQuality, GopherQuality, GopherRepetition
from thresher.quality.analysis import Analysis, analysis_of
from thresher.quality.tokens import chunk_tokens, count_sentences, words
from thresher.readers import parse_record

# Expected token lists printed by spaCy 3.8.18: `[t.text for t in spacy.blank("en").tokenizer(s)]`.
SPACY_TOKENS = {
    "Don't stop: it's 3.14 km away (roughly).": [
        "Do", "n't", "stop", ":", "it", "'s", "3.14", "km", "away", "(", "roughly", ")", ".",
    ],
    "Visit https://example.org/a?b=1 now!": ["Visit", "https://example.org/a?b=1", "now", "!"],
    "well-known U.S. e.g. 10km $5.00": [
        "well", "-", "known", "U.S.", "e.g.", "10", "km", "$", "5.00",
    ],
    "Hello,world... “quoted” — dash": [
        "Hello", ",", "world", "...", "“", "quoted", "”", "—", "dash",
    ],
    "He said:) fine''": ["He", "said", ":)", "fine", "''"],
    "C'mon, y'all can't!": ["C'm", "on", ",", "y'", "all", "ca", "n't", "!"],
    "#tags and @handles: 50% off": ["#", "tags", "and", "@handles", ":", "50", "%", "off"],
    "A. B. Smith Jr. went to St. Louis.": [
        "A.", "B.", "Smith", "Jr.", "went", "to", "St.", "Louis", ".",
    ],
}  # fmt: skip
# Sentence counts from spaCy's sentencizer on the same version.
SPACY_SENTENCES = {
    "One. Two! Three?": 3,
    "Dr. Smith arrived. He left.": 2,
    "No final punctuation here": 1,
    "Wait... what?! Yes.": 2,
}

OTHER = (
    "A second meeting is planned for June, when engineers will present three options for "
    "the repair. Local fishermen want work to start early; shop owners would rather wait."
)
PARA = (
    "The committee met on Tuesday to discuss the future of the harbour, and most of the "
    "members agreed that the old pier should be repaired before the summer season begins. "
    "They also asked the council to publish the costs of the work with the next budget."
)


@pytest.mark.parametrize(("text", "expected"), SPACY_TOKENS.items())
def test_words_split_as_spacy_does(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(("text", "expected"), SPACY_SENTENCES.items())
def test_sentences_count_as_spacys_sentencizer(text: str, expected: int) -> None:
    assert count_sentences(words(text)) == expected


def run(step: object, text: str) -> Document:
    doc = Document(id="q", text=text)
    next(step([doc]))  # type: ignore[operator]
    return doc


def test_a_clean_article_passes_every_rule_and_carries_its_signals() -> None:
    text = "\n".join(
        [
            PARA,
            OTHER,
            "Residents can send their views to the council before the end of May.",
        ]
    )
    doc = Document(id="q", text=text)
    out = Recipe.named("fineweb-filters").clean(doc)
    assert out.rejection is None
    signals = out.metadata["signals"]
    for key in (
        "dup_line_frac",
        "top_2_gram_frac",
        "dup_5_gram_frac",
        "non_symbol_words",
        "stop_words",
        "c4_sentences",
        "line_punct_ratio",
        "newline_word_ratio",
    ):
        assert key in signals
    assert signals["stop_words"] == 7
    assert signals["c4_sentences"] == 5


@pytest.mark.parametrize(
    ("step", "text", "detail"),
    [
        (GopherRepetition(), "", "empty"),
        (GopherRepetition(), "\n\n".join([PARA, PARA, PARA]), "dup_para_frac"),
        (GopherRepetition(), "\n".join([PARA, "Line one.", "Line two.", PARA]), "dup_line_char_frac"),
        (GopherRepetition(), "buy now " * 200, "top_2_gram"),
        (GopherQuality(), "Too short to count.", "gopher_short_doc"),
        (GopherQuality(), " ".join(["extraordinarily"] * 60) + " the and", "gopher_above_avg_threshold"),
        (GopherQuality(), PARA + " #tag" * 30, "gopher_too_many_hashes"),
        (GopherQuality(), "\n".join(["- item with the and of words"] * 20), "gopher_too_many_bullets"),
        (GopherQuality(), " ".join(["123 456"] * 40) + " " + PARA, "gopher_below_alpha_threshold"),
        (GopherQuality(), " ".join(["apple banana cherry"] * 30), "gopher_enough_stop_words"),
        (C4Quality(), PARA + " Lorem ipsum dolor sit amet.", "lorem_ipsum"),
        (C4Quality(), PARA + "\nUse the {braces} here now.", "curly_bracket"),
        (C4Quality(), "One sentence with words here.", "too_few_sentences"),
        (FineWebQuality(), "\n".join(["no punctuation at the end of this line"] * 10), "line_punct_ratio"),
        (FineWebQuality(), "\n".join(["Short."] * 10), "short_line_ratio"),
        (FineWebQuality(), "\n".join([PARA, "Repeated line that is long enough.", PARA[:50] + ".",
                                     "Repeated line that is long enough."]), "char_dup_ratio"),
    ],
)  # fmt: skip
def test_each_sub_rule_rejects_with_its_name(step: object, text: str, detail: str) -> None:
    doc = run(step, text)
    assert doc.rejection is not None
    assert doc.rejection.reason == step.name  # type: ignore[attr-defined]
    assert doc.rejection.detail == detail


def test_thresholds_come_from_the_recipe() -> None:
    text = "\n".join([PARA, "Line one.", "Line two.", PARA])
    assert run(GopherRepetition(), text).rejection is not None
    assert (
        run(
            GopherRepetition(
                dup_line_char_frac=0.0,
                dup_line_frac=0.5,
                dup_5_gram_frac=0.0,
                dup_6_gram_frac=0.0,
                dup_7_gram_frac=0.0,
                dup_8_gram_frac=0.0,
                dup_9_gram_frac=0.0,
                dup_10_gram_frac=0.0,
            ),
            text,
        ).rejection
        is None
    )
    loose = Recipe.loads("steps:\n- step: gopher-quality\n  min_doc_words: 2\n")
    assert loose.clean(Document(id="q", text="Too short to count for the rule.")).rejection is None


def test_c4_line_removals_are_repairs_in_the_ledger() -> None:
    text = "\n".join(
        [
            "Menu.",
            PARA + "[1]",
            "Enable JavaScript to view the comments on this page.",
            "We use cookies to improve this site for you.",
            PARA,
            "No terminal punctuation in this line",
            OTHER,
        ]
    )
    doc = run(C4Quality(), text)
    assert doc.rejection is None
    assert doc.text == f"{PARA}\n{PARA}\n{OTHER}"
    reasons = [(e.reason, e.first_line) for e in doc.ledger]
    assert reasons == [
        ("c4-too-few-words", 0),
        ("c4-citation", 1),
        ("c4-javascript", 2),
        ("c4-policy", 3),
        ("c4-no-terminal-punct", 5),
    ]


def test_c4_as_fineweb_configures_it_keeps_headlines() -> None:
    doc = run(C4Quality(filter_no_terminal_punct=False), f"Harbour pier to reopen\n{PARA}")
    assert doc.text.startswith("Harbour pier to reopen\n")


def test_rejected_by_c4_means_no_line_edits() -> None:
    doc = run(C4Quality(), "Menu\nOnly one sentence here.")
    assert doc.rejection is not None
    assert doc.ledger == []


def test_repairing_first_keeps_the_reference_record(seed_path: Path) -> None:
    raw = seed_path.read_text(encoding="utf-8")
    peer = Recipe.named("fineweb-filters").clean(parse_record(raw, seed_path.name))
    assert peer.rejection is not None
    assert (peer.rejection.reason, peer.rejection.detail) == (
        "gopher-repetition",
        "dup_line_char_frac",
    )
    ours = Recipe.named("fineweb").clean(parse_record(raw, seed_path.name))
    assert ours.rejection is None
    assert ours.metadata["salvaged"] is True
    assert ours.metadata["signals"]["dup_line_char_frac"] == 0.0


@pytest.mark.parametrize(
    "word", ["said", "end", "Alpha", "cannot", "im", "id", "Mr", "gonna", "ΑΘΗΝΑ", "дом", "გზით"]
)
@pytest.mark.parametrize("mark", [",", ";", ":", "!", "?", ")", '"', "."])
def test_the_word_and_mark_shortcut_agrees_with_the_full_algorithm(word: str, mark: str) -> None:
    from thresher.quality.tokens import _tokenize_chunk, _tokenize_slow

    assert _tokenize_chunk(word + mark) == _tokenize_slow(word + mark)


BOUNDARY_TEXT = "\n\n".join(
    [
        PARA,
        "- one bullet line with the words...\n- two bullet line...\n#tag #news #more here",
        OTHER,
        PARA,
    ]
)
# (step class, threshold parameter, signal it bounds, "max" if larger signals fail, rule name)
BOUNDARIES = [
    *[(GopherRepetition, p, p, "max", None) for p in (
        "dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac",
        "top_2_gram_frac", "top_3_gram_frac", "top_4_gram_frac", "dup_5_gram_frac",
        "dup_6_gram_frac", "dup_7_gram_frac", "dup_8_gram_frac", "dup_9_gram_frac",
        "dup_10_gram_frac")],
    (GopherQuality, "min_doc_words", "non_symbol_words", "min", "gopher_short_doc"),
    (GopherQuality, "max_doc_words", "non_symbol_words", "max", "gopher_long_doc"),
    (GopherQuality, "min_avg_word_length", "mean_word_length", "min", "gopher_below_avg_threshold"),
    (GopherQuality, "max_avg_word_length", "mean_word_length", "max", "gopher_above_avg_threshold"),
    (GopherQuality, "max_symbol_word_ratio", "hash_word_ratio", "max", "gopher_too_many_hashes"),
    (GopherQuality, "max_bullet_lines_ratio", "bullet_lines_ratio", "max", "gopher_too_many_bullets"),
    (GopherQuality, "max_ellipsis_lines_ratio", "ellipsis_lines_ratio", "max", "gopher_too_many_end_ellipsis"),
    (GopherQuality, "min_alpha_words_ratio", "alpha_words_ratio", "min", "gopher_below_alpha_threshold"),
    (GopherQuality, "min_stop_words", "stop_words", "min", "gopher_enough_stop_words"),
    (C4Quality, "min_num_sentences", "c4_sentences", "min", "too_few_sentences"),
    (FineWebQuality, "line_punct_thr", "line_punct_ratio", "min", "line_punct_ratio"),
    (FineWebQuality, "short_line_thr", "short_line_ratio", "max", "short_line_ratio"),
    (FineWebQuality, "char_duplicates_ratio", "char_dup_ratio", "max", "char_dup_ratio"),
    (FineWebQuality, "new_line_ratio", "newline_word_ratio", "max", "list_ratio"),
]  # fmt: skip
OFF = {
    GopherRepetition: {p: 0.0 for p in GopherRepetition().params() if p != "languages"},
    GopherQuality: {p: 0 for p in GopherQuality().params() if p not in ("languages", "word_split")},
    C4Quality: {"filter_no_terminal_punct": False, "min_words_per_line": -1},
    FineWebQuality: {"line_punct_thr": 0.0, "short_line_thr": 1.0, "char_duplicates_ratio": 1.0,
                     "new_line_ratio": 100.0},
}  # fmt: skip


@pytest.mark.parametrize(("cls", "param", "signal", "kind", "rule"), BOUNDARIES)
def test_just_inside_and_just_outside_each_threshold(
    cls: type, param: str, signal: str, kind: str, rule: str | None
) -> None:
    measured = run(cls(**OFF[cls]), BOUNDARY_TEXT).metadata["signals"][signal]
    assert measured > 0
    integer = isinstance(cls().params()[param], int)
    step_out = 1 if integer else 1e-9
    outside = measured - step_out if kind == "max" else measured + step_out
    params = {**OFF[cls], param: measured if not integer else int(measured)}
    inside = run(cls(**params), BOUNDARY_TEXT)
    assert inside.rejection is None, (param, measured)
    params[param] = outside if not integer else int(outside)
    out = run(cls(**params), BOUNDARY_TEXT)
    assert out.rejection is not None, (param, measured)
    assert out.rejection.detail == (rule or gopher_rule_name(param))


def gopher_rule_name(param: str) -> str:
    from thresher.quality.gopher import _rule_name

    return _rule_name(param)


def test_rules_calibrated_for_english_leave_other_languages_alone() -> None:
    doc = Document(id="q", text="Too short.", metadata={"language": "de"})
    next(GopherQuality(languages="en")([doc]))
    assert doc.rejection is None
    assert "signals" not in doc.metadata
    next(GopherQuality()([doc]))
    assert doc.rejection is not None


# thresher's own reading of the rules: parameters whose defaults keep datatrove's behaviour, set
# in the default recipe (docs/QUALITY.md, "The default recipe").
LAST = "Residents can send their views to the council before the end of May."
QUOTED_NEWS = "\n".join(
    [
        "“We’re not going anywhere,” said Maria Lee, 54, a baker on Main Street, on Tuesday."
        " “It’s our home — and it’s been 30 years.”",
        "“The rent went up 40%, then 25%,” she said. “What can you do?”",
        "Her neighbour, Tom Hart, 61, agreed: “They’ve tried, twice, in 2019 and 2021; we said no,"
        " and we’ll say it again.”",
        "“Yes, it’s hard,” Lee said, “but the street, the people — that’s why we stay.”",
        "The council’s vote, set for May 3, could change that; a spokesman said: “No comment, for"
        " now.”",
    ]
)


def test_a_quote_heavy_news_article_has_words_with_letters_as_gopher_counts_them() -> None:
    datatrove = run(GopherQuality(), QUOTED_NEWS)
    assert datatrove.rejection is not None
    assert datatrove.rejection.detail == "gopher_below_alpha_threshold"
    assert datatrove.metadata["signals"]["alpha_words_ratio"] < 0.8  # "“", ",", "—" are words
    gopher = run(GopherQuality(word_split="whitespace"), QUOTED_NEWS)
    assert gopher.rejection is None
    signals = gopher.metadata["signals"]
    assert signals["words"] == len(QUOTED_NEWS.split())
    assert signals["alpha_words_ratio"] > 0.85
    assert signals["stop_words"] == 3  # "the", "and", "that": matched without their marks


def test_the_default_recipe_keeps_a_quote_heavy_news_article_and_fineweb_filters_does_not() -> None:
    ours = Recipe.default().clean(Document(id="q", text=QUOTED_NEWS))
    assert ours.rejection is None
    assert ours.text == QUOTED_NEWS
    theirs = Recipe.named("fineweb-filters").clean(Document(id="q", text=QUOTED_NEWS))
    assert theirs.rejection is not None
    assert theirs.rejection.detail == "gopher_below_alpha_threshold"


def test_fineweb_filters_keeps_datatroves_behaviour_rule_for_rule() -> None:
    for step in Recipe.named("fineweb-filters").steps:
        assert step.params() == type(step)().params(), step.name


def test_a_lorem_ipsum_sidebar_line_is_removed_and_the_article_kept() -> None:
    text = "\n".join(
        [PARA, "Lorem ipsum dolor sit amet, consectetur adipiscing elit.", OTHER, PARA]
    )
    assert run(C4Quality(), text).rejection is not None  # datatrove: the page goes
    doc = run(C4Quality(lorem_ipsum_lines=True), text)
    assert doc.rejection is None
    assert doc.text == f"{PARA}\n{OTHER}\n{PARA}"
    assert [(e.step, e.reason, e.first_line) for e in doc.ledger] == [("c4", "c4-lorem-ipsum", 1)]
    assert "Lorem ipsum" in doc.ledger[0].removed


def test_the_default_recipe_removes_a_lorem_ipsum_line_with_its_reason() -> None:
    text = "\n\n".join([PARA, OTHER, "Lorem ipsum dolor sit amet, consectetur elit.", LAST])
    doc = Recipe.default().clean(Document(id="q", text=text))
    assert doc.rejection is None
    assert "orem ipsum" not in doc.text
    assert any(e.reason == "c4-lorem-ipsum" for e in doc.ledger)


@pytest.mark.parametrize(
    "warning",
    [
        "Please enable JavaScript to view the comments powered by Disqus.",
        "JavaScript is disabled in your browser.",
        "You need to enable JavaScript to run this app.",
        "This site requires JavaScript to work properly.",
        "Your browser does not support JavaScript, so this page may not work.",
        "Javascript must be enabled for the correct page display.",
    ],
)
def test_a_javascript_warning_is_removed(warning: str) -> None:
    doc = run(C4Quality(javascript_warnings_only=True), "\n".join([PARA, warning, OTHER, LAST]))
    assert doc.rejection is None
    assert doc.text == f"{PARA}\n{OTHER}\n{LAST}"
    assert [e.reason for e in doc.ledger] == ["c4-javascript"]


@pytest.mark.parametrize(
    "prose",
    [
        "Learn how to build dynamic web apps with JavaScript, React, and Node.js in this course.",
        "Functions are one of the fundamental building blocks in JavaScript.",
        "JavaScript Development Certificate",
    ],
)
def test_a_line_that_only_names_javascript_stays(prose: str) -> None:
    text = "\n".join([PARA, prose, OTHER, LAST])
    assert run(C4Quality(filter_no_terminal_punct=False), text).text == f"{PARA}\n{OTHER}\n{LAST}"
    doc = run(C4Quality(filter_no_terminal_punct=False, javascript_warnings_only=True), text)
    assert doc.rejection is None
    assert doc.text == text
    assert doc.ledger == []


def test_one_curly_bracket_in_prose_is_not_code() -> None:
    text = "\n".join([PARA, "The set {a, b} has two members, as the lecture showed.", OTHER])
    assert run(C4Quality(), text).rejection is not None
    doc = run(C4Quality(curly_bracket_max_share=0.5), text)
    assert doc.rejection is None
    assert doc.text == text
    assert 0 < doc.metadata["signals"]["c4_curly_bracket_share"] < 0.5


def test_a_page_that_is_mostly_code_is_still_rejected_for_its_curly_brackets() -> None:
    code = "\n".join(
        f"function handler{i}(event) {{ return window.dataLayer.push({{id: {i}}}); }}"
        for i in range(12)
    )
    step = C4Quality(filter_no_terminal_punct=False, curly_bracket_max_share=0.5)
    doc = run(step, "\n".join([PARA, code, OTHER, LAST]))
    assert doc.rejection is not None
    assert doc.rejection.detail == "curly_bracket"


def test_short_lines_go_in_a_run_and_stay_between_paragraphs() -> None:
    text = "\n".join(
        ["Home", "News", "Sport", "Weather", "Ingredients", PARA, "Really.", OTHER, LAST]
    )
    datatrove = run(C4Quality(filter_no_terminal_punct=False), text)
    assert datatrove.text == f"{PARA}\n{OTHER}\n{LAST}"
    doc = run(C4Quality(filter_no_terminal_punct=False, short_line_run=3), text)
    assert doc.rejection is None
    # the menu is a run of five short lines; "Really." sits between two paragraphs
    assert doc.text == f"{PARA}\nReally.\n{OTHER}\n{LAST}"
    assert [(e.reason, e.first_line, e.last_line) for e in doc.ledger] == [
        ("c4-too-few-words", 0, 4)
    ]


def test_a_kept_short_line_is_not_counted_as_a_sentence() -> None:
    text = "\n".join(["Heading one", PARA, "Heading two", OTHER, LAST])
    datatrove = run(C4Quality(filter_no_terminal_punct=False), text)
    ours = run(C4Quality(filter_no_terminal_punct=False, short_line_run=2), text)
    assert ours.text == text
    assert ours.metadata["signals"]["c4_sentences"] == datatrove.metadata["signals"]["c4_sentences"]


def test_a_line_ending_in_a_closing_quote_after_its_full_stop_ends_in_punctuation() -> None:
    lines = [f"“Line {i} of the quote ends here.”" for i in range(8)] + ["A last plain line"]
    text = "\n".join(lines)
    off = {"short_line_thr": 1.0, "char_duplicates_ratio": 1.0, "new_line_ratio": 100.0}
    datatrove = run(FineWebQuality(**off), text)
    assert datatrove.rejection is not None
    assert datatrove.rejection.detail == "line_punct_ratio"
    ours = run(FineWebQuality(**off, line_punct_closing_marks=True), text)
    assert ours.rejection is None
    assert ours.metadata["signals"]["line_punct_ratio"] == 8 / 9


@pytest.mark.parametrize(
    "line",
    [
        "The Chozo explored the stars. [M1 / MP]",
        "The pier reopened in June.[12]",
        "The pier reopened in June. [citation needed]",
        "“The pier reopened,” she said. [Source: harbour office]",
    ],
)
def test_a_reference_in_brackets_after_the_full_stop_ends_in_punctuation(line: str) -> None:
    text = "\n".join([line] * 8 + ["A last"])
    off = {"short_line_thr": 1.0, "char_duplicates_ratio": 1.0, "new_line_ratio": 100.0}
    assert run(FineWebQuality(**off), text).rejection is not None  # datatrove: "]" ends it
    ours = run(FineWebQuality(**off, line_punct_closing_marks=True), text)
    assert ours.rejection is None
    assert ours.metadata["signals"]["line_punct_ratio"] == 8 / 9


@pytest.mark.parametrize(
    "line",
    ["Photo gallery [12 photos]", "Chapter 4 [draft]", "See the list [...]", "Home [x]"],
)
def test_a_bracket_after_no_full_stop_does_not_end_in_punctuation(line: str) -> None:
    off = {"short_line_thr": 1.0, "char_duplicates_ratio": 1.0, "new_line_ratio": 100.0}
    ours = run(FineWebQuality(**off, line_punct_closing_marks=True), "\n".join([line] * 3))
    assert ours.metadata["signals"]["line_punct_ratio"] == 0.0


@pytest.mark.parametrize(
    ("step", "params"),
    [
        ("gopher-quality", "word_split: words"),
        ("c4", "curly_bracket_max_share: 1.0"),
        ("c4", "curly_bracket_max_share: -0.1"),
        ("c4", "short_line_run: 0"),
        ("c4", "lorem_ipsum_lines: 1"),
        ("c4", "policy_notices_only: 'no'"),
        ("c4", "sentences_need_terminal_punct: 0"),
        ("fineweb", "line_punct_closing_marks: 'yes'"),
    ],
)
def test_new_parameters_are_checked_when_the_recipe_is_built(step: str, params: str) -> None:
    from thresher.errors import ConfigError

    with pytest.raises(ConfigError):
        Recipe.loads(f"steps:\n- step: {step}\n  {params}\n")


def test_the_default_recipe_round_trips_with_thresher_s_values() -> None:
    recipe = Recipe.default()
    params = {step.name: step.params() for step in recipe.steps}
    assert params["gopher-quality"]["word_split"] == "whitespace"
    assert params["c4"]["lorem_ipsum_lines"] is True
    assert params["c4"]["javascript_warnings_only"] is True
    assert params["c4"]["curly_bracket_max_share"] == 0.5
    assert params["c4"]["short_line_run"] == 3
    assert params["c4"]["sentences_need_terminal_punct"] is True
    assert params["c4"]["policy_notices_only"] is True
    assert params["fineweb"]["char_duplicates_ratio"] == 0.1
    assert params["fineweb"]["line_punct_closing_marks"] is True
    assert params["repeated-paragraph"]["distinct_figures"] is True
    assert params["repeated-paragraph"]["near_min_words"] == 20
    names = [step.name for step in recipe.steps]
    assert names.index("fineweb") + 1 == names.index("fineweb2") < names.index("dedup")
    assert params["fineweb2"]["skip_languages"] == "en"
    assert Recipe.loads(recipe.dumps()) == recipe


def test_c4_counts_sentences_only_in_lines_that_end_as_sentences() -> None:
    headlines = [f"Harbour news item number {i} today" for i in range(6)]
    text = "\n".join([*headlines, PARA])
    datatrove = run(C4Quality(filter_no_terminal_punct=False), text)
    assert datatrove.rejection is None  # each headline counted as a sentence: 6 + 2
    assert datatrove.metadata["signals"]["c4_sentences"] == 8
    ours = run(C4Quality(filter_no_terminal_punct=False, sentences_need_terminal_punct=True), text)
    assert ours.rejection is not None
    assert ours.rejection.detail == "too_few_sentences"
    assert ours.metadata["signals"]["c4_sentences"] == 2  # a list of headlines: no title
    quoted = "\n".join([PARA, "“The pier will open in June,” she said.”", OTHER, LAST])
    kept = run(
        C4Quality(filter_no_terminal_punct=False, sentences_need_terminal_punct=True), quoted
    )
    assert kept.rejection is None
    assert kept.metadata["signals"]["c4_sentences"] == 6


@pytest.mark.parametrize(
    ("line", "removed"),
    [
        ("This site uses cookies to improve your experience.", True),
        ("By using this website you agree to our Terms of Use and Privacy Policy.", True),
        ("We use cookies to personalise content and ads.", True),
        ("Please read our privacy policy before you sign up.", True),
        ("We read its privacy policy and the results of its latest third-party audit.", False),
        ("The index is one of the top databases in terms of use and reputation.", False),
        ("Apps that use cookies must follow the PECR rules in the United Kingdom.", False),
    ],
)
def test_c4s_policy_rule_can_be_kept_to_notices(line: str, removed: bool) -> None:
    text = "\n".join([PARA, line, OTHER, LAST])
    assert run(C4Quality(), text).text == f"{PARA}\n{OTHER}\n{LAST}"  # datatrove: any mention
    doc = run(C4Quality(policy_notices_only=True), text)
    assert doc.rejection is None
    assert (doc.text == f"{PARA}\n{OTHER}\n{LAST}") is removed
    assert [e.reason for e in doc.ledger] == (["c4-policy"] if removed else [])


def test_a_news_brief_of_a_headline_and_four_sentences_is_kept() -> None:
    step = C4Quality(filter_no_terminal_punct=False, sentences_need_terminal_punct=True)
    doc = run(step, "\n".join(["Harbour pier to reopen in June", PARA, OTHER]))
    assert doc.rejection is None
    assert doc.metadata["signals"]["c4_sentences"] == 5  # the headline over its text counts
    dated = run(step, "\n".join(["Tuesday 4 June 2013", "Harbour pier to reopen", PARA, OTHER]))
    assert dated.rejection is not None  # a first line over another headline is no title
    assert dated.metadata["signals"]["c4_sentences"] == 4


def test_c4_with_no_word_length_limit_below_minus_one_judges_blank_lines() -> None:
    """Any negative limit other than -1 still means "longer than it" (every word is): a blank
    line, with no word, must not be asked for its longest word."""
    doc = run(C4Quality(max_word_length=-2, min_num_sentences=-1), "A fine line here.\n\nAgain.")
    assert doc.rejection is None
    assert [edit.reason for edit in doc.ledger] == [
        "c4-long-word",
        "c4-no-terminal-punct",  # the blank line, judged by the other rules as before
        "c4-long-word",
    ]


_SEPARATORS = [
    "\n",
    "\r\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["word", "end.", "U.S.", "(a)", "--", "e.g.", "[1]", "“Yes!”", "x=1"]),
            st.sampled_from([*_SEPARATORS, " ", "\t", "  "]),
            st.text(max_size=6),
        ),
        max_size=40,
    )
)
def test_the_words_of_each_line_are_those_of_the_whole_text_sliced(pieces: list[str]) -> None:
    """c4 counts each line's sentences from the document's words (`LineWords`): the same words
    as splitting the line alone, whatever the line breaks and spaces."""
    text = "".join(pieces)
    cursor = Analysis(text).line_words()
    for raw in text.split("\n"):
        for part in raw.splitlines() or [raw]:
            part_words, sizes = cursor.next(part)
            assert part_words == words(part)
            assert sizes == [len(tokens) for tokens in chunk_tokens(part)]


def test_c4_counts_a_line_with_a_citation_cut_from_its_new_words() -> None:
    lines = [
        "The council met on Monday. It voted on the budget.[1]",
        "Residents wrote to the council. Many asked for more parks [citation needed].",
        "The budget passed by a wide margin. The mayor thanked the council.",
    ]
    doc = Document(id="c", text="\n".join(lines))
    next(C4Quality()([doc]))
    assert doc.rejection is None
    cut = [line.replace("[1]", "").replace("[citation needed]", "") for line in lines]
    assert doc.metadata["signals"]["c4_sentences"] == sum(
        count_sentences(words(line.strip())) for line in cut
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "The council met on Monday and voted.",
                    "It passed the budget [1] by a wide margin.",
                    "Menu",
                    "Share this",
                    "A line without an end",
                    "  Spaced out, it ends.  ",
                    "Use javascript to see this.",
                    "Read our privacy policy.",
                ]
            ),
            st.sampled_from(_SEPARATORS),
            st.text(max_size=12),
        ),
        max_size=30,
    ),
    st.sampled_from([{}, {"filter_no_terminal_punct": False, "short_line_run": 3}]),
)
def test_c4_leaves_the_words_of_the_text_it_leaves(pieces: list[str], params: dict) -> None:
    """c4 keeps, as the analysis of its new text, the words of the lines it kept: the same
    words, chunk by chunk, as splitting the new text."""
    doc = Document(id="w", text="\n".join(pieces))
    next(C4Quality(min_num_sentences=1, **params)([doc]))
    if doc.rejection is None:
        analysis = analysis_of(doc)
        assert analysis.words == words(doc.text)
        assert analysis.chunk_sizes == [len(tokens) for tokens in chunk_tokens(doc.text)]
