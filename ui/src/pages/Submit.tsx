// Submit from YAML: an editor whose text the server lints as you type (Argo's lint endpoint),
// the workflow's graph drawn from the spec before it runs, then create.
import { useEffect, useState } from "preact/hooks";
import { load } from "js-yaml";
import { api, Obj } from "../api";
import { GraphView } from "../graph/GraphView";
import { templateGraph } from "../graph/model";
import { navigate } from "../router";
import { ErrorBox } from "./common";

const EXAMPLE = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  templates:
    - name: main
      container:
        image: busybox
        command: [echo, hello]
`;

export function SubmitPage({ namespace }: { namespace: string }) {
  const [text, setText] = useState(EXAMPLE);
  const [ns, setNs] = useState(namespace);
  const [lint, setLint] = useState<{ ok: boolean; message: string }>();
  const [error, setError] = useState<string>();
  const [wf, setWf] = useState<Obj>();

  useEffect(() => {
    const timer = setTimeout(async () => {
      let obj: Obj;
      try {
        obj = load(text) as Obj;
        if (!obj || typeof obj !== "object") throw new Error("the YAML is not an object");
      } catch (e: any) {
        setLint({ ok: false, message: `YAML: ${e.message}` });
        return;
      }
      setWf(obj);
      try {
        await api("POST", `/api/v1/workflows/${ns}/lint`, { body: { namespace: ns, workflow: obj } });
        setLint({ ok: true, message: "No problems found." });
      } catch (e: any) {
        setLint({ ok: false, message: e.message });
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [text, ns]);

  const submit = async () => {
    try {
      const created = await api("POST", `/api/v1/workflows/${ns}`, { body: { namespace: ns, workflow: load(text) } });
      navigate(`/workflows/${created.metadata.namespace}/${created.metadata.name}`);
    } catch (e: any) { setError(e.message); }
  };

  return (
    <div class="page detail">
      <header class="bar"><h1>Submit a workflow</h1>
        <div class="actions"><label>Namespace <input value={ns} onInput={(e) => setNs((e.target as HTMLInputElement).value)} /></label>
          <button class="primary" disabled={!lint?.ok} onClick={submit}>Submit</button></div>
      </header>
      <ErrorBox error={error} />
      <div class="split">
        <div class="canvas">
          <textarea class="editor" spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
          {lint && <div class={lint.ok ? "lint ok" : "lint error"} data-ok={lint.ok}>{lint.message}</div>}
        </div>
        <aside class="panel"><h2>Graph</h2>{wf?.spec && <GraphView graph={templateGraph(wf.spec)} onSelect={() => undefined} />}</aside>
      </div>
    </div>
  );
}
