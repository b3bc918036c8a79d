"""Outputs of Steps and DAG templates, resolved from the steps/tasks they ran."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from argosy.engine.arguments import parameter_string
from argosy.errors import ArgosyError, OutputError
from argosy.expr import evaluate, expand_scope, substitute


def _strip(ref: str) -> str:
    ref = ref.strip()
    if ref.startswith("{{") and ref.endswith("}}"):
        return ref[2:-2].strip()
    return ref


def find_artifact(ref: Mapping[str, Any], scope: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The artifact a ``from: "{{...}}"`` or ``fromExpression`` names, or None."""
    found: Any = None
    if ref.get("from"):
        found = scope.get(_strip(substitute(_strip(str(ref["from"])), scope)))
    elif ref.get("fromExpression"):
        try:
            found = evaluate(str(ref["fromExpression"]), expand_scope(scope))
        except ArgosyError:
            found = None
    return found if isinstance(found, Mapping) else None


def template_outputs(template: Mapping[str, Any], scope: Mapping[str, Any]) -> dict[str, Any] | None:
    """Argo's getTemplateOutputsFromScope."""
    spec = template.get("outputs") or {}
    if not spec.get("parameters") and not spec.get("artifacts"):
        return None
    out: dict[str, Any] = {}
    params = []
    for p in spec.get("parameters") or []:
        vf = p.get("valueFrom")
        if not vf:
            raise OutputError("output parameters must have a valueFrom specified")
        value: Any = None
        try:
            if "parameter" in vf and _strip(str(vf["parameter"])) in scope and \
                    scope[_strip(str(vf["parameter"]))] is None:
                # a skipped/omitted node's output without default: only a default here helps
                if "default" not in vf:
                    raise OutputError(
                        f"output parameter {json.dumps(p['name'])}: {json.dumps(str(vf['parameter']))} is an "
                        "absent optional (skipped/omitted node output with no default)")
            elif "parameter" in vf:
                text = substitute(str(vf["parameter"]), scope, allow_unresolved=False)
                value = text
            elif "expression" in vf:
                result = evaluate(vf["expression"], expand_scope(scope))
                if result is None:  # e.g. an absent optional read without `??`
                    raise OutputError(f"failed to evaluate expression {json.dumps(str(vf['expression']))}")
                value = parameter_string(result)
            elif "supplied" in vf:
                value = None
        except OutputError:
            if "default" not in vf:
                raise
        except ArgosyError as err:
            if "default" not in vf:
                raise OutputError(f"unable to resolve outputs from scope: {err}") from None
        if value is None and "default" in vf:
            value = parameter_string(vf["default"])
        if value is None:
            raise OutputError(f"unable to resolve output parameter {p['name']!r}")
        row = {k: v for k, v in p.items() if k != "valueFrom"}
        row["value"] = value
        params.append(row)
    if params:
        out["parameters"] = params
    arts = []
    for a in spec.get("artifacts") or []:
        found = find_artifact(a, scope)
        if found is None:
            if a.get("optional"):
                continue
            raise OutputError(
                f"unable to resolve outputs from scope: Unable to resolve: {a.get('from') or a.get('fromExpression')}")
        row = dict(found)
        row["name"] = a["name"]
        if a.get("globalName"):
            row["globalName"] = a["globalName"]
        arts.append(row)
    if arts:
        out["artifacts"] = arts
    return out or None


def bind_artifact_arguments(holder: dict[str, Any], scope: Mapping[str, Any]) -> dict[str, Any]:
    """Replace ``from``/``fromExpression`` artifact arguments with the artifacts they name.

    Done before string substitution, which would flatten an artifact into text.
    """
    args = holder.get("arguments") or {}
    arts = args.get("artifacts")
    if not arts or not any("from" in a or "fromExpression" in a for a in arts):
        return holder
    bound = []
    for a in arts:
        if "from" not in a and "fromExpression" not in a:
            bound.append(a)
            continue
        found = find_artifact(a, scope)
        if found is None:
            if a.get("optional"):
                continue
            raise OutputError(f'Unable to resolve: "{_strip(str(a.get("from") or a.get("fromExpression")))}"')
        row = {k: v for k, v in found.items() if k not in ("path", "mode", "globalName")}
        row["name"] = a["name"]
        for k in ("subPath", "mode", "path"):
            if k in a:
                row[k] = a[k]
        bound.append(row)
    out = dict(holder)
    out["arguments"] = {**args, "artifacts": bound}
    return out
