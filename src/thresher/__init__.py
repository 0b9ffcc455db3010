"""thresher: clean, accountable text from raw crawled web records.

The public API: documents and their ledger, steps, recipes, readers and the runner.
"""

from thresher.dedup import DedupIndex
from thresher.document import Document, Edit, Rejection, ledger_diff
from thresher.errors import (
    ConfigError,
    InputError,
    OutputError,
    ThresherError,
    ThresherWarning,
    WorkerError,
)
from thresher.extract import extract
from thresher.readers import Quarantined, parse_record, read_file
from thresher.recipe import ReaderOptions, Recipe, WriterOptions, builtin_recipes
from thresher.run import RunProgress, Summary, run
from thresher.steps import (
    KEEP,
    CorpusStep,
    Drop,
    Filter,
    Keep,
    Repair,
    Step,
    StepStats,
    Verdict,
)

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # STEPS with every built-in step registered: their modules are imported on first need
    # (thresher.steps.step_class), not with the package
    if name == "STEPS":
        from thresher.steps import load_steps

        return load_steps()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "STEPS"})


__all__ = [
    "KEEP",
    "STEPS",
    "ConfigError",
    "CorpusStep",
    "DedupIndex",
    "Document",
    "Drop",
    "Edit",
    "Filter",
    "InputError",
    "Keep",
    "OutputError",
    "Quarantined",
    "ReaderOptions",
    "Recipe",
    "Rejection",
    "Repair",
    "RunProgress",
    "Step",
    "StepStats",
    "Summary",
    "ThresherError",
    "ThresherWarning",
    "Verdict",
    "WorkerError",
    "WriterOptions",
    "__version__",
    "builtin_recipes",
    "extract",
    "ledger_diff",
    "parse_record",
    "read_file",
    "run",
]
