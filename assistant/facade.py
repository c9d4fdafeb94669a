"""The ``Assistant`` facade: the one object that the UI, the CLI and users import."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock

from assistant.settings import Settings, load_settings
from ingest.chunking import SentenceChunker
from ingest.models import ArticleInfo, IngestReport
from ingest.pipeline import Ingestor, ProgressFn
from ingest.records import Records
from vectorstore.embeddings import Embedder
from vectorstore.errors import AssistantError
from vectorstore.lexical import LexicalIndex
from vectorstore.store import ChromaStore

__all__ = ["Assistant"]


class Assistant:
    """Ingest trade articles and answer questions about them with citations.

    Args:
        settings: configuration; None reads ``TRADEDESK_*`` environment variables.
        embedder: an already-loaded embedder to share (tests, several assistants).
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None):
        if settings is not None and not isinstance(settings, Settings):
            raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
        self.settings = settings or load_settings()
        s = self.settings
        self.embedder = embedder or Embedder(
            s.embedding_model, precision=s.embedding_precision, batch_size=s.embedding_batch_size
        )
        self.store = ChromaStore(
            self.embedder,
            collection=s.collection,
            path=None if s.chroma_host else s.chroma_dir,
            host=s.chroma_host,
            port=s.chroma_port,
        )
        self.records = Records(s.records_path)
        self.chunker = SentenceChunker(
            lambda texts: self.embedder.count_tokens(texts, special=False),
            max_tokens=self.embedder.max_seq_length,
            target_words=s.chunk_words,
            max_words=s.chunk_max_words,
            overlap=s.chunk_overlap,
        )
        self.ingestor = Ingestor(
            self.store,
            self.records,
            self.chunker,
            lock_path=s.lock_path,
            max_file_bytes=int(s.max_file_mb * 1_000_000),
            lock_timeout=s.ingest_lock_timeout,
        )
        self.lexical = LexicalIndex(s.lexical_dir)
        self._sync_lock = threading.Lock()

    # -- library -------------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[str | Path] | str | Path,
        *,
        prune: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Ingest files and folders (idempotent: unchanged articles cost nothing).

        Args:
            paths: one path or several; folders are walked recursively.
            prune: remove articles whose source file is gone.
            progress: optional callback receiving ``Progress`` events.
        """
        if isinstance(paths, str | Path):
            paths = [paths]
        report = self.ingestor.ingest(list(paths), prune=prune, progress=progress)
        self.refresh()
        return report

    def articles(self) -> list[ArticleInfo]:
        """The ingested articles, newest first."""
        return self.records.articles()

    def article(self, article_id: str) -> ArticleInfo:
        """One article's metadata.

        Raises:
            AssistantError: no article has this id.
        """
        info = self.records.article(article_id)
        if info is None:
            raise AssistantError(
                f"No article with id {article_id!r}; `tradedesk list` shows the ids."
            )
        return info

    def article_text(self, article_id: str) -> str:
        """The cleaned text of an article (citation offsets point into it)."""
        text = self.records.article_text(article_id)
        if text is None:
            raise AssistantError(
                f"No article with id {article_id!r}; `tradedesk list` shows the ids."
            )
        return text

    def remove(self, article_id: str) -> None:
        """Remove an article and its chunks.

        Raises:
            AssistantError: no article has this id.
        """
        if not self.ingestor.remove([article_id]):
            raise AssistantError(
                f"No article with id {article_id!r}; `tradedesk list` shows the ids."
            )
        self.refresh()

    def reset(self) -> None:
        """Delete every article, chunk and index of this store."""
        self.ingestor.reset()
        self.refresh()

    def stats(self) -> dict[str, Any]:
        """Counts and locations, for ``tradedesk stats``."""
        n_articles, n_chunks = self.records.count()
        return {
            "articles": n_articles,
            "chunks": n_chunks,
            "vectors": self.store.count(),
            "store": self.store.location,
            "collection": self.settings.collection,
            "records": str(self.records.path),
            "embedding_model": self.embedder.name,
            "version": self.records.version(),
            "home": str(self.settings.home),
        }

    # -- keeping readers in step -----------------------------------------------------------

    def refresh(self) -> bool:
        """Bring the lexical index in step with the records; True when it changed.

        Cheap when nothing changed (one SQLite read). Another process's ingest is
        noticed through the records' version counter.
        """
        version = self.records.version()
        if self.lexical.version == version:
            return False
        with self._sync_lock:
            if self.lexical.version == version:
                return False
            if self.lexical.saved_version() == version and self.lexical.load():
                return True
            build_lock = FileLock(str(self.settings.lexical_dir) + ".lock", timeout=120)
            with build_lock:
                if self.lexical.saved_version() == version and self.lexical.load():
                    return True
                ids, texts = self.records.chunk_texts()
                self.lexical.build(ids, texts, version)
            return True
