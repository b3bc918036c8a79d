"""Upstream's example corpus: each runnable Workflow file ends in the phase Argo gives it.

Runs the corpus the way upstream's harness does: every WorkflowTemplate,
ClusterWorkflowTemplate, ConfigMap and Secret found in any corpus file is applied first,
then each Workflow is submitted and awaited.  Files needing what the embedded mode cannot
provide are skipped with that need as the reason (see ``PROVIDED`` and ``skip_reason``).
"""

from __future__ import annotations

import asyncio
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from argosy.controller import prepare_workflow
from argosy.errors import ArgosyError
from argosy.spec import ObjectSet, load_paths, load_text
from argosy.spec.manifest import Manifest
from argosy.testing import run_workflows

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
EXAMPLES = CORPUS / "argo-examples"
WORKFLOW_TIMEOUT = 60.0

if not (CORPUS / "expected.tsv").is_file():
    pytest.skip(f"no conformance corpus at {CORPUS}", allow_module_level=True)

# Needs the embedded mode provides: exact names, or prefixes ending in ':'.
PROVIDED = ("none", "artifact-repo", "configmap:", "secret:", "wftmpl:", "cwftmpl:")
SHARED_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate", "ConfigMap", "Secret")
# upstream_no_test labels that mean "too slow for this suite".
SLOW_LABELS = ("duration",)
# Objects a corpus file needs but no corpus file defines; its comments say how to create them.
FIXTURES = {
    "secret:my-secret (secrets.yaml)": """
apiVersion: v1
kind: Secret
metadata: {name: my-secret}
stringData: {mypassword: S00perS3cretPa55word}
""",
}


@dataclass(frozen=True)
class Case:
    """One row of expected.tsv."""

    path: str
    kinds: str
    expected_phase: str
    needs: tuple[str, ...]
    upstream_no_test: str


def load_cases() -> list[Case]:
    with (CORPUS / "expected.tsv").open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        Case(
            path=row["path"],
            kinds=row["kinds"],
            expected_phase=row["expected_phase"].strip(),
            needs=tuple(n.strip() for n in row["needs"].split(";") if n.strip()),
            upstream_no_test=(row.get("upstream_no_test") or "").strip(),
        )
        for row in rows
    ]


def provided(need: str) -> bool:
    return any(need == p or (p.endswith(":") and need.startswith(p)) for p in PROVIDED)


def skip_reason(case: Case) -> str | None:
    """Why ``case`` is not run here, or None when it is."""
    if case.expected_phase.startswith("n/a"):
        return f"not a Workflow: {case.expected_phase}"
    missing = [n for n in case.needs if not provided(n)]
    if missing:
        return "needs " + "; ".join(missing)
    if case.expected_phase.startswith("Running (suspended)"):
        return "Running (suspended): waits for a resume"
    labels = [label.strip() for label in case.upstream_no_test.split(",")]
    if any(label in SLOW_LABELS for label in labels):
        return "duration"
    return None


def accepted_phases(expected: str) -> set[str]:
    """The terminal phases that satisfy an expected_phase cell."""
    if "random" in expected:
        return {"Succeeded", "Failed"}
    return {expected.rstrip("?").strip()}


def load_shared_objects() -> tuple[ObjectSet, dict[str, str]]:
    """Templates, ConfigMaps and Secrets from every corpus file; load errors by file."""
    shared: list[Manifest] = []
    errors: dict[str, str] = {}
    for path in sorted(EXAMPLES.rglob("*.y*ml")):
        try:
            manifests = load_paths([path])
        except ArgosyError as exc:
            errors[str(path.relative_to(EXAMPLES))] = str(exc)
            continue
        shared.extend(m for m in manifests if m.kind in SHARED_KINDS)
    for source, text in FIXTURES.items():
        shared.extend(load_text(text, source=source))
    return ObjectSet(shared), errors


CASES = load_cases()
OBJECTS, LOAD_ERRORS = load_shared_objects()


async def run_bounded(workflows: list[dict[str, Any]], data: Path) -> list[Any]:
    return await asyncio.wait_for(
        run_workflows(workflows, OBJECTS, data),
        WORKFLOW_TIMEOUT,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_corpus_file_ends_in_expected_phase(case: Case, tmp_path: Path) -> None:
    reason = skip_reason(case)
    if reason is not None:
        pytest.skip(reason)
    assert case.path not in LOAD_ERRORS, LOAD_ERRORS.get(case.path)
    manifests = [m for m in load_paths([EXAMPLES / case.path]) if m.kind == "Workflow"]
    assert manifests, f"{case.path}: no Workflow document"
    workflows = [prepare_workflow(m.body, OBJECTS, {}, None) for m in manifests]
    try:
        engines = asyncio.run(run_bounded(workflows, tmp_path))
    except TimeoutError:
        pytest.fail(f"{case.path}: not finished after {WORKFLOW_TIMEOUT:.0f}s")
    want = accepted_phases(case.expected_phase)
    got = [(e.phase, e.status(with_nodes=False).get("message")) for e in engines]
    assert all(phase in want for phase, _ in got), f"want {sorted(want)}, got {got}"
