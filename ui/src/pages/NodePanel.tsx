// A node's panel: summary, inputs/outputs (parameters and artifacts), logs (followed while the
// node runs) and the node's YAML; node actions (retry from here, resume a suspended node).
// It shows the node as the page holds it (the status it loaded, kept current by the watch
// stream). It does not ask for the node alone (`fields=status.nodes.<id>`): the server reads
// every node of the workflow to answer that (4.6-6.2 s at 100,000 nodes, measured), so each
// click would cost a whole-status read.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, apiUrl, Obj, podName, stream } from "../api";
import { Link } from "../main";
import { duration, Phase, Yaml } from "./common";

export function NodePanel({ workflow, node, tab, setTab, close, act }: {
  workflow: Obj; node: Obj; tab: string; setTab: (t: string) => void; close: () => void; act: (a: string, body?: Obj) => void;
}) {
  const children = useChildren(workflow, node);
  const name = workflow.metadata.name;
  const tabs = ["summary", "inputs-outputs", ...(node.type === "Pod" ? ["logs"] : []), "yaml"];
  return (
    <aside class="panel" data-node={node.displayName}>
      <header class="bar">
        <h2>{node.displayName} <Phase phase={node.phase} /></h2>
        <button class="close" onClick={close} aria-label="close">✕</button>
      </header>
      <div class="tabs">{tabs.map((t) => <button class={tab === t ? "on" : ""} onClick={() => setTab(t)}>{t}</button>)}</div>
      {tab === "summary" && (
        <div>
          <dl class="fields">
            <dt>Name</dt><dd>{node.name}</dd>
            <dt>ID</dt><dd>{node.id}</dd>
            <dt>Type</dt><dd>{node.type}</dd>
            <dt>Template</dt><dd>{node.templateName || node.templateRef?.template}</dd>
            <dt>Started</dt><dd>{node.startedAt}</dd>
            <dt>Finished</dt><dd>{node.finishedAt}</dd>
            <dt>Duration</dt><dd>{duration(node.startedAt, node.finishedAt)}</dd>
            {node.message && <><dt>Message</dt><dd>{node.message}</dd></>}
            {node.type === "Pod" && <><dt>Pod</dt><dd>{podName(name, node.name, node.templateName)}</dd></>}
            {node.outputs?.exitCode !== undefined && <><dt>Exit code</dt><dd>{node.outputs.exitCode}</dd></>}
            {children.length > 0 && <><dt>Child workflow</dt><dd class="children">{children.map((c) => (
              <div><Link to={`/workflows/${c.metadata.namespace}/${c.metadata.name}`} class="child">{c.metadata.name}</Link> <Phase phase={c.status?.phase} /></div>
            ))}</dd></>}
          </dl>
          <div class="actions">
            {["Failed", "Error"].includes(workflow.status?.phase) && (
              <button onClick={() => act("retry", { nodeFieldSelector: `id=${node.id}`, restartSuccessful: true })}>Retry from this node</button>
            )}
            {node.type === "Suspend" && node.phase === "Running" && (
              <button onClick={() => act("resume", { nodeFieldSelector: `id=${node.id}` })}>Resume this node</button>
            )}
          </div>
        </div>
      )}
      {tab === "inputs-outputs" && <IO node={node} workflow={workflow} />}
      {tab === "logs" && <Logs workflow={workflow} node={node} />}
      {tab === "yaml" && <Yaml value={node} />}
    </aside>
  );
}

// What a resource template that creates a Workflow writes on it (Argosy's labels; Argo sets only
// an ownerReference): select a parent's children by its uid, map each to the node that made it.
export const PARENT_UID_LABEL = "argosy.io/parent-workflow-uid";
export const PARENT_NAME_ANNOTATION = "argosy.io/parent-workflow";
export const PARENT_NODE_ANNOTATION = "argosy.io/parent-node-id";

/** The template a node ran, when the workflow carries it (its own, stored, or its WorkflowTemplate's). */
function templateOf(workflow: Obj, name?: string): Obj | undefined {
  if (!name) return undefined;
  const all: Obj[] = [...(workflow.spec?.templates || []), ...(workflow.status?.storedWorkflowTemplateSpec?.templates || []),
                      ...Object.values((workflow.status?.storedTemplates || {}) as Record<string, Obj>)];
  return all.find((t) => t.name === name);
}

/** The workflows a resource node created (none for other nodes). */
function useChildren(workflow: Obj, node: Obj): Obj[] {
  const [children, setChildren] = useState<Obj[]>([]);
  const template = templateOf(workflow, node.templateName);
  // a template only known by reference (templateRef) may be a resource template: ask
  const resource = node.type === "Pod" && (template ? !!template.resource : true);
  const { namespace, uid } = workflow.metadata;
  useEffect(() => {
    setChildren([]);
    if (!resource || !uid) return;
    let live = true;
    const query = { "listOptions.labelSelector": `${PARENT_UID_LABEL}=${uid}`,
                    fields: "items.metadata.name,items.metadata.namespace,items.metadata.annotations,items.status.phase" };
    // every namespace (a resource may create its workflow elsewhere); a token confined to this
    // namespace may not list them all: then this one
    api("GET", "/api/v1/workflows/", { query }).catch(() => api("GET", `/api/v1/workflows/${namespace}`, { query }))
      .then((list) => { if (live) setChildren((list.items || []).filter((w: Obj) => w.metadata?.annotations?.[PARENT_NODE_ANNOTATION] === node.id)); },
            () => undefined);
    return () => { live = false; };
  }, [namespace, uid, node.id, resource, node.phase]);
  return children;
}

function Params({ title, params }: { title: string; params?: Obj[] }) {
  if (!params?.length) return null;
  return (
    <section><h3>{title}</h3>
      <table class="kv">{params.map((p) => <tr><th>{p.name}</th><td><code>{p.value ?? p.default ?? ""}</code></td></tr>)}</table>
    </section>
  );
}

// Argo Server's artifact downloads: /artifacts/… for outputs, /input-artifacts/… for inputs
function Artifacts({ title, artifacts, workflow, node, route }: { title: string; artifacts?: Obj[]; workflow: Obj; node: Obj; route: string }) {
  if (!artifacts?.length) return null;
  return (
    <section><h3>{title}</h3>
      <table class="kv">{artifacts.map((a) => (
        <tr><th>{a.name}</th><td>
          <a href={apiUrl(`/${route}/${workflow.metadata.namespace}/${workflow.metadata.name}/${node.id}/${a.name}`)} download>download</a>
          {" "}<code>{a.path || ""}</code>
        </td></tr>
      ))}</table>
    </section>
  );
}

function IO({ node, workflow }: { node: Obj; workflow: Obj }) {
  const empty = !node.inputs?.parameters?.length && !node.inputs?.artifacts?.length && !node.outputs?.parameters?.length && !node.outputs?.artifacts?.length && node.outputs?.result === undefined;
  return (
    <div>
      <Params title="Input parameters" params={node.inputs?.parameters} />
      <Artifacts title="Input artifacts" artifacts={node.inputs?.artifacts} workflow={workflow} node={node} route="input-artifacts" />
      <Params title="Output parameters" params={node.outputs?.parameters} />
      <Artifacts title="Output artifacts" artifacts={node.outputs?.artifacts} workflow={workflow} node={node} route="artifacts" />
      {node.outputs?.result !== undefined && <section><h3>Result</h3><pre class="yaml">{node.outputs.result}</pre></section>}
      {empty && <p class="empty">This node has no inputs or outputs.</p>}
    </div>
  );
}

function Logs({ workflow, node }: { workflow: Obj; node: Obj }) {
  const [lines, setLines] = useState<string[]>([]);
  const [container, setContainer] = useState("main");
  const [state, setState] = useState("");
  const box = useRef<HTMLPreElement>(null);
  const follow = !node.finishedAt && ["Running", "Pending"].includes(node.phase);
  useEffect(() => {
    setLines([]);
    setState(follow ? "following" : "");
    const buffer: string[] = [];
    let timer: number | undefined;
    const flush = () => { timer = undefined; setLines([...buffer]); };
    const stop = stream(`/api/v1/workflows/${workflow.metadata.namespace}/${workflow.metadata.name}/log`,
      { podName: podName(workflow.metadata.name, node.name, node.templateName), "logOptions.container": container, "logOptions.follow": follow ? "true" : undefined },
      (r) => { buffer.push(r.content); if (timer === undefined) timer = window.setTimeout(flush, 100); },
      (err) => { clearTimeout(timer); flush(); setState(err ? `error: ${err}` : "ended"); });
    return () => { stop(); clearTimeout(timer); };
  }, [node.id, container, follow]);
  useEffect(() => { box.current?.scrollTo(0, box.current.scrollHeight); }, [lines]);
  return (
    <div>
      <div class="logbar">
        <label>Container <select value={container} onChange={(e) => setContainer((e.target as HTMLSelectElement).value)}>
          {["main", "init", "wait"].map((c) => <option>{c}</option>)}
        </select></label>
        <span class="state">{state}</span>
      </div>
      <pre ref={box} class="logs" data-state={state}>{lines.join("\n")}{!lines.length && state === "ended" ? "(no output)" : ""}</pre>
    </div>
  );
}
