import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { navigate, onLink, useRoute } from "./router";
import { LoginPage } from "./pages/Login";
import { ArchivePage, UserInfoPage } from "./pages/Archive";
import { WorkflowsPage } from "./pages/Workflows";
import { WorkflowPage } from "./pages/Workflow";
import { TemplatePage, TemplatesPage } from "./pages/Templates";
import { CronPage, CronsPage } from "./pages/Cron";
import { SubmitPage } from "./pages/Submit";
import { ApiDocsPage } from "./pages/ApiDocs";
import { EventBindingPage, EventBindingsPage } from "./pages/EventBindings";

export function Link({ to, children, ...rest }: { to: string; children: any; [k: string]: any }) {
  return <a href={new URL(to.replace(/^\//, ""), document.baseURI).pathname} onClick={(e) => onLink(e as MouseEvent, to)} {...rest}>{children}</a>;
}

function Theme() {
  const [theme, setTheme] = useState(localStorage.getItem("argosy.theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("argosy.theme", theme);
  }, [theme]);
  return <button class="theme" title="light / dark" onClick={() => setTheme(theme === "dark" ? "light" : "dark")}>{theme === "dark" ? "☀ light" : "☾ dark"}</button>;
}

function Page() {
  const { path, query } = useRoute();
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [section, a, b] = parts;
  if (section === "login") return <LoginPage query={query} />;
  if (section === "archived-workflows") return <ArchivePage namespace={a || ""} />;
  if (section === "userinfo") return <UserInfoPage />;
  if (section === "apidocs") return <ApiDocsPage />;
  if (section === "workflow-event-bindings" && a && b) return <EventBindingPage namespace={a} name={b} />;
  if (section === "workflow-event-bindings") return <EventBindingsPage namespace={a || "default"} />;
  if (section === "workflows" && a && b) return <WorkflowPage namespace={a} name={b} query={query} />;
  if (section === "workflows" || !section) return <WorkflowsPage namespace={a || ""} query={query} />;
  if (section === "submit") return <SubmitPage namespace={a || "default"} />;
  if (section === "workflow-templates" && a && b) return <TemplatePage kind="WorkflowTemplate" namespace={a} name={b} />;
  if (section === "workflow-templates") return <TemplatesPage kind="WorkflowTemplate" namespace={a || "default"} />;
  if (section === "cluster-workflow-templates" && a) return <TemplatePage kind="ClusterWorkflowTemplate" namespace="" name={a} />;
  if (section === "cluster-workflow-templates") return <TemplatesPage kind="ClusterWorkflowTemplate" namespace="" />;
  if (section === "cron-workflows" && a && b) return <CronPage namespace={a} name={b} />;
  if (section === "cron-workflows") return <CronsPage namespace={a || "default"} />;
  return <div class="page"><h1>Not found</h1><p>No page at {path}.</p></div>;
}

function App() {
  const { path } = useRoute();
  useEffect(() => {
    // a 401 from the API (--auth-mode client): ask for a token, then come back here
    const login = () => navigate(`/login?redirect=${encodeURIComponent(location.pathname + location.search)}`);
    addEventListener("argosy:unauthorized", login);
    return () => removeEventListener("argosy:unauthorized", login);
  }, []);
  const nav = [
    ["/workflows", "Workflows"],
    ["/workflow-templates", "Templates"],
    ["/cluster-workflow-templates", "Cluster templates"],
    ["/cron-workflows", "Cron"],
    ["/workflow-event-bindings", "Event bindings"],
    ["/submit", "Submit YAML"],
    ["/archived-workflows", "Archive"],
    ["/userinfo", "User"],
    ["/apidocs", "API docs"],
    ["/login", "Token"],
  ];
  return (
    <div class="shell">
      <nav class="side">
        <div class="brand">Argosy</div>
        {nav.map(([to, label]) => (
          <Link to={to} class={path.startsWith(to) || (to === "/workflows" && path === "/") ? "active" : ""}>{label}</Link>
        ))}
        <div class="grow" />
        <Theme />
      </nav>
      <main><Page /></main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
