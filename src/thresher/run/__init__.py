"""Runners: planning units, the local engine, accounting."""

from thresher.run.accounting import Counts, Summary
from thresher.run.local import run

__all__ = ["Counts", "Summary", "run"]
