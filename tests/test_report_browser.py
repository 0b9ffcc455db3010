"""The report in a real browser: Debian's headless Chromium driven by selenium through
Debian's chromedriver (nothing downloaded; .ci/run installs both). Skipped, saying why, where
they are absent."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from thresher.cli import main

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "corpus"
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')"
)
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from test_report import HOSTILE, hostile_corpus  # noqa: E402


def _browser_flags() -> tuple[str, ...]:
    """Chromium's flags, as bench/report_bench.py (their one home) gives them."""
    spec = importlib.util.spec_from_file_location(
        "report_bench", ROOT / "bench" / "report_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flags: tuple[str, ...] = module.FLAGS
    return flags


FLAGS = _browser_flags()

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason=f"{CHROMIUM} or {CHROMEDRIVER} is absent (apt-get install chromium chromium-driver; .ci/run does)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="thresher-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def run_with_report(inputs: Path, out: Path, *options: str) -> Path:
    result = CliRunner().invoke(main, ["run", str(inputs), "-o", str(out), "--quiet", *options])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def open_page(driver: Any, page: Path) -> None:
    driver.get_log("browser")  # what earlier pages logged is not this page's
    driver.get(page.resolve().as_uri())


def console_errors(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_no_alert(driver: Any) -> None:
    with pytest.raises(NoAlertPresentException):
        text = driver.switch_to.alert.text
        pytest.fail(f"a script of the records ran: alert {text!r}")


def number(text: str) -> int:
    return int(text.replace(",", ""))


def funnel(driver: Any) -> dict[str, tuple[str, str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#funnel tr[data-row]")
    return {
        row.get_attribute("data-row"): (
            row.find_element(By.CSS_SELECTOR, "td.docs").text,
            row.find_element(By.CSS_SELECTOR, "td.chars").text,
        )
        for row in rows
    }


def test_the_funnel_shown_is_summary_json_and_samples_open_and_search(
    browser: Any, tmp_path: Path
) -> None:
    page = run_with_report(EXAMPLES, tmp_path / "run")
    summary = orjson.loads((tmp_path / "run" / "summary.json").read_bytes())
    open_page(browser, page)
    shown = funnel(browser)
    assert (
        number(shown["in"][0]) == summary["in"] and number(shown["in"][1]) == summary["chars"]["in"]
    )
    assert number(shown["quarantined"][0]) == summary["quarantined"]
    assert (
        number(shown["kept"][0]) == summary["kept"]
        and number(shown["kept"][1]) == summary["chars"]["kept"]
    )
    for step, stats in summary["steps"].items():
        assert number(shown[f"step:{step}"][0]) == sum(stats["rejected"].values())
        assert number(shown[f"step:{step}"][1]) == stats["chars_removed"]
    for reason, count in summary["reasons"].items():
        assert number(shown[f"reason:{reason}"][0]) == count
        assert number(shown[f"reason:{reason}"][1]) == summary["rejected_chars"][reason]
        for rule, rule_count in summary["rules"][reason].items():
            assert number(shown[f"rule:{reason}:{rule}"][0]) == rule_count
    assert len([key for key in shown if key.startswith("reason:")]) == len(summary["reasons"]) >= 2

    # a reason's samples: closed until opened, then each shown with its ledger in place
    group = browser.find_element(By.CSS_SELECTOR, 'details[data-group^="rejected:error-page:"]')
    docs = group.find_elements(By.CSS_SELECTOR, "article.doc")
    assert len(docs) == summary["reasons"]["error-page"] and not docs[0].is_displayed()
    group.find_element(By.TAG_NAME, "summary").click()
    assert all(doc.is_displayed() for doc in docs)
    edited = browser.find_element(By.CSS_SELECTOR, 'details[data-group="edited:boilerplate"]')
    edited.find_element(By.TAG_NAME, "summary").click()
    struck = edited.find_elements(By.CSS_SELECTOR, "del")
    assert (
        struck
        and struck[0].is_displayed()
        and struck[0].value_of_css_property("text-decoration-line") == "line-through"
    )

    # the search box: only samples holding the words stay, in groups opened for them
    box = browser.find_element(By.ID, "search")
    box.send_keys("Kirkby Rovers")
    visible = [d for d in browser.find_elements(By.CSS_SELECTOR, "article.doc") if d.is_displayed()]
    assert visible and all("kirkby rovers" in d.text.lower() for d in visible)
    hidden = [
        d for d in browser.find_elements(By.CSS_SELECTOR, "article.doc") if not d.is_displayed()
    ]
    assert len(hidden) > len(visible)
    count = browser.find_element(By.ID, "search-count").text
    assert count == f"{len(visible)} matching samples"
    box.clear()
    box.send_keys(" ")  # an input event with an empty query: every sample back
    assert browser.find_element(By.ID, "search-count").text == ""

    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert (
        screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    )
    assert console_errors(browser) == []


def test_hostile_records_show_as_text_and_run_nothing(browser: Any, tmp_path: Path) -> None:
    page = run_with_report(hostile_corpus(tmp_path), tmp_path / "run")
    open_page(browser, page)
    assert_no_alert(browser)
    for summary in browser.find_elements(By.CSS_SELECTOR, "details.group > summary"):
        summary.click()
    assert_no_alert(browser)
    texts = [
        doc.text
        for doc in browser.find_elements(By.CSS_SELECTOR, "article.doc")
        if doc.is_displayed()
    ]
    for payload in HOSTILE:
        assert any(payload in text for text in texts), payload  # shown, as the text it is
    # nothing from a record became an element: the only images, links and scripts are the page's
    assert browser.find_elements(By.CSS_SELECTOR, "img, textarea, iframe, object, embed") == []
    links = browser.find_elements(By.CSS_SELECTOR, "a")
    assert all(a.get_attribute("href").startswith(page.resolve().as_uri() + "#") for a in links)
    assert len(browser.find_elements(By.TAG_NAME, "script")) == 1
    browser.find_element(By.ID, "search").send_keys("<script>")
    assert_no_alert(browser)
    assert console_errors(browser) == []
    browser.save_screenshot(str(tmp_path / "hostile.png"))


def test_the_pages_csp_blocks_markup_that_escaping_would_have_missed(
    browser: Any, tmp_path: Path
) -> None:
    """Defence in depth, and a check that the two checks above can fail: the same page with
    raw markup spliced in runs none of it, and the browser reports the refusals."""
    page = run_with_report(EXAMPLES, tmp_path / "run", "-r", "repairs")
    html = page.read_text()
    spliced = html.replace("<h1>", "<img src=x onerror=alert(1)><script>alert(2)</script><h1>", 1)
    broken = tmp_path / "spliced.html"
    broken.write_text(spliced)
    open_page(browser, broken)
    assert_no_alert(browser)
    messages = " ".join(entry["message"] for entry in console_errors(browser))
    assert "Content Security Policy" in messages
