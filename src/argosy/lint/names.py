"""Argo's and Kubernetes' rules for names."""

from __future__ import annotations

import re

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*")
_FIELD_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")
_PARAM_NAME = re.compile(r"[-a-zA-Z0-9_]+")
#: Argo's placeholder for a value only known at runtime, as in ``name: "{{item}}-step"``.
_VARIABLE = re.compile(r"\{\{[^}]*\}\}")

FIELD_NAME_MAX = 128
OBJECT_NAME_MAX = 63
CRON_WORKFLOW_NAME_MAX = 52


def object_name_problem(name: str, *, generate: bool = False) -> str | None:
    """Why ``name`` is not a valid Kubernetes object name (DNS-1123 subdomain), or None."""
    candidate = name + "x" if generate else name
    if len(candidate) > 253:
        return "must be no more than 253 characters"
    if not _DNS1123_SUBDOMAIN.fullmatch(candidate):
        return (
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
            "'.', and must start and end with an alphanumeric character"
        )
    return None


def field_name_problem(name: str) -> str | None:
    """Why a template, step or task name is invalid in Argo, or None."""
    sanitized = _VARIABLE.sub("x", name)
    problems = []
    if len(sanitized) > FIELD_NAME_MAX:
        problems.append(f"must be no more than {FIELD_NAME_MAX} characters")
    if not _FIELD_NAME.fullmatch(sanitized):
        problems.append(
            "name must consist of alpha-numeric characters or '-', "
            "and must start with an alpha-numeric character (e.g. My-name1-2, 123-NAME)"
        )
    return ";".join(problems) or None


def parameter_name_problem(name: str) -> str | None:
    """Why a parameter or artifact name is invalid in Argo, or None."""
    if not _PARAM_NAME.fullmatch(name):
        return (
            "Parameter/Artifact name must consist of alpha-numeric characters, '_' or '-' "
            "e.g. my_param_1, MY-PARAM-1"
        )
    return None
