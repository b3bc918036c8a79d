"""The `argosy` client verbs against a real `argosy server`, as a user types them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from archivekit import seed
from serverkit import ROOT, RunningServer, free_port, server_command

from argosy.cli.main import main


def write(tmp_path: Path, name: str, script: str, *, params: dict[str, str] | None = None,
          generate: bool = False) -> Path:
    args = "".join(f"\n    - name: {k}\n      value: {json.dumps(v)}" for k, v in (params or {}).items())
    meta = f"generateName: {name}-" if generate else f"name: {name}"
    text = f"""apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  {meta}
spec:
  entrypoint: main
  arguments:
    parameters:{args or ' []'}
  templates:
  - name: main
    script:
      image: alpine
      command: [sh]
      source: |
        {script}
"""
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_submit_wait_prints_name_and_argo_wait_line(argosy, tmp_path: Path) -> None:
    code, out, _ = argosy("submit", str(write(tmp_path, "ok", "echo hi")), "-o", "name", "--wait")
    assert code == 0
    assert out.splitlines() == ["ok", out.splitlines()[1]]
    assert out.splitlines()[1].startswith("ok Succeeded at ")


def test_submit_wait_exits_1_when_the_workflow_fails(argosy, tmp_path: Path) -> None:
    code, out, _ = argosy("submit", str(write(tmp_path, "bad", "exit 3")), "--wait", "-o", "name")
    assert code == 1 and "bad Failed at" in out


def test_submit_parameters_entrypoint_and_generate_name(argosy, tmp_path: Path) -> None:
    path = write(tmp_path, "params", 'echo "{{workflow.parameters.msg}}"', params={"msg": "default"})
    code, out, _ = argosy("submit", str(path), "-p", "msg=from-cli", "--generate-name", "gen-", "-o", "json",
                          "--wait")
    created = json.loads(out[:out.rindex("}") + 1])
    name = created["metadata"]["name"]
    assert code == 0 and name.startswith("gen-")
    assert created["spec"]["arguments"]["parameters"] == [{"name": "msg", "value": "from-cli"}]
    code, out, err = argosy("logs", name)
    assert code == 0 and out.strip().endswith(": from-cli"), err


def test_get_shows_argo_header_and_node_tree(argosy, tmp_path: Path) -> None:
    argosy("submit", str(write(tmp_path, "shown", "echo hi")), "--wait")
    code, out, _ = argosy("get", "shown")
    assert code == 0
    fields = dict(line.split(":", 1) for line in out.splitlines() if line and not line.startswith((" ", "STEP", "✔")))
    assert fields["Name"].strip() == "shown" and fields["Status"].strip() == "Succeeded"
    assert {"Namespace", "ServiceAccount", "Created", "Started", "Finished", "Duration"} <= set(fields)
    assert any(line.startswith("STEP") for line in out.splitlines())
    assert any(line.lstrip().startswith("✔ shown") for line in out.splitlines())
    code, out, _ = argosy("get", "shown", "-o", "yaml")
    assert code == 0 and "name: shown" in out and "phase: Succeeded" in out


def test_list_columns_and_output_formats(argosy, tmp_path: Path) -> None:
    argosy("submit", str(write(tmp_path, "listed", "true")), "--wait")
    code, out, _ = argosy("list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    assert any(line.split()[:2] == ["listed", "Succeeded"] for line in lines[1:])
    code, out, _ = argosy("list", "-o", "name", "--prefix", "liste")
    assert out.split() == ["listed"]
    code, out, _ = argosy("list", "-o", "json", "--status", "Succeeded")
    assert "listed" in {w["metadata"]["name"] for w in json.loads(out)}
    code, out, _ = argosy("list", "--status", "Running", "-o", "name")
    assert "listed" not in out.split()


def test_watch_follows_to_the_end(argosy, tmp_path: Path) -> None:
    argosy("submit", str(write(tmp_path, "watched", "sleep 0.5")))
    code, out, _ = argosy("watch", "watched")
    assert code == 0
    assert "watched: Succeeded" in out.splitlines()
    assert "Status:              Succeeded" in out


def test_logs_follow_streams_until_the_workflow_ends(argosy, tmp_path: Path) -> None:
    argosy("submit", str(write(tmp_path, "followed", "echo one; sleep 0.5; echo two")))
    code, out, _ = argosy("logs", "followed", "-f")
    assert code == 0
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == ["one", "two"]
    code, out, _ = argosy("logs", "followed", "--tail", "1", "--grep", "o")
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == ["two"]


def test_delete_then_get_reports_the_servers_message(argosy, tmp_path: Path) -> None:
    argosy("submit", str(write(tmp_path, "gone", "true")), "--wait")
    code, out, _ = argosy("delete", "gone")
    assert code == 0 and out.strip() == "Workflow 'gone' deleted"
    code, out, err = argosy("get", "gone")
    assert code == 1 and err.strip() == 'argosy: workflows.argoproj.io "gone" not found'


def test_server_side_lint_reports_problems(argosy, tmp_path: Path) -> None:
    good = write(tmp_path, "lint-good", "true")
    code, out, _ = argosy("lint", str(good))
    assert code == 0 and "no linting errors found" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: bad-lint\n"
                   "spec:\n  entrypoint: missing\n  templates:\n  - name: main\n    container:\n"
                   "      image: alpine\n")
    code, out, _ = argosy("lint", str(bad))
    assert code == 1 and 'in "bad-lint" (Workflow)' in out


def test_archive_verbs(argosy, server: RunningServer) -> None:
    uid = seed(server.data_dir, "cli-archived", labels={"team": "cli"})
    code, out, _ = argosy("archive", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:2] == ["NAMESPACE", "NAME"] and lines[0].split()[-1] == "UID"
    assert any(uid in line and "cli-archived" in line for line in lines)
    code, out, _ = argosy("archive", "get", uid, "-o", "json")
    assert json.loads(out)["metadata"]["uid"] == uid
    code, out, _ = argosy("archive", "list-label-values", "-l", "team")
    assert out.split() == ["cli"]
    code, out, _ = argosy("archive", "delete", uid)
    assert code == 0 and out.strip() == f"Archived workflow '{uid}' deleted"


def test_unreachable_server_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ARGO_SERVER", "127.0.0.1:1")
    assert main(["list"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "127.0.0.1:1" in err and "argosy server" in err


@pytest.mark.parametrize("verb", ["submit", "list", "get", "logs", "watch", "wait", "delete", "retry",
                                  "resubmit", "suspend", "resume", "stop", "terminate", "lint", "template",
                                  "cluster-template", "cron", "archive"])
def test_every_verb_has_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([verb, "--help"])
    assert exit_.value.code == 0 and "usage: argosy" in capsys.readouterr().out


TEMPLATE = """apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata:
  name: {name}
spec:
  {extra}
"""
GREETER = """entrypoint: main
  arguments:
    parameters: [{name: who, value: world}]
  templates:
  - name: main
    script: {image: alpine, command: [sh], source: 'echo "hello {{workflow.parameters.who}}"'}"""
CRON = """schedule: "0 3 * * *"
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      script: {image: alpine, command: [sh], source: echo cron}"""


def manifest(tmp_path: Path, kind: str, name: str, extra: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(TEMPLATE.format(kind=kind, name=name, extra=extra))
    return str(path)


@pytest.mark.parametrize(("group", "kind", "from_kind"), [
    ("template", "WorkflowTemplate", "workflowtemplate"),
    ("cluster-template", "ClusterWorkflowTemplate", "clusterworkflowtemplate"),
])
def test_templates_create_list_submit_from_and_delete(argosy, tmp_path: Path, group: str, kind: str,
                                                      from_kind: str) -> None:
    name = f"{group}-greeter"
    code, out, _ = argosy(group, "create", manifest(tmp_path, kind, name, GREETER))
    assert code == 0 and out.splitlines()[0].split() == ["Name:", name]
    code, out, _ = argosy(group, "list")
    assert out.splitlines()[0].split() == ["NAME"] and name in out.split()
    code, out, _ = argosy(group, "get", name, "-o", "json")
    assert json.loads(out)["kind"] == kind
    code, out, _ = argosy("submit", "--from", f"{from_kind}/{name}", "-p", "who=cli", "-o", "name", "--wait")
    assert code == 0, out
    submitted = out.splitlines()[0]
    assert submitted.startswith(f"{name}-")
    assert argosy("logs", submitted)[1].strip().endswith(": hello cli")
    code, out, _ = argosy(group, "delete", name)
    assert code == 0 and out.strip() == f"{kind} '{name}' deleted"
    code, _, err = argosy(group, "get", name)
    assert code == 1 and "not found" in err


def test_cron_verbs(argosy, tmp_path: Path) -> None:
    code, out, _ = argosy("cron", "create", manifest(tmp_path, "CronWorkflow", "nightly", CRON))
    assert code == 0 and "Schedule:            0 3 * * *" in out
    code, out, _ = argosy("cron", "list")
    assert out.splitlines()[0].split()[:2] == ["NAME", "AGE"] and "nightly" in out
    assert argosy("cron", "suspend", "nightly")[1].strip() == "CronWorkflow 'nightly' suspended"
    assert "Suspended:           true" in argosy("cron", "get", "nightly")[1]
    assert argosy("cron", "resume", "nightly")[1].strip() == "CronWorkflow 'nightly' resumed"
    code, out, _ = argosy("submit", "--from", "cronworkflow/nightly", "-o", "name", "--wait")
    assert code == 0 and out.startswith("nightly-")
    assert argosy("cron", "delete", "nightly")[1].strip() == "CronWorkflow 'nightly' deleted"


SUSPENDING = """entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: hold, template: pause}
    - - {name: after, template: hi}
  - name: pause
    suspend: {}
  - name: hi
    script: {image: alpine, command: [sh], source: echo after}"""


def test_suspend_resume_stop_terminate(argosy, tmp_path: Path) -> None:
    path = manifest(tmp_path, "Workflow", "held", SUSPENDING)
    assert argosy("submit", path, "-o", "name")[0] == 0
    assert argosy("suspend", "held")[1].strip() == "workflow held suspended"
    assert argosy("resume", "held")[1].strip() == "workflow held resumed"
    code, out, _ = argosy("wait", "held")
    assert code == 0 and out.startswith("held Succeeded at")
    for verb, past in (("stop", "stopped"), ("terminate", "terminated")):
        name = f"held-{verb}"
        assert argosy("submit", path, "--name", name, "-o", "name")[0] == 0
        assert argosy(verb, name)[1].strip() == f"workflow {name} {past}"
        code, out, _ = argosy("wait", name)
        assert code == 1 and f"{name} Failed at" in out


def test_resubmit_prints_the_new_workflow(argosy, tmp_path: Path) -> None:
    argosy("submit", str(write(tmp_path, "again", "true")), "--wait")
    code, out, _ = argosy("resubmit", "again", "-o", "name", "--wait")
    assert code == 0 and out.splitlines()[0].startswith("again-")


def test_resubmit_memoized_of_a_failed_workflow(argosy, tmp_path: Path) -> None:
    path = write(tmp_path, "memo-again", 'test "{{workflow.parameters.ok}}" = yes', params={"ok": "no"})
    assert argosy("submit", str(path), "--wait")[0] == 1
    code, out, _ = argosy("resubmit", "memo-again", "--memoized", "-p", "ok=yes", "-o", "name", "--wait")
    assert code == 0 and out.splitlines()[0].startswith("memo-again-")
    code, _, err = argosy("resubmit", out.splitlines()[0], "--memoized")
    assert code != 0 and "Failed/Error" in err


def test_wait_rides_out_a_server_restart(tmp_path: Path) -> None:
    """`argosy wait` keeps waiting while its server restarts on the same address, then reports
    the workflow's end as the restarted server (its recovery) decides it."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "ARGO_SERVER": f"127.0.0.1:{port}"}

    def serve() -> subprocess.Popen[str]:
        process = subprocess.Popen(server_command(port, tmp_path / "data"), cwd=ROOT, env=env, text=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/version", timeout=1)
                return process
            except httpx.TransportError:
                time.sleep(0.05)
        process.kill()
        raise AssertionError("server did not start")

    argosy_cli = [sys.executable, "-m", "argosy.cli.main"]
    first = serve()
    waiter = None
    try:
        path = write(tmp_path, "survives", "sleep 6")
        subprocess.run([*argosy_cli, "submit", str(path), "-o", "name"], env=env, check=True, capture_output=True)
        waiter = subprocess.Popen([*argosy_cli, "wait", "survives"], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # (long enough for the waiter to have started and reached the first server even on a
        # loaded machine: a waiter that never reached any server rightly fails at once)
        time.sleep(3)
        first.terminate()
        first.wait(30)
        second = serve()
        try:
            out, err = waiter.communicate(timeout=120)
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
        if waiter is not None and waiter.poll() is None:
            waiter.kill()
    assert re.fullmatch(r"survives (Succeeded|Failed|Error) at .*\n", out), (out, err)
