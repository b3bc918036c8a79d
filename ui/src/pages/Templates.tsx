// WorkflowTemplates and ClusterWorkflowTemplates: list, view (the graph drawn before anything
// runs, its YAML, edit, delete) and submit with a parameter form (enums as selects,
// descriptions shown).
import { useState } from "preact/hooks";
import { dump, load } from "js-yaml";
import { api, Obj } from "../api";
import { GraphView } from "../graph/GraphView";
import { templateGraph } from "../graph/model";
import { navigate } from "../router";
import { Link } from "../main";
import { ago, ErrorBox, useLoad } from "./common";

type Kind = "WorkflowTemplate" | "ClusterWorkflowTemplate";

function base(kind: Kind, namespace: string): string {
  return kind === "WorkflowTemplate" ? `/api/v1/workflow-templates/${namespace}` : "/api/v1/cluster-workflow-templates";
}

function uiPath(kind: Kind, namespace: string, name = ""): string {
  const root = kind === "WorkflowTemplate" ? `/workflow-templates/${namespace}` : "/cluster-workflow-templates";
  return name ? `${root}/${name}` : root;
}

export function TemplatesPage({ kind, namespace }: { kind: Kind; namespace: string }) {
  const [list, error] = useLoad(() => api("GET", base(kind, namespace)), [kind, namespace]);
  return (
    <div class="page">
      <header class="bar"><h1>{kind === "WorkflowTemplate" ? "Workflow templates" : "Cluster workflow templates"}</h1></header>
      {kind === "WorkflowTemplate" && (
        <div class="filters"><label>Namespace <input value={namespace} onChange={(e) => navigate(`/workflow-templates/${(e.target as HTMLInputElement).value || "default"}`)} /></label></div>
      )}
      <ErrorBox error={error} />
      <table class="list">
        <thead><tr><th>Name</th><th>Namespace</th><th>Created</th></tr></thead>
        <tbody>
          {(list?.items || []).map((t: Obj) => (
            <tr data-name={t.metadata.name}><td><Link to={uiPath(kind, namespace, t.metadata.name)}>{t.metadata.name}</Link></td>
              <td>{t.metadata.namespace}</td><td>{ago(t.metadata.creationTimestamp)}</td></tr>
          ))}
          {list && !list.items?.length && <tr><td colSpan={3} class="empty">No templates.</td></tr>}
        </tbody>
      </table>
    </div>
  );
}

export function TemplatePage({ kind, namespace, name }: { kind: Kind; namespace: string; name: string }) {
  const [tmpl, error, reload] = useLoad(() => api("GET", `${base(kind, namespace)}/${name}`), [kind, namespace, name]);
  const [view, setView] = useState("graph");
  const [actionError, setActionError] = useState<string>();
  const [text, setText] = useState<string>();
  if (!tmpl) return <div class="page"><h1>{name}</h1><ErrorBox error={error} /></div>;

  const save = async () => {
    try {
      const obj = load(text || "") as Obj;
      await api("PUT", `${base(kind, namespace)}/${name}`, { body: { template: obj } });
      setText(undefined); setView("graph"); reload();
    } catch (e: any) { setActionError(e.message); }
  };
  const remove = async () => {
    if (!confirm(`Delete ${name}?`)) return;
    try { await api("DELETE", `${base(kind, namespace)}/${name}`); navigate(uiPath(kind, namespace)); } catch (e: any) { setActionError(e.message); }
  };
  return (
    <div class="page detail">
      <header class="bar">
        <div><div class="crumbs"><Link to={uiPath(kind, namespace)}>{kind}s</Link> {namespace && `/ ${namespace}`}</div><h1>{name}</h1></div>
        <div class="actions"><button class="danger" onClick={remove}>Delete</button></div>
      </header>
      <ErrorBox error={actionError} />
      <div class="split">
        <div class="canvas">
          <div class="tabs">{["graph", "yaml", "edit"].map((v) => <button class={view === v ? "on" : ""} onClick={() => { setView(v); if (v === "edit") setText(dump(tmpl)); }}>{v}</button>)}</div>
          {view === "graph" && <GraphView graph={templateGraph(tmpl.spec || {})} onSelect={() => undefined} />}
          {view === "yaml" && <pre class="yaml">{dump(tmpl)}</pre>}
          {view === "edit" && <div><textarea class="editor" value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} /><button class="primary" onClick={save}>Save</button></div>}
        </div>
        <aside class="panel"><SubmitForm kind={kind} namespace={namespace || "default"} name={name} spec={tmpl.spec || {}} /></aside>
      </div>
    </div>
  );
}

/** Argo's submit form: entrypoint, parameters (enum → select; description shown), labels. */
export function SubmitForm({ kind, namespace, name, spec }: { kind: string; namespace: string; name: string; spec: Obj }) {
  const params: Obj[] = spec.arguments?.parameters || [];
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(params.map((p) => [p.name, String(p.value ?? p.default ?? (p.enum?.[0] ?? ""))])));
  const [entrypoint, setEntrypoint] = useState(spec.entrypoint || "");
  const [labels, setLabels] = useState("");
  const [error, setError] = useState<string>();
  const [ns, setNs] = useState(namespace);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const wf = await api("POST", `/api/v1/workflows/${ns}/submit`, { body: {
        namespace: ns, resourceKind: kind, resourceName: name,
        submitOptions: { entryPoint: entrypoint || undefined, parameters: params.map((p) => `${p.name}=${values[p.name]}`), labels: labels || undefined } } });
      navigate(`/workflows/${wf.metadata.namespace}/${wf.metadata.name}`);
    } catch (err: any) { setError(err.message); }
  };
  return (
    <form class="submit-form" onSubmit={submit}>
      <h2>Submit</h2>
      {kind !== "WorkflowTemplate" && <label>Namespace<input name="namespace" value={ns} onInput={(e) => setNs((e.target as HTMLInputElement).value)} /></label>}
      <label>Entrypoint
        <select name="entrypoint" value={entrypoint} onChange={(e) => setEntrypoint((e.target as HTMLSelectElement).value)}>
          {(spec.templates || []).map((t: Obj) => <option value={t.name}>{t.name}</option>)}
        </select>
      </label>
      {params.map((p) => (
        <label>{p.name}
          {p.enum ? (
            <select name={`param-${p.name}`} value={values[p.name]} onChange={(e) => setValues({ ...values, [p.name]: (e.target as HTMLSelectElement).value })}>
              {p.enum.map((v: string) => <option value={v}>{v}</option>)}
            </select>
          ) : (
            <input name={`param-${p.name}`} value={values[p.name]} onInput={(e) => setValues({ ...values, [p.name]: (e.target as HTMLInputElement).value })} />
          )}
          {p.description && <small class="description">{p.description}</small>}
        </label>
      ))}
      <label>Labels<input name="labels" placeholder="key=value,key2=value2" value={labels} onInput={(e) => setLabels((e.target as HTMLInputElement).value)} /></label>
      <ErrorBox error={error} />
      <button type="submit" class="primary">Submit</button>
    </form>
  );
}
