"""What ``argosy server`` was started with (its command line, as one frozen value)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

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
    #: ``--archive``: copy each finished workflow into the archive (Argo's persistence.archive)
    archive: bool = False
    #: ``--archive-ttl``: delete archived workflows older than this (Argo's persistence.archiveTTL)
    archive_ttl: str | None = None
    #: ``--default-ttl``: secondsAfterCompletion for workflows without a ttlStrategy field
    default_ttl: dict[str, int] | None = None
    #: ``--default-pod-gc``: the podGC strategy of workflows without a podGC
    default_pod_gc: str | None = None
    #: ``--metrics-ttl`` (seconds; 0: never): Argo's ``metricsTTL`` for custom metrics
    metrics_ttl: float = 0.0
    #: Argo's controller ``parallelism`` / ``namespaceParallelism``: workflows running at once
    #: (all namespaces / per namespace); 0: no limit. Beyond it they wait Pending, in order.
    parallelism: int = 0
    namespace_parallelism: int = 0

    def retention(self) -> Any:
        """The garbage collector's configuration (ServerRefused for a bad value)."""
        from argosy.controller.ttl import RetentionConfig
        from argosy.errors import ArgosyError

        try:
            return RetentionConfig.of(archive=self.archive, archive_ttl=self.archive_ttl,
                                      default_ttl=self.default_ttl,
                                      default_pod_gc={"strategy": self.default_pod_gc} if self.default_pod_gc else None)
        except (ArgosyError, ValueError) as err:
            raise ServerRefused(f"--archive-ttl/--default-ttl: {err}") from None

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
        self.retention()


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
