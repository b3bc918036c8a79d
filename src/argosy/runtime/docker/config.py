"""A Kubernetes container spec as Docker Engine create arguments.

Kubernetes and Docker name the same things differently: ``command`` is Docker's
ENTRYPOINT and ``args`` its CMD (an image's CMD is dropped once ``command`` is given),
``resources.limits`` are the container's cgroup limits, ``securityContext.runAsUser`` is
Docker's ``user``. Everything here is pure: it builds dicts, the pod module sends them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from argosy.engine.intents import PodSpec
from argosy.errors import RuntimeFailure

#: labels every container, volume and network carries, so a restarted Argosy finds them
LABEL_WORKFLOW = "workflows.argoproj.io/workflow"
LABEL_UID = "io.argosy.workflow-uid"
LABEL_NODE = "io.argosy.node-id"
LABEL_POD = "io.argosy.pod"
LABEL_CONTAINER = "io.argosy.container"
LABEL_ROLE = "io.argosy.role"

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
            "P": Decimal(10**15), "E": Decimal(10**18)}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")


def quantity(value: Any, field: str) -> Decimal:
    """A Kubernetes resource quantity (``512Mi``, ``1.5G``, ``500m``, ``2``) as a number."""
    m = _QUANTITY.match(str(value).strip())
    if m is None:
        raise RuntimeFailure(f'{field}: quantities must match the regular expression '
                             f'"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$", got "{value}"')
    number, suffix = m.groups()
    try:
        n = Decimal(number)
    except InvalidOperation as e:
        raise RuntimeFailure(f'{field}: invalid quantity "{value}"') from e
    if suffix in _BINARY:
        return n * _BINARY[suffix]
    if suffix in _DECIMAL:
        return n * _DECIMAL[suffix]
    raise RuntimeFailure(f'{field}: unknown quantity suffix "{suffix}" in "{value}"')


def argv_of(spec: dict[str, Any], extra_args: tuple[str, ...] = ()) -> tuple[list[str] | None, list[str] | None]:
    """(entrypoint, cmd): ``command`` replaces the image's ENTRYPOINT and drops its CMD;
    ``args`` alone replace only its CMD; neither keeps both (Kubernetes' rule)."""
    command = [str(c) for c in spec.get("command") or ()]
    args = [str(a) for a in spec.get("args") or ()] + list(extra_args)
    if command:
        return command, args
    return None, (args or None)


def user_of(template: dict[str, Any], spec: dict[str, Any]) -> str | None:
    """Docker's ``user`` from the container's securityContext over the pod's."""
    pod_sc = template.get("securityContext") or {}
    sc = spec.get("securityContext") or {}
    uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
    gid = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    if uid is None and gid is None:
        return None
    if uid is None:
        return None if gid is None else f"0:{gid}"
    return f"{int(uid)}:{int(gid)}" if gid is not None else str(int(uid))


def limits_of(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """Host-config limits from ``resources.limits`` (memory in bytes, CPU in nano-CPUs)."""
    limits = (spec.get("resources") or {}).get("limits") or {}
    out: dict[str, Any] = {}
    if limits.get("memory") is not None:
        mem = int(quantity(limits["memory"], f"container {name}: resources.limits.memory"))
        # no swap beyond the limit: an over-limit container is OOM-killed, as in a pod
        out["mem_limit"] = mem
        out["memswap_limit"] = mem
    if limits.get("cpu") is not None:
        cpus = quantity(limits["cpu"], f"container {name}: resources.limits.cpu")
        out["nano_cpus"] = max(int(cpus * 10**9), 10**7)
    return out


def labels_of(pod: PodSpec, container: str, role: str) -> dict[str, str]:
    """The labels of one of a pod's containers."""
    return {
        LABEL_WORKFLOW: pod.workflow_name,
        LABEL_UID: pod.workflow_uid,
        LABEL_NODE: pod.node_id,
        LABEL_POD: pod.pod_name,
        LABEL_CONTAINER: container,
        LABEL_ROLE: role,
    }


def container_name(pod: PodSpec, container: str) -> str:
    """A Docker container name unique per node and container (Docker names are global)."""
    raw = f"{pod.pod_name}-{container}-{pod.workflow_uid[:8]}"
    return re.sub(r"[^a-zA-Z0-9_.-]", "-", raw)[:200]
