"""Hybrid retrieval as a LangChain ``BaseRetriever``: dense (Chroma) + BM25, fused, diversified.

Dense and lexical candidates are fused with reciprocal rank fusion, then a
per-article cap keeps one article from filling every slot. Only chunks of the
current version of each article (per the ingest records) are returned, so a
reader never sees a half-written re-ingest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.documents import to_document
from ingest.ids import ChunkId, article_of
from ingest.records import Records
from vectorstore.errors import QuestionError
from vectorstore.lexical import LexicalIndex
from vectorstore.store import ChromaStore

__all__ = ["Filters", "HybridRetriever"]


@dataclass(frozen=True)
class Filters:
    """Metadata filters: article ids and an inclusive ISO date range."""

    article_ids: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and not _is_iso_date(value):
                raise QuestionError(f"{name}={value!r} is not a date in the form YYYY-MM-DD.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QuestionError(
                f"date_from={self.date_from!r} is after date_to={self.date_to!r}."
            )

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.article_ids or self.date_from or self.date_to)

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause."""
        clauses: list[dict[str, Any]] = []
        if self.article_ids:
            clauses.append({"article_id": {"$in": list(self.article_ids)}})
        if self.date_from:
            clauses.append({"date_num": {"$gte": int(self.date_from.replace("-", ""))}})
        if self.date_to:
            clauses.append({"date_num": {"$lte": int(self.date_to.replace("-", ""))}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, article_id: str, date: str | None) -> bool:
        """Whether an article passes the filters."""
        if self.article_ids and article_id not in self.article_ids:
            return False
        if self.date_from and (not date or date < self.date_from):
            return False
        if self.date_to and (not date or date > self.date_to):
            return False
        return True


def _is_iso_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return len(value) == 10


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval over the store, fused with RRF, at most ``per_article`` per article.

    Call ``invoke(query, k=..., filters=Filters(...))``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChromaStore
    lexical: LexicalIndex
    records: Records
    k: int = 5
    fetch_k: int = 40
    per_article: int = 2
    rrf_k: int = 60
    lexical_weight: float = 1.0
    before_search: Callable[[], Any] | None = None

    _cache_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _versions: tuple[int, dict[str, str], dict[str, str | None]] | None = PrivateAttr(
        default=None
    )
    _masks: dict[tuple[int | None, Filters], np.ndarray] = PrivateAttr(default_factory=dict)

    def _current(self) -> tuple[dict[str, str], dict[str, str | None]]:
        """``article_id -> version`` and ``article_id -> date``, cached per records version."""
        version = self.records.version()
        with self._cache_lock:
            if self._versions is None or self._versions[0] != version:
                versions = self.records.versions()
                dates = {a.article_id: a.date for a in self.records.articles()}
                self._versions = (version, versions, dates)
                self._masks.clear()
            return self._versions[1], self._versions[2]

    def _mask(self, filters: Filters, dates: dict[str, str | None]) -> np.ndarray:
        key = (self.lexical.version, filters)
        with self._cache_lock:
            mask = self._masks.get(key)
        if mask is None:
            mask = np.array(
                [
                    1.0 if filters.allows(article, dates.get(article)) else 0.0
                    for article in map(article_of, self.lexical.ids)
                ],
                dtype=np.float32,
            )
            with self._cache_lock:
                self._masks[key] = mask
        return mask

    def search(
        self, query: str, *, k: int | None = None, filters: Filters | None = None
    ) -> list[Document]:
        """Retrieve the best ``k`` chunks for ``query`` (see class docstring)."""
        if self.before_search is not None:
            self.before_search()
        k = k or self.k
        filters = filters or Filters()
        versions, dates = self._current()
        qvec = self.store.embedder.encode_query(query)

        dense_hits = self.store.query(qvec, self.fetch_k, where=filters.where())
        dense_rank: dict[str, int] = {}
        dense_score: dict[str, float] = {}
        for rank, hit in enumerate(dense_hits):
            dense_rank[hit.id] = rank
            dense_score[hit.id] = hit.score
        mask = self._mask(filters, dates) if filters.active and len(self.lexical) else None
        lex_hits = self.lexical.search(query, self.fetch_k, allowed=mask)
        lex_rank = {cid: rank for rank, (cid, _) in enumerate(lex_hits)}
        lex_score = dict(lex_hits)

        fused: dict[str, float] = {}
        for cid, rank in dense_rank.items():
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        for cid, rank in lex_rank.items():
            fused[cid] = fused.get(cid, 0.0) + self.lexical_weight / (self.rrf_k + rank + 1)

        def current(cid: str) -> bool:
            parsed = ChunkId.parse(cid)
            return versions.get(parsed.article_id) == parsed.version

        ranked = sorted((c for c in fused if current(c)), key=lambda c: -fused[c])
        chosen: list[str] = []
        per_article: dict[str, int] = {}
        for cid in ranked:
            article_id = article_of(cid)
            if per_article.get(article_id, 0) >= self.per_article:
                continue
            per_article[article_id] = per_article.get(article_id, 0) + 1
            chosen.append(cid)
            if len(chosen) >= k:
                break
        rows = self.records.chunks(chosen)
        missing_dense = [c for c in chosen if c not in dense_score and c in rows]
        if missing_dense:
            for cid, vec in self.store.embeddings(missing_dense).items():
                dense_score[cid] = float(np.dot(vec, qvec))
        docs: list[Document] = []
        for rank, cid in enumerate(chosen):
            row = rows.get(cid)
            if row is not None:
                docs.append(
                    to_document(
                        row, rank=rank, score=fused[cid], dense=dense_score.get(cid),
                        lexical=lex_score.get(cid),
                    )
                )
        return docs

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> list[Document]:
        return self.search(query, k=k, filters=filters)
