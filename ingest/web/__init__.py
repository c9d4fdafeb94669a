"""Articles from the web: pages, RSS/Atom feeds, OPML lists, and the watcher that polls them.

``fetch`` is the one safe way to read a URL (schemes, addresses, redirects, size,
types); ``pages`` extracts an article from an HTML page (trafilatura); ``feeds`` parses
RSS/Atom (feedparser) and OPML; ``reader`` turns a URL into ``Document``s; ``watch``
polls the watched feeds and folders of a store.
"""

from ingest.web.fetch import Fetched, Fetcher, FetchPolicy, check_url, normalise_url
from ingest.web.reader import WebReader
from ingest.web.watch import Poller, PollReport, Watcher

__all__ = [
    "FetchPolicy",
    "Fetched",
    "Fetcher",
    "PollReport",
    "Poller",
    "WebReader",
    "Watcher",
    "check_url",
    "normalise_url",
]
