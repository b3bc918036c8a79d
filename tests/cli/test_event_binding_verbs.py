"""``argosy event-binding …`` and ``argosy event send`` against a real ``argosy server``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from serverkit import ROOT, RunningServer

from argosy.cli.main import main

EXAMPLES = ROOT / "examples" / "events"


def test_create_list_get_send_delete(argosy, server: RunningServer) -> None:
    assert argosy("template", "create", str(EXAMPLES / "onboard-template.yaml"))[0] == 0
    code, out, _ = argosy("event-binding", "create", str(EXAMPLES / "onboard-binding.yaml"))
    assert code == 0 and "onboard" in out and "WorkflowTemplate/onboard" in out
    code, out, _ = argosy("event-binding", "list")
    assert code == 0 and out.split("\n")[0].split() == ["NAME", "AGE", "TEMPLATE", "SELECTOR"]
    assert "discriminator" in out
    assert argosy("event-binding", "get", "onboard", "-o", "name")[1].strip() == "onboard"
    code, out, _ = argosy("event", "send", "onboard", "-d", '{"user": "grace", "team": "ops"}')
    assert code == 0 and "default/onboard" in out
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        code, out, _ = argosy("list", "-o", "name")
        if out.strip():
            break
        time.sleep(0.1)
    assert out.strip().startswith("onboard-")
    code, out, _ = argosy("event-binding", "delete", "onboard")
    assert code == 0 and "deleted" in out
    code, _, err = argosy("event-binding", "get", "onboard")
    assert code == 1 and 'workfloweventbindings.argoproj.io "onboard" not found' in err


def test_lint_on_the_server_reports_expressions(argosy, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: argoproj.io/v1alpha1\nkind: WorkflowEventBinding\nmetadata: {name: bad}\n"
                   "spec: {event: {selector: 'payload.x =='}}\n")
    code, out, _ = argosy("event-binding", "lint", str(bad))
    assert code == 1 and "spec.event.selector" in out
    assert argosy("event-binding", "lint", str(EXAMPLES / "onboard-binding.yaml"))[0] == 0


def test_a_file_of_another_kind_and_bad_json_say_what_to_do(argosy) -> None:
    code, _, err = argosy("event-binding", "create", str(EXAMPLES / "onboard-template.yaml"))
    assert code == 1 and "expected WorkflowEventBinding objects, found WorkflowTemplate" in err
    code, _, err = argosy("event", "send", "x", "-d", "{nope")
    assert code == 1 and "--data must be JSON" in err


@pytest.mark.parametrize("verb", [["event-binding", v] for v in ("create", "get", "list", "delete", "lint")]
                         + [["event", "send"]], ids=lambda v: " ".join(v))
def test_every_verb_has_help(verb: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*verb, "--help"])
    assert exit_.value.code == 0 and "usage:" in capsys.readouterr().out
