// `--auth-mode client`: the user pastes a token (as in Argo's UI login page); it is kept in
// this browser's localStorage and sent as `Authorization: Bearer …` on every API call.
import { useState } from "preact/hooks";
import { api, setToken } from "../api";
import { basePath, navigate } from "../router";
import { ErrorBox } from "./common";

export function LoginPage({ query }: { query: URLSearchParams }) {
  const [token, setText] = useState("");
  const [error, setError] = useState<string>();
  const [who, setWho] = useState<string>();
  const back = () => {
    const to = query.get("redirect") || "/workflows";
    navigate(to.startsWith(basePath()) ? "/" + to.slice(basePath().length) : to);
  };
  const login = async (e: Event) => {
    e.preventDefault();
    setToken(token);
    try {
      const info = await api("GET", "/api/v1/userinfo");
      setWho(info.subject || info.name || "signed in");
      back();
    } catch (err: any) {
      setToken(null);
      setError(err.message);
    }
  };
  return (
    <div class="page">
      <h1>Token</h1>
      <p>This server wants a bearer token (<code>--auth-mode client</code>). Paste yours; it stays in this browser.</p>
      <form class="submit-form" onSubmit={login} style={{ maxWidth: "520px" }}>
        <label>Token<input name="token" type="password" value={token} onInput={(e) => setText((e.target as HTMLInputElement).value)} /></label>
        <ErrorBox error={error} />
        {who && <p>Signed in as {who}.</p>}
        <div class="actions">
          <button type="submit" class="primary">Sign in</button>
          <button type="button" onClick={() => { setToken(null); setWho(undefined); }}>Sign out</button>
        </div>
      </form>
    </div>
  );
}
