"""The public names of ``argosy.testing`` and ``argosy.controller``: changing them is a decision."""

from __future__ import annotations

import argosy.controller
import argosy.testing


def test_testing_public_names() -> None:
    assert sorted(argosy.testing.__all__) == [
        "FakeClock", "FakeRuntime", "PodHandler", "PodResult", "PodSpec", "result_of", "run_workflow",
        "run_workflows",
    ]
    assert all(hasattr(argosy.testing, name) for name in argosy.testing.__all__)


def test_controller_public_names() -> None:
    assert sorted(argosy.controller.__all__) == [
        "Clock", "Controller", "FakeClock", "LEASE_SECONDS", "PERSIST_INTERVAL", "RealClock", "Recovered",
        "Resume", "Stop", "Suspend", "TimerFired", "Worker", "WorkflowEvent", "check_arguments", "data_store",
        "default_runtime", "generate_name", "loop", "prepare_workflow",
    ]
    assert all(hasattr(argosy.controller, name) for name in argosy.controller.__all__)


def test_nothing_outside_cli_imports_the_cli() -> None:
    import pathlib

    src = pathlib.Path(argosy.controller.__file__).resolve().parents[1]
    offenders = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if "cli" not in p.relative_to(src).parts[:1] and "argosy.cli" in p.read_text()]
    assert offenders == []
