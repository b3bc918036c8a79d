// Workflow detail: the graph (live through the watch stream on this one workflow), a timeline,
// its events, the workflow's YAML, actions, and the node panel. The selected node and its tab are in the
// URL (?nodeId=…&tab=logs), so a link to a node's logs can be shared.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, Obj, stream } from "../api";
import { GraphView } from "../graph/GraphView";
import { buildGraph, FANOUT_PAGE, FANOUT_SHOWN, GNode } from "../graph/model";
import { navigate } from "../router";
import { Link } from "../main";
import { duration, ErrorBox, Phase, Yaml } from "./common";
import { NodePanel, PARENT_NAME_ANNOTATION, PARENT_NODE_ANNOTATION } from "./NodePanel";
import { EventsView } from "./Events";

const RUNNING = new Set(["Running", "Pending", ""]);

export function WorkflowPage({ namespace, name, query }: { namespace: string; name: string; query: URLSearchParams }) {
  const [wf, setWf] = useState<Obj>();
  const [error, setError] = useState<string>();
  const [expanded, setExpanded] = useState<Map<string, number>>(new Map());
  const [anchor, setAnchor] = useState<string>(); // the "N more" node last opened: it stays put on screen
  const [generation, setGeneration] = useState(0); // bumped after an action: reload and watch again
  const view = query.get("view") || "graph";
  const nodeId = query.get("nodeId") || undefined;
  const tab = query.get("tab") || "summary";

  const setQuery = (changes: Record<string, string | undefined>) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) if (v) q.set(k, v); else q.delete(k);
    navigate(`/workflows/${namespace}/${name}${q.toString() ? "?" + q : ""}`, true);
  };

  useEffect(() => {
    let stop: (() => void) | undefined;
    let poll: number | undefined;
    const get = () => api("GET", `/api/v1/workflows/${namespace}/${name}`).then((w) => { setWf(w); setError(undefined); return w; },
      (e) => { setError(e.message); return undefined; });
    get().then((w) => {
      if (!w || !RUNNING.has(w.status?.phase || "")) return;
      stop = stream(`/api/v1/workflow-events/${namespace}`, { "listOptions.fieldSelector": `metadata.name=${name}`, "listOptions.resourceVersion": w.metadata?.resourceVersion },
        (ev) => { if (ev.type === "DELETED") setError("This workflow was deleted."); else if (ev.object) setWf(ev.object); },
        (err) => { if (err) poll = window.setInterval(get, 2000); });
    });
    return () => { stop?.(); clearInterval(poll); };
  }, [namespace, name, generation]);

  const nodes: Record<string, Obj> = wf?.status?.nodes || {};
  const graph = useMemo(() => buildGraph(nodes, name, expanded), [wf, expanded]);

  const select = (n: GNode) => {
    if (n.type === "Collapsed" && n.parent) {
      setAnchor(n.id);
      setExpanded(new Map(expanded).set(n.parent, (expanded.get(n.parent) || 0) + 1));
      return;
    }
    setQuery({ nodeId: n.id });
  };

  // find a node by name, opening the fan-out that hides it (details on demand)
  const find = (text: string) => {
    const match = Object.values(nodes).find((n) => (n.displayName || n.name || "").includes(text));
    if (!match) {
      setError(`no node's name contains "${text}"`);
      return;
    }
    setError(undefined);
    reveal(match.id);
    setQuery({ nodeId: match.id });
  };
  const reveal = (id: string) => {
    const next = new Map(expanded);
    for (const parent of Object.values(nodes)) {
      const i = (parent.children || []).indexOf(id);
      if (i >= FANOUT_SHOWN) next.set(parent.id, Math.max(next.get(parent.id) || 0, Math.ceil((i + 1 - FANOUT_SHOWN) / FANOUT_PAGE)));
    }
    const chain = graph.inChain?.get(id);
    if (chain) next.set(chain.key, Math.max(next.get(chain.key) || 0, chain.pages));
    // only a real change draws again (a node no expansion can reach must not loop)
    if ([...next].some(([k, v]) => expanded.get(k) !== v)) setExpanded(next);
  };
  // a link to a node hidden in a fan-out or a chain opens it far enough to draw it (a node in a
  // chain inside a fan-out takes two steps: the fan-out opens, then the chain)
  const shown = !nodeId || !nodes[nodeId] || graph.nodes.some((n) => n.id === nodeId);
  useEffect(() => { if (!shown && nodeId) reveal(nodeId); }, [shown, nodeId, graph]);

  const act = async (action: string, body: Obj = {}) => {
    try {
      if (action === "delete") {
        if (!confirm(`Delete ${name}?`)) return;
        await api("DELETE", `/api/v1/workflows/${namespace}/${name}`);
        navigate(`/workflows/${namespace}`);
        return;
      }
      const res = await api("PUT", `/api/v1/workflows/${namespace}/${name}/${action}`, { body: { name, namespace, ...body } });
      if (res.metadata?.name && res.metadata.name !== name) navigate(`/workflows/${namespace}/${res.metadata.name}`);
      else setGeneration(generation + 1);
    } catch (e: any) {
      setError(`${action}: ${e.message}`);
    }
  };

  if (!wf) return <div class="page"><h1>{name}</h1><ErrorBox error={error} />{!error && <p>Loading…</p>}</div>;
  const phase = wf.status?.phase;
  const running = RUNNING.has(phase || "");
  const node = nodeId ? nodes[nodeId] : undefined;
  // a workflow a resource node of another created links back to that node
  const parent: string | undefined = wf.metadata?.annotations?.[PARENT_NAME_ANNOTATION];
  const parentNode: string | undefined = wf.metadata?.annotations?.[PARENT_NODE_ANNOTATION];
  return (
    <div class="page detail">
      <header class="bar">
        <div>
          <div class="crumbs"><Link to={`/workflows/${namespace}`}>Workflows</Link> / {namespace}
            {parent && <> · created by <Link class="parent" to={`/workflows/${namespace}/${parent}${parentNode ? `?nodeId=${encodeURIComponent(parentNode)}` : ""}`}>{parent}</Link></>}</div>
          <h1>{name} <Phase phase={phase} /></h1>
          <div class="meta">{wf.status?.progress} · {duration(wf.status?.startedAt, wf.status?.finishedAt)} {wf.status?.message && <span class="message">· {wf.status.message}</span>}</div>
        </div>
        <div class="actions">
          {!running && <button onClick={() => act("retry")}>Retry</button>}
          <button onClick={() => act("resubmit", { memoized: false })}>Resubmit</button>
          {running && !wf.spec?.suspend && <button onClick={() => act("suspend")}>Suspend</button>}
          {running && <button onClick={() => act("resume")}>Resume</button>}
          {running && <button onClick={() => act("stop")}>Stop</button>}
          {running && <button onClick={() => act("terminate")}>Terminate</button>}
          <button class="danger" onClick={() => act("delete")}>Delete</button>
        </div>
      </header>
      <ErrorBox error={error} />
      <div class="tabs">
        {["graph", "timeline", "events", "yaml"].map((v) => <button class={view === v ? "on" : ""} onClick={() => setQuery({ view: v === "graph" ? undefined : v })}>{v}</button>)}
        {view === "graph" && (
          <input class="find" name="find-node" placeholder="find a node…"
                 onKeyDown={(e) => e.key === "Enter" && find((e.target as HTMLInputElement).value)} />
        )}
      </div>
      <div class="split">
        <div class="canvas">
          {view === "graph" && <GraphView graph={graph} selected={nodeId} anchor={anchor} onSelect={select} />}
          {view === "timeline" && <Timeline nodes={nodes} onSelect={(id) => setQuery({ nodeId: id })} />}
          {view === "events" && <EventsView workflow={wf} onSelect={(id) => setQuery({ nodeId: id })} />}
          {view === "yaml" && <Yaml value={wf} />}
        </div>
        {node && <NodePanel workflow={wf} node={node} tab={tab} setTab={(t) => setQuery({ tab: t === "summary" ? undefined : t })}
                            close={() => setQuery({ nodeId: undefined, tab: undefined })} act={act} />}
      </div>
    </div>
  );
}

function Timeline({ nodes, onSelect }: { nodes: Record<string, Obj>; onSelect: (id: string) => void }) {
  const pods = Object.values(nodes).filter((n) => n.type === "Pod" && n.startedAt).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt)).slice(0, 500);
  if (!pods.length) return <p class="empty">Nothing has started yet.</p>;
  const start = Date.parse(pods[0].startedAt);
  const end = Math.max(...pods.map((n) => (n.finishedAt ? Date.parse(n.finishedAt) : Date.now())), start + 1000);
  return (
    <div class="timeline">
      {pods.map((n) => {
        const s = Date.parse(n.startedAt), f = n.finishedAt ? Date.parse(n.finishedAt) : Date.now();
        return (
          <div class="row" onClick={() => onSelect(n.id)}>
            <span class="label">{n.displayName}</span>
            <span class="track"><span class={`bar phase-${n.phase}`} style={{ left: `${((s - start) / (end - start)) * 100}%`, width: `${Math.max(0.5, ((f - s) / (end - start)) * 100)}%` }} /></span>
          </div>
        );
      })}
    </div>
  );
}
