"""Keeping a store sound: ``doctor`` checks (and repairs) it, ``rebuild`` re-creates it.

The records, the Chroma collection and the BM25 index must agree: every recorded chunk
in Chroma, nothing in Chroma that no current article version owns, an empty journal,
an index stamped with the records' version. ``Maintenance`` works next to the
``Ingestor`` whose writes it repairs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.ids import article_of
from ingest.models import Failure, IngestReport
from ingest.pipeline import Ingestor, ProgressFn
from ingest.stories import PRINT_KIND
from vectorstore.errors import StoreError
from vectorstore.lexical import LexicalIndex

__all__ = ["DoctorReport", "Maintenance"]


@dataclass
class DoctorReport:
    """What ``doctor()`` found (and fixed)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no problem remains."""
        return not self.problems


class Maintenance:
    """Integrity checks and repairs of one store.

    Args:
        ingestor: the store's ingest pipeline (its store, records and lock).
        lexical: the store's BM25 index.
        uploads_dir: where uploaded files are kept (a rebuild re-ingests them as uploads).
    """

    def __init__(self, ingestor: Ingestor, lexical: LexicalIndex, *, uploads_dir: Path) -> None:
        self.ingestor = ingestor
        self.store = ingestor.store
        self.records = ingestor.records
        self.lexical = lexical
        self.uploads_dir = Path(uploads_dir)

    def doctor(
        self, *, fix: bool = False, refresh: Callable[[], None] | None = None
    ) -> DoctorReport:
        """Check that the records, the Chroma store and the BM25 index agree.

        Checks: the records file (SQLite integrity, chunk/article consistency, every
        article's near-duplicate print and story group), the collection and its embedding
        model, every recorded chunk present in Chroma and
        no chunk in Chroma that no current article version owns, an empty journal of
        unfinished writes, the lexical index's version, and the source files.

        Args:
            fix: repair what can be repaired in place (finish or undo interrupted
                writes, delete orphans, re-embed articles that lost chunks from their
                recorded text). A store that cannot be read at all needs ``rebuild()``.
            refresh: called after a repair changed the store (the caller brings its
                readers and the BM25 index in step) and before checking again.
        """
        report = self._check()
        if fix and report.problems:
            report.fixed = self._repair()
            if refresh is not None:
                refresh()
            again = self._check()
            report.problems, report.warnings = again.problems, again.warnings
        return report

    def _check(self) -> DoctorReport:
        report = DoctorReport()
        try:
            report.problems += self.records.integrity()
            pending = self.records.pending()
            record_ids = set(self.records.chunk_ids())
            n_articles, n_chunks = self.records.count()
        except StoreError as exc:
            report.problems.append(f"{exc}")
            return report
        try:
            store_ids = set(self.store.ids())
        except StoreError as exc:  # includes ModelMismatchError
            report.problems.append(str(exc))
            return report
        missing = record_ids - store_ids
        orphans = store_ids - record_ids
        if pending:
            report.problems.append(
                f"{len(pending)} chunk writes or deletes of an interrupted ingest are unfinished"
            )
        if self.ingestor.dedup:
            try:
                report.problems += self.records.story_problems(PRINT_KIND)
            except StoreError as exc:
                report.problems.append(str(exc))
        if missing:
            affected = {article_of(c) for c in missing}
            report.problems.append(
                f"{len(missing)} recorded chunks of {len(affected)} articles are missing from "
                "the Chroma store"
            )
        if orphans:
            report.problems.append(
                f"{len(orphans)} chunks in the Chroma store belong to no current article version"
            )
        if self.lexical.saved_version() != self.records.version():
            report.warnings.append("the BM25 index is out of date (rebuilt on the next question)")
        gone = sorted({p for p, _, _, _ in self.records.source_rows() if not os.path.exists(p)})
        if gone:
            report.warnings.append(
                f"{len(gone)} source files no longer exist (their articles stay; "
                "`tradedesk ingest --prune` removes them): " + ", ".join(gone[:3])
            )
        report.stats = {
            "articles": n_articles, "chunks": n_chunks, "vectors": len(store_ids),
            "embedding_model": self.store.embedder.name, "store": self.store.location,
        }
        return report

    def _repair(self) -> list[str]:
        fixed = []
        repaired = self.ingestor.repair()
        if repaired:
            fixed.append(f"cleaned up {repaired} chunks of an interrupted ingest")
        leftover = set(self.store.ids()) - set(self.records.chunk_ids())
        if leftover:
            self.store.delete(sorted(leftover))
            fixed.append(f"deleted {len(leftover)} orphan chunks")
        absent = set(self.records.chunk_ids()) - set(self.store.ids())
        lost = {article_of(c) for c in absent}
        if lost:
            self.ingestor.reembed(sorted(lost))
            fixed.append(f"re-embedded {len(lost)} articles from their recorded text")
        if self.ingestor.dedup and self.records.story_problems(PRINT_KIND):
            n = self.ingestor.refresh_stories(force=True)
            fixed.append(f"found the story groups of {n} articles again")
        return fixed

    def rebuild(self, *, progress: ProgressFn | None = None) -> IngestReport:
        """Re-create the vector store (and, if damaged, the records) from what was ingested.

        With readable records every article is re-embedded from its recorded text (no
        source file needed). Damaged records are moved aside and the sources listed in
        the manifest beside them are ingested again; the web articles (URLs, feeds),
        which have no file, come back from the copies kept beside the records
        (``ArticleRecords.write_web_copies``). A web source without a copy, like a file
        that is gone, is named in the report's ``failed``: nothing is dropped silently.
        A damaged embedded Chroma store is moved aside too. Nothing is deleted: damaged
        files are kept as ``*.damaged-*``.
        """
        try:
            records_ok = not any(p.startswith("SQLite") for p in self.records.integrity())
        except StoreError:
            records_ok = False
        manifest = self.records.read_manifest()
        try:
            self.store.drop()
        except StoreError:
            self.store.discard_files()
        self.store.close()
        if records_ok:
            return self.ingestor.reembed(None)
        self.records.discard()
        web_docs, bad_copies = self.records.read_web_copies()
        local = [(p, lbl) for p, lbl in manifest if not _is_url(p)]
        files = [Path(p) for p, _ in local if os.path.exists(p)]
        uploads = self.uploads_dir.resolve()
        plain = [f for f in files if uploads not in f.resolve().parents]
        uploaded = [(lbl, Path(p)) for p, lbl in local if Path(p) not in plain]
        report = (self.ingestor.ingest(plain, progress=progress, documents=web_docs)
                  if plain or web_docs else IngestReport())
        if uploaded:
            up = self.ingestor.ingest_uploads(
                [(lbl, p.read_bytes()) for lbl, p in uploaded if p.exists()],
                directory=self.uploads_dir,
                max_files=max(len(uploaded), 1),
            )
            report.added += up.added
            report.failed += up.failed
            report.chunks_written += up.chunks_written
        missing = [p for p, _ in local if not os.path.exists(p)]
        report.failed += [Failure(p, "source file no longer exists") for p in missing]
        copied = {d.source_path for d in web_docs}
        report.failed += [
            Failure(p, f"the web articles from {lbl!r} could not be rebuilt: no copy of "
                    "them was kept beside the records (they were ingested by an older "
                    "Trade Desk, or the copies were deleted); ingest the URL again, or "
                    "add the feed again and poll it")
            for p, lbl in manifest if _is_url(p) and p not in copied
        ]
        report.failed += [
            Failure(p, "this copy of a web article is damaged and was left out") for p in bad_copies
        ]
        return report


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))
