"""Repair steps: they edit a document, record each edit in its ledger, and may reject it."""

from thresher.repair.boilerplate import Boilerplate
from thresher.repair.error_template import ErrorTemplate
from thresher.repair.pii import PiiRedaction
from thresher.repair.repetition import RepeatedParagraphs
from thresher.repair.title import Title
from thresher.repair.unicode import NormalizeText

__all__ = [
    "Boilerplate",
    "ErrorTemplate",
    "NormalizeText",
    "PiiRedaction",
    "RepeatedParagraphs",
    "Title",
]
