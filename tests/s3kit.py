"""A real S3 endpoint for tests: moto's standalone server on 127.0.0.1, and how to point Argosy at it."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from typing import Any

ACCESS_KEY = "argosy-test-access"
SECRET_KEY = "argosy-test-secret"
CREDENTIALS_SECRET = "s3-credentials"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class S3Server:
    """A running moto server: ``endpoint`` is ``127.0.0.1:PORT`` (an ``insecure`` one, plain HTTP)."""

    server: Any
    endpoint: str

    @classmethod
    def start(cls) -> S3Server:
        from moto.server import ThreadedMotoServer

        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        return cls(server, f"127.0.0.1:{port}")

    def stop(self) -> None:
        self.server.stop()

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=f"http://{self.endpoint}", region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def new_bucket(self) -> str:
        name = f"b-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        out = self.client().list_objects_v2(Bucket=bucket)
        return sorted(o["Key"] for o in out.get("Contents") or ())

    def read(self, bucket: str, key: str) -> bytes:
        body: bytes = self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def location(self, bucket: str, **extra: Any) -> dict[str, Any]:
        """An ``s3`` location/repository body for ``bucket`` with credentials from a Secret."""
        return {"endpoint": self.endpoint, "bucket": bucket, "insecure": True,
                "accessKeySecret": {"name": CREDENTIALS_SECRET, "key": "accessKey"},
                "secretKeySecret": {"name": CREDENTIALS_SECRET, "key": "secretKey"}, **extra}

    def manifests(self, bucket: str, *, key_format: str | None = None, extra_keys: dict[str, str] | None = None,
                  name: str = "artifact-repositories") -> str:
        """YAML of an ``artifact-repositories`` ConfigMap (default key ``default-v1``) and its Secret."""
        import json

        repo = self.location(bucket, **({"keyFormat": key_format} if key_format else {}))
        data = {"default-v1": json.dumps({"s3": repo}), **(extra_keys or {})}
        return (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            f"  name: {name}\n"
            "  annotations:\n    workflows.argoproj.io/default-artifact-repository: default-v1\n"
            f"data: {json.dumps(data)}\n---\n" + self.secret_manifest()
        )

    @staticmethod
    def secret_manifest() -> str:
        return ("apiVersion: v1\nkind: Secret\nmetadata:\n"
                f"  name: {CREDENTIALS_SECRET}\n"
                f"stringData: {{accessKey: {ACCESS_KEY}, secretKey: {SECRET_KEY}}}\n")
