"""What Steps and DAG frames share: their children's exit handlers and lifecycle hooks.

A *frame* (see ``protocols.py``) is one running instance of a Steps, DAG or Retry
template (or the workflow itself). It owns the node it drives and the children it starts;
when a child is fulfilled the engine calls ``child_done`` on the child's owner, so the work
done per event is proportional to what the event touches, never to the size of the workflow.
"""

from __future__ import annotations

from typing import Any

from argosy.engine.nodes import Node
from argosy.engine.protocols import Engine, Frame
from argosy.engine.scope import add_node_ref


class ChildHooks:
    """The hooks a Steps or DAG frame runs for its children, and what is still open.

    A step or task is done only when its exit handler (``onExit`` / ``hooks.exit``) and
    any lifecycle hooks it triggered have finished.
    """

    def __init__(self, engine: Engine, frame: Any) -> None:
        self.engine = engine
        self.frame = frame
        #: hook node id -> the child node id it belongs to
        self.hook_of: dict[str, str] = {}
        #: child node id -> number of hook nodes still running
        self.open: dict[str, int] = {}
        #: child node id -> names of lifecycle hooks already fired
        self.fired: dict[str, set[str]] = {}

    def opened(self, child_id: str, hook_node: Node) -> None:
        self.hook_of[hook_node.id] = child_id
        self.open[child_id] = self.open.get(child_id, 0) + 1

    def closed(self, hook_node_id: str) -> str | None:
        """A hook finished: return its child's id if that child has no hooks left running."""
        child_id = self.hook_of.pop(hook_node_id, None)
        if child_id is None:
            return None
        left = self.open[child_id] - 1
        self.open[child_id] = left
        return child_id if left == 0 else None

    def busy(self, child_id: str) -> bool:
        return self.open.get(child_id, 0) > 0

    def _run(self, hook: dict[str, Any], name: str, child: Node, scope: dict[str, Any]) -> None:
        f = self.frame
        node = self.engine.run_exit_hook(hook, name, f.node.id, f, f.context, scope)
        self.opened(child.id, node)

    def lifecycle(self, holder: dict[str, Any], ref: str, child: Node) -> None:
        """Start every expression hook of ``holder`` whose condition now holds (once each)."""
        hooks = holder.get("hooks") or {}
        if not hooks:
            return
        scope = dict(self.frame.scope)
        add_node_ref(scope, ref, child)
        fired = self.fired.setdefault(child.id, set())
        for hook_name, hook in hooks.items():
            if hook_name == "exit" or hook_name in fired or not hook.get("expression"):
                continue
            name = f"{child.name}.hooks.{hook_name}"
            if self.engine.replaying:
                # restored: re-attach the hooks that had fired; their conditions were true then
                if self.engine.nodes.by_name(name) is None:
                    continue
            elif not self.engine.eval_hook_expression(hook["expression"], scope):
                continue
            fired.add(hook_name)
            self._run(hook, name, child, scope)

    def exit(self, holder: dict[str, Any], ref: str, child: Node) -> bool:
        """Start the exit handler of a completed child; True if one started."""
        hook = exit_hook(holder)
        fired = self.fired.setdefault(child.id, set())
        if not hook or not child.completed or "exit" in fired:
            return False
        fired.add("exit")
        scope = dict(self.frame.scope)
        add_node_ref(scope, ref, child)
        self._run(hook, f"{child.name}.onExit", child, scope)
        return True


def exit_hook(holder: dict[str, Any]) -> dict[str, Any] | None:
    """The exit handler a step/task/workflow declares (``onExit`` or ``hooks.exit``)."""
    hooks = holder.get("hooks") or {}
    if "exit" in hooks:
        return hooks["exit"]
    if holder.get("onExit"):
        return {"template": holder["onExit"]}
    return None


__all__ = ["ChildHooks", "Frame", "exit_hook"]


__all__ = ["ChildHooks", "Frame", "exit_hook"]
