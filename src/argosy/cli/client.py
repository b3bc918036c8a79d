"""The CLI's HTTP client of ``argosy server`` (Argo Server's REST API).

Standard library only (``http.client``): the client runs once per command, and httpx's
import alone would cost more than most answers take. It speaks HTTP/1.1 in every case, so
``ARGO_HTTP1`` is accepted and changes nothing (argo's CLI uses it to turn gRPC off).

Where the server is, as argo's CLI reads it: ``--argo-server``/``-s`` or ``ARGO_SERVER``
(``host:port``; a ``http://``/``https://`` prefix is also accepted), ``--secure`` or
``ARGO_SECURE`` (TLS; Argosy's server speaks plain HTTP by default, so unlike argo the default
is false), ``-k``/``--insecure-skip-verify`` or ``ARGO_INSECURE_SKIP_VERIFY``,
``--token``/``ARGO_TOKEN`` (sent as ``Authorization``; a bare token gets ``Bearer``),
``ARGO_BASE_HREF`` (a path prefix) and ``--namespace``/``-n`` or ``ARGO_NAMESPACE``.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from argosy.errors import ServerError, ServerUnreachable

#: Argo Server's port
DEFAULT_PORT = 2746

_TRUE = {"1", "t", "true", "yes", "y", "on"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Where and how to reach the server."""

    host: str
    port: int
    secure: bool = False
    insecure_skip_verify: bool = False
    token: str | None = None
    base_href: str = ""

    @property
    def address(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"{scheme}://{self.host}:{self.port}{self.base_href}"

    @classmethod
    def parse(cls, server: str, *, secure: bool | None = None, insecure_skip_verify: bool = False,
              token: str | None = None, base_href: str = "") -> ServerConfig:
        """A config from ``host:port`` (or a URL) and the other settings."""
        text = server.strip()
        scheme_secure: bool | None = None
        if "://" in text:
            scheme, text = text.split("://", 1)
            scheme_secure = scheme.lower() == "https"
        text, _, path = text.partition("/")
        host, port = text, DEFAULT_PORT
        if text.startswith("["):  # [ipv6]:port
            close = text.find("]")
            host, rest = text[1:close], text[close + 1:]
            if rest.startswith(":") and rest[1:].isdigit():
                port = int(rest[1:])
        elif text.count(":") == 1:
            host, _, p = text.partition(":")
            if not p.isdigit():
                raise ServerUnreachable(server, f"port {p!r} is not a number")
            port = int(p)
        href = base_href or (f"/{path}" if path else "")
        href = "/" + href.strip("/") if href.strip("/") else ""
        if token and " " not in token.strip():
            token = f"Bearer {token.strip()}"
        use_tls = secure if secure is not None else bool(scheme_secure)
        return cls(host or "127.0.0.1", port, use_tls, insecure_skip_verify, token or None, href)


def configured_server(args: Any, environ: Mapping[str, str] | None = None) -> ServerConfig | None:
    """The server the flags or environment name; None when neither does (local mode)."""
    env = os.environ if environ is None else environ
    server = getattr(args, "argo_server", None) or env.get("ARGO_SERVER")
    if not server:
        return None
    secure_flag = getattr(args, "secure", None)
    secure = secure_flag if secure_flag is not None else (
        _flag(env["ARGO_SECURE"]) if "ARGO_SECURE" in env else None)
    return ServerConfig.parse(
        server, secure=secure,
        insecure_skip_verify=bool(getattr(args, "insecure_skip_verify", False))
        or _flag(env.get("ARGO_INSECURE_SKIP_VERIFY")),
        token=getattr(args, "token", None) or env.get("ARGO_TOKEN"),
        base_href=env.get("ARGO_BASE_HREF", ""))


def namespace_of(args: Any, environ: Mapping[str, str] | None = None) -> str:
    """The namespace a command works in: ``-n``, else ``ARGO_NAMESPACE``, else ``default``."""
    env = os.environ if environ is None else environ
    return getattr(args, "namespace", None) or env.get("ARGO_NAMESPACE") or "default"


def path(*parts: str) -> str:
    """An API path from segments, each quoted (names never contain ``/``)."""
    return "/" + "/".join(quote(p, safe="") if i else p for i, p in enumerate(parts))


class ArgoClient:
    """Requests to one server: JSON in, JSON out, errors as ``ServerError``."""

    def __init__(self, config: ServerConfig, *, timeout: float = 30.0) -> None:
        self.config = config
        self.timeout = timeout

    def _connection(self, timeout: float | None) -> http.client.HTTPConnection:
        c = self.config
        if c.secure:
            context = ssl.create_default_context()
            if c.insecure_skip_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(c.host, c.port, timeout=timeout, context=context)
        return http.client.HTTPConnection(c.host, c.port, timeout=timeout)

    def _send(self, method: str, api_path: str, params: Mapping[str, Any] | None, body: Any,
              *, accept: str = "application/json", timeout: float | None = None,
              ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        query = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        target = self.config.base_href + api_path + (f"?{urlencode(query, doseq=True)}" if query else "")
        headers = {"Accept": accept}
        if self.config.token:
            headers["Authorization"] = self.config.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn = self._connection(timeout)
        try:
            conn.request(method, target, body=data, headers=headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as err:
            conn.close()
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err) or type(err).__name__
            raise ServerUnreachable(self.config.address, reason) from None
        if response.status >= 400:
            raw = response.read()
            conn.close()
            raise _error(response.status, raw)
        return conn, response

    def request(self, method: str, api_path: str, params: Mapping[str, Any] | None = None,
                body: Any = None) -> Any:
        """One call; the decoded JSON answer ({} when the body is empty)."""
        conn, response = self._send(method, api_path, params, body, timeout=self.timeout)
        try:
            raw = response.read()
        except (OSError, http.client.HTTPException) as err:
            raise ServerUnreachable(self.config.address, str(err) or type(err).__name__) from None
        finally:
            conn.close()
        return json.loads(raw) if raw.strip() else {}

    def get(self, api_path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", api_path, params)

    def stream(self, api_path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The ``result`` of each newline-delimited object of a stream, until the server ends it.

        An ``{"error": ...}`` line (grpc-gateway's in-stream error) raises ``ServerError``."""
        conn, response = self._send("GET", api_path, params, None, timeout=None)
        try:
            while True:
                try:
                    line = response.readline()
                except (OSError, http.client.HTTPException) as err:
                    raise ServerUnreachable(self.config.address, str(err) or type(err).__name__) from None
                if not line:
                    return
                if not line.strip():
                    continue
                item = json.loads(line)
                if "error" in item and "result" not in item:
                    err = item["error"] or {}
                    raise ServerError(int(err.get("http_code") or 500), str(err.get("message", "")),
                                      err.get("grpc_code", err.get("code")))
                yield item.get("result") or {}
        finally:
            conn.close()


def _error(status: int, raw: bytes) -> ServerError:
    """The server's error body (``{"code", "message"}``) as a ServerError."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return ServerError(status, str(body["message"]), body.get("code"))
    text = raw.decode(errors="replace").strip()
    return ServerError(status, text or f"HTTP {status} {http.client.responses.get(status, '')}".rstrip())

