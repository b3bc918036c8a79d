"""``podSpecPatch`` on the Docker runtime: the parts of a pod spec that map onto Docker.

Argo applies the workflow's ``spec.podSpecPatch`` and then the template's ``podSpecPatch``
(JSON or YAML, a strategic merge: ``containers`` by ``name``, ``env`` by ``name``) to the
pod it builds. Here the patch is applied to the template before its containers are made,
for the fields Docker has:

- per container (``containers[]`` matched by name: ``main``, a containerSet's or a sidecar's
  name; ``initContainers[]`` likewise): ``resources`` (limits: memory and CPU), ``env``,
  ``securityContext`` (``runAsUser``, ``runAsGroup``), ``image``, ``imagePullPolicy``,
  ``command``, ``args``, ``workingDir``;
- for the pod: ``securityContext`` (runAsUser/runAsGroup of every container),
  ``activeDeadlineSeconds`` (the node's deadline) and ``terminationGracePeriodSeconds``
  (SIGTERM to SIGKILL on stop).

Everything else (``nodeSelector``, ``tolerations``, ``affinity``, ``priorityClassName``, probes on
Argo's ``wait`` container, containers that are not the pod's…) is about placing a pod on a
cluster and means nothing on one Docker Engine: it is ignored, and listed in
:attr:`Patched.ignored` (the runtime logs it once per template) so a surprised user can see
why. A patch that is not a JSON/YAML mapping fails the node with Argo's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from argosy.errors import RuntimeFailure
from argosy.spec.merge import strategic_merge

CONTAINER_FIELDS = frozenset({"name", "resources", "env", "securityContext", "image", "imagePullPolicy",
                              "command", "args", "workingDir"})
POD_FIELDS = frozenset({"containers", "initContainers", "securityContext", "activeDeadlineSeconds",
                        "terminationGracePeriodSeconds"})
#: Argo's own containers: a patch may tune them, and they are not Argosy's to run
EXECUTOR_CONTAINERS = frozenset({"wait", "init"})


@dataclass
class Patched:
    """A template with its pod spec patches applied, and what the patches set that Docker has not."""

    template: dict[str, Any]
    deadline_seconds: float | None
    ignored: list[str] = field(default_factory=list)


def parse_patch(text: Any) -> dict[str, Any]:
    """A ``podSpecPatch`` string (JSON is YAML) as a mapping; RuntimeFailure when it is not one."""
    if isinstance(text, dict):
        return text
    try:
        value = yaml.safe_load(str(text))
    except yaml.YAMLError as e:
        raise RuntimeFailure(f"Error applying PodSpecPatch: invalid podSpecPatch {text!r}: {e}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RuntimeFailure(f"Error applying PodSpecPatch: invalid podSpecPatch {text!r}: not an object")
    return value


def apply_patches(template: Mapping[str, Any], deadline: float | None,
                  workflow_patch: Any = None) -> Patched:
    """``template`` with the workflow's and then its own ``podSpecPatch`` applied (see module doc)."""
    patches = [p for p in (workflow_patch, template.get("podSpecPatch")) if p]
    out = Patched(dict(template), deadline)
    for text in patches:
        _apply(out, parse_patch(text))
    return out


def _apply(out: Patched, patch: Mapping[str, Any]) -> None:
    tpl = out.template
    for key in patch:
        if key not in POD_FIELDS:
            out.ignored.append(key)
    if patch.get("securityContext"):
        tpl["securityContext"] = strategic_merge(tpl.get("securityContext") or {}, patch["securityContext"])
    if patch.get("activeDeadlineSeconds") is not None:
        seconds = float(patch["activeDeadlineSeconds"])
        out.deadline_seconds = seconds if out.deadline_seconds is None else min(out.deadline_seconds, seconds)
    if patch.get("terminationGracePeriodSeconds") is not None:
        # read by the pod's stop (its grace period); kept in the patch form it reads
        tpl["podSpecPatch"] = yaml.safe_dump({"terminationGracePeriodSeconds":
                                              patch["terminationGracePeriodSeconds"]})
    for item in patch.get("containers") or ():
        _patch_container(out, item, init=False)
    for item in patch.get("initContainers") or ():
        _patch_container(out, item, init=True)


def _patch_container(out: Patched, item: Any, *, init: bool) -> None:
    if not isinstance(item, dict) or not item.get("name"):
        out.ignored.append("containers[] without a name")
        return
    name = str(item["name"])
    if name in EXECUTOR_CONTAINERS and not init:
        return
    for key in item:
        if key not in CONTAINER_FIELDS:
            out.ignored.append(f"containers[{name}].{key}")
    wanted = {k: v for k, v in item.items() if k in CONTAINER_FIELDS and k != "name"}
    tpl = out.template
    if init:
        tpl["initContainers"] = _patch_named(tpl.get("initContainers"), name, wanted, out)
        return
    for kind in ("container", "script"):
        if tpl.get(kind) is not None and name == "main":
            tpl[kind] = strategic_merge(tpl[kind], wanted)
            return
    cs = tpl.get("containerSet")
    if cs is not None and any(c.get("name") == name for c in cs.get("containers") or ()):
        tpl["containerSet"] = {**cs, "containers": _patch_named(cs.get("containers"), name, wanted, out)}
        return
    if any(s.get("name") == name for s in tpl.get("sidecars") or ()):
        tpl["sidecars"] = _patch_named(tpl.get("sidecars"), name, wanted, out)
        return
    out.ignored.append(f"containers[{name}] (no such container in the pod)")


def _patch_named(items: Any, name: str, wanted: Mapping[str, Any], out: Patched) -> list[dict[str, Any]]:
    result = []
    found = False
    for c in items or ():
        if isinstance(c, dict) and c.get("name") == name:
            c = strategic_merge(c, wanted)
            found = True
        result.append(c)
    if not found:
        out.ignored.append(f"{name} (no such container in the pod)")
    return result
