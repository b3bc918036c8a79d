"""Retries: a Retry node whose children are the attempts ``name(0)``, ``name(1)`` ...

Follows Argo's processNodeRetries: policy (OnFailure by default), ``limit`` (attempts =
limit + 1), ``expression`` over ``lastRetry.*``, and backoff (duration x factor^n, capped
by ``cap``, bounded by ``maxDuration``) woken by a timer rather than a poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argosy.engine import nodes as N
from argosy.engine.nodes import Node, pod_name
from argosy.engine.protocols import Engine
from argosy.engine.timers import BACKOFF
from argosy.errors import ArgosyError
from argosy.expr import evaluate, substitute_object
from argosy.goformat import format_seconds, humanize_duration
from argosy.spec import TemplateScope
from argosy.spec.duration import parse_duration
from argosy.spec.kinds import TemplateKind, template_kind

_TRANSIENT = ("transient", "connection refused", "connection reset", "i/o timeout", "EOF",
              "Exceeded", "exceeded quota", "etcdserver", "net/http: TLS handshake timeout")


class RetryFrame:
    """Drives one Retry node."""

    def __init__(self, engine: Engine, node: Node, template: dict[str, Any], context: TemplateScope,
                 strategy: Mapping[str, Any], info: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        self.engine = engine
        self.node = node
        self.template = template
        self.context = context
        self.strategy = strategy
        self.info = dict(info)
        self.params = params

    def start(self) -> None:
        e = self.engine
        children = self.node.children
        if e.replaying and children:
            # restored: go on from the last attempt; the earlier ones failed and were retried
            last = e.nodes.by_id.get(children[-1])
            if last is not None and last.fulfilled and not last.daemoned:
                wake = self._backoff_until(last)
                if wake is not None:
                    e.arm(wake, BACKOFF, self.node.id)
                else:
                    e.owner[last.id] = self
                    e.notify(self, last)  # decide again what follows it
                return
            self._attempt(len(children) - 1)
            return
        self._attempt(0)

    def child_started(self, child: Node) -> None:
        owner = self.engine.owner.get(self.node.id)
        if owner is not None:
            owner.child_started(self.node)

    def _attempt(self, n: int) -> None:
        """Run attempt ``n`` (``name(n)``)."""
        e = self.engine
        name = f"{self.node.name}({n})"
        last = e.nodes.get(self.node.children[n - 1]) if n > 0 else None
        local: dict[str, Any] = {"retries": str(n)}
        local.update(self._last_retry(last))
        kind = template_kind(self.template) or TemplateKind.CONTAINER
        node_type, is_pod = kind.node_type.value, kind.runs_as_pod
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
            "lastRetry.duration": format_seconds(duration),
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
            max_deadline = self._max_deadline()
            if max_deadline is not None and e.now > max_deadline:
                e.finish(node, child.phase, "Max duration limit exceeded")
                return
            wait = self._wait(attempts)
            wake = (child.finished_at or e.now) + wait
            if max_deadline is not None and wake > max_deadline:
                e.finish(node, child.phase, "Backoff would exceed max duration limit")
                return
            if wake > e.now:
                node.message = f"Backoff for {humanize_duration(wait)}"
                e.nodes.touch(node)
                e.arm(wake, BACKOFF, node.id)
                return
        self._attempt(len(node.children))

    def _max_deadline(self) -> float | None:
        backoff = self.strategy.get("backoff") or {}
        if not backoff.get("maxDuration"):
            return None
        first = self.engine.nodes.get(self.node.children[0])
        return (first.started_at or self.engine.now) + parse_duration(str(backoff["maxDuration"]))

    def _wait(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` attempts (duration x factor^(attempts-1), capped)."""
        backoff = self.strategy.get("backoff") or {}
        wait = parse_duration(str(backoff.get("duration", "0")))
        factor = backoff.get("factor")
        if factor is not None and int(str(factor)) > 0:
            wait = wait * (int(str(factor)) ** (attempts - 1))
        if backoff.get("cap"):
            wait = min(wait, parse_duration(str(backoff["cap"])))
        return wait

    def _backoff_until(self, last: Node) -> float | None:
        """Restored mid-backoff: when the next attempt is due (the decision to retry was made)."""
        if not self.strategy.get("backoff") or not self.node.message:
            return None
        return (last.finished_at or self.engine.now) + self._wait(len(self.node.children))

    def after_backoff(self) -> None:
        """The backoff timer fired: run the next attempt."""
        if N.fulfilled_phase(self.node.phase):
            return
        if self.engine.shutdown:
            last = self.engine.nodes.get(self.node.children[-1])
            self.engine.finish(self.node, last.phase, f"Stopped with strategy '{self.engine.shutdown}'")
            return
        self.node.message = None
        self._attempt(len(self.node.children))


def _nested(flat: Mapping[str, str]) -> dict[str, Any]:
    """``lastRetry.*`` for ``retryStrategy.expression``: strings, as Argo passes them."""
    return {"lastRetry": {k.split(".", 1)[1]: v for k, v in flat.items()}}
