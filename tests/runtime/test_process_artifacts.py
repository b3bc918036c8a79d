"""Process runtime: input artifacts placed in the sandbox, output artifacts stored in the repository."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from podkit import RunPod, container

from argosy.artifacts import LocalRepository
from argosy.runtime import RunContext


@pytest.fixture
def repo(context: RunContext) -> LocalRepository:
    return LocalRepository(context.artifact_dir)


def test_output_file_artifact_roundtrip(run: RunPod, repo: LocalRepository, tmp_path: Path) -> None:
    tpl = container("sh", "-c", "echo art > /tmp/hello_world.txt",
                    outputs={"artifacts": [{"name": "hello-art", "path": "/tmp/hello_world.txt"}]})
    r = run(tpl, pod_name="p1")
    assert r.phase == "Succeeded", r.message
    assert r.outputs["artifacts"] == [
        {"name": "hello-art", "path": "/tmp/hello_world.txt", "local": {"key": "wf/p1/hello-art.tgz"}}
    ]
    consume = container("cat", "/tmp/message",
                        inputs={"artifacts": [{"name": "m", "path": "/tmp/message", **r.outputs["artifacts"][0]}
                                              | {"path": "/tmp/message"}]})
    assert run(consume).outputs["result"] == "art"


def test_output_directory_artifact_and_sub_path(run: RunPod) -> None:
    tpl = container("sh", "-c", "mkdir -p /out/sub && echo a > /out/a && echo b > /out/sub/b",
                    outputs={"artifacts": [{"name": "dir", "path": "/out"}]})
    r = run(tpl)
    loc = r.outputs["artifacts"][0]["local"]
    whole = container("sh", "-c", "cat /in/a /in/sub/b",
                      inputs={"artifacts": [{"name": "d", "path": "/in", "local": loc}]})
    assert run(whole).outputs["result"] == "a\nb"
    picked = container("cat", "/tmp/b",
                       inputs={"artifacts": [{"name": "d", "path": "/tmp/b", "local": loc, "subPath": "sub/b"}]})
    assert run(picked).outputs["result"] == "b"


def test_archive_none_stores_the_raw_file(run: RunPod, repo: LocalRepository) -> None:
    tpl = container("sh", "-c", "echo raw > /tmp/f.txt",
                    outputs={"artifacts": [{"name": "f", "path": "/tmp/f.txt", "archive": {"none": {}}}]})
    r = run(tpl, pod_name="p2")
    art = r.outputs["artifacts"][0]
    assert art["local"] == {"key": "wf/p2/f.txt"}
    assert art["archive"] == {"none": {}}
    assert repo.read("wf/p2/f.txt") == b"raw\n"


def test_key_only_output_uses_its_key(run: RunPod, repo: LocalRepository) -> None:
    tpl = {"container": {"image": "argoproj/argosay:v2", "args": ["echo", "hello", "/mnt/file"]},
           "outputs": {"artifacts": [{"name": "file", "path": "/mnt/file", "s3": {"key": "my-file"}}]}}
    r = run(tpl)
    assert r.outputs["artifacts"] == [{"name": "file", "path": "/mnt/file", "local": {"key": "my-file"}}]
    consume = {"container": {"image": "argoproj/argosay:v2", "args": ["cat", "/tmp/file"]},
               "inputs": {"artifacts": [{"name": "file", "path": "/tmp/file", "s3": {"key": "my-file"}}]}}
    assert run(consume).outputs["result"] == "hello"


@pytest.mark.parametrize(
    ("optional", "phase", "message"),
    [(True, "Succeeded", None), (False, "Error", "/tmp/nothing no such file or directory")],
    ids=["optional", "required"],
)
def test_missing_output_artifact(run: RunPod, optional: bool, phase: str, message: str | None) -> None:
    tpl = container("true", outputs={"artifacts": [{"name": "n", "path": "/tmp/nothing", "optional": optional}]})
    r = run(tpl)
    assert (r.phase, r.message) == (phase, message)
    assert "artifacts" not in r.outputs


def test_raw_input_with_mode(run: RunPod) -> None:
    tpl = container("/bin/run.sh", inputs={"artifacts": [
        {"name": "s", "path": "/bin/run.sh", "mode": 0o755, "raw": {"data": "#!/bin/sh\necho ran"}}]})
    r = run(tpl)
    assert (r.phase, r.outputs.get("result")) == ("Succeeded", "ran"), r.message


def test_optional_input_missing_and_required_missing(run: RunPod) -> None:
    ok = run(container("sh", "-c", "test -e /tmp/x || echo absent",
                       inputs={"artifacts": [{"name": "x", "path": "/tmp/x", "optional": True}]}))
    assert ok.outputs["result"] == "absent"
    bad = run(container("true", inputs={"artifacts": [{"name": "x", "path": "/tmp/x", "local": {"key": "gone"}}]}))
    assert bad.phase == "Error"
    assert "failed to load artifact 'x'" in (bad.message or "")


def test_s3_input_from_an_unreachable_endpoint_is_a_clear_error(run: RunPod) -> None:
    r = run(container("true", inputs={"artifacts": [
        {"name": "x", "path": "/tmp/x", "s3": {"bucket": "b", "key": "k", "endpoint": "minio:9000"}}]}))
    assert r.phase == "Error"
    assert "failed to load artifact 'x'" in (r.message or "") and "minio:9000" in (r.message or "")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "hello.txt").write_text("via http")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        t.join()


def test_http_input(run: RunPod, served: str) -> None:
    tpl = container("cat", "/tmp/h", inputs={"artifacts": [
        {"name": "h", "path": "/tmp/h", "http": {"url": f"{served}/hello.txt"}}]})
    assert run(tpl).outputs["result"] == "via http"
