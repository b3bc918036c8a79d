// The workflow's events. Argo's UI lists the Kubernetes events its controller emits for a
// workflow (WorkflowRunning, WorkflowNodeSucceeded, …). Argosy records no Kubernetes events, so
// this tab shows the same transitions as they are written in the workflow's status — the
// workflow and every node starting and ending, with Argo's reasons and messages — and the
// status's conditions; nothing is shown that the status does not say.
import { Obj } from "../api";

export interface WfEvent { time: string; type: "Normal" | "Warning"; reason: string; message: string; nodeId?: string }

/** at most this many of the newest events are drawn (a 100,000-node workflow has 200,000) */
export const EVENTS_SHOWN = 1000;

const ENDED: Record<string, { reason: string; type: WfEvent["type"] }> = {
  Succeeded: { reason: "Succeeded", type: "Normal" },
  Failed: { reason: "Failed", type: "Warning" },
  Error: { reason: "Error", type: "Warning" },
  Skipped: { reason: "Skipped", type: "Normal" },
  Omitted: { reason: "Omitted", type: "Normal" },
};

/** The events a workflow's status records, oldest first. */
export function workflowEvents(wf: Obj): WfEvent[] {
  const out: WfEvent[] = [];
  const status = wf.status || {};
  if (status.startedAt) out.push({ time: status.startedAt, type: "Normal", reason: "WorkflowRunning", message: "Workflow Running" });
  for (const n of Object.values((status.nodes || {}) as Record<string, Obj>)) {
    const name = n.name || n.id;
    if (n.startedAt) out.push({ time: n.startedAt, type: "Normal", reason: "WorkflowNodeRunning", message: `Running node ${name}`, nodeId: n.id });
    const end = ENDED[n.phase];
    if (n.finishedAt && end) {
      out.push({ time: n.finishedAt, type: end.type, reason: `WorkflowNode${end.reason}`,
                 message: `${end.reason} node ${name}${n.message ? `: ${n.message}` : ""}`, nodeId: n.id });
    }
  }
  // after its nodes' events: it ends when they did, often in the same second
  if (status.finishedAt && ENDED[status.phase]) {
    const failed = ENDED[status.phase].type === "Warning";
    out.push({ time: status.finishedAt, type: ENDED[status.phase].type, reason: `Workflow${failed ? "Failed" : "Succeeded"}`,
               message: failed ? status.message || `Workflow ${status.phase}` : "Workflow completed" });
  }
  // stable: a node's start stays before its end when both fall in the same second
  return out.map((e, i) => [e, i] as const).sort((a, b) => Date.parse(a[0].time) - Date.parse(b[0].time) || a[1] - b[1]).map(([e]) => e);
}

export function EventsView({ workflow, onSelect }: { workflow: Obj; onSelect: (id: string) => void }) {
  const events = workflowEvents(workflow);
  const shown = events.slice(-EVENTS_SHOWN);
  const conditions: Obj[] = workflow.status?.conditions || [];
  return (
    <div class="events">
      <p class="note">Argosy keeps no Kubernetes events: these are the transitions the workflow's status records, with the reasons Argo's controller gives its events.</p>
      {conditions.length > 0 && (
        <table class="list conditions">
          <thead><tr><th>Condition</th><th>Status</th><th>Message</th></tr></thead>
          <tbody>{conditions.map((c) => <tr data-condition={c.type}><td>{c.type}</td><td>{c.status}</td><td>{c.message}</td></tr>)}</tbody>
        </table>
      )}
      {events.length > shown.length && <p class="note">The newest {shown.length} of {events.length} events.</p>}
      <table class="list events">
        <thead><tr><th>Time</th><th>Type</th><th>Reason</th><th>Message</th></tr></thead>
        <tbody>
          {shown.map((e) => (
            <tr data-reason={e.reason} class={e.nodeId ? "clickable" : ""} onClick={() => e.nodeId && onSelect(e.nodeId)}>
              <td class="when">{e.time}</td><td class={`event-${e.type}`}>{e.type}</td><td>{e.reason}</td><td>{e.message}</td>
            </tr>
          ))}
          {!events.length && <tr><td colSpan={4} class="empty">Nothing has happened yet.</td></tr>}
        </tbody>
      </table>
    </div>
  );
}
