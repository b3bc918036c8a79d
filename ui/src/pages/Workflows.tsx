// Workflows list: one page of Argo's list (projected with `fields`), kept live by the watch
// stream from the list's resourceVersion (polling when the stream is not there), filters in the
// URL so a filtered list is a link (a creation-time range among them).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, Obj, PHASES, stream } from "../api";
import { navigate } from "../router";
import { Link } from "../main";
import { ago, duration, ErrorBox, Phase } from "./common";

const PAGE = 50;
/** items asked for per request while a date range is scanned */
const SCAN = 200;

/** A datetime-local value ("2026-01-31T12:00"), read as UTC so a link means the same instant everywhere. */
function utc(value: string | null): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}${value.length === 16 ? ":00" : ""}Z`);
  return Number.isNaN(t) ? undefined : t;
}
const FIELDS = "metadata.resourceVersion,metadata.continue,items.metadata.name,items.metadata.namespace,items.metadata.uid,items.metadata.creationTimestamp,items.metadata.labels,items.status.phase,items.status.startedAt,items.status.finishedAt,items.status.progress,items.status.message";

export function WorkflowsPage({ namespace, query }: { namespace: string; query: URLSearchParams }) {
  const ns = namespace; // "" lists every namespace (argo list -A)
  const phases = (query.get("phase") || "").split(",").filter(Boolean);
  const labels = query.get("label") || "";
  const name = query.get("name") || "";
  const after = utc(query.get("createdAfter")), before = utc(query.get("createdBefore"));
  const [cont, setCont] = useState<string[]>([]); // continue tokens of the pages before this one
  const [page, setPage] = useState<{ items: Obj[]; next?: string; rv?: string }>({ items: [] });
  const [error, setError] = useState<string>();
  const [cursor, setCursor] = useState(0);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const live = useRef<"watch" | "poll">("watch");

  const selector = [phases.length ? `workflows.argoproj.io/phase in (${phases.join(",")})` : "", labels].filter(Boolean).join(",");
  const setFilter = (key: string, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(key, value); else q.delete(key);
    setCont([]);
    navigate(`/workflows${ns ? "/" + ns : ""}${q.toString() ? "?" + q : ""}`, true);
  };

  const listQuery = (limit: number, token?: string) => ({
    "listOptions.labelSelector": selector, "listOptions.limit": String(limit), "listOptions.continue": token,
    "listOptions.fieldSelector": name ? `metadata.name=${name}` : undefined, nameFilter: name ? "Contains" : undefined, fields: FIELDS });

  const load = async () => {
    try {
      if (after !== undefined || before !== undefined) {
        setPage(await datedPage(cont[cont.length - 1]));
      } else {
        const res = await api("GET", `/api/v1/workflows/${ns}`, { query: listQuery(PAGE, cont[cont.length - 1]) });
        setPage({ items: res.items || [], next: res.metadata?.continue, rv: res.metadata?.resourceVersion });
      }
      setError(undefined);
    } catch (e: any) {
      setError(e.message);
    }
  };

  // The server's list has no creation-time bounds (Argo's `spec.startedAt>` field selectors are
  // not among the fields it filters on), so a date range is applied here, over the server's pages: they come newest
  // first, so the scan skips what is newer than "before" and stops at the first item older
  // than "after". A page's continue token here is the server's token plus how many of that
  // server page were already shown.
  const datedPage = async (cursor?: string) => {
    let { token, skip } = cursor ? JSON.parse(cursor) as { token?: string; skip: number } : { token: undefined, skip: 0 };
    const items: Obj[] = [];
    let rv: string | undefined;
    for (;;) {
      const res = await api("GET", `/api/v1/workflows/${ns}`, { query: listQuery(SCAN, token) });
      rv = rv || res.metadata?.resourceVersion;
      const got: Obj[] = res.items || [];
      for (let i = skip; i < got.length; i++) {
        const t = Date.parse(got[i].metadata.creationTimestamp);
        if (before !== undefined && t >= before) continue;
        if (after !== undefined && t < after) return { items, rv };
        items.push(got[i]);
        if (items.length === PAGE) {
          const more = i + 1 < got.length || res.metadata?.continue;
          return { items, rv, next: more ? JSON.stringify(i + 1 < got.length ? { token, skip: i + 1 } : { token: res.metadata.continue, skip: 0 }) : undefined };
        }
      }
      if (!res.metadata?.continue) return { items, rv };
      token = res.metadata.continue;
      skip = 0;
    }
  };
  useEffect(() => { load(); }, [ns, selector, name, after, before, cont.join()]);

  // live: the watch stream from the list's version; a change reloads this page (debounced),
  // so sorting, filters and paging stay the server's
  useEffect(() => {
    if (!page.rv) return;
    let timer: number | undefined;
    const reload = () => { if (timer === undefined) timer = window.setTimeout(() => { timer = undefined; load(); }, 300); };
    if (live.current === "poll") {
      const id = window.setInterval(load, 3000);
      return () => clearInterval(id);
    }
    const stop = stream(`/api/v1/workflow-events/${ns}`, { "listOptions.resourceVersion": page.rv, "listOptions.labelSelector": labels || undefined },
      reload, (err) => { if (err) { live.current = "poll"; reload(); } });
    return () => { stop(); clearTimeout(timer); };
  }, [page.rv === undefined, ns, labels]);

  const act = async (action: string) => {
    for (const key of checked) {
      const [n, w] = key.split("/");
      try {
        if (action === "delete") await api("DELETE", `/api/v1/workflows/${n}/${w}`);
        else await api("PUT", `/api/v1/workflows/${n}/${w}/${action}`, { body: { name: w, namespace: n } });
      } catch (e: any) { setError(`${action} ${w}: ${e.message}`); }
    }
    setChecked(new Set());
    load();
  };

  const keys = (e: KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return;
    if (e.key === "j" || e.key === "ArrowDown") setCursor(Math.min(cursor + 1, page.items.length - 1));
    else if (e.key === "k" || e.key === "ArrowUp") setCursor(Math.max(cursor - 1, 0));
    else if (e.key === "Enter" && page.items[cursor]) navigate(`/workflows/${page.items[cursor].metadata.namespace}/${page.items[cursor].metadata.name}`);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  });

  return (
    <div class="page">
      <header class="bar">
        <h1>Workflows</h1>
        <Link to={`/submit/${ns || "default"}`} class="button primary">+ Submit</Link>
      </header>
      <div class="filters">
        <label>Namespace <input name="namespace" value={ns} placeholder="all" onChange={(e) => navigate(`/workflows/${(e.target as HTMLInputElement).value}`)} /></label>
        <label>Name <input name="name" value={name} placeholder="contains" onChange={(e) => setFilter("name", (e.target as HTMLInputElement).value)} /></label>
        <label>Labels <input name="label" value={labels} placeholder="key=value" onChange={(e) => setFilter("label", (e.target as HTMLInputElement).value)} /></label>
        <label>Created after <input type="datetime-local" name="createdAfter" value={query.get("createdAfter") || ""} onChange={(e) => setFilter("createdAfter", (e.target as HTMLInputElement).value)} /></label>
        <label>before <input type="datetime-local" name="createdBefore" value={query.get("createdBefore") || ""} onChange={(e) => setFilter("createdBefore", (e.target as HTMLInputElement).value)} /> UTC</label>
        <div class="chips">
          {PHASES.map((p) => (
            <label class={"chip" + (phases.includes(p) ? " on" : "")}>
              <input type="checkbox" checked={phases.includes(p)}
                     onChange={() => setFilter("phase", (phases.includes(p) ? phases.filter((x) => x !== p) : [...phases, p]).join(","))} />{p}
            </label>
          ))}
        </div>
      </div>
      <ErrorBox error={error} />
      {checked.size > 0 && (
        <div class="bulk">{checked.size} selected:
          {["stop", "terminate", "suspend", "resume", "retry", "resubmit", "delete"].map((a) => <button onClick={() => confirm(`${a} ${checked.size} workflows?`) && act(a)}>{a}</button>)}
        </div>
      )}
      <table class="list workflows">
        <thead><tr><th /><th>Name</th><th>Namespace</th><th>Phase</th><th>Started</th><th>Duration</th><th>Progress</th><th>Message</th></tr></thead>
        <tbody>
          {page.items.map((w, i) => {
            const key = `${w.metadata.namespace}/${w.metadata.name}`;
            return (
              <tr class={i === cursor ? "cursor" : ""} data-name={w.metadata.name} data-phase={w.status?.phase || "Pending"}>
                <td><input type="checkbox" checked={checked.has(key)} onChange={() => {
                  const s = new Set(checked); if (s.has(key)) s.delete(key); else s.add(key); setChecked(s);
                }} /></td>
                <td><Link to={`/workflows/${key}`}>{w.metadata.name}</Link></td>
                <td>{w.metadata.namespace}</td>
                <td><Phase phase={w.status?.phase} /></td>
                <td title={w.status?.startedAt}>{ago(w.status?.startedAt || w.metadata.creationTimestamp)}</td>
                <td>{duration(w.status?.startedAt, w.status?.finishedAt)}</td>
                <td>{w.status?.progress}</td>
                <td class="message">{w.status?.message}</td>
              </tr>
            );
          })}
          {!page.items.length && <tr><td colSpan={8} class="empty">No workflows{selector || name || after !== undefined || before !== undefined ? " match these filters" : ""}.</td></tr>}
        </tbody>
      </table>
      <div class="pager">
        <button disabled={!cont.length} onClick={() => setCont(cont.slice(0, -1))}>← Previous</button>
        <button disabled={!page.next} onClick={() => setCont([...cont, page.next!])}>Next →</button>
      </div>
    </div>
  );
}
