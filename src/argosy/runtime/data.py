"""The data template: list artifact paths, transform them with expressions, emit JSON."""

from __future__ import annotations

import asyncio
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argosy.artifacts.locations import PodArtifacts
from argosy.artifacts.repository import LocalRepository
from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import ArgosyError, RuntimeFailure
from argosy.expr import evaluate
from argosy.runtime.base import RunContext

#: artifact fields that are not a location (a location is the one dict-valued field left)
_NOT_LOCATION = frozenset({"name", "path", "mode", "from", "fromExpression", "archive", "optional",
                           "subPath", "globalName", "recurseMode", "archiveLogs", "artifactGC",
                           "deleted"})
#: location types that name the run's own (local) repository
_LOCAL_TYPES = ("s3", "local")


class DataError(RuntimeFailure):
    """A data template could not be processed (Argo's error chain in the message)."""


def list_artifact_paths(artifact: dict[str, Any], repo: LocalRepository,
                        artifacts: PodArtifacts | None = None) -> list[str]:
    """Every file key under the artifact's key, like Argo's S3 ``ListDirectory``.

    The key is a directory prefix (the key itself, if a file, is not listed); an empty
    key lists the whole repository; a missing prefix lists nothing. Keys are sorted as
    S3 returns them. ``artifacts`` lists remote repositories (S3).
    """
    listed = artifacts.list_paths(artifact) if artifacts is not None else None
    if listed is not None:
        return listed
    kind, location = _location(artifact)
    if kind not in _LOCAL_TYPES:
        raise DataError(f"{kind} artifact repositories are not supported by the local runner")
    if location.get("endpoint"):
        raise DataError("s3 endpoints are not supported yet by the local runner; "
                        "use the default (local) artifact repository")
    prefix = str(location.get("key") or "").strip("/")
    if prefix:
        try:
            base = repo.path(prefix)
        except ArgosyError as e:
            raise DataError(str(e)) from None
    else:
        base = repo.root
    if not base.is_dir():
        return []
    keys = []
    for dirpath, _dirs, files in os.walk(base):
        for name in files:
            if name.startswith(".") and name.endswith((".part", ".load", ".download")):
                continue  # a store still being written
            keys.append((Path(dirpath) / name).relative_to(repo.root).as_posix())
    return sorted(keys)


def process_data(spec: dict[str, Any], repo: LocalRepository, artifacts: PodArtifacts | None = None) -> Any:
    """Source the data, then apply each transformation in order (Argo's ``ProcessData``)."""
    source = spec.get("source") or {}
    if source.get("artifactPaths") is None:
        raise DataError("unable to process data source: no valid source is used for data template")
    try:
        data: Any = list_artifact_paths(source["artifactPaths"], repo, artifacts)
    except ArgosyError as e:
        raise DataError(f"unable to process data source: unable to source artifact paths: {e}") \
            from None
    for i, step in enumerate(spec.get("transformation") or ()):
        expression = (step or {}).get("expression")
        if not expression:
            continue
        try:
            data = evaluate(str(expression), {"data": data})
        except ArgosyError as e:
            raise DataError(
                f"unable to process data transformation: error processing data step {i}: {e}"
            ) from None
    return data


def marshal(value: Any) -> str:
    """JSON the way Go's ``json.Marshal`` writes it: compact, HTML-safe, whole floats bare."""
    try:
        text = json.dumps(_go_numbers(value), separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
    except (TypeError, ValueError) as e:
        raise DataError(f"json: unsupported value: {e}") from None
    # these characters only ever appear inside JSON strings, where escaping is lossless
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _go_numbers(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() \
            and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {str(k): _go_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_go_numbers(v) for v in value]
    return value


class DataRuntime:
    """Runs ``data`` templates in this process against the run's local repository."""

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]
    ) -> PodResult:
        """Process the template; its JSON value becomes ``outputs.result``."""
        on_started()
        spec = pod.template.get("data") or {}
        repo = LocalRepository(context.artifact_dir)
        try:
            artifacts = PodArtifacts.for_pod(repo, context.secrets, context.artifact_repositories.get(pod.workflow_uid),
                                             pod.template, pod.pod_name, pod.artifact_key_prefix)
            result = await asyncio.to_thread(lambda: marshal(process_data(spec, repo, artifacts)))
        except ArgosyError as e:
            message = f"unable to process data template: {e}"
            context.write_log(pod.workflow_name, pod.pod_name, message + "\n")
            # the node is a pod whose main container (argoexec data) exits 1
            return PodResult(phase="Failed", message=f"Error (exit code 1): {message}",
                             exit_code=1, outputs={"exitCode": "1"})
        context.write_log(pod.workflow_name, pod.pod_name, result + "\n")
        return PodResult(phase="Succeeded", exit_code=0,
                         outputs={"result": result, "exitCode": "0"})


def _location(artifact: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for key, value in artifact.items():
        if key not in _NOT_LOCATION and isinstance(value, dict):
            return key, value
    # no location: the default artifact repository, i.e. the local one
    return "local", {}

