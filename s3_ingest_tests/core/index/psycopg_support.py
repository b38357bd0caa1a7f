"""PostgreSQL support for the index tests, when it is installed: psycopg, the PostgreSQL index
module and what it exports (all None without psycopg), and the `needs_psycopg` mark."""

from __future__ import annotations

import pytest

try:
    import psycopg

    from s3_ingest.core.index import postgres as postgres_module
    from s3_ingest.core.index.postgres import PostgresIndex, ts_query
except ImportError:  # pragma: no cover - PostgreSQL support not installed
    psycopg = None  # type: ignore[assignment]
    postgres_module = None  # type: ignore[assignment]
    PostgresIndex = None  # type: ignore[assignment,misc]
    ts_query = None  # type: ignore[assignment]

needs_psycopg = pytest.mark.skipif(psycopg is None, reason="psycopg is not installed")
