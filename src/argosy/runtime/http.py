"""The HTTP template: one real HTTP request, judged by ``successCondition`` (Argo's agent)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import socket
import ssl
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import ArgosyError, RuntimeFailure
from argosy.expr import evaluate_bool
from argosy.runtime.base import RunContext

if TYPE_CHECKING:
    from urllib.request import BaseHandler, Request

#: Argo documents 30s as the request timeout when ``timeoutSeconds`` is absent
DEFAULT_TIMEOUT = 30.0
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


@dataclass(frozen=True)
class HttpRequest:
    """A request as the template describes it, secrets resolved."""

    method: str
    url: str
    body: bytes
    #: (name, value) in template order; a name may repeat
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: the scope's ``request.headers``: literal headers only, like Argo
    literal_headers: dict[str, list[str]] = field(default_factory=dict)
    body_text: str = ""
    body_bytes: bytes | None = None
    timeout: float = DEFAULT_TIMEOUT
    insecure: bool = False


@dataclass(frozen=True)
class HttpResponse:
    """What came back: status, body and headers in Go's canonical form."""

    status: int
    body: bytes
    headers: dict[str, list[str]]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpRequestError(RuntimeFailure):
    """The request could not be made or answered (Go's ``url.Error`` wording)."""


def build_request(spec: dict[str, Any], secrets: dict[str, dict[str, str]]) -> HttpRequest:
    """Turn a template's ``http`` block into a request; secret headers are looked up here."""
    method = str(spec.get("method") or "GET").upper()
    url = str(spec.get("url") or "")
    body_from = spec.get("bodyFrom")
    body_bytes: bytes | None = None
    if isinstance(body_from, dict):
        raw = body_from.get("bytes")
        body_bytes = _decode_bytes(raw) if raw is not None else b""
        body = body_bytes
    else:
        body = str(spec.get("body") or "").encode()
    headers: list[tuple[str, str]] = []
    literal: dict[str, list[str]] = {}
    for header in spec.get("headers") or ():
        name = str(header.get("name", ""))
        ref = (header.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            headers.append((name, _secret(secrets, ref)))
            continue
        value = str(header.get("value", ""))
        headers.append((name, value))
        literal[name] = [value]
    timeout = spec.get("timeoutSeconds")
    return HttpRequest(
        method=method, url=url, body=body, headers=headers, literal_headers=literal,
        body_text=str(spec.get("body") or ""), body_bytes=body_bytes,
        timeout=float(timeout) if timeout is not None else DEFAULT_TIMEOUT,
        insecure=bool(spec.get("insecureSkipVerify")),
    )


def judge(spec: dict[str, Any], request: HttpRequest, response: HttpResponse) -> tuple[str, str | None]:
    """Phase and message for a response: ``successCondition``, else any 2xx succeeds."""
    condition = spec.get("successCondition")
    if not condition:
        if 200 <= response.status < 300:
            return "Succeeded", None
        return "Failed", f"received non-2xx response code: {response.status}"
    scope = {
        "request": {
            "method": request.method,
            "url": request.url,
            "body": request.body_text,
            "bodyBytes": list(request.body_bytes) if request.body_bytes is not None else None,
            "headers": request.literal_headers,
        },
        "response": {
            "statusCode": response.status,
            "body": response.text,
            "headers": response.headers,
        },
    }
    if evaluate_bool(str(condition), scope):
        return "Succeeded", None
    return "Failed", f"successCondition '{condition}' evaluated false"


class HttpRuntime:
    """Runs ``http`` templates by making the request from this process."""

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]
    ) -> PodResult:
        """Make the request and report the node as Argo's agent would."""
        on_started()
        try:
            if pod.deadline_seconds is not None:
                async with asyncio.timeout(pod.deadline_seconds):
                    return await self._run(pod, context)
            return await self._run(pod, context)
        except TimeoutError:
            return PodResult(phase="Failed", message=DEADLINE_MESSAGE)

    async def _run(self, pod: PodSpec, context: RunContext) -> PodResult:
        spec = pod.template.get("http") or {}
        try:
            request = build_request(spec, context.secrets)
            response = await send(request)
            phase, message = judge(spec, request, response)
        except ArgosyError as e:
            context.write_log(pod.workflow_name, pod.pod_name, f"{e}\n".encode())
            return PodResult(phase="Failed", message=str(e))
        context.write_log(pod.workflow_name, pod.pod_name, response.body)
        return PodResult(phase=phase, message=message, outputs={"result": response.text})


async def send(request: HttpRequest) -> HttpResponse:
    """Send ``request``; the whole exchange (body included) must fit in its timeout."""
    try:
        async with asyncio.timeout(request.timeout):
            return await asyncio.to_thread(_send_blocking, request)
    except TimeoutError:
        raise HttpRequestError(_url_error(request, "context deadline exceeded")) from None


def _send_blocking(request: HttpRequest) -> HttpResponse:
    # urllib's client (http.client, email) is loaded by the first request, not by every run
    import http.client
    import urllib.error
    import urllib.request

    scheme = urllib.parse.urlsplit(request.url).scheme
    if scheme not in ("http", "https"):
        raise HttpRequestError(_url_error(request, f'unsupported protocol scheme "{scheme}"'))
    req = urllib.request.Request(request.url, method=request.method)
    # urllib would send a GET/HEAD body only when given; Go sends what the template has
    if request.body or request.method not in ("GET", "HEAD"):
        req.data = request.body
    for name, value in request.headers:
        req.add_header(name, value)
    opener = urllib.request.build_opener(*_handlers(request.insecure))
    try:
        with opener.open(req, timeout=request.timeout) as resp:
            return HttpResponse(resp.status, resp.read(), _canonical(resp.headers))
    except urllib.error.HTTPError as e:
        # a non-2xx answer is still an answer: the template decides what it means
        try:
            body = e.read() if e.fp is not None else b""
        finally:
            e.close()
        return HttpResponse(e.code, body, _canonical(e.headers or {}))
    except urllib.error.URLError as e:
        raise HttpRequestError(_url_error(request, _reason(request, e.reason))) from None
    except TimeoutError:
        raise HttpRequestError(_url_error(request, "context deadline exceeded")) from None
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise HttpRequestError(_url_error(request, str(e) or type(e).__name__)) from None


@functools.cache
def _keep_content_type() -> type[BaseHandler]:
    import urllib.request

    class KeepContentType(urllib.request.BaseHandler):
        """Drop the form Content-Type urllib adds to any body; Go sends none unless asked."""

        handler_order = 900  # after AbstractHTTPHandler has filled in its defaults

        def http_request(self, req: Request) -> Request:
            if "Content-type" not in req.headers:
                req.unredirected_hdrs.pop("Content-type", None)
            return req

        https_request = http_request

    return KeepContentType


def _handlers(insecure: bool) -> list[BaseHandler]:
    import urllib.request

    handlers: list[BaseHandler] = [_keep_content_type()()]
    if insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    return handlers


def _canonical(headers: Any) -> dict[str, list[str]]:
    """Header map as Go's ``http.Header``: canonical names, values in arrival order."""
    out: dict[str, list[str]] = {}
    for name, value in headers.items():
        key = "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
        out.setdefault(key, []).append(value)
    return out


def _url_error(request: HttpRequest, reason: str) -> str:
    op = request.method[:1] + request.method[1:].lower()
    return f'{op} "{request.url}": {reason}'


def _reason(request: HttpRequest, reason: Any) -> str:
    parts = urllib.parse.urlsplit(request.url)
    if isinstance(reason, ConnectionRefusedError):
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"dial tcp {parts.hostname}:{port}: connect: connection refused"
    if isinstance(reason, socket.gaierror):
        return f"dial tcp: lookup {parts.hostname}: no such host"
    if isinstance(reason, TimeoutError):
        return "context deadline exceeded"
    return str(reason)


def _secret(secrets: dict[str, dict[str, str]], ref: dict[str, Any]) -> str:
    name, key = str(ref.get("name", "")), str(ref.get("key", ""))
    data = secrets.get(name)
    if data is None:
        raise RuntimeFailure(f'secrets "{name}" not found')
    if key not in data:
        raise RuntimeFailure(f"secret '{name}' does not have the key '{key}'")
    return str(data[key])


def _decode_bytes(raw: Any) -> bytes:
    """``bodyFrom.bytes`` is base64 in YAML/JSON, as for any Go ``[]byte``."""
    if isinstance(raw, bytes):
        return raw
    try:
        return base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as e:
        raise RuntimeFailure(f"http.bodyFrom.bytes is not valid base64: {e}") from None

