"""Serve fixtures over both backends: `serve_url` is an index URL, `[sqlite]` (a file in the
test's tmp dir) or `[postgres]` (a fresh database on $S3_INGEST_TEST_POSTGRES_URL, dropped after
the test; skipped when unset, failing when set but unreachable)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from s3_ingest_tests.postgres import fresh_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def serve_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "index.db")
        return
    with fresh_database() as url:
        yield url
