#!/usr/bin/env python3
"""The README's pictures: docs/img/report.png (the report of RUN, a reason's samples open)
and docs/img/show.png (`thresher show RUN --reason R`, rendered by rich to HTML and shot by
headless Chromium).

    tools/report_screenshots.py RUN [--reason boilerplate]"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from report_bench import FLAGS  # noqa: E402

from thresher.report import write_report  # noqa: E402
from thresher.report.show import Selection, select, show  # noqa: E402


def browser(profile: str, height: int) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size=1100,{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", type=Path)
    parser.add_argument("--reason", default="boilerplate")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="screens-"))
    page = write_report(args.run, work / "report.html")
    console = Console(
        record=True, width=110, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    docs, _ = select(args.run, Selection(reason=args.reason), 1)
    show(console, docs)
    (work / "show.html").write_text(console.export_html(inline_styles=True))
    driver = browser(str(work / "profile"), 2000)
    try:
        driver.get(page.as_uri())
        group = driver.find_element(By.CSS_SELECTOR, f'details[data-group="edited:{args.reason}"]')
        group.find_element(By.TAG_NAME, "summary").click()
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(work / "report.png"))
        driver.set_window_size(1100, 700)
        driver.get((work / "show.html").as_uri())
        driver.save_screenshot(str(work / "show.png"))
    finally:
        driver.quit()
    images = REPO / "docs" / "img"
    images.mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "report.png", images / "report.png")
    shutil.copy(work / "show.png", images / "show.png")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
