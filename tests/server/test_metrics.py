"""``GET /metrics`` of a real ``argosy server``, parsed with prometheus_client as Prometheus would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from serverkit import RunningServer, create, hello, start_server, wait_done

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "argo-examples"

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def scrape(api: httpx.Client) -> Samples:
    answer = api.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    out: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def scrape_until(api: httpx.Client, ready: Any, timeout: float = 10.0) -> Samples:
    """Scrape until ``ready(samples)``: a workflow's metrics are emitted once its end is handled,
    a moment after its status is durable (what ``wait_done`` sees), as a Prometheus scrape would."""
    deadline = time.monotonic() + timeout
    got = scrape(api)
    while not ready(got) and time.monotonic() < deadline:
        time.sleep(0.05)
        got = scrape(api)
    return got


def with_metrics(wf: dict[str, Any], workflow: list[dict[str, Any]] | None = None,
                 template: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if workflow is not None:
        wf["spec"]["metrics"] = {"prometheus": workflow}
    if template is not None:
        wf["spec"]["templates"][0]["metrics"] = {"prometheus": template}
    return wf


def test_controller_metrics_count_workflows_by_phase(api: httpx.Client) -> None:
    before = scrape(api)
    ok = create(api, hello(), namespace="metrics-a")
    bad = create(api, hello(command="exit 3"), namespace="metrics-a")
    assert wait_done(api, ok["metadata"]["name"], "metrics-a")["status"]["phase"] == "Succeeded"
    assert wait_done(api, bad["metadata"]["name"], "metrics-a")["status"]["phase"] == "Failed"
    after = scrape(api)

    def grew(name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return after[name].get(labels, 0.0) - before.get(name, {}).get(labels, 0.0)

    assert grew("argo_workflows_gauge", (("status", "Succeeded"),)) == 1
    assert grew("argo_workflows_gauge", (("status", "Failed"),)) == 1
    assert after["argo_workflows_gauge"][(("status", "Running"),)] >= 0
    assert grew("argo_workflows_total_count_total", (("namespace", "metrics-a"), ("phase", "Succeeded"))) == 1
    assert grew("argo_workflows_total_count_total", (("namespace", "metrics-a"), ("phase", "Failed"))) == 1
    assert grew("argo_workflows_pods_total_count_total", (("namespace", "metrics-a"), ("phase", "Failed"))) == 1
    assert after["argo_workflows_queue_depth_gauge"] == {(("queue_name", "workflow_queue"),): 0.0}
    assert (("queue_name", "workflow_queue"),) in after["argo_workflows_queue_adds_count_total"]
    assert after["argo_workflows_is_leader"] == {(): 1.0}
    assert dict(next(iter(after["argo_workflows_version_total"])))["version"].startswith("v")
    # a deleted workflow leaves the gauge
    assert api.delete(f"/api/v1/workflows/metrics-a/{ok['metadata']['name']}").status_code == 200
    deadline = time.monotonic() + 10
    while scrape(api)["argo_workflows_gauge"][(("status", "Succeeded"),)] != \
            after["argo_workflows_gauge"][(("status", "Succeeded"),)] - 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert scrape(api)["argo_workflows_gauge"][(("status", "Succeeded"),)] == \
        after["argo_workflows_gauge"][(("status", "Succeeded"),)] - 1


def test_custom_metrics_with_argos_variables(api: httpx.Client) -> None:
    wf = with_metrics(
        hello(command="echo 4"),
        workflow=[{"name": "srv_wf_runs", "help": "runs by status",
                   "labels": [{"key": "status", "value": "{{workflow.status}}"}], "counter": {"value": "1"}}],
        template=[{"name": "srv_step_result", "help": "the step's output", "labels": [{"key": "exit", "value": "{{exitCode}}"}],
                   "gauge": {"value": "{{outputs.result}}"}},
                  {"name": "srv_step_duration", "help": "step durations", "when": "{{status}} == Succeeded",
                   "histogram": {"buckets": [1, 10, 60], "value": "{{duration}}"}}])
    for _ in range(2):
        created = create(api, wf)
        assert wait_done(api, created["metadata"]["name"])["status"]["phase"] == "Succeeded"
    got = scrape_until(api, lambda g: sum(g.get("argo_workflows_srv_wf_runs_total", {}).values()) >= 2)
    assert got["argo_workflows_srv_wf_runs_total"] == {(("status", "Succeeded"),): 2.0}
    assert got["argo_workflows_srv_step_result"] == {(("exit", "0"),): 4.0}
    assert got["argo_workflows_srv_step_duration_count"] == {(): 2.0}
    assert got["argo_workflows_srv_step_duration_bucket"][(("le", "+Inf"),)] == 2.0


def test_an_invalid_workflow_metric_is_a_metrics_error_condition(api: httpx.Client) -> None:
    wf = with_metrics(hello(), workflow=[{"name": "bad-name", "help": "x", "counter": {"value": "1"}}])
    created = create(api, wf)
    name = created["metadata"]["name"]
    done = wait_done(api, name)
    assert done["status"]["phase"] == "Succeeded"
    deadline = time.monotonic() + 10
    while not done["status"].get("conditions") and time.monotonic() < deadline:
        time.sleep(0.05)
        done = api.get(f"/api/v1/workflows/default/{name}").json()
    assert done["status"]["conditions"] == [{
        "type": "MetricsError", "status": "True",
        "message": "could not construct metric 'bad-name': metric name is invalid: names may only contain "
                   "alphanumeric characters or '_'"}]


def test_an_invalid_template_metric_refuses_the_workflow(api: httpx.Client) -> None:
    wf = with_metrics(hello(), template=[{"name": "bad-name", "help": "x", "counter": {"value": "1"}}])
    answer = api.post("/api/v1/workflows/default", json={"workflow": wf})
    assert answer.status_code == 400
    assert ("templates.main metric name 'bad-name' is invalid. Metric names must contain alphanumeric "
            "characters or '_'") in answer.json()["message"]


@pytest.mark.skipif(not (CORPUS / "dag-custom-metrics.yaml").is_file(), reason="no conformance corpus")
def test_the_corpus_dag_custom_metrics(api: httpx.Client) -> None:
    wf = yaml.safe_load((CORPUS / "dag-custom-metrics.yaml").read_text())
    created = create(api, wf, namespace="corpus-metrics")
    assert wait_done(api, created["metadata"]["name"], "corpus-metrics")["status"]["phase"] == "Succeeded"
    got = scrape_until(api, lambda g: "argo_workflows_playground_workflow_result_counter_total" in g)
    tasks = got["argo_workflows_playground_workflow_result_task_counter_total"]
    assert {dict(k)["playground_task_name_counter"] for k in tasks} == {"TEST-ONE-A", "TEST-ONE-B", "TEST-TWO-A",
                                                                         "TEST-TWO-B"}
    assert all(dict(k)["status"] == "Succeeded" for k in tasks)
    assert (("playground_id_workflow_counter", "test"), ("status", "Succeeded")) in \
        got["argo_workflows_playground_workflow_result_counter_total"]
    assert len(got["argo_workflows_playground_workflow_duration_task_seconds"]) == 4


@pytest.fixture(scope="module")
def short_ttl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("ttl"), "--metrics-ttl", "1s")
    yield running
    running.stop()


def test_metrics_ttl_drops_custom_series(short_ttl: RunningServer) -> None:
    with short_ttl.client() as api:
        wf = with_metrics(hello(), workflow=[{"name": "ttl_runs", "help": "runs", "counter": {"value": "1"}},
                                             {"name": "ttl_hist", "help": "h", "histogram": {"buckets": [1], "value": "1"}}])
        assert wait_done(api, create(api, wf)["metadata"]["name"])["status"]["phase"] == "Succeeded"
        scrape_until(api, lambda g: "argo_workflows_ttl_hist_count" in g)  # emitted, then expired
        deadline = time.monotonic() + 20
        while "argo_workflows_ttl_runs_total" in scrape(api) and time.monotonic() < deadline:
            time.sleep(0.2)
        got = scrape(api)
        assert "argo_workflows_ttl_runs_total" not in got
        assert got["argo_workflows_ttl_hist_count"] == {(): 1.0}  # emitted with it; histograms never expire
        assert got["argo_workflows_gauge"][(("status", "Succeeded"),)] == 1.0  # controller metrics stay
