"""The index store written once for every SQL backend: upserts, deletes, manifests, failures and
counts over a DB-API connection, plus the life cycle every backend shares (schema set up once per
instance, fork safety, closing) and the one place reads and writes are retried.

A backend subclass says only how it connects (`_transaction`, `_reading`, `_open_resources`,
`_release`), which errors are worth a retry, how it stores times and JSON (`values`), and how it
searches. Statements are written with ``?`` placeholders; a backend whose driver wants ``%s``
sets `paramstyle`.
"""

from __future__ import annotations

import os
import threading
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any, TypeVar

from s3_ingest.core.documents import Document
from s3_ingest.core.index.base import (
    DocumentIndex, FailureRecord, ManifestEntry, PartitionSummary,
)
from s3_ingest.core.index.chunk_store import ChunkStore
from s3_ingest.core.index.columns import COLUMNS, DOCUMENT_COLUMNS, UPDATABLE
from s3_ingest.core.index.retry import retrying
from s3_ingest.core.index.rows import Values, document_row, row_document

T = TypeVar("T")

# Keys per `IN (...)` list: far below every driver's and server's parameter limit.
_KEYS_PER_STATEMENT = 500

_UPSERT = (
    f"INSERT INTO documents ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
    "ON CONFLICT (source, key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in UPDATABLE)
)
_MANIFEST = ("SELECT key, etag, size, last_modified, version_id, "
             "d.status = 'metadata_only' AND substr(d.reason, 1, 8) = 'archived' "
             "FROM documents AS d ")
# The n-th key of a source (OFFSET n - 1): code point order in both backends.
_NTH_KEY = "SELECT key FROM documents WHERE source = ? ORDER BY key LIMIT 1 OFFSET ?"
_FAILURE_UPSERT = (
    "INSERT INTO failures (source, key, partition, reason, failed_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (source, key) DO UPDATE SET partition = excluded.partition, "
    "reason = excluded.reason, failed_at = excluded.failed_at"
)


def _doc_hash(text: str | None) -> str:
    """The doc_hash chunks cut from this text carry ('' when there is nothing to cut)."""
    from s3_ingest.core.index.vectors import text_hash

    return text_hash(text) if text and text.strip() else ""


class SqlIndex(ChunkStore, DocumentIndex):
    values: Values = Values()
    paramstyle = "qmark"  # or "format" (%s)
    closed_error: type[Exception] = RuntimeError  # what a closed index raises, per driver

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schema_ready = False
        self._closed = False
        self._pid = os.getpid()

    def __enter__(self) -> SqlIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------------ backend duties

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]:
        """A connection inside one transaction: committed on exit, rolled back on an error."""

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Any]:
        """A connection to read with (no transaction of its own needed)."""

    @abstractmethod
    def _create_schema(self) -> None:
        """Create or migrate the schema (see schema.migrate); called once per instance."""

    @abstractmethod
    def _forget_after_fork(self) -> None:
        """Drop (never close) the connections a forked child inherited from its parent."""

    @abstractmethod
    def _release(self) -> None:
        """Close this process's connections."""

    @abstractmethod
    def _is_transient(self, error: BaseException) -> bool:
        """Whether running the same work again may succeed."""

    @abstractmethod
    def _retry_limits(self) -> tuple[int, float]:
        """(retries, first backoff in seconds), read at each call so tests can tune them."""

    def _write_rows(self, conn: Any, upsert: str, rows: list[tuple[Any, ...]]) -> None:
        """Upsert document rows, in the given order; a backend may load them faster its way."""
        conn.cursor().executemany(upsert, rows)

    # --------------------------------------------------------------------------- life cycle

    def _ready(self) -> None:
        """Called under `_lock` before a backend opens connections for this process."""
        if self._closed:
            raise self.closed_error(f"{self!r} is closed")
        if not self._schema_ready:
            self._create_schema()
            self._schema_ready = True

    def _check_fork(self) -> None:
        """A connection must never be used by two processes: a forked child starts afresh."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._forget_after_fork()
                    self._pid = os.getpid()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._pid == os.getpid():  # a forked child never touches its parent's connections
                self._release()

    def _write(self, work: Callable[[Any], T]) -> T:
        def attempt() -> T:
            with self._transaction() as conn:
                return work(conn)

        return retrying(attempt, self._is_transient, *self._retry_limits())

    def _read(self, work: Callable[[Any], T]) -> T:
        def attempt() -> T:
            with self._reading() as conn:
                return work(conn)

        return retrying(attempt, self._is_transient, *self._retry_limits())

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.paramstyle == "format" else statement

    def _where(self, **equals: str | None) -> tuple[str, list[Any]]:
        """`WHERE d.col = ? AND ...` for the given non-None values (column names are ours)."""
        given = {column: value for column, value in equals.items() if value is not None}
        clauses = " AND ".join(f"d.{column} = ?" for column in given)
        return ("WHERE " + clauses) if clauses else "", [self.values.text(v) for v in given.values()]

    def _keys(self, keys: Iterable[str]) -> list[str]:
        """Distinct keys in order: writers that lock rows in one order cannot deadlock."""
        return sorted({self.values.text(key) for key in keys})

    @staticmethod
    def _chunks(keys: list[str]) -> Iterator[tuple[str, list[str]]]:
        for start in range(0, len(keys), _KEYS_PER_STATEMENT):
            chunk = keys[start : start + _KEYS_PER_STATEMENT]
            yield f"({', '.join('?' for _ in chunk)})", chunk

    # ------------------------------------------------------------------------------- writes

    def upsert(self, documents: Iterable[Document], document_limit: int | None = None) -> int:
        batch = list(documents)
        if not batch:
            return 0
        sql = self._sql(_UPSERT)
        sources = sorted({self.values.text(doc.source) for doc in batch})

        def work(conn: Any) -> int:
            if document_limit is not None:
                for source in sources:  # taken first and in one order: writers cannot deadlock
                    self._lock_source(conn, source)
            indexed_at = self.values.time(datetime.now(timezone.utc))
            # Rows are built inside the transaction: a document that cannot be stored raises and
            # the whole batch rolls back. The last of several documents with one key wins.
            rows: dict[tuple[str, str], tuple[Any, ...]] = {}
            for doc in batch:
                row = document_row(doc, indexed_at, self.values)
                rows[(row[0], row[2])] = row
            self._write_rows(conn, sql, [rows[k] for k in sorted(rows)])
            # Chunks cut from text a document no longer has leave search in the same
            # transaction (chunk_coverage.py).
            self._supersede_chunks(conn, [(s, k, rows[(s, k)][4], _doc_hash(rows[(s, k)][14]))
                                          for s, k in sorted(rows)])
            if document_limit is not None:
                for source in sources:
                    self._keep_first(conn, source, document_limit)
            return len(batch)

        return self._write(work)

    def _keep_first(self, conn: Any, source: str, limit: int) -> None:
        """document_limit, inside the writing transaction: the source keeps its first `limit`
        keys (with their chunks), so a key written before others displaces them."""
        nth = conn.execute(self._sql(_NTH_KEY), (source, limit - 1)).fetchone()
        if nth is None:
            return  # fewer documents than the limit
        for table in ("chunks", "chunks_staged", "documents"):
            conn.execute(self._sql(f"DELETE FROM {table} WHERE source = ? AND key > ?"),
                         (source, nth[0]))

    def _lock_source(self, conn: Any, source: str) -> None:
        """Serialise the limited writers of one source until the transaction ends (a backend
        whose write transactions are already serial has nothing to do)."""

    def delete(self, source: str, keys: Iterable[str]) -> int:
        unique = self._keys(keys)
        if not unique:
            return 0
        source = self.values.text(source)

        def work(conn: Any) -> int:
            deleted = 0
            for marks, chunk in self._chunks(unique):
                sql = self._sql(f"DELETE FROM documents WHERE source = ? AND key IN {marks}")
                deleted += conn.execute(sql, [source, *chunk]).rowcount
            return deleted

        return self._write(work)

    def delete_source(self, source: str, partition: str | None = None) -> int:
        where, params = self._where(source=source, partition=partition)
        sql = self._sql(f"DELETE FROM documents AS d {where}")
        # A source or partition that goes (housekeeping) takes its chunks along, staged ones
        # too: no chunks run is left to clean up after it.
        chunks = [self._sql(f"DELETE FROM {table} AS d {where}")
                  for table in ("chunks", "chunks_staged")]

        def work(conn: Any) -> int:
            for statement in chunks:
                conn.execute(statement, params)
            return conn.execute(sql, params).rowcount

        return self._write(work)

    def record_failures(
        self,
        source: str,
        partition: str,
        failures: Iterable[tuple[str, str]],
        only_keys: Iterable[str] | None = None,
    ) -> None:
        text = self.values.text
        source, partition = text(source), text(partition)
        now = self.values.time(datetime.now(timezone.utc))
        latest = {text(key): text(reason) for key, reason in failures}
        rows = [(source, key, partition, latest[key], now) for key in sorted(latest)]
        keys = None if only_keys is None else self._keys(only_keys)

        exists = self._sql("SELECT 1 FROM failures WHERE source = ? AND partition = ? LIMIT 1")
        had_failures = self._read(lambda c: c.execute(exists, (source, partition)).fetchone())
        if not rows and had_failures is None:
            return  # nothing failed now or before: a clean re-run writes nothing at all

        def work(conn: Any) -> None:
            if keys is None:
                sql = self._sql("DELETE FROM failures WHERE source = ? AND partition = ?")
                conn.execute(sql, (source, partition))
            for marks, chunk in self._chunks(keys or []):
                sql = self._sql(f"DELETE FROM failures WHERE source = ? AND key IN {marks}")
                conn.execute(sql, [source, *chunk])
            if rows:
                conn.cursor().executemany(self._sql(_FAILURE_UPSERT), rows)

        self._write(work)

    # -------------------------------------------------------------------------------- reads

    def manifest(self, source: str, partition: str | None = None) -> dict[str, ManifestEntry]:
        return self._manifest(*self._where(source=source, partition=partition))

    def manifest_range(
        self, source: str, after: str | None, upto: str | None, partition: str | None = None
    ) -> dict[str, ManifestEntry]:
        # Keys compare in code point order in both backends (SQLite's BINARY collation of
        # UTF-8, PostgreSQL's COLLATE "C"), as in Python and in S3's listings.
        where, params = self._where(source=source, partition=partition)
        for operator, bound in ((">", after), ("<=", upto)):
            if bound is not None:
                where += f" AND d.key {operator} ?"
                params.append(self.values.text(bound))
        return self._manifest(where, params)

    def entries(self, source: str, keys: Iterable[str]) -> dict[str, ManifestEntry]:
        found: dict[str, ManifestEntry] = {}
        for marks, chunk in self._chunks(self._keys(keys)):
            found.update(
                self._manifest(
                    f"WHERE d.source = ? AND d.key IN {marks}",
                    [self.values.text(source), *chunk],
                )
            )
        return found

    def _manifest(self, where: str, params: list[Any]) -> dict[str, ManifestEntry]:
        sql = self._sql(_MANIFEST + where)
        parse, entry = self.values.parse_time, ManifestEntry

        def work(conn: Any) -> dict[str, ManifestEntry]:
            return {
                key: entry(key, etag, size, parse(last_modified), version_id, bool(archived))
                for key, etag, size, last_modified, version_id, archived
                in conn.execute(sql, params)
            }

        return self._read(work)

    def partitions(self, source: str) -> dict[str, int]:
        return self._counts("partition", source=source)

    def sources(self) -> dict[str, int]:
        return self._counts("source")

    def counts_by_status(self, source: str | None = None) -> dict[str, int]:
        return self._counts("status", source=source)

    def partition_summaries(self, source: str) -> list[PartitionSummary]:
        where, params = self._where(source=source)
        sql = self._sql("SELECT d.partition, d.status, count(*), max(d.indexed_at) "
                        f"FROM documents AS d {where} GROUP BY 1, 2")
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        summaries: dict[str, PartitionSummary] = {}
        for partition, status, n, last in sorted(rows, key=lambda r: (r[0], r[1])):
            summary = summaries.setdefault(partition, PartitionSummary(partition, {}, None))
            summary.by_status[status] = int(n)
            when = self.values.parse_time(last)
            if summary.last_written is None or when > summary.last_written:
                summary.last_written = when
        return list(summaries.values())

    def _counts(self, column: str, **equals: str | None) -> dict[str, int]:
        """column value -> document count, in code point order of the values."""
        where, params = self._where(**equals)
        sql = self._sql(f"SELECT d.{column}, count(*) FROM documents AS d {where} GROUP BY 1")
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        return {value: int(n) for value, n in sorted(rows)}

    def count(self, source: str | None = None, partition: str | None = None) -> int:
        where, params = self._where(source=source, partition=partition)
        sql = self._sql(f"SELECT count(*) FROM documents AS d {where}")
        row = self._read(lambda conn: conn.execute(sql, params).fetchone())
        return int(row[0]) if row else 0

    def nth_key(self, source: str, n: int) -> str | None:
        params = (self.values.text(source), n - 1)
        row = self._read(lambda conn: conn.execute(self._sql(_NTH_KEY), params).fetchone())
        return None if row is None else row[0]

    def failures(self, source: str | None = None) -> list[FailureRecord]:
        where, params = self._where(source=source)
        sql = self._sql(f"SELECT source, key, partition, reason, failed_at FROM failures AS d {where}")
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        parse = self.values.parse_time
        return [
            FailureRecord(src, key, part, reason, parse(at))
            for src, key, part, reason, at in sorted(rows, key=lambda r: (r[0], r[1]))
        ]

    def not_indexed(self, source: str | None = None) -> list[tuple[str, str, str, str | None]]:
        where, params = self._where(source=source)
        where += (" AND " if where else "WHERE ") + "d.status <> 'indexed'"
        sql = self._sql(f"SELECT d.source, d.key, d.status, d.reason FROM documents AS d {where}")
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        return [tuple(row) for row in sorted(rows, key=lambda r: (r[0], r[1]))]

    def get(self, source: str, key: str) -> Document | None:
        sql = self._sql(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE source = ? AND key = ?")
        params = (self.values.text(source), self.values.text(key))
        row = self._read(lambda conn: conn.execute(sql, params).fetchone())
        return None if row is None else row_document(row, self.values)
