"""Events and WorkflowEventBindings through a real ``argosy server``.

``POST /api/v1/events/{ns}/{discriminator}`` answers ``{}`` (200) once the namespace's bindings
have been tried; a binding that fails is logged and the event is still accepted (Argo 3.x, and
4.x with ``--event-async-dispatch``). Each test uses its own namespace: every binding of the
namespace sees every event posted there.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from serverkit import TEMPLATE, RunningServer, start_server, wait_done

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "events"
CORPUS = ROOT.parent / "shared" / "conformance" / "argo-examples" / "workflow-event-binding"
BINDINGS = "/api/v1/workflow-event-bindings"


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def binding(name: str, selector: str, template: str = "greeter", **submit: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowEventBinding", "metadata": {"name": name},
            "spec": {"event": {"selector": selector},
                     "submit": {"workflowTemplateRef": {"name": template}, **submit}}}


def setup(api: httpx.Client, namespace: str, *objects: dict[str, Any]) -> None:
    for obj in objects:
        if obj.get("kind") == "WorkflowEventBinding":
            answer = api.post(f"{BINDINGS}/{namespace}", json=obj)
        else:
            answer = api.post(f"/api/v1/workflow-templates/{namespace}", json={"template": obj})
        assert answer.status_code == 200, answer.text


def started(api: httpx.Client, namespace: str, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
    """The ``count`` workflows of the namespace once they finished."""
    items = api.get(f"/api/v1/workflows/{namespace}").json().get("items") or []
    assert len(items) == count, [i["metadata"]["name"] for i in items]
    return [wait_done(api, i["metadata"]["name"], namespace, timeout) for i in items]


def parameters(wf: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p.get("value") for p in wf["spec"].get("arguments", {}).get("parameters", [])}


def test_binding_crud(api: httpx.Client) -> None:
    b = binding("b1", 'payload.x == "y"')
    created = api.post(f"{BINDINGS}/crud", json=b)
    assert created.status_code == 200, created.text
    meta = created.json()["metadata"]
    assert meta["namespace"] == "crud" and meta["uid"] and meta["resourceVersion"]
    again = api.post(f"{BINDINGS}/crud", json=b)
    assert again.status_code == 409
    assert again.json() == {"code": 6, "message": 'workfloweventbindings.argoproj.io "b1" already exists'}
    listed = api.get(f"{BINDINGS}/crud").json()
    assert [i["metadata"]["name"] for i in listed["items"]] == ["b1"]
    assert listed["items"][0]["kind"] == "WorkflowEventBinding"
    assert "b1" in [i["metadata"]["name"] for i in api.get(f"{BINDINGS}/").json()["items"]]
    changed = binding("b1", "true")
    assert api.put(f"{BINDINGS}/crud/b1", json=changed).json()["spec"]["event"]["selector"] == "true"
    assert api.get(f"{BINDINGS}/crud/b1").json()["spec"]["event"]["selector"] == "true"
    assert api.delete(f"{BINDINGS}/crud/b1").status_code == 200
    missing = api.get(f"{BINDINGS}/crud/b1")
    assert missing.status_code == 404
    assert missing.json() == {"code": 5, "message": 'workfloweventbindings.argoproj.io "b1" not found'}


def test_create_checks_the_schema_and_lint_checks_the_expressions(api: httpx.Client) -> None:
    wrong_shape = binding("shape", "true")
    wrong_shape["spec"]["event"]["selector"] = True
    answer = api.post(f"{BINDINGS}/lint-ns", json=wrong_shape)
    assert answer.status_code == 400 and "spec.event.selector" in answer.json()["message"]
    malformed = binding("malformed", "payload.x ==")
    # kept, as the Kubernetes API keeps it: it fails when an event reaches it
    assert api.post(f"{BINDINGS}/lint-ns", json=malformed).status_code == 200
    linted = api.post(f"{BINDINGS}/lint-ns/lint", json=malformed)
    assert linted.status_code == 400 and "spec.event.selector" in linted.json()["message"]
    assert api.post(f"{BINDINGS}/lint-ns/lint", json=binding("fine", "true")).status_code == 200


def test_the_onboarding_example_end_to_end(server: RunningServer, api: httpx.Client) -> None:
    """README's curl: an event with a user starts the onboarding workflow with it as a parameter."""
    setup(api, "default", load(EXAMPLES / "onboard-template.yaml"), load(EXAMPLES / "onboard-binding.yaml"))
    try:
        # as `curl -d '{"user": "ada"}' localhost:2746/api/v1/events/default/onboard` sends it
        answer = httpx.post(server.url + "/api/v1/events/default/onboard", content=b'{"user": "ada"}',
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status_code == 200 and answer.json() == {}
        [wf] = started(api, "default")
        assert wf["status"]["phase"] == "Succeeded"
        assert parameters(wf) == {"user": "ada", "team": "general"}
        labels = wf["metadata"]["labels"]
        assert labels["workflows.argoproj.io/workflow-event-binding"] == "onboard"
        assert labels["workflows.argoproj.io/workflow-template"] == "onboard"
        assert labels["example.argosy.dev/user"] == "ada"
        assert wf["metadata"]["name"].startswith("onboard-")
        welcome = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "welcome")
        assert welcome["inputs"]["parameters"][0]["value"] == "ada@general"
        # not for this binding: another discriminator, or no user
        api.post("/api/v1/events/default/offboard", json={"user": "ada"}).raise_for_status()
        api.post("/api/v1/events/default/onboard", json={"name": "ada"}).raise_for_status()
        started(api, "default", 1)
    finally:
        api.delete(f"{BINDINGS}/default/onboard")


def test_a_failing_binding_does_not_fail_the_event_or_the_others(server: RunningServer, api: httpx.Client) -> None:
    ns = "failing"
    setup(api, ns, TEMPLATE,
          binding("a-malformed", "payload.x =="),
          binding("b-not-bool", '"yes"'),
          binding("c-missing-template", "true", template="nope"),
          binding("d-no-value-from", "true", arguments={"parameters": [{"name": "who"}]}),
          binding("e-good", "true", arguments={"parameters": [{"name": "who", "valueFrom": {"event": "payload.who"}}]}))
    answer = api.post(f"/api/v1/events/{ns}/", json={"who": "events"})
    assert answer.status_code == 200 and answer.json() == {}
    [wf] = started(api, ns)
    assert wf["status"]["phase"] == "Succeeded" and parameters(wf) == {"who": "events"}
    assert wf["metadata"]["labels"]["workflows.argoproj.io/workflow-event-binding"] == "e-good"


@pytest.mark.parametrize(("path", "discriminator"), [
    ("/api/v1/events/disc/", ""), ("/api/v1/events/disc", ""), ("/api/v1/events/disc/my-discriminator",
                                                                 "my-discriminator"),
], ids=["trailing-slash", "no-slash", "named"])
def test_environment_reaches_the_parameters(api: httpx.Client, path: str, discriminator: str) -> None:
    ns = "disc"
    api.delete(f"{BINDINGS}/{ns}/env")
    for item in api.get(f"/api/v1/workflows/{ns}").json().get("items") or []:
        api.delete(f"/api/v1/workflows/{ns}/{item['metadata']['name']}")
    setup(api, ns, binding("env", 'metadata["x-argo-e2e"] == ["true"]', arguments={"parameters": [
        {"name": "who", "valueFrom": {"event": 'discriminator + "|" + namespace + "|" + toJson(metadata)'}}]}))
    if api.get(f"/api/v1/workflow-templates/{ns}/greeter").status_code == 404:
        setup(api, ns, TEMPLATE)
    api.post(path, json={}, headers={"X-Other": "no"}).raise_for_status()  # no x-argo-e2e: no match
    assert api.get(f"/api/v1/workflows/{ns}").json().get("items") in (None, [])
    answer = api.post(path, json=[1, 2], headers={"X-Argo-E2E": "true", "Authorization": "Bearer x"})
    assert answer.status_code == 200
    [wf] = started(api, ns)
    who = parameters(wf)["who"]
    assert who.startswith(f"{discriminator}|{ns}|")
    assert json.loads(who.split("|", 2)[2]) == {"x-argo-e2e": ["true"]}  # only x- headers: no authorization


def test_a_body_that_is_not_json_is_refused(api: httpx.Client) -> None:
    answer = api.post("/api/v1/events/default/x", content=b"{not json")
    assert answer.status_code == 400 and answer.json()["code"] == 3


def _corpus(name: str) -> list[dict[str, Any]]:
    return [load(CORPUS / f"{name}-workflowtemplate.yaml"), load(CORPUS / f"{name}-workfloweventbinding.yaml")]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no conformance corpus at {CORPUS}")
@pytest.mark.parametrize(("name", "discriminator", "payload", "headers", "expected"), [
    ("event-consumer", "", {"appellation": "Argosy"}, {}, {"appellation": "Argosy"}),
    ("github-path-filter", "github-path-filter",
     {"commits": [{"added": ["subpath/A/new.txt"], "removed": [], "modified": ["README.md"]},
                  {"added": [], "removed": ["other/x"], "modified": []}]},
     {"X-GitHub-Event": "push"}, {"files": '["subpath/A/new.txt","README.md","other/x"]'}),
], ids=["event-consumer", "github-path-filter"])
def test_corpus_bindings_start_their_workflow(api: httpx.Client, name: str, discriminator: str, payload: Any,
                                              headers: dict[str, str], expected: dict[str, str]) -> None:
    ns = f"corpus-{name}"
    setup(api, ns, *_corpus(name))
    # a push that touches no watched path starts nothing
    if name == "github-path-filter":
        api.post(f"/api/v1/events/{ns}/{discriminator}", json={"commits": [{"added": ["docs/x"]}]},
                 headers=headers).raise_for_status()
        assert api.get(f"/api/v1/workflows/{ns}").json().get("items") in (None, [])
    api.post(f"/api/v1/events/{ns}/{discriminator}", json=payload, headers=headers).raise_for_status()
    [wf] = started(api, ns)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert {k: v for k, v in parameters(wf).items() if k in expected} == expected


TOKENS = """
tokens:
  - {name: sender, token: send-token, namespaces: [team-a], verbs: [create]}
  - {name: reader, token: read-token, namespaces: [team-a], verbs: [get, list]}
  - {name: admin, sha256: "%s", namespaces: ["*"], verbs: ["*"]}
"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("events-auth")
    tokens = data / "tokens.yaml"
    tokens.write_text(TOKENS % hashlib.sha256(b"admin-token").hexdigest())
    running = start_server(data, "--auth-mode", "client", "--tokens", str(tokens))
    yield running
    running.stop()


def test_events_need_a_token_that_may_create_in_the_namespace(secured: RunningServer) -> None:
    with secured.client("admin-token") as admin:
        setup(admin, "team-a", TEMPLATE, binding("any", "true"))
    url = secured.url + "/api/v1/events/team-a/"
    assert httpx.post(url, json={}).status_code == 401
    assert httpx.post(url, json={}, headers={"Authorization": "Bearer read-token"}).status_code == 403
    other = httpx.post(secured.url + "/api/v1/events/team-b/", json={},
                       headers={"Authorization": "Bearer send-token"})
    assert other.status_code == 403
    with secured.client("admin-token") as admin:
        assert admin.get("/api/v1/workflows/team-a").json().get("items") in (None, [])
        sent = httpx.post(url, json={}, headers={"Authorization": "Bearer send-token"})
        assert sent.status_code == 200 and sent.json() == {}
        deadline = time.monotonic() + 10
        while not admin.get("/api/v1/workflows/team-a").json().get("items") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(admin.get("/api/v1/workflows/team-a").json()["items"]) == 1


def test_the_generated_argo_client_lists_bindings_and_sends_events(server: RunningServer, api: httpx.Client) -> None:
    """The ``argo-workflows`` client (generated from Argo's OpenAPI) parses our answers."""
    import argo_workflows
    from argo_workflows.api import event_service_api

    ns = "generated"
    setup(api, ns, TEMPLATE, binding("gen", 'payload.who != nil', arguments={"parameters": [
        {"name": "who", "valueFrom": {"event": "payload.who"}}]}))
    with argo_workflows.ApiClient(argo_workflows.Configuration(host=server.url)) as client:
        events = event_service_api.EventServiceApi(client)
        listed = events.list_workflow_event_bindings(ns)
        assert [b.metadata.name for b in listed["items"]] == ["gen"]
        assert listed["items"][0].spec.event.selector == "payload.who != nil"
        answer = events.receive_event(ns, "any", {"who": "client"})
        assert dict(answer) == {}
    [wf] = started(api, ns)
    assert parameters(wf) == {"who": "client"}


def test_a_failing_binding_is_logged_by_the_server(tmp_path: Path) -> None:
    own = start_server(tmp_path)
    try:
        with own.client() as api:
            setup(api, "logged", binding("broken", "payload.x ==", template="nope"),
                  binding("missing", "true", template="nope"))
            assert api.post("/api/v1/events/logged/", json={}).status_code == 200
    finally:
        log = own.stop()
    assert "failed to dispatch event to WorkflowEventBinding logged/broken: failed to evaluate workflow " \
           "template expression" in log
    assert ('failed to dispatch event to WorkflowEventBinding logged/missing: failed to get workflow template: '
            'workflowtemplates.argoproj.io "nope" not found') in log
