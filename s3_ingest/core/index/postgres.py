"""The PostgreSQL index backend: the same `DocumentIndex` as the SQLite file, for several machines.

Open it with ``open_index("postgresql://user:password@host:5432/dbname")``. The schema is created
on first use; the database itself must exist, and the user needs CREATE on it the first time
(and, for accent folding, the right to ``CREATE EXTENSION unaccent`` - a trusted extension since
PostgreSQL 13, so database owners may create it).

Layout (schema.py, version recorded in the ``s3_ingest_schema_version`` table): the shared
``documents`` and ``failures`` tables, ``documents`` with a generated ``search_vector`` column
and its GIN index (postgres_text_search.py); searches are postgres_search.py. NUL characters,
which PostgreSQL text cannot hold, are dropped from everything stored and looked up.

The tables are created in the first schema of the connection's search_path (``public`` unless
the URL says otherwise, e.g. ``?options=-csearch_path%3Dsearch``): give the index a database or a
schema of its own.

Concurrency: a thread-safe connection pool (psycopg_pool) shared by all threads of a process;
after a fork the child opens its own pool and never touches its parent's connections. Every write
is one short transaction; a batch is written in (source, key) order, so concurrent writers lock
rows in the same order and cannot deadlock one another; a deadlock or serialization failure that
happens anyway (say, with a concurrent partition delete) is retried with backoff (retry.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from s3_ingest.core.index.base import SearchFilters, SearchHit
from s3_ingest.core.index.postgres_vectors import ensure_hnsw, hnsw_ranking
from s3_ingest.core.index.postgres_chunks import (
    NO_PGVECTOR,
    chunk_search_schema_v2,
    enable_pgvector,
    fused_statement,
)
from s3_ingest.core.index.columns import COLUMNS, UPDATABLE
from s3_ingest.core.index.postgres_search import (
    MAX_QUERY_TERMS,
    search_hits,
    search_statement,
    ts_query,
)
from s3_ingest.core.index.postgres_text_search import (
    _VECTOR_CHUNK_CHARS,
    config_uses_unaccent,
    text_search_schema_v1,
)
from s3_ingest.core.index.rows import Values
from s3_ingest.core.index.schema import SCHEMA_VERSION, ColumnTypes, SearchSchema, migrate
from s3_ingest.core.index.store import SqlIndex
from s3_ingest.core.index.unavailable import explain_postgres

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = [
    "MAX_QUERY_TERMS", "SCHEMA_VERSION", "PostgresIndex", "_VECTOR_CHUNK_CHARS", "ts_query"]

# A batch travels by COPY into a session-private staging table (C-accelerated and streamed: a
# third of executemany's client CPU), then lands with one INSERT ... SELECT ... ON CONFLICT in
# the order it was staged. JSON is staged as text and cast on the way.
_STAGING_TYPES = {"key": 'text COLLATE "C"', "size": "bigint", "last_modified": "timestamptz",
                  "indexed_at": "timestamptz"}  # fmt: skip
_STAGING_DDL = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS s3_ingest_staging ("
    + ", ".join(f"{c} {_STAGING_TYPES.get(c, 'text')}" for c in COLUMNS)
    + ", staged bigserial) ON COMMIT DELETE ROWS"
)
_STAGING_COPY = f"COPY s3_ingest_staging ({', '.join(COLUMNS)}) FROM STDIN"
_STAGED_UPSERT = (
    f"INSERT INTO documents ({', '.join(COLUMNS)}) SELECT "
    + ", ".join(f"{c}::jsonb" if c in ("metadata", "tags") else c for c in COLUMNS)
    + " FROM s3_ingest_staging ORDER BY staged ON CONFLICT (source, key) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATABLE)
)

# Writes that fail on a deadlock or a serialization failure are retried this many times.
_WRITE_RETRIES = 5
_RETRY_BACKOFF_S = 0.05


class _PostgresValues(Values):
    """Times as timestamptz (datetimes), JSON as jsonb; NULs, which text cannot hold, dropped."""

    def text(self, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            return value.replace("\x00", "")
        return value

    def json(self, value: Mapping[str, object]) -> str:
        if not value:
            return "{}"
        return json.dumps(self._json_text(dict(value)), ensure_ascii=False, sort_keys=True)

    def _json_text(self, value: object) -> object:
        """NUL-free JSON values (jsonb rejects \\u0000), keys included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self._json_text(k): self._json_text(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._json_text(v) for v in value]
        return value


class PostgresIndex(SqlIndex):
    """A `DocumentIndex` in a PostgreSQL database (tables created on first use).

    `max_connections` bounds the pool (one connection per concurrently working thread; a run
    mostly uses one). `connect_timeout_s` bounds each connection attempt, unless the URL sets
    ``connect_timeout`` itself.
    """

    values = _PostgresValues()
    paramstyle = "format"
    column_types = ColumnTypes(
        row_id="bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", text="text",
        key='text COLLATE "C"',  # byte order = code point order = S3's
        integer="bigint", time="timestamptz", json="jsonb", vector="real[]", blob="bytea",
    )  # fmt: skip

    def __init__(
        self,
        url: str,
        *,
        min_connections: int = 1,
        max_connections: int = 8,
        connect_timeout_s: float = 10.0,
        pool_timeout_s: float = 30.0,
    ) -> None:
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"not a PostgreSQL URL: {_redact(url)}")
        super().__init__()
        self.url = url
        self.min_connections = int(min_connections)
        self.max_connections = max(int(max_connections), self.min_connections, 1)
        self.connect_timeout_s = float(connect_timeout_s)
        self.pool_timeout_s = float(pool_timeout_s)
        self.unaccent: bool | None = None  # known once the schema is in place
        self._pool_instance: ConnectionPool | None = None
        self._abandoned: list[object] = []  # a forked child's inherited pools: never touched

    def __repr__(self) -> str:
        return f"PostgresIndex({_redact(self.url)!r})"

    @property
    def closed_error(self) -> type[Exception]:  # type: ignore[override]
        import psycopg

        return psycopg.ProgrammingError

    # ----------------------------------------------------------------------------- connections

    def _connect_kwargs(self) -> dict[str, Any]:
        from psycopg.conninfo import conninfo_to_dict

        given = conninfo_to_dict(self.url)
        kwargs: dict[str, Any] = {}
        if "connect_timeout" not in given:
            kwargs["connect_timeout"] = max(1, round(self.connect_timeout_s))
        if "application_name" not in given:
            kwargs["application_name"] = "s3_ingest"
        return kwargs

    def _pool(self) -> ConnectionPool:
        self._check_fork()
        pool = self._pool_instance
        if pool is not None:
            return pool
        from psycopg_pool import ConnectionPool

        with self._lock:
            self._ready()
            if self._pool_instance is None:
                pool = ConnectionPool(
                    self.url,
                    kwargs={**self._connect_kwargs(), "autocommit": True},
                    min_size=self.min_connections,
                    max_size=self.max_connections,
                    configure=_configure_connection,
                    check=ConnectionPool.check_connection,
                    timeout=self.pool_timeout_s,
                    name="s3_ingest-index",
                    open=False,
                )
                pool.open(wait=False)
                self._pool_instance = pool
            return self._pool_instance

    def _forget_after_fork(self) -> None:
        # Keep the parent's pool referenced, so nothing ever closes it from here.
        if self._pool_instance is not None:
            self._abandoned.append(self._pool_instance)
        self._pool_instance = None

    def _release(self) -> None:
        pool, self._pool_instance = self._pool_instance, None
        if pool is not None:
            pool.close()

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        with self._pool().connection() as conn, conn.transaction():
            yield conn

    def _lock_source(self, conn: psycopg.Connection, source: str) -> None:
        # READ COMMITTED lets two limited writers of one source each trim against a state
        # without the other's rows; one at a time, each trims against the other's commit.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('s3_ingest_limit:' || %s))", (source,))

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection]:
        with self._pool().connection() as conn:
            yield conn

    def _is_transient(self, error: BaseException) -> bool:
        import psycopg.errors

        return isinstance(error, psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure)

    def _retry_limits(self) -> tuple[int, float]:
        return _WRITE_RETRIES, _RETRY_BACKOFF_S

    def _write_rows(self, conn: psycopg.Connection, upsert: str, rows: list[Any]) -> None:
        with conn.cursor() as cursor:
            cursor.execute(_STAGING_DDL)
            with cursor.copy(_STAGING_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(_STAGED_UPSERT)

    # ---------------------------------------------------------------------------------- schema

    def _create_schema(self) -> None:
        """Create or migrate the schema, under a transaction-level advisory lock.

        A dedicated connection (not the pool) so that an unreachable server fails here at once
        with libpq's own message rather than as a pool timeout.
        """
        import psycopg

        try:
            self._create_schema_on_new_connection()
        except (psycopg.OperationalError, psycopg.errors.InsufficientPrivilege,
                psycopg.errors.FeatureNotSupported, psycopg.errors.UndefinedFile) as exc:
            # Said in one line naming the index and the fix, wherever it is first opened.
            raise explain_postgres(exc, self.url) from None

    def _create_schema_on_new_connection(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, **self._connect_kwargs()) as conn:
            _configure_connection(conn)
            with conn.transaction():
                # Concurrent first uses (several processes opening a new database at once)
                # queue here; the second finds the work done.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('s3_ingest_index_schema'))")
                schema = conn.execute("SELECT current_schema()").fetchone()
                if schema is None or schema[0] is None:
                    raise RuntimeError(
                        f"{self!r}: no schema to create the index in (the search_path names "
                        "no existing schema)"
                    )
                migrate(conn, self, sql.Identifier(schema[0]).as_string(conn) + ".")
                if self.unaccent is None:
                    self.unaccent = config_uses_unaccent(conn)
                self.vector_search_unavailable = None if enable_pgvector(conn) else NO_PGVECTOR
                if self.vector_search_unavailable is None:  # issue 19: HNSW where pgvector is
                    ensure_hnsw(conn, sql.Identifier(schema[0]).as_string(conn) + ".")

    def schema_version(self, conn: psycopg.Connection) -> int:
        exists = conn.execute(
            "SELECT to_regclass('s3_ingest_schema_version') IS NOT NULL"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = conn.execute("SELECT max(version) FROM s3_ingest_schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def record_schema_version(self, conn: psycopg.Connection, version: int) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS s3_ingest_schema_version ("
            "version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("INSERT INTO s3_ingest_schema_version (version) VALUES (%s)", (version,))

    def search_schema_v1(self, conn: psycopg.Connection, prefix: str) -> SearchSchema:
        schema, self.unaccent = text_search_schema_v1(conn, prefix)
        return schema

    def search_schema_v2(self, conn: psycopg.Connection, prefix: str) -> SearchSchema:
        return chunk_search_schema_v2(prefix)

    def vector_search_v4(self, conn: psycopg.Connection, prefix: str) -> None:
        """Nothing to migrate: pgvector's HNSW indexes are made where the extension is
        (postgres_vectors.py), and `chunks.code` stays NULL here."""

    def _code_param(self, blob: bytes | None) -> None:
        return None  # pgvector's HNSW does the coarse step on this backend

    # ---------------------------------------------------------------------------------- search

    vector_search_unavailable: str | None = None  # set when the schema is first ensured

    def _vector_param(self, blob: bytes | None) -> Any:
        import array

        return None if blob is None else array.array("f", blob).tolist()

    def _vector_value(self, stored: Any) -> bytes | None:
        import array

        return None if stored is None else array.array("f", stored).tobytes()

    def _search_chunks(self, query: str | None, vector: bytes | None, model: str | None,
                       filters: SearchFilters | None, limit: int, depth: int, rrf_k: int
                       ) -> list[tuple[Any, ...]]:
        """As SqliteIndex.search_chunks; a vector without pgvector raises RuntimeError."""
        self._read(lambda conn: None)  # the schema (and the pgvector check) comes first
        if vector is not None and self.vector_search_unavailable:
            raise RuntimeError(self.vector_search_unavailable)
        tsquery = ts_query(query) if query else None
        if (tsquery is None and vector is None) or limit <= 0:
            return []
        floats = self._vector_param(vector)
        filters = filters or SearchFilters()

        def work(conn: Any) -> list[tuple[Any, ...]]:
            candidates = None
            if floats is not None and model is not None and filters == SearchFilters():
                candidates = hnsw_ranking(conn, floats, model, depth)  # postgres_vectors.py
            sql, params = fused_statement(
                filters, tsquery=tsquery, vector=floats, model=model, depth=depth,
                limit=limit, rrf_k=rrf_k, values=self.values, candidates=candidates,
            )
            return conn.execute(sql, params).fetchall()

        return self._read(work)


    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 10
    ) -> list[SearchHit]:
        tsquery = ts_query(query)
        if tsquery is None or limit <= 0:
            return []
        statement = search_statement(tsquery, filters or SearchFilters(), limit, self.values)
        if statement is None:
            return []
        sql, params = statement
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        return search_hits(rows, self.values)


def _configure_connection(conn: psycopg.Connection) -> None:
    """Every connection: UTC session time zone, and server notices (such as a query word that
    is dropped as unindexable) kept out of the logs."""
    conn.add_notice_handler(lambda diagnostic: None)
    conn.execute("SET TIME ZONE 'UTC'")
    if not conn.autocommit:
        conn.commit()


def _redact(url: str) -> str:
    """The URL with its password (if any) replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
