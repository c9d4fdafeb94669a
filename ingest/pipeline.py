"""The ingest pipeline: discover -> load -> chunk -> embed -> write, idempotent and crash-safe.

Why our own bookkeeping rather than ``langchain_core.indexing.index``: that API
derives document ids from a hash of each chunk's content, while our chunk ids
must derive from the article and the chunk's position; it hashes (and so
chunks) every document before it can skip it, while we skip an unchanged
article by its content hash before chunking; and it cannot tell a reader which
chunks belong to the current version of an article while a write is half done.

Write order for a new or changed article (so a crash anywhere leaves each
article in exactly its old or its new version):

1. journal the new chunk ids (``pending``) in the records;
2. upsert the new chunks into Chroma (ids carry the content version, so the
   old version's chunks are never overwritten);
3. in one SQLite transaction make the new version current and journal the
   old version's chunk ids for deletion (the commit point);
4. delete the old chunks from Chroma and clear the journal.

``repair()`` (run at the start of every ingest) finishes or undoes whatever a
killed run left in the journal. Readers only trust chunk ids the records list.

Near-duplicates (``ingest.stories``): each new or changed article's print is compared,
through an LSH index of the stored prints, with the articles already there (and those
earlier in the same run); its print, the copies found and the updated story groups are
written in step 3's transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from ingest.chunking import SentenceChunker, embed_text
from ingest.ids import ChunkId, article_of, make_article_id
from ingest.loaders import discover, load_file
from ingest.models import Chunk, Document, Failure, IngestReport
from ingest.records import Records, StoryUpdate
from ingest.stories import PRINT_KIND, StoryIndex, story_print
from ingest.text.facts import FACTS_VERSION, Fact, extract_facts
from ingest.uploads import clean_upload_name, store_upload
from vectorstore.errors import (
    ConfigError,
    IngestError,
    IngestLockedError,
    LoaderError,
    StoreError,
)
from vectorstore.store import ChromaStore

__all__ = ["Ingestor", "Progress"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """A progress event: ``phase`` is ``load`` (files) or ``embed`` (chunks)."""

    phase: str
    done: int
    total: int
    detail: str = ""


ProgressFn = Callable[[Progress], None]


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


@dataclass
class _Work:
    doc: Document
    version: str
    chunks: list[Chunk]
    is_new: bool
    facts: list[Fact]


class Ingestor:
    """Ingest articles into a ``ChromaStore`` with ``Records`` bookkeeping.

    Args:
        store: the vector store.
        records: the ingest records of that store.
        chunker: splits articles into chunks.
        lock_path: file lock that serialises ingests of this store across processes.
        max_file_bytes: larger files are refused before being read.
        lock_timeout: seconds a second ingest waits for the lock before giving up.
        write_batch: chunks embedded and written together (larger is faster, up to a point).
        dedup: find near-duplicate stories and record story groups.
        dedup_threshold: the Jaccard similarity from which two articles are copies.
        dedup_window_days: copies of one story are dated at most this many days apart.
    """

    def __init__(
        self,
        store: ChromaStore,
        records: Records,
        chunker: SentenceChunker,
        *,
        lock_path: Path,
        max_file_bytes: int,
        lock_timeout: float = 600.0,
        write_batch: int = 512,
        dedup: bool = True,
        dedup_threshold: float = 0.5,
        dedup_window_days: int = 3,
    ) -> None:
        if max_file_bytes <= 0:
            raise ConfigError(f"max_file_bytes={max_file_bytes!r} must be positive.")
        if lock_timeout < 0:
            raise ConfigError(f"lock_timeout={lock_timeout!r} must be >= 0 seconds.")
        if not 1 <= write_batch <= 100_000:
            raise ConfigError(f"write_batch={write_batch!r} must be in 1..100000.")
        if not 0.0 < dedup_threshold <= 1.0:
            raise ConfigError(f"dedup_threshold={dedup_threshold!r} must be in (0, 1].")
        if dedup_window_days < 0:
            raise ConfigError(f"dedup_window_days={dedup_window_days!r} must be >= 0.")
        self.store = store
        self.records = records
        self.chunker = chunker
        self.lock_path = Path(lock_path)
        self.max_file_bytes = max_file_bytes
        self.lock_timeout = lock_timeout
        self.write_batch = write_batch
        self._held: FileLock | None = None  # the lock, while this thread holds it
        self._held_by: int | None = None
        self._depth = 0
        self.dedup = dedup
        self.dedup_threshold = dedup_threshold
        self.dedup_window_days = dedup_window_days
        # The LSH index of the stored prints and the records version it matches: kept
        # between ingests of this process, reloaded when another process wrote.
        self._stories: tuple[int, StoryIndex] | None = None

    @property
    def stories_params(self) -> str:
        """The near-duplicate settings: stored pairs found with others are found again."""
        return f"{PRINT_KIND}|t={self.dedup_threshold:g}|w={self.dedup_window_days}"

    @property
    def pipeline(self) -> str:
        """Signature of chunking + embedding: articles built otherwise are redone."""
        return f"{self.chunker.signature}|{self.store.embedder.name}"

    # -- locking -------------------------------------------------------------------------

    def _lock(self) -> FileLock:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.lock_path), timeout=self.lock_timeout)

    def _locked(self, lock: FileLock) -> IngestLockedError:
        holder = ""
        try:
            holder = (self.lock_path.with_suffix(".pid")).read_text().strip()
        except OSError:
            pass
        who = f" (process {holder})" if holder else ""
        return IngestLockedError(
            f"Another ingest is writing to this store{who}; waited {self.lock_timeout:g}s for "
            f"its lock {self.lock_path}. Let it finish and run this again (or raise "
            "TRADEDESK_INGEST_LOCK_TIMEOUT to wait longer)."
        )

    def _release(self, lock: FileLock) -> None:
        if self._depth > 1:  # an outer operation of this thread still holds it
            self._depth -= 1
            return
        self._held, self._held_by, self._depth = None, None, 0
        try:
            self.lock_path.with_suffix(".pid").unlink(missing_ok=True)
        except OSError:
            pass
        lock.release()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's ingest lock for several operations (e.g. a whole feed poll).

        The operations of this ``Ingestor`` called inside, in the same thread, run under
        it without taking it again; any other ingest waits, as for a single operation.
        """
        lock = self._acquire()
        try:
            yield
        finally:
            self._release(lock)

    def _acquire(self) -> FileLock:
        if self._held is not None and self._held_by == threading.get_ident():
            self._depth += 1
            return self._held
        try:
            lock = self._lock()
            lock.acquire()
        except Timeout as exc:
            raise self._locked(lock) from exc
        except OSError as exc:
            raise StoreError(
                f"Cannot write to the data folder {self.lock_path.parent.parent} "
                f"({exc.strerror or exc}): it must be writable. Fix its permissions or set "
                "TRADEDESK_HOME to a writable folder."
            ) from exc
        try:
            self.lock_path.with_suffix(".pid").write_text(str(os.getpid()))
        except OSError:
            pass
        self._held, self._held_by, self._depth = lock, threading.get_ident(), 1
        return lock

    # -- public operations ---------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[Path | str],
        *,
        prune: bool = False,
        progress: ProgressFn | None = None,
        documents: Sequence[Document] = (),
    ) -> IngestReport:
        """Ingest files and folders; see the module docstring for the guarantees.

        Args:
            paths: files and folders (walked recursively).
            prune: also remove articles whose source file is gone, and feed
                entries no longer in a feed file ingested now (articles from the web
                are never pruned).
            progress: called with ``Progress`` events.
            documents: already-loaded documents (e.g. fetched from URLs) written in
                the same run.
        """
        t0 = time.perf_counter()
        report = IngestReport()
        lock = self._acquire()
        try:
            report.repaired = self.repair()
            self._facts_up_to_date()
            report.dedup_seconds += self._stories_up_to_date()
            docs: list[Document] = []
            loaded_sources: set[str] = set()
            files: list[Path] = []
            for item in discover([Path(p) for p in paths]):
                if isinstance(item, Failure):
                    report.failed.append(item)
                else:
                    files.append(item)
            for n, path in enumerate(files, start=1):
                if progress:
                    progress(Progress("load", n - 1, len(files), path.name))
                try:
                    got, failures = load_file(path, max_bytes=self.max_file_bytes)
                except LoaderError as exc:
                    report.failed.append(Failure(str(path), str(exc)))
                    continue
                except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
                    log.exception("loader crashed on %s", path)
                    report.failed.append(
                        Failure(str(path), f"could not be read ({type(exc).__name__}: {exc})")
                    )
                    continue
                report.failed.extend(failures)
                docs.extend(got)
                if not failures:
                    loaded_sources.add(str(path))
            if progress:
                progress(Progress("load", len(files), len(files)))
            docs.extend(documents)
            self._write(docs, report, progress)
            if prune:
                report.removed.extend(self._prune(docs, loaded_sources))
            self.records.write_manifest()
        finally:
            self._release(lock)
        report.seconds = time.perf_counter() - t0
        return report

    def ingest_documents(
        self, docs: Sequence[Document], *, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Ingest already-loaded documents (same guarantees as ``ingest``)."""
        t0 = time.perf_counter()
        report = IngestReport()
        lock = self._acquire()
        try:
            report.repaired = self.repair()
            self._facts_up_to_date()
            report.dedup_seconds += self._stories_up_to_date()
            self._write(list(docs), report, progress)
            self.records.write_manifest()
        finally:
            self._release(lock)
        report.seconds = time.perf_counter() - t0
        return report

    def ingest_uploads(
        self,
        files: Sequence[tuple[str, bytes]],
        *,
        directory: Path,
        max_files: int,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Store uploaded files under generated names in ``directory`` and ingest them.

        Args:
            files: ``(original name, bytes)`` pairs; names are display labels only.
            directory: where uploads are kept (inside the data folder).
            max_files: more files than this in one call are refused.
            progress: called with ``Progress`` events.

        Raises:
            IngestError: too many files at once.
        """
        if len(files) > max_files:
            raise IngestError(
                f"{len(files)} files were uploaded at once; the limit is {max_files} "
                "(TRADEDESK_MAX_UPLOAD_FILES). Upload them in smaller groups."
            )
        failed: list[Failure] = []
        docs: list[Document] = []
        stored: dict[str, tuple[str, str]] = {}  # path -> (article id, source), this call
        # Uploads already in the library, read once (not once per file).
        known = {a.source_path: (a.article_id, a.source) for a in self.records.articles()}
        for n, (name, data) in enumerate(files, start=1):
            if progress:
                progress(Progress("load", n - 1, len(files), clean_upload_name(name)))
            try:
                path, label = store_upload(name, data, directory, max_bytes=self.max_file_bytes)
            except LoaderError as exc:
                failed.append(Failure(clean_upload_name(name), str(exc)))
                continue
            try:
                got, failures = load_file(path, max_bytes=self.max_file_bytes)
            except LoaderError as exc:
                failed.append(Failure(label, str(exc)))
                if str(path) not in known:
                    path.unlink(missing_ok=True)
                continue
            existing = known.get(str(path)) or stored.get(str(path))
            for doc in got:
                doc.label = label
                if doc.kind != "jsonl":
                    if existing is not None:  # the same bytes were uploaded before
                        article_id, source = existing
                        if label != source:
                            self.records.add_source(str(path), label, article_id, doc.file_sha256)
                        if str(path) in stored:  # already in this batch: once is enough
                            break
                        doc.article_id, doc.source = article_id, source
                        continue
                    doc.article_id = make_article_id(f"upload:{path.name}", Path(label).stem)
                if doc.source == path.name:
                    doc.source = label
            else:
                docs.extend(got)
                if got and got[0].kind != "jsonl":
                    stored.setdefault(str(path), (got[0].article_id, got[0].source))
            failed.extend(
                Failure(f.path.replace(str(path), label), f.reason) for f in failures
            )
        report = self.ingest_documents(docs, progress=progress)
        report.failed[:0] = failed
        return report

    def remove(self, article_ids: Sequence[str]) -> list[str]:
        """Remove articles; returns the ids that were present."""
        lock = self._acquire()
        try:
            self.repair()
            known = set(self.records.versions())
            present = [a for a in dict.fromkeys(article_ids) if a in known]
            if present:
                self._remove_articles(present)
                self.records.write_manifest()
            return present
        finally:
            self._release(lock)

    def refresh_facts(self, *, force: bool = False) -> int:
        """Extract every article's figures again when the extraction rules changed.

        Returns:
            The number of articles whose figures were re-extracted (0 when up to date).
        """
        if not force and self.records.get_meta("facts_version") == str(FACTS_VERSION):
            return 0
        lock = self._acquire()
        try:
            if force:
                self.records.set_meta("facts_version", "")
            before = self.records.count()[0]
            self._facts_up_to_date()
            return before
        finally:
            self._release(lock)

    def refresh_stories(self, *, force: bool = False) -> int:
        """Bring the story groups in step with the articles and the near-duplicate settings.

        Args:
            force: find every pair again (with the stored prints) even if nothing changed.

        Returns:
            The number of articles whose pairs were looked for (0 when up to date).
        """
        lock = self._acquire()
        try:
            if force:
                self.records.set_meta("stories_params", "")
            before = self.records.count()[0]
            changed = bool(force or self.records.get_meta("stories_params") != self.stories_params
                           or self.records.unprinted(PRINT_KIND))
            self._stories_up_to_date()
            return before if changed else 0
        finally:
            self._release(lock)

    def reembed(self, article_ids: Sequence[str] | None = None) -> IngestReport:
        """Re-chunk and re-embed articles from their recorded text (no source file needed).

        Args:
            article_ids: the articles to redo; None redoes every article.
        """
        t0 = time.perf_counter()
        report = IngestReport()
        lock = self._acquire()
        try:
            report.repaired = self.repair()
            report.dedup_seconds += self._stories_up_to_date()
            docs = self.records.documents(article_ids)
            self.records.invalidate([d.article_id for d in docs])
            self._write(docs, report, None)
            self.records.write_manifest()
        finally:
            self._release(lock)
        report.seconds = time.perf_counter() - t0
        return report

    def reset(self) -> None:
        """Delete every article and chunk of this store."""
        lock = self._acquire()
        try:
            self.store.drop()
            self.records.reset()
            self.records.write_manifest()  # a later rebuild must not bring them back
            self._stories = None
        finally:
            self._release(lock)

    def repair(self) -> int:
        """Finish or undo what an interrupted run left behind; returns chunks cleaned up.

        Journal entries are chunk ids that were being written (and may or may not
        have reached Chroma) or were due for deletion. Whatever of them the
        records do not list as current is deleted from Chroma. Also, when
        Chroma holds fewer chunks than the records (a store replaced or
        damaged), the articles with missing chunks are marked to be re-embedded.
        """
        pending = self.records.pending()
        cleaned = 0
        if pending:
            current = set(self.records.chunk_ids())
            doomed = [c for c, _, _ in pending if c not in current]
            self.store.delete(doomed)
            self.records.clear_pending([c for c, _, _ in pending])
            cleaned = len(doomed)
            if doomed:
                self.records.bump()
        _, n_chunks = self.records.count()
        if n_chunks and self.store.count() < n_chunks:
            present = set(self.store.ids())
            missing_articles = {
                article_of(cid) for cid in self.records.chunk_ids() if cid not in present
            }
            if missing_articles:
                log.warning(
                    "%d articles lost chunks in the store; they will be re-embedded",
                    len(missing_articles),
                )
                self.records.invalidate(sorted(missing_articles))
        return cleaned

    # -- internals -----------------------------------------------------------------------

    def _facts_up_to_date(self) -> None:
        """(Under the lock.) Re-extract figures of stored articles if the rules changed."""
        if self.records.get_meta("facts_version") != str(FACTS_VERSION):
            docs = self.records.documents()
            ledger = {
                d.article_id: extract_facts(d.article_id, d.title, d.text, d.date) for d in docs
            }
            self.records.replace_facts(ledger, FACTS_VERSION)

    def _story_index(self) -> StoryIndex:
        """(Under the lock.) The LSH index of every stored print, loaded once per change."""
        version = self.records.version()
        if self._stories is None or self._stories[0] != version:
            index = StoryIndex(
                threshold=self.dedup_threshold, window_days=self.dedup_window_days
            )
            index.add_many(self.records.story_prints(PRINT_KIND))
            self._stories = (version, index)
        return self._stories[1]

    def _match_stories(self, docs: Sequence[Document]) -> dict[str, StoryUpdate]:
        """(Under the lock.) Each article's print and the indexed copies of it, indexing it.

        The index then holds prints not yet committed: a failed commit must drop it.
        """
        index = self._story_index()
        updates: dict[str, StoryUpdate] = {}
        for doc in docs:
            p = story_print(doc.title, doc.text, doc.date)
            index.remove(doc.article_id)  # its earlier version is not its copy
            updates[doc.article_id] = StoryUpdate(
                p, tuple(index.matches(p, exclude=doc.article_id))
            )
            index.add(doc.article_id, p)
        return updates

    def _stories_up_to_date(self) -> float:
        """(Under the lock.) Print articles that have no print; redo every pair for new settings.

        Returns:
            The seconds it took (0 when nothing was to do).
        """
        if not self.dedup:
            return 0.0
        t0 = time.perf_counter()
        params = self.stories_params
        if self.records.get_meta("stories_params") != params:
            # New settings (or a store from before story groups): every pair is found again,
            # from the stored prints where they are of the current kind.
            if not self.records.count()[0]:
                self.records.set_meta("stories_params", params)
                return 0.0
            stored = self.records.story_prints(PRINT_KIND)
            docs = {d.article_id: d for d in self.records.documents()}
            index = StoryIndex(threshold=self.dedup_threshold, window_days=self.dedup_window_days)
            updates: dict[str, StoryUpdate] = {}
            for article_id in self.records.article_order():
                doc = docs[article_id]
                p = stored.get(article_id) or story_print(doc.title, doc.text, doc.date)
                updates[article_id] = StoryUpdate(p, tuple(index.matches(p)))
                index.add(article_id, p)
            self._stories = None
            self.records.write_stories(updates, PRINT_KIND, params=params, replace_all=True)
            self._stories = (self.records.version(), index)
            return time.perf_counter() - t0
        missing = self.records.unprinted(PRINT_KIND)
        if not missing:
            return 0.0
        self._stories = None
        updates = self._match_stories(self.records.documents(missing))
        self._stories = None
        self.records.write_stories(updates, PRINT_KIND)
        return time.perf_counter() - t0

    def _remove_articles(self, article_ids: Sequence[str]) -> None:
        """(Under the lock.) Remove articles and their chunks; their groups are regrouped."""
        cached = self._stories
        fresh = cached is not None and cached[0] == self.records.version()
        stale = self.records.remove_articles(article_ids)
        if cached is not None and fresh:
            for article_id in article_ids:
                cached[1].remove(article_id)
            self._stories = (self.records.version(), cached[1])
        else:
            self._stories = None
        self.store.delete(stale)
        self.records.clear_pending(stale)

    def _chunk(self, doc: Document, version: str) -> list[Chunk]:
        spans = self.chunker.chunk(doc.text, doc.title)
        return [
            Chunk(
                chunk_id=str(ChunkId(doc.article_id, version, i)),
                article_id=doc.article_id,
                index=i,
                start=span.start,
                end=span.end,
                text=doc.text[span.start : span.end],
                tokens=tokens,
            )
            for i, (span, tokens) in enumerate(spans)
        ]

    def _write(
        self, docs: list[Document], report: IngestReport, progress: ProgressFn | None
    ) -> None:
        states = self.records.states()
        pipeline = self.pipeline
        work: list[_Work] = []
        first_source: dict[str, str] = {}
        first_bytes: dict[str, str] = {}  # file sha256 -> article id, within this run
        for doc in docs:
            if doc.article_id in first_source:
                report.failed.append(
                    Failure(
                        doc.source_path,
                        f"{doc.title[:60]!r} has the same url/id as an article from "
                        f"{first_source[doc.article_id]}; the first one was kept",
                    )
                )
                continue
            first_source[doc.article_id] = doc.source_path
            state = states.get(doc.article_id)
            if state is None and doc.file_sha256:
                twin = first_bytes.get(doc.file_sha256) or self.records.article_with_bytes(
                    doc.file_sha256
                )
                if twin is not None and twin != doc.article_id:
                    # The very same bytes are already an article: record the second name.
                    self.records.add_source(
                        doc.source_path, doc.label or doc.source, twin, doc.file_sha256
                    )
                    report.duplicates.append((doc.source_path, twin))
                    continue
            if doc.file_sha256:  # the file changed: it is no longer a copy of another article
                self.records.drop_sources(doc.source_path, except_article=doc.article_id)
                first_bytes.setdefault(doc.file_sha256, doc.article_id)
            digest = doc.content_hash
            if state == (digest, pipeline):
                report.unchanged.append(doc.article_id)
                continue
            # The version in chunk ids covers the chunking too: re-chunking the same text
            # (other settings) writes new ids and never overwrites the current chunks.
            version = hashlib.sha256(f"{digest}|{pipeline}".encode()).hexdigest()[:10]
            work.append(_Work(doc, version, self._chunk(doc, version), state is None, []))
        total = sum(len(w.chunks) for w in work)
        batches: list[list[_Work]] = []
        size = 0
        for item in work:
            if not batches or size >= self.write_batch:
                batches.append([])
                size = 0
            batches[-1].append(item)
            size += len(item.chunks)
        if progress and work:
            progress(Progress("embed", 0, total))
        # Embedding (torch, main thread) overlaps with writing the previous batch (Chroma
        # and SQLite, writer thread); each batch is still written journal -> upsert ->
        # commit -> delete, so the crash-safety argument holds batch by batch.
        pending: queue.Queue[tuple[list[_Work], np.ndarray] | None] = queue.Queue(maxsize=1)
        errors: list[BaseException] = []

        def writer() -> None:
            while (item := pending.get()) is not None:
                if errors:
                    continue
                try:
                    self._store_batch(item[0], item[1], pipeline, report)
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                    errors.append(exc)

        thread = threading.Thread(target=writer, name="tradedesk-writer", daemon=True)
        thread.start()
        done = 0
        try:
            for batch in batches:
                if errors:
                    break
                vectors = self._embed_batch(batch)
                report.embedded += len(vectors)
                pending.put((batch, vectors))
                done += len(vectors)
                if progress:
                    progress(Progress("embed", done, total, batch[-1].doc.title[:60]))
        finally:
            pending.put(None)
            thread.join()
        if errors:
            raise errors[0]

    def _embed_batch(self, batch: list[_Work]) -> np.ndarray:
        titles = {w.doc.article_id: self.chunker.title_prefix(w.doc.title) for w in batch}
        return self.store.embedder.encode(
            [embed_text(titles[c.article_id], c.text) for w in batch for c in w.chunks]
        )

    def _store_batch(
        self, batch: list[_Work], vectors: np.ndarray, pipeline: str, report: IngestReport
    ) -> None:
        chunks = [c for w in batch for c in w.chunks]
        for w in batch:  # here, in the writer thread, it overlaps with embedding
            w.facts = extract_facts(w.doc.article_id, w.doc.title, w.doc.text, w.doc.date)
        stories: dict[str, StoryUpdate] | None = None
        if self.dedup:
            t0 = time.perf_counter()
            stories = self._match_stories([w.doc for w in batch])
            report.dedup_seconds += time.perf_counter() - t0
        self.records.journal(
            [c.chunk_id for c in chunks], [c.article_id for c in chunks], "write"
        )
        docs = {w.doc.article_id: w.doc for w in batch}
        metadatas: list[dict[str, str | int | float | bool]] = []
        for c in chunks:
            d = docs[c.article_id]
            page = d.page_at(c.start)
            metadatas.append(
                {
                    "article_id": c.article_id,
                    "version": ChunkId.parse(c.chunk_id).version,
                    "index": c.index,
                    "start": c.start,
                    "end": c.end,
                    "title": d.title,
                    "source": d.source,
                    "date": d.date or "",
                    "date_num": int(d.date.replace("-", "")) if d.date else -1,
                    "kind": d.kind,
                    "page": page if page is not None else -1,
                }
            )
        self.store.upsert(
            [c.chunk_id for c in chunks], vectors, [c.text for c in chunks], metadatas
        )
        try:
            stale = self.records.commit_articles(
                [(w.doc, w.version, pipeline, w.chunks) for w in batch],
                {w.doc.article_id: w.facts for w in batch},
                stories=stories,
                story_kind=PRINT_KIND,
            )
        except BaseException:
            self._stories = None  # the index holds this batch's prints: not committed
            raise
        if stories is not None and self._stories is not None:
            self._stories = (self.records.version(), self._stories[1])
        self.store.delete(stale)
        self.records.clear_pending(stale)
        for w in batch:
            (report.added if w.is_new else report.updated).append(w.doc.article_id)
        report.chunks_written += len(chunks)

    def _prune(self, docs: list[Document], loaded_sources: set[str]) -> list[str]:
        seen = {d.article_id for d in docs}
        alive: dict[str, list[tuple[str, str]]] = {}
        for path, label, article_id, _ in self.records.source_rows():
            if os.path.exists(path):
                alive.setdefault(article_id, []).append((path, label))
            else:
                self.records.drop_sources(path)
        doomed: list[str] = []
        for source, article_ids in self.records.by_source().items():
            if _is_url(source):
                continue  # from the web: a page or feed entry stays until removed by id
            if not os.path.exists(source):
                for article_id in article_ids:
                    others = [p for p in alive.get(article_id, []) if p[0] != source]
                    if others:  # a byte-identical copy remains: it becomes the source
                        self.records.move_article_source(article_id, *others[0])
                    else:
                        doomed.append(article_id)
            elif source in loaded_sources:
                doomed.extend(a for a in article_ids if a not in seen)
        if doomed:
            self._remove_articles(doomed)
        return doomed
