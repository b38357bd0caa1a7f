"""Shared fixtures: a real S3 HTTP endpoint (moto's server on 127.0.0.1) for integration tests.

Each xdist worker gets its own server on a free port; each test gets its own bucket, so tests
never see each other's objects.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3_ingest.core.sources.model import Source
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET, LocalS3

KEY_ENV, SECRET_ENV = "S3_INGEST_TEST_KEY_ID", "S3_INGEST_TEST_SECRET"
_names = itertools.count()


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may reach real AWS or a developer's own config and credentials."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv(KEY_ENV, DEMO_KEY_ID)
    monkeypatch.setenv(SECRET_ENV, DEMO_SECRET)


@pytest.fixture(scope="session")
def local_s3() -> Iterator[LocalS3]:
    with LocalS3() as server:
        yield server


@pytest.fixture
def bucket(local_s3: LocalS3) -> str:
    name = f"test-{next(_names)}-{uuid.uuid4().hex[:8]}"
    local_s3.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_client(local_s3: LocalS3) -> Any:
    return local_s3.client()


def make_source(endpoint: str, bucket: str, **fields: Any) -> Source:
    """A source on a local endpoint, with credentials as env var references like a real one."""
    values: dict[str, Any] = {
        "name": "docs",
        "bucket": bucket,
        "endpoint": endpoint,
        "region": "us-east-1",
        "path_style": True,
        "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV},
        "max_attempts": 2,
    }
    values.update(fields)
    return Source.model_validate(values)


def put_objects(client: Any, bucket: str, objects: dict[str, bytes | str]) -> None:
    for key, body in objects.items():
        data = body.encode() if isinstance(body, str) else body
        client.put_object(Bucket=bucket, Key=key, Body=data)
