"""Quality signals and filters: one shared word split, the Gopher, C4 and FineWeb rules."""

from thresher.quality.c4 import C4Quality
from thresher.quality.fineweb import FineWebQuality
from thresher.quality.gopher import GopherQuality, GopherRepetition
from thresher.quality.language import LanguageId

__all__ = ["C4Quality", "FineWebQuality", "GopherQuality", "GopherRepetition", "LanguageId"]
