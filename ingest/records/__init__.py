"""The ingest records: an SQLite file beside the vector store.

It knows every article (metadata, content hash, cleaned text) and every chunk
(offsets, text) that the vector store should hold (``articles``), a journal of chunk
ids being written or deleted so an interrupted run can be repaired exactly
(``journal``), every figure of every article (``ledger``), the watched feeds and
folders with the entries seen and the poll log (``feeds``), each article's near-duplicate
print and story group (``stories``), and a version counter
that moves on whenever the content changes (readers use it to notice another
process's ingest). The schema is built by numbered migrations (``migrations``).
"""

from __future__ import annotations

from ingest.records.articles import ArticleRecords, ChunkRow
from ingest.records.feeds import FeedRecords, LogRow, WatchedSource
from ingest.records.journal import JournalRecords
from ingest.records.ledger import FactRecords
from ingest.records.stories import StoryRecords, StoryUpdate

__all__ = ["ChunkRow", "LogRow", "Records", "StoryUpdate", "WatchedSource"]


class Records(ArticleRecords, JournalRecords, FactRecords, FeedRecords, StoryRecords):
    """All the records of one store (one SQLite file; see the module docstring)."""

    def reset(self) -> None:
        """Forget every article; watched feeds stay, to be ingested again at the next poll.

        The feed state goes first: a crash in between leaves articles whose feeds are
        fetched in full next time (and found unchanged), never feeds that skip entries
        whose articles are gone.
        """
        self.forget_feed_state()
        super().reset()
