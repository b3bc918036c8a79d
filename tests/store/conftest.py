"""Fixtures for the store contract suite: one ``open_store`` per backend, and a fake clock.

A backend joins the suite by adding its name to ``BACKENDS`` and a branch to ``_open``.
PostgreSQL: a throwaway database per test on one cluster per session (``pgcluster``),
skipped, with the reason, only where no PostgreSQL server binaries are installed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pgcluster
import pytest

from argosy.errors import StoreError
from argosy.store import api
from argosy.store.sqlite import SqliteStore

BACKENDS = ["sqlite", "postgresql"]


class FakeClock:
    """Seconds since the epoch that move only when a test says so."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


OpenStore = Callable[..., api.Store]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    reason = pgcluster.unavailable()
    if reason is not None:
        if pgcluster.required():  # CI: installed by scripts/install, so never skipped
            pytest.fail(f"ARGOSY_REQUIRE_POSTGRES is set: {reason}")
        pytest.skip(reason)
    with pgcluster.cluster() as running:
        yield running


@pytest.fixture(params=BACKENDS)
def open_store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[OpenStore]:
    """Open (again) the test's store: every call opens the same database, as a restart would."""
    opened: list[api.Store] = []
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_cluster").new_database()

    def _open(**options: Any) -> api.Store:
        options.setdefault("clock", clock)
        if request.param == "sqlite":
            store: api.Store = SqliteStore(tmp_path / "argosy.db", **options)
        elif request.param == "postgresql":
            from argosy.store.postgres import PostgresStore

            store = PostgresStore(url, **options)
        else:  # pragma: no cover - a backend listed without a branch here
            raise AssertionError(request.param)
        opened.append(store)
        return store

    yield _open
    for store in opened:
        with contextlib.suppress(StoreError):  # edge tests leave stores failed on purpose
            store.close()


@pytest.fixture
def store(open_store: OpenStore) -> api.Store:
    return open_store()
