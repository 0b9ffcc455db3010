"""What stops a run. Per-record problems never raise these: they become rejections or
quarantine entries. Every message names the thing at fault and what to do."""

from __future__ import annotations


class ThresherError(Exception):
    """Base of every error thresher raises on purpose."""


class ConfigError(ThresherError):
    """A recipe or step parameter is invalid; raised before any record is read."""


class InputError(ThresherError):
    """An input path does not exist or holds nothing thresher can read."""


class OutputError(ThresherError):
    """The output folder cannot be written."""
