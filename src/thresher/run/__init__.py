"""Running a recipe over a corpus: the pipeline (plan, passes, chunks, resume, accounting), its
engines (a local process pool, Ray), and runs in object storage (staged)."""

from thresher.run.accounting import Counts, Summary
from thresher.run.pipeline import run
from thresher.run.progress import RunProgress

__all__ = ["Counts", "RunProgress", "Summary", "run"]
