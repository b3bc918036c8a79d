"""Artifact downloads over real HTTP (Argo's artifact server paths): a finished workflow's
output artifacts, live and archived, as files, tgz and unarchived directories."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from serverkit import RunningServer, create, wait_done

from argosy.store import open_store

COMMAND = ("echo hello > /tmp/out.txt && mkdir -p /tmp/d/sub && echo A > /tmp/d/a.txt && "
           "echo B > /tmp/d/sub/b.txt && echo '<p>x</p>' > /tmp/page.html && "
           "mkdir -p /tmp/site && echo home > /tmp/site/index.html")
WORKFLOW = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "arts"},
    "spec": {"entrypoint": "main", "templates": [{
        "name": "main",
        "inputs": {"artifacts": [{"name": "given", "path": "/tmp/given.txt", "raw": {"data": "raw input"}}]},
        "container": {"image": "busybox", "command": ["sh", "-c", COMMAND]},
        "outputs": {"artifacts": [
            {"name": "tgz", "path": "/tmp/out.txt"},
            {"name": "plain", "path": "/tmp/out.txt", "archive": {"none": {}}},
            {"name": "page", "path": "/tmp/page.html", "archive": {"none": {}}},
            {"name": "dir", "path": "/tmp/d", "archive": {"none": {}}},
            {"name": "dirtgz", "path": "/tmp/d"},
            {"name": "site", "path": "/tmp/site", "archive": {"none": {}}},
        ]},
    }]},
}


@pytest.fixture(scope="module")
def done(server: RunningServer) -> Iterator[dict[str, Any]]:
    with server.client() as api:
        create(api, WORKFLOW)
        wf = wait_done(api, "arts")
    assert wf["status"]["phase"] == "Succeeded", wf["status"]
    node = next(n for n in wf["status"]["nodes"].values() if (n.get("outputs") or {}).get("artifacts"))
    store = open_store(server.store_location)
    try:
        assert store.archive_workflow(wf["metadata"]["uid"]) is not None
    finally:
        store.close()
    yield {"uid": wf["metadata"]["uid"], "node": node["id"]}


def files_url(done: dict[str, Any], name: str, *, archived: bool = False) -> str:
    ident = f"archived-workflows/{done['uid']}" if archived else "workflows/arts"
    return f"/artifact-files/default/{ident}/{done['node']}/outputs/{name}"


def untar(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


@pytest.mark.parametrize("archived", [False, True], ids=["live", "archived"])
def test_file_artifact_is_served_as_stored(api: httpx.Client, done: dict[str, Any], archived: bool) -> None:
    answer = api.get(files_url(done, "plain", archived=archived))
    assert answer.status_code == 200, answer.text
    assert answer.content == b"hello\n"
    assert answer.headers["content-disposition"] == 'filename="out.txt"'
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    assert answer.headers["content-security-policy"].startswith("sandbox;")


def test_tgz_artifact_stays_a_tgz(api: httpx.Client, done: dict[str, Any]) -> None:
    answer = api.get(files_url(done, "tgz"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == 'filename="tgz.tgz"'
    assert gzip.decompress(answer.content)  # still compressed on the wire
    assert list(untar(answer.content).values()) == [b"hello\n"]


def test_unarchived_directory_redirects_and_lists(api: httpx.Client, done: dict[str, Any]) -> None:
    url = files_url(done, "dir")
    answer = api.get(url)
    assert answer.status_code == 307
    assert answer.headers["location"] == url + "/"
    listing = api.get(url + "/")
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "text/html; charset=utf-8"
    assert '<a href="..">..</a>' in listing.text
    assert '<a href="./a.txt">a.txt</a>' in listing.text
    assert '<a href="./sub/">sub/</a>' in listing.text
    assert "b.txt" not in listing.text
    sub = api.get(url + "/sub/")
    assert '<a href="./b.txt">b.txt</a>' in sub.text
    inner = api.get(url + "/sub/b.txt")
    assert inner.status_code == 200 and inner.content == b"B\n"
    assert inner.headers["content-disposition"] == 'filename="b.txt"'


def test_directory_with_an_index_redirects_to_it(api: httpx.Client, done: dict[str, Any]) -> None:
    url = files_url(done, "site") + "/"
    answer = api.get(url)
    assert answer.status_code == 307 and answer.headers["location"] == url + "index.html"
    assert api.get(url + "index.html").content == b"home\n"


def test_input_artifacts(api: httpx.Client, done: dict[str, Any]) -> None:
    by_name = api.get(f"/input-artifacts/default/arts/{done['node']}/given")
    by_uid = api.get(f"/input-artifacts-by-uid/{done['uid']}/{done['node']}/given")
    files = api.get(f"/artifact-files/default/workflows/arts/{done['node']}/inputs/given")
    assert [a.status_code for a in (by_name, by_uid, files)] == [200, 200, 200]
    assert by_name.content == by_uid.content == files.content == b"raw input"
    assert api.get(f"/input-artifacts/default/arts/{done['node']}/plain").status_code == 404


def test_html_artifact_keeps_its_type_behind_a_sandbox(api: httpx.Client, done: dict[str, Any]) -> None:
    answer = api.get(files_url(done, "page"))
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "sandbox" in answer.headers["content-security-policy"]


def test_older_paths(api: httpx.Client, done: dict[str, Any]) -> None:
    by_name = api.get(f"/artifacts/default/arts/{done['node']}/plain")
    by_uid = api.get(f"/artifacts-by-uid/{done['uid']}/{done['node']}/plain")
    assert by_name.status_code == by_uid.status_code == 200
    assert by_name.content == by_uid.content == b"hello\n"
    assert sorted(untar(api.get(f"/artifacts/default/arts/{done['node']}/dirtgz").content).values()) == [b"A\n", b"B\n"]


@pytest.mark.parametrize("path", [
    "/artifact-files/default/workflows/arts/{node}/outputs/nope",
    "/artifact-files/default/workflows/arts/no-such-node/outputs/plain",
    "/artifact-files/default/workflows/no-such-wf/{node}/outputs/plain",
    "/artifact-files/default/archived-workflows/00000000-0000-0000-0000-000000000000/{node}/outputs/plain",
    "/artifacts/default/arts/{node}/nope",
    "/artifacts/default/no-such-wf/{node}/plain",
    "/artifacts-by-uid/00000000-0000-0000-0000-000000000000/{node}/plain",
])
def test_unknown_is_not_found(api: httpx.Client, done: dict[str, Any], path: str) -> None:
    answer = api.get(path.format(node=done["node"]))
    assert answer.status_code == 404
    assert answer.text == "Not Found\n"


@pytest.mark.parametrize("path", [
    "/artifact-files/default/workflows/arts/{node}/sideways/plain",
    "/artifact-files/default/elsewhere/arts/{node}/outputs/plain",
    "/artifact-files/other/archived-workflows/{uid}/{node}/outputs/plain",
    "/artifact-files/default/workflows/arts",
])
def test_malformed_is_bad_request(api: httpx.Client, done: dict[str, Any], path: str) -> None:
    answer = api.get(path.format(node=done["node"], uid=done["uid"]))
    assert answer.status_code == 400
    assert answer.text == "Bad Request\n"


@pytest.fixture(scope="module")
def s3_done(server: RunningServer) -> Iterator[dict[str, Any]]:
    """The same workflow in a namespace whose default artifact repository is an S3 bucket."""
    import json

    from s3kit import ACCESS_KEY, CREDENTIALS_SECRET, SECRET_KEY, S3Server

    s3 = S3Server.start()
    try:
        bucket = s3.new_bucket()
        repositories = {"metadata": {"name": "artifact-repositories", "annotations": {
                            "workflows.argoproj.io/default-artifact-repository": "default-v1"}},
                        "data": {"default-v1": json.dumps({"s3": s3.location(bucket)})}}
        secret = {"metadata": {"name": CREDENTIALS_SECRET},
                  "stringData": {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}}
        with server.client() as api:
            api.post("/api/v1/argosy/configmaps/s3ns", json=repositories).raise_for_status()
            api.post("/api/v1/argosy/secrets/s3ns", json=secret).raise_for_status()
            create(api, WORKFLOW, namespace="s3ns")
            wf = wait_done(api, "arts", namespace="s3ns")
        assert wf["status"]["phase"] == "Succeeded", wf["status"]
        node = next(n for n in wf["status"]["nodes"].values() if (n.get("outputs") or {}).get("artifacts"))
        assert any(k.endswith("/a.txt") for k in s3.keys(bucket)), s3.keys(bucket)
        yield {"node": node["id"]}
    finally:
        s3.stop()


def test_s3_artifacts_stream_from_the_bucket(api: httpx.Client, s3_done: dict[str, Any]) -> None:
    base = f"/artifact-files/s3ns/workflows/arts/{s3_done['node']}/outputs"
    plain = api.get(f"{base}/plain")
    assert plain.status_code == 200 and plain.content == b"hello\n"
    assert plain.headers["content-disposition"] == 'filename="out.txt"'
    assert list(untar(api.get(f"{base}/tgz").content).values()) == [b"hello\n"]
    assert api.get(f"{base}/dir").status_code == 307
    listing = api.get(f"{base}/dir/")
    assert '<a href="./a.txt">a.txt</a>' in listing.text and '<a href="./sub/">sub/</a>' in listing.text
    assert api.get(f"{base}/dir/sub/b.txt").content == b"B\n"
    assert api.get(f"{base}/nope").status_code == 404


TOKENS = """
tokens:
  - {name: reader, token: read-token, namespaces: [team-a], verbs: [get]}
"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    from serverkit import start_server

    data = tmp_path_factory.mktemp("auth")
    (data / "tokens.yaml").write_text(TOKENS)
    running = start_server(data, "--auth-mode", "client", "--tokens", str(data / "tokens.yaml"))
    yield running
    running.stop()


@pytest.mark.parametrize(("path", "auth", "status"), [
    ("/artifact-files/team-a/workflows/w/n/outputs/a", {}, 401),
    ("/artifacts/team-a/w/n/a", {"headers": {"Authorization": "Bearer wrong"}}, 401),
    ("/artifacts/team-b/w/n/a", {"headers": {"Authorization": "Bearer read-token"}}, 403),
    ("/artifacts/team-a/w/n/a", {"headers": {"Authorization": "Bearer read-token"}}, 404),
    ("/artifact-files/team-a/workflows/w/n/outputs/a", {"cookies": {"authorization": "Bearer read-token"}}, 404),
], ids=["no-token", "unknown-token", "other-namespace", "allowed", "cookie"])
def test_downloads_are_authorised(secured: RunningServer, path: str, auth: dict[str, Any], status: int) -> None:
    answer = httpx.get(secured.url + path, **auth)
    assert answer.status_code == status
