#!/usr/bin/env python3
"""Time the report of a run folder: how long `thresher report` takes to write it (the run's
shards streamed, samples drawn, the page rendered), how large it is, and how long headless
Chromium takes to open it (navigation start to DOMContentLoaded and to the load event, from
the page's own performance timing). Optionally saves a screenshot.

    bench/report_bench.py RUN [--opens 5] [--screenshot PNG]

Needs Debian's chromium and chromium-driver (`apt-get install chromium chromium-driver`) and
selenium (the `dev` extra)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parent.parent
# Chromium's flags, for this bench, the browser tests (tests/test_report_browser.py) and
# tools/report_screenshots.py: with the network closed, Chromium otherwise waits on
# connections it will never make.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1800",
)


def write_seconds(run: Path, page: Path) -> float:
    """`thresher report RUN -o PAGE` as a user runs it: a fresh process, wall time."""
    started = time.perf_counter()
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "thresher"), "report", str(run), "-o", str(page)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def open_times(page: Path, opens: int, screenshot: Path | None) -> list[dict[str, Any]]:
    """Each open in a fresh browser profile's first tab: milliseconds from navigation start
    to DOMContentLoaded's end and to the load event's end."""
    profile = tempfile.mkdtemp(prefix="report-bench-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    times = []
    try:
        for _ in range(opens):
            driver.get("about:blank")
            started = time.perf_counter()
            driver.get(page.resolve().as_uri())  # returns once the page has loaded
            wall = (time.perf_counter() - started) * 1000
            timing = driver.execute_script(
                "var t=performance.timing;return [t.domContentLoadedEventEnd-t.navigationStart,"
                "t.loadEventEnd-t.navigationStart];"
            )
            times.append(
                {
                    "dom_content_loaded_ms": timing[0],
                    "load_ms": timing[1],
                    "get_ms": round(wall),
                }
            )
        if screenshot is not None:
            driver.save_screenshot(str(screenshot))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--writes", type=int, default=3)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    page = Path(tempfile.mkdtemp(prefix="report-bench-")) / "report.html"
    writes = [write_seconds(args.run, page) for _ in range(args.writes)]
    opens = open_times(page, args.opens, args.screenshot)
    summary = json.loads((args.run / "summary.json").read_text())
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "run": str(args.run),
        "documents": summary.get("kept", 0) + summary.get("rejected", 0),
        "write_seconds": [round(s, 2) for s in writes],
        "write_seconds_median": round(statistics.median(writes), 2),
        "bytes": page.stat().st_size,
        "opens": opens,
        "load_ms_median": statistics.median(o["load_ms"] for o in opens),
    }
    print(json.dumps(result, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
