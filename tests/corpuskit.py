"""The conformance corpus through a real ``argosy server``: objects over REST, workflows over REST,
their ends read from the watch stream.

One server serves the whole session. :class:`CorpusServer` applies the shared objects the way
a user without kubectl would (templates through Argo's endpoints, ConfigMaps and Secrets
through Argosy's), then runs cases on a pool of threads so several workflows are in flight at
once (each thread: create, then follow ``/api/v1/workflow-events/{ns}`` filtered to that
workflow until it ends).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from serverkit import RunningServer, start_server

ENDED = ("Succeeded", "Failed", "Error")
#: the API path a shared object of each kind is created at (ConfigMaps/Secrets: Argosy's own)
PATHS = {
    "WorkflowTemplate": ("/api/v1/workflow-templates/{ns}", "template"),
    "ClusterWorkflowTemplate": ("/api/v1/cluster-workflow-templates", "template"),
    "ConfigMap": ("/api/v1/argosy/configmaps/{ns}", None),
    "Secret": ("/api/v1/argosy/secrets/{ns}", None),
}
#: what one case's run gives: (phase, message) of each of its workflows
Outcome = list[tuple[str, str | None]]


class CorpusServer:
    """A running server with the corpus's shared objects, running cases concurrently."""

    def __init__(self, data_dir: Path, *, in_flight: int = 6) -> None:
        self.server: RunningServer = start_server(data_dir)
        self.api = self.server.client()
        self.pool = ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="corpus")
        self.runs: dict[str, Future[Outcome]] = {}
        #: objects the server refused, by kind/name: their message (reported with a failure)
        self.refused: dict[str, str] = {}
        self._lock = threading.Lock()

    def apply(self, objects: Iterable[dict[str, Any]], namespace: str = "default") -> None:
        """Create each object (a later one of the same kind and name replaces an earlier one);
        the refusals are kept in :attr:`refused`."""
        for body in objects:
            path, key = PATHS[body["kind"]]
            path = path.format(ns=namespace)
            name = body["metadata"]["name"]
            payload = {key: body} if key else body
            answer = self.api.post(path, json=payload)
            if answer.status_code == 409:
                answer = self.api.put(f"{path}/{name}", json=payload)
            if answer.status_code != 200:
                self.refused[f"{namespace}/{body['kind']}/{name}"] = answer.text

    def submit(self, key: str, workflows: list[dict[str, Any]], timeout: float,
               namespace: str = "default") -> Future[Outcome]:
        """Start running ``workflows`` (one case) unless already started; its future."""
        with self._lock:
            if key not in self.runs:
                self.runs[key] = self.pool.submit(self._run, workflows, timeout, namespace)
            return self.runs[key]

    def submit_call(self, key: str, call: Any) -> Future[Outcome]:
        """Start ``call(api)`` (a case that is not a Workflow file) unless already started."""
        with self._lock:
            if key not in self.runs:
                self.runs[key] = self.pool.submit(self._call, call)
            return self.runs[key]

    def _call(self, call: Any) -> Outcome:
        with self.server.client() as api:
            return call(api)

    def run_cron(self, api: httpx.Client, cron: dict[str, Any], namespace: str, timeout: float) -> Outcome:
        """Create the CronWorkflow on a one-second schedule, await the first workflow its
        schedule creates, then delete it (which deletes the runs it owns)."""
        cron = json.loads(json.dumps(cron))
        spec = cron["spec"]
        spec.pop("schedule", None)
        spec["schedules"] = ["@every 1s"]
        name = cron["metadata"]["name"]
        answer = api.post(f"/api/v1/cron-workflows/{namespace}", json={"cronWorkflow": cron})
        if answer.status_code != 200:
            raise AssertionError(f"cron create refused: {answer.status_code} {answer.text}")
        try:
            made = self._first(api, namespace, f"workflows.argoproj.io/cron-workflow={name}", timeout)
            return [self._await(api, made, namespace, timeout)]
        finally:
            api.delete(f"/api/v1/cron-workflows/{namespace}/{name}")

    def run_event(self, api: httpx.Client, binding: dict[str, Any], namespace: str, discriminator: str,
                  payload: Any, headers: dict[str, str], timeout: float) -> Outcome:
        """Create the WorkflowEventBinding, post an event it selects, await the workflow it submits."""
        answer = api.post(f"/api/v1/workflow-event-bindings/{namespace}", json=binding)
        if answer.status_code != 200:
            raise AssertionError(f"binding create refused: {answer.status_code} {answer.text}")
        api.post(f"/api/v1/events/{namespace}/{discriminator}", json=payload, headers=headers).raise_for_status()
        label = f"workflows.argoproj.io/workflow-event-binding={binding['metadata']['name']}"
        return [self._await(api, self._first(api, namespace, label, timeout), namespace, timeout)]

    @staticmethod
    def _first(api: httpx.Client, namespace: str, selector: str, timeout: float) -> str:
        """The name of the first workflow matching ``selector`` to appear."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = api.get(f"/api/v1/workflows/{namespace}",
                            params={"listOptions.labelSelector": selector}).json().get("items") or []
            if items:
                return str(min(i["metadata"]["name"] for i in items))
            time.sleep(0.2)
        raise TimeoutError(f"no workflow with {selector} after {timeout:.0f}s")

    def _run(self, workflows: list[dict[str, Any]], timeout: float, namespace: str) -> Outcome:
        with self.server.client() as api:
            names = [self._create(api, wf, namespace) for wf in workflows]
            return [self._await(api, name, namespace, timeout) for name in names]

    @staticmethod
    def _create(api: httpx.Client, wf: dict[str, Any], namespace: str) -> str:
        wf = json.loads(json.dumps(wf))
        meta = wf.setdefault("metadata", {})
        # cases run at once and some share a fixed name: each gets its own, as generateName does
        if meta.get("name"):
            meta["generateName"] = meta.pop("name") + "-"
        meta.pop("namespace", None)
        answer = api.post(f"/api/v1/workflows/{namespace}", json={"workflow": wf})
        if answer.status_code != 200:
            raise AssertionError(f"create refused: {answer.status_code} {answer.text}")
        return str(answer.json()["metadata"]["name"])

    @staticmethod
    def _await(api: httpx.Client, name: str, namespace: str, timeout: float) -> tuple[str, str | None]:
        """Follow the watch stream of ``name`` until it ends; its (phase, message)."""
        deadline = time.monotonic() + timeout
        params = {"listOptions.fieldSelector": f"metadata.name={name}"}
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            left = deadline - time.monotonic()
            try:
                with api.stream("GET", f"/api/v1/workflow-events/{namespace}", params=params,
                                timeout=httpx.Timeout(10, read=left)) as stream:
                    for line in stream.iter_lines():
                        if not line.strip():
                            continue
                        event = json.loads(line).get("result") or {}
                        last = (event.get("object") or {}).get("status") or last
                        if last.get("phase") in ENDED:
                            return last["phase"], last.get("message")
            except httpx.ReadTimeout:
                break
        raise TimeoutError(f"{name}: not finished after {timeout:.0f}s (last phase {last.get('phase')})")

    def close(self) -> str:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.api.close()
        return self.server.stop()
