"""The default index backend: one embedded SQLite file with an FTS5 full-text index.

Layout (schema version 1, recorded in ``PRAGMA user_version``):

* ``documents`` - a rowid table holding every field of a `Document`, UNIQUE(source, key), plus an
  index on (source, partition) for manifests and partition deletes.
* ``documents_fts`` - an FTS5 *external-content* table over (title, text, key) that reads its
  content from ``documents``; triggers on insert/update/delete keep it in step, so the text is
  stored once.

Concurrency: the file is opened in WAL mode, so readers never block the (single) writer and vice
versa. Several threads of one process and several processes (e.g. two Dagster runs) may use the
same file at once; writes take the write lock up front with ``BEGIN IMMEDIATE`` (a deferred
transaction that later upgrades to a write lock can fail with SQLITE_BUSY *without* waiting on
the busy handler), wait up to ``busy_timeout_s`` inside SQLite, and on top of that are retried a
few times with backoff if SQLite still reports the database as locked.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from s3_ingest.core.documents import Document
from s3_ingest.core.index.columns import COLUMNS, DOCUMENT_COLUMNS, UPDATABLE
from s3_ingest.core.index.query_words import QUERY_TOKEN
from s3_ingest.core.index.base import (
    DocumentIndex,
    FailureRecord,
    ManifestEntry,
    SearchFilters,
    SearchHit,
)

SCHEMA_VERSION = 1

# Ranking: bm25 weights for the FTS columns (title, text, key). A title match says much more
# about what a document is than one word somewhere in its body; the key (path) sits in between.
BM25_WEIGHTS = (5.0, 1.0, 2.0)
_RANK_FUNCTION = "bm25({:.1f}, {:.1f}, {:.1f})".format(*BM25_WEIGHTS)

SNIPPET_TOKENS = 12
SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_ELLIPSIS = "[", "]", "…"

# Retries of a whole transaction after SQLite gave up waiting (busy_timeout) on a lock.
_LOCK_RETRIES = 5
_LOCK_BACKOFF_S = 0.1

T = TypeVar("T")

# Tokenizer choice: 'porter unicode61 remove_diacritics 2'.
# * unicode61 splits on Unicode separators/punctuation and case-folds every script, so keys like
#   "reports/2024/q1-summary.pdf" are searchable by their parts;
# * remove_diacritics 2 folds accents (including on characters with several combining marks), so
#   "resume" finds "résumé" - people rarely type the accents;
# * porter stems English words on top ("running" finds "run", "reports" finds "report"). The
#   corpus is mostly English prose, and for free text typed by humans recall matters more than
#   the rare false friend the stemmer conflates. Snippets still show the original words.
_TOKENIZER = "porter unicode61 remove_diacritics 2"


_UPSERT_SQL = (
    f"INSERT INTO documents ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)}) "
    "ON CONFLICT(source, key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in UPDATABLE)
)


_SCHEMA_V1 = (
    """
    CREATE TABLE IF NOT EXISTS documents (
        id            INTEGER PRIMARY KEY,
        source        TEXT NOT NULL,
        bucket        TEXT NOT NULL,
        key           TEXT NOT NULL,
        rel_path      TEXT NOT NULL,
        partition     TEXT NOT NULL,
        size          INTEGER NOT NULL,
        etag          TEXT NOT NULL,
        last_modified TEXT NOT NULL,   -- ISO-8601, UTC, microseconds: sorts as text
        content_type  TEXT,
        version_id    TEXT,
        storage_class TEXT,
        metadata      TEXT NOT NULL DEFAULT '{}',   -- JSON object
        tags          TEXT NOT NULL DEFAULT '{}',   -- JSON object
        title         TEXT,
        text          TEXT,
        status        TEXT NOT NULL,
        reason        TEXT,
        indexed_at    TEXT NOT NULL,
        UNIQUE (source, key)
    )
    """,
    "CREATE INDEX IF NOT EXISTS documents_source_partition ON documents (source, partition)",
    # Objects the last run of their partition could not fetch, for users to query later.
    """
    CREATE TABLE IF NOT EXISTS failures (
        source    TEXT NOT NULL,
        key       TEXT NOT NULL,
        partition TEXT NOT NULL,
        reason    TEXT NOT NULL,
        failed_at TEXT NOT NULL,
        UNIQUE (source, key)
    )
    """,
    f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
        title, text, key,
        content = 'documents',
        content_rowid = 'id',
        tokenize = '{_TOKENIZER}'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS documents_fts_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts (rowid, title, text, key)
        VALUES (new.id, new.title, new.text, new.key);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts (documents_fts, rowid, title, text, key)
        VALUES ('delete', old.id, old.title, old.text, old.key);
    END
    """,
    # Re-upserting an unchanged document (the common case on a re-run) leaves the FTS index alone.
    """
    CREATE TRIGGER IF NOT EXISTS documents_fts_update AFTER UPDATE ON documents
    WHEN old.title IS NOT new.title OR old.text IS NOT new.text OR old.key IS NOT new.key
         OR old.id IS NOT new.id
    BEGIN
        INSERT INTO documents_fts (documents_fts, rowid, title, text, key)
        VALUES ('delete', old.id, old.title, old.text, old.key);
        INSERT INTO documents_fts (rowid, title, text, key)
        VALUES (new.id, new.title, new.text, new.key);
    END
    """,
)

# The MIME part of a stored content type: "Text/HTML; charset=utf-8" -> "text/html".
_MIME_SQL = (
    "lower(trim(CASE WHEN instr(d.content_type, ';') > 0 "
    "THEN substr(d.content_type, 1, instr(d.content_type, ';') - 1) "
    "ELSE d.content_type END))"
)


class SqliteIndex(DocumentIndex):
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

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_s: float = 30.0) -> None:
        text_path = os.fspath(path)
        if not text_path or text_path == ":memory:":
            raise ValueError(
                f"SqliteIndex needs a file path, got {text_path!r} (one connection per thread "
                "cannot share an in-memory database)"
            )
        self.path = Path(text_path).expanduser()
        self.busy_timeout_s = float(busy_timeout_s)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._schema_ready = False
        self._closed = False
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"SqliteIndex({str(self.path)!r})"

    def __enter__(self) -> SqliteIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------- connections

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            # Forked: a SQLite connection must never be used across fork(). Abandon (do not
            # close) the parent's connections and start afresh in this process.
            with self._lock:
                if self._pid != os.getpid():
                    self._local = threading.local()
                    self._connections = []
                    self._pid = os.getpid()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise sqlite3.ProgrammingError(f"{self!r} is closed")
        with self._lock:
            if not self._schema_ready:
                self._ensure_schema()
                self._schema_ready = True
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

    def _ensure_schema(self) -> None:
        conn = self._open()
        try:
            mode = _retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(
                    f"could not put {self.path} in WAL mode (journal_mode={mode})"
                )

            def migrate(c: sqlite3.Connection) -> None:
                version = c.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise RuntimeError(
                        f"{self.path} has index schema version {version}; this code only "
                        f"knows versions up to {SCHEMA_VERSION}"
                    )
                if version < 1:
                    for statement in _SCHEMA_V1:
                        c.execute(statement)
                # Later versions: `if version < 2: ...` here, each step inside this transaction.
                if version < SCHEMA_VERSION:
                    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

            _transaction(conn, migrate)
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
            if self._pid != os.getpid():
                return  # a forked child never touches its parent's connections
            for _, conn in connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._local = threading.local()

    # -------------------------------------------------------------------------------- helpers

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        return _transaction(conn, work)

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        return _retry(lambda: work(conn))

    # ------------------------------------------------------------------------------- writes

    def upsert(self, documents: Iterable[Document]) -> int:
        batch = list(documents)
        if not batch:
            return 0

        def work(conn: sqlite3.Connection) -> int:
            indexed_at = _format_datetime(datetime.now(timezone.utc))
            # Rows are built lazily inside the transaction: a document that cannot be stored
            # (unserialisable metadata, an out-of-range size, a missing field ...) raises
            # mid-batch and the whole batch rolls back.
            conn.executemany(_UPSERT_SQL, (_document_row(d, indexed_at) for d in batch))
            return len(batch)

        return self._write(work)

    def delete(self, source: str, keys: Iterable[str]) -> int:
        params = [(source, key) for key in keys]
        if not params:
            return 0

        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.executemany(
                "DELETE FROM documents WHERE source = ? AND key = ?", params
            )
            return cursor.rowcount

        return self._write(work)

    def delete_source(self, source: str, partition: str | None = None) -> int:
        where, params = _where(source=source, partition=partition)

        def work(conn: sqlite3.Connection) -> int:
            return conn.execute(f"DELETE FROM documents AS d {where}", params).rowcount

        return self._write(work)

    # -------------------------------------------------------------------------------- reads

    def manifest(self, source: str, partition: str | None = None) -> dict[str, ManifestEntry]:
        where, params = _where(source=source, partition=partition)
        sql = f"SELECT key, etag, size, last_modified, version_id FROM documents AS d {where}"
        parse = datetime.fromisoformat
        entry = ManifestEntry

        def work(conn: sqlite3.Connection) -> dict[str, ManifestEntry]:
            return {
                key: entry(key, etag, size, parse(last_modified), version_id)
                for key, etag, size, last_modified, version_id in conn.execute(sql, params)
            }

        return self._read(work)

    def manifest_range(
        self, source: str, after: str | None, upto: str | None, partition: str | None = None
    ) -> dict[str, ManifestEntry]:
        # Keys compare as UTF-8 bytes in SQLite (BINARY collation) and as code points in
        # Python; both orders are the same, and the same as S3's listing order.
        clauses, params = ["d.source = ?"], [source]
        if after is not None:
            clauses.append("d.key > ?")
            params.append(after)
        if upto is not None:
            clauses.append("d.key <= ?")
            params.append(upto)
        if partition is not None:
            clauses.append("d.partition = ?")
            params.append(partition)
        sql = (
            "SELECT key, etag, size, last_modified, version_id FROM documents AS d "
            f"WHERE {' AND '.join(clauses)}"
        )
        parse = datetime.fromisoformat

        def work(conn: sqlite3.Connection) -> dict[str, ManifestEntry]:
            return {
                key: ManifestEntry(key, etag, size, parse(last_modified), version_id)
                for key, etag, size, last_modified, version_id in conn.execute(sql, params)
            }

        return self._read(work)

    def entries(self, source: str, keys: Iterable[str]) -> dict[str, ManifestEntry]:
        keys = list(keys)
        parse = datetime.fromisoformat

        def work(conn: sqlite3.Connection) -> dict[str, ManifestEntry]:
            out: dict[str, ManifestEntry] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = (
                    "SELECT key, etag, size, last_modified, version_id FROM documents "
                    f"WHERE source = ? AND key IN ({marks})"
                )
                for key, etag, size, last_modified, version_id in conn.execute(
                    sql, [source, *chunk]
                ):
                    out[key] = ManifestEntry(key, etag, size, parse(last_modified), version_id)
            return out

        return self._read(work)

    def partitions(self, source: str) -> dict[str, int]:
        sql = "SELECT partition, count(*) FROM documents WHERE source = ? GROUP BY partition"
        return self._read(lambda conn: dict(conn.execute(sql, (source,)).fetchall()))

    def sources(self) -> dict[str, int]:
        sql = "SELECT source, count(*) FROM documents GROUP BY source"
        return self._read(lambda conn: dict(conn.execute(sql).fetchall()))

    def record_failures(
        self,
        source: str,
        partition: str,
        failures: Iterable[tuple[str, str]],
        only_keys: Iterable[str] | None = None,
    ) -> None:
        now = _format_datetime(datetime.now(timezone.utc))
        rows = [(source, key, partition, reason, now) for key, reason in failures]
        keys = None if only_keys is None else list(only_keys)

        exists = "SELECT 1 FROM failures WHERE source = ? AND partition = ? LIMIT 1"
        had_failures = self._read(lambda c: c.execute(exists, (source, partition)).fetchone())
        if not rows and had_failures is None:
            return  # nothing failed now or before: a clean re-run writes nothing at all

        def work(conn: sqlite3.Connection) -> None:
            if keys is None:
                conn.execute(
                    "DELETE FROM failures WHERE source = ? AND partition = ?", (source, partition)
                )
            else:
                conn.executemany(
                    "DELETE FROM failures WHERE source = ? AND key = ?",
                    [(source, key) for key in keys],
                )
            conn.executemany(
                "INSERT INTO failures (source, key, partition, reason, failed_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, key) DO UPDATE SET "
                "partition = excluded.partition, reason = excluded.reason, "
                "failed_at = excluded.failed_at",
                rows,
            )

        self._write(work)

    def failures(self, source: str | None = None) -> list[FailureRecord]:
        where, params = _where(source=source)
        sql = (
            "SELECT source, key, partition, reason, failed_at FROM failures AS d "
            f"{where} ORDER BY source, key"
        )

        def work(conn: sqlite3.Connection) -> list[FailureRecord]:
            return [
                FailureRecord(src, key, part, reason, datetime.fromisoformat(at))
                for src, key, part, reason, at in conn.execute(sql, params)
            ]

        return self._read(work)

    def count(self, source: str | None = None, partition: str | None = None) -> int:
        where, params = _where(source=source, partition=partition)
        sql = f"SELECT count(*) FROM documents AS d {where}"
        return self._read(lambda conn: conn.execute(sql, params).fetchone()[0])

    def counts_by_status(self, source: str | None = None) -> dict[str, int]:
        where, params = _where(source=source)
        sql = f"SELECT status, count(*) FROM documents AS d {where} GROUP BY status ORDER BY status"
        return self._read(lambda conn: dict(conn.execute(sql, params).fetchall()))

    def get(self, source: str, key: str) -> Document | None:
        sql = f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE source = ? AND key = ?"
        row = self._read(lambda conn: conn.execute(sql, (source, key)).fetchone())
        return None if row is None else _row_document(row)

    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 10
    ) -> list[SearchHit]:
        match = fts_query(_encodable(query))
        if match is None or limit <= 0:
            return []
        filters = _encodable_filters(filters or SearchFilters())
        clauses = ["documents_fts MATCH ?", "documents_fts.rank MATCH ?"]
        params: list[object] = [match, _RANK_FUNCTION]
        if filters.source is not None:
            clauses.append("d.source = ?")
            params.append(filters.source)
        if filters.partition is not None:
            clauses.append("d.partition = ?")
            params.append(filters.partition)
        if filters.key_prefix:
            # A plain prefix comparison: no LIKE, so '%' and '_' in keys mean themselves, and
            # keys stay case-sensitive (LIKE folds ASCII case).
            clauses.append("substr(d.key, 1, ?) = ?")
            params += [len(filters.key_prefix), filters.key_prefix]
        if filters.content_type:
            clauses.append(f"{_MIME_SQL} = ?")
            params.append(_mime(filters.content_type))
        for tag_key, tag_value in filters.tags.items():
            # json_each rather than a JSON path: tag keys may hold dots, spaces or quotes.
            clauses.append(
                "EXISTS (SELECT 1 FROM json_each(d.tags) AS t WHERE t.key = ? AND t.value = ?)"
            )
            params += [tag_key, tag_value]
        params.append(int(limit))
        # Module constants, not user values.
        snippet_args = (
            f"'{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '{SNIPPET_ELLIPSIS}', {SNIPPET_TOKENS}"
        )
        # snippet() on the text column picks the best fragment of the body; when only the
        # title/key matched, it returns the start of the text. Documents without text (metadata
        # only) fall back to a snippet of whichever column matched.
        sql = f"""
            SELECT d.source, d.bucket, d.key, d.title, -documents_fts.rank,
                   coalesce(nullif(snippet(documents_fts, 1, {snippet_args}), ''),
                            snippet(documents_fts, -1, {snippet_args}), ''),
                   d.content_type, d.tags, d.size, d.last_modified
            FROM documents_fts JOIN documents AS d ON d.id = documents_fts.rowid
            WHERE {' AND '.join(clauses)}
            ORDER BY documents_fts.rank
            LIMIT ?
        """
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        return [
            SearchHit(
                source=source,
                bucket=bucket,
                key=key,
                title=title,
                score=float(score),
                snippet=snippet,
                content_type=content_type,
                tags=json.loads(tags),
                size=size,
                last_modified=datetime.fromisoformat(last_modified),
            )
            for (
                source,
                bucket,
                key,
                title,
                score,
                snippet,
                content_type,
                tags,
                size,
                last_modified,
            ) in rows
        ]


# ------------------------------------------------------------------------------ query parsing



def fts_query(query: str) -> str | None:
    """Turn free text typed by a human into a safe FTS5 query, or None if nothing is searchable.

    Every word and every "quoted phrase" becomes an FTS5 string (quoted, so operators such as
    AND/OR/NOT/NEAR, column filters `a:b`, `-`, `^`, `(`, `+` lose their meaning), and the parts
    are ANDed. Punctuation inside a part is left to the tokenizer (`foo-bar` is the phrase
    "foo bar", `C++` is "c"). A trailing `*` on a word or phrase makes it a prefix query.
    Parts with nothing the tokenizer would index (`*`, `--`) are dropped.
    """
    if not query:
        return None
    parts: list[str] = []
    for phrase, phrase_star, word in QUERY_TOKEN.findall(query.replace("\x00", " ")):
        if word:
            text, prefix = word.rstrip("*"), word.endswith("*")
        else:
            text, prefix = phrase, bool(phrase_star)
        if not any(ch.isalnum() for ch in text):
            continue
        parts.append('"' + text.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " AND ".join(parts) if parts else None


# ------------------------------------------------------------------------------------ helpers


def _where(**equals: str | None) -> tuple[str, list[str]]:
    """`WHERE d.col = ? AND ...` for the given non-None values (column names are ours)."""
    clauses = [f"d.{column} = ?" for column, value in equals.items() if value is not None]
    params = [value for value in equals.values() if value is not None]
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _encodable(text: str) -> str:
    """Typed text may hold lone surrogates (from a terminal or a bad decode); SQLite takes only
    valid UTF-8, and no stored text holds one, so they can only fail to match."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _encodable_filters(filters: SearchFilters) -> SearchFilters:
    def clean(value: str | None) -> str | None:
        return None if value is None else _encodable(value)

    return SearchFilters(
        source=clean(filters.source),
        key_prefix=clean(filters.key_prefix),
        partition=clean(filters.partition),
        tags={_encodable(k): _encodable(v) for k, v in filters.tags.items()},
        content_type=clean(filters.content_type),
    )


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _format_datetime(value: datetime) -> str:
    """UTC ISO-8601 with microseconds (fixed width, so text order is time order).

    Naive datetimes are taken to be UTC, which is what S3 reports.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _json(value: Mapping[str, object]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)


def _document_row(doc: Document, indexed_at: str) -> tuple[object, ...]:
    return (
        doc.source,
        doc.bucket,
        doc.key,
        doc.rel_path,
        doc.partition,
        doc.size,
        doc.etag,
        _format_datetime(doc.last_modified),
        doc.content_type,
        doc.version_id,
        doc.storage_class,
        _json(doc.metadata),
        _json(doc.tags),
        doc.title,
        doc.text,
        doc.status,
        doc.reason,
        indexed_at,
    )


def _row_document(row: tuple[object, ...]) -> Document:
    (
        source,
        bucket,
        key,
        rel_path,
        partition,
        size,
        etag,
        last_modified,
        content_type,
        version_id,
        storage_class,
        metadata,
        tags,
        title,
        text,
        status,
        reason,
    ) = row
    return Document(
        source=source,  # type: ignore[arg-type]
        bucket=bucket,  # type: ignore[arg-type]
        key=key,  # type: ignore[arg-type]
        rel_path=rel_path,  # type: ignore[arg-type]
        partition=partition,  # type: ignore[arg-type]
        size=size,  # type: ignore[arg-type]
        etag=etag,  # type: ignore[arg-type]
        last_modified=datetime.fromisoformat(last_modified),  # type: ignore[arg-type]
        content_type=content_type,  # type: ignore[arg-type]
        version_id=version_id,  # type: ignore[arg-type]
        storage_class=storage_class,  # type: ignore[arg-type]
        metadata=json.loads(metadata),  # type: ignore[arg-type]
        tags=json.loads(tags),  # type: ignore[arg-type]
        title=title,  # type: ignore[arg-type]
        text=text,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        reason=reason,  # type: ignore[arg-type]
    )


def _is_locked(error: BaseException) -> bool:
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _backoff(attempt: int) -> None:
    delay = _LOCK_BACKOFF_S * (2**attempt)
    time.sleep(delay * (0.5 + random.random()))


def _retry(work: Callable[[], T]) -> T:
    """Run `work`, retrying a few times with backoff while SQLite reports a lock."""
    for attempt in range(_LOCK_RETRIES + 1):
        try:
            return work()
        except sqlite3.OperationalError as error:
            if attempt == _LOCK_RETRIES or not _is_locked(error):
                raise
        _backoff(attempt)
    raise AssertionError("unreachable")


def _transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work` in one BEGIN IMMEDIATE transaction; roll back on any error; retry on locks."""
    for attempt in range(_LOCK_RETRIES + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # the original error matters more; SQLite rolls back on close
                raise
            return result
        except sqlite3.OperationalError as error:
            if attempt == _LOCK_RETRIES or not _is_locked(error):
                raise
        _backoff(attempt)
    raise AssertionError("unreachable")

