"""A store that cannot be written (disk full, locked) mid-run: the workflow still goes to its
end with its exit handler, the changes are written when the store recovers, and ``argosy run``
ends with one line saying so and a non-zero exit."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from argosy.cli import main as cli
from argosy.controller import Controller, data_store, prepare_workflow
from argosy.errors import StoreFull
from argosy.spec import ObjectSet, load_text
from argosy.testing import FakeRuntime, result_of

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: full-disk}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: a, template: work}
    - - {name: b, template: work}
  - name: work
    container: {image: busybox, command: [echo, hi]}
  - name: bye
    container: {image: busybox, command: [echo, bye]}
"""


class FailingStore:
    """A real store whose progress writes fail while ``failing`` is set (as a full disk makes them)."""

    def __init__(self, store: Any, failing: bool = False) -> None:
        self.store = store
        self.failing = failing
        self.failures = 0

    def save_progress(self, *args: Any, **kwargs: Any) -> None:
        if self.failing:
            self.failures += 1
            raise StoreFull(self.store.location, "database or disk is full", "free disk space and run again")
        self.store.save_progress(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def run(tmp_path: Path, store: FailingStore, heal_after: int | None) -> tuple[Any, Controller]:
    def handler(pod: Any) -> Any:
        store.failing = heal_after is None or store.failures < heal_after
        return result_of({"result": "hi"})

    async def go() -> tuple[Any, Controller]:
        controller = Controller(data_dir=tmp_path, store=store, runtime=FakeRuntime(handler))
        [engine] = await controller.run([prepare_workflow(load_text(WORKFLOW)[0].body, ObjectSet())])
        store.failing = heal_after is None
        await controller.close()
        return engine, controller

    return asyncio.run(go())


def test_store_failing_to_the_end_is_reported_and_the_exit_handler_ran(tmp_path: Path) -> None:
    store = FailingStore(data_store(tmp_path))
    engine, controller = run(tmp_path, store, heal_after=None)
    store.store.close()
    assert engine.phase == "Succeeded"
    assert {n.display_name: n.phase for n in engine.nodes}["full-disk.onExit"] == "Succeeded"
    [error] = controller.store_errors()
    assert str(error).endswith("database or disk is full; free disk space and run again")


def test_store_that_recovers_gets_every_change(tmp_path: Path) -> None:
    store = FailingStore(data_store(tmp_path))
    engine, controller = run(tmp_path, store, heal_after=1)
    assert controller.store_errors() == []
    saved = store.store.find_workflow("default", "full-disk")
    store.store.close()
    assert saved.phase == "Succeeded"
    assert {n["displayName"]: n["phase"] for n in saved.status["nodes"].values()} == {
        n.display_name: n.phase for n in engine.nodes}


def test_cli_says_so_in_one_line_and_exits_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from argosy.controller import controller as controller_module

    real = controller_module.data_store
    monkeypatch.setattr(controller_module, "data_store", lambda d: FailingStore(real(d), failing=True))
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    code = cli.main(["run", str(wf), "--data-dir", str(tmp_path / "data"), "-o", "name"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("argosy: the store could not be written") and "database or disk is full" in err
