"""Streaming responses as grpc-gateway writes Argo's server-streaming calls.

Each message is ``{"result": ...}``: one JSON object per line (``application/json``,
newline-delimited), or, when the client sends ``Accept: text/event-stream`` (Argo's UI),
one Server-Sent Event per message, ``data: {"result": ...}\\n\\n``. An error after the stream
began cannot change the HTTP status any more, so it is sent in-stream as grpc-gateway
does: ``{"error": {"grpc_code", "http_code", "message", "http_status"}}``, and the stream ends.

The source is an async iterator of messages; it is pulled only as fast as the client reads,
so a slow client holds back its own stream and nothing else (sources keep no backlog of
their own beyond what they document). A client that goes away is noticed within
``IDLE_CHECK`` seconds even when the source has nothing to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

from argosy.errors import ArgosyError
from argosy.server.encoding import dumps
from argosy.server.status import HTTP_STATUS, code_of

log = logging.getLogger("argosy.server")

#: seconds between checks that an idle stream's client is still there
IDLE_CHECK = 2.0

SSE = "text/event-stream"


def wants_sse(request: Request) -> bool:
    return SSE in request.headers.get("accept", "")


def _frame(message: dict[str, Any], sse: bool) -> bytes:
    body = dumps(message)
    return b"data: " + body + b"\n\n" if sse else body + b"\n"


def error_message(err: Exception) -> dict[str, Any]:
    """grpc-gateway's in-stream error for ``err``."""
    code = code_of(err)
    status = HTTP_STATUS[code]
    return {"error": {"grpc_code": int(code), "http_code": status, "message": str(err),
                      "http_status": HTTPStatus(status).phrase}}


async def _frames(request: Request, source: AsyncIterator[Any], sse: bool) -> AsyncIterator[bytes]:
    """Encode each message of ``source``; end when it ends, fails, or the client is gone."""
    pending: asyncio.Task[Any] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(source))
            done, _ = await asyncio.wait({pending}, timeout=IDLE_CHECK)
            if not done:
                if await request.is_disconnected():
                    return
                continue
            task, pending = pending, None
            try:
                result = task.result()
            except StopAsyncIteration:
                return
            except Exception as err:  # reported to the client in-stream
                if not isinstance(err, ArgosyError):
                    log.exception("stream %s failed", request.url.path)
                yield _frame(error_message(err), sse)
                return
            yield _frame({"result": result}, sse)
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        close = getattr(source, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()


def stream_response(request: Request, source: AsyncIterator[Any]) -> StreamingResponse:
    """The streaming response for ``source``'s messages, NDJSON or SSE as the client asks."""
    sse = wants_sse(request)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_frames(request, source, sse), headers=headers,
                             media_type=SSE if sse else "application/json")
