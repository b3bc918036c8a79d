"""Steps templates: groups run one after another, the steps of a group in parallel.

Node layout, as Argo writes it: the Steps node's first child is step group ``NAME[0]``;
each group's children are its steps (``NAME[0].step`` or ``NAME[0].step(i:item)``);
group ``[i+1]`` hangs from the outbound nodes of group ``[i]``'s children.
"""

from __future__ import annotations

from typing import Any

from argosy.engine import nodes as N
from argosy.engine.arguments import mark_absent_arguments
from argosy.engine.frames import ChildHooks
from argosy.engine.gates import Gate
from argosy.engine.loops import LoopError, expand, loop_items, unresolved_reference, when_allows, when_false
from argosy.engine.nodes import MAX_DEPTH_MESSAGE, Node
from argosy.engine.outputs import OutputError, bind_artifact_arguments, template_outputs
from argosy.engine.protocols import Engine
from argosy.engine.scope import add_aggregate, add_node_ref, chain, inputs_scope
from argosy.errors import ArgosyError
from argosy.expr import substitute_object
from argosy.spec import TemplateScope


class StepsFrame:
    """Drives one Steps node."""

    def __init__(self, engine: Engine, node: Node, template: dict[str, Any], context: TemplateScope) -> None:
        self.engine = engine
        self.node = node
        self.template = template
        self.context = context
        self.groups: list[list[dict[str, Any]]] = [_group(g) for g in template.get("steps") or []]
        self.scope: dict[str, Any] = inputs_scope(template.get("inputs"))
        self.scope.update(_workflow_outputs(engine))
        self.index = -1
        self.group_node: Node | None = None
        self.open: set[str] = set()
        self.step_of: dict[str, dict[str, Any]] = {}
        self.hooks = ChildHooks(engine, self)
        #: the template's ``parallelism`` over its running steps (FIFO: a group's steps in order)
        self.gate: Gate[tuple[str, dict[str, Any]]] = Gate(int(template.get("parallelism") or 0))

    # ---- frame protocol -------------------------------------------------------------------

    def start(self) -> None:
        self._next_group()

    def child_started(self, child: Node) -> None:
        step = self.step_of.get(child.id)
        if step:
            self.hooks.lifecycle(step, _ref(step), child)

    def child_done(self, child: Node) -> None:
        e = self.engine
        owner_child = self.hooks.closed(child.id)
        if owner_child is not None:
            self._settle(e.nodes.get(owner_child))
            return
        if child.id in self.hooks.hook_of:
            return
        if child.id not in self.open:
            return
        step = self.step_of.get(child.id)
        if step:
            self.hooks.lifecycle(step, _ref(step), child)
            if self.hooks.exit(step, _ref(step), child):
                return
        if not self.hooks.busy(child.id):
            self._settle(child)

    # ---- internals ------------------------------------------------------------------------

    def _settle(self, child: Node) -> None:
        if child.id not in self.open:
            return
        self.open.discard(child.id)
        for child_name, step in self.gate.leave():
            if self.node.fulfilled:  # the group errored: what waited never runs
                break
            self._run(child_name, step)
        if not self.open and not self.gate.waiting_count:
            self._group_done()

    def _next_group(self) -> None:
        e = self.engine
        self.index += 1
        if self.index >= len(self.groups):
            self._complete()
            return
        prev = self.group_node
        sg = e.new_node(f"{self.node.name}[{self.index}]", N.STEP_GROUP, N.RUNNING, self.node.id, None,
                        template_scope=self.context)
        if prev is None:
            e.nodes.add_child(self.node, sg.id)
        elif not prev.children:
            e.nodes.add_child(prev, sg.id)
        else:
            for cid in prev.children:
                for out in e.outbound(e.nodes.get(cid)):
                    e.nodes.add_child(e.nodes.get(out), sg.id)
        self.group_node = sg
        self.open = set()
        self.group_steps = self.groups[self.index]
        scope = chain(self.scope, e.global_scope)
        launches: list[tuple[str, dict[str, Any]]] = []
        for raw in self.group_steps:
            child_name = f"{sg.name}.{raw['name']}"
            # Argo decides `when` first, and resolves nothing else of a step that will not run
            when = when_false(raw, scope)
            try:
                bound = raw if when is not None else bind_artifact_arguments(raw, scope)
            except OutputError as err:
                self._group_error(f"failed to resolve references: unable to resolve references: {err}")
                return
            try:
                bound = mark_absent_arguments(bound, scope)
                # hooks are substituted when they run, in the step's own scope
                step = {**raw, "when": when} if when is not None else \
                    substitute_object(bound, scope, static=bound is raw, keep=("hooks",))
            except ArgosyError as err:  # e.g. an absent optional output in the arguments
                self._group_error(f"failed to resolve references: {err}")
                return
            step["hooks"] = raw.get("hooks")
            ref = unresolved_reference({k: v for k, v in step.items() if k not in ("hooks", "onExit")})
            if ref is not None and when is None:
                self._group_error(f"failed to resolve references: failed to resolve {ref}")
                return
            try:
                items = loop_items(step)
            except LoopError as err:
                if when is None:
                    self._group_error(str(err))
                    return
                items = []  # a loop that will not run is not an error (Argo: "Skipped, empty params")
            if items is None:
                launches.append((child_name, step))
                continue
            if not items:
                node = e.new_node(child_name, N.SKIPPED_NODE, N.SKIPPED, self.node.id, None,
                                  template_name=raw.get("template"),
                                  template_scope=self.context, message="Skipped, empty params")
                e.nodes.add_child(sg, node.id)
                continue
            try:
                expanded = expand(step, items, scope)
            except ArgosyError as err:
                self._group_error(str(err))
                return
            for name, body in expanded:
                launches.append((f"{sg.name}.{name}", body))
        for child_name, step in launches:
            # Argo evaluates every `when` of a group before it starts any step of it
            _, err = when_allows(step.get("when"))
            if err is not None:
                if child_name == f"{sg.name}.{step['name']}":
                    self._group_error(f"failed to resolve references: {err}")
                else:  # an item of a loop: Argo records it as an errored node
                    e.nodes.add_child(sg, e.skip(child_name, step, self.node.id, self, N.ERROR, err,
                                                 self.context).id)
                    self._group_error(err)
                return
        for child_name, step in launches:
            if self.node.fulfilled:  # a step errored the group
                return
            self._launch(child_name, step)
        if not self.open and not self.gate.waiting_count:
            self._group_done()

    def _launch(self, child_name: str, step: dict[str, Any]) -> None:
        e = self.engine
        sg = self.group_node
        assert sg is not None
        existing = e.nodes.by_name(child_name) if e.replaying else None
        # restored: a step whose node exists was decided before; only a skipped one is looked at again
        if existing is None or existing.type == N.SKIPPED_NODE:
            proceed, err = when_allows(step.get("when"))
        else:
            proceed, err = True, None
        if err is not None:
            node = e.skip(child_name, step, self.node.id, self, N.ERROR, err, self.context)
            e.nodes.add_child(sg, node.id)
            self.open.add(node.id)
            self.gate.hold()
            return
        if not proceed:
            node = e.new_node(child_name, N.SKIPPED_NODE, N.SKIPPED, self.node.id, None,
                              template_name=step.get("template"), template_ref=step.get("templateRef"),
                              template_scope=self.context, message=f"when '{step.get('when')}' evaluated false")
            e.nodes.add_child(sg, node.id)
            return
        if existing is not None:
            self.gate.hold()  # restored: it was admitted before
        elif not self.gate.enter((child_name, step)):
            return
        self._run(child_name, step)

    def _run(self, child_name: str, step: dict[str, Any]) -> None:
        """Run an admitted step."""
        e = self.engine
        sg = self.group_node
        assert sg is not None
        child_id = e.nodes.id_for(child_name)
        self.open.add(child_id)
        self.step_of[child_id] = step
        e.nodes.add_child(sg, child_id)
        node = e.execute(child_name, step, self.context, step.get("arguments"), boundary_id=self.node.id,
                         owner=self, local={"steps.name": step["name"]})
        if node.type == N.SKIPPED_NODE and node.phase == N.ERROR and node.message != MAX_DEPTH_MESSAGE:
            # the template could not be run (not found, bad arguments): Argo errors the group at once
            self._group_error(f"step group deemed errored due to child {child_name} error: {node.message}")

    def _group_error(self, message: str) -> None:
        """The group errors before its steps run: Argo adds no child for it, and the Steps
        node fails (not errors) with the group's message."""
        sg = self.group_node
        assert sg is not None
        self.engine.finish(sg, N.ERROR, message)
        self._fail(N.FAILED, message)

    def _group_done(self) -> None:
        e = self.engine
        sg = self.group_node
        assert sg is not None
        if self.node.fulfilled:  # the group errored while its steps ran
            return
        for cid in sg.children:
            child = e.nodes.get(cid)
            step = self.step_of.get(cid) or {}
            if N.failed_or_error(child.phase) and not _continues_on(step, child.phase):
                message = f"child '{cid}' failed"
                e.finish(sg, N.FAILED, message)
                self._fail(N.FAILED, message)
                return
        e.finish(sg, N.SUCCEEDED)
        for raw in self.group_steps:
            name = raw["name"]
            single = e.nodes.by_name(f"{sg.name}.{name}")
            if single is not None:
                add_node_ref(self.scope, f"steps.{name}", single)
                e.add_skipped_outputs(self.scope, f"steps.{name}", single, raw, self.context, artifacts=True)
            else:
                prefix = f"{sg.name}.{name}("
                children = [e.nodes.get(c) for c in sg.children]
                looped = [c for c in children if c.name.startswith(prefix) and c.type != N.SKIPPED_NODE]
                add_aggregate(self.scope, f"steps.{name}", looped)
                self.scope[f"steps.{name}.status"] = sg.phase
        for cid in sg.children:
            e.add_outputs_to_global(e.nodes.get(cid).outputs)
        self._next_group()

    def _set_outbound(self) -> None:
        e = self.engine
        sg = self.group_node
        outbound: list[str] = []
        if sg is not None:
            for cid in sg.children:
                outbound.extend(e.outbound(e.nodes.get(cid)))
        self.node.outbound_nodes = outbound
        e.nodes.touch(self.node)

    def _fail(self, phase: str, message: str) -> None:
        self._set_outbound()
        self.engine.kill_daemons(self.node)
        self.engine.finish(self.node, phase, message)

    def _complete(self) -> None:
        e = self.engine
        self._set_outbound()
        try:
            outputs = template_outputs(self.template, chain(self.scope, e.global_scope))
        except Exception as err:  # noqa: BLE001 - reported on the node, like Argo
            self._fail(N.ERROR, str(err))
            return
        if outputs:
            self.node.outputs = outputs
            e.add_outputs_to_global(outputs)
        e.kill_daemons(self.node)
        e.finish(self.node, N.SUCCEEDED)


def _ref(step: dict[str, Any]) -> str:
    """``steps.NAME`` for a step, its loop suffix ``(i:item)`` dropped."""
    return f"steps.{step['name'].split('(')[0]}"


def _group(group: Any) -> list[dict[str, Any]]:
    if isinstance(group, dict) and "steps" in group:
        group = group["steps"]
    if isinstance(group, dict):
        return [group]
    return list(group or [])


def _continues_on(holder: dict[str, Any], phase: str) -> bool:
    c = holder.get("continueOn") or {}
    return bool(c.get("failed")) if phase == N.FAILED else bool(c.get("error")) if phase == N.ERROR else False


def _workflow_outputs(engine: Engine) -> dict[str, Any]:
    return {k: v for k, v in engine.global_scope.items() if k.startswith("workflow.outputs.")}
