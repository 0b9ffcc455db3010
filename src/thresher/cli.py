"""The `thresher` command: parses arguments and calls the public API, nothing more."""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar

import thresher
from thresher import ConfigError, Recipe, RunProgress, ThresherError, ThresherWarning
from thresher.readers import Quarantined, format_of, input_file
from thresher.report import REPORT, write_report
from thresher.report.show import Selection, printable, select, show
from thresher.run.pipeline import read_records
from thresher.run.plan import MAX_RECORDS_PER_CHUNK, RECORDS_PER_CHUNK
from thresher.run.staged import RUN_ORDER, staged_folder
from thresher.run.state import OWN_INDEX
from thresher.sites import SiteBoilerplate, site_documents, site_lines
from thresher.sites.site import host_of, registered_domain
from thresher.sites.table import MANIFEST
from thresher.steps import STATE_DIR
from thresher.storage import Mirror, is_url, publish

_FILES_SHOWN = 20
_INTERRUPTED_RUN = "interrupted; run the same command to resume"


def _recipe(config: str | None, name: str | None) -> Recipe:
    if config and name:
        raise click.UsageError("give --config or --recipe, not both")
    if config:
        return Recipe.load(config)
    return Recipe.named(name or "default")


_recipe_options = [
    click.option("--config", "-c", type=click.Path(dir_okay=False), help="A recipe file (YAML)."),
    click.option("--recipe", "-r", "recipe_name", help="A built-in recipe by name."),
]


def recipe_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_recipe_options):
        func = option(func)
    return func


@click.group()
@click.version_option(thresher.__version__)
def main() -> None:
    """Clean, deduplicate and account for crawled web text."""


@main.command("run")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(file_okay=False),
    help="The run folder: kept/, rejected/, quarantine.jsonl, summary.json.",
)
@recipe_options
@click.option(
    "--workers",
    "-w",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Worker processes (with --engine ray: Ray tasks at once); the output is the same for"
    " any number.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where the work runs: local processes, or Ray tasks (pip install 'thresher[ray]');"
    " the output is the same.",
)
@click.option(
    "--address",
    help="With --engine ray: the Ray cluster to run on (its address, as ray.init takes it);"
    " default: a local Ray started for the run.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the thresher run in OUTPUT (its own files only; a folder that holds no run"
    " is never replaced). Without it, a folder left by the same command is resumed.",
)
@click.option(
    "--index",
    type=click.Path(file_okay=False),
    help="A dedup index folder: read it (when it exists) and extend it with this run's"
    " documents. Default: OUTPUT/dedup-index, new each run.",
)
@click.option(
    "--stage",
    type=click.Path(file_okay=False),
    help="With OUTPUT or --index in a store (s3://...): the local folder the run works in"
    " and copies from. Default: one folder per URL under $THRESHER_STAGE or"
    " ~/.cache/thresher/stage.",
)
@click.option(
    "--records-per-chunk",
    default=RECORDS_PER_CHUNK,
    show_default=True,
    type=click.IntRange(1, MAX_RECORDS_PER_CHUNK),
    help="Records processed and written together: the grain of resuming an interrupted run.",
)
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="Show progress on stderr: documents done, docs/s, ETA; a bar on a terminal, else a"
    " line every 30 s.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Nothing on stderr but errors (no progress, no warnings); the summary still goes to"
    " stdout.",
)
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help=f"Write OUTPUT/{REPORT} at the end: the run's funnel, samples and histograms.",
)
@click.option("--progress-interval", default=30.0, type=click.FloatRange(min=0), hidden=True)
def run_command(
    inputs: tuple[str, ...],
    output: str,
    config: str | None,
    recipe_name: str | None,
    workers: int,
    engine: str,
    address: str | None,
    force: bool,
    index: str | None,
    stage: str | None,
    records_per_chunk: int,
    progress: bool,
    quiet: bool,
    report: bool,
    progress_interval: float,
) -> None:
    """Clean INPUTS (files or folders) into the run folder OUTPUT. Run the same command on an
    interrupted run's folder to resume it (Ctrl-C, or a kill, loses only unfinished chunks)."""
    with _errors_as_exit(_INTERRUPTED_RUN), _warnings_shown(not quiet):
        recipe = _recipe(config, recipe_name)
        with _progress_shown(progress and not quiet, progress_interval) as update:
            summary = thresher.run(
                list(inputs),
                output,
                recipe,
                workers=workers,
                force=force,
                progress=update,
                index=index,
                records_per_chunk=records_per_chunk,
                engine=engine,
                address=address,
                stage=stage,
            )
    _print_summary(summary.to_dict(), output)
    if report:
        _write_run_report(output, index, stage)


def _write_run_report(output: str, index: str | None, stage: str | None) -> None:
    """The report of a finished run (of one in a store: written in its stage, then copied).
    The run's output is whole and its summary printed by now: a report that cannot be
    written costs a warning and `thresher report` later, not the run's exit status."""
    try:
        if is_url(output):
            folder = staged_folder(output, index, stage)
            write_report(folder)
            path: Path | str = publish(output, folder, REPORT)
        else:
            path = write_report(output)
    except Exception as exc:
        click.echo(
            f"thresher: warning: {REPORT} not written: {type(exc).__name__}: {printable(str(exc))}",
            err=True,
        )
        return
    click.echo(f"report: {printable(str(path))}")


@contextmanager
def _progress_shown(show: bool, interval: float) -> Iterator[Callable[[RunProgress], None] | None]:
    """Progress on stderr: a live bar on a terminal; elsewhere (a log file, a pipe) a plain
    line at most every `interval` seconds, each when a chunk is done."""
    if not show:
        yield None
    elif sys.stderr.isatty():
        with _live_bar() as update:
            yield update
    else:
        yield _plain_lines(interval)


@contextmanager
def _live_bar() -> Iterator[Callable[[RunProgress], None]]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[details]}"),
        TimeElapsedColumn(),
    )
    with ProgressBar(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=None, details="")

        def update(report: RunProgress) -> None:
            bar.update(
                task,
                description=f"pass {report.pass_number}/{report.passes}",
                completed=report.fraction or 0.0,
                total=None if report.fraction is None else 1.0,
                details=report.details(),
            )

        yield update


def _plain_lines(interval: float) -> Callable[[RunProgress], None]:
    last = time.monotonic()

    def update(report: RunProgress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= interval:
            last = now
            click.echo(f"thresher: {report.describe()}", err=True)

    return update


def _print_summary(summary: dict[str, Any], output: str) -> None:
    click.echo(
        f"in {summary['in']} = kept {summary['kept']} + rejected {summary['rejected']}"
        f" + quarantined {summary['quarantined']}"
        f"  ({'balanced' if summary['balanced'] else 'NOT BALANCED'};"
        f" salvaged {summary['salvaged']})"
    )
    for reason, count in summary["reasons"].items():
        click.echo(f"  rejected {printable(reason)}: {count}")
    files = summary["files"]
    if len(files) <= _FILES_SHOWN:
        for source, counts in files.items():
            click.echo(
                f"  {printable(source)}: in {counts['in']} = kept {counts['kept']}"
                f" + rejected {counts['rejected']} + quarantined {counts['quarantined']}"
            )
    else:
        click.echo(f"  {len(files)} input files: per-file counts in summary.json")
    if "site-boilerplate" in summary:
        _print_site_boilerplate(summary["site-boilerplate"])
    if "dedup" in summary:
        _print_clusters(summary["dedup"])
    _print_input_notes(summary)
    click.echo(f"output: {output} (summary.json, kept/, rejected/, quarantine.jsonl)")


def _print_input_notes(summary: dict[str, Any]) -> None:
    """What the user should know about the inputs: files skipped for their format (named; those
    skipped for what they are, a FIFO or a link to nothing, are named by their warnings), files
    named twice, ids that repeat."""
    skipped = [name for name in summary["skipped_files"] if format_of(Path(name)) is None]
    if skipped:
        shown = ", ".join(printable(name) for name in skipped[:_FILES_SHOWN])
        more = f" and {len(skipped) - _FILES_SHOWN} more" if len(skipped) > _FILES_SHOWN else ""
        files = "file" if len(skipped) == 1 else "files"
        click.echo(f"  skipped {len(skipped)} {files} of unknown format: {shown}{more}")
    warnings = summary.get("warnings", [])
    for warning in warnings[:_FILES_SHOWN]:
        click.echo(f"  warning: {printable(warning)}")
    if len(warnings) > _FILES_SHOWN:
        click.echo(f"  warning: {len(warnings) - _FILES_SHOWN} more in summary.json")
    repeated = summary.get("duplicate_ids", 0)
    if repeated:
        records = "1 record repeats" if repeated == 1 else f"{repeated} records repeat"
        click.echo(f"  {records} an id of an earlier record (kept apart: ids need not be unique)")


def _print_site_boilerplate(report: dict[str, Any]) -> None:
    click.echo(
        f"site-boilerplate: {report['lines_learned']} lines learned on"
        f" {report['sites_with_boilerplate']} of {report['sites']} sites; removed from"
        f" {report['documents_cleaned']} documents ({report['documents_guarded']} guarded:"
        " they would have lost most of their words)"
    )


def _print_clusters(report: dict[str, Any]) -> None:
    removed = report["removed"]
    click.echo(
        f"dedup: {report['clusters']} clusters; removed {removed['exact-duplicate']} exact and"
        f" {removed['near-duplicate']} near duplicates"
        f" ({report['indexed_before']} documents in the index before this run)"
    )
    for entry in report["largest_clusters"]:
        shown = ", ".join(printable(r) for r in entry["removed"])
        more = entry["removed_count"] - len(entry["removed"])
        click.echo(
            f"  cluster {entry['cluster']} ({entry['cluster_size']}): kept"
            f" {printable(entry['kept'])}; removed {shown}" + (f" and {more} more" if more else "")
        )


@main.command("report")
@click.argument("run_folder")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help=f"Where to write the page (default RUN/{REPORT}).",
)
def report_command(run_folder: str, output: str | None) -> None:
    """Write the HTML report of the run in RUN_FOLDER: one self-contained page with the
    funnel, samples of every reason and rule with their ledgers, histograms of the quality
    signals, languages, sites, duplicate clusters, and the run's recipe and inputs."""
    with _errors_as_exit(), _run_copy(run_folder) as folder:
        _require_run(run_folder, folder)
        try:
            if is_url(run_folder) and output is None:  # written in the copy, then copied back
                write_report(folder)
                path: Path | str = publish(run_folder, folder, REPORT)
            else:
                path = write_report(folder, output)
        except OSError as exc:
            raise thresher.OutputError(f"cannot write the report: {exc}") from exc
        except (ValueError, KeyError, TypeError) as exc:  # a damaged shard or summary.json
            raise thresher.InputError(
                f"{printable(run_folder)}: cannot read the run ({type(exc).__name__}:"
                f" {printable(str(exc))}); is the folder whole?"
            ) from exc
    click.echo(f"report: {printable(str(path))}")


@contextmanager
def _run_copy(run_folder: str) -> Iterator[Path]:
    """The run folder to read: itself, or for a run in a store a temporary copy of it."""
    if not is_url(run_folder):
        yield Path(run_folder)
        return
    with tempfile.TemporaryDirectory(prefix="thresher-") as scratch:
        mirror = Mirror(run_folder, Path(scratch) / "run", RUN_ORDER)
        mirror.fill()
        yield mirror.local


def _require_run(run_folder: str, folder: Path) -> None:
    if not (folder / "summary.json").is_file():
        raise ConfigError(
            f"{printable(run_folder)}: no summary.json in it; give the folder of a finished run"
        )


@main.command("show")
@click.argument("run_folder")
@click.option("--reason", help="A rejection reason, or an edit reason of the ledger.")
@click.option("--rule", help="A rejection's rule or detail (gopher_below_alpha_threshold).")
@click.option("--id", "doc_id", help="A document id.")
@click.option("--site", help="A site as summary.json names it (the registered domain).")
@click.option(
    "-n", "count", default=3, show_default=True, type=click.IntRange(1), help="Documents a page."
)
@click.option(
    "--page", default=1, show_default=True, type=click.IntRange(1), help="Which page of N."
)
@click.option("--full", is_flag=True, help="The whole text, not its first characters.")
def show_command(
    run_folder: str,
    reason: str | None,
    rule: str | None,
    doc_id: str | None,
    site: str | None,
    count: int,
    page: int,
    full: bool,
) -> None:
    """Print documents of the run in RUN_FOLDER with their ledger: removed text struck through
    in red, replacements in green, then each edit as a diff. Documents come in the report's
    sample order (by hash: the same command shows the same ones); --page goes further."""
    with _errors_as_exit(), _run_copy(run_folder) as folder:
        _require_run(run_folder, folder)
        selection = Selection(reason=reason, rule=rule, doc_id=doc_id, site=site)
        docs, matching = select(folder, selection, count, page)
        console = Console(highlight=False, soft_wrap=True)
        show(console, docs, full=full)
        first = count * (page - 1)
        shown = f"{first + 1}-{first + len(docs)}" if docs else "none"
        click.echo(f"{matching:,} documents match; shown {shown}", err=True)


@main.command("clean")
@click.argument("file")
@recipe_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per record.")
def clean_command(file: str, config: str | None, recipe_name: str | None, as_json: bool) -> None:
    """Clean the record(s) in FILE and print the text with its ledger."""
    with _errors_as_exit():
        recipe = _recipe(config, recipe_name)
        item = input_file(file)  # refused unopened: missing, a folder, a FIFO, unknown format
        for record in read_records(item, recipe.reader):
            if isinstance(record, Quarantined):
                _show_quarantined(record, as_json)
            else:
                _show_document(recipe.clean(record), as_json)


def _show_quarantined(record: Quarantined, as_json: bool) -> None:
    if as_json:
        click.echo(orjson.dumps({"status": "quarantined", **record.to_dict()}).decode())
    else:
        click.echo(f"quarantined {record.source} at {record.position}: {printable(record.error)}")


def _show_document(doc: thresher.Document, as_json: bool) -> None:
    if as_json:
        click.echo(orjson.dumps(doc.to_dict()).decode())
        return
    verdict = doc.status if doc.rejection is None else f"rejected ({doc.rejection.reason})"
    click.echo(f"# {printable(doc.id)}: {verdict}")
    for key, value in doc.metadata.items():
        click.echo(f"# {key}: {printable(str(value))}")
    click.echo(printable(doc.text))
    if doc.ledger:
        click.echo("\n# ledger")
        click.echo(printable(thresher.ledger_diff(doc)))


@main.command("recipe")
@click.argument("name", default="default")
@click.option("--list", "list_all", is_flag=True, help="List the built-in recipes.")
def recipe_command(name: str, list_all: bool) -> None:
    """Print a built-in recipe (default: the default recipe) as an editable config file."""
    with _errors_as_exit():
        if list_all:
            click.echo("\n".join(thresher.builtin_recipes()))
            return
        click.echo(Recipe.named(name).dumps(), nl=False)


_BOILERPLATE_SHOWN = 50


@main.command("boilerplate")
@click.argument("site")
@click.option(
    "--index",
    type=click.Path(file_okay=False),
    help="The index folder the runs used (their --index); its steps/site-boilerplate/ is read.",
)
@click.option(
    "--run",
    "run_folder",
    type=click.Path(file_okay=False),
    help="A run folder whose own index (RUN/dedup-index) holds the table.",
)
@click.option(
    "-n",
    "shown",
    default=_BOILERPLATE_SHOWN,
    show_default=True,
    type=click.IntRange(0),
    help="Lines shown, most frequent first (0: all).",
)
def boilerplate_command(site: str, index: str | None, run_folder: str | None, shown: int) -> None:
    """Print the lines learned for SITE (as the site-boilerplate step keys sites: by default
    the registered domain, "bbc.co.uk"; a URL or host name is taken to its registered domain)
    with the documents each was on, most frequent first, out of the site's documents."""
    with _errors_as_exit():
        state = _boilerplate_state(index, run_folder)
        try:
            name, documents = _known_site(state, site)
            counted = site_lines(state, name)
        except (OSError, ValueError) as exc:  # a part missing or damaged
            raise ConfigError(
                f"site table {printable(str(state))}: cannot read it ({type(exc).__name__}:"
                f" {printable(str(exc))}); restore it from a copy"
            ) from exc
        lines = [(text, n) for text, n in counted if text is not None]
        defaults = SiteBoilerplate()
        frequent = sum(
            text is None and n >= max(defaults.min_docs, defaults.min_share * documents)
            for text, n in counted
        )
        click.echo(
            f"{printable(name)}: {documents} documents; {len(lines)} learned lines, removed"
            " as its boilerplate (documents each is on):"
        )
        width = len(str(lines[0][1])) if lines else 1
        for text, count in lines[: shown or None]:
            click.echo(f"{count:>{width}}  {_one_line(text)}")
        if shown and len(lines) > shown:
            click.echo(f"... and {len(lines) - shown} more (-n 0 shows all)")
        if frequent:
            click.echo(
                f"({frequent} more lines are on {defaults.min_share:.0%} of the documents or"
                " more but were never removed: each time among the page's own lines; only"
                " their hashes are kept)"
            )


def _boilerplate_state(index: str | None, run_folder: str | None) -> Path:
    """The site-boilerplate step's table: INDEX/steps/site-boilerplate (or INDEX itself when it
    is the table), or RUN/dedup-index/steps/site-boilerplate."""
    if index and run_folder:
        raise click.UsageError("give --index or --run, not both")
    if not index and not run_folder:
        raise click.UsageError("give --index DIR (the runs' index folder) or --run RUN")
    folder = Path(index) if index else Path(str(run_folder)) / OWN_INDEX
    state = folder if (folder / MANIFEST).is_file() else folder / STATE_DIR / SiteBoilerplate.name
    if not (state / MANIFEST).is_file():
        raise ConfigError(
            f"{printable(str(folder))}: no site-boilerplate table in it (no"
            f" {printable(str(state / MANIFEST))}); give the index folder of a run whose recipe"
            " has the site-boilerplate step"
        )
    return state


def _known_site(state: Path, site: str) -> tuple[str, int]:
    """The site as the table keys it, and its documents: SITE as given, else its host or
    registered domain when SITE is a URL or a host name."""
    candidates = [site.strip()]
    host = host_of(site) if "://" in site else site.strip().lower().rstrip(".")
    candidates += [host, registered_domain(host)]
    for name in dict.fromkeys(c for c in candidates if c):
        documents = site_documents(state, name)
        if documents:
            return name, documents
    raise ConfigError(f"site {printable(site)!r}: not in the table {printable(str(state))}")


def _one_line(text: str) -> str:
    """A line of crawled text made safe for the terminal, on one line."""
    return printable(text.replace("\n", "\\n").replace("\t", "\\t"))


@contextmanager
def _errors_as_exit(interrupted: str = "interrupted") -> Iterator[None]:
    """The one place a command ends early: a `ThresherError` is one line and status 2, an
    interrupt (Ctrl-C) one line and status 130, as a shell reports SIGINT."""
    try:
        yield
    except ThresherError as exc:
        click.echo(f"thresher: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo(f"thresher: {interrupted}", err=True)
        sys.exit(130)


@contextmanager
def _warnings_shown(show: bool) -> Iterator[None]:
    """What a run adjusts and goes on with (`ThresherWarning`): one line each on stderr, or
    none (`--quiet`). Other warnings are shown as Python shows them."""
    with warnings.catch_warnings():
        warnings.simplefilter("always" if show else "ignore", ThresherWarning)
        others = warnings.showwarning

        def one_line(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, ThresherWarning):
                click.echo(f"thresher: warning: {message}", err=True)
            else:
                others(message, category, filename, lineno, file, line)

        warnings.showwarning = one_line
        yield
