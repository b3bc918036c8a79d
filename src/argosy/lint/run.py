"""``argosy lint``: load files, check every object against the others, print the problems."""

from __future__ import annotations

import os
from collections.abc import Iterable

from argosy.errors import ArgosyError, SpecError
from argosy.lint.event_binding import check_event_binding
from argosy.lint.report import Report
from argosy.lint.schema import check_kind, check_schema
from argosy.lint.workflow import LINTED_KINDS, check_manifest
from argosy.spec import WORKFLOW_EVENT_BINDING, Manifest, ObjectSet, manifest_files
from argosy.spec.load import (
    is_kubernetes_object,
    manifests_from_documents,
    parse_documents,
    read_manifest_file,
)


def lint_objects(manifests: list[Manifest], *, offline_refs_ok: bool = False) -> list[SpecError]:
    """Every problem in ``manifests``, references resolved among them.

    With ``offline_refs_ok``, a ``templateRef``/``workflowTemplateRef`` to a template that
    is not among ``manifests`` is assumed to exist elsewhere rather than reported.
    """
    objects = ObjectSet(manifests)
    problems: list[SpecError] = []
    for manifest in manifests:
        report = Report(manifest)
        if not check_kind(manifest, report) or check_schema(manifest, report) or manifest.kind not in LINTED_KINDS:
            # a field of the wrong shape stops the checks of this object, as a decoding error stops Argo's
            if manifest.kind == WORKFLOW_EVENT_BINDING and not report.problems:
                check_event_binding(manifest.spec, objects, report, offline_refs_ok=offline_refs_ok)
            problems.extend(report.problems)
            continue
        try:
            check_manifest(manifest, objects, report, offline_refs_ok=offline_refs_ok)
        except (ArgosyError, TypeError, AttributeError, ValueError, LookupError, RecursionError) as e:
            # A shape the checks did not expect (a list where a mapping goes ...): say so, keep going.
            report.add(None, f"cannot check this object: {e}")
        problems.extend(report.problems)
    return problems


def lint_paths(paths: Iterable[str | os.PathLike[str]], *, offline_refs_ok: bool = False) -> list[SpecError]:
    """Every problem in the given files and directories, linted together as one set.

    Files found by walking a directory that are not Kubernetes objects at all (no
    ``apiVersion`` and no ``kind``, e.g. a Grafana dashboard) are skipped, as Argo does;
    a file named explicitly must hold Kubernetes objects.
    """
    manifests: list[Manifest] = []
    problems: list[SpecError] = []
    explicit = {os.fspath(p) for p in paths if not os.path.isdir(os.fspath(p))}
    try:
        files = list(manifest_files(paths))
    except SpecError as e:
        return [e]
    for file in files:
        try:
            documents = parse_documents(read_manifest_file(file), file)
            if file not in explicit and not any(is_kubernetes_object(d) for d in documents):
                continue
            manifests.extend(manifests_from_documents(documents, file))
        except SpecError as e:
            problems.append(e)
    return problems + lint_objects(manifests, offline_refs_ok=offline_refs_ok)


def format_problems(problems: list[SpecError]) -> str:
    """One line per problem, then a summary line; what ``argosy lint`` prints."""
    if not problems:
        return "no linting errors found!\n"
    lines = [str(p) for p in problems]
    count = len(problems)
    lines.append(f"{count} linting error{'s' if count != 1 else ''} found")
    return "\n".join(lines) + "\n"
