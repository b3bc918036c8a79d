"""Who may call the API.

``--auth-mode server`` (the default) lets every caller in, as Argo's server mode does with its
own service account; the server then refuses to listen beyond loopback
(:meth:`ServerConfig.check`). ``--auth-mode client`` wants ``Authorization: Bearer <token>``
on every call and checks it against a tokens file (YAML or JSON)::

    tokens:
      - name: ci                     # who the token is (userinfo's subject, messages)
        token: "s3cret-value"        # the bearer token itself, or instead:
        # sha256: "<hex digest of the token>"   (keeps the secret out of the file)
        namespaces: [team-a, team-b] # where it may act; ["*"]: every namespace and
                                     # the cluster-scoped ClusterWorkflowTemplates
        verbs: [get, list, watch]    # of get, list, watch, create, update, delete; ["*"]: all

A call without a token, or with one the file does not hold, is answered 401 (gRPC 16); a
known token outside its namespaces or verbs 403 (gRPC 7), as Argo answers. Tokens are compared
as SHA-256 digests in constant time and never logged. ``--namespaced`` also confines every
caller to the managed namespace.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from argosy.errors import PermissionDenied, ServerRefused, Unauthenticated

if TYPE_CHECKING:
    from argosy.server.routing import Verb

#: Argo's message for a missing or unknown token
TOKEN_NOT_VALID = "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/"
ALL = "*"
VERBS = frozenset({"get", "list", "watch", "create", "update", "delete"})


@dataclass(frozen=True, slots=True)
class Token:
    name: str
    digest: bytes
    namespaces: frozenset[str]
    verbs: frozenset[str]

    def allows(self, verb: str, namespace: str | None) -> bool:
        if ALL not in self.verbs and verb not in self.verbs:
            return False
        return ALL in self.namespaces or (namespace is not None and namespace in self.namespaces)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def load_tokens(path: Path) -> list[Token]:
    """The tokens of a tokens file; ServerRefused naming the file and entry when it is wrong."""
    try:
        text = path.read_text()
    except OSError as err:
        raise ServerRefused(f"cannot read the tokens file {path}: {err.strerror or err}") from None
    try:
        import yaml

        data = yaml.safe_load(text) if not text.lstrip().startswith("{") else json.loads(text)
    except (ValueError, Exception) as err:  # noqa: BLE001 - yaml's errors have no common base worth naming
        raise ServerRefused(f"{path}: not YAML or JSON: {err}") from None
    entries = data.get("tokens") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ServerRefused(f"{path}: expected `tokens:` with a list of entries (see argosy server --help)")
    return [_token(path, i, e) for i, e in enumerate(entries)]


def _token(path: Path, index: int, entry: Any) -> Token:
    where = f"{path}: tokens[{index}]"
    if not isinstance(entry, dict) or not entry.get("name"):
        raise ServerRefused(f"{where}: each token needs a name")
    if entry.get("token"):
        token_digest = digest(str(entry["token"]))
    elif entry.get("sha256"):
        try:
            token_digest = bytes.fromhex(str(entry["sha256"]))
        except ValueError:
            raise ServerRefused(f"{where}: sha256 must be a hex digest") from None
    else:
        raise ServerRefused(f"{where}: give the token (token:) or its digest (sha256:)")
    namespaces = _strings(entry.get("namespaces"), where, "namespaces")
    verbs = _strings(entry.get("verbs"), where, "verbs")
    unknown = verbs - VERBS - {ALL}
    if unknown:
        raise ServerRefused(f"{where}: unknown verbs {sorted(unknown)} (known: {sorted(VERBS)} or '*')")
    return Token(str(entry["name"]), token_digest, namespaces, verbs)


def _strings(value: Any, where: str, field: str) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ServerRefused(f"{where}: {field} must be a non-empty list of strings ('*' for all)")
    return frozenset(value)


class Authorizer:
    """``--auth-mode server``: every call is allowed (within ``--namespaced``'s namespace)."""

    def __init__(self, managed_namespace: str | None = None) -> None:
        self.managed_namespace = managed_namespace

    def check(self, request: Request, verb: Verb, namespace: str | None) -> None:
        self._check_namespace(namespace)

    def _check_namespace(self, namespace: str | None) -> None:
        if self.managed_namespace and namespace is not None and namespace != self.managed_namespace:
            raise PermissionDenied(f'namespace "{namespace}" is forbidden: this server manages only '
                                   f'"{self.managed_namespace}"')

    def user_info(self, request: Request) -> dict[str, Any]:
        """Argo's ``GetUserInfoResponse`` for the caller (empty: the server's own identity)."""
        return {}


class TokenAuthorizer(Authorizer):
    """``--auth-mode client``: a bearer token from the tokens file, within its scope."""

    def __init__(self, tokens: Iterable[Token], managed_namespace: str | None = None) -> None:
        super().__init__(managed_namespace)
        self.tokens = list(tokens)

    def caller(self, request: Request) -> Token:
        header = request.headers.get("authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise Unauthenticated(TOKEN_NOT_VALID)
        wanted = digest(presented.strip())
        found = None
        for token in self.tokens:  # every entry is compared: the time taken does not say which matched
            if hmac.compare_digest(token.digest, wanted):
                found = token
        if found is None:
            raise Unauthenticated(TOKEN_NOT_VALID)
        return found

    def check(self, request: Request, verb: Verb, namespace: str | None) -> None:
        token = self.caller(request)
        self._check_namespace(namespace)
        if namespace is None and verb.value == "get" and request.url.path.startswith(_INFO_PATHS):
            return  # version, info and userinfo: any valid token
        if not token.allows(verb.value, namespace):
            where = f'in the namespace "{namespace}"' if namespace is not None else "at the cluster scope"
            raise PermissionDenied(f'token "{token.name}" cannot {verb.value} {_resource(request)} {where}')

    def user_info(self, request: Request) -> dict[str, Any]:
        return {"subject": self.caller(request).name}


_INFO_PATHS = ("/api/v1/version", "/api/v1/info", "/api/v1/userinfo")


def _resource(request: Request) -> str:
    """The resource a path names (``/api/v1/workflow-templates/ns`` → ``workflow-templates``)."""
    parts = request.url.path.split("/")
    return parts[3] if len(parts) > 3 else "resources"
