"""Quality signals and filters: one shared word split, the Gopher, C4 and FineWeb rules, and
FineWeb-2's per-language rules for every other language."""

from thresher.quality.c4 import C4Quality
from thresher.quality.fineweb import FineWebQuality
from thresher.quality.gopher import GopherQuality, GopherRepetition
from thresher.quality.language import LanguageId
from thresher.quality.multilingual import FineWeb2Quality

__all__ = [
    "C4Quality",
    "FineWeb2Quality",
    "FineWebQuality",
    "GopherQuality",
    "GopherRepetition",
    "LanguageId",
]
