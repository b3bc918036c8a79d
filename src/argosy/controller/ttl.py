"""When a finished workflow, or an archived one, is due for deletion: Argo's TTL rules.

Pure functions of a workflow and the configuration: the garbage collector
(:mod:`argosy.controller.gc`) asks them for a due time, which is always derived from what
the store holds (``status.finishedAt``, the archive's timestamps), never from an in-memory
timer, so a restarted server finds every due deletion again.

``ttlStrategy`` (Argo's ``ttlcontroller``): a ``Failed`` workflow uses
``secondsAfterFailure``, a ``Succeeded`` one ``secondsAfterSuccess``, and any finished one
(``Error`` included) falls back to ``secondsAfterCompletion``. The workflow's own strategy
replaces the one of the WorkflowTemplate it was submitted from
(``status.storedWorkflowTemplateSpec``); the controller's default (Argo's
``workflowDefaults.spec.ttlStrategy``) fills the fields neither sets, as Argo's defaults
merge does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argosy.spec.duration import parse_duration

TTL_FIELDS = ("secondsAfterCompletion", "secondsAfterSuccess", "secondsAfterFailure")

FINISHED = frozenset({"Succeeded", "Failed", "Error"})


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    """What the server's configuration says about keeping workflows (Argo's controller
    ConfigMap: ``persistence.archive``, ``persistence.archiveTTL``,
    ``workflowDefaults.spec.ttlStrategy`` / ``podGC``)."""

    #: copy each workflow into the archive once it finished (``persistence.archive``)
    archive: bool = False
    #: seconds an archived workflow is kept (``persistence.archiveTTL``); None: for ever
    archive_ttl: float | None = None
    #: the ``ttlStrategy`` a workflow gets for the fields it does not set
    default_ttl: Mapping[str, int] = field(default_factory=dict)
    #: the ``podGC`` a workflow without one gets (None: pods are kept, as in Argo)
    default_pod_gc: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, *, archive: bool = False, archive_ttl: str | float | None = None,
           default_ttl: Mapping[str, Any] | None = None,
           default_pod_gc: Mapping[str, Any] | None = None) -> RetentionConfig:
        """A configuration from flag values (``archive_ttl`` an Argo duration such as ``7d``
        is not Go: days are written ``168h``; a bare number is seconds)."""
        ttl = None if archive_ttl in (None, "", 0, "0") else parse_archive_ttl(archive_ttl)
        return cls(archive=archive, archive_ttl=ttl, default_ttl=check_ttl_strategy(default_ttl or {}),
                   default_pod_gc=default_pod_gc)


def parse_archive_ttl(value: str | float | None) -> float:
    """Seconds of ``archiveTTL``: Argo accepts a Go duration and also days (``7d``)."""
    text = str(value).strip()
    if text.endswith("d") and text[:-1].isdigit():
        return int(text[:-1]) * 86400.0
    return parse_duration(value)


def check_ttl_strategy(strategy: Mapping[str, Any]) -> dict[str, int]:
    """The strategy's known fields as integers; ValueError naming a field that is not one."""
    out: dict[str, int] = {}
    for key, value in strategy.items():
        if key not in TTL_FIELDS:
            raise ValueError(f"ttlStrategy.{key}: unknown field (one of {', '.join(TTL_FIELDS)})")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
            raise ValueError(f"ttlStrategy.{key}: {value!r} is not a whole number of seconds")
        out[key] = int(value)
    return out


def ttl_strategy(workflow: Mapping[str, Any], default: Mapping[str, int] | None = None) -> dict[str, int]:
    """The workflow's effective ``ttlStrategy`` (see module docstring); {} for none."""
    spec = workflow.get("spec") or {}
    stored = (workflow.get("status") or {}).get("storedWorkflowTemplateSpec") or {}
    own = spec.get("ttlStrategy") or stored.get("ttlStrategy") or {}
    merged = dict(default or {})
    merged.update({k: v for k, v in own.items() if v is not None})
    try:
        return check_ttl_strategy(merged)
    except ValueError:
        return {}  # lint refuses these at submission; a stored oddity must not stop the collector


def ttl_seconds(strategy: Mapping[str, int], phase: str) -> int | None:
    """Seconds a workflow that ended in ``phase`` lives on; None: it is kept."""
    if phase not in FINISHED:
        return None
    if phase == "Failed" and strategy.get("secondsAfterFailure") is not None:
        return strategy["secondsAfterFailure"]
    if phase == "Succeeded" and strategy.get("secondsAfterSuccess") is not None:
        return strategy["secondsAfterSuccess"]
    return strategy.get("secondsAfterCompletion")


def expires_at(workflow: Mapping[str, Any], phase: str, finished_at: float | None,
               default: Mapping[str, int] | None = None) -> float | None:
    """When a finished workflow is deleted by its TTL (epoch seconds); None: never."""
    if finished_at is None:
        return None
    seconds = ttl_seconds(ttl_strategy(workflow, default), phase)
    return None if seconds is None else finished_at + max(seconds, 0)


def archive_expired(archived_at: float | None, finished_at: float | None, created_at: float,
                    archive_ttl: float | None, now: float) -> bool:
    """Whether an archived workflow is older than ``archiveTTL`` (Argo counts from its end)."""
    if archive_ttl is None:
        return False
    since = finished_at if finished_at is not None else (archived_at if archived_at is not None else created_at)
    return since + archive_ttl <= now
