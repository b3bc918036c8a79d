"""Submission: what ``argo submit`` and Argo's API server do to a Workflow before it runs.

A name from ``generateName``, a fresh ``uid`` and ``creationTimestamp``, the namespace
(``default``), ``-p`` parameters and ``--entrypoint`` over the spec, the referenced
WorkflowTemplate joined in (:func:`~argosy.spec.resolve_workflow`), then Argo's submit-time
check that every workflow parameter has a value. Refusing a duplicate name is the store's
job (it is the one that knows which names are taken).
"""

from __future__ import annotations

import copy
import secrets
import string
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from argosy.artifacts.refs import resolve_workflow_ref
from argosy.errors import SpecError
from argosy.spec import ObjectSet, any_string, resolve_workflow

_ALPHABET = string.ascii_lowercase + string.digits


def generate_name(prefix: str) -> str:
    """``prefix`` plus five random characters, as Kubernetes completes ``generateName``."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(5))


def prepare_workflow(body: Mapping[str, Any], objects: ObjectSet, params: Mapping[str, str] | None = None,
                     entrypoint: str | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """The Workflow as submitted: named, uid'd, overridden, resolved and checked.

    Raises SpecError when a workflow parameter ends up without a value (Argo's message).
    """
    wf = copy.deepcopy(dict(body))
    meta = wf.setdefault("metadata", {})
    if not meta.get("name"):
        meta["name"] = generate_name(meta.get("generateName") or "workflow-")
    meta.setdefault("namespace", "default")
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    spec = wf.setdefault("spec", {})
    if entrypoint:
        spec["entrypoint"] = entrypoint
    if params:
        args = spec.setdefault("arguments", {})
        plist = args.setdefault("parameters", [])
        known = {p.get("name"): p for p in plist}
        for name, value in params.items():
            if name in known:
                known[name]["value"] = value
                known[name].pop("valueFrom", None)
            else:
                plist.append({"name": name, "value": value})
    resolved = resolve_workflow(wf, objects)
    check_arguments(resolved)
    resolve_workflow_ref(resolved, objects)
    return resolved


def check_arguments(workflow: Mapping[str, Any]) -> None:
    """Argo's submit-time rule: each ``spec.arguments.parameters`` entry has a value (or a
    ``valueFrom``), and a value from its ``enum`` when it has one."""
    spec = workflow.get("spec")
    args = spec.get("arguments") if isinstance(spec, Mapping) else None
    params = args.get("parameters") if isinstance(args, Mapping) else None
    for param in params if isinstance(params, list) else ():
        if not isinstance(param, Mapping):
            continue
        field = f"spec.arguments.{param.get('name')}"
        value = param.get("value")
        if value is None and param.get("valueFrom") is None:
            raise SpecError(f"{field}.value is required")
        enum = param.get("enum")
        if enum is None:
            continue
        if not enum:
            raise SpecError(f"{field}.enum should contain at least one value")
        if value is None:
            raise SpecError(f"{field}.value is required")
        if any_string(value) not in {any_string(e) for e in enum}:
            raise SpecError(f"{field}.value should be present in {field}.enum list")
