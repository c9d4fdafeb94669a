"""`tradedesk mcp` over stdio, driven by the official `mcp` SDK's client."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE_DIR, VENV_BIN, clean_settings
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from assistant import Assistant
from assistant.server.convert import UNTRUSTED_NOTE
from ingest.text.sentences import flowing
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

TOOLS = {"ask", "search_passages", "get_article", "list_articles", "find_figures",
         "figure_conflicts"}
FIGURE_Q = "How much did Turkey export to Italy in the first five months of 2025?"


@pytest.fixture(scope="module")
def mcp_home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    home = tmp_path_factory.mktemp("mcp") / "home"
    report = Assistant(clean_settings(home=home), embedder=embedder).ingest([SAMPLE_DIR])
    assert not report.failed
    return home


def unfence(text: str) -> str:
    assert text.startswith("<article_text>") and text.endswith("</article_text>"), text[:80]
    return text.removeprefix("<article_text>").removesuffix("</article_text>")


def session_run(home: Path, body: Callable[[ClientSession], Awaitable[None]]) -> None:
    """Start `tradedesk mcp` (stdio) on ``home``, initialise a session and run ``body``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", TRADEDESK_HOME=str(home),
               PYTHONPATH=str(ROOT))
    params = StdioServerParameters(command=str(VENV_BIN / "tradedesk"), args=["mcp"], env=env)

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await body(session)

    asyncio.run(asyncio.wait_for(main(), timeout=180))


def test_mcp_tools_over_stdio(mcp_home: Path) -> None:
    seen: dict[str, Any] = {}

    async def body(session: ClientSession) -> None:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert set(tools) == TOOLS
        for tool in tools.values():
            assert tool.description and len(tool.description) > 40
            assert tool.input_schema["type"] == "object"
        ask_schema = tools["ask"].input_schema
        assert ask_schema["required"] == ["question"]
        assert {"history", "k", "article_ids", "date_from", "date_to"} <= set(
            ask_schema["properties"])
        assert all(p.get("description") for p in ask_schema["properties"].values())

        async def call(name: str, **args: Any) -> Any:
            result = await session.call_tool(name, args)
            assert not result.is_error, result.content
            return result.structured_content

        seen["ask"] = await call("ask", question=FIGURE_Q)
        seen["follow"] = await call(
            "ask", question="What about iron ore?",
            history=[["user", "How much were Brazil's soybean exports to China worth in 2024?"],
                     ["assistant", "$31.5 billion [1]."]],
        )
        seen["refused"] = await call("ask", question="What is the population of Australia?")
        seen["passages"] = await call("search_passages", query="Turkey exports Italy", k=3)
        seen["articles"] = await call("list_articles")
        first = seen["ask"]["citations"][0]["article_id"]
        seen["article"] = await call("get_article", article_id=first)
        seen["short"] = await call("get_article", article_id=first, max_chars=40)
        for passage in seen["passages"]["passages"]:
            if passage["article_id"] == first:
                seen["passage"] = passage
        seen["figures"] = await call("find_figures", country="Turkey", partner="Italy")
        seen["conflicts"] = await call("figure_conflicts")

        errors = {
            "missing": await session.call_tool("get_article", {"article_id": "no-such-id"}),
            "empty": await session.call_tool("ask", {"question": "   "}),
            "long": await session.call_tool("ask", {"question": "x" * 1001}),
            "k": await session.call_tool("search_passages", {"query": "trade", "k": 99}),
            "date": await session.call_tool("ask", {"question": FIGURE_Q, "date_from": "May"}),
        }
        seen["errors"] = {k: (r.is_error, r.content[0].text) for k, r in errors.items()}

    session_run(mcp_home, body)

    ask = seen["ask"]
    assert "5.34 billion" in ask["answer"] and "[1]" in ask["answer"]
    assert ask["refused"] is False and ask["note"] == UNTRUSTED_NOTE
    article = seen["article"]
    text = unfence(article["text"])
    assert article["truncated"] is False and len(text) == article["chars"]
    for c in ask["citations"]:
        if c["article_id"] == article["article_id"]:
            assert flowing(text[c["start"]: c["end"]]) == unfence(c["quote"])
    assert "19.8 billion" in seen["follow"]["answer"]
    assert seen["refused"]["refused"] is True and seen["refused"]["citations"] == []
    assert len(seen["passages"]["passages"]) == 3
    passage = seen["passage"]
    assert unfence(passage["text"]) == text[passage["start"]: passage["end"]]
    assert len(seen["articles"]["articles"]) == seen["articles"]["total"] >= 9
    assert seen["short"]["truncated"] is True and len(unfence(seen["short"]["text"])) == 40
    figures = seen["figures"]["facts"]
    assert any(f["figure"] == "$5.34 billion" for f in figures)
    assert all(f["sentence"].startswith("<article_text>") for f in figures)
    assert isinstance(seen["conflicts"]["conflicts"], list)

    errors = seen["errors"]
    assert all(is_error for is_error, _ in errors.values()), errors
    assert "list_articles" in errors["missing"][1]
    assert "empty" in errors["empty"][1]
    assert "TRADEDESK_MAX_QUESTION_CHARS" in errors["long"][1]
    assert "k" in errors["k"][1]
    assert "YYYY-MM-DD" in errors["date"][1]
    assert not any("Traceback" in text for _, text in errors.values())
