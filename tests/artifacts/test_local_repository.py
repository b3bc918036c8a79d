"""The local artifact repository, archives in Argo's layout, and input drivers."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from argosy.artifacts import (
    ArchiveError,
    ArtifactNotFound,
    LocalRepository,
    default_drivers,
    is_tar_gz,
    load_input,
    location_type,
    tar_gz,
)


@pytest.fixture
def repo(tmp_path: Path) -> LocalRepository:
    return LocalRepository(tmp_path / "repo")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    d = tmp_path / "src" / "out"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("A")
    (d / "sub" / "b.txt").write_text("B")
    return d


def test_tgz_has_one_top_entry_named_after_the_path(tree: Path, tmp_path: Path) -> None:
    dest = tmp_path / "x.tgz"
    tar_gz(tree, dest)
    with tarfile.open(dest) as tar:
        tops = {n.split("/")[0] for n in tar.getnames()}
    assert tops == {"out"}
    assert is_tar_gz(dest)


@pytest.mark.parametrize("archive", ["tgz", "none"])
def test_directory_roundtrip(repo: LocalRepository, tree: Path, tmp_path: Path, archive: str) -> None:
    loc = repo.save("wf/pod/out.tgz", tree, archive=archive)
    assert loc == {"local": {"key": "wf/pod/out.tgz"}}
    assert repo.exists("wf/pod/out.tgz")
    dest = tmp_path / "in" / "dir"
    repo.load(loc, dest)
    assert (dest / "a.txt").read_text() == "A"
    assert (dest / "sub" / "b.txt").read_text() == "B"


@pytest.mark.parametrize("archive", ["tgz", "none"])
def test_file_roundtrip(repo: LocalRepository, tmp_path: Path, archive: str) -> None:
    f = tmp_path / "hello.txt"
    f.write_text("hello\n")
    loc = repo.save("k/hello", f, archive=archive)
    dest = tmp_path / "in" / "msg"
    repo.load(loc, dest)
    assert dest.read_text() == "hello\n"
    assert is_tar_gz(repo.path("k/hello")) is (archive == "tgz")


def test_archive_none_stores_raw_bytes(repo: LocalRepository, tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"raw")
    repo.save("k", f, archive="none")
    assert repo.read("k") == b"raw"
    with repo.open("k") as fh:
        assert fh.read() == b"raw"


@pytest.mark.parametrize(
    ("sub_path", "expected"), [("a.txt", "A"), ("sub/b.txt", "B")], ids=["file", "nested"]
)
@pytest.mark.parametrize("archive", ["tgz", "none"])
def test_sub_path_picks_inside_the_artifact(
    repo: LocalRepository, tree: Path, tmp_path: Path, sub_path: str, expected: str, archive: str
) -> None:
    loc = repo.save("k", tree, archive=archive)
    dest = tmp_path / "picked"
    repo.load(loc, dest, sub_path=sub_path)
    assert dest.read_text() == expected


@pytest.mark.parametrize("sub_path", ["missing", "../../etc"], ids=["missing", "escape"])
def test_bad_sub_path_is_an_error(repo: LocalRepository, tree: Path, tmp_path: Path, sub_path: str) -> None:
    loc = repo.save("k", tree)
    with pytest.raises(ArchiveError, match="subPath"):
        repo.load(loc, tmp_path / "x", sub_path=sub_path)


def test_missing_key_and_escaping_key(repo: LocalRepository, tmp_path: Path) -> None:
    assert not repo.exists("nope")
    with pytest.raises(ArtifactNotFound, match="'nope' not found"):
        repo.load({"local": {"key": "nope"}}, tmp_path / "x")
    with pytest.raises(ArchiveError, match="invalid artifact key"):
        repo.path("../outside")


@pytest.mark.parametrize(
    ("artifact", "kind"),
    [
        ({"name": "a", "path": "/p", "local": {"key": "k"}}, "local"),
        ({"name": "a", "raw": {"data": "x"}, "archive": {"none": {}}}, "raw"),
        ({"name": "a", "path": "/p", "optional": True}, None),
    ],
    ids=["local", "raw-with-archive", "none"],
)
def test_location_type(artifact: dict, kind: str | None) -> None:
    assert location_type(artifact) == kind


def test_drivers_raw_local_s3_key_only(repo: LocalRepository, tmp_path: Path) -> None:
    drivers = default_drivers(repo)
    f = tmp_path / "f"
    f.write_text("stored")
    repo.save("my-file", f)
    cases = {
        "raw": {"name": "r", "raw": {"data": "inline"}},
        "local": {"name": "l", "local": {"key": "my-file"}},
        "s3": {"name": "s", "s3": {"key": "my-file"}},
    }
    for name, art in cases.items():
        dest = tmp_path / "in" / name
        assert load_input(art, dest, drivers)
        assert dest.read_text() == ("inline" if name == "raw" else "stored")


def test_optional_missing_and_required_missing(repo: LocalRepository, tmp_path: Path) -> None:
    drivers = default_drivers(repo)
    assert load_input({"name": "o", "optional": True, "local": {"key": "gone"}}, tmp_path / "o", drivers) is False
    assert load_input({"name": "o", "optional": True}, tmp_path / "o", drivers) is False
    with pytest.raises(ArchiveError, match="failed to load artifact 'r'"):
        load_input({"name": "r", "local": {"key": "gone"}}, tmp_path / "r", drivers)
    with pytest.raises(ArchiveError, match="required artifact 'q' not supplied"):
        load_input({"name": "q"}, tmp_path / "q", drivers)


def test_mode_is_applied(repo: LocalRepository, tmp_path: Path) -> None:
    dest = tmp_path / "script.sh"
    load_input({"name": "m", "mode": 0o755, "raw": {"data": "echo"}}, dest, default_drivers(repo))
    assert dest.stat().st_mode & 0o777 == 0o755


def test_http_plain_and_tgz(repo: LocalRepository, tmp_path: Path, http_root: tuple[Path, str]) -> None:
    root, url = http_root
    (root / "plain.txt").write_text("over http")
    d = tmp_path / "pkg"
    d.mkdir()
    (d / "inside.txt").write_text("unpacked")
    tar_gz(d, root / "pkg.tgz")
    drivers = default_drivers(repo)
    load_input({"name": "p", "http": {"url": f"{url}/plain.txt"}}, tmp_path / "in" / "p", drivers)
    assert (tmp_path / "in" / "p").read_text() == "over http"
    load_input({"name": "t", "http": {"url": f"{url}/pkg.tgz"}}, tmp_path / "in" / "t", drivers)
    assert (tmp_path / "in" / "t" / "inside.txt").read_text() == "unpacked"
    with pytest.raises(ArchiveError, match="failed to download"):
        load_input({"name": "m", "http": {"url": f"{url}/missing"}}, tmp_path / "in" / "m", drivers)


@pytest.mark.parametrize(
    ("prefix", "keys"),
    [
        ("", ["a/1.log", "a/main.log", "b/main.log", "top.txt"]),
        ("a", ["a/1.log", "a/main.log"]),
        ("a/", ["a/1.log", "a/main.log"]),
        ("top.txt", ["top.txt"]),
        ("nothing", []),
    ],
    ids=["whole-repository", "prefix", "prefix-slash", "single-key", "missing-prefix"],
)
def test_keys_lists_stored_files_like_a_bucket_listing(
    repo: LocalRepository, tmp_path: Path, prefix: str, keys: list[str]
) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x")
    for key in ("a/main.log", "a/1.log", "b/main.log", "top.txt"):
        repo.save(key, f, archive="none")
    repo.save("b/.staging", f, archive="none")  # dot-names are internal staging files
    assert repo.keys(prefix) == keys


@pytest.mark.parametrize(("recurse", "inner"), [(False, 0o644), (True, 0o700)], ids=["top-only", "recurseMode"])
def test_mode_recurses_only_with_recurse_mode(repo: LocalRepository, tree: Path, tmp_path: Path,
                                              recurse: bool, inner: int) -> None:
    (tree / "a.txt").chmod(0o644)
    loc = repo.save("k/dir.tgz", tree)
    dest = tmp_path / "in" / "dir"
    art = {"name": "d", "mode": 0o700, "recurseMode": recurse, **loc}
    assert load_input(art, dest, default_drivers(repo))
    assert dest.stat().st_mode & 0o777 == 0o700
    assert (dest / "a.txt").stat().st_mode & 0o777 == inner
