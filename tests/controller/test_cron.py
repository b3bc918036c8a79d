"""The CronWorkflow scheduler on a fake clock: schedules fire, policies, deadlines, history
limits, ``when``, ``stopStrategy``, status, a restart, and backfills."""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from argosy.controller import Controller
from argosy.controller.clock import FakeClock
from argosy.controller.cron import CronScheduler
from argosy.controller.schedule import rfc3339
from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.base import RunContext, result_of
from argosy.store import open_store
from argosy.store.api import Store

T0 = datetime.fromisoformat("2026-01-05T10:00:30+00:00").timestamp()  # a Monday, 30 s past 10:00


class ManualClock(FakeClock):
    """Moves only when the test says: a waiting workflow does not push the cron's time on."""

    def idle_advance(self, until: float) -> bool:
        return False


class GatedRuntime:
    """Pods answer at once, except those running ``hold`` (they wait for ``release``) and
    ``fail`` (exit 1)."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def run(self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]) -> PodResult:
        on_started()
        command = " ".join([*(pod.template.get("container") or {}).get("command", []),
                            *(pod.template.get("container") or {}).get("args", [])])
        if "hold" in command:
            await self.gate.wait()
        return result_of(exit_code=1 if "fail" in command else 0)


def cron(name: str = "tick", schedule: str = "* * * * *", command: str = "echo hi", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"schedules": [schedule], "timezone": "UTC", **spec,
                     "workflowSpec": {"entrypoint": "main", "templates": [
                         {"name": "main", "container": {"image": "busybox", "command": command.split()}}]}}}


class Rig:
    def __init__(self, tmp: Path, store: Store, clock: FakeClock) -> None:
        self.tmp, self.store, self.clock = tmp, store, clock
        self.runtime = GatedRuntime()
        self.controller = Controller(data_dir=tmp, store=store, runtime=self.runtime, clock=clock)
        self.scheduler = CronScheduler(self.controller)

    async def settle(self) -> None:
        """Let every started workflow that can end, end (and its hooks run)."""
        for _ in range(50):
            await asyncio.sleep(0)
        for uid, run in list(self.controller._runs.items()):
            if not run.done() and not self.controller.workers[uid].handles:
                await asyncio.wait_for(run, 10)
        await asyncio.sleep(0.01)
        for task in list(self.scheduler._followups):
            await task

    async def at(self, seconds: float) -> None:
        """Advance the clock to T0 + seconds and run what is due."""
        self.clock.t = T0 + seconds
        await self.scheduler.run_once()
        await self.settle()

    def status(self, name: str = "tick") -> dict[str, Any]:
        record = self.store.get_object("CronWorkflow", "default", name)
        assert record is not None
        return record.to_object().get("status") or {}

    def workflows(self, name: str = "tick") -> dict[str, str]:
        page = self.store.list_workflows("default", label_selector=f"workflows.argoproj.io/cron-workflow={name}")
        return {r.name: r.phase for r in page.items}

    async def close(self) -> None:
        self.runtime.gate.set()
        await self.scheduler.stop()
        await asyncio.wait_for(self.controller.wait_all(), 10)
        await self.controller.close()


def sync(test: Callable[..., Any]) -> Callable[..., Any]:
    """Run an async test on a fresh loop; a ``rig`` argument is built from ``tmp_path``."""
    params = inspect.signature(test).parameters
    wants_rig = "rig" in params

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def body() -> None:
            if not wants_rig:
                await test(*args, **kwargs)
                return
            tmp = kwargs.pop("tmp_path")
            store = open_store(tmp / "argosy.db")
            r = Rig(tmp, store, ManualClock(T0))
            try:
                await test(*args, rig=r, **kwargs)
            finally:
                await r.close()
                store.close()

        asyncio.run(body())

    if wants_rig:
        names = [p for p in params.values() if p.name != "rig"]
        names.append(inspect.Parameter("tmp_path", inspect.Parameter.KEYWORD_ONLY))
        wrapper.__signature__ = inspect.Signature(names)  # type: ignore[attr-defined]
    return wrapper


def run_name(cron_name: str, minute: int) -> str:
    return f"{cron_name}-{int(T0 - 30 + 60 * minute)}"


@sync
async def test_a_due_schedule_makes_the_workflow_argo_makes(rig: Rig) -> None:
    created = rig.store.create_object("CronWorkflow", cron(workflowMetadata={"labels": {"team": "a"}})).to_object()
    await rig.scheduler.start(loop=False)
    assert rig.workflows() == {}
    await rig.at(30)  # 10:01:00
    name = run_name("tick", 1)
    assert rig.workflows() == {name: "Succeeded"}
    wf = rig.store.find_workflow("default", name, with_nodes=False).to_workflow()
    meta = wf["metadata"]
    assert meta["labels"]["workflows.argoproj.io/cron-workflow"] == "tick"
    assert meta["labels"]["team"] == "a"
    assert meta["annotations"]["workflows.argoproj.io/scheduled-time"] == "2026-01-05T10:01:00Z"
    assert meta["ownerReferences"] == [{"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
                                        "name": "tick", "uid": created["metadata"]["uid"],
                                        "controller": True, "blockOwnerDeletion": True}]
    status = rig.status()
    assert status["lastScheduledTime"] == "2026-01-05T10:01:00Z"
    assert status["phase"] == "Active"
    assert status["active"] == []
    assert status["succeeded"] == 1 and not status.get("failed")


@sync
async def test_a_late_wake_runs_a_schedule_once_as_robfig_does(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron())
    await rig.scheduler.start(loop=False)
    await rig.at(5 * 60)  # 10:05:30: slept through five due times
    assert list(rig.workflows()) == [run_name("tick", 1)]
    await rig.at(30 + 5 * 60)
    assert set(rig.workflows()) == {run_name("tick", 1), run_name("tick", 6)}


@sync
async def test_suspend_skips_runs(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(suspend=True))
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    assert rig.workflows() == {}
    assert "lastScheduledTime" not in rig.status()


@sync
async def test_forbid_skips_while_a_run_is_active(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(command="sh hold", concurrencyPolicy="Forbid"))
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    await rig.at(90)
    assert list(rig.workflows()) == [run_name("tick", 1)]
    assert [a["name"] for a in rig.status()["active"]] == [run_name("tick", 1)]
    rig.runtime.gate.set()
    await rig.settle()
    assert rig.status()["active"] == []
    await rig.at(150)
    assert set(rig.workflows()) == {run_name("tick", 1), run_name("tick", 3)}


@sync
async def test_allow_runs_alongside(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(command="sh hold"))
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    await rig.at(90)
    assert rig.workflows() == {run_name("tick", 1): "Running", run_name("tick", 2): "Running"}
    assert len(rig.status()["active"]) == 2


@sync
async def test_replace_terminates_the_active_run(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(command="sh hold", concurrencyPolicy="Replace"))
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    await rig.at(90)
    await rig.settle()
    await asyncio.wait_for(rig.controller.wait(rig.store.find_workflow(
        "default", run_name("tick", 1), with_nodes=False).uid), 10)
    await rig.settle()
    assert rig.workflows() == {run_name("tick", 1): "Failed", run_name("tick", 2): "Running"}
    status = rig.status()
    assert [a["name"] for a in status["active"]] == [run_name("tick", 2)]
    assert status["failed"] == 1


@pytest.mark.parametrize(("limits", "kept_ok", "kept_failed"), [
    ({}, 3, 1),
    ({"successfulJobsHistoryLimit": 1, "failedJobsHistoryLimit": 2}, 1, 2),
    ({"successfulJobsHistoryLimit": 0, "failedJobsHistoryLimit": 0}, 0, 0),
], ids=["defaults-3-1", "1-2", "0-0"])
@sync
async def test_history_limits_delete_the_oldest_finished_runs(rig: Rig, limits: dict, kept_ok: int,
                                                             kept_failed: int) -> None:
    rig.store.create_object("CronWorkflow", cron("ok", **limits))
    rig.store.create_object("CronWorkflow", cron("bad", command="sh fail", **limits))
    await rig.scheduler.start(loop=False)
    for minute in range(1, 6):
        await rig.at(30 + 60 * (minute - 1))
    ok = rig.workflows("ok")
    assert sorted(ok) == [run_name("ok", m) for m in range(6 - kept_ok, 6)]
    assert sorted(rig.workflows("bad")) == [run_name("bad", m) for m in range(6 - kept_failed, 6)]
    assert rig.status("ok")["succeeded"] == 5
    assert rig.status("bad")["failed"] == 5


@sync
async def test_when_sees_last_scheduled_time(rig: Rig) -> None:
    # cron-when.yaml's expression: at most one run per 360 s. Its now() is the wall clock
    # (Go's time.Now(), and expr's builtin here), so the stored last run is set against it.
    when = "{{= cronworkflow.lastScheduledTime == nil || (now() - cronworkflow.lastScheduledTime).Seconds() > 360 }}"
    rig.store.create_object("CronWorkflow", cron(when=when))
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    assert list(rig.workflows()) == [run_name("tick", 1)]  # never ran: nil

    def ran_ago(seconds: float) -> None:
        record = rig.store.get_object("CronWorkflow", "default", "tick")
        status = {**record.body["status"], "lastScheduledTime": rfc3339(time.time() - seconds)}
        rig.store.update_object("CronWorkflow", {**record.body, "status": status})

    ran_ago(100)
    await rig.at(90)
    assert len(rig.workflows()) == 1
    ran_ago(400)
    await rig.at(150)
    assert sorted(rig.workflows()) == [run_name("tick", 1), run_name("tick", 3)]


@pytest.mark.parametrize(("when", "runs"), [
    ("{{cronworkflow.name}} == tick", 1),
    ("{{= cronworkflow.namespace == 'default' && cronworkflow.labels.team == 'a' }}", 1),
    ("{{= cronworkflow.annotations.note == 'x' }}", 1),
    ("{{= cronworkflow.succeeded > 5 }}", 0),
    ("false", 0),
], ids=["name", "namespace-labels", "annotations", "succeeded", "false"])
@sync
async def test_when_variables(rig: Rig, when: str, runs: int) -> None:
    body = cron(when=when)
    body["metadata"].update(labels={"team": "a"}, annotations={"note": "x"})
    rig.store.create_object("CronWorkflow", body)
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    assert len(rig.workflows()) == runs


@sync
async def test_a_when_that_cannot_be_evaluated_is_a_submission_error(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(when="{{= nosuch.thing > }}"))
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    status = rig.status()
    assert rig.workflows() == {}
    [condition] = status["conditions"]
    assert condition["type"] == "SubmissionError" and condition["status"] == "True"
    assert condition["message"].startswith("run policy error: ")
    assert status["failed"] == 1


@sync
async def test_stop_strategy_stops_the_cron_workflow(rig: Rig) -> None:
    body = cron(command="sh fail", stopStrategy={"expression": "cronworkflow.failed >= 2"})
    rig.store.create_object("CronWorkflow", body)
    await rig.scheduler.start(loop=False)
    for minute in range(1, 5):
        await rig.at(30 + 60 * (minute - 1))
    status = rig.status()
    assert status["phase"] == "Stopped"
    assert status["failed"] == 2
    assert len(rig.store.list_workflows("default").items) <= 2  # no third run was made
    record = rig.store.get_object("CronWorkflow", "default", "tick")
    assert record.body["metadata"]["labels"]["cronworkflows.argoproj.io/completed"] == "true"


@sync
async def test_a_submission_the_api_refuses_is_a_condition(rig: Rig) -> None:
    body = cron()
    body["spec"]["workflowSpec"] = {"workflowTemplateRef": {"name": "nowhere"}}
    rig.store.create_object("CronWorkflow", body)
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    [condition] = rig.status()["conditions"]
    assert condition["type"] == "SubmissionError"
    assert condition["message"].startswith("Failed to submit Workflow: ")
    assert "nowhere" in condition["message"]
    # fixed: the next run clears it
    body["spec"]["workflowSpec"] = cron()["spec"]["workflowSpec"]
    rig.store.update_object("CronWorkflow", {**body, "status": rig.status()})
    await rig.at(31)  # the API wakes the scheduler: the changed spec registers from now
    await rig.at(90)
    assert "conditions" not in rig.status()
    assert rig.status()["lastScheduledTime"] == "2026-01-05T10:02:00Z"


@sync
async def test_multiple_schedules_at_one_time_make_one_run(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", {**cron(), "spec": {**cron(successfulJobsHistoryLimit=10)["spec"],
                                                                "schedules": ["*/2 * * * *", "*/3 * * * *"]}})
    await rig.scheduler.start(loop=False)
    for minute in range(1, 7):
        await rig.at(30 + 60 * (minute - 1))
    assert sorted(rig.workflows()) == sorted(run_name("tick", m) for m in (2, 3, 4, 6))
    assert "conditions" not in rig.status()


@sync
async def test_a_changed_schedule_registers_from_now(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(schedule="0 * * * *"))
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    assert rig.workflows() == {}
    record = rig.store.get_object("CronWorkflow", "default", "tick")
    rig.store.update_object("CronWorkflow", {**record.body, "spec": {**record.body["spec"], "schedules": ["*/5 * * * *"]}})
    await rig.at(31)  # the API wakes the scheduler: the changed spec registers from now
    await rig.at(60 * 4 + 30)
    assert list(rig.workflows()) == [run_name("tick", 5)]
    record = rig.store.get_object("CronWorkflow", "default", "tick")
    assert record.body["metadata"]["annotations"]["cronworkflows.argoproj.io/last-used-schedule"] == \
        "CRON_TZ=UTC */5 * * * *"


@sync
async def test_a_deleted_cron_workflow_stops_running(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron())
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    rig.store.delete_object("CronWorkflow", "default", "tick")
    await rig.at(90)
    assert list(rig.workflows()) == [run_name("tick", 1)]


@pytest.mark.parametrize(("deadline", "down_until", "expected"), [
    # down from 10:01:30 to 10:05:20: the latest missed run (10:05) is 20 s old
    (None, 290, []),
    (0, 290, []),
    (30, 290, [5]),
    (10, 290, []),
    (3600, 290, [5]),  # only the most recent missed run, never a catch-up of each
], ids=["no-deadline", "deadline-0", "within", "past", "long-deadline-one-run"])
@sync
async def test_restart_runs_the_latest_missed_run_within_the_deadline(
        tmp_path: Path, deadline: int | None, down_until: int, expected: list[int]) -> None:
    store = open_store(tmp_path / "argosy.db")
    clock = ManualClock(T0)
    first = Rig(tmp_path, store, clock)
    spec = {} if deadline is None else {"startingDeadlineSeconds": deadline}
    store.create_object("CronWorkflow", cron(**spec))
    await first.scheduler.start(loop=False)
    await first.at(30)
    await first.close()  # the server stops at 10:01:30 ...
    clock.t = T0 + down_until  # ... and starts again at 10:05:20
    second = Rig(tmp_path, store, clock)
    await second.scheduler.start(loop=False)
    await second.settle()
    try:
        assert sorted(second.workflows()) == sorted([run_name("tick", 1)] + [run_name("tick", m) for m in expected])
        if expected:
            assert second.status()["lastScheduledTime"] == rfc3339(T0 - 30 + 60 * expected[-1])
        await second.at(down_until + 60)  # and the schedule goes on from now
        assert run_name("tick", 6) in second.workflows()
    finally:
        await second.close()
        store.close()


@sync
async def test_restart_finds_runs_that_ended_while_no_scheduler_listened(tmp_path: Path) -> None:
    store = open_store(tmp_path / "argosy.db")
    clock = ManualClock(T0)
    first = Rig(tmp_path, store, clock)
    store.create_object("CronWorkflow", cron(command="sh hold"))
    await first.scheduler.start(loop=False)
    await first.at(30)
    await first.scheduler.stop()  # the scheduler is gone; the run ends without it
    first.runtime.gate.set()
    await asyncio.wait_for(first.controller.wait_all(), 10)
    assert first.status()["active"]
    second = CronScheduler(first.controller)
    await second.start(loop=False)
    try:
        status = first.status()
        assert status["active"] == [] and status["succeeded"] == 1
    finally:
        await second.stop()
        await first.controller.close()
        store.close()


@sync
async def test_backfill_runs_each_time_at_most_n_at_once(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(schedule="0 2 * * *", command="sh hold", when="false"))
    await rig.scheduler.start(loop=False)
    start = datetime.fromisoformat("2026-01-01T00:00:00+00:00").timestamp()
    answer = await rig.scheduler.backfills.create("default", "tick", start, start + 4 * 86400, parallelism=2)
    assert answer["scheduledTimes"] == [f"2026-01-0{d}T02:00:00Z" for d in range(1, 5)]
    assert answer["workflows"] == [f"tick-{int(start + 7200 + 86400 * d)}" for d in range(4)]
    await rig.settle()
    assert sorted(rig.workflows()) == answer["workflows"][:2]  # `when` is not applied to a backfill
    wf = rig.store.find_workflow("default", answer["workflows"][0], with_nodes=False).to_workflow()
    assert wf["metadata"]["annotations"]["workflows.argoproj.io/scheduled-time"] == "2026-01-01T02:00:00Z"
    rig.runtime.gate.set()
    for _ in range(5):
        await rig.settle()
    assert rig.workflows() == {name: "Succeeded" for name in answer["workflows"]}
    [backfill] = rig.scheduler.backfills.list("default", "tick")
    assert backfill["status"]["phase"] == "Completed" and backfill["status"]["submitted"] == 4
    assert rig.status().get("active") in (None, [])  # the schedule's bookkeeping is untouched
    assert "lastScheduledTime" not in rig.status()


@sync
async def test_backfill_goes_on_after_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path / "argosy.db")
    clock = ManualClock(T0)
    first = Rig(tmp_path, store, clock)
    store.create_object("CronWorkflow", cron(schedule="0 * * * *", command="sh hold"))
    await first.scheduler.start(loop=False)
    answer = await first.scheduler.backfills.create("default", "tick", T0 - 3 * 3600, T0, parallelism=1)
    assert len(answer["workflows"]) == 3
    await first.scheduler.stop()
    first.runtime.gate.set()  # the first run ends while no scheduler listens
    await asyncio.wait_for(first.controller.wait_all(), 10)
    await first.controller.close()
    second = Rig(tmp_path, store, clock)
    second.runtime.gate.set()
    await second.scheduler.start(loop=False)
    try:
        for _ in range(5):
            await second.settle()
        assert second.workflows() == {name: "Succeeded" for name in answer["workflows"]}
    finally:
        await second.close()
        store.close()


@pytest.mark.parametrize(("start", "end", "parallelism", "message"), [
    (T0, T0 - 1, 1, "is before start"),
    (T0, T0 + 60, 0, "parallelism must be at least 1"),
    (T0, T0 + 86400 * 30, 1, "more than 10000"),
], ids=["reversed", "parallelism-0", "too-many"])
@sync
async def test_backfill_refuses_what_it_cannot_do(rig: Rig, start: float, end: float, parallelism: int,
                                                  message: str) -> None:
    from argosy.errors import InvalidArgument

    rig.store.create_object("CronWorkflow", cron())
    with pytest.raises(InvalidArgument, match=message):
        await rig.scheduler.backfills.create("default", "tick", start, end, parallelism)


def test_corpus_when_expression_is_the_one_tested() -> None:
    corpus = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "argo-examples" / "cron-when.yaml"
    if corpus.is_file():
        assert "lastScheduledTime" in yaml.safe_load(corpus.read_text())["spec"]["when"]


@sync
async def test_a_schedule_the_store_holds_but_cannot_run_is_a_spec_error(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(schedule="every day"))  # the API would refuse it
    await rig.scheduler.start(loop=False)
    await rig.at(30)
    [condition] = rig.status()["conditions"]
    assert condition["type"] == "SpecError" and condition["status"] == "True"
    assert "spec.schedules[0]: cron schedule every day is malformed: expected exactly 5 fields" in condition["message"]
    assert rig.workflows() == {}


@sync
async def test_every_runs_at_its_delay_from_registration(rig: Rig) -> None:
    rig.store.create_object("CronWorkflow", cron(schedule="@every 90s"))
    await rig.scheduler.start(loop=False)  # registered at 10:00:30
    await rig.at(89)
    assert rig.workflows() == {}
    await rig.at(90)  # 10:02:00
    await rig.at(180)  # 10:03:30
    assert sorted(rig.workflows()) == [f"tick-{int(T0 + 90)}", f"tick-{int(T0 + 180)}"]
