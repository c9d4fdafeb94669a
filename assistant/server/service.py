"""The operations both servers offer, over one shared ``Assistant`` (thread-safe for readers).

The HTTP API and the MCP server call these and convert the results with
``assistant.server.convert``; neither talks to the store on its own.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from assistant.facade import Assistant
from assistant.retrieval import Filters
from assistant.server.convert import (
    BACKENDS,
    NotFoundError,
    fact_json,
    passage_json,
)
from ingest.models import ArticleInfo
from vectorstore.errors import QuestionError

__all__ = ["Service"]

MAX_FACTS = 1000


class Service:
    """Trade Desk's read and write operations for network clients."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._siblings: dict[str, Assistant] = {assistant.settings.llm: assistant}
        self._lock = threading.Lock()

    # -- answering ---------------------------------------------------------------------

    def backends(self) -> list[str]:
        """The answer backends this server can use (llamacpp when installed, openai if set)."""
        names = ["extractive"]
        if importlib.util.find_spec("llama_cpp") is not None:
            names.append("llamacpp")
        if self.assistant.settings.llm_base_url:
            names.append("openai")
        return [b for b in BACKENDS if b in names or b == self.assistant.settings.llm]

    def for_backend(self, backend: str) -> Assistant:
        """The shared assistant, or a sibling answering with another backend (same store).

        Raises:
            QuestionError: the backend is not available on this server.
        """
        if backend not in self.backends():
            raise QuestionError(
                f"The {backend} backend is not available on this server (available: "
                f"{', '.join(self.backends())}). Pick one of GET /v1/models."
            )
        with self._lock:
            if backend not in self._siblings:
                self._siblings[backend] = self.assistant.with_settings(llm=backend)
            return self._siblings[backend]

    def passages(
        self,
        query: str,
        *,
        k: int = 5,
        article_ids: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> list[dict[str, Any]]:
        """Hybrid retrieval (dense + BM25) with filters: passages with ids and offsets."""
        if not query.strip():
            raise QuestionError("The query is empty: give words to search the articles for.")
        limit = self.assistant.settings.max_question_chars
        if len(query) > limit:
            raise QuestionError(
                f"The query is {len(query)} characters long; the limit is {limit} "
                "(TRADEDESK_MAX_QUESTION_CHARS). Shorten it."
            )
        if not 1 <= k <= 20:
            raise QuestionError(f"k={k!r} must be between 1 and 20 passages.")
        filters = Filters(
            article_ids=tuple(article_ids or ()), date_from=date_from, date_to=date_to
        )
        docs = self.assistant.retriever.search(query, k=k, filters=filters)
        return [passage_json(d.id, d.page_content, dict(d.metadata)) for d in docs]

    # -- library -----------------------------------------------------------------------

    def article(self, article_id: str) -> ArticleInfo:
        """One article's metadata.

        Raises:
            NotFoundError: no article has this id.
        """
        info = self.assistant.records.article(article_id)
        if info is None:
            raise NotFoundError(
                f"No article with id {article_id!r}. GET /v1/articles (or the list_articles "
                "tool) lists the ids."
            )
        return info

    def article_json(self, article_id: str, *, max_chars: int | None = None) -> dict[str, Any]:
        """Metadata and cleaned text of an article (citation offsets point into the text)."""
        info = self.article(article_id)
        text = self.assistant.article_text(article_id)
        body = article_info_json(info)
        body["text"] = text if max_chars is None else text[:max_chars]
        body["truncated"] = max_chars is not None and len(text) > max_chars
        return body

    def remove(self, article_id: str) -> None:
        """Remove an article (``NotFoundError`` when absent)."""
        self.article(article_id)
        self.assistant.remove(article_id)

    # -- the fact ledger ---------------------------------------------------------------

    def _titles(self) -> dict[str, tuple[str, str]]:
        return {a.article_id: (a.title, a.source) for a in self.assistant.articles()}

    def facts(
        self,
        *,
        country: str | None = None,
        partner: str | None = None,
        kind: str | None = None,
        flow: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Ledger figures matching the filters, one page (``limit`` at most 1000)."""
        if not 1 <= limit <= MAX_FACTS or offset < 0:
            raise QuestionError(f"limit must be 1..{MAX_FACTS} and offset >= 0.")
        rows = self.assistant.facts(
            country=country, partner=partner, kind=kind, flow=flow,
            date_from=date_from, date_to=date_to,
        )
        titles = self._titles()
        page = rows[offset: offset + limit]
        return {"total": len(rows), "offset": offset,
                "facts": [fact_json(f, titles) for f in page]}

    def conflicts(
        self, *, country: str | None = None, partner: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """Figures two articles give differently for the same subject and period.

        ``relation`` is "revised" for two versions of one story, else "sources differ".
        """
        titles = self._titles()

        def keep(values: tuple[str | None, ...], wanted: str | None) -> bool:
            return wanted is None or any(
                v is not None and v.lower() == wanted.lower() for v in values
            )

        found = []
        for c in self.assistant.conflicts():
            f = c.newer
            if keep((f.reporter, f.partner), country) and keep((f.partner, f.reporter), partner) \
                    and keep((f.kind,), kind):
                found.append({"relation": c.label, "newer": fact_json(c.newer, titles),
                              "older": fact_json(c.older, titles)})
        return found

    # -- status ------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Store, index and model status (raises ``StoreError`` when the store is unreadable)."""
        a = self.assistant
        articles, chunks = a.records.count()
        version = a.records.version()
        return {
            "status": "ok",
            "store": {"articles": articles, "chunks": chunks, "vectors": a.store.count(),
                      "location": a.store.location},
            "index": {"records_version": version, "lexical_version": a.lexical.version,
                      "in_step": a.lexical.version in (None, version)},
            "model": {"embedding_model": a.embedder.name, "loaded": a.embedder.loaded,
                      "backend": a.settings.llm, "backends": self.backends()},
        }


def article_info_json(info: ArticleInfo) -> dict[str, Any]:
    """An article's metadata for the wire (no file system path: it is the server's)."""
    return {
        "article_id": info.article_id,
        "title": info.title,
        "source": info.source,
        "date": info.date,
        "url": info.url,
        "kind": info.kind,
        "chunks": info.chunks,
        "chars": info.chars,
        "updated_at": info.updated_at,
    }
