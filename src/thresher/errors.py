"""What stops a run. Per-record problems never raise these: an unreadable record is quarantined
(with where and why), a record a step fails on is rejected as `step-error`, a record over a
bound is quarantined or rejected with the bound's name. Every message names the thing at fault
(file, folder, step, parameter) and what to do.

    ThresherError
    ├── ConfigError   a recipe, step parameter or option is invalid, or a run folder or dedup
    │                 index was made with other settings; raised before any record is read
    ├── InputError    an input path is missing or a folder cannot be listed
    ├── OutputError   the run folder (or dedup index) cannot be written: disk full,
    │                 permissions; finished work is kept, and the same command resumes
    └── WorkerError   a worker process died mid-work (killed by the system, out of memory);
                      finished work is kept, and the same command resumes

What a run adjusts by itself and goes on (more workers asked for than can help) is a
`ThresherWarning`, issued through Python's `warnings`: the CLI prints it as one line.
"""

from __future__ import annotations


class ThresherError(Exception):
    """Base of every error thresher raises on purpose."""


class ConfigError(ThresherError):
    """A recipe, step parameter or run option is invalid, or an existing run folder or index
    was made with other settings; raised before any record is read."""


class InputError(ThresherError):
    """An input path does not exist, or a folder among the inputs cannot be listed."""


class OutputError(ThresherError):
    """The output folder or the dedup index cannot be written (disk full, permissions)."""


class WorkerError(ThresherError):
    """A worker process ended without finishing its work (killed from outside, perhaps by the
    system for lack of memory); the chunks it finished are kept."""


class ThresherWarning(UserWarning):
    """A run went on after adjusting something it was asked for (say, fewer workers)."""
