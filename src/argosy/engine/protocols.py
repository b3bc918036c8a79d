"""The narrow seams inside the engine: what a frame is, and what it may ask of the engine.

A *frame* drives one non-leaf node (a Steps, DAG or Retry template, or the workflow
itself). ``steps``, ``dag``, ``retry`` and ``frames`` import only this module, never the
reconciler: the reconciler's roles can be rearranged without touching them, and no import
cycle hides in a function body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from argosy.engine.nodes import Node, NodeTable
from argosy.spec import TemplateScope


class Frame(Protocol):
    """Drives one node; told when each child it started starts and when it is fulfilled."""

    node: Node

    def child_done(self, child: Node) -> None: ...

    def child_started(self, child: Node) -> None: ...


class Engine(Protocol):
    """The engine as its frames see it (implemented by ``reconciler.Reconciler``)."""

    name: str
    spec: dict[str, Any]
    nodes: NodeTable
    now: float
    global_scope: dict[str, Any]
    #: "Stop" or "Terminate" once the workflow is being stopped
    shutdown: str | None
    #: True while ``restore`` rebuilds frames from persisted nodes: frames then re-attach
    #: to the nodes that exist instead of deciding anew (see ``reconciler.Reconciler.restore``)
    replaying: bool
    #: node id -> the frame that owns it (is told when it starts and ends)
    owner: dict[str, Frame]

    def arm(self, at: float, kind: str, node_id: str) -> None: ...

    def notify(self, owner: Frame, node: Node) -> None: ...

    def finish(self, node: Node, phase: str, message: str | None = None) -> None: ...

    def new_node(self, name: str, node_type: str, phase: str, boundary_id: str | None, owner: Frame | None, *,
                 template_name: str | None = None, template_ref: dict[str, Any] | None = None,
                 template_scope: TemplateScope = ..., message: str | None = None) -> Node: ...

    def skip(self, name: str, holder: Mapping[str, Any], boundary_id: str, owner: Frame,
             phase: str, message: str, context: TemplateScope) -> Node: ...

    def execute(self, name: str, holder: Mapping[str, Any], context: TemplateScope,
                arguments: Mapping[str, Any] | None, *, boundary_id: str | None, owner: Frame,
                local: Mapping[str, Any] | None = None, hooked: bool = False) -> Node: ...

    def run_template(self, name: str, template: dict[str, Any], context: TemplateScope, node_type: str,
                     is_pod: bool, *, boundary_id: str | None, owner: Frame, info: Mapping[str, Any],
                     hooked: bool = False, retried: bool = False) -> Node: ...

    def run_exit_hook(self, hook: Mapping[str, Any], name: str, boundary_id: str | None,
                      owner: Frame, context: TemplateScope, scope: Mapping[str, Any]) -> Node: ...

    def eval_hook_expression(self, expression: str, scope: Mapping[str, Any]) -> bool: ...

    def add_skipped_outputs(self, scope: dict[str, Any], prefix: str, node: Node,
                            holder: Mapping[str, Any], context: TemplateScope, artifacts: bool = False) -> None: ...

    def add_outputs_to_global(self, outputs: Mapping[str, Any] | None) -> None: ...

    def kill_daemons(self, boundary: Node) -> None: ...

    def outbound(self, node: Node) -> list[str]: ...


__all__ = ["Engine", "Frame"]
