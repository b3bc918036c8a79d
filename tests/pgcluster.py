"""A throwaway PostgreSQL cluster for tests: ``initdb`` in a temp dir, ``pg_ctl`` on a free port.

Uses Debian's server binaries (``/usr/lib/postgresql/*/bin``, package ``postgresql``, which
``scripts/install`` installs) or any on PATH. PostgreSQL refuses to run as root, so as root
the cluster runs as the ``postgres`` OS user (created by the package) via ``runuser``.
Connections use TCP with a password (so a wrong one can be tested); ``fsync`` is off: the
cluster dies with the session, and tests never crash the server itself.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

USER = "argosy"
PASSWORD = "argosy-test-password"


def server_bin() -> Path | None:
    """The directory holding initdb and pg_ctl, newest version first; None when there is none."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self._count = 0

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a fresh empty store: a new schema in the one test database (a database per
        test would copy ~8 MB each), chosen by the URL's ``search_path``."""
        import psycopg

        self._count += 1
        name = f"t{self._count}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return self.url() + f"?options=-c%20search_path%3D{name}"


def unavailable() -> str | None:
    """Why PostgreSQL cannot be tested here (None: it can). Suites skip with this reason, or
    fail when ``ARGOSY_REQUIRE_POSTGRES`` is set (CI installs it, so it is never skipped there)."""
    if server_bin() is not None:
        return None
    return ("PostgreSQL backend not tested: no PostgreSQL server binaries (initdb, pg_ctl) here; "
            "scripts/install installs Debian's postgresql")


def required() -> bool:
    """Whether a missing PostgreSQL is a failure (CI) rather than a skip."""
    return bool(os.environ.get("ARGOSY_REQUIRE_POSTGRES"))


@contextlib.contextmanager
def cluster(*, fsync: bool = False) -> Iterator[Cluster]:
    """Start a cluster; stop it and remove its files at the end. ``fsync`` True: durable commits,
    as a real server has them (benchmarks); tests run without."""
    bindir = server_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl)")
    as_root = os.geteuid() == 0
    # as root, in /tmp: the postgres user must reach it (a root's TMPDIR may be private)
    root = Path(tempfile.mkdtemp(prefix="argosy-pg-", dir="/tmp" if as_root else None))
    as_user: list[str] = []
    if as_root:
        pwd.getpwnam("postgres")  # the Debian package's user
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if as_user:
        shutil.chown(pwfile, "postgres", "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, text=True, cwd=root)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
            "-E", "UTF8", "--locale=C", "--no-sync")
        durability = "" if fsync else " -c fsync=off -c full_page_writes=off"
        opts = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root}{durability} "
                "-c max_connections=300 -c shared_buffers=32MB")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "-t", "60", "start")
        try:
            yield Cluster(root, port)
        finally:
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, check=False, cwd=root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
