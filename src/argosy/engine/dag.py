"""DAG templates: tasks run as soon as what they depend on allows.

Work per event is local: when a task is fulfilled only its dependants are looked at.
Node layout as Argo writes it: a task with no dependencies hangs from the DAG node, any
other from the outbound nodes of the tasks it depends on; a looped task gets a TaskGroup
node whose children are the items (``dag.task(i:item)``).
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from argosy.engine import nodes as N
from argosy.engine.arguments import mark_absent_arguments
from argosy.engine.frames import ChildHooks
from argosy.engine.gates import Gate
from argosy.engine.loops import LoopError, expand, loop_items, unresolved_reference, when_allows, when_false
from argosy.engine.nodes import MAX_DEPTH_MESSAGE, Node
from argosy.engine.outputs import bind_artifact_arguments, template_outputs
from argosy.engine.protocols import Engine
from argosy.engine.scope import add_aggregate, add_node_ref, chain, inputs_scope
from argosy.errors import ArgosyError
from argosy.expr import TaskOutcome, parse_depends, substitute, substitute_object
from argosy.spec import TemplateScope

#: a task (or one item of a looped task) waiting for the template's parallelism:
#: task name, node name, resolved body, the TaskGroup node's id for an item
Waiting = tuple[str, str, dict[str, Any], str | None]

_BARE_OR_RESULT = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")


def expand_bare(depends: str, tasks: dict[str, dict[str, Any]]) -> str:
    """Rewrite bare task names in ``depends`` the way Argo does, honouring their continueOn."""
    out: list[str] = []
    pos = 0
    for m in _BARE_OR_RESULT.finditer(depends):
        if m.group(2) is None:
            continue
        name = m.group(2)
        out.append(depends[pos:m.start()])
        out.append(bare_dependency(name, tasks.get(name) or {}))
        pos = m.end()
    out.append(depends[pos:])
    return "".join(out)


def bare_dependency(name: str, task: dict[str, Any]) -> str:
    parts = [f"{name}.Succeeded", f"{name}.Skipped", f"{name}.Daemoned"]
    cont = task.get("continueOn") or {}
    if cont.get("error"):
        parts.append(f"{name}.Errored")
    if cont.get("failed"):
        parts.append(f"{name}.Failed")
    return "(" + " || ".join(parts) + ")"


class DagFrame:
    """Drives one DAG node."""

    def __init__(self, engine: Engine, node: Node, template: dict[str, Any], context: TemplateScope) -> None:
        self.engine = engine
        self.node = node
        self.template = template
        self.context = context
        dag = template.get("dag") or {}
        self.tasks: dict[str, dict[str, Any]] = {t["name"]: t for t in dag.get("tasks") or []}
        self.fail_fast = dag.get("failFast", True) is not False
        self.deps: dict[str, set[str]] = {}
        self.logic: dict[str, str | None] = {}
        for name, task in self.tasks.items():
            if task.get("depends"):
                expr = expand_bare(str(task["depends"]), self.tasks)
                self.logic[name] = expr
                self.deps[name] = set(parse_depends(expr).task_names)
            elif task.get("dependencies"):
                names = list(task["dependencies"])
                self.logic[name] = " && ".join(bare_dependency(d, self.tasks.get(d) or {}) for d in names)
                self.deps[name] = set(names)
            else:
                self.logic[name] = None
                self.deps[name] = set()
        target = dag.get("target")
        if target:
            self.targets = substitute(str(target), chain(inputs_scope(template.get("inputs")),
                                                         engine.global_scope)).split()
        else:
            depended = {d for ds in self.deps.values() for d in ds}
            self.targets = sorted(n for n in self.tasks if n not in depended)
        self.needed = self._ancestors(self.targets)
        self.dependents: dict[str, list[str]] = {n: [] for n in self.tasks}
        for name in self.tasks:
            if name in self.needed:
                for d in self.deps[name]:
                    if d in self.dependents:
                        self.dependents[d].append(name)
        self.scope: dict[str, Any] = inputs_scope(template.get("inputs"))
        self.scope.update({k: v for k, v in engine.global_scope.items() if k.startswith("workflow.outputs.")})
        self.done: set[str] = set()
        self.task_of: dict[str, str] = {}
        self.group_open: dict[str, int] = {}
        self.hooks = ChildHooks(engine, self)
        self.remaining = len(self.needed)
        #: the template's ``parallelism``; waiting tasks go in task order (then item order), so
        #: which runs next depends on the DAG, not on the order its dependencies finished in
        self.gate: Gate[Waiting] = Gate(int(template.get("parallelism") or 0), ordered=True)
        self.order = {name: i for i, name in enumerate(self.tasks)}
        self.finished = False

    def _ancestors(self, targets: list[str]) -> set[str]:
        seen: set[str] = set()
        stack = [t for t in targets if t in self.tasks]
        while stack:
            t = stack.pop()
            if t in seen:
                continue
            seen.add(t)
            stack.extend(d for d in self.deps.get(t, ()) if d in self.tasks)
        return seen

    # ---- frame protocol -------------------------------------------------------------------

    def start(self) -> None:
        if not self.needed:
            self._complete()
            return
        for name in self.tasks:
            if name in self.needed and not self.deps[name]:
                self._ready(name)

    def child_started(self, child: Node) -> None:
        task = self.task_of.get(child.id)
        if task is not None:
            self.hooks.lifecycle(self.tasks[task], f"tasks.{task}", child)

    def child_done(self, child: Node) -> None:
        e = self.engine
        settled = self.hooks.closed(child.id)
        if settled is not None:
            self._task_node_settled(e.nodes.get(settled))
            return
        if child.id in self.hooks.hook_of:
            return
        task = self.task_of.get(child.id)
        if task is None:
            return
        holder = self.tasks[task]
        self.hooks.lifecycle(holder, f"tasks.{task}", child)
        if child.type != N.TASK_GROUP and self.hooks.exit(holder, f"tasks.{task}", child):
            return
        if not self.hooks.busy(child.id):
            self._task_node_settled(child)

    # ---- internals ------------------------------------------------------------------------

    def _task_node_settled(self, child: Node) -> None:
        e = self.engine
        task = self.task_of.get(child.id)
        if task is None:
            return
        group_name = f"{self.node.name}.{task}"
        if child.name != group_name:
            # one item of a looped task
            self._release()
            left = self.group_open[task] - 1
            self.group_open[task] = left
            if left == 0:
                group = e.nodes.by_name(group_name)
                assert group is not None
                phase = N.SUCCEEDED
                for cid in group.children:
                    c = e.nodes.get(cid)
                    if N.failed_or_error(c.phase):
                        phase = c.phase
                e.finish(group, phase)
            return
        if child.type != N.TASK_GROUP and child.type != N.SKIPPED_NODE:
            self._release()
        self._task_done(task, child)

    def _task_done(self, task: str, node: Node) -> None:
        if task in self.done:
            return
        e = self.engine
        self.done.add(task)
        if node.type == N.TASK_GROUP:
            children = [e.nodes.get(c) for c in node.children]
            add_aggregate(self.scope, f"tasks.{task}", children)
            add_node_ref(self.scope, f"tasks.{task}", node)
            for c in children:
                e.add_outputs_to_global(c.outputs)
        else:
            add_node_ref(self.scope, f"tasks.{task}", node)
            e.add_skipped_outputs(self.scope, f"tasks.{task}", node, self.tasks[task], self.context)
            e.add_outputs_to_global(node.outputs)
        self.remaining -= 1
        for d in self.dependents[task]:
            if d not in self.done and all(x in self.done for x in self.deps[d] if x in self.tasks):
                self._ready(d)
        if self.remaining == 0 and not self.finished:
            self._complete()

    def _outcome(self, name: str) -> TaskOutcome:
        node = self.engine.nodes.by_name(f"{self.node.name}.{name}")
        if node is None:
            return TaskOutcome(phase=N.OMITTED)
        children: tuple[str, ...] = ()
        if node.type == N.TASK_GROUP:
            children = tuple(self.engine.nodes.get(c).phase for c in node.children)
        return TaskOutcome(phase=node.phase, daemoned=node.daemoned and node.phase != N.PENDING,
                           children_phases=children)

    def _ready(self, name: str) -> None:
        """All of ``name``'s dependencies are fulfilled: decide whether it runs."""
        e = self.engine
        task = self.tasks[name]
        node_name = f"{self.node.name}.{name}"
        logic = self.logic[name]
        # restored: a task whose node exists was decided before (a daemon it depended on
        # may have ended since, which must not change that decision)
        decided = e.nodes.by_name(node_name) if e.replaying else None
        if decided is not None and decided.type == N.SKIPPED_NODE:
            self._settle_now(name, e.skip(node_name, task, self.node.id, self, decided.phase,
                                          decided.message or "", self.context))
            return
        if logic and decided is None:
            try:
                outcomes = {d: self._outcome(d) for d in self.deps[name]}
                execute = parse_depends(logic).evaluate(outcomes)
            except ArgosyError as err:
                self._settle_now(name, e.skip(node_name, task, self.node.id, self, N.ERROR,
                                              f"unable to evaluate expression '{logic}': {err}", self.context))
                return
            if not execute:
                self._settle_now(name, e.skip(node_name, task, self.node.id, self, N.OMITTED,
                                              "omitted: depends condition not met", self.context))
                return
        scope = chain(self.scope, e.global_scope)
        # Argo decides `when` first, and resolves nothing else of a task that will not run
        when = when_false(task, scope)
        try:
            bound = task if when is not None else mark_absent_arguments(bind_artifact_arguments(task, scope), scope)
            resolved = {**task, "when": when} if when is not None else \
                substitute_object({k: v for k, v in bound.items() if k != "hooks"}, scope)
        except ArgosyError as err:  # e.g. an absent optional output in the arguments or withParam
            self._settle_now(name, e.skip(node_name, task, self.node.id, self, N.ERROR, str(err), self.context))
            return
        resolved["hooks"] = task.get("hooks")
        ref = unresolved_reference({k: v for k, v in resolved.items() if k not in ("hooks", "onExit")})
        if ref is not None and when is None:
            self._settle_now(name, e.skip(node_name, task, self.node.id, self, N.ERROR,
                                          f"failed to resolve {ref}", self.context))
            return
        try:
            items = loop_items(resolved)
        except LoopError as err:
            if when is not None:  # a loop that will not run is not an error (Argo: "Skipped, empty params")
                items = []
            else:
                self._settle_now(name, e.skip(node_name, task, self.node.id, self, N.ERROR, str(err), self.context))
                return
        if items is None:
            proceed, err_msg = when_allows(resolved.get("when")) if decided is None else (True, None)
            if err_msg is not None or not proceed:
                phase = N.ERROR if err_msg else N.SKIPPED
                message = err_msg or f"when '{resolved.get('when')}' evaluated false"
                self._settle_now(name, e.skip(node_name, task, self.node.id, self, phase, message, self.context))
                return
            self._launch(name, node_name, resolved, None, -1)
            return
        if not items:
            self._settle_now(name, e.skip(node_name, task, self.node.id, self, N.SKIPPED,
                                          "Skipped, empty params", self.context))
            return
        try:
            expanded = expand(resolved, items, scope)
        except ArgosyError as err:
            self._settle_now(name, e.skip(node_name, task, self.node.id, self, N.ERROR, str(err), self.context))
            return
        group = e.new_node(node_name, N.TASK_GROUP, N.RUNNING, self.node.id, self,
                           template_name=task.get("template"), template_ref=task.get("templateRef"),
                           template_scope=self.context)
        self.task_of[group.id] = name
        self._connect(name, group)
        self.group_open[name] = 0
        for index, (item_name, body) in enumerate(expanded):
            child_name = f"{self.node.name}.{item_name}"
            launched = e.nodes.by_name(child_name) if e.replaying else None
            if launched is not None and launched.type != N.SKIPPED_NODE:
                proceed, err_msg = True, None  # restored: decided before
            else:
                proceed, err_msg = when_allows(body.get("when"))
            self.group_open[name] += 1
            if err_msg is not None or not proceed:
                phase = N.ERROR if err_msg else N.SKIPPED
                message = err_msg or f"when '{body.get('when')}' evaluated false"
                child = e.skip(child_name, body, self.node.id, self, phase, message, self.context)
                self.task_of[child.id] = name
                e.nodes.add_child(group, child.id)
                self.gate.hold()
                continue
            self._launch(name, child_name, body, group, index)

    def _settle_now(self, name: str, node: Node) -> None:
        self.task_of[node.id] = name
        self._connect(name, node)

    def _connect(self, name: str, node: Node) -> None:
        e = self.engine
        deps = [d for d in self.deps[name] if d in self.tasks]
        if not deps:
            e.nodes.add_child(self.node, node.id)
            return
        for d in sorted(deps):
            dep = e.nodes.by_name(f"{self.node.name}.{d}")
            if dep is None:
                continue
            for out in e.outbound(dep):
                e.nodes.add_child(e.nodes.get(out), node.id)

    def _launch(self, task: str, node_name: str, body: dict[str, Any], group: Node | None, index: int) -> None:
        e = self.engine
        if e.replaying and e.nodes.by_name(node_name) is not None:
            self.gate.hold()  # restored: it was admitted before
        elif not self.gate.enter((task, node_name, body, group.id if group else None), (self.order[task], index)):
            return
        self._run(task, node_name, body, group)

    def _run(self, task: str, node_name: str, body: dict[str, Any], group: Node | None) -> None:
        """Run an admitted task (or item)."""
        e = self.engine
        nid = e.nodes.id_for(node_name)
        self.task_of[nid] = task
        node = e.execute(node_name, body, self.context, body.get("arguments"), boundary_id=self.node.id,
                         owner=self, local={"tasks.name": body.get("name", task)})
        if node.type == N.SKIPPED_NODE and node.phase == N.ERROR and node.message != MAX_DEPTH_MESSAGE:
            node.message = f"task '{node_name}' errored: {node.message}"  # Argo's wording
        if group is not None:
            e.nodes.add_child(group, node.id)
        else:
            self._connect(task, node)

    def _release(self) -> None:
        for task, node_name, body, group_id in self.gate.leave():
            self._run(task, node_name, body, self.engine.nodes.get(group_id) if group_id else None)

    def _assess(self) -> str:
        """Argo's assessDAGPhase: failed branches reach targets through skipped nodes."""
        e = self.engine
        target_ids = {e.nodes.id_for(f"{self.node.name}.{t}"): t for t in self.targets}
        phases: dict[str, str] = {}
        seen: set[tuple[str, str]] = set()
        queue = deque((c, N.SUCCEEDED) for c in self.node.children)
        while queue:
            nid, branch = queue.popleft()
            if (nid, branch) in seen:
                continue
            seen.add((nid, branch))
            node = e.nodes.by_id.get(nid)
            if node is None:
                continue
            if N.completed_phase(node.phase):
                branch = node.phase
            if nid in target_ids and not N.failed_or_error(phases.get(nid, "")):
                phases[nid] = branch
            kids = node.children[-1:] if node.type == N.RETRY else node.children
            queue.extend((c, branch) for c in kids)
        result = N.SUCCEEDED
        for nid, t in target_ids.items():
            phase = phases.get(nid, "")
            if N.failed_or_error(phase):
                cont = self.tasks.get(t, {}).get("continueOn") or {}
                if (phase == N.FAILED and cont.get("failed")) or (phase == N.ERROR and cont.get("error")):
                    continue
                result = phase
                if self.fail_fast:
                    break
        return result

    def _complete(self) -> None:
        e = self.engine
        self.finished = True
        outbound: list[str] = []
        for t in self.targets:
            n = e.nodes.by_name(f"{self.node.name}.{t}")
            if n is not None:
                outbound.extend(e.outbound(n))
        self.node.outbound_nodes = outbound
        e.nodes.touch(self.node)
        phase = self._assess()
        e.kill_daemons(self.node)
        if phase != N.SUCCEEDED:
            e.finish(self.node, phase)
            return
        try:
            outputs = template_outputs(self.template, chain(self.scope, e.global_scope))
        except ArgosyError as err:
            e.finish(self.node, N.ERROR, str(err))
            return
        if outputs:
            self.node.outputs = outputs
            e.add_outputs_to_global(outputs)
        e.finish(self.node, N.SUCCEEDED)
