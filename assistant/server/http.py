"""The HTTP API (FastAPI): OpenAI-compatible chat completions and a native REST surface.

``create_app(assistant)`` builds the app; ``tradedesk serve`` runs it with uvicorn.
Every error is JSON in OpenAI's shape ``{"error": {"message", "type", "code"}}``, the
message naming the cause and the fix; a stack trace never reaches a client.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.facade import Assistant
from assistant.server.convert import (
    answer_json,
    completion,
    completion_chunks,
    error_body,
    error_status,
    messages_to_question,
    model_backend,
)
from assistant.server.guard import ApiKeys, BodyLimit, Busy, Pool
from assistant.server.service import Service, article_info_json
from vectorstore.errors import AssistantError, IngestLockedError

__all__ = ["create_app"]

log = logging.getLogger("tradedesk.server")


# -- request bodies ----------------------------------------------------------------------


class ChatMessage(BaseModel):
    """One OpenAI chat message (text content, or a list of text parts)."""

    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[Any] | None = None


class ChatRequest(BaseModel):
    """An OpenAI ``/v1/chat/completions`` request; unknown OpenAI options are ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = "tradedesk"
    messages: list[ChatMessage] = Field(max_length=200)
    stream: bool = False


class Filtered(BaseModel):
    """Retrieval options shared by the native routes."""

    k: int | None = Field(default=None, ge=1, le=20, description="Passages for the answer.")
    article_ids: list[str] | None = Field(default=None, max_length=1000)
    date_from: str | None = Field(default=None, description="YYYY-MM-DD")
    date_to: str | None = Field(default=None, description="YYYY-MM-DD")


class AskRequest(Filtered):
    """``POST /v1/ask``: a question, earlier turns and filters."""

    question: str
    history: list[tuple[str, str]] = Field(default_factory=list, max_length=200)
    backend: str | None = Field(default=None, description="extractive, llamacpp or openai")


class IngestRequest(BaseModel):
    """``POST /v1/ingest``: re-ingest the configured library folder."""

    prune: bool = True


# -- the app -----------------------------------------------------------------------------


def create_app(assistant: Assistant) -> FastAPI:
    """The FastAPI app over one shared ``Assistant`` (limits and keys from its settings)."""
    s = assistant.settings
    service = Service(assistant)
    keys = ApiKeys(s.api_keys.get_secret_value() if s.api_keys else None)
    pool = Pool(s.serve_workers, s.serve_queue, s.serve_timeout)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        assistant.warm_up()
        yield
        pool.shutdown()

    app = FastAPI(
        title="Trade Desk API",
        version="1",
        description=(
            "Cited answers about trade news articles. `/v1/chat/completions` is "
            "OpenAI-compatible; the citations travel in the `tradedesk` field of the "
            "completion (and of the last streamed chunk)."
        ),
        lifespan=lifespan,
        docs_url=None,  # served below, behind the keys like every route but health
        openapi_url=None,
    )
    app.add_middleware(BodyLimit, max_bytes=int(s.serve_max_body_mb * 1_000_000))

    def access(write: bool) -> Callable[[Request], Awaitable[None]]:
        async def check(request: Request) -> None:
            refusal = keys.refusal(ApiKeys.presented(dict(request.headers)), write=write)
            if refusal is not None:
                status, message = refusal
                raise _Refused(status, message, "Unauthorized" if status == 401 else "Forbidden")

        return check

    read = [Depends(access(write=False))]
    write = [Depends(access(write=True))]

    @app.get("/openapi.json", include_in_schema=False, dependencies=read)
    async def openapi_schema() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=read)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Trade Desk API")

    # -- errors ------------------------------------------------------------------------

    @app.exception_handler(_Refused)
    async def refused(_: Request, exc: _Refused) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.message, kind=exc.kind, status=exc.status),
                            status_code=exc.status, headers=headers)

    @app.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        status = error_status(exc)
        extra: dict[str, Any] = {}
        if isinstance(exc, IngestLockedError):
            extra["holder"] = _lock_holder(assistant)
        if status == 500:
            log.error("unexpected Trade Desk error: %s", exc)
        return JSONResponse(
            error_body(str(exc), kind=type(exc).__name__, status=status, **extra),
            status_code=status,
        )

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        message = (
            f"All {pool.workers} answer workers are busy and {pool.capacity - pool.workers} "
            "questions are waiting. Retry in a moment (or raise TRADEDESK_SERVE_WORKERS / "
            "TRADEDESK_SERVE_QUEUE)."
        )
        return JSONResponse(error_body(message, kind="Busy", status=429), status_code=429,
                            headers={"Retry-After": "1"})

    @app.exception_handler(TimeoutError)
    async def timeout(_: Request, exc: TimeoutError) -> JSONResponse:
        message = (
            f"The answer took longer than {s.serve_timeout:g} s (TRADEDESK_SERVE_TIMEOUT). "
            "Ask a narrower question, use a faster backend, or raise the limit."
        )
        return JSONResponse(error_body(message, kind="Timeout", status=504), status_code=504)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            message = (
                "The request body is not valid JSON. Send a JSON object with "
                "'Content-Type: application/json'."
            )
            return JSONResponse(error_body(message, kind="BadRequest", status=400),
                                status_code=400)
        problems = []
        for e in errors[:5]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {e.get('msg')}")
        message = "Invalid request: " + "; ".join(problems) + ". See /docs for the schema."
        return JSONResponse(error_body(message, kind="InvalidRequest", status=422),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"No route {request.url.path}. See /docs for the routes."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}. See /docs."
        else:
            message = str(exc.detail)
        return JSONResponse(error_body(message, kind="HTTPError", status=exc.status_code),
                            status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        message = (
            f"Internal error ({type(exc).__name__}). Run `tradedesk doctor` to check the store; "
            "the server log has the details."
        )
        return JSONResponse(error_body(message, kind="InternalError", status=500),
                            status_code=500)

    # -- OpenAI-compatible -------------------------------------------------------------

    @app.get("/v1/models", dependencies=read, tags=["openai"])
    async def models() -> dict[str, Any]:
        """The models: ``tradedesk`` (configured backend) and ``tradedesk-<backend>``."""
        names = ["tradedesk", *(f"tradedesk-{b}" for b in service.backends())]
        return {"object": "list", "data": [
            {"id": n, "object": "model", "created": 0, "owned_by": "tradedesk"} for n in names
        ]}

    @app.post("/v1/chat/completions", dependencies=read, tags=["openai"], response_model=None)
    async def chat_completions(body: ChatRequest) -> dict[str, Any] | StreamingResponse:
        """Answer the last user message, with the earlier turns as history.

        The reply's content is the verified answer with its ``[n]`` markers; the citations
        are in the ``tradedesk`` field (of the last chunk when streaming).
        """
        backend = model_backend(body.model, s.llm)
        target = service.for_backend(backend)
        question, history = messages_to_question([m.model_dump() for m in body.messages])
        answer = await pool.run(target.ask, question, history)
        model = body.model or "tradedesk"
        if not body.stream:
            return completion(answer, model, question)

        async def events() -> AsyncIterator[str]:
            for chunk in completion_chunks(answer, model):
                yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    # -- native ------------------------------------------------------------------------

    @app.post("/v1/ask", dependencies=read, tags=["native"])
    async def ask(body: AskRequest) -> dict[str, Any]:
        """The ``Answer`` as JSON (``refused``, ``partial``, ``unsupported``, ``series``...)."""
        target = service.for_backend(body.backend or s.llm)
        answer = await pool.run(
            target.ask, body.question, body.history, k=body.k, article_ids=body.article_ids,
            date_from=body.date_from, date_to=body.date_to,
        )
        return answer_json(answer)

    @app.get("/v1/articles", dependencies=read, tags=["library"])
    async def articles() -> dict[str, Any]:
        """The ingested articles, newest first."""
        rows = await run_in_threadpool(assistant.articles)
        return {"articles": [article_info_json(a) for a in rows]}

    @app.get("/v1/articles/{article_id}", dependencies=read, tags=["library"])
    async def article(article_id: str) -> dict[str, Any]:
        """An article's metadata and cleaned text (citation offsets point into it)."""
        return await run_in_threadpool(service.article_json, article_id)

    @app.post("/v1/articles", dependencies=write, tags=["library"])
    async def upload(
        files: Annotated[list[UploadFile], File(description="Articles to ingest.")],
    ) -> dict[str, Any]:
        """Upload and ingest files (.txt .md .html .pdf .jsonl); the ingest report."""
        pairs = [(f.filename or "upload", await f.read()) for f in files]
        report = await run_in_threadpool(assistant.ingest_uploads, pairs)
        return report.to_dict()

    @app.delete("/v1/articles/{article_id}", dependencies=write, tags=["library"])
    async def remove(article_id: str) -> dict[str, Any]:
        """Remove an article and its chunks."""
        await run_in_threadpool(service.remove, article_id)
        return {"removed": article_id}

    @app.delete("/v1/articles", dependencies=write, tags=["library"])
    async def remove_many(
        ids: Annotated[list[str], Query(alias="id", max_length=1000)],
    ) -> dict[str, Any]:
        """Remove several articles (``?id=A&id=B``); every id must exist."""
        for article_id in ids:
            await run_in_threadpool(service.article, article_id)
        for article_id in ids:
            await run_in_threadpool(assistant.remove, article_id)
        return {"removed": ids}

    @app.post("/v1/ingest", dependencies=write, tags=["library"])
    async def ingest(body: IngestRequest | None = None) -> dict[str, Any]:
        """Re-ingest the configured library folder (TRADEDESK_LIBRARY_DIR); 409 when busy."""
        prune = body.prune if body is not None else True
        folder = s.library_dir
        if folder is None:
            return (await run_in_threadpool(assistant.reingest_library)).to_dict()
        report = await run_in_threadpool(lambda: assistant.ingest([folder], prune=prune))
        return report.to_dict()

    @app.get("/v1/facts", dependencies=read, tags=["ledger"])
    async def facts(
        country: str | None = None,
        partner: str | None = None,
        kind: str | None = None,
        flow: str | None = None,
        date_from: Annotated[str | None, Query(alias="from")] = None,
        date_to: Annotated[str | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Figures of the fact ledger (value, unit, kind, period, source sentence)."""
        return await run_in_threadpool(lambda: service.facts(
            country=country, partner=partner, kind=kind, flow=flow, date_from=date_from,
            date_to=date_to, limit=limit, offset=offset,
        ))

    @app.get("/v1/conflicts", dependencies=read, tags=["ledger"])
    async def conflicts(
        country: str | None = None, partner: str | None = None, kind: str | None = None,
    ) -> dict[str, Any]:
        """Figures two articles give differently for the same subject and period."""
        found = await run_in_threadpool(
            lambda: service.conflicts(country=country, partner=partner, kind=kind)
        )
        return {"conflicts": found}

    @app.get("/v1/health", tags=["status"])
    async def health() -> dict[str, Any]:
        """Store, index and model status (no key needed)."""
        return await run_in_threadpool(service.health)

    return app


class _Refused(Exception):
    """A request without the access it needs."""

    def __init__(self, status: int, message: str, kind: str) -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


def _lock_holder(assistant: Assistant) -> str | None:
    """The process id written beside the ingest lock by the ingest holding it."""
    try:
        return assistant.settings.lock_path.with_suffix(".pid").read_text().strip() or None
    except OSError:
        return None
