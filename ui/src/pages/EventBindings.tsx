// WorkflowEventBindings: the list of a namespace's bindings (Argo's ListWorkflowEventBindings, the
// one call Argo's API has for them) and one binding's view — what event it selects, the template
// it submits, where each parameter comes from, and how to send it an event.
import { api, apiUrl, Obj } from "../api";
import { navigate } from "../router";
import { Link } from "../main";
import { ago, ErrorBox, useLoad, Yaml } from "./common";

function templateLink(ref: Obj | undefined, namespace: string): { to: string; name: string } | undefined {
  if (!ref?.name) return undefined;
  return ref.clusterScope ? { to: `/cluster-workflow-templates/${ref.name}`, name: ref.name } : { to: `/workflow-templates/${namespace}/${ref.name}`, name: ref.name };
}

function Submits({ binding, namespace }: { binding: Obj; namespace: string }) {
  const link = templateLink(binding.spec?.submit?.workflowTemplateRef, namespace);
  if (!link) return null;
  return <Link to={link.to} class="template">{binding.spec.submit.workflowTemplateRef.clusterScope ? "cluster template " : ""}{link.name}</Link>;
}

const load = (namespace: string) => api("GET", `/api/v1/workflow-event-bindings/${namespace}`);

export function EventBindingsPage({ namespace }: { namespace: string }) {
  const [list, error] = useLoad(() => load(namespace), [namespace]);
  return (
    <div class="page">
      <header class="bar"><h1>Workflow event bindings</h1></header>
      <div class="filters"><label>Namespace <input value={namespace} onChange={(e) => navigate(`/workflow-event-bindings/${(e.target as HTMLInputElement).value || "default"}`)} /></label></div>
      <ErrorBox error={error} />
      <table class="list bindings">
        <thead><tr><th>Name</th><th>Event selector</th><th>Submits</th><th>Created</th></tr></thead>
        <tbody>
          {(list?.items || []).map((b: Obj) => (
            <tr data-name={b.metadata.name}>
              <td><Link to={`/workflow-event-bindings/${namespace}/${b.metadata.name}`}>{b.metadata.name}</Link></td>
              <td><code>{b.spec?.event?.selector}</code></td>
              <td><Submits binding={b} namespace={namespace} /></td>
              <td>{ago(b.metadata.creationTimestamp)}</td>
            </tr>
          ))}
          {list && !list.items?.length && <tr><td colSpan={4} class="empty">No workflow event bindings in {namespace}.</td></tr>}
        </tbody>
      </table>
    </div>
  );
}

export function EventBindingPage({ namespace, name }: { namespace: string; name: string }) {
  // Argo's API lists bindings and gets none alone: the binding is found in its namespace's list
  const [list, error] = useLoad(() => load(namespace), [namespace]);
  const binding: Obj | undefined = (list?.items || []).find((b: Obj) => b.metadata?.name === name);
  const missing = list && !binding ? `no workflow event binding ${name} in ${namespace}` : undefined;
  const params: Obj[] = binding?.spec?.submit?.arguments?.parameters || [];
  return (
    <div class="page detail binding">
      <header class="bar"><div>
        <div class="crumbs"><Link to={`/workflow-event-bindings/${namespace}`}>Workflow event bindings</Link> / {namespace}</div>
        <h1>{name}</h1>
      </div></header>
      <ErrorBox error={error || missing} />
      {binding && (
        <div>
          <dl class="fields">
            <dt>Selects</dt><dd><code class="selector">{binding.spec?.event?.selector}</code></dd>
            <dt>Submits</dt><dd><Submits binding={binding} namespace={namespace} /></dd>
            <dt>Events to</dt><dd><code>POST {new URL(apiUrl(`/api/v1/events/${namespace}/`)).pathname}&lt;discriminator&gt;</code></dd>
          </dl>
          {params.length > 0 && (
            <section><h3>Parameters</h3>
              <table class="kv params">{params.map((p) => (
                <tr data-param={p.name}><th>{p.name}</th>
                  <td>{p.valueFrom?.event !== undefined ? <>from the event: <code>{p.valueFrom.event}</code></> : <code>{p.value ?? ""}</code>}</td></tr>
              ))}</table>
            </section>
          )}
          <h3>YAML</h3>
          <Yaml value={binding} />
        </div>
      )}
    </div>
  );
}
