"""The default index backend: one embedded SQLite file, searched with FTS5 (sqlite_fts.py).

Layout (schema.py, version recorded in ``PRAGMA user_version``): the shared ``documents`` and
``failures`` tables, plus an FTS5 *external-content* table ``documents_fts`` over (title, text,
key) that triggers keep in step with ``documents``.

Concurrency: the file is opened in WAL mode, so readers never block the (single) writer and vice
versa. Several threads of one process and several processes (e.g. two Dagster runs) may use the
same file at once; writes take the write lock up front with ``BEGIN IMMEDIATE`` (a deferred
transaction that later upgrades to a write lock can fail with SQLITE_BUSY *without* waiting on
the busy handler), wait up to ``busy_timeout_s`` inside SQLite, and on top of that are retried a
few times with backoff (retry.py) if SQLite still reports the database as locked.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from s3_ingest.core.index.base import SearchFilters, SearchHit
from s3_ingest.core.index.retry import retrying
from s3_ingest.core.index.rows import Values, search_hit, utc
from s3_ingest.core.index.schema import SCHEMA_VERSION, ColumnTypes, SearchSchema, migrate
from s3_ingest.core.index.sqlite_fts import FTS_SCHEMA_V1, encodable, fts_query, search_statement
from s3_ingest.core.index.sqlite_chunks import CHUNK_FTS_SCHEMA, fused_statement
from s3_ingest.core.index.sqlite_codes import migrate_codes_v4
from s3_ingest.core.index.sqlite_vectors import VectorConnections
from s3_ingest.core.index.sqlite_vector_search import VectorSearchSettings, vector_candidates
from s3_ingest.core.index.store import SqlIndex

__all__ = ["SCHEMA_VERSION", "SqliteIndex", "fts_query"]

# Retries of a whole read or transaction after SQLite gave up waiting (busy_timeout) on a lock.
_LOCK_RETRIES = 5
_LOCK_BACKOFF_S = 0.1


class _SqliteValues(Values):
    """Times as UTC ISO-8601 text with microseconds (fixed width, so text order is time order);
    JSON as text."""

    def time(self, value: datetime) -> str:
        return utc(value).isoformat(timespec="microseconds")

    def parse_time(self, value: str) -> datetime:
        return datetime.fromisoformat(value)

    def parse_json(self, value: str) -> dict[str, Any]:
        import json

        return json.loads(value)


class SqliteIndex(SqlIndex):
    """A `DocumentIndex` in one SQLite file (created, with its parent directories, on first use).

    Threading: one connection per thread (``threading.local``) rather than one connection behind
    a lock. In WAL mode SQLite lets any number of readers run alongside the writer, and the
    sqlite3 module releases the GIL while a statement runs, so a search from one thread proceeds
    while another thread holds a long upsert transaction; a shared connection would serialise
    them all and would also share one transaction state between threads. Writers across threads
    and processes are serialised by SQLite's own file lock (``BEGIN IMMEDIATE`` + busy_timeout).
    Connections are opened with check_same_thread=False only so that `close` can close every
    thread's connection; each connection is otherwise used by its own thread alone.
    """

    values = _SqliteValues()
    closed_error = sqlite3.ProgrammingError
    column_types = ColumnTypes(
        row_id="INTEGER PRIMARY KEY", text="TEXT", key="TEXT", integer="INTEGER",
        time="TEXT", json="TEXT",
    )  # fmt: skip

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_s: float = 30.0) -> None:
        super().__init__()
        text_path = os.fspath(path)
        if not text_path or text_path == ":memory:":
            raise ValueError(
                f"SqliteIndex needs a file path, got {text_path!r} (one connection per thread "
                "cannot share an in-memory database)"
            )
        self.path = Path(text_path).expanduser()
        self.busy_timeout_s = float(busy_timeout_s)
        self._local = threading.local()
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._vectors = VectorConnections(self.path, self.busy_timeout_s)

    def __repr__(self) -> str:
        return f"SqliteIndex({str(self.path)!r})"

    # ----------------------------------------------------------------------------- connections

    def _connection(self) -> sqlite3.Connection:
        self._check_fork()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise sqlite3.ProgrammingError(f"{self!r} is closed")
        with self._lock:
            self._ready()
            conn = self._open()
            self._prune_dead_threads()
            self._connections.append((threading.current_thread(), conn))
        self._local.conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout_s,  # sets sqlite3_busy_timeout
            isolation_level=None,  # autocommit: transactions are explicit (BEGIN IMMEDIATE)
            check_same_thread=False,  # see the class docstring
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
        except BaseException:
            conn.close()
            raise
        return conn

    def _prune_dead_threads(self) -> None:
        """Close the connections of threads that have ended (called with the lock held)."""
        alive = []
        for thread, conn in self._connections:
            if thread.is_alive():
                alive.append((thread, conn))
            else:
                conn.close()
        self._connections = alive

    def _forget_after_fork(self) -> None:
        self._vectors.forget()
        self._local = threading.local()
        self._connections = []

    def _release(self) -> None:
        self._vectors.close()
        connections, self._connections = self._connections, []
        for _, conn in connections:
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with _immediate(self._connection()) as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        yield self._connection()

    def _is_transient(self, error: BaseException) -> bool:
        if not isinstance(error, sqlite3.OperationalError):
            return False
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        message = str(error).lower()
        return "locked" in message or "busy" in message

    def _retry_limits(self) -> tuple[int, float]:
        return _LOCK_RETRIES, _LOCK_BACKOFF_S

    # ---------------------------------------------------------------------------------- schema

    def _create_schema(self) -> None:
        conn = self._open()
        try:
            limits = self._retry_limits()
            get_mode = lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]  # noqa: E731
            mode = retrying(get_mode, self._is_transient, *limits)
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(
                    f"could not put {self.path} in WAL mode (journal_mode={mode})"
                )

            def attempt() -> None:
                with _immediate(conn):
                    migrate(conn, self)

            retrying(attempt, self._is_transient, *limits)
        finally:
            conn.close()

    def schema_version(self, conn: sqlite3.Connection) -> int:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def record_schema_version(self, conn: sqlite3.Connection, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")

    def search_schema_v1(self, conn: sqlite3.Connection, prefix: str) -> SearchSchema:
        return SearchSchema(after=FTS_SCHEMA_V1)

    def search_schema_v2(self, conn: sqlite3.Connection, prefix: str) -> SearchSchema:
        return SearchSchema(after=CHUNK_FTS_SCHEMA)

    def vector_search_v4(self, conn: sqlite3.Connection, prefix: str) -> None:
        migrate_codes_v4(conn)

    # ---------------------------------------------------------------------------------- search

    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 10
    ) -> list[SearchHit]:
        match = fts_query(encodable(query))
        if match is None or limit <= 0:
            return []
        sql, params = search_statement(match, filters or SearchFilters(), limit)
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        return [search_hit(row, self.values) for row in rows]

    vector_search_unavailable: str | None = None  # sqlite-vec ships with the package
    # Issue 19: when semantic search scans codes before comparing vectors (sqlite_vector_search).
    vector_search = VectorSearchSettings()

    def warm_vector_search(self, model: str) -> None:
        """Start loading `model`'s codes in the background (issue 19): a caller about to embed
        a query calls this first, and the load runs while the query is embedded."""
        self._connection()  # the schema exists before the vector connection opens the file
        self._vectors.warm(model)

    def _search_chunks(self, query: str | None, vector: bytes | None, model: str | None,
                       filters: SearchFilters | None, limit: int, depth: int, rrf_k: int
                       ) -> list[tuple[Any, ...]]:
        """Chunks ranked by keyword (`query`), by vector (`vector` of `model`) or both fused
        (sqlite_chunks.fused_statement): HIT_COLUMNS, score, keyword rank, semantic rank."""
        match = fts_query(encodable(query)) if query else None
        if (match is None and vector is None) or limit <= 0:
            return []
        self._connection()  # the schema exists before the vector connection opens the file
        filters = filters or SearchFilters()

        def work(conn: Any) -> list[tuple[Any, ...]]:
            candidates = None
            if vector is not None and model is not None:
                candidates = vector_candidates(self, conn, filters, vector, model, depth)
            sql, params = fused_statement(
                filters, match=match, vector=vector, model=model, depth=depth, limit=limit,
                rrf_k=rrf_k, candidates=candidates,
            )
            return list(conn.execute(sql, params))

        return retrying(lambda: self._vectors.in_snapshot(work), _apsw_busy,
                        *self._retry_limits())


def _apsw_busy(error: BaseException) -> bool:
    import apsw

    return isinstance(error, (apsw.BusyError, apsw.LockedError))


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One BEGIN IMMEDIATE transaction: committed on exit, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the original error matters more; SQLite rolls back on close
        raise
