"""S3 artifacts (AWS, MinIO, Ceph ... any S3 API) with Argo's ``s3`` location fields.

``boto3`` is imported on the first S3 operation, never before: a run without S3 artifacts
starts as fast as before. Clients are cached per endpoint and credentials for the whole process
(creating one costs tens of milliseconds; boto3 clients are thread-safe).

Keys follow Argo's S3 driver: a file is one object; a directory (``archive: none``) is one
object per file under ``KEY/``; loading a key that is not an object but a prefix downloads
the directory; deleting a directory key deletes every object under it.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from argosy.artifacts.archive import unpack_download
from argosy.artifacts.repository import ArtifactNotFound
from argosy.artifacts.secrets import Secrets
from argosy.errors import S3Error

AWS_ENDPOINT = "s3.amazonaws.com"
#: files above this go up in parts (boto3's default multipart threshold)
MULTIPART_THRESHOLD = 8 * 1024 * 1024
CHUNK = 1024 * 1024
#: concurrent requests for the files of a directory
TRANSFER_THREADS = 8
DEFAULT_REGION = "us-east-1"
INSTALL_HINT = "S3 artifacts need boto3: pip install 'argosy[s3]'"


#: boto3 clients by endpoint, region, addressing style and credentials, shared by every pod of
#: the process (a driver is made per pod; a client costs tens of milliseconds to create)
_CLIENTS: dict[tuple[Any, ...], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def has_location(location: Mapping[str, Any]) -> bool:
    """Argo's ``S3Artifact.HasLocation``: endpoint, bucket and key are all set (not key-only)."""
    return bool(location.get("endpoint") and location.get("bucket") and location.get("key"))


#: the session name Argosy's AssumeRole calls carry (CloudTrail shows it)
ROLE_SESSION_NAME = "argosy-artifacts"


def assumed_role_session(role_arn: str, region: str) -> Any:
    """A boto3 session whose credentials come from STS AssumeRole of ``role_arn`` (Argo's
    ``roleARN``), asked with the SDK's default credentials and STS endpoint (``AWS_ENDPOINT_URL_STS``
    points it elsewhere), refreshed before they expire."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials
    from botocore.exceptions import BotoCoreError, ClientError

    sts = boto3.session.Session().client("sts", region_name=region)

    def fetch() -> dict[str, str]:
        try:
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
        except (ClientError, BotoCoreError) as e:
            raise S3Error(f"failed to assume role {role_arn}: {e}") from e
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

    core = botocore.session.get_session()
    core._credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role")
    return boto3.session.Session(botocore_session=core, region_name=region)


class S3Driver:
    """Loads, saves, streams, lists and deletes ``s3`` locations."""

    def __init__(self, secrets: Secrets | None = None) -> None:
        self.secrets = secrets or Secrets()

    # ---- client ------------------------------------------------------------------------

    def client(self, location: Mapping[str, Any]) -> Any:
        """A boto3 S3 client for ``location``'s endpoint, region and credentials."""
        endpoint = str(location.get("endpoint") or AWS_ENDPOINT)
        if "://" not in endpoint:
            endpoint = ("http://" if location.get("insecure") else "https://") + endpoint
        access = self.secrets.value(location.get("accessKeySecret"))
        secret = self.secrets.value(location.get("secretKeySecret"))
        token = self.secrets.value(location.get("sessionTokenSecret"))
        ca = self.secrets.value(location.get("caSecret"))
        region = str(location.get("region") or DEFAULT_REGION)
        style = {"path": "path", "virtual-hosted": "virtual"}.get(str(location.get("addressingStyle") or ""))
        if style is None:
            # minio-go's auto lookup: virtual-hosted for AWS, path style for everything else
            style = "virtual" if endpoint.rstrip("/").endswith("amazonaws.com") else "path"
        role = str(location.get("roleARN") or "")
        # Argo's order: roleARN (assumed with the SDK's own credentials), then useSDKCreds, then keys
        static = bool(access and secret) and not role
        key = (endpoint, region, style, access if static else None, secret if static else None, token,
               ca, bool(location.get("useSDKCreds")), role)
        with _CLIENTS_LOCK:
            cli = _CLIENTS.get(key)
            if cli is None:
                cli = _CLIENTS[key] = self._new_client(endpoint, region, style, static, access, secret, token, ca,
                                                       role)
        return cli

    def _new_client(self, endpoint: str, region: str, style: str, static: bool, access: str | None,
                    secret: str | None, token: str | None, ca: str | None, role: str = "") -> Any:
        try:
            import boto3  # imported on first use: it costs ~0.2 s
            from botocore import UNSIGNED
            from botocore.config import Config
        except ImportError as e:
            raise S3Error(INSTALL_HINT) from e
        verify: Any = None
        if ca:
            with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
                f.write(ca)
            verify = f.name
        kwargs: dict[str, Any] = {}
        session = boto3.session.Session()
        if role:
            session = assumed_role_session(role, region)
            sign: Any = None
        elif static:
            kwargs.update(aws_access_key_id=access.strip() if access else access,
                          aws_secret_access_key=secret.strip() if secret else secret,
                          aws_session_token=token or None)
            sign = None
        else:
            # useSDKCreds or nothing given: the SDK's default chain (env, profile, IAM role);
            # when that finds nothing, requests go unsigned (a public bucket)
            sign = None if session.get_credentials() is not None else UNSIGNED
        config = Config(s3={"addressing_style": style}, signature_version=sign,
                        retries={"max_attempts": 3, "mode": "standard"})
        return session.client("s3", endpoint_url=endpoint, region_name=region, config=config,
                              verify=verify, **kwargs)

    def _call(self, what: str, location: Mapping[str, Any], fn: Any, *args: Any, **kwargs: Any) -> Any:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"s3://{location.get('bucket')}/{location.get('key')}"
        try:
            return fn(*args, **kwargs)
        except (ClientError, Boto3Error) as e:
            # upload_file wraps the ClientError that says what went wrong
            cause = e if isinstance(e, ClientError) else e.__context__
            code = str(cause.response.get("Error", {}).get("Code", "")) if isinstance(cause, ClientError) else ""
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ArtifactNotFound(f"key {location.get('key')!r} not found in bucket "
                                       f"{location.get('bucket')!r}") from e
            if code == "NoSuchBucket":
                raise S3Error(f"bucket {location.get('bucket')!r} does not exist (endpoint "
                              f"{location.get('endpoint') or AWS_ENDPOINT})") from e
            raise S3Error(f"failed to {what} {where}: {cause or e}") from e
        except BotoCoreError as e:
            raise S3Error(f"failed to {what} {where}: {e}") from e

    @staticmethod
    def _bucket_key(location: Mapping[str, Any]) -> tuple[str, str]:
        bucket, key = location.get("bucket"), location.get("key")
        if not bucket:
            raise S3Error("s3 artifact has no bucket; set it, or configure an artifact repository")
        if key is None or key == "":
            raise S3Error("s3 artifact has no key")
        return str(bucket), str(key)

    # ---- operations --------------------------------------------------------------------

    def exists(self, location: Mapping[str, Any]) -> bool:
        """True when the key is an object or a non-empty prefix."""
        try:
            self.keys(location)
            return True
        except ArtifactNotFound:
            return False

    def is_directory(self, location: Mapping[str, Any]) -> bool:
        """True when objects exist under ``KEY/`` (how S3 spells a directory)."""
        bucket, key = self._bucket_key(location)
        cli = self.client(location)
        prefix = key.rstrip("/") + "/"
        out = self._call("list", location, cli.list_objects_v2, Bucket=bucket, Prefix=prefix, MaxKeys=1)
        return bool(out.get("KeyCount"))

    def keys(self, location: Mapping[str, Any]) -> list[str]:
        """The object key itself, or every object key under ``KEY/`` (Argo's ListObjects)."""
        bucket, key = self._bucket_key(location)
        cli = self.client(location)
        prefix = key.rstrip("/") + "/" if key.endswith("/") else key
        found: list[str] = []
        for page in self._call("list", location, cli.get_paginator("list_objects_v2").paginate,
                               Bucket=bucket, Prefix=prefix):
            found += [o["Key"] for o in page.get("Contents") or ()]
        found = [k for k in found if k == key or k.startswith(key.rstrip("/") + "/")]
        if not found:
            raise ArtifactNotFound(f"no key found of name {key}")
        return sorted(found)

    def list_directory(self, location: Mapping[str, Any]) -> list[str]:
        """Every object key under the key as a directory (all of the bucket for an empty key), sorted.

        The data template's ``artifactPaths`` source; a prefix with nothing under it lists nothing.
        """
        bucket = location.get("bucket")
        if not bucket:
            raise S3Error("s3 artifact has no bucket; set it, or configure an artifact repository")
        key = str(location.get("key") or "").strip("/")
        cli = self.client(location)
        found: list[str] = []
        for page in self._call("list", location, cli.get_paginator("list_objects_v2").paginate,
                               Bucket=str(bucket), Prefix=f"{key}/" if key else ""):
            found += [o["Key"] for o in page.get("Contents") or ()]
        return sorted(found)

    def load(self, location: Mapping[str, Any], dest: Path, sub_path: str | None,
             archive: Mapping[str, Any] | None = None) -> None:
        """Download the object (or directory) at ``location`` to ``dest``, unpacking an archive."""
        bucket, key = self._bucket_key(location)
        cli = self.client(location)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.download")
        try:
            self._call("get", location, cli.download_file, bucket, key, str(tmp))
        except ArtifactNotFound:
            tmp.unlink(missing_ok=True)
            if not self.is_directory(location):
                raise
            self._download_dir(cli, location, bucket, key.rstrip("/"), tmp)
        unpack_download(tmp, dest, sub_path, dict(archive or {}))

    def _download_dir(self, cli: Any, location: Mapping[str, Any], bucket: str, key: str, into: Path) -> None:
        into.mkdir(parents=True, exist_ok=True)
        jobs = []
        for k in self.keys({**location, "key": key + "/"}):
            rel = k[len(key) + 1:]
            target = (into / rel).resolve()
            if not rel or not target.is_relative_to(into.resolve()):
                continue  # a "directory marker" object, or a key that would leave the directory
            target.parent.mkdir(parents=True, exist_ok=True)
            jobs.append((k, target))
        _parallel(lambda job: self._get_object(cli, location, bucket, *job), jobs)

    def _get_object(self, cli: Any, location: Mapping[str, Any], bucket: str, key: str, target: Path) -> None:
        out = self._call("get", {**location, "key": key}, cli.get_object, Bucket=bucket, Key=key)
        body = out["Body"]
        try:
            with target.open("wb") as f:
                for chunk in body.iter_chunks(CHUNK):
                    f.write(chunk)
        finally:
            body.close()

    def _put_file(self, cli: Any, location: Mapping[str, Any], bucket: str, key: str, path: Path,
                  extra: dict[str, Any]) -> None:
        where = {**location, "key": key}
        if path.stat().st_size > MULTIPART_THRESHOLD:
            # large files go up in parts, in parallel (boto3's transfer manager)
            self._call("put", where, cli.upload_file, str(path), bucket, key, ExtraArgs=extra or None)
            return
        with path.open("rb") as f:
            self._call("put", where, cli.put_object, Bucket=bucket, Key=key, Body=f, **extra)

    def save(self, src: Path, location: Mapping[str, Any]) -> None:
        """Upload ``src``: a file as one object, a directory as one object per file under ``KEY/``."""
        bucket, key = self._bucket_key(location)
        cli = self.client(location)
        if location.get("createBucketIfNotPresent") is not None:
            self._create_bucket(cli, location, bucket)
        extra = _encryption(location, self.secrets)
        src = Path(src)
        if not src.is_dir():
            self._put_file(cli, location, bucket, key, src, extra)
            return
        base = key.rstrip("/")
        jobs = []
        for root, _dirs, files in os.walk(src):
            for n in sorted(files):
                path = Path(root) / n
                if path.is_symlink() or not path.is_file():
                    continue  # S3 has no symlinks (Argo skips them too), nor sockets or fifos
                jobs.append((f"{base}/{path.relative_to(src).as_posix()}", path))
        _parallel(lambda job: self._put_file(cli, location, bucket, job[0], job[1], extra), jobs)

    def _create_bucket(self, cli: Any, location: Mapping[str, Any], bucket: str) -> None:
        from botocore.exceptions import ClientError

        args: dict[str, Any] = {"Bucket": bucket}
        region = location.get("region")
        if region and region != DEFAULT_REGION:
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        if (location.get("createBucketIfNotPresent") or {}).get("objectLocking"):
            args["ObjectLockEnabledForBucket"] = True
        try:
            cli.create_bucket(**args)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise S3Error(f"failed to create bucket {bucket}: {e}") from e

    def open(self, location: Mapping[str, Any]) -> IO[bytes]:
        """A stream of the object's bytes (the server's download endpoints read this)."""
        bucket, key = self._bucket_key(location)
        cli = self.client(location)
        try:
            out = self._call("get", location, cli.get_object, Bucket=bucket, Key=key)
        except ArtifactNotFound:
            if self.is_directory(location):
                raise S3Error("directory stream capability currently unimplemented for S3") from None
            raise
        return out["Body"]

    def delete(self, location: Mapping[str, Any]) -> None:
        """Delete the object, or every object under a directory key (``KEY/`` or an unarchived dir)."""
        bucket, key = self._bucket_key(location)
        cli = self.client(location)
        if not key.endswith("/"):
            try:
                self._call("head", location, cli.head_object, Bucket=bucket, Key=key)
            except ArtifactNotFound:
                if not self.is_directory(location):
                    return  # already gone: deleting is idempotent, as S3's DeleteObject is
                key += "/"
            else:
                self._call("delete", location, cli.delete_object, Bucket=bucket, Key=key)
                return
        for k in self.keys({**location, "key": key}):
            self._call("delete", {**location, "key": k}, cli.delete_object, Bucket=bucket, Key=k)


def _parallel(fn: Any, jobs: list[Any]) -> None:
    """Run ``fn`` over ``jobs`` on a few threads (a directory of small files is latency-bound)."""
    if len(jobs) <= 1:
        for job in jobs:
            fn(job)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(TRANSFER_THREADS, len(jobs))) as pool:
        for _ in pool.map(fn, jobs):
            pass


def _encryption(location: Mapping[str, Any], secrets: Secrets) -> dict[str, Any]:
    """Upload arguments for ``encryptionOptions`` (SSE-S3, SSE-KMS or SSE-C)."""
    opts = location.get("encryptionOptions") or {}
    customer = secrets.value(opts.get("serverSideCustomerKeySecret"))
    if customer:
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": customer}
    if opts.get("kmsKeyId"):
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": str(opts["kmsKeyId"])}
        if opts.get("kmsEncryptionContext"):
            import base64

            extra["SSEKMSEncryptionContext"] = base64.b64encode(str(opts["kmsEncryptionContext"]).encode()).decode()
        return extra
    if opts.get("enableEncryption"):
        return {"ServerSideEncryption": "AES256"}
    return {}
