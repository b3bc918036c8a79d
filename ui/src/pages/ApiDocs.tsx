// The API docs: every endpoint the server has, grouped as its OpenAPI description groups them
// (assets/openapi-spec/swagger.json, where Argo Server ships its own, made from the server's
// routes), with their path and query parameters; a filter narrows the list.
import { useState } from "preact/hooks";
import { api, apiUrl, Obj } from "../api";
import { ErrorBox, useLoad } from "./common";

export const SWAGGER = "/assets/openapi-spec/swagger.json";

export function ApiDocsPage() {
  const [doc, error] = useLoad(() => api("GET", SWAGGER), []);
  const [filter, setFilter] = useState("");
  const tags: Obj[] = doc?.tags || [];
  const ops: { method: string; path: string; op: Obj }[] = [];
  for (const [path, methods] of Object.entries((doc?.paths || {}) as Record<string, Obj>)) {
    for (const [method, op] of Object.entries(methods)) ops.push({ method: method.toUpperCase(), path, op });
  }
  const wanted = ops.filter(({ method, path, op }) => `${method} ${path} ${op.summary}`.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div class="page apidocs">
      <header class="bar">
        <h1>API docs</h1>
        <a class="button" href={apiUrl(SWAGGER)} target="_blank" rel="noopener">swagger.json</a>
      </header>
      {doc && <p class="meta">{doc.info?.title} {doc.info?.version} · {ops.length} endpoints. {doc.info?.description}</p>}
      <div class="filters"><label>Filter <input name="filter" value={filter} placeholder="path or words" onInput={(e) => setFilter((e.target as HTMLInputElement).value)} /></label></div>
      <ErrorBox error={error} />
      {tags.map((tag) => {
        const mine = wanted.filter(({ op }) => (op.tags || []).includes(tag.name));
        if (!mine.length) return null;
        return (
          <section class="api-tag" data-tag={tag.name}>
            <h2>{tag.name}</h2>
            <p class="meta">{tag.description}</p>
            <table class="list endpoints">
              <tbody>
                {mine.map(({ method, path, op }) => (
                  <tr data-endpoint={`${method} ${path}`}>
                    <td><span class={`method method-${method}`}>{method}</span></td>
                    <td><code>{path}</code><div class="meta">{op.summary}</div></td>
                    <td class="params">{(op.parameters || []).filter((p: Obj) => p.in === "query").map((p: Obj) => <code>{p.name}</code>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </div>
  );
}
