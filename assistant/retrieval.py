"""Hybrid retrieval as a LangChain ``BaseRetriever``: dense (Chroma) + BM25, fused, diversified.

Dense and lexical candidates are fused with reciprocal rank fusion, then a
per-article cap keeps one article from filling every slot, and each story group
(copies, updates and corrections of one wire story, found at ingest) gets one
article's slot: its best-scoring member's; the others are named on its passages
(``also_reported``). Only chunks of the current version of each article (per the
ingest records) are returned, so a reader never sees a half-written re-ingest.
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

from assistant.answer import OtherReport
from assistant.documents import to_document
from ingest.ids import ChunkId, article_of
from ingest.records import Records
from vectorstore.errors import QuestionError
from vectorstore.lexical import LexicalIndex
from vectorstore.store import ChromaStore

__all__ = ["Filters", "HybridRetriever"]


@dataclass(frozen=True)
class _Library:
    """What retrieval needs of the records, read once per records version."""

    version: int
    versions: dict[str, str]  # article_id -> current version
    dates: dict[str, str | None]
    info: dict[str, tuple[str, str, str | None, str | None]]  # title, source, date, url
    group_of: dict[str, str]  # article_id -> story group, for groups of two or more
    members: dict[str, list[str]]  # story group -> its articles, oldest first


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
    _library: _Library | None = PrivateAttr(default=None)
    _masks: dict[tuple[int | None, Filters], np.ndarray] = PrivateAttr(default_factory=dict)

    def _load(self) -> _Library:
        """The records' articles, versions and story groups, cached per records version."""
        version = self.records.version()
        with self._cache_lock:
            if self._library is None or self._library.version != version:
                articles = self.records.articles()
                group_of = self.records.story_groups()
                order = {a: i for i, a in enumerate(self.records.article_order())}
                dates = {a.article_id: a.date for a in articles}
                members: dict[str, list[str]] = {}
                for article_id, group in group_of.items():
                    members.setdefault(group, []).append(article_id)
                for names in members.values():
                    names.sort(key=lambda a: (dates.get(a) or "", order.get(a, 0)))
                self._library = _Library(
                    version=version,
                    versions=self.records.versions(),
                    dates=dates,
                    info={a.article_id: (a.title, a.source, a.date, a.url) for a in articles},
                    group_of=group_of,
                    members=members,
                )
                self._masks.clear()
            return self._library

    def also_reported(
        self, article_id: str, filters: Filters | None = None
    ) -> tuple[OtherReport, ...]:
        """The other articles of ``article_id``'s story group that pass ``filters``, oldest first.

        Empty for an article that is no copy of another.
        """
        library = self._load()
        group = library.group_of.get(article_id)
        if group is None:
            return ()
        out = []
        for other in library.members.get(group, []):
            title, source, date, url = library.info.get(other, ("", "", None, None))
            if other != article_id and (filters is None or filters.allows(other, date)):
                out.append(OtherReport(other, title, source, date, url))
        return tuple(out)

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
        library = self._load()
        versions, dates = library.versions, library.dates
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
        slot: dict[str, str] = {}  # story group -> the member holding its slot
        for cid in ranked:
            article_id = article_of(cid)
            group = library.group_of.get(article_id)
            if group is not None and slot.setdefault(group, article_id) != article_id:
                continue  # another copy of this story scored better
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
                        also_reported=self.also_reported(row.article_id, filters),
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
