"""The ingest records: an SQLite file beside the vector store.

It knows every article (metadata, content hash, cleaned text) and every chunk
(offsets, text) that the vector store should hold (``articles``), a journal of chunk
ids being written or deleted so an interrupted run can be repaired exactly
(``journal``), every figure of every article (``ledger``), each article's near-duplicate
print and story group (``stories``), and a version counter
that moves on whenever the content changes (readers use it to notice another
process's ingest). The schema is built by numbered migrations (``migrations``).
"""

from __future__ import annotations

from ingest.records.articles import ArticleRecords, ChunkRow
from ingest.records.journal import JournalRecords
from ingest.records.ledger import FactRecords
from ingest.records.stories import StoryRecords, StoryUpdate

__all__ = ["ChunkRow", "Records", "StoryUpdate"]


class Records(ArticleRecords, JournalRecords, FactRecords, StoryRecords):
    """All the records of one store (one SQLite file; see the module docstring)."""
