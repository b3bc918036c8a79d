"""What ``argosy server`` was started with (its command line, as one frozen value)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from argosy.errors import ServerRefused

#: Argo Server's port
DEFAULT_PORT = 2746


class AuthMode(StrEnum):
    """Argo's ``--auth-mode``: ``server`` trusts every caller (loopback only here);
    ``client`` wants a bearer token from each."""

    SERVER = "server"
    CLIENT = "client"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    address: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path | None = None
    #: a database URL (``sqlite:///…``, ``postgresql://…``); None: SQLite in the data dir
    database: str | None = None
    runtime: str = "process"
    auth_mode: AuthMode = AuthMode.SERVER
    #: the tokens file for ``--auth-mode client`` (see argosy.server.auth)
    tokens_file: Path | None = None
    #: ``--namespaced``: the server manages one namespace only
    namespaced: bool = False
    namespace: str | None = None
    #: ``--base-href``: the web UI's path behind a reverse proxy (argosy.server.ui)
    base_href: str = "/"
    #: Argo's controller ``parallelism`` / ``namespaceParallelism``: workflows running at once
    #: (all namespaces / per namespace); 0: no limit. Beyond it they wait Pending, in order.
    parallelism: int = 0
    namespace_parallelism: int = 0

    @property
    def managed_namespace(self) -> str | None:
        return (self.namespace or "default") if self.namespaced else None

    def check(self) -> None:
        """ServerRefused for a configuration that is unsafe or incomplete."""
        if self.parallelism < 0 or self.namespace_parallelism < 0:
            raise ServerRefused("--parallelism and --namespace-parallelism must be 0 (no limit) or more")
        if self.auth_mode is AuthMode.SERVER and not is_loopback(self.address):
            raise ServerRefused(
                f"refusing to listen on {self.address} with --auth-mode server: anyone who can reach "
                "it could run commands on this machine; use --auth-mode client (with --tokens FILE) "
                "or --address 127.0.0.1")
        if self.auth_mode is AuthMode.CLIENT and self.tokens_file is None:
            raise ServerRefused("--auth-mode client needs --tokens FILE (see `argosy server --help`)")


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
