"""Logs: ``GET /api/v1/workflows/{namespace}/{name}/log`` and ``.../{podName}/log``
(Argo's ``WorkflowLogs`` and ``PodLogs``), streamed as ``{"result": {"content", "podName"}}``.

The source is the workflow's log journal in the data dir (``argosy.runtime.logs``: every
container's output, appended as it is written, keyed by the workflow's uid). So the same
endpoint serves a step that is running (``logOptions.follow``: the journal is read as it
grows until the workflow has finished and the journal is drained), a workflow that ended,
one that was archived, and all of them after a server restart.

Query parameters, as Argo's: ``podName``, ``logOptions.container`` (default ``main``),
``logOptions.follow``, ``logOptions.tailLines`` (the last N lines of each pod),
``logOptions.sinceSeconds`` / ``logOptions.sinceTime.seconds``, ``logOptions.timestamps``,
``grep`` (a regular expression lines must match) and ``selector`` (a label selector on the
pods' labels, ``workflows.argoproj.io/workflow=NAME``).

Limits, stated: the journal keeps no time per line, so ``sinceSeconds``/``sinceTime`` keep a
pod's lines when the pod was still running at that time or finished after it (the node's
``finishedAt``), and ``timestamps`` prefixes a line with the time the server read it.

Memory per stream is bounded: the journal is read in chunks of at most ``CHUNK`` bytes and
only as fast as the client takes lines; ``tailLines`` keeps N lines per pod.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from argosy.errors import InvalidArgument, NotFound
from argosy.goformat import rfc3339_epoch
from argosy.runtime.logs import MARK, journal_path
from argosy.server.encoding import rfc3339
from argosy.server.routing import Call, Verb, api_route
from argosy.server.streams import stream_response
from argosy.store.api import FINISHED_PHASES, Store, WorkflowRecord
from argosy.store.selector import matches, parse_label_selector

#: bytes read from the journal at a time
CHUNK = 1 << 20
#: seconds between looks at a followed journal that has not grown
POLL = 0.2
#: seconds between looks at whether a followed workflow has finished
PHASE_POLL = 1.0
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"


class JournalReader:
    """Reads a log journal incrementally: whole records only, from where it stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def read(self) -> list[tuple[str, str, str, bytes]]:
        """The complete records written since the last call: ``(pod, container, stream, data)``."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(CHUNK)
        except (FileNotFoundError, NotADirectoryError):
            return []
        out: list[tuple[str, str, str, bytes]] = []
        at = 0
        while at < len(data) and data[at:at + 1] == MARK:
            end = data.find(b"\n", at)
            if end < 0:
                break
            fields = data[at + 1:end].decode(errors="replace").split("\t")
            if len(fields) != 4 or not fields[3].isdigit():
                break
            start, size = end + 1, int(fields[3])
            if start + size > len(data):
                if size + (start - at) > CHUNK and at == 0:  # one record larger than a chunk
                    with open(self.path, "rb") as f:
                        f.seek(self.offset + start)
                        out.append((fields[0], fields[1], fields[2], f.read(size)))
                    self.offset += start + size
                    return out
                break
            out.append((fields[0], fields[1], fields[2], data[start:start + size]))
            at = start + size
        self.offset += at
        return out


class LogQuery:
    """Which lines a request wants, from the query parameters."""

    def __init__(self, call: Call, pod: str | None) -> None:
        self.pod = pod or call.query("podName") or None
        self.container = call.query("logOptions.container") or "main"
        self.follow = _bool(call, "logOptions.follow")
        self.timestamps = _bool(call, "logOptions.timestamps")
        self.tail = _int(call, "logOptions.tailLines")
        since = _int(call, "logOptions.sinceSeconds")
        since_time = _int(call, "logOptions.sinceTime.seconds")
        self.since: float | None = time.time() - since if since is not None else (
            float(since_time) if since_time is not None else None)
        grep = call.query("grep")
        try:
            self.grep = re.compile(grep) if grep else None
        except re.error as err:
            raise InvalidArgument(f"grep: {grep!r} is not a regular expression: {err}") from None
        self.selector = parse_label_selector(call.query("selector"))

    def wants_line(self, line: str) -> bool:
        return self.grep is None or self.grep.search(line) is not None


def _bool(call: Call, name: str) -> bool:
    return (call.query(name) or "").lower() in ("true", "1")


def _int(call: Call, name: str) -> int | None:
    text = call.query(name)
    if text in (None, ""):
        return None
    try:
        return int(str(text))
    except ValueError:
        raise InvalidArgument(f"{name}: {text!r} is not a number") from None


def _find(store: Store, namespace: str, name: str) -> WorkflowRecord:
    record = store.find_workflow(namespace, name, with_nodes=True)
    if record is None:
        record = store.find_archived_workflow(namespace, name, with_nodes=True)
    if record is None:
        raise NotFound(name)
    return record


class PodFinder:
    """The pods of a workflow's nodes: their finish times (for ``sinceSeconds``)."""

    def __init__(self, record: WorkflowRecord) -> None:
        self.finished: dict[str, float | None] = {}
        self.update(record)

    def update(self, record: WorkflowRecord) -> None:
        from argosy.engine.nodes import pod_name

        for node in (record.status.get("nodes") or {}).values():
            if node.get("type") != "Pod":
                continue
            pod = pod_name(record.name, node.get("name", ""), node.get("templateName"))
            self.finished[pod] = rfc3339_epoch(node.get("finishedAt"))




async def log_entries(store: Store, data_dir: Path, record: WorkflowRecord,
                      query: LogQuery) -> AsyncIterator[dict[str, Any]]:
    """The log entries the query asks for, following the journal while the workflow runs."""
    reader = JournalReader(journal_path(data_dir, record.uid))
    pods = PodFinder(record)
    if query.selector and not matches(query.selector, {WORKFLOW_LABEL: record.name}):
        return
    #: (pod, stdout|stderr) -> the start of a line not ended yet
    partial: dict[tuple[str, str], str] = {}

    def lines_of(records: list[tuple[str, str, str, bytes]]) -> list[tuple[str, str]]:
        stamp = rfc3339(time.time()) if query.timestamps else None
        out: list[tuple[str, str]] = []
        for pod, container, stream, data in records:
            if container != query.container or (query.pod and pod != query.pod):
                continue
            if query.since is not None:
                done = pods.finished.get(pod)
                if done is not None and done < query.since:
                    continue
            text = partial.pop((pod, stream), "") + data.decode(errors="replace")
            *complete, rest = text.split("\n")
            if rest:
                partial[pod, stream] = rest
            for line in complete:
                if query.wants_line(line):
                    out.append((pod, line if stamp is None else f"{stamp} {line}"))
        return out

    # what is written already (with tailLines: only the last N lines of each pod)
    tail: dict[str, deque[tuple[int, str]]] = {}
    seq = 0
    while records := await asyncio.to_thread(reader.read):
        for pod, content in lines_of(records):
            if query.tail is None:
                yield {"content": content, "podName": pod}
            elif query.tail > 0:
                tail.setdefault(pod, deque(maxlen=query.tail)).append((seq, content))
                seq += 1
    finished = not query.follow or record.phase in FINISHED_PHASES
    if finished:  # a last line without its newline is a line too
        for (pod, _), rest in partial.items():
            if query.wants_line(rest):
                if query.tail is None:
                    yield {"content": rest, "podName": pod}
                elif query.tail > 0:
                    tail.setdefault(pod, deque(maxlen=query.tail)).append((seq, rest))
                    seq += 1
        partial.clear()
    if tail:
        for _, pod, content in sorted((i, pod, c) for pod, q in tail.items() for i, c in q):
            yield {"content": content, "podName": pod}
    # then, following, what is written while the workflow runs
    last_check = time.monotonic()
    while not finished:
        await asyncio.sleep(POLL)
        if time.monotonic() - last_check >= PHASE_POLL:
            last_check = time.monotonic()
            latest = await asyncio.to_thread(store.get_workflow, record.uid)
            finished = latest is None or latest.phase in FINISHED_PHASES
            if latest is not None:
                pods.update(latest)
        # once finished, drain: everything its steps wrote is in the journal by now
        while records := await asyncio.to_thread(reader.read):
            for pod, content in lines_of(records):
                yield {"content": content, "podName": pod}
    for (pod, _), rest in partial.items():  # a last line without its newline
        if query.wants_line(rest):
            yield {"content": rest, "podName": pod}


async def workflow_logs(call: Call) -> Any:
    pod = call.request.path_params.get("podName")
    query = LogQuery(call, pod)
    store = call.services.store
    record = await asyncio.to_thread(_find, store, call.namespace or "default", call.path("name"))
    return stream_response(call.request, log_entries(store, call.services.controller.data_dir, record, query))


routes = [
    api_route("GET", "/api/v1/workflows/{namespace}/{name}/log", workflow_logs, verb=Verb.GET),
    api_route("GET", "/api/v1/workflows/{namespace}/{name}/{podName}/log", workflow_logs, verb=Verb.GET),
]
