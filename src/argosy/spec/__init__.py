"""Argo manifests: load, resolve references and defaults, read fields in every spelling.

The ``spec`` room knows Argo's kinds and how objects refer to each other; it evaluates
nothing (that is ``expr``) and runs nothing (that is ``engine``).
"""

from __future__ import annotations

from argosy.spec.duration import parse_duration, parse_go_duration
from argosy.spec.fields import (
    any_string,
    cron_schedules,
    dag_tasks,
    mutexes,
    normalize_parameter,
    normalize_parameters,
    normalize_workflow_parameters,
    semaphores,
    step_groups,
)
from argosy.spec.kinds import NodeType, Phase, TemplateKind, template_kind
from argosy.spec.load import dump, load_file, load_paths, load_text, manifest_files, manifest_from_body
from argosy.spec.manifest import (
    ARGO_KINDS,
    CLUSTER_WORKFLOW_TEMPLATE,
    CONFIG_MAP,
    CRON_WORKFLOW,
    SECRET,
    WORKFLOW,
    WORKFLOW_EVENT_BINDING,
    WORKFLOW_TEMPLATE,
    Manifest,
)
from argosy.spec.merge import strategic_merge
from argosy.spec.objects import ObjectSet
from argosy.spec.resolve import (
    TEMPLATE_TYPES,
    WORKFLOW_SCOPE,
    TemplateResolver,
    TemplateScope,
    apply_template_defaults,
    find_template,
    merge_workflow_spec,
    resolve_template_ref,
    resolve_workflow,
    template_type,
    template_types,
)

__all__ = [
    "ARGO_KINDS",
    "CLUSTER_WORKFLOW_TEMPLATE",
    "CONFIG_MAP",
    "CRON_WORKFLOW",
    "SECRET",
    "TEMPLATE_TYPES",
    "WORKFLOW",
    "WORKFLOW_EVENT_BINDING",
    "WORKFLOW_SCOPE",
    "WORKFLOW_TEMPLATE",
    "Manifest",
    "NodeType",
    "ObjectSet",
    "Phase",
    "TemplateKind",
    "TemplateResolver",
    "TemplateScope",
    "any_string",
    "apply_template_defaults",
    "cron_schedules",
    "dag_tasks",
    "dump",
    "find_template",
    "load_file",
    "load_paths",
    "load_text",
    "manifest_files",
    "manifest_from_body",
    "merge_workflow_spec",
    "mutexes",
    "normalize_parameter",
    "normalize_parameters",
    "normalize_workflow_parameters",
    "parse_duration",
    "parse_go_duration",
    "resolve_template_ref",
    "resolve_workflow",
    "semaphores",
    "step_groups",
    "strategic_merge",
    "template_kind",
    "template_type",
    "template_types",
]
