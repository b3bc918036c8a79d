"""The API docs: ``assets/openapi-spec/swagger.json`` (where Argo Server ships its OpenAPI
description) describes every endpoint the server has, made from its routes, and the UI's
``/apidocs`` page lists them."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect
from serverkit import RunningServer

from argosy.server.app import SERVICES

SWAGGER = "/assets/openapi-spec/swagger.json"


def _api_operations() -> set[tuple[str, str]]:
    out = set()
    for service in SERVICES:
        for route in service.routes:
            path = re.sub(r"\{([^}:]+)(?::[^}]+)?\}", r"{\1}", route.path)
            out |= {(m.lower(), path) for m in route.methods - {"HEAD"}}
    return out


def test_swagger_json_describes_every_endpoint_and_nothing_else(server: RunningServer) -> None:
    answer = httpx.get(server.url + SWAGGER)
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["swagger"] == "2.0"
    described = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert described == _api_operations()
    assert not any(path.startswith(("/workflows", "/apidocs", "/assets")) for _, path in described)
    operation_ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    tags = {t["name"] for t in doc["tags"]}
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert set(op["tags"]) <= tags
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"\{([^}]+)\}", path)), path


def test_swagger_json_names_the_query_parameters_the_server_reads(server: RunningServer) -> None:
    doc = httpx.get(server.url + SWAGGER).json()

    def query(method: str, path: str) -> set[str]:
        return {p["name"] for p in doc["paths"][path][method]["parameters"] if p["in"] == "query"}

    assert {"listOptions.labelSelector", "listOptions.continue", "fields", "nameFilter"} <= query(
        "get", "/api/v1/workflows/{namespace}")
    assert {"podName", "logOptions.container", "logOptions.follow"} <= query("get", "/api/v1/workflows/{namespace}/{name}/log")
    assert query("get", "/api/v1/workflow-templates/{namespace}") == {"listOptions.labelSelector"}
    assert query("put", "/api/v1/workflows/{namespace}/{name}/retry") == set()
    body = [p for p in doc["paths"]["/api/v1/workflows/{namespace}/{name}/retry"]["put"]["parameters"] if p["in"] == "body"]
    assert len(body) == 1


def test_api_docs_page_lists_the_endpoints_and_filters_them(page: Any, server: RunningServer) -> None:
    page.goto("/apidocs")
    expect(page.get_by_role("heading", name="API docs")).to_be_visible()
    row = page.locator('tr[data-endpoint="GET /api/v1/workflows/{namespace}"]')
    expect(row).to_contain_text("listOptions.labelSelector")
    expect(page.locator('tr[data-endpoint="PUT /api/v1/cron-workflows/{namespace}/{name}/suspend"]')).to_be_visible()
    expect(page.locator("tr[data-endpoint]")).to_have_count(len(_api_operations()))
    page.locator("input[name=filter]").fill("archived-workflows-label")
    expect(page.locator("tr[data-endpoint]")).to_have_count(2)
    expect(page.locator("section.api-tag")).to_have_count(1)
    # the raw description is one click away, served where Argo Server serves its own
    assert page.get_by_role("link", name="swagger.json").get_attribute("href").endswith(SWAGGER)
