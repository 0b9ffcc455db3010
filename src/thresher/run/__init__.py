"""Runners: planning units, the local engine, accounting."""

from thresher.run.accounting import Counts, Summary
from thresher.run.local import run
from thresher.run.progress import RunProgress

__all__ = ["Counts", "RunProgress", "Summary", "run"]
