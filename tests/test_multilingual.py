"""The `fineweb2` step: FineWeb-2's per-language rules, thresholds and a word split by script.
Clean text in German, Chinese, Japanese, Thai and Russian is kept; junk is rejected with the
rule that catches it; a language without FineWeb-2 values is judged by the language-neutral
rules and marked so; English is left to the English steps; the shipped thresholds are what the
generator makes of FineWeb-2's configs."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, need_shared

from thresher import STEPS, Document, Recipe
from thresher.errors import ConfigError
from thresher.quality.language import LanguageId
from thresher.quality.multilingual import NEUTRAL, FineWeb2Quality, config_name, table
from thresher.quality.words import WORDS_PER_UNIT, split, word_count, words
from thresher.steps import KEEP, Drop

CONFIGS = ROOT.parent / "shared/data/quality/fineweb2-configs"

CLEAN = {
    "de": (
        "Die Stadt plant für den kommenden Sommer eine neue Fähre über den Fluss. Nach Angaben "
        "der Verwaltung soll das Schiff bis zu zweihundert Fahrgäste und zwanzig Fahrräder "
        "aufnehmen können.\n"
        "Die Kosten werden auf rund drei Millionen Euro geschätzt, wobei das Land einen großen "
        "Teil übernehmen will. Im Gemeinderat wurde der Plan am Dienstag mit breiter Mehrheit "
        "angenommen.\n"
        "Kritik kam vor allem von den Anwohnern am Ufer, die mehr Lärm und Verkehr befürchten. "
        "Der Bürgermeister versprach, dass die Fähre nur zwischen sieben und zweiundzwanzig Uhr "
        "fahren wird.\n"
        "Bis zum Herbst sollen die Pläne für den neuen Anleger öffentlich ausgelegt werden, "
        "damit alle Bürger ihre Einwände vorbringen können."
    ),
    "ru": (
        "Городской совет в понедельник утвердил план ремонта старого моста через реку. Работы "
        "начнутся весной и продлятся около двух лет, сообщили в администрации города.\n"
        "По словам инженеров, мост был построен более семидесяти лет назад и давно нуждается в "
        "серьёзном ремонте. На время работ движение транспорта будет ограничено, а для "
        "пешеходов откроют временный переход.\n"
        "Жители соседних районов опасаются пробок, однако власти обещают изменить маршруты "
        "автобусов и добавить новые рейсы. Стоимость проекта оценивается в несколько "
        "миллиардов рублей.\n"
        "Часть средств выделит региональный бюджет, остальное покроет город. Подробный график "
        "работ опубликуют на сайте администрации до конца месяца."
    ),
    "zh": (
        "市政府周一宣布，将在明年春天对老城区的主要道路进行全面改造。这项工程预计需要两年时间，"
        "总投资约为十亿元。\n"
        "根据规划，改造后的道路将增加自行车道和人行道，并在沿线种植更多的树木。负责这个项目的"
        "官员表示，施工期间会尽量减少对居民生活的影响。\n"
        "不少市民对这一计划表示欢迎，他们认为现有的道路已经无法满足日益增长的交通需求。也有一些"
        "商户担心施工会影响生意，希望政府能够提供一定的补贴。\n"
        "市政府表示，将在下个月举行听证会，广泛听取各方面的意见，然后再公布最终的施工方案。"
    ),
    "ja": (
        "市は月曜日、来年の春から旧市街の主要な道路を全面的に改修すると発表した。工事には約二年"
        "かかる見込みで、総事業費はおよそ百億円になるという。\n"
        "計画によると、改修後の道路には自転車専用レーンと広い歩道が設けられ、沿道には多くの木が"
        "植えられる。担当者は、工事中も住民の生活への影響をできるだけ少なくしたいと話している。\n"
        "多くの市民はこの計画を歓迎しているが、一部の商店主からは売り上げへの影響を心配する声も"
        "上がっている。市は来月に説明会を開き、住民の意見を聞いたうえで最終的な計画をまとめる"
        "予定だ。"
    ),
    "th": (
        "เทศบาลเมืองประกาศเมื่อวันจันทร์ว่าจะปรับปรุงถนนสายหลักในเขตเมืองเก่าทั้งหมดในฤดูใบไม้ผลิ"
        "ปีหน้า โครงการนี้คาดว่าจะใช้เวลาประมาณสองปีและมีงบประมาณรวมราวหนึ่งพันล้านบาท\n"
        "ตามแผนงาน ถนนที่ปรับปรุงแล้วจะมีช่องทางสำหรับจักรยานและทางเดินเท้าที่กว้างขึ้น "
        "รวมทั้งจะมีการปลูกต้นไม้เพิ่มเติมตลอดแนวถนน เจ้าหน้าที่ผู้รับผิดชอบกล่าวว่าจะพยายาม"
        "ลดผลกระทบต่อชีวิตประจำวันของประชาชนให้น้อยที่สุด\n"
        "ประชาชนจำนวนมากแสดงความยินดีกับแผนนี้ เพราะเห็นว่าถนนในปัจจุบันไม่สามารถรองรับปริมาณ"
        "การจราจรที่เพิ่มขึ้นได้ อย่างไรก็ตาม เจ้าของร้านค้าบางรายกังวลว่าการก่อสร้างจะส่งผล"
        "ต่อรายได้ของตน\n"
        "เทศบาลจะจัดการประชุมรับฟังความคิดเห็นในเดือนหน้า ก่อนที่จะประกาศแผนการก่อสร้าง"
        "ฉบับสุดท้าย"
    ),
}
CONFIG = {"de": "deu_Latn", "ru": "rus_Cyrl", "zh": "cmn_Hani", "ja": "jpn_Jpan", "th": "tha_Thai"}

# Junk made of the languages' own words, and the rule FineWeb-2's chain rejects it by.
JUNK = {
    "de-repeated-lines": (
        "de",
        "\n".join(["Jetzt kaufen und bei unseren Angeboten sparen"] * 20 + [CLEAN["de"]]),
        "dup_line_frac",
    ),
    "zh-menu": (
        "zh",
        "\n".join(
            [
                "首页",
                "新闻中心",
                "产品展示",
                "关于我们",
                "联系我们",
                "在线留言",
                "人才招聘",
                "企业文化",
                "荣誉资质",
                "客户服务",
                "常见问题",
                "下载中心",
                "网站地图",
                "友情链接",
                "公司简介",
                "发展历程",
                "组织架构",
                "合作伙伴",
                "售后服务",
                "技术支持",
                "行业动态",
                "公司新闻",
            ]
        ),
        "line_punct_ratio",
    ),
    "ja-short-lines": (
        "ja",
        "\n".join(
            [
                "ホーム",
                "お知らせ",
                "会社概要",
                "事業内容",
                "採用情報",
                "お問い合わせ",
                "サイトマップ",
                "個人情報の取り扱い",
                "よくある質問",
                "アクセス",
                "商品一覧",
                "新着情報",
                "店舗案内",
                "ご利用ガイド",
                "会員登録",
                "ログイン",
                "カートを見る",
                "ランキング",
            ]
        ),
        "line_punct_ratio",
    ),
    "th-short-lines": (
        "th",
        "\n".join(
            [
                "หน้าแรก",
                "ข่าวสาร",
                "ติดต่อเรา",
                "เกี่ยวกับเรา",
                "สินค้า",
                "บริการ",
                "ร่วมงานกับเรา",
                "คำถามที่พบบ่อย",
                "แผนผังเว็บไซต์",
                "นโยบายความเป็นส่วนตัว",
                "ดาวน์โหลด",
                "กิจกรรม",
                "โปรโมชั่น",
                "บทความ",
                "ผลงาน",
                "สมัครสมาชิก",
                "เข้าสู่ระบบ",
                "ตะกร้าสินค้า",
            ]
        ),
        "list_ratio",
    ),
    "ru-menu": (
        "ru",
        "\n".join(
            [
                "Главная",
                "Новости компании",
                "О компании",
                "Контакты",
                "Каталог товаров",
                "Наши услуги",
                "Вакансии",
                "Отзывы клиентов",
                "Доставка и оплата",
                "Гарантия качества",
                "Партнёры",
                "Акции и скидки",
                "Блог",
                "Частые вопросы",
                "Карта сайта",
                "Войти",
                "Корзина",
                "Регистрация",
                "Политика конфиденциальности",
                "Условия использования",
                "Наши магазины",
                "Подарочные сертификаты",
                "Новинки сезона",
                "Распродажа",
                "Бренды",
                "Сервисный центр",
                "Обратная связь",
                "Пресс-центр",
                "Реквизиты",
                "Личный кабинет",
            ]
        ),
        "line_punct_ratio",
    ),
}


def judge(text: str, language: str | None, step: FineWeb2Quality | None = None) -> Document:
    doc = Document(id="m", text=text)
    if language is not None:
        doc.metadata["language"] = language
    next((step or FineWeb2Quality())([doc]))
    return doc


@pytest.mark.parametrize("language", sorted(CLEAN))
def test_clean_text_is_kept_with_its_languages_thresholds(language: str) -> None:
    doc = judge(CLEAN[language], language)
    assert doc.rejection is None, doc.metadata["signals"]
    signals = doc.metadata["signals"]
    assert signals["quality_thresholds"] == f"fineweb2:{CONFIG[language]}"
    assert signals["stop_words"] >= 2
    assert signals["non_symbol_words"] >= 50


@pytest.mark.parametrize("name", sorted(JUNK))
def test_junk_is_rejected_by_the_rule_that_catches_it(name: str) -> None:
    language, text, rule = JUNK[name]
    doc = judge(text, language)
    assert doc.rejection is not None
    assert (doc.rejection.step, doc.rejection.reason, doc.rejection.detail) == (
        "fineweb2",
        "fineweb2",
        rule,
    )


def test_a_chinese_menu_page_is_rejected_after_the_language_step() -> None:
    _, text, rule = JUNK["zh-menu"]
    recipe = Recipe(steps=(LanguageId(), FineWeb2Quality()))
    out = recipe.clean(Document(id="menu", text=text))
    assert out.metadata["language"] == "zh"
    assert out.rejection is not None and out.rejection.detail == rule


def test_a_soft_404_is_rejected() -> None:
    text = (
        "Seite nicht gefunden\n"
        "Die angeforderte Seite existiert leider nicht oder wurde verschoben.\n"
        "Zurück zur Startseite"
    )
    assert judge(text, "de").rejection is not None


def test_english_is_left_to_the_english_steps() -> None:
    junk = "\n".join(["Buy now and save big"] * 30)
    doc = judge(junk, "en")
    assert doc.rejection is None
    assert "signals" not in doc.metadata
    # skipping nothing judges English too, by the language-neutral rules (FineWeb-2 has no
    # English values: FineWeb's are in the gopher-*, c4 and fineweb steps)
    doc = judge(junk, "en", FineWeb2Quality(skip_languages=""))
    assert doc.metadata["signals"]["quality_thresholds"] == NEUTRAL
    assert doc.rejection is not None and doc.rejection.detail == "dup_line_frac"


@pytest.mark.parametrize("language", ["und", "zxx", None])
def test_a_language_without_fineweb2_values_gets_the_neutral_rules_and_is_marked(
    language: str | None,
) -> None:
    assert config_name(language, CLEAN["de"]) is None
    doc = judge(CLEAN["de"], language)
    signals = doc.metadata["signals"]
    assert signals["quality_thresholds"] == NEUTRAL
    assert doc.rejection is None  # no stop words, no word length: clean text passes
    letterless = "\n".join(f"{n} {n * 7} {n * 13} = {n * 91};" for n in range(40))
    doc = judge(letterless, language)
    assert doc.metadata["signals"]["quality_thresholds"] == NEUTRAL
    assert doc.rejection is not None


def test_a_language_that_is_not_a_code_is_judged_as_unknown_not_a_crash() -> None:
    doc = Document(text=CLEAN["de"], id="d", metadata={"language": ["de", "en"]})
    FineWeb2Quality().process(doc)
    assert doc.metadata["signals"]["quality_thresholds"] == NEUTRAL


def test_every_code_the_language_step_writes_has_values_or_is_neutral() -> None:
    from thresher.quality.language_codes import LANGUAGE_CODES

    languages = table()["languages"]
    assert set(languages) == LANGUAGE_CODES - {"en", "und", "zxx"}
    for names in languages.values():
        assert all(name in table()["configs"] for name in names)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("sr", "Ово је текст на српском језику, написан ћирилицом.", "srp_Cyrl"),
        ("sr", "Ovo je tekst na srpskom jeziku, napisan latinicom.", "srp_Latn"),
        ("hi", "यह हिंदी में लिखा गया एक वाक्य है।", "hin_Deva"),
        ("hi", "Yeh Hindi mein likha gaya ek vakya hai.", "hin_Latn"),
        ("zh", "这是一个句子。", "cmn_Hani"),
        ("nb", "Dette er en setning.", "nob_Latn"),
    ],
)
def test_the_script_of_the_text_picks_the_config(language: str, text: str, expected: str) -> None:
    assert config_name(language, text) == expected


def test_words_are_split_as_suits_the_script() -> None:
    assert words("Der Mann, der l'eau trinkt... 3,5 Euro!") == [
        "Der", "Mann", ",", "der", "l'eau", "trinkt", "...", "3,5", "Euro", "!",
    ]  # fmt: skip
    assert words("市政府周一宣布。") == ["市", "政", "府", "周", "一", "宣", "布", "。"]
    assert words("クロノたちが再会！") == ["クロノ", "た", "ち", "が", "再", "会", "！"]
    assert words("ไก่เดือย") == ["ไ", "ก่", "เ", "ดื", "อ", "ย"]
    assert words("한국어는 좋다.") == ["한국어는", "좋다", "."]
    assert (split(CLEAN["zh"]), split(CLEAN["th"]), split(CLEAN["de"])) == (
        "characters",
        "characters",
        "spaces",
    )
    assert word_count(["市", "政"]) == pytest.approx(2 * WORDS_PER_UNIT["han"])
    assert word_count(["Mann", "Frau"]) == 2


def test_signals_are_stored_even_when_the_document_is_kept() -> None:
    signals = judge(CLEAN["de"], "de").metadata["signals"]
    for key in (
        "dup_line_frac",
        "top_2_gram_frac",
        "dup_10_gram_frac",
        "line_punct_ratio",
        "char_dup_ratio",
        "newline_word_ratio",
        "words",
        "mean_word_length",
        "alpha_words_ratio",
        "stop_words",
        "quality_thresholds",
    ):
        assert key in signals


def test_alpha_margin_zero_applies_fineweb2s_value_as_published() -> None:
    threshold = table()["configs"]["deu_Latn"]["max_non_alpha_words_ratio"]
    text = CLEAN["de"]
    numbers = iter(range(1000, 2000))
    while judge(text, "de").metadata["signals"]["alpha_words_ratio"] >= threshold - 0.03:
        text += f"\nDie Nummern lauten {' '.join(str(next(numbers)) for _ in range(8))}."
    ratio = judge(text, "de").metadata["signals"]["alpha_words_ratio"]
    assert threshold - 0.1 < ratio < threshold
    assert judge(text, "de").rejection is None  # FineWeb-2's value less the default 0.1
    strict = judge(text, "de", FineWeb2Quality(alpha_words_margin=0.0))
    assert strict.rejection is not None
    assert strict.rejection.detail == "gopher_below_alpha_threshold"


def test_the_verdict_is_deterministic_and_the_step_pickles() -> None:
    step = FineWeb2Quality(skip_languages="en,de", alpha_words_margin=0.05)
    again = pickle.loads(pickle.dumps(step))
    assert again == step
    for language in ("ru", "zh", "th"):
        first, second = (
            judge(CLEAN[language], language, step),
            judge(CLEAN[language], language, again),
        )
        assert first.metadata == second.metadata
        assert first.rejection == second.rejection
    assert judge(CLEAN["ru"], "de", step).metadata.get("signals") is None


def test_the_step_round_trips_through_a_recipe() -> None:
    step = FineWeb2Quality(skip_languages="en, nb", min_stop_words=3, alpha_words_margin=0.0)
    recipe = Recipe(steps=(LanguageId(), step))
    again = Recipe.loads(recipe.dumps())
    assert again == recipe
    assert again.steps[1].params() == step.params()
    assert "fineweb2" in STEPS


@pytest.mark.parametrize(
    "params",
    [
        {"skip_languages": "EN"},
        {"skip_languages": "eng"},
        {"char_duplicates_ratio": 1.5},
        {"alpha_words_margin": -0.1},
        {"min_doc_words": -1},
    ],
)
def test_bad_parameters_are_a_config_error(params: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        FineWeb2Quality(**params)


def test_the_verdicts_of_keep_and_drop_are_the_steps_own() -> None:
    step = FineWeb2Quality()
    doc = Document(id="v", text=CLEAN["zh"])
    doc.metadata["language"] = "zh"
    assert step.verdict(doc) == KEEP
    doc = Document(id="v", text="   \n ")
    doc.metadata["language"] = "zh"
    assert step.verdict(doc) == Drop("fineweb2", "empty")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_fineweb2_thresholds", ROOT / "tools/gen_fineweb2_thresholds.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_thresholds_are_the_generators_output() -> None:
    source = need_shared(CONFIGS)
    generator = _generator()
    shipped = (ROOT / "src/thresher/quality/fineweb2_thresholds.json").read_text("utf-8")
    assert shipped == generator.render(generator.build(source))
    notice = (ROOT / "src/thresher/quality/FINEWEB2_NOTICE").read_text("utf-8")
    assert notice == generator.notice()


def test_the_thresholds_carry_their_attribution() -> None:
    attribution = table()["attribution"]
    assert "Apache" in attribution["license"]
    assert "huggingface/fineweb-2 @d0defb2" in attribution["source"]
    notice = Path(ROOT / "src/thresher/quality/FINEWEB2_NOTICE").read_text("utf-8")
    assert "Apache License" in notice and "d0defb2" in notice


# Pieces of every kind the word split tells apart: spaced scripts with marks and inner
# apostrophes, periods and commas, Han, Hiragana, Katakana with its long-vowel mark, Thai,
# Khmer, Tibetan with its tsheg, Hangul, digits of other scripts, runs of periods, symbols.
SPLIT_PIECES = [
    *("word", "l'eau", "U.S", "3,5", "caf\u00e9", "e\u0301", "\u0418\u0432\u0430\u043d", " ", "\n"),
    *(
        "\u0645\u0631\u062d\u0628\u0627",
        "\u0928\u092e\u0938\u094d\u0924\u0947",
        "\u0663\u0664",
        "...",
    ),
    *(
        ".",
        ",",
        "'",
        "\u2019",
        "\u00a9",
        "#",
        "-",
        "_",
        "\u4e2d\u6587",
        "\u3072\u3089",
        "\u30ab\u30fc",
    ),
    *(
        "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
        "\u1781\u17d2\u1798\u17c2\u179a",
        "\u0f56\u0f7c\u0f51\u0f0b",
    ),
    *("\ud55c\uad6d\uc5b4", "\u3005", "\u0301"),
]


def test_the_spaced_split_is_the_general_one_where_it_is_used() -> None:
    import random

    from thresher.quality.words import _TOKEN, uniform_weights

    rng = random.Random(21)
    spaced = 0
    for _ in range(5_000):
        text = "".join(rng.choice(SPLIT_PIECES) for _ in range(rng.randrange(30)))
        expected = _TOKEN.findall(text)
        assert words(text) == expected, text
        assert words(text, uniform=uniform_weights(text)) == expected, text
        spaced += uniform_weights(text)
    assert spaced > 200  # both paths taken


def _judged_alone(doc: Document) -> tuple[Any, dict[str, Any]]:
    """The verdict of `fineweb2` on a fresh copy of `doc`, counting its own n-grams."""
    alone = Document(id=doc.id, text=doc.text, metadata={"language": doc.metadata["language"]})
    verdict = FineWeb2Quality().verdict(alone)
    return verdict, alone.metadata["signals"]


def test_a_stream_judged_in_batches_gets_each_documents_own_signals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import random

    from thresher.quality import multilingual

    rng = random.Random(8)
    vocabulary = ["maison", "rouge", "le", "la", "et", "de", "\u0434\u043e\u043c", "\u4e2d", "x"]
    vocabulary += [
        "\u0e2a\u0e27\u0e31\u0e2a",
        "\ud55c\uad6d",
        "3,5",
        "l'eau",
        "...",
        "#",
        "\u00e9t\u00e9",
    ]
    spaced = [word for word in vocabulary if word.isascii() or word[0] in "\u0434\u00e9"]
    docs = []
    for i in range(600):
        pool = vocabulary if rng.random() < 0.3 else spaced  # some in scripts without spaces
        words_ = [rng.choice(pool) for _ in range(rng.randrange(0, 120))]
        if rng.random() < 0.5:  # repeated lines and n-grams
            words_ = words_[:20] * rng.randrange(1, 6)
        text = "\n".join(" ".join(words_[j : j + 9]) for j in range(0, len(words_), 9))
        language = rng.choice(["fr", "ru", "zh", "th", "ko", "und", "en", "de"])
        docs.append(Document(id=str(i), text=text, metadata={"language": language}))
    alone = []  # texts that counted their own n-grams while streamed
    own = multilingual.WordNgrams

    def counted_alone(tokens: list[str]) -> Any:
        alone.append(tokens)
        return own(tokens)

    monkeypatch.setattr(multilingual, "WordNgrams", counted_alone)
    step = FineWeb2Quality()
    streamed = list(step(Document(id=d.id, text=d.text, metadata=dict(d.metadata)) for d in docs))
    monkeypatch.setattr(multilingual, "WordNgrams", own)
    judged = [d for d in docs if d.metadata["language"] != "en" and d.text.strip()]
    assert 0 < len(alone) < len(judged) - 200  # most counted in batches, CJK and Thai alone
    for doc, got in zip(docs, streamed, strict=True):
        verdict, signals = _judged_alone(doc) if doc.metadata["language"] != "en" else (KEEP, {})
        assert got.metadata.get("signals", {}) == signals, doc.text
        expected = None if verdict is KEEP else verdict.detail
        assert (got.rejection.detail if got.rejection else None) == expected


def test_real_texts_judged_in_batches_get_their_own_signals() -> None:
    folder = need_shared(ROOT.parent / "shared" / "data" / "langid" / "lingua-sentences")
    docs = []
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text("utf-8").splitlines()
        for start in range(0, 200, 40):
            text = "\n".join(lines[start : start + 40] + lines[start : start + 5])
            docs.append(
                Document(id=f"{path.stem}{start}", text=text, metadata={"language": path.stem})
            )
    streamed = list(
        FineWeb2Quality()(Document(id=d.id, text=d.text, metadata=dict(d.metadata)) for d in docs)
    )
    for doc, got in zip(docs, streamed, strict=True):
        if doc.metadata["language"] == "en":
            continue
        verdict, signals = _judged_alone(doc)
        assert got.metadata["signals"] == signals, doc.id
        assert (got.rejection.detail if got.rejection else None) == (
            None if verdict is KEEP else verdict.detail
        )
