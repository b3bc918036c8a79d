// CronWorkflows: list (schedule, suspended, next and last run), view with suspend/resume, submit
// now, backfill (Argosy's POST /api/v1/argosy/cron-workflows/{ns}/{name}/backfill: the runs its
// schedule would have made in a past window), YAML.
import { useState } from "preact/hooks";
import { dump } from "js-yaml";
import { api, Obj } from "../api";
import { GraphView } from "../graph/GraphView";
import { templateGraph } from "../graph/model";
import { navigate } from "../router";
import { Link } from "../main";
import { ago, ErrorBox, useLoad } from "./common";
import { nextRunOf } from "../cron";

function next(c: Obj): string {
  if (c.spec?.suspend) return "suspended";
  const at = nextRunOf(c.spec || {}, c.status || {});
  return at ? at.toISOString().replace(/\.000Z$/, "Z").replace(/:00Z$/, "Z") : "";
}

function schedules(c: Obj): string {
  return (c.spec?.schedules || [c.spec?.schedule]).filter(Boolean).join(", ");
}

export function CronsPage({ namespace }: { namespace: string }) {
  const [list, error] = useLoad(() => api("GET", `/api/v1/cron-workflows/${namespace}`), [namespace]);
  return (
    <div class="page">
      <header class="bar"><h1>Cron workflows</h1></header>
      <div class="filters"><label>Namespace <input value={namespace} onChange={(e) => navigate(`/cron-workflows/${(e.target as HTMLInputElement).value || "default"}`)} /></label></div>
      <ErrorBox error={error} />
      <table class="list">
        <thead><tr><th>Name</th><th>Schedule</th><th>Timezone</th><th>Suspended</th><th>Next run</th><th>Last scheduled</th><th>Created</th></tr></thead>
        <tbody>
          {(list?.items || []).map((c: Obj) => (
            <tr data-name={c.metadata.name}><td><Link to={`/cron-workflows/${namespace}/${c.metadata.name}`}>{c.metadata.name}</Link></td>
              <td><code>{schedules(c)}</code></td><td>{c.spec?.timezone}</td><td>{c.spec?.suspend ? "yes" : "no"}</td><td class="next-run">{next(c)}</td>
              <td>{ago(c.status?.lastScheduledTime)}</td><td>{ago(c.metadata.creationTimestamp)}</td></tr>
          ))}
          {list && !list.items?.length && <tr><td colSpan={7} class="empty">No cron workflows.</td></tr>}
        </tbody>
      </table>
    </div>
  );
}

export function CronPage({ namespace, name }: { namespace: string; name: string }) {
  const [cron, error, reload] = useLoad(() => api("GET", `/api/v1/cron-workflows/${namespace}/${name}`), [namespace, name]);
  const [actionError, setActionError] = useState<string>();
  const [view, setView] = useState("graph");
  if (!cron) return <div class="page"><h1>{name}</h1><ErrorBox error={error} /></div>;
  const run = async (f: () => Promise<unknown>) => { try { await f(); reload(); } catch (e: any) { setActionError(e.message); } };
  const path = `/api/v1/cron-workflows/${namespace}/${name}`;
  return (
    <div class="page detail">
      <header class="bar">
        <div><div class="crumbs"><Link to={`/cron-workflows/${namespace}`}>Cron workflows</Link> / {namespace}</div>
          <h1>{name} {cron.spec?.suspend && <span class="phase phase-Suspended">Suspended</span>}</h1>
          <div class="meta">schedule <code>{schedules(cron)}</code> {cron.spec?.timezone} · next run <span class="next-run">{next(cron)}</span> · last scheduled {ago(cron.status?.lastScheduledTime) || "never"}</div></div>
        <div class="actions">
          <button onClick={() => run(async () => {
            const wf = await api("POST", `/api/v1/workflows/${namespace}/submit`, { body: { namespace, resourceKind: "CronWorkflow", resourceName: name } });
            navigate(`/workflows/${namespace}/${wf.metadata.name}`);
          })}>Submit now</button>
          {cron.spec?.suspend
            ? <button onClick={() => run(() => api("PUT", `${path}/resume`, { body: { name, namespace } }))}>Resume</button>
            : <button onClick={() => run(() => api("PUT", `${path}/suspend`, { body: { name, namespace } }))}>Suspend</button>}
          <button class="danger" onClick={() => confirm(`Delete ${name}?`) && run(async () => { await api("DELETE", path); navigate(`/cron-workflows/${namespace}`); })}>Delete</button>
        </div>
      </header>
      <ErrorBox error={actionError} />
      <NextRuns namespace={namespace} name={name} cron={cron} />
      <Backfill namespace={namespace} name={name} />
      <div class="tabs">{["graph", "yaml"].map((v) => <button class={view === v ? "on" : ""} onClick={() => setView(v)}>{v}</button>)}</div>
      <div class="canvas">
        {view === "graph" ? <GraphView graph={templateGraph(cron.spec?.workflowSpec || {})} onSelect={() => undefined} /> : <pre class="yaml">{dump(cron)}</pre>}
      </div>
    </div>
  );
}

/** A datetime-local value read as UTC, as RFC 3339 ("2026-01-31T12:00" → "2026-01-31T12:00:00Z"). */
function rfc3339(value: string): string {
  return value.length === 16 ? `${value}:00Z` : value.endsWith("Z") ? value : `${value}Z`;
}

function Backfill({ namespace, name }: { namespace: string; name: string }) {
  const [open, setOpen] = useState(false);
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [parallelism, setParallelism] = useState("1");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<{ scheduledTimes?: string[]; workflows?: (Obj | string)[] }>();
  if (!open) return <div class="actions"><button class="open-backfill" onClick={() => setOpen(true)}>Backfill…</button></div>;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError(undefined); setResult(undefined);
    try {
      setResult(await api("POST", `/api/v1/argosy/cron-workflows/${namespace}/${name}/backfill`, {
        body: { start: rfc3339(start), end: rfc3339(end), parallelism: Number(parallelism) || 1 } }));
    } catch (err: any) { setError(`backfill: ${err.message}`); }
    setBusy(false);
  };
  const wfName = (w: Obj | string) => (typeof w === "string" ? w : w.metadata?.name);
  return (
    <form class="backfill" onSubmit={submit}>
      <label>From (UTC)<input type="datetime-local" name="backfill-start" required value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} /></label>
      <label>Until (UTC)<input type="datetime-local" name="backfill-end" required value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} /></label>
      <label>Parallelism<input type="number" name="backfill-parallelism" min="1" value={parallelism} onInput={(e) => setParallelism((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" class="primary" disabled={busy || !start || !end}>Run backfill</button>
      <button type="button" onClick={() => { setOpen(false); setResult(undefined); setError(undefined); }}>Close</button>
      <ErrorBox error={error} />
      {result && (
        <div class="backfill-result">
          <p>{(result.scheduledTimes || []).length} scheduled times in the window{(result.workflows || []).length ? `, ${(result.workflows || []).length} workflows submitted:` : "."}</p>
          <ul>{(result.workflows || []).map((w) => (
            <li><Link to={`/workflows/${(typeof w === "string" ? namespace : w.metadata?.namespace) || namespace}/${wfName(w)}`} class="backfilled">{wfName(w)}</Link></li>
          ))}</ul>
          {(result.scheduledTimes || []).length > 0 && <details><summary>scheduled times</summary><ul class="times">{(result.scheduledTimes || []).map((t) => <li>{t}</li>)}</ul></details>}
        </div>
      )}
    </form>
  );
}

/** The next runs as the server's scheduler computes them (Argosy's GET …/next), else the one this page computes. */
function NextRuns({ namespace, name, cron }: { namespace: string; name: string; cron: Obj }) {
  const [server] = useLoad(() => api("GET", `/api/v1/argosy/cron-workflows/${namespace}/${name}/next`, { query: { count: "5" } })
    .catch(() => undefined), [namespace, name, cron.metadata?.resourceVersion, cron.spec?.suspend]);
  const times: string[] | undefined = server?.nextScheduledTimes;
  if (cron.spec?.suspend) return null;
  return (
    <div class="next-runs meta" data-source={times ? "server" : "page"}>
      {times ? <>next runs (the server's scheduler): {times.map((t) => <code class="next-time">{t}</code>)}</> : null}
    </div>
  );
}
