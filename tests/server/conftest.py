"""Fixtures: a real ``argosy server`` per test module, and an HTTP client of it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from serverkit import RunningServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    running.stop()


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client
