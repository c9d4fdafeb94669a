"""The one converter between stored chunks and LangChain ``Document``s.

A retrieved chunk travels through LangChain as a ``Document`` whose ``metadata`` is
a plain dict (LangChain's contract); ``to_document`` builds it from a stored
``ChunkRow`` and ``ChunkMeta.of`` reads it back as a typed value, so no other module
builds or reads that dict by its string keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.documents import Document

from assistant.answer import OtherReport
from ingest.records import ChunkRow

__all__ = ["ChunkMeta", "to_document"]


@dataclass(frozen=True)
class ChunkMeta:
    """What a retrieved passage is: its chunk, article, place in the article and scores."""

    chunk_id: str
    article_id: str
    title: str
    source: str
    date: str | None
    url: str | None
    start: int  # offsets of the passage in the article's cleaned text
    end: int
    page: int | None
    rank: int = 0  # position in the retrieved list (0 = best)
    score: float = 0.0  # fused retrieval score
    dense: float | None = None  # cosine similarity to the question
    lexical: float | None = None  # BM25 score
    also_reported: tuple[OtherReport, ...] = ()  # the other articles of its story group

    @classmethod
    def of(cls, doc: Document) -> ChunkMeta:
        """The metadata of a ``Document`` made by ``to_document``.

        Raises:
            ValueError: the document was not made by ``to_document`` (a key is missing).
        """
        meta: dict[str, Any] = doc.metadata
        try:
            return cls(
                chunk_id=str(meta["chunk_id"]), article_id=str(meta["article_id"]),
                title=str(meta.get("title") or ""), source=str(meta.get("source") or ""),
                date=meta.get("date"), url=meta.get("url"), start=int(meta["start"]),
                end=int(meta["end"]), page=meta.get("page"), rank=int(meta.get("rank") or 0),
                score=float(meta.get("score") or 0.0), dense=meta.get("dense"),
                lexical=meta.get("lexical"),
                also_reported=tuple(OtherReport.of(r) for r in meta.get("also_reported") or ()),
            )
        except KeyError as exc:
            raise ValueError(
                f"Document {doc.id!r} has no {exc.args[0]!r} in its metadata: passages must "
                "be built with assistant.documents.to_document"
            ) from exc


def to_document(
    row: ChunkRow,
    *,
    rank: int = 0,
    score: float = 0.0,
    dense: float | None = None,
    lexical: float | None = None,
    also_reported: tuple[OtherReport, ...] = (),
) -> Document:
    """A stored chunk as a LangChain ``Document`` (text = the passage, metadata = ``ChunkMeta``)."""
    meta = ChunkMeta(
        chunk_id=row.chunk_id, article_id=row.article_id, title=row.title, source=row.source,
        date=row.date, url=row.url, start=row.start, end=row.end, page=row.page, rank=rank,
        score=score, dense=dense, lexical=lexical, also_reported=also_reported,
    )
    return Document(page_content=row.text, id=row.chunk_id, metadata=asdict(meta))
