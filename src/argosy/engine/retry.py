"""Retries: a Retry node whose children are the attempts ``name(0)``, ``name(1)`` ...

Follows Argo's processNodeRetries: policy (OnFailure by default), ``limit`` (attempts =
limit + 1), ``expression`` over ``lastRetry.*``, and backoff (duration x factor^n, capped
by ``cap``, bounded by ``maxDuration``) woken by a timer rather than a poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from argosy.engine import nodes as N
from argosy.engine.nodes import Node, pod_name
from argosy.errors import ArgosyError
from argosy.expr import evaluate, substitute_object

if TYPE_CHECKING:
    from argosy.engine.reconciler import Reconciler
    from argosy.spec import TemplateScope

_TRANSIENT = ("transient", "connection refused", "connection reset", "i/o timeout", "EOF",
              "Exceeded", "exceeded quota", "etcdserver", "net/http: TLS handshake timeout")


class RetryFrame:
    """Drives one Retry node."""

    def __init__(self, engine: Reconciler, node: Node, template: dict[str, Any], context: TemplateScope,
                 strategy: Mapping[str, Any], info: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        self.engine = engine
        self.node = node
        self.template = template
        self.context = context
        self.strategy = strategy
        self.info = dict(info)
        self.params = params

    def start(self) -> None:
        self._attempt()

    def child_started(self, child: Node) -> None:
        owner = self.engine.owner.get(self.node.id)
        if owner is not None:
            owner.child_started(self.node)

    def _attempt(self) -> None:
        from argosy.engine.reconciler import TEMPLATE_TYPES, template_key

        e = self.engine
        n = len(self.node.children)
        name = f"{self.node.name}({n})"
        last = e.nodes.get(self.node.children[-1]) if self.node.children else None
        local: dict[str, Any] = {"retries": str(n)}
        local.update(self._last_retry(last))
        key = template_key(self.template) or "container"
        node_type, is_pod = TEMPLATE_TYPES[key]
        if is_pod:
            local["pod.name"] = pod_name(e.name, name, self.template.get("name"))
        template = substitute_object(self.template, local)
        info = dict(self.info)
        child_id = e.nodes.id_for(name)
        e.nodes.add_child(self.node, child_id)
        e.run_template(name, template, self.context, node_type, is_pod,
                       boundary_id=self.node.boundary_id, owner=self, info=info, retried=True)

    def _last_retry(self, last: Node | None) -> dict[str, str]:
        if last is None:
            return {"lastRetry.exitCode": "0", "lastRetry.status": "", "lastRetry.duration": "0",
                    "lastRetry.message": ""}
        duration = (last.finished_at or self.engine.now) - (last.started_at or self.engine.now)
        return {
            "lastRetry.exitCode": str((last.outputs or {}).get("exitCode", "-1")),
            "lastRetry.status": last.phase,
            "lastRetry.duration": _go_float(duration),
            "lastRetry.message": last.message or "",
        }

    def child_done(self, child: Node) -> None:
        e = self.engine
        node = self.node
        if N.fulfilled_phase(node.phase):
            return
        if child.daemoned and not N.fulfilled_phase(child.phase):
            node.daemoned = True
            node.phase = child.phase
            e.nodes.touch(node)
            owner = e.owner.get(node.id)
            if owner is not None:
                e.notify(owner, node)
            return
        node.daemoned = False
        if not N.failed_or_error(child.phase):
            node.outputs = child.outputs
            e.finish(node, N.SUCCEEDED if child.phase != N.SKIPPED else child.phase)
            return
        if e.shutdown:
            e.finish(node, child.phase, f"Stopped with strategy '{e.shutdown}'")
            return
        policy = self.strategy.get("retryPolicy") or "OnFailure"
        retry_failed = policy in ("Always", "OnFailure")
        retry_error = policy in ("Always", "OnError")
        if policy == "OnTransientError":
            transient = any(t.lower() in (child.message or "").lower() for t in _TRANSIENT)
            retry_failed = retry_error = transient
        if (child.phase == N.FAILED and not retry_failed) or (child.phase == N.ERROR and not retry_error):
            node.outputs = child.outputs
            e.finish(node, child.phase, child.message)
            return
        attempts = len(node.children)
        limit = self.strategy.get("limit")
        if limit is not None and attempts > int(str(limit)):
            node.outputs = child.outputs
            e.finish(node, child.phase, "No more retries left")
            return
        expression = self.strategy.get("expression")
        if expression:
            env = _nested(self._last_retry(child))
            try:
                go_on = bool(evaluate(str(expression), env))
            except ArgosyError as err:
                e.finish(node, N.ERROR, str(err))
                return
            if not go_on:
                node.outputs = child.outputs
                e.finish(node, child.phase, "retryStrategy.expression evaluated to false")
                return
        backoff = self.strategy.get("backoff")
        if backoff:
            from argosy.spec.duration import parse_duration

            first = e.nodes.get(node.children[0])
            max_deadline = None
            if backoff.get("maxDuration"):
                max_deadline = (first.started_at or e.now) + parse_duration(str(backoff["maxDuration"]))
                if e.now > max_deadline:
                    e.finish(node, child.phase, "Max duration limit exceeded")
                    return
            wait = parse_duration(str(backoff.get("duration", "0")))
            factor = backoff.get("factor")
            if factor is not None and int(str(factor)) > 0:
                wait = wait * (int(str(factor)) ** (attempts - 1))
            if backoff.get("cap"):
                wait = min(wait, parse_duration(str(backoff["cap"])))
            wake = (child.finished_at or e.now) + wait
            if max_deadline is not None and wake > max_deadline:
                e.finish(node, child.phase, "Backoff would exceed max duration limit")
                return
            if wake > e.now:
                node.message = f"Backoff for {_humanize(wait)}"
                e.nodes.touch(node)
                e.at(wake, self._after_backoff)
                return
        self._attempt()

    def _after_backoff(self) -> None:
        if N.fulfilled_phase(self.node.phase):
            return
        if self.engine.shutdown:
            last = self.engine.nodes.get(self.node.children[-1])
            self.engine.finish(self.node, last.phase, f"Stopped with strategy '{self.engine.shutdown}'")
            return
        self.node.message = None
        self._attempt()


def _nested(flat: Mapping[str, str]) -> dict[str, Any]:
    """``lastRetry.*`` for ``retryStrategy.expression``: strings, as Argo passes them."""
    return {"lastRetry": {k.split(".", 1)[1]: v for k, v in flat.items()}}


def _go_float(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 9))


def _humanize(seconds: float) -> str:
    if seconds < 60:
        s = int(seconds)
        return f"{s} second{'s' if s != 1 else ''}"
    m = int(seconds // 60)
    return f"{m} minute{'s' if m != 1 else ''}"
