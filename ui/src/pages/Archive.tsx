// Archived workflows (Argo's archive): a page of the list per namespace; a row opens the
// workflow's own page (a get by name finds an archived workflow), where retry/resubmit work.
import { useState } from "preact/hooks";
import { api, Obj } from "../api";
import { navigate } from "../router";
import { Link } from "../main";
import { ago, duration, ErrorBox, Phase, useLoad } from "./common";

const PAGE = 50;

export function ArchivePage({ namespace }: { namespace: string }) {
  const [cont, setCont] = useState<string[]>([]);
  const [list, error] = useLoad(() => api("GET", "/api/v1/archived-workflows", { query: {
    "listOptions.fieldSelector": namespace ? `metadata.namespace=${namespace}` : undefined,
    "listOptions.limit": String(PAGE), "listOptions.continue": cont[cont.length - 1] } }), [namespace, cont.join()]);
  return (
    <div class="page">
      <header class="bar"><h1>Archived workflows</h1></header>
      <div class="filters"><label>Namespace <input value={namespace} placeholder="all" onChange={(e) => navigate(`/archived-workflows/${(e.target as HTMLInputElement).value}`)} /></label></div>
      <ErrorBox error={error} />
      <table class="list">
        <thead><tr><th>Name</th><th>Namespace</th><th>Phase</th><th>Started</th><th>Duration</th></tr></thead>
        <tbody>
          {(list?.items || []).map((w: Obj) => (
            <tr data-name={w.metadata.name}>
              <td><Link to={`/workflows/${w.metadata.namespace}/${w.metadata.name}`}>{w.metadata.name}</Link></td>
              <td>{w.metadata.namespace}</td><td><Phase phase={w.status?.phase} /></td>
              <td>{ago(w.status?.startedAt)}</td><td>{duration(w.status?.startedAt, w.status?.finishedAt)}</td>
            </tr>
          ))}
          {list && !list.items?.length && <tr><td colSpan={5} class="empty">Nothing archived.</td></tr>}
        </tbody>
      </table>
      <div class="pager">
        <button disabled={!cont.length} onClick={() => setCont(cont.slice(0, -1))}>← Previous</button>
        <button disabled={!list?.metadata?.continue} onClick={() => setCont([...cont, list!.metadata.continue])}>Next →</button>
      </div>
    </div>
  );
}

export function UserInfoPage() {
  const [info, error] = useLoad(() => api("GET", "/api/v1/userinfo"), []);
  const [version] = useLoad(() => api("GET", "/api/v1/version"), []);
  return (
    <div class="page">
      <h1>User info</h1>
      <ErrorBox error={error} />
      <dl class="fields">
        {Object.entries(info || {}).map(([k, v]) => <><dt>{k}</dt><dd>{String(v)}</dd></>)}
        {version && <><dt>server</dt><dd>{version.version} ({version.platform})</dd></>}
      </dl>
    </div>
  );
}
