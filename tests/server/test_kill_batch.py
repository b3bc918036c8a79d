"""A batch of workflows while the server is killed (-9) at random moments and started again.

Every round starts ``argosy server`` on the same data dir, submits part of the batch from a
thread (with random gaps) and kills the server at a random moment, so kills land during a
create, while steps run, while a workflow ends or is archived. At the end one last server
runs everything left to its end. What must hold (issue 10, durability):

- every workflow whose create was answered exists, exactly once (live and archived merged);
  one whose create was cut off by the kill exists at most once;
- each ends as its shape says (a deleted pod is retried: every step has ``retryPolicy: Always``);
- a workflow seen finished before a kill reads the same after every later restart (phase,
  times, node phases and outputs): nothing ends twice;
- none is left Running.

The seed is printed on failure; ``ARGOSY_KILL_SEED`` replays one.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from serverkit import RunningServer, start_server

from argosy.controller.recovery import can_restore

ENDED = ("Succeeded", "Failed", "Error")
#: a deleted pod (the step killed with the server) is retried as Argo retries it
RETRY = {"limit": 8, "retryPolicy": "Always"}
ROUNDS = 4
PER_ROUND = 5


def _step(command: str) -> dict[str, Any]:
    return {"image": "busybox", "command": ["sh", "-c", command]}


def shapes(rng: random.Random) -> list[tuple[str, str]]:
    """(shape, expected phase) for each workflow of the batch, in submission order."""
    kinds = [("single", "Succeeded"), ("chain", "Succeeded"), ("fanout", "Succeeded"), ("fails", "Failed")]
    return [kinds[i % len(kinds)] if i < len(kinds) else rng.choice(kinds) for i in range(ROUNDS * PER_ROUND)]


def workflow(name: str, shape: str, rng: random.Random) -> dict[str, Any]:
    nap = f"sleep {rng.choice(['0.05', '0.2', '0.4'])}; echo {name}"
    templates: list[dict[str, Any]] = [
        {"name": "work", "retryStrategy": RETRY, "container": _step(nap)},
    ]
    if shape == "single":
        entry = "work"
    elif shape == "chain":
        entry = "main"
        templates.append({"name": "main", "steps": [[{"name": f"s{i}", "template": "work"}] for i in range(3)]})
    elif shape == "fanout":
        entry = "main"
        templates.append({"name": "main", "dag": {"tasks": [
            {"name": "a", "template": "work"},
            *({"name": f"b{i}", "template": "work", "dependencies": ["a"]} for i in range(3)),
            {"name": "c", "template": "work", "dependencies": ["b0", "b1", "b2"]}]}})
    else:
        entry = "fail"
        templates.append({"name": "fail", "retryStrategy": {"limit": 1, "retryPolicy": "Always"},
                          "container": _step("sleep 0.1; exit 3")})
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name, "labels": {"batch": "kill"}},
            "spec": {"entrypoint": entry, "templates": templates}}


def outcome(wf: dict[str, Any]) -> dict[str, Any]:
    """What must not change once a workflow ended."""
    status = wf.get("status") or {}
    nodes = {nid: (n.get("phase"), n.get("finishedAt"), (n.get("outputs") or {}).get("result"))
             for nid, n in (status.get("nodes") or {}).items()}
    return {"phase": status.get("phase"), "startedAt": status.get("startedAt"),
            "finishedAt": status.get("finishedAt"), "nodes": nodes}


def ended_as_expected(wf: dict[str, Any], phase: str) -> bool:
    """``phase``; or Error when the retries ran out on a deleted pod (its last attempt was
    killed with the server: Argo ends the retry node as its last attempt ended)."""
    status = wf["status"]
    if status["phase"] == phase:
        return True
    nodes = status["nodes"]
    retries = [n for n in nodes.values() if n.get("type") == "Retry" and n["phase"] == "Error"]
    return status["phase"] == "Error" and phase == "Failed" and bool(retries) and all(
        nodes[r["children"][-1]].get("message") == "pod deleted" for r in retries)


def listed(api: httpx.Client) -> list[dict[str, Any]]:
    """Every workflow of the batch the list answers (live and archived merged, as Argo 3.5+)."""
    answer = api.get("/api/v1/workflows/default", params={"listOptions.labelSelector": "batch=kill"})
    answer.raise_for_status()
    return list(answer.json()["items"])


def submit(server: RunningServer, batch: list[tuple[str, dict[str, Any]]], rng: random.Random,
           accepted: set[str], attempted: set[str]) -> None:
    """Create each workflow with a random gap; a create cut off by the kill stays 'attempted'."""
    with server.client() as api:
        for name, wf in batch:
            attempted.add(name)
            try:
                answer = api.post("/api/v1/workflows/default", json={"workflow": wf})
            except httpx.TransportError:
                return  # the server is gone: this create may or may not have been accepted
            if answer.status_code == 200:
                accepted.add(name)
            time.sleep(rng.uniform(0, 0.15))


def snapshot(server: RunningServer, finished: dict[str, dict[str, Any]], seed: int) -> None:
    """Record each workflow seen ended; one recorded earlier must read the same now."""
    with server.client() as api:
        for item in listed(api):
            name = item["metadata"]["name"]
            if (item.get("status") or {}).get("phase") not in ENDED:
                continue
            got = outcome(api.get(f"/api/v1/workflows/default/{name}").json())
            if name in finished:
                assert got == finished[name], f"seed {seed}: {name} changed after it ended"
            else:
                finished[name] = got


def test_every_workflow_ends_exactly_once_across_random_kills(tmp_path: Path) -> None:
    if not can_restore():
        import pytest

        pytest.skip("this engine cannot restore a workflow from its status")
    seed = int(os.environ.get("ARGOSY_KILL_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    plan = [(f"kb-{i}", shape, phase) for i, (shape, phase) in enumerate(shapes(rng))]
    expected = {name: phase for name, _, phase in plan}
    bodies = [(name, workflow(name, shape, rng)) for name, shape, _ in plan]
    accepted: set[str] = set()
    attempted: set[str] = set()
    finished: dict[str, dict[str, Any]] = {}
    for round_ in range(ROUNDS):
        server = start_server(tmp_path)
        snapshot(server, finished, seed)
        batch = bodies[round_ * PER_ROUND:(round_ + 1) * PER_ROUND]
        submitter = threading.Thread(target=submit, args=(server, batch, rng, accepted, attempted))
        submitter.start()
        time.sleep(rng.uniform(0.05, 1.2))
        snapshot(server, finished, seed)
        server.kill()
        submitter.join()
    server = start_server(tmp_path)
    try:
        with server.client() as api:
            deadline = time.monotonic() + 120
            while True:
                items = listed(api)
                if all((i.get("status") or {}).get("phase") in ENDED for i in items):
                    break
                assert time.monotonic() < deadline, \
                    f"seed {seed}: still running: {[i['metadata']['name'] for i in items if i['status'].get('phase') not in ENDED]}"
                time.sleep(0.2)
            names = [i["metadata"]["name"] for i in items]
            assert len(names) == len(set(names)), f"seed {seed}: listed twice: {sorted(names)}"
            assert accepted <= set(names), f"seed {seed}: lost {sorted(accepted - set(names))}"
            assert set(names) <= attempted, f"seed {seed}: never submitted: {sorted(set(names) - attempted)}"
            for item in items:
                name = item["metadata"]["name"]
                wf = api.get(f"/api/v1/workflows/default/{name}").json()
                assert ended_as_expected(wf, expected[name]), \
                    f"seed {seed}: {name} ended {wf['status']['phase']}: {wf['status'].get('message')}; " \
                    f"{[(n['displayName'], n['phase'], n.get('message')) for n in wf['status']['nodes'].values()]}"
                assert not [n for n in wf["status"]["nodes"].values() if n["phase"] in ("Running", "Pending")], \
                    f"seed {seed}: {name} has unfinished nodes"
                if name in finished:
                    assert outcome(wf) == finished[name], f"seed {seed}: {name} changed after it ended"
    finally:
        server.stop()
