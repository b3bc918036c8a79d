"""HTTP artifacts against a real HTTP server on 127.0.0.1: GET inputs, PUT outputs, headers and auth."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from runkit import node_outputs, run_text

from argosy.artifacts import ArtifactNotFound, HttpDriver, Secrets, tar_gz
from argosy.artifacts.http import HttpArtifactError

TOKEN = "tok-123"


@dataclass
class Store:
    """What the server holds and saw."""

    objects: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    token_forms: list[dict[str, list[str]]] = field(default_factory=list)
    url: str = ""


def _handler(store: Store) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _authorized(self) -> bool:
            auth = self.headers.get("Authorization", "")
            if not self.path.startswith("/private/"):
                return True
            basic = "Basic " + base64.b64encode(b"alice:wonder").decode()
            return auth in (basic, f"Bearer {TOKEN}")

        def _answer(self, code: int, body: bytes = b"") -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            store.requests.append(("GET", self.path, dict(self.headers)))
            if not self._authorized():
                return self._answer(401)
            body = store.objects.get(self.path)
            self._answer(404) if body is None else self._answer(200, body)

        def do_PUT(self) -> None:
            store.requests.append(("PUT", self.path, dict(self.headers)))
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not self._authorized():
                return self._answer(403)
            store.objects[self.path] = body
            self._answer(201)

        def do_POST(self) -> None:
            form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            store.token_forms.append({**form, "auth": [self.headers.get("Authorization", "")]})
            self._answer(200, json.dumps({"access_token": TOKEN, "token_type": "bearer"}).encode())

    return Handler


@pytest.fixture
def server() -> Iterator[Store]:
    store = Store()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(store))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    store.url = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        yield store
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


SECRETS = Secrets({
    "creds": {"user": "alice", "pass": "wonder"},
    "oauth": {"id": "client-1", "secret": "shh", "url": ""},
})
BASIC = {"basicAuth": {"usernameSecret": {"name": "creds", "key": "user"},
                       "passwordSecret": {"name": "creds", "key": "pass"}}}


def test_get_with_headers_and_basic_auth(server: Store, tmp_path: Path) -> None:
    server.objects["/private/a.txt"] = b"secret text"
    loc = {"url": f"{server.url}/private/a.txt", "headers": [{"name": "X-Trace", "value": "42"}], "auth": BASIC}
    HttpDriver(SECRETS).load(loc, tmp_path / "a", None)
    assert (tmp_path / "a").read_text() == "secret text"
    assert server.requests[-1][2]["X-Trace"] == "42"
    with pytest.raises(HttpArtifactError, match="401"):
        HttpDriver(SECRETS).load({"url": f"{server.url}/private/a.txt"}, tmp_path / "b", None)
    with pytest.raises(ArtifactNotFound, match="404"):
        HttpDriver(SECRETS).load({"url": f"{server.url}/missing"}, tmp_path / "c", None)


def test_put_file_and_tgz_and_stream_back(server: Store, tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("put me")
    driver = HttpDriver(SECRETS)
    driver.save(f, {"url": f"{server.url}/private/f.txt", "auth": BASIC})
    assert server.objects["/private/f.txt"] == b"put me"
    d = tmp_path / "d"
    d.mkdir()
    (d / "x").write_text("x")
    tar_gz(d, tmp_path / "d.tgz")
    driver.save(tmp_path / "d.tgz", {"url": f"{server.url}/pub/d.tgz"})
    with driver.open({"url": f"{server.url}/pub/d.tgz"}) as stream:
        assert stream.read() == (tmp_path / "d.tgz").read_bytes()
    driver.load({"url": f"{server.url}/pub/d.tgz"}, tmp_path / "back", None)
    assert (tmp_path / "back" / "x").read_text() == "x"
    with pytest.raises(HttpArtifactError, match="403"):
        driver.save(f, {"url": f"{server.url}/private/nope"})


def test_oauth2_client_credentials(server: Store, tmp_path: Path) -> None:
    secrets = Secrets({"oauth": {"id": "client-1", "secret": "shh", "url": f"{server.url}/token"}})
    server.objects["/private/o"] = b"oauth ok"
    auth = {"oauth2": {"clientIDSecret": {"name": "oauth", "key": "id"},
                       "clientSecretSecret": {"name": "oauth", "key": "secret"},
                       "tokenURLSecret": {"name": "oauth", "key": "url"},
                       "scopes": ["read", "write"], "endpointParams": [{"key": "audience", "value": "arts"}]}}
    HttpDriver(secrets).load({"url": f"{server.url}/private/o", "auth": auth}, tmp_path / "o", None)
    assert (tmp_path / "o").read_text() == "oauth ok"
    form = server.token_forms[-1]
    assert form["grant_type"] == ["client_credentials"] and form["scope"] == ["read write"]
    assert form["audience"] == ["arts"]
    assert form["auth"] == ["Basic " + base64.b64encode(b"client-1:shh").decode()]


WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: http-out}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: upload, template: upload}
    - - {name: download, template: download}
  - name: upload
    container: {image: alpine, command: [sh, -c, "echo over http > /tmp/m.txt"]}
    outputs:
      artifacts:
      - name: m
        path: /tmp/m.txt
        http:
          url: URL/private/out/m.tgz
          headers: [{name: X-From, value: argosy}]
          auth: {basicAuth: {usernameSecret: {name: creds, key: user}, passwordSecret: {name: creds, key: pass}}}
  - name: download
    inputs:
      artifacts:
      - name: m
        path: /tmp/m.txt
        http:
          url: URL/private/out/m.tgz
          auth: {basicAuth: {usernameSecret: {name: creds, key: user}, passwordSecret: {name: creds, key: pass}}}
    container: {image: alpine, command: [cat, /tmp/m.txt]}
"""
CREDS = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {user: alice, pass: wonder}\n"


def test_workflow_puts_an_output_and_gets_it_back(server: Store, tmp_path: Path) -> None:
    [wf] = run_text(WORKFLOW.replace("URL", server.url), tmp_path, CREDS)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert node_outputs(wf, "download")["result"] == "over http"
    put = [r for r in server.requests if r[0] == "PUT"]
    assert [p[1] for p in put] == ["/private/out/m.tgz"] and put[0][2]["X-From"] == "argosy"
    art: dict[str, Any] = node_outputs(wf, "upload")["artifacts"][0]
    assert art["http"]["url"] == f"{server.url}/private/out/m.tgz"


def _certificates(tmp_path: Path) -> dict[str, str]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM text."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def cert(name: str, key: Any, issuer: Any, issuer_key: Any, ca: bool = False, ip: bool = False) -> Any:
        b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
             .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ip:
            b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    def pem_key(key: Any) -> str:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()

    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test ca")])
    ca = cert("test ca", ca_key, ca_name, ca_key, ca=True)
    out = {"ca": ca.public_bytes(serialization.Encoding.PEM).decode(),
           "server": cert("127.0.0.1", server_key, ca_name, ca_key, ip=True).public_bytes(
               serialization.Encoding.PEM).decode(), "server_key": pem_key(server_key),
           "client": cert("client", client_key, ca_name, ca_key).public_bytes(serialization.Encoding.PEM).decode(),
           "client_key": pem_key(client_key)}
    for name, text in out.items():
        (tmp_path / f"{name}.pem").write_text(text)
    return out


def test_client_certificate_from_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    pems = _certificates(tmp_path)
    store = Store()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(store))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(tmp_path / "server.pem", tmp_path / "server_key.pem")
    ctx.load_verify_locations(tmp_path / "ca.pem")
    ctx.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no answer
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # trust the test CA for the server
    try:
        url = f"https://127.0.0.1:{srv.server_address[1]}/pub/c.txt"
        store.objects["/pub/c.txt"] = b"mutual tls"
        secrets = Secrets({"tls": {"crt": pems["client"], "key": pems["client_key"]}})
        auth = {"clientCert": {"clientCertSecret": {"name": "tls", "key": "crt"},
                               "clientKeySecret": {"name": "tls", "key": "key"}}}
        HttpDriver(secrets).load({"url": url, "auth": auth}, tmp_path / "c", None)
        assert (tmp_path / "c").read_text() == "mutual tls"
        with pytest.raises(HttpArtifactError):
            HttpDriver(secrets).load({"url": url}, tmp_path / "no-cert", None)
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()
