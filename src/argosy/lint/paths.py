"""Paths a spec gives inside a volume, checked as Kubernetes' API server checks them.

``volumeMounts[].subPath``, ConfigMap/Secret ``items[].path`` and a claim's name name a
place inside a volume: an absolute path or a ``..`` element would leave it. The process
runtime applies the same rules (and resolves what passes without following links).
"""

from __future__ import annotations

from typing import Any

from argosy.lint.report import Report

#: template fields holding containers, each with its own ``volumeMounts``
_CONTAINER_LISTS = ("initContainers", "sidecars")


def relative_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a place inside a volume (Kubernetes' rule), or None."""
    if path.startswith("/"):
        return "must be a relative path"
    if ".." in path.split("/"):
        return "must not contain '..'"
    return None


def claim_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a claim's name, or None."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        return "must be a name, not a path (no '/', not '.' or '..')"
    return None


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def _invalid(report: Report, field: str, value: str, problem: str) -> None:
    report.add(field, f'Invalid value: "{value}": {problem}')


def check_volumes(volumes: Any, at: str, report: Report) -> None:
    """``items[].path`` of ConfigMap/Secret volumes and ``persistentVolumeClaim.claimName``."""
    if not isinstance(volumes, list):
        return
    for i, vol in enumerate(volumes):
        if not isinstance(vol, dict):
            continue
        for kind in ("configMap", "secret"):
            src = vol.get(kind)
            items = src.get("items") if isinstance(src, dict) else None
            for j, item in enumerate(items if isinstance(items, list) else ()):
                path = item.get("path") if isinstance(item, dict) else None
                if isinstance(path, str) and not _templated(path):
                    problem = relative_path_problem(path)
                    if problem:
                        _invalid(report, f"{at}[{i}].{kind}.items[{j}].path", path, problem)
        pvc = vol.get("persistentVolumeClaim")
        claim = pvc.get("claimName") if isinstance(pvc, dict) else None
        if isinstance(claim, str) and not _templated(claim):
            problem = claim_name_problem(claim)
            if problem:
                _invalid(report, f"{at}[{i}].persistentVolumeClaim.claimName", claim, problem)


def _check_mounts(container: Any, at: str, report: Report) -> None:
    mounts = container.get("volumeMounts") if isinstance(container, dict) else None
    for i, vm in enumerate(mounts if isinstance(mounts, list) else ()):
        sub = vm.get("subPath") if isinstance(vm, dict) else None
        if isinstance(sub, str) and sub and not _templated(sub):
            problem = relative_path_problem(sub)
            if problem:
                _invalid(report, f"{at}.volumeMounts[{i}].subPath", sub, problem)


def check_spec_paths(spec: dict[str, Any], report: Report) -> None:
    """Every spec-given path inside a volume, in the spec and each of its templates."""
    check_volumes(spec.get("volumes"), "spec.volumes", report)
    templates = spec.get("templates")
    for t, template in enumerate(templates if isinstance(templates, list) else ()):
        if not isinstance(template, dict):
            continue
        at = f"spec.templates[{t}]"
        check_volumes(template.get("volumes"), f"{at}.volumes", report)
        for kind in ("container", "script"):
            _check_mounts(template.get(kind), f"{at}.{kind}", report)
        for kind in _CONTAINER_LISTS:
            containers = template.get(kind)
            for c, spec_c in enumerate(containers if isinstance(containers, list) else ()):
                _check_mounts(spec_c, f"{at}.{kind}[{c}]", report)
        cs = template.get("containerSet")
        if isinstance(cs, dict):
            _check_mounts(cs, f"{at}.containerSet", report)
            containers = cs.get("containers")
            for c, spec_c in enumerate(containers if isinstance(containers, list) else ()):
                _check_mounts(spec_c, f"{at}.containerSet.containers[{c}]", report)
