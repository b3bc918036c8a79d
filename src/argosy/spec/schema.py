"""Argo's schema in a compact notation of our own: every type a manifest may hold, field by field.

``argo lint`` decodes strictly: a field of the wrong JSON type or a field the type does not
have is an error. The tables in ``schema_argo`` (Argo's types) and ``schema_core`` (the
Kubernetes types Argo embeds) say what each type holds, one type per line (continuation
lines indented)::

    Name  field:type field:type ...

where a type is one of

=================  ==========================================================================
``str``            a string
``int``            an integer
``bool``           true or false
``num``            a number
``intstr``         Kubernetes' IntOrString: an integer or a string
``quantity``       a resource quantity: a string (``500Mi``) or a number
``anystr``         Argo's AnyString: a string, number or boolean, read as a string
``map``            any mapping, not checked further (affinity, plugin bodies)
``any``            anything (loop items, status)
``[T]``            a list of T
``{T}``            a mapping from names to T
``Name``           a mapping with the fields of the type ``Name`` and no others
``ParallelSteps``  a step group: a list of WorkflowStep (or ``{steps: [...]}``, as 3.x wrote it)
=================  ==========================================================================

The tables are parsed on first use (about a millisecond) and shared.
"""

from __future__ import annotations

from functools import cache

from argosy.spec.manifest import (
    CLUSTER_WORKFLOW_TEMPLATE,
    CRON_WORKFLOW,
    WORKFLOW,
    WORKFLOW_EVENT_BINDING,
    WORKFLOW_TEMPLATE,
)

SCALARS = frozenset({"str", "int", "bool", "num", "intstr", "quantity", "anystr", "map", "any"})
#: The custom-decoded step group type
PARALLEL_STEPS = "ParallelSteps"

#: The type of each Argo kind's whole object
KIND_TYPES = {
    WORKFLOW: "Workflow",
    WORKFLOW_TEMPLATE: "WorkflowTemplate",
    CLUSTER_WORKFLOW_TEMPLATE: "ClusterWorkflowTemplate",
    CRON_WORKFLOW: "CronWorkflow",
    WORKFLOW_EVENT_BINDING: "WorkflowEventBinding",
}


@cache
def types() -> dict[str, dict[str, str]]:
    """Every type by name: its fields and each field's type."""
    from argosy.spec import schema_argo, schema_core

    table: dict[str, dict[str, str]] = {}
    for text in (schema_argo.TYPES, schema_core.TYPES):
        for entry in text.strip().replace("\n    ", " ").splitlines():
            name, *fields = entry.split()
            table[name] = dict(field.split(":", 1) for field in fields)
    return table


def fields(type_name: str) -> dict[str, str]:
    """The fields of one named type (KeyError if there is no such type)."""
    return types()[type_name]


def undefined_types() -> set[str]:
    """Type names some field uses but no table defines (empty when the tables are whole)."""
    used = set()
    for type_fields in types().values():
        for field_type in type_fields.values():
            used.add(field_type.strip("[]{}"))
    return used - set(types()) - SCALARS - {PARALLEL_STEPS}
