import { useEffect, useState } from "preact/hooks";
import { dump } from "js-yaml";

export function Phase({ phase }: { phase?: string }) {
  return <span class={`phase phase-${phase || "Pending"}`}>{phase || "Pending"}</span>;
}

export function ago(ts?: string): string {
  if (!ts) return "";
  const s = Math.round((Date.now() - Date.parse(ts)) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function duration(start?: string, end?: string): string {
  if (!start) return "";
  const s = Math.round(((end ? Date.parse(end) : Date.now()) - Date.parse(start)) / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function Yaml({ value }: { value: unknown }) {
  return <pre class="yaml">{dump(value, { noRefs: true, lineWidth: 120 })}</pre>;
}

export function ErrorBox({ error }: { error?: string }) {
  return error ? <div class="error" role="alert">{error}</div> : null;
}

/** Loads `load()` on mount and whenever `deps` change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | undefined, string | undefined, () => void] {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((v) => live && (setValue(v), setError(undefined)), (e) => live && setError(String(e.message || e)));
    return () => { live = false; };
  }, [...deps, tick]);
  return [value, error, () => setTick(tick + 1)];
}
