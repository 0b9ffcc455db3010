"""Site-level boilerplate: the lines each site repeats on many of its pages, learned from the
corpus (collect, decide), removed (apply), and kept in tables that later runs add to."""

from thresher.sites.lines import line_key
from thresher.sites.site import registered_domain, site_of
from thresher.sites.step import REASON, SITE_BOILERPLATE, SiteBoilerplate
from thresher.sites.table import forget_run, site_documents, site_lines

__all__ = [
    "REASON",
    "SITE_BOILERPLATE",
    "SiteBoilerplate",
    "forget_run",
    "line_key",
    "registered_domain",
    "site_documents",
    "site_lines",
    "site_of",
]
