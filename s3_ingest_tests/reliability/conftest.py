"""Fixtures for the reliability tests: a separate, auth-enabled moto server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from s3_ingest_tests.reliability.auth_server import AuthS3, start_auth_s3, stop_process


@pytest.fixture(scope="module")
def auth_s3() -> Iterator[AuthS3]:
    """A moto server subprocess that checks signatures and IAM policies on every S3 request."""
    server = start_auth_s3()
    try:
        yield server
    finally:
        stop_process(server.process)
