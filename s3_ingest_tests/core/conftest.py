"""Fixtures for the Dagster-free core tests: fake AWS credentials, an in-process moto S3 and a
SQLite index. (The ingest tests' moto `bucket` is in ingest_bucket.py, imported by those modules:
here it would hide the root conftest's `bucket` from the other core tests that use it.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from s3_ingest.core.index.sqlite import SqliteIndex

# Failures inside the shared assertion helper read like failures in the test itself.
pytest.register_assert_rewrite("s3_ingest_tests.core.sources_yaml")

FAKE_KEY_ID = "AKIAFAKEFAKEFAKEFAKE"
FAKE_SECRET = "fake-secret-do-not-leak-0123456789"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials and region (set after the root conftest has cleared AWS_*)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    """A boto3 S3 client talking to moto's in-process S3."""
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteIndex]:
    """A SQLite index in the test's tmp dir (the index tests have their own, over both backends)."""
    ix = SqliteIndex(tmp_path / "index.db")
    yield ix
    ix.close()
