"""The WorkflowEventBindings pages: a namespace's bindings listed (Argo's
``GET /api/v1/workflow-event-bindings/{ns}``), one binding's selector, template and parameter
sources, its YAML."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from serverkit import RunningServer

from argosy.store import open_store

BINDING = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowEventBinding",
    "metadata": {"name": "on-signup", "namespace": "default"},
    "spec": {
        "event": {"selector": 'payload.plan != "" && discriminator == "signup"'},
        "submit": {
            "workflowTemplateRef": {"name": "onboard"},
            "arguments": {"parameters": [
                {"name": "plan", "valueFrom": {"event": "payload.plan"}},
                {"name": "channel", "value": "email"}]},
        },
    },
}


@pytest.fixture
def binding(server: RunningServer) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/api/v1/workflow-event-bindings/default")
    if answer.status_code == 404:
        pytest.skip("this server has no /api/v1/workflow-event-bindings endpoint (the events branch adds it)")
    store = open_store(server.data_dir / "argosy.db")
    try:
        if store.get_object("WorkflowEventBinding", "default", "on-signup") is None:
            store.create_object("WorkflowEventBinding", BINDING)
    finally:
        store.close()
    return BINDING


def test_bindings_are_listed_and_one_opens(page: Any, server: RunningServer, binding: dict[str, Any]) -> None:
    page.goto("/workflow-event-bindings/default")
    row = page.locator("tr[data-name=on-signup]")
    expect(row).to_contain_text('payload.plan != "" && discriminator == "signup"')
    expect(row.locator("a.template")).to_have_text("onboard")
    row.get_by_role("link", name="on-signup").click()
    expect(page).to_have_url(f"{server.url}/workflow-event-bindings/default/on-signup")
    expect(page.locator("code.selector")).to_have_text('payload.plan != "" && discriminator == "signup"')
    expect(page.locator("tr[data-param=plan]")).to_contain_text("from the event: payload.plan")
    expect(page.locator("tr[data-param=channel]")).to_contain_text("email")
    expect(page.locator(".binding")).to_contain_text("POST /api/v1/events/default/<discriminator>")
    expect(page.locator("pre.yaml")).to_contain_text("kind: WorkflowEventBinding")
    page.locator("a.template").click()
    expect(page).to_have_url(f"{server.url}/workflow-templates/default/onboard")


def test_an_empty_namespace_and_a_missing_binding_say_so(page: Any, server: RunningServer, binding: dict[str, Any]) -> None:
    page.goto("/workflow-event-bindings/nobody-here")
    expect(page.locator("td.empty")).to_contain_text("No workflow event bindings in nobody-here")
    page.goto("/workflow-event-bindings/default/not-there")
    expect(page.locator(".error")).to_contain_text("no workflow event binding not-there in default")
