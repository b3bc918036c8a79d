"""``argosy cron backfill``, ``cron next`` and ``cron list``'s NEXT RUN against a real server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from serverkit import RunningServer

from argosy.cli.main import main

CRON = """apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: daily
spec:
  schedules: ["0 2 * * *"]
  timezone: UTC
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container: {image: busybox, command: [echo, "{{workflow.scheduledTime}}"]}
"""


def test_backfill_next_and_list(argosy, server: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "daily.yaml"
    path.write_text(CRON)
    assert argosy("cron", "create", str(path))[0] == 0
    code, out, _ = argosy("cron", "list")
    head = out.splitlines()[0].split()
    assert head[:5] == ["NAME", "AGE", "LAST", "RUN", "NEXT"] and "SCHEDULES" in head
    code, out, _ = argosy("cron", "next", "daily", "--count", "2")
    assert code == 0 and [line.endswith("T02:00:00Z") for line in out.split()] == [True, True]
    code, out, err = argosy("cron", "backfill", "daily", "--start", "2024-05-19T00:00:00Z",
                            "--end", "2024-05-20T23:00:00Z", "--parallelism", "2")
    assert code == 0, err
    assert out.splitlines()[0].startswith("Backfill daily-backfill-")
    assert "2 run(s) of CronWorkflow 'daily', at most 2 at once" in out.splitlines()[0]
    assert ["2024-05-19T02:00:00Z", "daily-1716084000"] in [line.split() for line in out.splitlines()]
    with httpx.Client(base_url=server.url) as api:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            phases = [(api.get(f"/api/v1/workflows/default/{n}").json().get("status") or {}).get("phase")
                      for n in ("daily-1716084000", "daily-1716170400")]
            if phases == ["Succeeded", "Succeeded"]:
                break
            time.sleep(0.2)
        assert phases == ["Succeeded", "Succeeded"]
    code, out, _ = argosy("cron", "backfill", "daily", "--start", "2024-06-01T00:00:00Z",
                          "--end", "2024-06-01T23:00:00Z", "-o", "json")
    assert json.loads(out)["workflows"] == ["daily-1717207200"]
    code, _, err = argosy("cron", "backfill", "daily", "--start", "last week", "--end", "2024-06-01T00:00:00Z")
    assert code == 1 and "RFC 3339" in err


@pytest.mark.parametrize("verb", ["backfill", "next"])
def test_new_verbs_have_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["cron", verb, "--help"])
    assert exit_.value.code == 0 and "usage: argosy cron" in capsys.readouterr().out
