"""The S3 driver against a real S3 endpoint (moto's server): files, directories, streams, deletes."""

from __future__ import annotations

from pathlib import Path

import pytest
from s3kit import ACCESS_KEY, CREDENTIALS_SECRET, SECRET_KEY, S3Server

from argosy.artifacts import ArtifactNotFound, S3Driver, SecretNotFound, Secrets, tar_gz
from argosy.artifacts.s3 import S3Error

SECRETS = Secrets({CREDENTIALS_SECRET: {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}})


@pytest.fixture
def driver() -> S3Driver:
    return S3Driver(SECRETS)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    d = tmp_path / "out"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("A")
    (d / "sub" / "b.txt").write_text("B")
    return d


def test_file_save_load_open_delete(s3: S3Server, driver: S3Driver, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    src = tmp_path / "f.txt"
    src.write_text("hello s3\n")
    loc = s3.location(bucket, key="wf/pod/f.txt")
    driver.save(src, loc)
    assert s3.read(bucket, "wf/pod/f.txt") == b"hello s3\n"
    driver.load(loc, tmp_path / "in" / "f", None)
    assert (tmp_path / "in" / "f").read_text() == "hello s3\n"
    with driver.open(loc) as stream:
        assert stream.read() == b"hello s3\n"
    driver.delete(loc)
    assert s3.keys(bucket) == []
    driver.delete(loc)  # deleting what is gone is not an error


def test_tgz_is_unpacked_on_load_and_sub_path_picks_inside(s3: S3Server, driver: S3Driver, tree: Path,
                                                           tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    tgz = tmp_path / "out.tgz"
    tar_gz(tree, tgz)
    loc = s3.location(bucket, key="k/out.tgz")
    driver.save(tgz, loc)
    driver.load(loc, tmp_path / "whole", None)
    assert (tmp_path / "whole" / "sub" / "b.txt").read_text() == "B"
    driver.load(loc, tmp_path / "picked", "sub/b.txt")
    assert (tmp_path / "picked").read_text() == "B"
    driver.load(loc, tmp_path / "raw", None, archive={"none": {}})
    assert (tmp_path / "raw").read_bytes() == tgz.read_bytes()


def test_unarchived_directory_is_one_object_per_file(s3: S3Server, driver: S3Driver, tree: Path,
                                                     tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    loc = s3.location(bucket, key="wf/pod/out")
    driver.save(tree, loc)
    assert s3.keys(bucket) == ["wf/pod/out/a.txt", "wf/pod/out/sub/b.txt"]
    assert driver.is_directory(loc)
    assert driver.keys({**loc, "key": "wf/pod/out/"}) == ["wf/pod/out/a.txt", "wf/pod/out/sub/b.txt"]
    driver.load(loc, tmp_path / "in", None)
    assert (tmp_path / "in" / "a.txt").read_text() == "A"
    assert (tmp_path / "in" / "sub" / "b.txt").read_text() == "B"
    with pytest.raises(S3Error, match="directory stream"):
        driver.open(loc)
    driver.delete(loc)
    assert s3.keys(bucket) == []


def test_missing_key_is_not_found(s3: S3Server, driver: S3Driver, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    with pytest.raises(ArtifactNotFound):
        driver.load(s3.location(bucket, key="nope"), tmp_path / "x", None)
    assert not driver.exists(s3.location(bucket, key="nope"))


def test_missing_bucket_and_create_bucket_if_not_present(s3: S3Server, driver: S3Driver, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_text("x")
    with pytest.raises(S3Error, match="does not exist"):
        driver.save(src, s3.location("no-such-bucket-here", key="k"))
    driver.save(src, s3.location("made-on-demand", key="k", createBucketIfNotPresent={}))
    assert s3.read("made-on-demand", "k") == b"x"


@pytest.mark.parametrize(
    ("secrets", "message"),
    [({}, 'secrets "s3-credentials" not found'),
     ({CREDENTIALS_SECRET: {"accessKey": "a"}}, 'does not have the key "secretKey"')],
    ids=["no-secret", "no-key"],
)
def test_credentials_come_from_secrets(s3: S3Server, tmp_path: Path, secrets: dict, message: str) -> None:
    with pytest.raises(SecretNotFound, match=message):
        S3Driver(Secrets(secrets)).load(s3.location("b", key="k"), tmp_path / "x", None)


def test_sdk_credentials_from_the_environment(s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    bucket = s3.new_bucket()
    loc = {"endpoint": s3.endpoint, "bucket": bucket, "key": "sdk", "insecure": True, "useSDKCreds": True}
    src = tmp_path / "f"
    src.write_text("via sdk")
    S3Driver().save(src, loc)
    assert s3.read(bucket, "sdk") == b"via sdk"


def test_unreachable_endpoint_names_it(tmp_path: Path) -> None:
    from s3kit import free_port

    loc = {"endpoint": f"127.0.0.1:{free_port()}", "bucket": "b", "key": "k", "insecure": True}
    with pytest.raises(S3Error, match="127.0.0.1"):
        S3Driver().load(loc, tmp_path / "x", None)


def test_without_boto3_the_error_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from argosy.artifacts import s3 as s3_module

    monkeypatch.setitem(sys.modules, "boto3", None)  # as if it were not installed
    monkeypatch.setattr(s3_module, "_CLIENTS", {})
    with pytest.raises(S3Error, match=r"pip install 'argosy\[s3\]'"):
        S3Driver().load({"endpoint": "127.0.0.1:1", "bucket": "b", "key": "k"}, tmp_path / "x", None)


def test_server_side_encryption_options(s3: S3Server, driver: S3Driver, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    src = tmp_path / "f"
    src.write_text("sealed")
    driver.save(src, s3.location(bucket, key="enc", encryptionOptions={"enableEncryption": True}))
    head = s3.client().head_object(Bucket=bucket, Key="enc")
    assert head["ServerSideEncryption"] == "AES256"
    driver.save(src, s3.location(bucket, key="kms", encryptionOptions={"kmsKeyId": "my-key"}))
    head = s3.client().head_object(Bucket=bucket, Key="kms")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"].rsplit("/", 1)[-1]) == ("aws:kms", "my-key")


def test_role_arn_is_assumed_through_sts(s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argo's ``roleARN``: the SDK's credentials assume the role (STS AssumeRole) and the S3
    calls are signed with the role's temporary credentials (moto answers STS too)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://{s3.endpoint}")
    bucket = s3.new_bucket()
    loc = {"endpoint": s3.endpoint, "bucket": bucket, "key": "role", "insecure": True,
           "roleARN": "arn:aws:iam::123456789012:role/argo-artifacts"}
    src = tmp_path / "f"
    src.write_text("via role")
    driver = S3Driver()
    driver.save(src, loc)
    assert s3.read(bucket, "role") == b"via role"
    creds = driver.client(loc)._request_signer._credentials.get_frozen_credentials()
    assert creds.access_key != ACCESS_KEY and creds.token  # temporary credentials of the role


def test_a_role_that_cannot_be_assumed_says_which(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from s3kit import free_port

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    loc = {"endpoint": "127.0.0.1:1", "bucket": "b", "key": "k", "insecure": True,
           "roleARN": "arn:aws:iam::123456789012:role/nobody"}
    with pytest.raises(S3Error, match="failed to assume role arn:aws:iam::123456789012:role/nobody"):
        S3Driver().load(loc, tmp_path / "x", None)
