#!/usr/bin/env python3
"""Time a run whose inputs and run folder are in object storage against the same run on local
files: `thresher run` with --workers N, three ways, alternating, each in a fresh process:

    local   local inputs, local run folder
    s3-in   inputs in the store, local run folder (each task streams its unit from the store)
    s3      inputs and run folder in the store (the run worked in a local stage and copied)

The store is moto's S3 server on 127.0.0.1, started here in its own process (its CPU is
counted apart: a real store's work is not on the machine). Checks that the three outputs are
the same bytes (less what names the inputs' modification times: run.json and the index
manifests).

    python bench/bench_store.py bench/out/corpus --files 2 --workers 2 --repeats 2 --markdown
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench_ray import REPO_ROOT, THRESHER, inputs_of, run_once

sys.path.insert(0, str(REPO_ROOT / "tests"))  # the tests' S3 server and store helpers
from object_store import BUCKET, configured, download, free_port, output_of, s3, serve, stop


def process_cpu(pid: int) -> float:
    """User + system seconds of one process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def upload(inputs: list[str]) -> list[str]:
    """The inputs put in the store, under the same names below s3://BUCKET/in/."""
    fs = s3()
    if not fs.exists(BUCKET):
        fs.mkdir(BUCKET)
    urls = []
    for given in inputs:
        path = Path(given)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            fs.put_file(str(file), f"{BUCKET}/in/{file.relative_to(path.parent).as_posix()}")
        urls.append(f"s3://{BUCKET}/in/{path.name}")
    return urls


def command(inputs: list[str], out: str, stage: Path, args: argparse.Namespace) -> list[str]:
    return [
        *(["nice", "-n", str(args.nice)] if args.nice else []),
        str(THRESHER), "run", *inputs, "-o", out, "--workers", str(args.workers),
        *(["--stage", str(stage)] if out.startswith("s3://") else []),
        "--no-progress", "--no-report", "--force",
    ]  # fmt: skip


def bench(args: argparse.Namespace, scratch: Path, server_pid: int) -> dict[str, Any]:
    inputs = inputs_of(args.corpus, args.files)
    urls = upload(inputs)
    targets = {
        "local": (inputs, str(scratch / "local")),
        "s3-in": (urls, str(scratch / "s3-in")),
        "s3": (urls, f"s3://{BUCKET}/runs/s3"),
    }
    order = list(targets)
    runs: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        for mode in order if repeat % 2 == 0 else order[::-1]:
            given, out = targets[mode]
            if out.startswith("s3://") and s3().exists(out.removeprefix("s3://")):
                s3().rm(out.removeprefix("s3://"), recursive=True)  # a fresh run each time
            stage = scratch / f"stage-{mode}"
            shutil.rmtree(stage, ignore_errors=True)
            server_before = process_cpu(server_pid)
            result = run_once(command(given, out, stage, args), args.interval)
            result["store_cpu_s"] = round(process_cpu(server_pid) - server_before, 1)
            if out.startswith("s3://"):
                shutil.rmtree(scratch / "back", ignore_errors=True)
                folder = download(out, scratch / "back")
            else:
                folder = Path(out)
            summary = json.loads((folder / "summary.json").read_text())
            result.update(mode=mode, repeat=repeat, docs_in=summary["in"])
            result["same_output"] = (
                output_of(folder) == output_of(scratch / "local")
                if (scratch / "local" / "summary.json").exists()
                else None
            )
            print(json.dumps(result), file=sys.stderr, flush=True)
            runs.append(result)
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()}: {os.cpu_count()} CPUs, {platform.python_version()}",
        "inputs": inputs,
        "input_bytes": sum(Path(p).stat().st_size for p in inputs if Path(p).is_file()),
        "workers": args.workers,
        "identical_output": all(run["same_output"] in (True, None) for run in runs),
        "runs": runs,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| mode | repeat | docs | wall s | docs/s | CPU s | store CPU s | peak RSS | same bytes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in report["runs"]:
        rate = run["docs_in"] / run["wall_s"]
        lines.append(
            f"| {run['mode']} | {run['repeat']} | {run['docs_in']:,} | {run['wall_s']} |"
            f" {rate:,.0f} | {run['cpu_s']} | {run['store_cpu_s']} |"
            f" {run['peak_tree_rss_mib']:,} MiB | {run['same_output']} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?", default=REPO_ROOT / "bench/out/corpus")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--files", type=int, help="only the corpus's first FILES files")
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--nice", type=int, default=0, help="run thresher under nice -n NICE")
    parser.add_argument("--markdown", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    port = free_port()
    server = serve(port)
    scratch = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:  # the runs get the store's address and keys from the environment `configured` sets
        with configured(f"http://127.0.0.1:{port}"):
            report = bench(args, scratch, server.pid)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        stop(server)
    print(json.dumps(report, indent=2))
    if args.markdown:
        print(markdown(report))
    return 0 if report["identical_output"] else 1


if __name__ == "__main__":
    sys.exit(main())
