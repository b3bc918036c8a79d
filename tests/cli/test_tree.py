"""`argosy run`'s tree and its streaming lines, drawn as `argo get` / `argo watch` draw them."""

from __future__ import annotations

import io
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from harness import run_workflow

from argosy.cli.tree import Printer, render_tree, short_duration
from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.base import result_of

WORKFLOW = """
metadata: {name: t}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: greet, template: say}
    - - {name: shout, template: say}
    - - {name: a, template: say}
      - {name: b, template: say}
      - {name: loop, template: say, withItems: [x, y]}
    - - {name: d, template: dag}
  - name: dag
    dag:
      tasks:
      - {name: x, template: say}
      - {name: y, template: flaky, depends: x}
      - {name: z, template: say, depends: x.Failed}
  - name: flaky
    retryStrategy: {limit: 2}
    container: {image: busybox, command: [sh, -c, "exit 1"]}
  - name: say
    container: {image: busybox, command: [sh, -c, "echo hi"]}
  - name: bye
    container: {image: busybox, command: [sh, -c, "echo bye"]}
"""


def flaky_once() -> Callable[[PodSpec], PodResult]:
    """A handler under which the first attempt of the retried pod fails, the next succeeds."""
    failed: list[str] = []

    def handle(pod: PodSpec) -> PodResult:
        if "exit 1" in pod.template["container"]["command"][-1] and not failed:
            failed.append(pod.pod_name)
            return result_of({}, exit_code=1)
        return result_of({"result": "hi"})

    return handle


@pytest.fixture(scope="module")
def tree() -> list[str]:
    engine = run_workflow(WORKFLOW, flaky_once())
    text = render_tree(engine.to_dict())
    return text[text.index("STEP"):].splitlines()


def steps_column(tree: list[str]) -> list[str]:
    width = tree[0].index("TEMPLATE")
    return [line[:width].rstrip() for line in tree]


def test_sequential_step_groups_are_siblings_and_a_group_forks(tree: list[str]) -> None:
    assert steps_column(tree)[:9] == [
        "STEP",
        " ✔ t",
        " ├───✔ greet",
        " ├───✔ shout",
        " ├─┬─✔ a",
        " │ ├─✔ b",
        " │ ├─✔ loop(0:x)",
        " │ └─✔ loop(1:y)",
        " └───✔ d",
    ]


def test_a_dag_draws_its_tasks_flat_and_hides_omitted_ones_and_single_attempts(tree: list[str]) -> None:
    rows = steps_column(tree)
    assert rows[9:13] == ["     ├─✔ x", "     ├─✔ y", "     │ ├─✖ y(0)", "     │ └─✔ y(1)"]
    assert not any(row.strip().endswith((" z", "TaskGroup")) for row in rows)


def test_the_exit_handler_is_a_tree_of_its_own(tree: list[str]) -> None:
    assert tree[-2].strip() == ""
    assert steps_column(tree)[-1] == " ✔ t.onExit"


def test_columns_are_step_template_podname_duration_message(tree: list[str]) -> None:
    assert tree[0].split() == ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"]
    greet = tree[2]
    assert greet.split()[2:5] == ["say", f"t-say-{greet.split()[-2].rsplit('-', 1)[-1]}", "0s"]
    failed = next(line for line in tree if "y(0)" in line)
    assert failed.endswith("Error (exit code 1)")


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (59, "59s"), (61, "1m"), (3600, "1h"), (90000, "1d")])
def test_duration_is_argos_short_form(seconds: int, text: str) -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(seconds=seconds)
    assert short_duration(start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")) == text


def node(nid: str, phase: str, started: float, finished: float | None = None) -> SimpleNamespace:
    return SimpleNamespace(id=nid, display_name=nid, type="Pod", phase=phase, message=None,
                           started_at=started, finished_at=finished)


def test_streaming_lines_come_in_event_order() -> None:
    out = io.StringIO()
    printer = Printer("tree", stream=out)
    engine = SimpleNamespace(name="wf", done=False)
    # as drained: in the order the nodes first changed within one batch
    printer(engine, [node("root", "Running", 1.0), node("first", "Succeeded", 1.0, 5.0),
                     node("second", "Running", 3.0), node("third", "Failed", 2.0, 4.0)])
    assert out.getvalue().splitlines() == [
        "wf root: Running", "wf second: Running", "wf third: Failed", "wf first: Succeeded"]
