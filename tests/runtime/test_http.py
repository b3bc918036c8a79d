"""The HTTP template runtime: real requests against a local server, judged like Argo's agent."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from podkit import pod_spec

from argosy.controller import prepare_workflow
from argosy.engine.intents import PodResult
from argosy.runtime import DataRuntime, HttpRuntime, NodeRuntime, ProcessRuntime, RunContext
from argosy.spec import ObjectSet, load_paths
from argosy.testing import run_workflows


class _Handler(BaseHTTPRequestHandler):
    """Routes: /json, /status/<code>, /echo (method, headers, body back as JSON), /slow."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/json":
            self._send(200, json.dumps({"ok": True, "name": "argosy"}).encode(),
                       [("Content-Type", "application/json"), ("x-multi", "a"), ("x-multi", "b")])
        elif self.path.startswith("/status/"):
            self._send(int(self.path.rsplit("/", 1)[1]), b"status body")
        elif self.path == "/echo":
            echo = {"method": self.command, "body": body.decode(),
                    "headers": {k.lower(): v for k, v in self.headers.items()}}
            self._send(200, json.dumps(echo).encode())
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, b"late")
        else:
            self._send(404, b"not found")

    def _send(self, code: int, body: bytes, headers: list[tuple[str, str]] = ()) -> None:
        try:
            self.send_response(code)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def ctx(tmp_path: Path) -> RunContext:
    return RunContext(data_dir=tmp_path / "data", secrets={"api": {"token": "t0ken"}})


def run_http(ctx: RunContext, http: dict[str, Any], **kw: Any) -> PodResult:
    started: list[bool] = []
    pod = pod_spec({"name": "h", "http": http}, **kw)
    result = asyncio.run(HttpRuntime().run(pod, ctx, lambda: started.append(True)))
    assert started == [True]
    return result


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- outcomes --------------------------------------------------------------------------

CASES = [
    pytest.param({"url": "/json"}, "Succeeded", None, id="2xx-default-succeeds"),
    pytest.param({"url": "/status/201"}, "Succeeded", None, id="201-default-succeeds"),
    pytest.param({"url": "/status/404"}, "Failed", "received non-2xx response code: 404",
                 id="404-default-fails"),
    pytest.param({"url": "/status/302"}, "Failed", "received non-2xx response code: 302",
                 id="redirect-without-location-is-not-2xx"),
    pytest.param({"url": "/status/500"}, "Failed", "received non-2xx response code: 500",
                 id="500-default-fails"),
    pytest.param({"url": "/status/404", "successCondition": "response.statusCode == 404"},
                 "Succeeded", None, id="condition-accepts-404"),
    pytest.param({"url": "/json", "successCondition": 'response.body contains "argosy"'},
                 "Succeeded", None, id="condition-on-body"),
    pytest.param({"url": "/json", "successCondition": 'fromJSON(response.body).ok == true'},
                 "Succeeded", None, id="condition-on-json-body"),
    pytest.param({"url": "/json",
                  "successCondition": 'response.headers["Content-Type"][0] == "application/json"'},
                 "Succeeded", None, id="condition-on-header-list"),
    pytest.param({"url": "/json", "successCondition": 'response.headers["X-Multi"] == ["a", "b"]'},
                 "Succeeded", None, id="headers-canonical-and-repeated"),
    pytest.param({"url": "/json", "successCondition": "response.statusCode == 201"},
                 "Failed", "successCondition 'response.statusCode == 201' evaluated false",
                 id="condition-false"),
    pytest.param({"url": "/echo", "method": "PUT",
                  "successCondition": 'request.method == "PUT" && request.url endsWith "/echo"'},
                 "Succeeded", None, id="condition-sees-request"),
]


@pytest.mark.parametrize(("http", "phase", "message"), CASES)
def test_outcome(server: str, ctx: RunContext, http: dict[str, Any], phase: str,
                 message: str | None) -> None:
    result = run_http(ctx, {**http, "url": server + http["url"]})
    assert (result.phase, result.message) == (phase, message)


def test_body_is_the_result_and_the_log(server: str, ctx: RunContext) -> None:
    result = run_http(ctx, {"url": server + "/json"}, pod_name="wf-get", workflow_name="wf")
    assert json.loads(result.outputs["result"]) == {"ok": True, "name": "argosy"}
    assert "exitCode" not in result.outputs
    assert json.loads(ctx.read_log("wf", "wf-get"))["name"] == "argosy"


def test_failed_response_keeps_its_body(server: str, ctx: RunContext) -> None:
    result = run_http(ctx, {"url": server + "/status/404"})
    assert result.outputs == {"result": "status body"}


# ---- the request ------------------------------------------------------------------------

def echo(ctx: RunContext, server: str, http: dict[str, Any]) -> dict[str, Any]:
    result = run_http(ctx, {"url": server + "/echo", **http})
    assert result.phase == "Succeeded", result.message
    return json.loads(result.outputs["result"])


def test_post_sends_body_without_default_content_type(server: str, ctx: RunContext) -> None:
    got = echo(ctx, server, {"method": "POST", "body": '{"a": 1}'})
    assert (got["method"], got["body"]) == ("POST", '{"a": 1}')
    assert "content-type" not in got["headers"]


def test_method_defaults_to_get(server: str, ctx: RunContext) -> None:
    assert echo(ctx, server, {})["method"] == "GET"


def test_body_from_bytes_is_base64(server: str, ctx: RunContext) -> None:
    raw = base64.b64encode(b"bytes body").decode()
    assert echo(ctx, server, {"method": "POST", "bodyFrom": {"bytes": raw}})["body"] == "bytes body"


def test_headers_literal_and_from_secret(server: str, ctx: RunContext) -> None:
    got = echo(ctx, server, {"headers": [
        {"name": "Content-Type", "value": "text/plain"},
        {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
    ]})
    assert got["headers"]["content-type"] == "text/plain"
    assert got["headers"]["authorization"] == "t0ken"


def test_secret_headers_are_not_in_request_scope(server: str, ctx: RunContext) -> None:
    result = run_http(ctx, {
        "url": server + "/echo",
        "headers": [{"name": "X-Lit", "value": "v"},
                    {"name": "X-Sec", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}],
        "successCondition": 'request.headers == {"X-Lit": ["v"]}',
    })
    assert result.phase == "Succeeded", result.message


# ---- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize(("ref", "message"), [
    pytest.param({"name": "nope", "key": "token"}, 'secrets "nope" not found', id="no-secret"),
    pytest.param({"name": "api", "key": "nope"}, "secret 'api' does not have the key 'nope'",
                 id="no-key"),
])
def test_missing_secret_fails_the_node(server: str, ctx: RunContext, ref: dict[str, str],
                                       message: str) -> None:
    result = run_http(ctx, {"url": server + "/json",
                            "headers": [{"name": "A", "valueFrom": {"secretKeyRef": ref}}]})
    assert (result.phase, result.message) == ("Failed", message)


def test_timeout_fails_with_deadline_exceeded(server: str, ctx: RunContext) -> None:
    url = server + "/slow"
    result = run_http(ctx, {"url": url, "timeoutSeconds": 1})
    assert (result.phase, result.message) == ("Failed", f'Get "{url}": context deadline exceeded')


def test_connection_refused(ctx: RunContext) -> None:
    port = unused_port()
    url = f"http://127.0.0.1:{port}/"
    result = run_http(ctx, {"url": url, "method": "post"})
    assert result.phase == "Failed"
    assert result.message == f'Post "{url}": dial tcp 127.0.0.1:{port}: connect: connection refused'


def test_unsupported_scheme(ctx: RunContext) -> None:
    result = run_http(ctx, {"url": "ftp://example.com/x"})
    assert (result.phase, result.message) == (
        "Failed", 'Get "ftp://example.com/x": unsupported protocol scheme "ftp"')


def test_bad_condition_fails_the_node(server: str, ctx: RunContext) -> None:
    result = run_http(ctx, {"url": server + "/json", "successCondition": "response.statusCode"})
    assert result.phase == "Failed"
    assert "cast" in (result.message or "")


def test_active_deadline_stops_the_request(server: str, ctx: RunContext) -> None:
    result = run_http(ctx, {"url": server + "/slow"}, deadline_seconds=0.5)
    assert (result.phase, result.message) == (
        "Failed", "Pod was active on the node longer than the specified deadline")


# ---- dispatch -------------------------------------------------------------------------------

class _Recorder:
    def __init__(self, label: str) -> None:
        self.label = label
        self.checked = 0

    def check(self) -> None:
        self.checked += 1

    async def run(self, pod: Any, context: Any, on_started: Any) -> PodResult:
        return PodResult(phase="Succeeded", message=self.label)


@pytest.mark.parametrize(("template", "with_all", "expected"), [
    pytest.param({"http": {"url": "x"}}, True, "http", id="http"),
    pytest.param({"data": {"source": {}}}, True, "data", id="data"),
    pytest.param({"container": {"image": "x"}}, True, "process", id="container"),
    pytest.param({"script": {"image": "x", "source": ""}}, True, "process", id="script"),
    pytest.param({"http": {"url": "x"}}, False, "process", id="http-without-runtime"),
])
def test_node_runtime_routes_by_template_kind(ctx: RunContext, template: dict[str, Any],
                                              with_all: bool, expected: str) -> None:
    process = _Recorder("process")
    rt = NodeRuntime(process, _Recorder("http") if with_all else None,
                     _Recorder("data") if with_all else None)
    result = asyncio.run(rt.run(pod_spec(template), ctx, lambda: None))
    assert result.message == expected
    rt.check()
    assert process.checked == 1


# ---- through the controller ----------------------------------------------------------------

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: http-template-
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: good
            template: http
            arguments:
              parameters: [{name: url, value: "URL/json"}]
          - name: bad
            template: http
            continueOn:
              failed: true
            arguments:
              parameters: [{name: url, value: "URL/status/404"}]
    - name: http
      inputs:
        parameters:
          - name: url
      http:
        url: "{{inputs.parameters.url}}"
"""


def test_workflow_with_http_steps(server: str, tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(WORKFLOW.replace("URL", server))
    manifests = load_paths([path])
    objects = ObjectSet(manifests)
    wf = prepare_workflow(manifests[0].body, objects, {}, None)
    runtime = NodeRuntime(ProcessRuntime(), HttpRuntime(), DataRuntime())
    [engine] = asyncio.run(run_workflows([wf], objects, tmp_path / "data",
                                         runtime=runtime))
    nodes = {n["displayName"]: n for n in engine.status()["nodes"].values()}
    assert engine.phase == "Succeeded", engine.status().get("message")
    good, bad = nodes["good"], nodes["bad"]
    assert (good["type"], good["phase"]) == ("HTTP", "Succeeded")
    assert json.loads(good["outputs"]["result"])["name"] == "argosy"
    assert (bad["type"], bad["phase"], bad["message"]) == (
        "HTTP", "Failed", "received non-2xx response code: 404")
