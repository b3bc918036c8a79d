"""Client verbs against a real ``argosy server``: one server per test module (its own data
dir, so modules do not see each other's workflows), and ``argosy`` to run a command line
against it in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from serverkit import RunningServer, start_server

from argosy.cli.main import main


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    running.stop()


@pytest.fixture
def argosy(server: RunningServer, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run one `argosy` command line against the server: (exit code, stdout, stderr)."""
    monkeypatch.setenv("ARGO_SERVER", server.url.removeprefix("http://"))
    monkeypatch.delenv("ARGO_NAMESPACE", raising=False)
    monkeypatch.delenv("ARGO_TOKEN", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
