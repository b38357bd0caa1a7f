"""The index opened for reading only (issue 24: what `s3-ingest serve` searches).

SQLite: every connection is opened with ``mode=ro`` (the vector connections already are), and
opening creates and migrates nothing. PostgreSQL: every session runs with
``default_transaction_read_only`` on, so the server itself refuses a write. Either way the
schema must already be at this code's version: open the index writable once (`s3-ingest sync`,
or `serve`'s start, which applies the ACLs) to create or migrate it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from s3_ingest.core.index import is_postgres_url, sqlite_path
from s3_ingest.core.index.schema import SCHEMA_VERSION
from s3_ingest.core.index.sqlite import SqliteIndex


class IndexNotReady(RuntimeError):
    """The index does not exist or is at another schema version."""


def _check_version(found: int, where: str) -> None:
    if found != SCHEMA_VERSION:
        raise IndexNotReady(
            f"{where} is at index schema version {found}, not {SCHEMA_VERSION}: open it "
            "writable once (`s3-ingest sync`) before serving it read-only"
        )


class ReadOnlySqliteIndex(SqliteIndex):
    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise IndexNotReady(f"no index at {self.path}: run `s3-ingest sync` first")
        conn = sqlite3.connect(
            self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=self.busy_timeout_s,
            isolation_level=None, check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        return conn

    def _create_schema(self) -> None:
        conn = self._open()
        try:
            _check_version(self.schema_version(conn), str(self.path))
        finally:
            conn.close()


def _read_only_postgres() -> type:
    from s3_ingest.core.index.postgres import PostgresIndex, _configure_connection
    from s3_ingest.core.index.postgres_chunks import NO_PGVECTOR
    from s3_ingest.core.index.postgres_text_search import config_uses_unaccent

    class ReadOnlyPostgresIndex(PostgresIndex):
        def _connect_kwargs(self) -> dict[str, Any]:
            from psycopg.conninfo import conninfo_to_dict

            kwargs = super()._connect_kwargs()
            given = conninfo_to_dict(self.url).get("options") or ""
            kwargs["options"] = f"{given} -c default_transaction_read_only=on".strip()
            return kwargs

        def _create_schema(self) -> None:
            import psycopg

            with psycopg.connect(self.url, **self._connect_kwargs()) as conn:
                _configure_connection(conn)
                _check_version(self.schema_version(conn), repr(self))
                self.unaccent = config_uses_unaccent(conn)
                row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
                self.vector_search_unavailable = None if row else NO_PGVECTOR

    return ReadOnlyPostgresIndex


def open_index_read_only(url: str) -> Any:
    """The index at `url` (as open_index takes it), refusing every write."""
    if is_postgres_url(url):
        return _read_only_postgres()(url)
    path = sqlite_path(url)
    if path is None:
        raise ValueError(f"unsupported index URL scheme: {url.split('://', 1)[0]}://")
    return ReadOnlySqliteIndex(path)
