"""Strict decoding, as ``argo lint`` does it: every field of the right type, no unknown field.

Walks a manifest's body against ``argosy.spec.schema`` and reports each problem at its full
path (``spec.templates[0].container.imagee``), an unknown field with a "did you mean". A
wrong type is a *shape* problem: the other checks (and the engine) would trip over it, so
``check_kind`` says whether one was found and lint then stops checking that object, as
Argo stops at the first decoding error. ``null`` is accepted anywhere (Go reads it as the
zero value) except as an entry of a list, where the engine could not use it.
"""

from __future__ import annotations

from typing import Any

from argosy.lint.report import Report, did_you_mean
from argosy.spec import ARGO_KINDS, Manifest
from argosy.spec.schema import KIND_TYPES, PARALLEL_STEPS, fields

ARGO_API_VERSION = "argoproj.io/v1alpha1"
ARGO_GROUP = "argoproj.io"
#: Core kinds a run reads values from, and ``List`` (``kubectl get -o yaml``)
_CORE_KINDS = ("ConfigMap", "Secret", "List")
#: Other kinds of the argoproj.io group (Workflows' internals, Argo Events, CD, Rollouts):
#: not ours to check, but not unknown either
_OTHER_ARGOPROJ_KINDS = frozenset({
    "WorkflowTaskSet", "WorkflowTaskResult", "WorkflowArtifactGCTask",
    "EventSource", "Sensor", "EventBus",
    "Application", "ApplicationSet", "AppProject",
    "Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment",
})

_EXPECTED = {
    "str": "a string",
    "int": "an integer",
    "bool": "true or false",
    "num": "a number",
    "intstr": "an integer or a string",
    "quantity": "a quantity (a string such as 500Mi, or a number)",
    "anystr": "a string, number or boolean",
    "map": "a mapping",
    PARALLEL_STEPS: "a list of steps",
}


def check_kind(manifest: Manifest, report: Report) -> bool:
    """Report an unknown Argo kind or apiVersion; True if the object can be checked further.

    Objects of other groups (a PersistentVolumeClaim next to a workflow) pass through
    unchecked, as ``argo lint`` passes them, unless their kind looks like a misspelt Argo one.
    """
    kind, api_version = manifest.kind, manifest.api_version or ""
    if kind in ARGO_KINDS:
        if api_version != ARGO_API_VERSION:
            report.add("apiVersion", f'unknown apiVersion "{api_version}" for {kind}: '
                       f"Argo's kinds are {ARGO_API_VERSION}")
            return False
        return True
    if kind in _OTHER_ARGOPROJ_KINDS or kind in _CORE_KINDS:
        return False
    hint = did_you_mean(kind, ARGO_KINDS)
    if api_version.split("/")[0] == ARGO_GROUP or hint:
        report.add("kind", f'unknown kind "{kind}"{hint}; Argo\'s kinds are {", ".join(sorted(ARGO_KINDS))}')
    return False


def check_schema(manifest: Manifest, report: Report) -> bool:
    """Type-check the whole object against Argo's schema; True if some field has the wrong shape."""
    walker = _Walker(report)
    walker.check_object(manifest.body, KIND_TYPES[manifest.kind])
    return walker.shape_errors > 0


class _Walker:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.path: list[str] = []
        self.shape_errors = 0

    def where(self) -> str:
        return "".join(self.path).lstrip(".")

    def wrong(self, expected: str, value: Any) -> None:
        self.shape_errors += 1
        self.report.add(self.where(), f"must be {expected}, got {_describe(value)}")

    def check(self, value: Any, type_: str) -> None:
        if value is None or type_ == "any":
            return
        if type_[0] == "[":
            self.check_list(value, type_[1:-1])
        elif type_[0] == "{":
            self.check_map(value, type_[1:-1])
        elif type_ in _EXPECTED and type_ != PARALLEL_STEPS:
            if not _SCALAR_CHECKS[type_](value):
                self.wrong(_EXPECTED[type_], value)
        elif type_ == PARALLEL_STEPS:
            self.check_step_group(value)
        else:
            self.check_object(value, type_)

    def check_list(self, value: Any, item_type: str) -> None:
        if not isinstance(value, list):
            self.wrong("a list", value)
            return
        for i, item in enumerate(value):
            self.path.append(f"[{i}]")
            if item is None and item_type != "any":
                self.wrong(_expected(item_type), item)
            else:
                self.check(item, item_type)
            self.path.pop()

    def check_map(self, value: Any, item_type: str) -> None:
        if not isinstance(value, dict):
            self.wrong("a mapping", value)
            return
        for key, item in value.items():
            self.path.append(f".{key}")
            self.check(item, item_type)
            self.path.pop()

    def check_object(self, value: Any, type_: str) -> None:
        if not isinstance(value, dict):
            self.wrong(_expected(type_), value)
            return
        known = fields(type_)
        for key, item in value.items():
            self.path.append(f".{key}")
            field_type = known.get(key) if isinstance(key, str) else None
            if field_type is None:
                name = str(key)
                self.report.add(self.where(), f'unknown field "{name}"{did_you_mean(name, known)}')
            else:
                self.check(item, field_type)
            self.path.pop()

    def check_step_group(self, value: Any) -> None:
        # Argo 3.x wrote a group as {steps: [...]}; 4.x as the bare list. Both are read.
        if isinstance(value, dict) and set(value) == {"steps"}:
            self.path.append(".steps")
            self.check_list(value["steps"], "WorkflowStep")
            self.path.pop()
        elif isinstance(value, list):
            self.check_list(value, "WorkflowStep")
        else:
            self.wrong("a list of steps (each group of parallel steps is a list)", value)


def _is_int(value: Any) -> bool:
    # YAML's 1.0 becomes JSON's 1 on the way to Go, which an integer field reads
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer()
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_SCALAR_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "int": _is_int,
    "bool": lambda v: isinstance(v, bool),
    "num": _is_number,
    "intstr": lambda v: isinstance(v, str) or _is_int(v),
    "quantity": lambda v: isinstance(v, str) or _is_number(v),
    "anystr": lambda v: isinstance(v, (str, int, float)),  # bool is an int
    "map": lambda v: isinstance(v, dict),
}


def _expected(type_: str) -> str:
    if type_ in _EXPECTED:
        return _EXPECTED[type_]
    if type_[0] == "[":
        return "a list"
    return f"a mapping ({type_})" if type_[0] != "{" else "a mapping"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'a string "{text}"'
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return type(value).__name__
