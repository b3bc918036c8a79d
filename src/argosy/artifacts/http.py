"""HTTP artifacts: ``http: {url, headers, auth}``; input is a GET, output a PUT (as Argo's driver).

``auth`` takes Argo's three forms, with every value read from Secrets: ``basicAuth``
(``usernameSecret``/``passwordSecret``), ``oauth2`` (client credentials: ``clientIDSecret``,
``clientSecretSecret``, ``tokenURLSecret``, ``scopes``, ``endpointParams``) and ``clientCert``
(``clientCertSecret``/``clientKeySecret``, a TLS client certificate).
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from argosy.artifacts.archive import ArchiveError, unpack_download
from argosy.artifacts.repository import ArtifactNotFound
from argosy.artifacts.secrets import Secrets
from argosy.errors import HttpArtifactError

HTTP_TIMEOUT = 60.0


class HttpDriver:
    """Fetches ``http`` locations with GET and stores outputs with PUT."""

    def __init__(self, secrets: Secrets | None = None) -> None:
        self.secrets = secrets or Secrets()

    def request(self, location: Mapping[str, Any], method: str, data: Any = None) -> Any:
        """Send ``method`` to the location's url with its headers and auth; the open response."""
        import urllib.error  # imported on first request: most runs never need it
        import urllib.request

        url = location.get("url")
        if not url:
            raise HttpArtifactError("http artifact has no url")
        req = urllib.request.Request(str(url), data=data, method=method)
        for h in location.get("headers") or ():
            req.add_header(str(h["name"]), str(h.get("value", "")))
        auth = location.get("auth") or {}
        basic = auth.get("basicAuth") or {}
        user, password = self.secrets.value(basic.get("usernameSecret")), \
            self.secrets.value(basic.get("passwordSecret"))
        if user and password:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        if auth.get("oauth2"):
            req.add_header("Authorization", f"Bearer {self._oauth2_token(auth['oauth2'])}")
        context = self._tls_context(auth.get("clientCert") or {})
        try:
            return urllib.request.urlopen(req, timeout=HTTP_TIMEOUT, context=context)
        except urllib.error.HTTPError as e:
            e.close()
            if e.code == 404 and method == "GET":
                raise ArtifactNotFound(f"failed to download {url}: {e.code} {e.reason}") from e
            what = {"GET": "loading content from", "PUT": "saving file to"}.get(method, f"{method} of")
            raise HttpArtifactError(f"{what} {url} failed with reason: {e.code} {e.reason}") from e
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise HttpArtifactError(f"failed to reach {url}: {e}") from e

    def _oauth2_token(self, oauth: Mapping[str, Any]) -> str:
        """A client-credentials access token from ``tokenURL``."""
        import urllib.parse
        import urllib.request

        client_id = self.secrets.value(oauth.get("clientIDSecret")) or ""
        client_secret = self.secrets.value(oauth.get("clientSecretSecret")) or ""
        token_url = self.secrets.value(oauth.get("tokenURLSecret"))
        if not token_url:
            raise HttpArtifactError("http artifact auth.oauth2 needs tokenURLSecret")
        form = {"grant_type": "client_credentials"}
        if oauth.get("scopes"):
            form["scope"] = " ".join(str(s) for s in oauth["scopes"])
        for p in oauth.get("endpointParams") or ():
            form[str(p["key"])] = str(p.get("value", ""))
        req = urllib.request.Request(token_url, data=urllib.parse.urlencode(form).encode(), method="POST")
        basic = base64.b64encode(f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(client_secret)}".encode())
        req.add_header("Authorization", f"Basic {basic.decode()}")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
                body = json.loads(resp.read() or b"{}")
        except (OSError, ValueError) as e:
            raise HttpArtifactError(f"oauth2 token request to {token_url} failed: {e}") from e
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise HttpArtifactError(f"oauth2 token response from {token_url} has no access_token")
        return str(token)

    def _tls_context(self, cert: Mapping[str, Any]) -> Any:
        crt = self.secrets.value(cert.get("clientCertSecret"))
        key = self.secrets.value(cert.get("clientKeySecret"))
        if not (crt and key):
            return None
        import ssl

        ctx = ssl.create_default_context()
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "c.pem").write_text(crt)
            (Path(d) / "k.pem").write_text(key)
            ctx.load_cert_chain(str(Path(d) / "c.pem"), str(Path(d) / "k.pem"))
        return ctx

    def load(self, location: Mapping[str, Any], dest: Path, sub_path: str | None,
             archive: Mapping[str, Any] | None = None) -> None:
        """GET the url to ``dest``; a tarball answer is unpacked like Argo does."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.download")
        try:
            with self.request(location, "GET") as resp, tmp.open("wb") as out:
                shutil.copyfileobj(resp, out)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise HttpArtifactError(f"failed to download {location.get('url')}: {e}") from e
        except ArchiveError:
            tmp.unlink(missing_ok=True)
            raise
        unpack_download(tmp, dest, sub_path, dict(archive or {}))

    def open(self, location: Mapping[str, Any]) -> IO[bytes]:
        """A stream of the url's body."""
        resp: IO[bytes] = self.request(location, "GET")
        return resp

    def save(self, src: Path, location: Mapping[str, Any]) -> None:
        """PUT the file (an output's archive, or its raw file with ``archive: none``) to the url."""
        if Path(src).is_dir():
            raise HttpArtifactError(f"cannot PUT the directory {Path(src).name} to {location.get('url')}: "
                                    "http outputs are single files (drop `archive: none`)")
        size = Path(src).stat().st_size
        with open(src, "rb") as body:
            loc = {**location, "headers": [*(location.get("headers") or ()),
                                           {"name": "Content-Length", "value": str(size)}]}
            with self.request(loc, "PUT", data=body):
                pass

    def delete(self, location: Mapping[str, Any]) -> None:
        """HTTP artifacts cannot be garbage collected (Argo: delete is not supported)."""
        raise HttpArtifactError("deleting http artifacts is not supported")
