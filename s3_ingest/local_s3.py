"""A local S3 endpoint (moto's server on 127.0.0.1, a free port) for the demo, tests and bench.

It speaks real S3 over HTTP, so everything that talks to it goes through the same botocore
stack as against AWS.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

DEMO_KEY_ID = "s3-ingest-demo-key"
DEMO_SECRET = "s3-ingest-demo-secret"  # a moto server accepts any keys; these are not secrets


class MissingDemoExtra(RuntimeError):
    """moto is not installed (it comes with the demo and test extras)."""


class LocalS3:
    """`with LocalS3() as s3: s3.endpoint_url ...` - started on enter, stopped on exit."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._server: Any = None

    def start(self) -> LocalS3:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise MissingDemoExtra(
                "the local S3 endpoint needs moto's server, which production installs leave "
                "out: pip install 's3_ingest[demo]'"
            ) from None

        # werkzeug logs every request at INFO; the demo and tests would drown in it.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        self.host, self.port = self._server.get_host_and_port()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LocalS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, **config: Any) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=DEMO_KEY_ID,
            aws_secret_access_key=DEMO_SECRET,
            config=Config(**({"retries": {"max_attempts": 3, "mode": "standard"}} | config)),
        )

    def reset(self) -> None:
        """Forget every bucket (moto's own reset endpoint)."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()


def iter_files(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix(), path


def upload_tree(client: Any, bucket: str, root: Path, prefix: str = "") -> int:
    """Create `bucket` (if needed) and upload every file under `root`, keyed by relative path."""
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    count = 0
    for rel, path in iter_files(root):
        content_type = mimetypes.guess_type(rel)[0] or "application/octet-stream"
        client.put_object(
            Bucket=bucket, Key=prefix + rel, Body=path.read_bytes(), ContentType=content_type
        )
        count += 1
    return count
