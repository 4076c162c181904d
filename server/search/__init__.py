"""Full-text search over published articles: derived data, rebuilt from the store at any time.

The rest of the server talks to :class:`SearchIndex`; :class:`WhooshIndex` is the engine today.
"""

from .base import IndexUnavailable, SearchHit, SearchIndex, SearchPage
from .whoosh_index import WhooshIndex

__all__ = ["IndexUnavailable", "SearchHit", "SearchIndex", "SearchPage", "WhooshIndex"]
