// A small history router: paths are relative to <base href>, shaped like Argo's UI URLs.
import { useEffect, useState } from "preact/hooks";

export function basePath(): string {
  return new URL(document.baseURI).pathname.replace(/\/?$/, "/");
}

/** The current route ("/workflows/ns/name") without the base path, and its query. */
export function currentRoute(): { path: string; query: URLSearchParams } {
  const base = basePath();
  let path = location.pathname;
  if (path.startsWith(base)) path = "/" + path.slice(base.length);
  return { path: path.replace(/\/+$/, "") || "/", query: new URLSearchParams(location.search) };
}

export function href(path: string): string {
  return basePath() + path.replace(/^\//, "");
}

export function navigate(path: string, replace = false): void {
  const url = href(path);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  dispatchEvent(new Event("argosy:navigate"));
}

export function useRoute(): { path: string; query: URLSearchParams } {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    addEventListener("popstate", update);
    addEventListener("argosy:navigate", update);
    return () => {
      removeEventListener("popstate", update);
      removeEventListener("argosy:navigate", update);
    };
  }, []);
  return route;
}

/** A link that navigates without reloading the page. */
export function onLink(e: MouseEvent, path: string): void {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(path);
}
