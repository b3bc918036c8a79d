// From Argo's status.nodes to the graph that is drawn: edges parent → children (Argo writes
// step groups and DAG dependencies as children), the exit handler hung off the workflow's
// outbound nodes, and wide fan-outs collapsed into one "N more" node, so a 10,000-node loop
// draws as a handful of boxes until the user opens it. A long linear chain (a thousand
// sequential steps, a DAG of tasks one after another) collapses the same way: its first and
// last nodes are drawn, the middle is one "N more" node that opens page by page from the top.
import type { Obj } from "../api";

/** children shown of a node before the rest collapse into one "N more" node */
export const FANOUT_SHOWN = 8;
/** a fan-out only a little wider than what is shown is drawn whole */
export const FANOUT_SLACK = 4;
/** children one click on "N more" adds */
export const FANOUT_PAGE = 50;

/** nodes of a linear chain drawn before the rest of it collapses */
export const CHAIN_HEAD = 6;
/** nodes drawn at a collapsed chain's end (where it joins the rest of the graph) */
export const CHAIN_TAIL = 4;
/** a chain only a little longer than what is drawn is drawn whole */
export const CHAIN_SLACK = 4;
/** chain nodes one click on its "N more" adds */
export const CHAIN_PAGE = 50;

export interface GNode {
  id: string;
  label: string;
  type: string; // Argo's node type, or "Collapsed"
  phase: string;
  hidden?: number; // Collapsed: how many children it stands for
  parent?: string; // Collapsed: the key in `expanded` that opens it (a fan-out's parent node id, or chainKey(first))
  chain?: boolean; // Collapsed: the middle of a linear chain (not a fan-out)
}

export interface GEdge {
  from: string;
  to: string;
  dashed?: boolean;
}

export interface Graph {
  nodes: GNode[];
  edges: GEdge[];
  /** nodes hidden in a collapsed chain: its key in `expanded`, and the pages of it to open to draw them */
  inChain?: Map<string, { key: string; pages: number }>;
}

/** The key in `expanded` of the chain that starts at node `first`. */
export function chainKey(first: string): string {
  return `chain:${first}`;
}

export function collapsedId(parent: string): string {
  return `${parent}/more`;
}

/** The drawn graph of `nodes` (Argo's status.nodes); `expanded` counts the pages of each fan-out the user opened. */
export function buildGraph(nodes: Record<string, Obj>, workflowName: string, expanded: Map<string, number>): Graph {
  const ids = Object.keys(nodes);
  const parents = new Map<string, number>();
  for (const id of ids) for (const c of nodes[id].children || []) parents.set(c, (parents.get(c) || 0) + 1);
  const exitNodes = ids.filter((id) => nodes[id].name === `${workflowName}.onExit`);
  const roots = ids.filter((id) => !parents.has(id) && !exitNodes.includes(id));

  const visible = new Set<string>();
  const out: GNode[] = [];
  const edges: GEdge[] = [];
  const collapsedOf = new Map<string, string>(); // hidden node → its Collapsed node
  const pendingHidden: [string, string][] = [];
  const collapsed: GNode[] = []; // drawn after the children they follow
  const chained = new Set<string>(); // nodes already found in a chain (each chain is walked once)
  const cuts = new Map<string, { cid: string; resume?: string }>(); // first hidden node of a chain → its Collapsed node
  const inChain = new Map<string, { key: string; pages: number }>();

  // A chain: `first`, its only child when that child has no other parent, and so on.
  const chainFrom = (first: string): string[] => {
    const chain = [first];
    chained.add(first);
    for (let id = first; ;) {
      const kids: string[] = nodes[id].children || [];
      const next = kids[0];
      if (kids.length !== 1 || !nodes[next] || parents.get(next) !== 1 || chained.has(next)) return chain;
      chain.push(next);
      chained.add(next);
      id = next;
    }
  };
  const collapseChain = (first: string) => {
    const chain = chainFrom(first);
    const key = chainKey(first);
    const head = CHAIN_HEAD + CHAIN_PAGE * (expanded.get(key) || 0);
    if (chain.length <= head + CHAIN_TAIL + CHAIN_SLACK) return;
    const end = chain.length - CHAIN_TAIL; // chain[head, end) hide
    const hidden = chain.slice(head, end);
    const cid = `${first}/chain`;
    collapsed.push({ id: cid, label: `${hidden.length} more`, type: "Collapsed", phase: summaryPhase(hidden.map((h) => nodes[h])),
                     hidden: hidden.length, parent: key, chain: true });
    cuts.set(chain[head], { cid, resume: chain[end] });
    hidden.forEach((h, i) => inChain.set(h, { key, pages: Math.ceil((head + i + 1 - CHAIN_HEAD) / CHAIN_PAGE) }));
  };

  const show = (start: string) => {
    const stack = [start];
    while (stack.length) {
      const id = stack.pop()!;
      if (visible.has(id) || !nodes[id]) continue;
      visible.add(id);
      const n = nodes[id];
      out.push({ id, label: (n.displayName || n.name || id).replace(/^.*\.onExit$/, "onExit"), type: n.type, phase: n.phase || "Pending" });
      let children: string[] = (n.children || []).filter((c: string) => nodes[c]);
      const shown = FANOUT_SHOWN + FANOUT_PAGE * (expanded.get(id) || 0);
      if (children.length > shown + FANOUT_SLACK) {
        const hidden = children.slice(shown);
        children = children.slice(0, shown);
        const cid = collapsedId(id);
        collapsed.push({ id: cid, label: `${hidden.length} more`, type: "Collapsed", phase: summaryPhase(hidden.map((h) => nodes[h])), hidden: hidden.length, parent: id });
        for (const h of hidden) pendingHidden.push([h, cid]);
      }
      if (children.length === 1 && parents.get(children[0]) === 1 && !chained.has(children[0])) collapseChain(children[0]);
      const next: string[] = [];
      for (const c of children) {
        const cut = cuts.get(c);
        if (cut) { // the middle of a long chain starts here: draw its Collapsed node, go on at the chain's tail
          edges.push({ from: id, to: cut.cid });
          if (cut.resume) { edges.push({ from: cut.cid, to: cut.resume }); next.push(cut.resume); }
        } else {
          edges.push({ from: id, to: c });
          next.push(c);
        }
      }
      if (children.length < (n.children || []).length) edges.push({ from: id, to: collapsedId(id) });
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]); // drawn in Argo's order
    }
  };
  roots.forEach(show);
  for (const e of exitNodes) show(e);
  out.push(...collapsed);

  // What hides behind a Collapsed node: its children and whatever only they lead to. Where such a
  // subtree reaches a drawn node again (the join after a loop), the Collapsed node gets the edge.
  const collapsedEdges = new Set<string>();
  const stack = pendingHidden.filter(([h]) => !visible.has(h));
  while (stack.length) {
    const [id, cid] = stack.pop()!;
    if (collapsedOf.has(id)) continue;
    collapsedOf.set(id, cid);
    for (const c of nodes[id].children || []) {
      if (!nodes[c]) continue;
      if (visible.has(c)) {
        const key = `${cid}\0${c}`;
        if (!collapsedEdges.has(key)) {
          collapsedEdges.add(key);
          edges.push({ from: cid, to: c });
        }
      } else stack.push([c, cid]);
    }
  }

  // The exit handler runs after the workflow: Argo draws it below the last nodes, dashed.
  if (exitNodes.length) {
    const root = roots.map((r) => nodes[r]).find((n) => n.name === workflowName);
    const leaves = root ? (root.outboundNodes || []).filter((o: string) => visible.has(o)) : [];
    const from = leaves.length ? leaves : root ? [root.id] : [];
    for (const e of exitNodes) for (const f of from) edges.push({ from: f, to: e, dashed: true });
  }
  return { nodes: out, edges, inChain };
}

const ORDER = ["Failed", "Error", "Running", "Pending", "Succeeded", "Skipped", "Omitted"];

function summaryPhase(nodes: Obj[]): string {
  const phases = new Set(nodes.map((n) => n.phase || "Pending"));
  return ORDER.find((p) => phases.has(p)) || "Pending";
}

/** The graph of a template before anything runs: DAG tasks by their dependencies, steps by group. */
export function templateGraph(spec: Obj): Graph {
  const templates: Obj[] = spec.templates || [];
  const byName = new Map(templates.map((t) => [t.name, t]));
  const nodes: GNode[] = [];
  const edges: GEdge[] = [];
  const seen = new Set<string>();
  // returns the ids a following node connects from
  const expand = (tmplName: string, id: string, label: string, depth: number): string[] => {
    const t = byName.get(tmplName);
    nodes.push({ id, label, type: t?.dag ? "DAG" : t?.steps ? "Steps" : "Pod", phase: "" });
    if (!t || depth > 6 || seen.has(id)) return [id];
    seen.add(id);
    if (t.dag) {
      const tasks: Obj[] = t.dag.tasks || [];
      const ends = new Map<string, string[]>();
      const dependedOn = new Set<string>();
      for (const task of tasks) {
        for (const d of taskDeps(task)) dependedOn.add(d);
      }
      for (const task of tasks) {
        const tid = `${id}.${task.name}`;
        const deps = taskDeps(task);
        if (!deps.length) edges.push({ from: id, to: tid });
        ends.set(task.name, task.template ? expand(task.template, tid, task.name, depth + 1) : [(nodes.push({ id: tid, label: task.name, type: "Pod", phase: "" }), tid)[1] as string]);
      }
      for (const task of tasks) {
        const tid = `${id}.${task.name}`;
        for (const d of taskDeps(task)) for (const e of ends.get(d) || []) edges.push({ from: e, to: tid });
      }
      return tasks.filter((t) => !dependedOn.has(t.name)).flatMap((t) => ends.get(t.name) || []);
    }
    if (t.steps) {
      let prev = [id];
      (t.steps as Obj[][]).forEach((group, i) => {
        const gid = `${id}[${i}]`;
        nodes.push({ id: gid, label: "", type: "StepGroup", phase: "" });
        for (const p of prev) edges.push({ from: p, to: gid });
        const next: string[] = [];
        for (const step of group || []) {
          const sid = `${gid}.${step.name}`;
          edges.push({ from: gid, to: sid });
          next.push(...expand(step.template || "", sid, step.name, depth + 1));
        }
        prev = next.length ? next : [gid];
      });
      return prev;
    }
    return [id];
  };
  if (spec.entrypoint) expand(spec.entrypoint, "root", spec.entrypoint, 0);
  const exit = spec.onExit || spec.hooks?.exit?.template;
  if (exit && byName.has(exit)) {
    const last = nodes.filter((n) => !edges.some((e) => e.from === n.id)).map((n) => n.id);
    expand(exit, "onExit", "onExit", 1);
    for (const l of last) edges.push({ from: l, to: "onExit", dashed: true });
  }
  return { nodes, edges };
}

function taskDeps(task: Obj): string[] {
  if (task.dependencies) return task.dependencies;
  if (task.depends) return Array.from(new Set(String(task.depends).match(/[A-Za-z0-9_-]+(?=\.|\b)/g) || []))
    .filter((w) => !["Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed"].includes(w));
  return [];
}
