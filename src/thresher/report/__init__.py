"""What a run kept, cut and why: the HTML report of a run folder (`write_report`) and the
terminal view of its documents (`thresher show`)."""

from __future__ import annotations

import os
from pathlib import Path

from thresher.report.html import content_security_policy, render
from thresher.report.reading import RunView, read_run

REPORT = "report.html"

__all__ = ["REPORT", "RunView", "content_security_policy", "read_run", "render", "write_report"]


def write_report(folder: str | Path, output: str | Path | None = None) -> Path:
    """Read the finished run in `folder` and write its report (default `folder/report.html`)
    whole: under a temporary name, renamed when complete, never through a link."""
    run_folder = Path(folder)
    target = Path(output) if output is not None else run_folder / REPORT
    page = render(read_run(run_folder)).encode("utf-8")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.write_bytes(page)
    os.replace(partial, target)
    return target
