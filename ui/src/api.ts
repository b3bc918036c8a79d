// The only way the UI talks to the server: Argo's public REST API and its streams,
// relative to <base href> (argosy server --base-href), as any Argo client could call them.

export type Obj = Record<string, any>;

export function apiUrl(path: string, query: Record<string, string | undefined> = {}): string {
  const q = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`)
    .join("&");
  return new URL(path.replace(/^\//, "") + (q ? `?${q}` : ""), document.baseURI).toString();
}

const TOKEN_KEY = "argosy.token";

/** `--auth-mode client`: the bearer token the user gave on /login (kept in this browser only). */
export function authHeaders(): Record<string, string> {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) return {};
  return { Authorization: /^Bearer /i.test(token) ? token : `Bearer ${token}` };
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token.trim());
  else localStorage.removeItem(TOKEN_KEY);
}

/** Sent to /login when the server wants a token. */
function unauthorized(): void {
  if (!location.pathname.endsWith("/login")) {
    dispatchEvent(new CustomEvent("argosy:unauthorized"));
  }
}

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

export async function api<T = Obj>(method: string, path: string, opts: { query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<T> {
  const res = await fetch(apiUrl(path, opts.query), {
    method,
    headers: { ...authHeaders(), ...(opts.body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let data: any = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { message: text };
  }
  if (res.status === 401) unauthorized();
  if (!res.ok) throw new ApiError(res.status, data.message || `${res.status} ${res.statusText}`);
  return data as T;
}

/** Reads a newline-delimited `{"result": …}` stream, calling onMessage per result; returns a stop function. */
export function stream(path: string, query: Record<string, string | undefined>, onMessage: (result: any) => void,
                       onEnd?: (error?: string) => void): () => void {
  const controller = new AbortController();
  (async () => {
    try {
      const res = await fetch(apiUrl(path, query), { signal: controller.signal, headers: authHeaders() });
      if (res.status === 401) unauthorized();
      if (!res.ok || !res.body) {
        const body = await res.text();
        let message = `${res.status}`;
        try { message = JSON.parse(body).message || message; } catch { /* not JSON */ }
        onEnd?.(message);
        return;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line);
          if (msg.error) { onEnd?.(msg.error.message); return; }
          if (msg.result !== undefined) onMessage(msg.result);
        }
      }
      onEnd?.();
    } catch (err: any) {
      if (err?.name !== "AbortError") onEnd?.(String(err?.message || err));
    }
  })();
  return () => controller.abort();
}

/** Argo's v2 pod name of a node (what the log endpoint's podName wants). */
export function podName(workflow: string, nodeName: string, templateName?: string): string {
  if (nodeName === workflow) return workflow;
  const prefix = (templateName ? `${workflow}-${templateName}` : workflow).slice(0, 242);
  return `${prefix}-${fnv32a(nodeName)}`;
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Error"];
