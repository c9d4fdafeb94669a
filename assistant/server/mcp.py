"""The MCP server (the official ``mcp`` SDK): Trade Desk's tools for model clients.

``build_server(assistant)`` registers the tools; ``tradedesk mcp`` runs it over stdio
(the default, for desktop clients) or streamable HTTP. Article text in every result is
fenced as untrusted data (``convert.untrusted``). A Trade Desk error becomes a tool
error (``isError``) whose text names the cause and the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from assistant.facade import Assistant
from assistant.server.convert import UNTRUSTED_NOTE, citation_json, untrusted
from assistant.server.service import Service, article_info_json
from vectorstore.errors import AssistantError

__all__ = ["build_server"]

T = TypeVar("T")

INSTRUCTIONS = (
    "Trade Desk answers questions about the trade and economic news articles ingested into "
    "it, with citations. Use `ask` for a question in plain language (it returns a verified "
    "answer whose [n] markers point at quoted sentences); `search_passages` to read raw "
    "passages; `list_articles` and `get_article` for the library; `find_figures` and "
    "`figure_conflicts` for the extracted trade figures. " + UNTRUSTED_NOTE
)

ArticleIds = Annotated[
    list[str] | None,
    Field(description="Only search these article ids (from list_articles). Omit for all."),
]
DateFrom = Annotated[
    str | None, Field(description="Only articles dated on or after this day, YYYY-MM-DD.")
]
DateTo = Annotated[
    str | None, Field(description="Only articles dated on or before this day, YYYY-MM-DD.")
]
Country = Annotated[
    str | None,
    Field(description="Reporting country in English, e.g. 'Turkey' (either side of a trade)."),
]
Partner = Annotated[str | None, Field(description="Partner country in English, e.g. 'Italy'.")]
Kind = Annotated[
    str | None,
    Field(description="level, growth, share, target, count, price, rate or duration."),
]


def build_server(assistant: Assistant) -> MCPServer[Any]:
    """The MCP server with Trade Desk's six tools over one shared ``Assistant``."""
    service = Service(assistant)
    server: MCPServer[Any] = MCPServer(
        name="tradedesk", title="Trade Desk", instructions=INSTRUCTIONS, version="1"
    )

    async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking Assistant call in a worker thread; its errors as tool errors."""
        try:
            return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))
        except AssistantError as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from exc

    @server.tool(
        title="Ask Trade Desk",
        description=(
            "Answer a question about the ingested trade news articles. Returns the verified "
            "answer text with [n] citation markers and, for each n, the article (id, title, "
            "source, date, url) and the exact quoted sentence with its character offsets in "
            "the article. `refused` is true when the articles do not answer the question: "
            "say so, do not guess. `partial` is true when they only hold something related."
        ),
    )
    async def ask(
        question: Annotated[
            str, Field(description="The question in plain language, e.g. 'How much did "
                       "Turkey export to Italy in Jan-May 2025?'", min_length=1)
        ],
        history: Annotated[
            list[tuple[str, str]] | None,
            Field(description="Earlier turns as [role, text] pairs, role 'user' or "
                  "'assistant', oldest first, for follow-up questions."),
        ] = None,
        k: Annotated[
            int | None, Field(description="Passages given to the answer step (1-20).",
                              ge=1, le=20)
        ] = None,
        article_ids: ArticleIds = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
    ) -> dict[str, Any]:
        answer = await call(
            assistant.ask, question, history or [], k=k, article_ids=article_ids,
            date_from=date_from, date_to=date_to,
        )
        citations = []
        for c in answer.citations:
            item = citation_json(c)
            item["quote"] = untrusted(c.quote)
            citations.append(item)
        return {
            "answer": answer.text,
            "citations": citations,
            "refused": answer.refused,
            "partial": answer.partial,
            "unsupported": answer.unsupported,
            "note": UNTRUSTED_NOTE,
        }

    @server.tool(
        title="Search passages",
        description=(
            "Hybrid search (meaning + keywords) over the article passages, best first. Each "
            "passage has its chunk_id, article_id, title, date, its start/end character "
            "offsets in the article (for get_article) and its text, fenced as untrusted data."
        ),
    )
    async def search_passages(
        query: Annotated[str, Field(description="What to look for, in words.", min_length=1)],
        k: Annotated[int, Field(description="How many passages (1-20).", ge=1, le=20)] = 5,
        article_ids: ArticleIds = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
    ) -> dict[str, Any]:
        passages = await call(
            service.passages, query, k=k, article_ids=article_ids, date_from=date_from,
            date_to=date_to,
        )
        return {"passages": passages, "note": UNTRUSTED_NOTE}

    @server.tool(
        title="Get an article",
        description=(
            "One article's metadata and cleaned text (citation and passage offsets point into "
            "this text). The text is fenced as untrusted data; `truncated` says whether "
            "max_chars cut it."
        ),
    )
    async def get_article(
        article_id: Annotated[str, Field(description="An id from list_articles or a citation.")],
        max_chars: Annotated[
            int, Field(description="Return at most this many characters of text.", ge=1,
                       le=1_000_000)
        ] = 50_000,
    ) -> dict[str, Any]:
        body = await call(service.article_json, article_id, max_chars=max_chars)
        body["text"] = untrusted(body["text"])
        body["note"] = UNTRUSTED_NOTE
        return body

    @server.tool(
        title="List articles",
        description="The ingested articles, newest first: id, title, source, date, url, size.",
    )
    async def list_articles(
        limit: Annotated[int, Field(description="At most this many (1-1000).", ge=1,
                                    le=1000)] = 200,
    ) -> dict[str, Any]:
        rows = await call(assistant.articles)
        return {"total": len(rows), "articles": [article_info_json(a) for a in rows[:limit]]}

    @server.tool(
        title="Find trade figures",
        description=(
            "Figures extracted from the articles (the fact ledger): value, unit, kind, "
            "reporter and partner country, flow, period, the figure as written and its source "
            "sentence (untrusted data) with offsets. All filters are optional."
        ),
    )
    async def find_figures(
        country: Country = None,
        partner: Partner = None,
        kind: Kind = None,
        flow: Annotated[
            str | None,
            Field(description="export, import, bilateral, balance, investment, port or market."),
        ] = None,
        date_from: Annotated[
            str | None, Field(description="Periods ending on or after YYYY-MM (or YYYY-MM-DD).")
        ] = None,
        date_to: Annotated[
            str | None, Field(description="Periods starting on or before YYYY-MM (or -DD).")
        ] = None,
        limit: Annotated[int, Field(description="At most this many (1-1000).", ge=1,
                                    le=1000)] = 50,
    ) -> dict[str, Any]:
        page = await call(
            service.facts, country=country, partner=partner, kind=kind, flow=flow,
            date_from=date_from, date_to=date_to, limit=limit,
        )
        for fact in page["facts"]:
            fact["sentence"] = untrusted(fact["sentence"])
        return page | {"note": UNTRUSTED_NOTE}

    @server.tool(
        title="Conflicting figures",
        description=(
            "Figures that two articles give differently for the same subject and period "
            "(newer and older report; relation 'revised' when both are versions of one "
            "story, else 'sources differ'), optionally for one country, partner or kind."
        ),
    )
    async def figure_conflicts(
        country: Country = None, partner: Partner = None, kind: Kind = None,
    ) -> dict[str, Any]:
        found = await call(service.conflicts, country=country, partner=partner, kind=kind)
        for pair in found:
            for side in ("newer", "older"):
                pair[side]["sentence"] = untrusted(pair[side]["sentence"])
        return {"conflicts": found, "note": UNTRUSTED_NOTE}

    return server
