"""PostgreSQL for tests: the server comes only from $S3_INGEST_TEST_POSTGRES_URL.

* unset (or empty): tests that need PostgreSQL skip, with `SKIP_REASON`;
* set, but the server cannot be reached: they fail (error) - a CI job that sets the variable
  must never go green by skipping.

Each caller gets a database of its own, created on that server and dropped (WITH (FORCE)) when
it is done, so tests never see each other's tables and leave nothing behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest

ENV_VAR = "S3_INGEST_TEST_POSTGRES_URL"
SKIP_REASON = f"{ENV_VAR} is not set: PostgreSQL tests need a server (CI sets it)"
DATABASE_PREFIX = "s3_ingest_test_"
CONNECT_TIMEOUT_S = 5


def server_url() -> str:
    """The test server's URL; skips the calling test when the variable is unset."""
    url = os.environ.get(ENV_VAR, "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    return url


def database_url(server: str, name: str) -> str:
    """`server` with its database replaced by `name` (user, password, host, query kept)."""
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def url_parts(url: str) -> dict[str, Any]:
    """username, password, hostname, port, db_name of a postgresql:// URL (for Dagster's
    `postgres_db` config)."""
    parts = urlsplit(url)
    return {
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "hostname": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "db_name": unquote(parts.path.lstrip("/")),
    }


def _admin(server: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(server, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as error:
        parts = urlsplit(server)
        raise RuntimeError(
            f"{ENV_VAR} is set (host {parts.hostname}:{parts.port or 5432}) but the PostgreSQL "
            f"server cannot be reached: {str(error).strip()}"
        ) from error


def create_database(server: str) -> str:
    """Create an empty database on the server; returns its name."""
    from psycopg import sql

    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
    with _admin(server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(server: str, name: str) -> None:
    from psycopg import sql

    with _admin(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database, dropped on exit. Skips when no server is configured;
    raises when one is configured but unreachable."""
    server = server_url()
    name = create_database(server)
    try:
        yield database_url(server, name)
    finally:
        drop_database(server, name)


def empty_index_tables(url: str) -> None:
    """Remove every document and failure of a PostgreSQL index (the schema stays), so a test
    starts from nothing without paying for a new database."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('documents') IS NOT NULL").fetchone()
        if exists and exists[0]:
            # DELETE, not TRUNCATE: on tables this small it is several times faster.
            conn.execute("DELETE FROM documents")
            conn.execute("DELETE FROM failures")
            conn.execute("DELETE FROM chunks")
            conn.execute("DELETE FROM chunks_staged")
