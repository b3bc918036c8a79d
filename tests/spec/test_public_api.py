"""Each room's public names are curated, and every error class sits in ``errors.py``'s tree.

A change to a room's ``__all__`` must change this file too: what other rooms (and users)
may import is a decision, not a side effect.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import argosy
import argosy.errors
from argosy.errors import ArgosyError

PINNED: dict[str, list[str]] = {
    "argosy.engine": [
        "CancelPod", "Intent", "Node", "NodeTable", "PodFinished", "PodProgress", "PodResult", "PodSpec", "PodStarted",
        "Reconciler", "RunPod", "SaveMemo", "WakeAt", "node_id", "pod_name",
    ],
    "argosy.expr": [
        "Compiled", "Depends", "Placeholder", "TaskOutcome", "compile_expression", "dependencies_as_depends",
        "evaluate", "evaluate_bool", "evaluate_when", "expand_scope", "expression_variables", "jsonpath",
        "parse_depends", "placeholders", "render_value", "substitute", "substitute_object",
    ],
    "argosy.lint": ["format_problems", "lint_objects", "lint_paths", "schedule_problem"],
    "argosy.spec": [
        "ARGO_KINDS", "CLUSTER_WORKFLOW_TEMPLATE", "CONFIG_MAP", "CRON_WORKFLOW", "SECRET", "TEMPLATE_TYPES",
        "WORKFLOW", "WORKFLOW_EVENT_BINDING", "WORKFLOW_SCOPE", "WORKFLOW_TEMPLATE", "Manifest", "NodeType",
        "ObjectSet", "Phase", "TemplateKind", "TemplateResolver", "TemplateScope", "any_string",
        "apply_template_defaults", "cron_schedules", "dag_tasks", "dump", "find_template", "load_file",
        "load_paths", "load_text", "manifest_files", "manifest_from_body", "merge_workflow_spec", "mutexes",
        "normalize_parameter", "normalize_parameters", "normalize_workflow_parameters", "parse_duration",
        "parse_go_duration", "resolve_template_ref", "resolve_workflow", "semaphores", "step_groups",
        "strategic_merge", "template_kind", "template_type", "template_types",
    ],
}

#: rooms their owners are reshaping (issue 9): checked for a sound ``__all__`` only, until pinned
UNPINNED = ["argosy.runtime", "argosy.store", "argosy.artifacts"]

#: error classes defined outside errors.py (still in its tree, and drawn in its docstring)
ERRORS_ELSEWHERE = {
    "argosy.runtime.http.HttpRequestError",
    "argosy.runtime.data.DataError",
}
#: exceptions used for control flow inside one module, never seen by a user
#: (DuplicateKeyError: the YAML loader's signal, turned into a SpecError naming the file)
PRIVATE_SIGNALS = {"argosy.expr.interpreter._NilChain", "argosy.spec.load.DuplicateKeyError",
                   "argosy.spec.load._DuplicateJSONKey"}


@pytest.mark.parametrize("room", sorted(PINNED))
def test_pinned_public_names(room: str) -> None:
    module = importlib.import_module(room)
    assert sorted(module.__all__) == sorted(PINNED[room])


@pytest.mark.parametrize("room", sorted(PINNED) + UNPINNED)
def test_all_is_unique_and_importable(room: str) -> None:
    module = importlib.import_module(room)
    names = module.__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(module, name), name


def _all_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(argosy.__path__, "argosy.")]


def test_every_error_class_is_in_the_tree() -> None:
    """Every exception Argosy defines derives from ArgosyError and is defined in errors.py."""
    strays = []
    for name in _all_modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if not (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == name):
                continue
            qualified = f"{name}.{obj.__qualname__}"
            if qualified in PRIVATE_SIGNALS:
                continue
            assert issubclass(obj, ArgosyError), f"{qualified} is not an ArgosyError"
            if name != "argosy.errors" and qualified not in ERRORS_ELSEWHERE:
                strays.append(qualified)
    assert strays == [], "define error classes in argosy/errors.py"


def test_the_tree_is_drawn_whole() -> None:
    """The docstring of errors.py names every error class of the tree."""
    doc = argosy.errors.__doc__ or ""
    classes = [obj for obj in vars(argosy.errors).values()
               if inspect.isclass(obj) and issubclass(obj, ArgosyError)]
    classes += [getattr(importlib.import_module(q.rsplit(".", 1)[0]), q.rsplit(".", 1)[1]) for q in ERRORS_ELSEWHERE]
    missing = [c.__name__ for c in classes if f" {c.__name__} " not in doc and f"── {c.__name__}" not in doc]
    assert missing == []
