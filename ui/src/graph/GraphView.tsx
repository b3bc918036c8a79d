// Draws a Graph with dagre's layered layout (top to bottom, as Argo's UI) in one SVG that
// pans (drag) and zooms (wheel). Layout is redone only when the set of nodes or edges changes;
// a phase change (the common live update) only recolours.
import dagre from "@dagrejs/dagre";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { GEdge, GNode, Graph } from "./model";

const W = 170, H = 34, SMALL = 14;

function small(n: GNode): boolean {
  return n.type === "StepGroup" || n.type === "TaskGroup";
}

interface Placed { nodes: Map<string, { x: number; y: number }>; edges: { e: GEdge; points: { x: number; y: number }[] }[]; width: number; height: number }

function layout(g: Graph): Placed {
  const d = new dagre.graphlib.Graph({ multigraph: false });
  d.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 36, marginx: 20, marginy: 20 });
  d.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) d.setNode(n.id, small(n) ? { width: SMALL, height: SMALL } : { width: W, height: H });
  for (const e of g.edges) d.setEdge(e.from, e.to);
  dagre.layout(d);
  const nodes = new Map<string, { x: number; y: number }>();
  for (const n of g.nodes) {
    const p = d.node(n.id);
    nodes.set(n.id, { x: p.x, y: p.y });
  }
  const edges = g.edges.map((e) => ({ e, points: (d.edge(e.from, e.to)?.points || []) as { x: number; y: number }[] }));
  const gi = d.graph();
  return { nodes, edges, width: gi.width || 0, height: gi.height || 0 };
}

/** A key that changes only when the graph's shape does (not on phase changes). */
function shapeKey(g: Graph): string {
  return g.nodes.map((n) => n.id).join("|") + "#" + g.edges.map((e) => e.from + ">" + e.to).join("|");
}

export function GraphView({ graph, selected, anchor, onSelect }: { graph: Graph; selected?: string; anchor?: string; onSelect: (n: GNode) => void }) {
  const key = shapeKey(graph);
  const placed = useMemo(() => layout(graph), [key]);
  const svg = useRef<SVGSVGElement>(null);
  const [view, setView] = useState({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);

  const last = useRef<{ placed: Placed; view: typeof view; width: number } | null>(null);
  last.current = last.current && { ...last.current, view };

  useEffect(() => {
    // fit the width on the first layout and when the canvas is resized (a panel opens), never
    // smaller than readable (wider graphs pan); a new layout of the same graph (a fan-out opened)
    // keeps `anchor` where it was on screen, so the user's eye stays on what was clicked
    const el = svg.current;
    if (!el) return;
    const fit = () => {
      const k = Math.max(0.3, Math.min(1, el.clientWidth / (placed.width + 40)));
      setView({ x: Math.max(0, (el.clientWidth - placed.width * k) / 2), y: 0, k });
    };
    const before = last.current;
    const was = before && anchor ? before.placed.nodes.get(anchor) : undefined;
    const now = anchor ? placed.nodes.get(anchor) : undefined;
    if (before && was && now) {
      const v = before.view;
      setView({ k: v.k, x: was.x * v.k + v.x - now.x * v.k, y: was.y * v.k + v.y - now.y * v.k });
    } else if (!before) fit();
    last.current = { placed, view, width: el.clientWidth };
    const observer = new ResizeObserver(() => {
      if (last.current && el.clientWidth !== last.current.width) {
        last.current.width = el.clientWidth;
        fit();
      }
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [placed]);

  useEffect(() => {
    // a selected node out of sight (a link to it, a search) is brought to the middle
    const el = svg.current;
    const p = selected ? placed.nodes.get(selected) : undefined;
    if (!el || !p) return;
    const sx = p.x * view.k + view.x, sy = p.y * view.k + view.y;
    if (sx < 0 || sy < 0 || sx > el.clientWidth || sy > el.clientHeight) {
      setView({ ...view, x: el.clientWidth / 2 - p.x * view.k, y: el.clientHeight / 3 - p.y * view.k });
    }
  }, [selected, placed]);

  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    const r = svg.current!.getBoundingClientRect();
    const mx = e.clientX - r.left, my = e.clientY - r.top;
    const k = Math.max(0.05, Math.min(3, view.k * Math.exp(-e.deltaY * 0.0015)));
    setView({ k, x: mx - ((mx - view.x) * k) / view.k, y: my - ((my - view.y) * k) / view.k });
  };
  const down = (e: PointerEvent) => {
    drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
  };
  const move = (e: PointerEvent) => {
    const d = drag.current;
    if (d && e.buttons) setView({ ...view, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y });
  };

  return (
    <svg ref={svg} class="graph" data-nodes={graph.nodes.length} onWheel={wheel} onPointerDown={down} onPointerMove={move}
         onPointerUp={() => (drag.current = null)}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
        </marker>
      </defs>
      <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
        {placed.edges.map(({ e, points }) => (
          <polyline key={e.from + ">" + e.to} class={"edge" + (e.dashed ? " dashed" : "")} marker-end="url(#arrow)"
                    points={points.map((p) => `${p.x},${p.y}`).join(" ")} />
        ))}
        {graph.nodes.map((n) => {
          const p = placed.nodes.get(n.id);
          if (!p) return null;
          const cls = `node phase-${n.phase || "none"} type-${n.type}` + (selected === n.id ? " selected" : "");
          if (small(n)) {
            return <circle key={n.id} class={cls} cx={p.x} cy={p.y} r={SMALL / 2} data-id={n.id} onClick={() => onSelect(n)}><title>{n.label}</title></circle>;
          }
          return (
            <g key={n.id} class={cls + (n.chain ? " chain" : "")} transform={`translate(${p.x - W / 2},${p.y - H / 2})`} data-id={n.id} data-label={n.label}
               onClick={() => onSelect(n)}>
              <rect width={W} height={H} rx={n.type === "Pod" ? H / 2 : 6} />
              <circle class="dot" cx={H / 2} cy={H / 2} r={7} />
              <text x={H} y={H / 2 + 4}>{n.label.length > 20 ? n.label.slice(0, 19) + "…" : n.label}</text>
              <title>{`${n.label} (${n.type}) ${n.phase}`}</title>
            </g>
          );
        })}
      </g>
    </svg>
  );
}
