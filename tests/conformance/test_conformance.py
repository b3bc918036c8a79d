"""Upstream's example corpus: each runnable Workflow file ends in the phase Argo gives it.

Runs the corpus the way upstream's harness does: every WorkflowTemplate,
ClusterWorkflowTemplate, ConfigMap and Secret found in any corpus file is applied first,
then each Workflow is submitted and awaited.  Files needing what the embedded mode cannot
provide are skipped with that need as the reason (see ``PROVIDED`` and ``skip_reason``).
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from corpuskit import CorpusServer
from s3kit import S3Server

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
# Resource templates act on the kinds Argosy keeps itself (runtime/resource.py).
PROVIDED = ("none", "artifact-repo", "configmap:", "secret:", "wftmpl:", "cwftmpl:", "memoize-cache:",
            "semaphore-cm:", "sync-db",
            "k8s:create Workflow", "k8s:get Workflow", "k8s:apply Workflow", "k8s:patch workflow",
            "k8s:create ConfigMap", "k8s:delete configmap")
# What docker mode provides beyond that: each pod its own network namespace and address.
DOCKER_PROVIDED = (*PROVIDED, "pod-network(daemon ip)", "localhost(sidecar)")
# What the server mode (one `argosy server`, everything over REST) provides.
# The server also schedules CronWorkflows and receives events: a file that is only a
# CronWorkflow or a WorkflowEventBinding runs there by what it starts (see ``triggered``).
SERVER_PROVIDED = (*PROVIDED, "cron-scheduler", "events-api")
#: the files that are one object whose spawned workflows should Succeed, and the need that runs them
TRIGGERED = {"CronWorkflow": "cron-scheduler", "WorkflowEventBinding": "events-api"}
#: an event each corpus binding selects: (discriminator, payload, headers), as its comments describe
EVENTS = {
    "workflow-event-binding/event-consumer-workfloweventbinding.yaml": ("", {"appellation": "Argosy"}, {}),
    "workflow-event-binding/github-path-filter-workfloweventbinding.yaml": (
        "github-path-filter", {"commits": [{"added": ["subpath/A/new.txt"], "removed": [], "modified": []}]},
        {"X-GitHub-Event": "push"}),
}
# Workflows of the server mode in flight at once (the corpus stays well inside CI's time).
SERVER_IN_FLIGHT = 6
SHARED_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate", "ConfigMap", "Secret")
# upstream_no_test labels that mean "too slow for this suite".
SLOW_LABELS = ("duration",)
# Files whose locks serialise more sleeping than a test may take (their mutexes run ten
# 20-50 s steps one after another: 250 s); the same locks are tested on the other files.
SERIALISED = {"synchronization-mutex-tmpl-level.yaml", "synchronization-db-mutex-tmpl-level.yaml"}
# Database semaphore limits the corpus files' comments ask for (Argo: rows of its sync_limit
# table), created in each run's store before it starts, as the Sync API would.
DATABASE_LIMITS = {"template": 2, "workflow": 2}
# Files refused on load as `argo submit` (strict by default) refuses them: why, and where the
# same workflow, corrected, is tested.
UNLOADABLE = {
    "k8s-patch-json-workflow.yaml": "its metadata has the key 'annotations' twice; without the duplicate it "
                                    "runs in tests/controller/test_workflow_patch.py and tests/server/"
                                    "test_child_workflows.py",
}
# Objects a corpus file needs but no corpus file defines; its comments say how to create them.
FIXTURES = {
    # synchronization-wf-level.yaml and synchronization-tmpl-level.yaml's comments
    "semaphore-cm:my-config (synchronization-*.yaml)": """
apiVersion: v1
kind: ConfigMap
metadata: {name: my-config}
data: {workflow: "3", template: "3"}
""",
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


def provided(need: str, mode: tuple[str, ...] = PROVIDED) -> bool:
    return any(need == p or (p.endswith(":") and need.startswith(p)) for p in mode)


def skip_reason(case: Case, mode: tuple[str, ...] = PROVIDED) -> str | None:
    """Why ``case`` is not run here, or None when it is."""
    if case.expected_phase.startswith("n/a") and not triggered(case, mode):
        return f"not a Workflow: {case.expected_phase}"
    missing = [n for n in case.needs if not provided(n, mode)]
    if missing:
        return "needs " + "; ".join(missing)
    if case.path in UNLOADABLE:
        return "does not load: " + UNLOADABLE[case.path]
    if case.expected_phase.startswith("Running (suspended)"):
        return "Running (suspended): waits for a resume"
    labels = [label.strip() for label in case.upstream_no_test.split(",")]
    if any(label in SLOW_LABELS for label in labels):
        return "duration"
    if case.path in SERIALISED:
        return "duration: its mutexes run 250 s of sleeps one after another"
    return None


def triggered(case: Case, mode: tuple[str, ...]) -> bool:
    """Whether ``case`` is one CronWorkflow or WorkflowEventBinding this mode runs by what it starts."""
    need = TRIGGERED.get(case.kinds)
    return need is not None and provided(need, mode) and (need != "events-api" or case.path in EVENTS)


def accepted_phases(expected: str) -> set[str]:
    """The terminal phases that satisfy an expected_phase cell."""
    if expected.startswith("n/a"):
        return {"Succeeded"}  # "spawned Workflows should Succeed"
    if "random" in expected:
        return {"Succeeded", "Failed"}
    return {expected.rstrip("?").strip()}


def load_shared_objects() -> tuple[list[Manifest], dict[str, str]]:
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
    return shared, errors


CASES = load_cases()
SHARED, LOAD_ERRORS = load_shared_objects()
OBJECTS = ObjectSet(SHARED)
# Files that need an artifact repository run twice: on the local repository, and on an S3
# repository (moto's server on 127.0.0.1) named by an `artifact-repositories` ConfigMap, which
# is also what `configmap:artifact-repositories` asks for.
S3_VARIANT = "artifact-repo"
S3_CONFIGMAP_NEED = "configmap:artifact-repositories"
VARIANTS = [pytest.param(c, "local", id=c.path) for c in CASES] + [
    pytest.param(c, "s3", id=f"{c.path}[s3]") for c in CASES if S3_VARIANT in c.needs]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    try:
        server = S3Server.start()
    except ImportError as e:
        pytest.skip(f"needs an S3 endpoint: install moto[server] ({e})")
    try:
        yield server
    finally:
        server.stop()


async def run_bounded(workflows: list[dict[str, Any]], data: Path, objects: ObjectSet,
                      runtime_kind: str = "process") -> list[Any]:
    return await asyncio.wait_for(
        run_workflows(workflows, objects, data, runtime_kind=runtime_kind),
        WORKFLOW_TIMEOUT,
    )


@pytest.mark.parametrize(("case", "repository"), VARIANTS)
def test_corpus_file_ends_in_expected_phase(case: Case, repository: str, tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    reason = skip_reason(case)
    if reason is not None:
        pytest.skip(reason)
    run_case(case, tmp_path, "process", repository, request)


@pytest.fixture(scope="session")
def docker_mode() -> None:
    """Docker mode needs an engine and the stand-in images (built once, reused by hash)."""
    import dockerkit

    ok, why = dockerkit.engine()
    if not ok:
        pytest.skip(f"docker mode: {why}")


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_corpus_file_on_docker(case: Case, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    reason = skip_reason(case, DOCKER_PROVIDED)
    if reason is not None:
        pytest.skip(reason)
    request.getfixturevalue("docker_mode")
    import dockerkit

    missing = dockerkit.missing_images((EXAMPLES / case.path).read_text())
    if missing:
        pytest.skip("needs image " + "; ".join(missing) + " (no local stand-in)")
    run_case(case, tmp_path, "docker", "local", request)


def put_database_limits(data: Path) -> None:
    from argosy.controller.controller import data_store
    from argosy.controller.synchronization import SYNC_LIMIT

    store = data_store(data)
    try:
        for key, limit in DATABASE_LIMITS.items():
            store.create_object(SYNC_LIMIT, {"metadata": {"namespace": "default", "name": key}, "limit": limit})
    finally:
        store.close()


def run_case(case: Case, tmp_path: Path, runtime_kind: str, repository: str,
             request: pytest.FixtureRequest) -> None:
    assert case.path not in LOAD_ERRORS, LOAD_ERRORS.get(case.path)
    objects = OBJECTS
    if repository == "s3" or S3_CONFIGMAP_NEED in case.needs:
        s3: S3Server = request.getfixturevalue("s3_server")
        bucket = s3.new_bucket()
        repos = s3.manifests(bucket, extra_keys={"my-key": json.dumps({"s3": s3.location(bucket)})})
        objects = ObjectSet([*SHARED, *load_text(repos, source="s3 artifact repository")])
    manifests = [m for m in load_paths([EXAMPLES / case.path]) if m.kind == "Workflow"]
    assert manifests, f"{case.path}: no Workflow document"
    workflows = [prepare_workflow(m.body, objects, {}, None) for m in manifests]
    if "sync-db" in case.needs:
        put_database_limits(tmp_path)
    try:
        engines = asyncio.run(run_bounded(workflows, tmp_path, objects, runtime_kind))
    except TimeoutError:
        pytest.fail(f"{case.path}: not finished after {WORKFLOW_TIMEOUT:.0f}s")
    if objects is not OBJECTS:
        refs = [e.status(with_nodes=False).get("artifactRepositoryRef") or {} for e in engines]
        assert all(r.get("configMap") == "artifact-repositories" for r in refs), refs
    want = accepted_phases(case.expected_phase)
    got = [(e.phase, e.status(with_nodes=False).get("message")) for e in engines]
    assert all(phase in want for phase, _ in got), f"want {sorted(want)}, got {got}"


# ---- the same corpus through a real server ----------------------------------------------

SERVER_MODE = "test_corpus_file_through_server"
#: where the files needing the `artifact-repositories` ConfigMap run (it would change every
#: other file's default repository in the namespace it is put in)
S3_NAMESPACE = "corpus-s3"


def server_namespace(case: Case) -> str:
    return S3_NAMESPACE if S3_CONFIGMAP_NEED in case.needs else "default"


def corpus_workflows(case: Case) -> list[dict[str, Any]]:
    """The file's Workflow documents as a client would send them (the server applies Argo's
    submission rules)."""
    return [m.body for m in load_paths([EXAMPLES / case.path]) if m.kind == "Workflow"]


def shared_bodies(extra: Iterable[Manifest] = ()) -> list[dict[str, Any]]:
    """Each shared object once: a later one of the same kind and name wins, as in ObjectSet."""
    named = {(m.kind, m.name): m.body for m in [*SHARED, *extra]}
    return list(named.values())


def start_on_server(server: CorpusServer, case: Case) -> Any:
    """Start the case on the server (once); the future of its workflows' (phase, message)."""
    if case.kinds == "CronWorkflow":
        [cron] = [m.body for m in load_paths([EXAMPLES / case.path])]
        return server.submit_call(case.path, lambda api: server.run_cron(api, cron, "default", WORKFLOW_TIMEOUT))
    if case.kinds == "WorkflowEventBinding":
        [binding] = [m.body for m in load_paths([EXAMPLES / case.path])]
        namespace = "events-" + binding["metadata"]["name"]  # its own: another binding would select its event too
        discriminator, payload, headers = EVENTS[case.path]

        def run(api: Any) -> Any:
            server.apply(shared_bodies(), namespace)
            return server.run_event(api, binding, namespace, discriminator, payload, headers, WORKFLOW_TIMEOUT)
        return server.submit_call(case.path, run)
    return server.submit(case.path, corpus_workflows(case), WORKFLOW_TIMEOUT, server_namespace(case))


@pytest.fixture(scope="session")
def corpus_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[CorpusServer]:
    """One server for the session, the shared objects applied over REST, and every selected
    case queued at once (a pool keeps ``SERVER_IN_FLIGHT`` running while tests wait in order)."""
    server = CorpusServer(tmp_path_factory.mktemp("corpus-server"), in_flight=SERVER_IN_FLIGHT)
    try:
        selected = [item.callspec.params["case"] for item in request.session.items
                    if getattr(item, "originalname", "") == SERVER_MODE and hasattr(item, "callspec")]
        runnable = [c for c in selected if skip_reason(c, SERVER_PROVIDED) is None and c.path not in LOAD_ERRORS]
        server.apply(shared_bodies())
        if any(server_namespace(c) == S3_NAMESPACE for c in runnable):
            s3: S3Server = request.getfixturevalue("s3_server")
            bucket = s3.new_bucket()
            repos = s3.manifests(bucket, extra_keys={"my-key": json.dumps({"s3": s3.location(bucket)})})
            extra = list(load_text(repos, source="s3 artifact repository"))
            server.apply(shared_bodies(extra), S3_NAMESPACE)
        for case in runnable:
            start_on_server(server, case)
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_corpus_file_through_server(case: Case, request: pytest.FixtureRequest) -> None:
    reason = skip_reason(case, SERVER_PROVIDED)
    if reason is not None:
        pytest.skip(reason)
    assert case.path not in LOAD_ERRORS, LOAD_ERRORS.get(case.path)
    server: CorpusServer = request.getfixturevalue("corpus_server")
    run = start_on_server(server, case)
    try:
        got = run.result()
    except TimeoutError as e:
        pytest.fail(f"{case.path}: {e}")
    want = accepted_phases(case.expected_phase)
    assert got, f"{case.path}: no Workflow document"
    assert all(phase in want for phase, _ in got), \
        f"want {sorted(want)}, got {got}; objects the server refused: {server.refused}"
