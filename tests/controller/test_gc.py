"""TTL, archiving, archive retention and artifact GC of finished workflows (controller.gc),
on a fake clock: due times come from the store, so a new Controller on the same store finds
them again (a restart), and each deletion happens exactly when the clock reaches it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from argosy.controller import Controller, FakeClock, data_store
from argosy.controller.gc import delete_workflow
from argosy.controller.ttl import RetentionConfig, expires_at, ttl_strategy
from argosy.engine.intents import PodResult, PodSpec
from argosy.testing import FakeRuntime

START = 1_700_000_000.0


def workflow(name: str, *, ttl: dict[str, Any] | None = None, fail: bool = False,
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"entrypoint": "main", "templates": [
        {"name": "main", "container": {"image": "busybox", "command": ["exit 1" if fail else "true"]}}]}
    if ttl is not None:
        spec["ttlStrategy"] = ttl
    spec.update(extra or {})
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": name}, "spec": spec}


def handler(pod: PodSpec) -> PodResult:
    command = pod.template["container"]["command"][0]
    return PodResult(phase="Failed", exit_code=1) if command == "exit 1" else PodResult(phase="Succeeded", exit_code=0)


def controller(data: Path, clock: FakeClock, config: RetentionConfig | None = None) -> Controller:
    c = Controller(data_dir=data, store=data_store(data), runtime=FakeRuntime(handler), clock=clock)
    if config is not None:
        c.gc.config = config
    return c


async def run_all(c: Controller, *bodies: dict[str, Any]) -> list[str]:
    uids = [c.submit(b) for b in bodies]
    for uid in uids:
        await c.wait(uid)
    await c.gc.drain()
    return uids


@pytest.mark.parametrize(("ttl", "phase", "seconds"), [
    ({"secondsAfterCompletion": 10}, "Succeeded", 10),
    ({"secondsAfterCompletion": 10}, "Failed", 10),
    ({"secondsAfterCompletion": 10}, "Error", 10),
    ({"secondsAfterSuccess": 5, "secondsAfterCompletion": 10}, "Succeeded", 5),
    ({"secondsAfterSuccess": 5, "secondsAfterCompletion": 10}, "Failed", 10),
    ({"secondsAfterFailure": 3, "secondsAfterCompletion": 10}, "Failed", 3),
    # Argo's Failed() is the Failed phase only: an Error falls back to secondsAfterCompletion
    ({"secondsAfterFailure": 3, "secondsAfterCompletion": 10}, "Error", 10),
    ({"secondsAfterFailure": 3}, "Error", None),
    ({"secondsAfterSuccess": 5}, "Failed", None),
    ({}, "Succeeded", None),
    ({"secondsAfterCompletion": 10}, "Running", None),
], ids=lambda v: str(v))
def test_ttl_rules(ttl: dict[str, int], phase: str, seconds: int | None) -> None:
    due = expires_at(workflow("w", ttl=ttl), phase, START)
    assert due == (None if seconds is None else START + seconds)


def test_default_ttl_fills_the_fields_a_workflow_does_not_set() -> None:
    default = {"secondsAfterCompletion": 100, "secondsAfterFailure": 7}
    assert ttl_strategy(workflow("w", ttl={"secondsAfterSuccess": 1}), default) == {
        "secondsAfterCompletion": 100, "secondsAfterFailure": 7, "secondsAfterSuccess": 1}
    assert expires_at(workflow("w"), "Succeeded", START, default) == START + 100
    # a WorkflowTemplate's strategy counts when the workflow has none
    stored = {**workflow("w"), "status": {"storedWorkflowTemplateSpec": {"ttlStrategy": {"secondsAfterSuccess": 2}}}}
    assert expires_at(stored, "Succeeded", START) == START + 2


def test_ttl_deletes_each_workflow_when_its_time_comes(tmp_path: Path) -> None:
    async def go() -> None:
        clock = FakeClock(START)
        c = controller(tmp_path, clock)
        ok, bad, keep = await run_all(
            c, workflow("ok", ttl={"secondsAfterSuccess": 5, "secondsAfterFailure": 20}),
            workflow("bad", ttl={"secondsAfterSuccess": 5, "secondsAfterFailure": 20}, fail=True),
            workflow("keep"))
        assert c.store is not None
        assert await c.gc.collect_due() == []
        clock.advance(4)
        assert await c.gc.collect_due() == []
        clock.advance(1)
        assert await c.gc.collect_due() == [ok]
        assert c.store.get_workflow(ok) is None and c.store.get_workflow(bad) is not None
        clock.advance(15)
        assert await c.gc.collect_due() == [bad]
        clock.advance(10_000)
        assert await c.gc.collect_due() == []
        assert c.store.get_workflow(keep) is not None
        await c.close()
        c.store.close()

    asyncio.run(go())


def test_ttl_due_times_survive_a_restart(tmp_path: Path) -> None:
    """A new Controller on the same store finds the due deletions (nothing kept in memory)."""
    async def first() -> str:
        c = controller(tmp_path, FakeClock(START))
        [uid] = await run_all(c, workflow("ttl", ttl={"secondsAfterCompletion": 30}))
        await c.close()
        assert c.store is not None
        c.store.close()
        return uid

    async def second(uid: str) -> None:
        clock = FakeClock(START + 10)
        c = controller(tmp_path, clock)
        assert c.gc.load() == 1
        assert await c.gc.collect_due() == []
        clock.advance(20)
        assert await c.gc.collect_due() == [uid]
        assert c.store is not None and c.store.get_workflow(uid) is None
        c.store.close()

    uid = asyncio.run(first())
    asyncio.run(second(uid))


def test_the_running_loop_deletes_on_the_fake_clock(tmp_path: Path) -> None:
    """``run`` sleeps on the Controller's clock: a fake clock jumps to the due time."""
    async def go() -> None:
        clock = FakeClock(START)
        c = controller(tmp_path, clock)
        await c.gc.start()
        [uid] = await run_all(c, workflow("loop", ttl={"secondsAfterCompletion": 3600}))
        assert c.store is not None
        for _ in range(200):
            if c.store.get_workflow(uid) is None:
                break
            await asyncio.sleep(0.01)
        assert c.store.get_workflow(uid) is None
        assert clock.now() >= START + 3600
        await c.close()
        c.store.close()

    asyncio.run(go())


def test_with_the_archive_on_a_deleted_workflow_stays_readable_there(tmp_path: Path) -> None:
    async def go() -> None:
        clock = FakeClock(START)
        c = controller(tmp_path, clock, RetentionConfig.of(archive=True))
        [uid] = await run_all(c, workflow("arch", ttl={"secondsAfterCompletion": 1}))
        assert c.store is not None
        archived = c.store.get_archived_workflow(uid)
        assert archived is not None and archived.phase == "Succeeded"  # archived as it ended
        clock.advance(1)
        assert await c.gc.collect_due() == [uid]
        assert c.store.find_workflow("default", "arch") is None
        found = c.store.find_archived_workflow("default", "arch")
        assert found is not None and found.uid == uid and found.status.get("nodes")
        await c.close()
        c.store.close()

    asyncio.run(go())


def test_archive_ttl_deletes_archived_workflows_older_than_it(tmp_path: Path) -> None:
    async def go() -> None:
        clock = FakeClock(START)
        c = controller(tmp_path, clock, RetentionConfig.of(archive=True, archive_ttl="1h"))
        old, = await run_all(c, workflow("old"))
        clock.advance(1800)
        new, = await run_all(c, workflow("new"))
        assert c.store is not None
        await c.gc.collect_due()
        assert c.store.get_archived_workflow(old) is not None
        clock.advance(1800)
        await c.gc.collect_due()
        assert c.store.get_archived_workflow(old) is None
        assert c.store.get_archived_workflow(new) is not None
        clock.advance(1800)
        await c.gc.collect_due()
        assert c.store.get_archived_workflow(new) is None
        # the live workflows are Argo's to delete by TTL, not by archiveTTL
        assert c.store.get_workflow(old) is not None
        await c.close()
        c.store.close()

    asyncio.run(go())


def test_archive_ttl_accepts_days_and_refuses_nonsense() -> None:
    assert RetentionConfig.of(archive_ttl="7d").archive_ttl == 7 * 86400
    assert RetentionConfig.of(archive_ttl="12h").archive_ttl == 12 * 3600
    assert RetentionConfig.of(archive_ttl="").archive_ttl is None
    with pytest.raises(Exception, match="duration"):
        RetentionConfig.of(archive_ttl="soon")
    with pytest.raises(ValueError, match="secondsAfterEver"):
        RetentionConfig.of(default_ttl={"secondsAfterEver": 1})


def test_deleting_a_workflow_runs_the_deleted_hooks(tmp_path: Path) -> None:
    """The cascade seam: a hook sees each deleted record (children are deleted from there)."""
    async def go() -> None:
        c = controller(tmp_path, FakeClock(START))
        parent, child = await run_all(c, workflow("parent"), workflow("child"))
        seen: list[str] = []

        async def cascade(record: Any) -> None:
            seen.append(record.name)
            if record.uid == parent:
                await delete_workflow(c, child)

        c.gc.deleted_hooks.append(cascade)
        assert await delete_workflow(c, parent)
        assert seen == ["parent", "child"]
        assert c.store is not None and c.store.get_workflow(child) is None
        assert not await delete_workflow(c, parent)  # gone already
        await c.close()
        c.store.close()

    asyncio.run(go())


ARTIFACTS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: artifact-gc}
spec:
  entrypoint: main
  artifactGC: {strategy: OnWorkflowDeletion}
  templates:
  - name: main
    container:
      image: busybox
      command: [sh, -c, "echo a > /tmp/c.txt; echo b > /tmp/d.txt; echo k > /tmp/k.txt"]
    outputs:
      artifacts:
      - {name: on-completion, path: /tmp/c.txt, artifactGC: {strategy: OnWorkflowCompletion}}
      - {name: on-deletion, path: /tmp/d.txt}
      - {name: keep, path: /tmp/k.txt, artifactGC: {strategy: Never}}
"""


def _artifacts(c: Controller, uid: str) -> dict[str, dict[str, Any]]:
    assert c.store is not None
    record = c.store.get_workflow(uid) or c.store.get_archived_workflow(uid)
    assert record is not None
    [pod] = [n for n in record.status["nodes"].values() if n["type"] == "Pod"]
    return {a["name"]: a for a in pod["outputs"]["artifacts"]}


def _files(data: Path) -> set[str]:
    return {p.name.split(".")[0] for p in (data / "artifacts").rglob("*") if p.is_file()}


def test_artifact_gc_on_completion_and_on_deletion_in_the_local_repository(tmp_path: Path) -> None:
    import yaml

    async def go() -> None:
        c = Controller(data_dir=tmp_path, store=data_store(tmp_path), clock=FakeClock(START))
        c.gc.config = RetentionConfig.of(archive=True)
        [uid] = await run_all(c, yaml.safe_load(ARTIFACTS))
        arts = _artifacts(c, uid)
        assert arts["on-completion"].get("deleted") is True
        assert not arts["on-deletion"].get("deleted") and not arts["keep"].get("deleted")
        assert _files(tmp_path) == {"on-deletion", "keep"}
        assert c.store is not None
        status = c.store.get_workflow(uid).status  # type: ignore[union-attr]
        assert status["artifactGCStatus"] == {"strategiesProcessed": {"OnWorkflowCompletion": True}}
        assert await delete_workflow(c, uid)
        assert _files(tmp_path) == {"keep"}
        # the archive keeps the record of what was deleted
        arts = _artifacts(c, uid)
        assert arts["on-deletion"].get("deleted") is True and not arts["keep"].get("deleted")
        await c.close()
        c.store.close()

    asyncio.run(go())


def _pod(labels: dict[str, str] | None = None) -> PodSpec:
    template: dict[str, Any] = {"name": "t", "container": {"image": "busybox"}}
    if labels is not None:
        template["metadata"] = {"labels": labels}
    return PodSpec(node_id="n", pod_name="wf-t-1", workflow_name="wf", namespace="default", workflow_uid="u",
                   template=template)


@pytest.mark.parametrize(("pod_gc", "phase", "at_pod_end", "at_workflow_end"), [
    ({}, "Succeeded", None, False),
    ({"strategy": "OnPodCompletion"}, "Failed", 0.0, False),
    ({"strategy": "OnPodSuccess"}, "Succeeded", 0.0, False),
    ({"strategy": "OnPodSuccess"}, "Failed", None, False),
    ({"strategy": "OnWorkflowCompletion"}, "Failed", None, True),
    ({"strategy": "OnWorkflowSuccess"}, "Failed", None, False),
    ({"strategy": "OnWorkflowSuccess"}, "Succeeded", None, True),
    ({"strategy": "OnPodCompletion", "deleteDelayDuration": "1m"}, "Failed", 60.0, False),
    ({"strategy": "OnPodCompletion", "deleteDelayDuration": "30"}, "Failed", 30.0, False),
    ({"strategy": "OnPodCompletion", "labelSelector": {"matchLabels": {"gc": "yes"}}}, "Failed", None, False),
], ids=lambda v: str(v))
def test_pod_gc_rules(pod_gc: dict[str, Any], phase: str, at_pod_end: float | None, at_workflow_end: bool) -> None:
    from argosy.controller.podgc import PodGC

    rules = PodGC.of({"spec": {"podGC": pod_gc}})
    assert rules.at_pod_end(_pod(), phase) == at_pod_end
    wf_phase = "Succeeded" if phase == "Succeeded" else "Failed"
    assert rules.at_workflow_end(wf_phase) is at_workflow_end


@pytest.mark.parametrize(("selector", "labels", "selected"), [
    ({}, {}, True),
    ({"matchLabels": {"gc": "yes"}}, {"gc": "yes"}, True),
    ({"matchLabels": {"gc": "yes"}}, {"gc": "no"}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}, {"tier": "b"}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]}, {}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, {}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, {"tier": "a"}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"tier": ""}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"tier": "x"}, False),
    ({"matchLabels": {"workflows.argoproj.io/workflow": "wf"}}, {}, True),  # the label every pod has
], ids=lambda v: str(v))
def test_pod_gc_label_selector(selector: dict[str, Any], labels: dict[str, str], selected: bool) -> None:
    from argosy.controller.podgc import PodGC

    rules = PodGC.of({"spec": {"podGC": {"strategy": "OnPodCompletion", "labelSelector": selector}}})
    assert (rules.at_pod_end(_pod(labels), "Succeeded") is not None) is selected


def test_pod_metadata_labels_count_and_the_server_default_applies_only_without_pod_gc() -> None:
    from argosy.controller.podgc import PodGC

    wf = {"spec": {"podMetadata": {"labels": {"team": "x"}},
                   "podGC": {"strategy": "OnPodCompletion", "labelSelector": {"matchLabels": {"team": "x"}}}}}
    assert PodGC.of(wf).at_pod_end(_pod(), "Failed") == 0.0
    default = {"strategy": "OnPodSuccess"}
    assert PodGC.of({"spec": {}}, default).strategy == "OnPodSuccess"
    assert PodGC.of({"spec": {"podGC": {"strategy": "OnWorkflowCompletion"}}}, default).strategy == \
        "OnWorkflowCompletion"
