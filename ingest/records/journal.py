"""The write journal: chunk ids being written to or deleted from the vector store.

Written before the store is touched and cleared after, so that ``Ingestor.repair``
can finish or undo exactly what an interrupted run left (see ``ingest.pipeline``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.records.base import Database

__all__ = ["JournalRecords"]


class JournalRecords(Database):
    """Journal entries ``(chunk_id, article_id, op)`` with ``op`` ``write`` or ``delete``."""

    def journal(self, chunk_ids: Sequence[str], article_ids: Sequence[str], op: str) -> None:
        """Note chunk ids about to be written (``op='write'``) before touching the store."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO pending(chunk_id, article_id, op) VALUES (?, ?, ?)",
                [(c, a, op) for c, a in zip(chunk_ids, article_ids, strict=True)],
            )

    def pending(self) -> list[tuple[str, str, str]]:
        """Journal entries ``(chunk_id, article_id, op)`` left by unfinished work."""
        rows = self._read("SELECT chunk_id, article_id, op FROM pending")
        return [(r["chunk_id"], r["article_id"], r["op"]) for r in rows]

    def clear_pending(self, chunk_ids: Sequence[str]) -> None:
        """Forget journal entries whose work is done."""
        with self._tx() as conn:
            conn.executemany("DELETE FROM pending WHERE chunk_id=?", [(c,) for c in chunk_ids])
