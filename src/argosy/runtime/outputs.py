"""Reading a finished node's outputs: parameters from files, result, artifacts to the repository."""

from __future__ import annotations

import os
from typing import Any

from argosy.artifacts import ArchiveError, LocalRepository, location_type
from argosy.engine.arguments import parameter_string
from argosy.errors import RuntimeFailure
from argosy.runtime.sandbox import MountPlan

#: Argo keeps the last 256 KiB of stdout as ``result``
MAX_RESULT = 256 * 1024


def result_text(stdout_tail: bytes) -> str:
    """``outputs.result``: stdout minus one trailing newline, its last 256 KiB."""
    if stdout_tail.endswith(b"\n"):
        stdout_tail = stdout_tail[:-1]
    if len(stdout_tail) > MAX_RESULT:
        stdout_tail = stdout_tail[-MAX_RESULT:]
    return stdout_tail.decode("utf-8", errors="replace")


def output_parameters(template: dict[str, Any], plan: MountPlan, strict: bool) -> list[dict[str, str]]:
    """Values of ``valueFrom.path`` output parameters, and of literal ``value`` ones.

    A missing file falls back to ``valueFrom.default``; without one it is an error (when
    ``strict``; a failed node just omits it). A parameter with a ``value`` and no
    ``valueFrom`` is reported as it is written, as Argo's executor reports its template's
    outputs.
    """
    out: list[dict[str, str]] = []
    for p in (template.get("outputs") or {}).get("parameters") or ():
        vf = p.get("valueFrom") or {}
        path = vf.get("path")
        if not path:
            if not vf and p.get("value") is not None:
                out.append({"name": p["name"], "value": parameter_string(p["value"])})
            continue
        try:
            with open(plan.host_path(path), encoding="utf-8", errors="replace") as f:
                value = f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as e:
            if "default" in vf:
                value = str(vf["default"])
            elif strict:
                reason = "is a directory" if isinstance(e, IsADirectoryError) else "no such file or directory"
                raise RuntimeFailure(f"open {path}: {reason}") from e
            else:
                continue
        value = value.removesuffix("\n")
        out.append({"name": p["name"], "value": value})
    return out


def artifact_key(art: dict[str, Any], prefix: str, archive: str) -> str:
    """The repository key: the artifact's own key (key-only artifacts), else Argo's default."""
    kind = location_type(art)
    if kind is not None:
        key = (art.get(kind) or {}).get("key")
        if key:
            return str(key)
    base = f"{art['name']}.tgz" if archive == "tgz" else os.path.basename(str(art["path"]).rstrip("/"))
    return f"{prefix}/{base}" if prefix else base


def output_artifacts(
    template: dict[str, Any], plan: MountPlan, repo: LocalRepository, prefix: str, strict: bool,
    scratch: str,
) -> list[dict[str, Any]]:
    """Store every output artifact with a ``path``; return them in Argo's status layout."""
    out: list[dict[str, Any]] = []
    arts = (template.get("outputs") or {}).get("artifacts") or ()
    paths = [a.get("path") for a in arts]
    for art in arts:
        path = art.get("path")
        if not path:
            continue
        src = plan.host_path(path)
        if not os.path.lexists(src):
            if art.get("optional") or not strict:
                continue
            raise RuntimeFailure(f"{path} no such file or directory")
        archive = "none" if "none" in (art.get("archive") or {}) else "tgz"
        key = artifact_key(art, prefix, archive)
        # a file in the node's own scratch dies with the node: rename instead of copying
        move = archive == "none" and src.startswith(scratch + "/") and paths.count(path) == 1
        try:
            location = repo.save(key, src, archive=archive, move=move)
        except (ArchiveError, OSError) as e:
            raise RuntimeFailure(f"failed to save artifact '{art['name']}': {e}") from e
        kind = location_type(art)
        status = {k: v for k, v in art.items() if k != kind and k not in ("from", "fromExpression")}
        status.update(location)
        out.append(status)
    return out
