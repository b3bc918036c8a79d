"""Fixtures: a real ``argosy server`` per test module and store backend, and an HTTP client of it.

The API suite runs once on SQLite (the data dir's store) and once on PostgreSQL (a fresh
schema on one throwaway cluster per session, ``tests/pgcluster.py``): the same paths, bodies
and behaviour on both. Where no PostgreSQL is installed its runs are skipped with the reason,
unless ``ARGOSY_REQUIRE_POSTGRES`` is set (CI), which makes that a failure.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pgcluster
import pytest
from serverkit import RunningServer, start_server

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    reason = pgcluster.unavailable()
    if reason is not None:
        if pgcluster.required():
            pytest.fail(f"ARGOSY_REQUIRE_POSTGRES is set: {reason}")
        pytest.skip(reason)
    with pgcluster.cluster() as running:
        yield running


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> list[str]:
    """``argosy server`` options choosing the store: none (SQLite) or ``--database URL``."""
    if request.param == "postgresql":
        return ["--database", request.getfixturevalue("pg_cluster").new_database()]
    return []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend: list[str]) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server"), *backend)
    yield running
    running.stop()


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client
