"""Binding a call's arguments to a template's inputs (Argo's ProcessArgs).

Given the template a step/task calls and the arguments it passes, produce the template
with ``inputs`` filled in (values, resolved artifact locations) and every ``{{...}}``
that can be resolved now substituted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from argosy.engine.scope import chain, inputs_scope, outputs_path_scope
from argosy.errors import ArgumentError
from argosy.expr import substitute_object
from argosy.goformat import parameter_string

ConfigMapLookup = Callable[[str, str], str | None]

#: stands for an argument that names a skipped node's output with no default (Argo's
#: "absent optional"): the input's own default applies, else the input is not supplied
ABSENT = "\x00absent-optional\x00"


def mark_absent_arguments(holder: dict[str, Any], scope: Mapping[str, Any]) -> dict[str, Any]:
    """Replace arguments that are exactly ``{{ref}}`` to an absent optional with ``ABSENT``."""
    args = holder.get("arguments") or {}
    params = args.get("parameters")
    if not params:
        return holder
    marked = None
    for i, p in enumerate(params):
        v = p.get("value")
        if isinstance(v, str) and v.startswith("{{") and v.endswith("}}") and "{{" not in v[2:-2]:
            key = v[2:-2].strip()
            if key in scope and scope[key] is None:
                if marked is None:
                    marked = [dict(x) for x in params]
                marked[i]["value"] = ABSENT
    if marked is None:
        return holder
    return {**holder, "arguments": {**args, "parameters": marked}}


def _by_name(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in items or () if isinstance(i, dict) and "name" in i}


def bind_inputs(
    template: dict[str, Any],
    arguments: Mapping[str, Any] | None,
    configmap: ConfigMapLookup,
) -> dict[str, Any]:
    """Return ``template['inputs']`` with values from arguments, defaults and ConfigMaps."""
    inputs = template.get("inputs") or {}
    if not inputs:
        return {}
    args = arguments or {}
    arg_params = _by_name(args.get("parameters"))
    arg_arts = _by_name(args.get("artifacts"))
    bound: dict[str, Any] = {}
    params = []
    for p in inputs.get("parameters") or []:
        p = dict(p)
        value: Any = None
        if "default" in p:
            value = parameter_string(p["default"])
        if "value" in p:
            value = parameter_string(p["value"])
        source = arg_params.get(p["name"])
        value_from = (source or {}).get("valueFrom") or p.get("valueFrom") or {}
        absent = source is not None and source.get("value") == ABSENT
        if absent and value is None and not value_from:
            raise ArgumentError(f"inputs.parameters.{p['name']}: argument references an absent optional "
                                "(skipped/omitted node output with no default)")
        if source is not None and "value" in source and not absent:
            value = parameter_string(source["value"])
        elif value_from.get("configMapKeyRef"):
            ref = value_from["configMapKeyRef"]
            found = configmap(ref.get("name", ""), ref.get("key", ""))
            if found is None:
                if "default" in value_from:
                    found = parameter_string(value_from["default"])
                elif not ref.get("optional"):
                    raise ArgumentError(
                        f"unable to retrieve inputs.parameters.{p['name']} from ConfigMap "
                        f"{ref.get('name')!r} key {ref.get('key')!r}"
                    )
            value = found
        if value is None:
            raise ArgumentError(f"inputs.parameters.{p['name']} was not supplied")
        enum = p.get("enum")
        if enum and value not in [parameter_string(e) for e in enum]:
            raise ArgumentError(f"value {value!r} of inputs.parameters.{p['name']} is not in the enum {enum}")
        p["value"] = value
        params.append(p)
    if params:
        bound["parameters"] = params
    arts = []
    for a in inputs.get("artifacts") or []:
        a = dict(a)
        src = arg_arts.get(a["name"])
        if not a.get("optional") and not has_location_or_key(a):
            if src is None:
                raise ArgumentError(f"inputs.artifacts.{a['name']} was not supplied")
            if not has_location_or_key(src):  # e.g. from a skipped step's output
                raise ArgumentError(f"inputs.artifacts.{a['name']} missing location information")
        if src is not None:
            for k, v in src.items():
                if k in ("name", "from", "fromExpression") or (k in ("path", "mode") and k in a):
                    continue
                a[k] = v
        arts.append(a)
    if arts:
        bound["artifacts"] = arts
    for k, v in inputs.items():
        if k not in ("parameters", "artifacts"):
            bound[k] = v
    return bound


#: per location kind, the fields of which one non-empty gives it a location or a key (Argo's
#: HasLocationOrKey: ``http: {}`` or an s3 location without a key has neither)
_LOCATION_FIELDS: dict[str, tuple[str, ...]] = {
    "local": ("key",), "s3": ("key",), "gcs": ("key",), "oss": ("key",), "plugin": ("key",),
    "http": ("url",), "artifactory": ("url",), "git": ("repo",), "azure": ("blob",),
    "hdfs": ("path", "addresses"), "raw": (),
}


def has_location_or_key(artifact: Mapping[str, Any]) -> bool:
    """Whether an artifact says where it is (Argo's HasLocationOrKey)."""
    for kind, fields in _LOCATION_FIELDS.items():
        location = artifact.get(kind)
        if isinstance(location, Mapping):
            return not fields or any(location.get(f) for f in fields)
    return False


def process_template(
    template: dict[str, Any],
    arguments: Mapping[str, Any] | None,
    global_scope: Mapping[str, Any],
    local: Mapping[str, Any],
    configmap: ConfigMapLookup,
) -> dict[str, Any]:
    """The template as this call will run it: inputs bound, variables substituted."""
    inputs = bind_inputs(template, arguments, configmap)
    # bound values usually hold no "{{" (repr is all C): then both walks below are skipped
    templated = bool(inputs) and "{{" in repr(inputs)
    if templated:
        # substitute globals into the inputs themselves first (defaults may use them)
        inputs = substitute_object(inputs, chain(dict(local), global_scope))
    scope = chain(inputs_scope(inputs), outputs_path_scope(template.get("outputs")), dict(local), global_scope)
    # the template is the resolver's (never changed): only its placeholders are visited
    processed = substitute_object(template, scope, static=True)
    if inputs:
        processed["inputs"] = substitute_object(inputs, scope) if templated else inputs
    return processed

