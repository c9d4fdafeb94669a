"""What stands between the network and the ``Assistant``: API keys, body size, a bounded pool.

Network input is untrusted: keys are kept only as SHA-256 digests and compared in
constant time, bodies larger than the limit are cut off before they are read in full,
and answering runs in a fixed pool of threads with a bounded queue (429 when full), so
one client cannot starve the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.server.convert import error_body

__all__ = ["ApiKeys", "BodyLimit", "Busy", "Pool", "RequireKey"]

T = TypeVar("T")


class ApiKeys:
    """API keys held as SHA-256 digests; ``check`` compares against all in constant time."""

    def __init__(self, keys: str | None) -> None:
        raw = [k.strip() for k in (keys or "").split(",") if k.strip()]
        self._digests = [hashlib.sha256(k.encode()).digest() for k in raw]

    @property
    def enabled(self) -> bool:
        """Whether any key is configured."""
        return bool(self._digests)

    def check(self, presented: str | None) -> bool:
        """Whether ``presented`` is one of the keys (every digest is compared, no early exit)."""
        if not presented or not self._digests:
            return False
        digest = hashlib.sha256(presented.encode()).digest()
        found = False
        for known in self._digests:
            found |= hmac.compare_digest(digest, known)
        return found

    @staticmethod
    def presented(headers: dict[str, str]) -> str | None:
        """The key a request carries: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``."""
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip() or None
        return headers.get("x-api-key") or None

    def refusal(self, presented: str | None, *, write: bool) -> tuple[int, str] | None:
        """Why a request may not pass (status, message), or None when it may."""
        if self.check(presented):
            return None
        if not self.enabled:
            if not write:
                return None
            return 403, (
                "This route changes the library and needs an API key, but the server has none "
                "configured. Start it with TRADEDESK_API_KEYS=<key> and send "
                "'Authorization: Bearer <key>'."
            )
        if presented is None:
            return 401, (
                "No API key was sent. Send 'Authorization: Bearer <key>' (or 'X-API-Key: "
                "<key>') with one of the keys in TRADEDESK_API_KEYS."
            )
        return 401, (
            "The API key is wrong. Send one of the keys configured in TRADEDESK_API_KEYS as "
            "'Authorization: Bearer <key>'."
        )


async def send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None
                    = None) -> None:
    """Send a whole JSON response from an ASGI middleware."""
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class BodyTooLarge(Exception):
    """A request body grew past the limit while it was being read."""


class BodyLimit:
    """ASGI middleware: 413 for bodies over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        mb = self.max_bytes / 1_000_000
        return (
            f"The request body is larger than {mb:g} MB (TRADEDESK_SERVE_MAX_BODY_MB). Send "
            "less at once, e.g. fewer files per upload, or raise the limit."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await send_json(send, 400, error_body(
                    "Content-Length is not a number; send a valid request.",
                    kind="BadRequest", status=400))
                return
            if too_big:
                await send_json(send, 413, error_body(self._message(), kind="BodyTooLarge",
                                                      status=413))
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await send_json(send, 413, error_body(self._message(), kind="BodyTooLarge",
                                                      status=413))


class RequireKey:
    """ASGI middleware for a mounted app (the MCP HTTP transport): every request needs a key."""

    def __init__(self, app: ASGIApp, keys: ApiKeys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 401 when it carries no valid key."""
        if scope["type"] == "http" and self.keys.enabled:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers") or []}
            refusal = self.keys.refusal(ApiKeys.presented(headers), write=False)
            if refusal is not None:
                status, message = refusal
                await send_json(send, status, error_body(message, kind="Unauthorized",
                                                         status=status),
                                {"www-authenticate": "Bearer"})
                return
        await self.app(scope, receive, send)


class Busy(Exception):
    """Every worker is busy and the queue is full."""


class Pool:
    """A fixed pool of answer threads with a bounded queue.

    ``workers`` questions are answered at once and ``queue`` more may wait; a request
    beyond that is refused at once (``Busy``: the API answers 429) instead of piling up.
    A request that times out keeps its slot until its thread really finishes.
    """

    def __init__(self, workers: int, queue: int, timeout: float) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="tradedesk-answer")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` in the pool; ``Busy`` when full, ``TimeoutError`` after ``timeout``."""
        if not self._slots.acquire(blocking=False):
            raise Busy
        try:
            future: Future[T] = self._executor.submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)

    def shutdown(self) -> None:
        """Stop taking work (running answers finish)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
