"""Every examples/*.yaml runs to its labelled phase and produces its annotated outputs.

Labels and annotations each example carries:

- ``argosy.dev/expected-phase``: the workflow's final phase.
- ``argosy.dev/expect``: ``;``-separated ``NODE.PATH=VALUE`` checks.  NODE is a node's
  display name (``*SUFFIX`` matches the one node whose display name ends in SUFFIX, e.g.
  ``*.onExit``; ``workflow`` means the workflow's own status).  PATH is ``phase`` or starts
  with ``outputs.`` (``outputs.result``, ``outputs.exitCode``, ``outputs.parameters.NAME``).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from argosy.controller import prepare_workflow
from argosy.spec import ObjectSet, load_paths
from argosy.testing import run_workflows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(EXAMPLES.glob("*.yaml"))
PHASE_LABEL = "argosy.dev/expected-phase"
EXPECT_ANNOTATION = "argosy.dev/expect"
TIMEOUT = 30.0


def parse_expectations(text: str) -> list[tuple[str, list[str], str]]:
    """``a.outputs.result=x; b.phase=y`` -> [(node, path, value), ...]."""
    checks = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        target, value = item.split("=", 1)
        for marker in (".outputs.", ".phase"):
            at = target.find(marker)
            if at > 0:
                checks.append((target[:at], target[at + 1:].split("."), value))
                break
        else:
            raise ValueError(f"bad expectation {item!r}")
    return checks


def find_node(status: dict[str, Any], name: str) -> dict[str, Any]:
    if name == "workflow":
        return status
    nodes = list(status.get("nodes", {}).values())
    if name.startswith("*"):
        found = [n for n in nodes if n.get("displayName", "").endswith(name[1:])]
    else:
        found = [n for n in nodes if n.get("displayName") == name]
    names = sorted(n.get("displayName", "") for n in nodes)
    assert len(found) == 1, f"{len(found)} nodes named {name!r}; nodes: {names}"
    return found[0]


def lookup(node: dict[str, Any], path: list[str]) -> Any:
    value: Any = node
    for i, part in enumerate(path):
        if i > 0 and path[i - 1] in ("parameters", "artifacts") and isinstance(value, list):
            value = next((p for p in value if p.get("name") == part), {}).get("value")
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def run_file(path: Path, data: Path) -> list[Any]:
    manifests = load_paths([path])
    objects = ObjectSet(manifests)
    workflows = [prepare_workflow(m.body, objects, {}, None) for m in manifests if m.kind == "Workflow"]

    async def bounded() -> list[Any]:
        return await asyncio.wait_for(
            run_workflows(workflows, objects, data), TIMEOUT)

    return asyncio.run(bounded())


def test_there_are_examples() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_reaches_expected_phase_and_outputs(path: Path, tmp_path: Path) -> None:
    body = next(m.body for m in load_paths([path]) if m.kind == "Workflow")
    meta = body.get("metadata", {})
    expected = meta.get("labels", {}).get(PHASE_LABEL)
    assert expected in ("Succeeded", "Failed"), f"{path.name}: missing {PHASE_LABEL} label"
    (engine,) = run_file(path, tmp_path)
    status = engine.status()
    assert engine.phase == expected, status.get("message")
    for node_name, attr, value in parse_expectations(meta.get("annotations", {}).get(EXPECT_ANNOTATION, "")):
        got = lookup(find_node(status, node_name), attr)
        assert str(got) == value, f"{node_name}.{'.'.join(attr)}: {got!r} != {value!r}"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("a.outputs.result=1", [("a", ["outputs", "result"], "1")]),
        ("a.b.phase=Failed; *.onExit.outputs.parameters.x=y=z",
         [("a.b", ["phase"], "Failed"), ("*.onExit", ["outputs", "parameters", "x"], "y=z")]),
    ],
    ids=["one", "several-with-dots-and-equals"],
)
def test_expectation_syntax(text: str, want: list[tuple[str, list[str], str]]) -> None:
    assert parse_expectations(text) == want


def test_cli_runs_hello_world_as_json(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "argosy.cli.main", "run", str(EXAMPLES / "hello-world.yaml"),
         "--data-dir", str(tmp_path), "-o", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["status"]["phase"] == "Succeeded"
