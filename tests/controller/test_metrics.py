"""Custom and controller metrics, scraped as Prometheus would (``text_string_to_metric_families``).

Argo 3.6's rules: a template's metrics are emitted when its node completes, the workflow's when
it completes; a realtime gauge is read at scrape time; a counter adds, a gauge sets (or adds,
subtracts), a histogram observes; ``when`` decides; a problem is the workflow's MetricsError
condition, never a failed node; ``metricsTTL`` drops series not updated since.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from argosy.controller import Controller, FakeClock, prepare_workflow
from argosy.controller.custom_metrics import Emission, emissions, parse_float
from argosy.controller.metrics import Metrics
from argosy.controller.metrics_text import render
from argosy.errors import MetricError
from argosy.spec import ObjectSet, load_text
from argosy.testing import FakeRuntime, result_of


def scrape(metrics: Metrics) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """``{sample name: {sorted labels: value}}`` of the rendered text, parsed by prometheus_client."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(metrics.exposition()):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    # what is served and prometheus_client's model of it say the same
    assert text_string_to_metric_families(render(metrics.collect())) is not None
    assert metrics.exposition() == render(metrics.collect())
    return out


def families(metrics: Metrics) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(metrics.exposition())}


def run(text: str, metrics: Metrics, handler: Any = None, clock: FakeClock | None = None) -> list[Any]:
    async def go() -> list[Any]:
        controller = Controller(data_dir=Path("/nonexistent"), clock=clock or FakeClock(),
                                runtime=FakeRuntime(handler or (lambda pod: result_of())))
        metrics.attach(controller)
        workflows = [prepare_workflow(m.body, ObjectSet()) for m in load_text(text)]
        return await asyncio.wait_for(controller.run(workflows), 10)

    return asyncio.run(go())


FLAKY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: flaky}
spec:
  entrypoint: main
  metrics:
    prometheus:
    - name: wf_result
      help: "workflow result"
      labels: [{key: status, value: "{{workflow.status}}"}, {key: name, value: "{{workflow.name}}"}]
      counter: {value: "1"}
  templates:
  - name: main
    steps:
    - - {name: a, template: work, arguments: {parameters: [{name: tag, value: x}]}}
      - {name: b, template: work, arguments: {parameters: [{name: tag, value: "y"}]}}
  - name: work
    inputs: {parameters: [{name: tag}]}
    metrics:
      prometheus:
      - name: result_counter
        help: "Count of step execution by result status"
        labels: [{key: tag, value: "{{inputs.parameters.tag}}"}, {key: status, value: "{{status}}"},
                 {key: exit, value: "{{exitCode}}"}]
        counter: {value: "1"}
      - name: result_histogram
        help: "the step's result"
        when: "{{status}} == Succeeded"
        histogram: {buckets: [2.01, 4.01, 8.01], value: "{{outputs.result}}"}
      - name: last_result
        help: "last result"
        gauge: {value: "{{outputs.result}}"}
    container: {image: busybox, command: [echo]}
"""


def handler_by_tag(pod: Any) -> Any:
    tag = pod.template["inputs"]["parameters"][0]["value"]
    failed = tag == "y"  # b fails, a succeeds with result 3
    return result_of({"result": "9"}, exit_code=1) if failed else result_of({"result": "3"})


def test_template_and_workflow_metrics_are_emitted_when_they_complete() -> None:
    metrics = Metrics()
    [engine] = run(FLAKY, metrics, handler_by_tag)
    assert engine.phase == "Failed"
    got = scrape(metrics)
    assert got["argo_workflows_result_counter_total"] == {
        (("exit", "0"), ("status", "Succeeded"), ("tag", "x")): 1.0,
        (("exit", "1"), ("status", "Failed"), ("tag", "y")): 1.0,
    }
    # when: only the succeeded step observed; 3 falls in the 4.01 bucket
    assert got["argo_workflows_result_histogram_bucket"] == {
        (("le", "2.01"),): 0.0, (("le", "4.01"),): 1.0, (("le", "8.01"),): 1.0, (("le", "+Inf"),): 1.0}
    assert got["argo_workflows_result_histogram_sum"] == {(): 3.0}
    assert got["argo_workflows_last_result"][()] in (3.0, 9.0)
    assert got["argo_workflows_wf_result_total"] == {(("name", "flaky"), ("status", "Failed")): 1.0}
    fams = families(metrics)
    assert fams["argo_workflows_result_counter"].type == "counter"
    assert fams["argo_workflows_result_counter"].documentation == "Count of step execution by result status"
    assert fams["argo_workflows_result_histogram"].type == "histogram"


def test_a_counter_accumulates_over_runs_and_the_controller_counts_phases() -> None:
    metrics = Metrics()
    run(FLAKY, metrics, handler_by_tag)
    run(FLAKY.replace("name: flaky", "name: flaky2"), metrics, handler_by_tag)
    got = scrape(metrics)
    assert got["argo_workflows_result_counter_total"][(("exit", "0"), ("status", "Succeeded"), ("tag", "x"))] == 2.0
    assert got["argo_workflows_total_count_total"] == {(("namespace", "default"), ("phase", "Running")): 2.0,
                                                       (("namespace", "default"), ("phase", "Failed")): 2.0}
    assert got["argo_workflows_gauge"] == {(("status", p),): n for p, n in
                                           [("Pending", 0), ("Running", 0), ("Succeeded", 0), ("Failed", 2), ("Error", 0)]}
    assert got["argo_workflows_pods_total_count_total"][(("namespace", "default"), ("phase", "Failed"))] == 2.0
    assert got["argo_workflows_error_count_total"] == {(("cause", c),): 0.0 for c in
                                                       ("CronWorkflowSpecError", "CronWorkflowSubmissionError",
                                                        "OperationPanic")}
    assert got["argo_workflows_is_leader"] == {(): 1.0}
    assert got["argo_workflows_operation_duration_seconds_count"][()] >= 2  # at least each pod's end
    assert got["argo_workflows_operation_duration_seconds_bucket"][(("le", "5"),)] >= 2


RETRIED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: retried}
spec:
  entrypoint: work
  templates:
  - name: work
    retryStrategy: {limit: 2}
    metrics:
      prometheus:
      - name: attempts
        help: "attempts by status"
        labels: [{key: status, value: "{{status}}"}]
        counter: {value: "1"}
    container: {image: busybox, command: [echo]}
"""


def test_a_retried_template_emits_per_failed_attempt_and_once_for_the_retry_node() -> None:
    calls: list[int] = []

    def fail_twice(pod: Any) -> Any:
        calls.append(1)
        return result_of(exit_code=1) if len(calls) < 3 else result_of()

    metrics = Metrics()
    [engine] = run(RETRIED, metrics, fail_twice)
    assert engine.phase == "Succeeded"
    # two failed attempts, then the retry node (standing for the last, successful, attempt)
    assert scrape(metrics)["argo_workflows_attempts_total"] == {
        (("status", "Failed"),): 2.0, (("status", "Succeeded"),): 1.0}


REALTIME = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: realtime}
spec:
  entrypoint: main
  metrics:
    prometheus:
    - name: wf_duration
      help: "workflow duration"
      gauge: {realtime: true, value: "{{workflow.duration}}"}
  templates:
  - name: main
    steps:
    - - {name: wait, template: approve}
  - name: approve
    suspend: {}
    metrics:
      prometheus:
      - name: waited
        help: "seconds waiting"
        labels: [{key: step, value: approve}]
        gauge: {realtime: true, value: "{{duration}}"}
"""


def test_realtime_gauges_follow_the_running_node_and_stop_when_it_ends() -> None:
    clock = FakeClock(1000.0)
    metrics = Metrics(clock=clock.now)

    async def go() -> tuple[float, float, float, float]:
        controller = Controller(data_dir=Path("/nonexistent"), clock=clock,
                                runtime=FakeRuntime(lambda pod: result_of()))
        metrics.attach(controller)
        [wf] = [prepare_workflow(m.body, ObjectSet()) for m in load_text(REALTIME)]
        uid = controller.start(wf)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if "argo_workflows_waited" in scrape(metrics):
                break
        clock.advance(30)
        first = scrape(metrics)["argo_workflows_waited"][(("step", "approve"),)]
        whole = scrape(metrics)["argo_workflows_wf_duration"][()]
        controller.resume(uid)
        await asyncio.wait_for(controller.wait(uid), 10)
        clock.advance(100)
        final = scrape(metrics)
        return first, whole, final["argo_workflows_waited"][(("step", "approve"),)], final["argo_workflows_wf_duration"][()]

    running, workflow_running, ended, workflow_ended = asyncio.run(go())
    assert running == pytest.approx(30, abs=1.5) and workflow_running == pytest.approx(30, abs=1.5)
    assert ended == pytest.approx(30, abs=1.5) and workflow_ended == pytest.approx(30, abs=1.5)


INVALID_WORKFLOW_LEVEL = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: invalid}
spec:
  entrypoint: main
  metrics:
    prometheus:
    - {name: "bad-name", help: "x", counter: {value: "1"}}
    - {name: no_help, counter: {value: "1"}}
    - {name: not_a_number, help: "x", gauge: {value: "{{workflow.name}}"}}
    - {name: good, help: "x", counter: {value: "1"}}
  templates:
  - name: main
    container: {image: busybox, command: [echo]}
"""


def test_an_invalid_metric_is_not_emitted_and_does_not_fail_the_workflow() -> None:
    metrics = Metrics()
    errors: list[str] = []
    metrics._record_errors = lambda engine, found: errors.extend(found)  # type: ignore[method-assign]
    [engine] = run(INVALID_WORKFLOW_LEVEL, metrics)
    assert engine.phase == "Succeeded"
    assert errors == [
        "metric 'no_help' must contain a help string under 'help: ' field",
        "could not construct metric 'not_a_number': strconv.ParseFloat: parsing \"invalid\": invalid syntax",
        ("could not construct metric 'bad-name': metric name is invalid: names may only contain alphanumeric "
        "characters or '_'"),
    ]
    got = scrape(metrics)
    assert got["argo_workflows_good_total"] == {(): 1.0}
    assert not any("bad" in name for name in got)


def emission(name: str = "m", kind: str = "counter", value: float = 1.0, help_: str = "h", **kw: Any) -> Emission:
    return Emission(name, help_, kind, tuple(kw.pop("labels", ())), value, **kw)


def test_gauge_operations_and_registry_refusals() -> None:
    m = Metrics()
    m.upsert(emission("g", "gauge", 5), "wf")
    m.upsert(emission("g", "gauge", 2, operation="Add"), "wf")
    m.upsert(emission("g", "gauge", 4, operation="Sub"), "wf")
    assert scrape(m)["argo_workflows_g"] == {(): 3.0}
    m.upsert(emission("g", "gauge", 7), "wf")
    assert scrape(m)["argo_workflows_g"] == {(): 7.0}
    with pytest.raises(MetricError, match="Help for metric g is already set to h, it cannot be changed"):
        m.upsert(emission("g", "gauge", 1, help_="other"), "wf")
    with pytest.raises(MetricError, match="Found existing gauge for custom metric g of type counter"):
        m.upsert(emission("g", "counter", 1), "wf")
    with pytest.raises(MetricError, match="metric name is invalid"):
        m.upsert(emission("a:b"), "wf")
    with pytest.raises(MetricError, match="metric label 'a-b' is invalid"):
        m.upsert(emission("c", labels=[("a-b", "x")]), "wf")
    with pytest.raises(MetricError, match="built-in"):
        m.upsert(emission("total_count"), "wf")


def test_metrics_ttl_drops_stale_series_but_not_histograms_or_live_realtime_ones() -> None:
    clock = FakeClock(0.0)
    m = Metrics(metrics_ttl=60, clock=clock.now)
    m.upsert(emission("c", labels=[("k", "old")]), "wf")
    m.upsert(emission("h", "histogram", 1.0, buckets=(1.0,)), "wf")
    m.upsert(emission("live", "gauge", realtime=lambda: 5.0), "wf")
    clock.advance(50)
    m.upsert(emission("c", labels=[("k", "new")]), "wf")
    clock.advance(20)
    got = scrape(m)
    assert got["argo_workflows_c_total"] == {(("k", "new"),): 1.0}
    assert got["argo_workflows_h_count"] == {(): 1.0}
    assert got["argo_workflows_live"] == {(): 5.0}
    m.complete_realtime("wf")
    assert "argo_workflows_live" not in scrape(m)


@pytest.mark.parametrize(("spec", "scope", "found", "errors"), [
    ({"name": "x", "help": "h", "when": "{{status}} == Failed", "counter": {"value": "1"}}, {"status": "Succeeded"},
     0, []),
    ({"name": "x", "help": "h", "counter": {"value": "{{outputs.result}}"}}, {}, 0,
     ["unable to substitute parameters for metric 'x': failed to resolve {{outputs.result}}"]),
    ({"name": "x_{{inputs.parameters.n}}", "help": "h", "counter": {"value": "1"}}, {"inputs.parameters.n": "a"}, 1, []),
    ({"name": "x", "help": "h", "gauge": {"realtime": True, "value": "{{nope}}"}}, {}, 0,
     ["'nope' is not available as a real time metric"]),
    ({"name": "x", "help": "h", "gauge": {"realtime": True, "value": "5"}}, {}, 0,
     ["real time metrics can only be used with metric variables"]),
], ids=["when-false", "unresolved", "name-from-variable", "realtime-unknown", "realtime-literal"])
def test_emissions(spec: dict[str, Any], scope: dict[str, Any], found: int, errors: list[str]) -> None:
    out, problems = emissions({"prometheus": [spec]}, scope, {"duration": lambda: 1.0}, realtime_only=False,
                              workflow_name="wf")
    assert (len(out), problems) == (found, errors)


@pytest.mark.parametrize(("text", "value"), [("1", 1.0), ("-2.5", -2.5), ("1e3", 1000.0), ("+Inf", float("inf"))])
def test_parse_float_like_go(text: str, value: float) -> None:
    assert parse_float(text) == value


@pytest.mark.parametrize("text", ["", " 1", "1_000", "abc", "0x10"])
def test_parse_float_refuses_what_go_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="invalid syntax"):
        parse_float(text)


def test_exposition_is_argos_counters_keep_their_names() -> None:
    m = Metrics()
    m.cron_triggered("default", "nightly")
    m.error("CronWorkflowSubmissionError")
    text = m.exposition()
    assert "# TYPE argo_workflows_cronworkflows_triggered_total counter\n" in text
    assert 'argo_workflows_cronworkflows_triggered_total{name="nightly",namespace="default"} 1\n' in text
    assert 'argo_workflows_error_count{cause="CronWorkflowSubmissionError"} 1\n' in text
    assert "# TYPE argo_workflows_total_count counter\n" in text


TEMPLATED = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [echo]}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: from-lib}
spec:
  workflowTemplateRef: {name: lib}
"""


def test_workflows_from_a_template_are_counted_per_template() -> None:
    metrics = Metrics()

    async def go() -> list[Any]:
        manifests = load_text(TEMPLATED)
        objects = ObjectSet(manifests)
        controller = Controller(data_dir=Path("/nonexistent"), clock=FakeClock(), objects=objects,
                                runtime=FakeRuntime(lambda pod: result_of()))
        metrics.attach(controller)
        workflows = [prepare_workflow(m.body, objects) for m in manifests if m.kind == "Workflow"]
        return await asyncio.wait_for(controller.run(workflows), 10)

    [engine] = asyncio.run(go())
    assert engine.phase == "Succeeded"
    got = scrape(metrics)
    labels = (("cluster_scope", "false"), ("name", "lib"), ("namespace", "default"))
    assert {dict(k)["phase"]: v for k, v in got["argo_workflows_workflowtemplate_triggered_total"].items()} == {
        "New": 1.0, "Running": 1.0, "Succeeded": 1.0}
    assert got["argo_workflows_workflowtemplate_runtime_count"] == {labels: 1.0}
