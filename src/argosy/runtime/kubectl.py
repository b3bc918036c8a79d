"""What Argo's executor asks of ``kubectl`` for a resource template, without ``kubectl``.

Argo runs ``kubectl <action> [flags] -f manifest -o json``, then ``kubectl get -o
jsonpath=...`` (or ``-o json`` piped through gojq) for each output parameter. Argosy's
resources live in its own store, so this module reads the part of kubectl's command line
that names an object (``TYPE NAME``, ``TYPE/NAME``, ``-n``, ``-l``) and refuses the flags
that only mean something to a Kubernetes API server, naming them; and it prints an object
through a kubectl JSONPath template or a jq filter as kubectl and gojq do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from argosy.errors import ResourceError

#: kubectl's names (singular, plural, short, ``kind.group``) of the kinds Argosy keeps, by kind
KIND_NAMES: dict[str, tuple[str, ...]] = {
    "Workflow": ("workflow", "workflows", "wf", "workflow.argoproj.io", "workflows.argoproj.io"),
    "WorkflowTemplate": ("workflowtemplate", "workflowtemplates", "wftmpl", "workflowtemplate.argoproj.io",
                         "workflowtemplates.argoproj.io"),
    "ClusterWorkflowTemplate": ("clusterworkflowtemplate", "clusterworkflowtemplates", "cwftmpl", "cwft",
                                "clusterworkflowtemplate.argoproj.io", "clusterworkflowtemplates.argoproj.io"),
    "CronWorkflow": ("cronworkflow", "cronworkflows", "cwf", "cronwf", "cronworkflow.argoproj.io",
                     "cronworkflows.argoproj.io"),
    "ConfigMap": ("configmap", "configmaps", "cm"),
}
_BY_NAME = {name: kind for kind, names in KIND_NAMES.items() for name in names}
#: flags that take a value and what they set
_VALUED = {"-n": "namespace", "--namespace": "namespace", "-l": "selector", "--selector": "selector"}
#: flags that change nothing here (Argo adds --ignore-not-found to delete itself)
_HARMLESS = frozenset({"--ignore-not-found", "--ignore-not-found=true", "--wait", "--wait=true",
                       "--save-config", "--validate=false", "--validate=true", "--validate"})


def kind_of(name: str) -> str | None:
    """The kind kubectl's resource ``name`` means (``cm`` -> ConfigMap), None when Argosy keeps none."""
    return _BY_NAME.get(name.lower())


@dataclass(frozen=True, slots=True)
class Flags:
    """What a template's ``flags`` say: the object's type and name, its namespace, a label selector."""

    type: str | None = None
    name: str | None = None
    namespace: str | None = None
    selector: str | None = None


def parse_flags(flags: list[Any]) -> Flags:
    """Read ``flags`` as kubectl would; ResourceError for a flag that needs a Kubernetes API server."""
    positional: list[str] = []
    found: dict[str, str] = {}
    items = [str(f) for f in flags]
    i = 0
    while i < len(items):
        flag = items[i]
        head, eq, value = flag.partition("=")
        if head in _VALUED:
            if not eq:
                if i + 1 >= len(items):
                    raise ResourceError(f"resource flag {flag!r} needs a value")
                i += 1
                value = items[i]
            found[_VALUED[head]] = value
        elif flag in _HARMLESS:
            pass
        elif flag.startswith("-"):
            raise ResourceError(
                f"resource flag {flag!r} is a kubectl flag that needs a Kubernetes API server: Argosy keeps "
                "resources in its own store and understands only TYPE NAME (or TYPE/NAME), "
                "-n/--namespace and -l/--selector; remove the flag, or run the workflow on Kubernetes")
        else:
            positional.append(flag)
        i += 1
    if len(positional) == 1 and "/" in positional[0]:
        positional = positional[0].split("/", 1)
    if len(positional) > 2:
        raise ResourceError(f"resource flags name more than one object ({' '.join(positional)}): "
                            "a resource template acts on one TYPE NAME")
    return Flags(positional[0] if positional else None, positional[1] if len(positional) > 1 else None,
                 found.get("namespace"), found.get("selector"))


# ---- output parameters ---------------------------------------------------------------------------


def go_json(value: Any) -> str:
    """``json.Marshal`` of a decoded JSON value: compact, map keys sorted, HTML-safe."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return go_json(value)
    return str(value)


_SEGMENT = re.compile(r"\{((?:[^{}\"']|\"[^\"]*\"|'[^']*')*)\}")


def jsonpath_output(obj: Any, template: str) -> str:
    """``kubectl get -o jsonpath=TEMPLATE``: text outside braces as is, each ``{expr}`` replaced by
    what it selects (several matches space-separated, a missing field as nothing)."""
    import jsonpath as python_jsonpath  # imported on first use, as expr does

    out: list[str] = []
    pos = 0
    for m in _SEGMENT.finditer(template):
        out.append(template[pos:m.start()])
        pos = m.end()
        expr = m.group(1).strip()
        if expr.startswith(("range ", "end")) or expr == "range":
            raise ResourceError(f"jsonPath {template!r}: {{range}}/{{end}} is not supported; "
                                "select with [*] or use jqFilter")
        if len(expr) >= 2 and expr[0] == expr[-1] and expr[0] in "\"'":
            out.append(expr[1:-1].encode().decode("unicode_escape"))
            continue
        path = "$" + expr[1:] if expr.startswith("@") else ("$" + expr if not expr.startswith("$") else expr)
        if path in ("$.", "$"):
            out.append(_text(obj))
            continue
        try:
            found = python_jsonpath.findall(path, obj)
        except python_jsonpath.JSONPathError as err:
            raise ResourceError(f"error parsing jsonpath {template}: {err}") from None
        out.append(" ".join(_text(v) for v in found))
    out.append(template[pos:])
    return "".join(out)


def jq_output(obj: Any, program: str) -> str:
    """Argo's ``jqFilter``: each result of the filter on its own line (strings raw, others as
    JSON), the whole trimmed."""
    import jq

    try:
        results = jq.compile(program).input_value(obj).all()
    except ValueError as err:
        raise ResourceError(f"jqFilter {program!r}: {err}") from None
    return "\n".join(_text(r) if isinstance(r, str) else go_json(r) for r in results).strip()
