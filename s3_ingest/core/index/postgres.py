"""The PostgreSQL index backend: the same `DocumentIndex` as the SQLite file, for several machines.

Open it with ``open_index("postgresql://user:password@host:5432/dbname")``. The schema is created
on first use; the database itself must exist, and the user needs CREATE on it the first time
(and, for accent folding, the right to ``CREATE EXTENSION unaccent`` - a trusted extension since
PostgreSQL 13, so database owners may create it).

Layout (schema version 1, recorded in the ``s3_ingest_schema_version`` table):

* ``documents`` - every field of a `Document`, UNIQUE(source, key), an index on
  (source, partition), and a *generated* ``search_vector tsvector`` column (title weighted 'A',
  key 'B', text 'C') with a GIN index: the full-text index can never drift from the rows.
* ``failures`` - objects the last run of a partition could not fetch.
* the text search configuration ``s3_ingest_search`` and the function
  ``s3_ingest_search_vector(title, key, text)`` behind the generated column.

Search semantics mirror the SQLite/FTS5 backend:

* **Tokens.** FTS5's unicode61 tokenizer splits on every non-alphanumeric character; PostgreSQL's
  default parser instead keeps ``reports/q1-summary.pdf`` as one ``file`` token, ``a@b.com`` as
  one ``email``, ``-5`` as a signed ``int``, ``<b>`` as a ``tag`` ... so keys would not be
  searchable by their parts. Before parsing, the 25 ASCII punctuation characters that the parser
  ever glues into a token are turned into separators (``translate``), on the document side (in the
  generated column), on the query side (in Python) and for snippets (mapped to control characters
  and back, so a snippet shows the original punctuation).
* **Dictionary.** Neither ``simple`` (no stemming: "run" would not find "running") nor
  ``english`` (its stop-word list drops "and", "not", "the": a query for them finds nothing, and
  FTS5 finds them) matches FTS5's ``porter unicode61 remove_diacritics 2``. The configuration
  ``s3_ingest_search`` is a copy of ``simple`` whose word mappings are ``unaccent`` (folds
  "résumé" to "resume"; skipped, with a warning, when the extension cannot be created) followed by
  a Snowball English stemmer *without* a stop-word list. Case is folded by both.
* **Ranking.** ``ts_rank`` with weights A=1.0 (title), B=0.4 (key), C=0.2 (text): the same 5:2:1
  ratio as the SQLite backend's bm25 weights; higher is better, like the SQLite scores.
* **Snippets.** ``ts_headline`` (one fragment of about 12 words, ``[``/``]`` around matches,
  ``…`` where text was cut), from the text, else from the title or key that matched.
* **Queries** are parsed like `s3_ingest.core.index.sqlite.fts_query`: words and "quoted phrases"
  ANDed, a trailing ``*`` for a prefix, operators typed by the user are plain words. The tsquery
  is assembled from quoted, punctuation-free terms, so no input can make ``to_tsquery`` raise.

Known differences from SQLite, all PostgreSQL limits: a tsvector holds at most 1 MB, so the text
of a document is indexed in chunks until that budget is spent (prose of several MB fits - its
vocabulary saturates - but a multi-MB file of unique identifiers is searchable only in its first
part); positions beyond 16,383 are clamped, so *phrase* queries deep into very long texts may
miss; snippets are taken from the first `SNIPPET_SOURCE_CHARS` characters of the text; a query
keeps its first `MAX_QUERY_TERMS` words. NUL characters, which PostgreSQL text cannot hold, are
dropped from everything stored and looked up.

The tables are created in the first schema of the connection's search_path (``public`` unless
the URL says otherwise, e.g. ``?options=-csearch_path%3Dsearch``): give the index a database or a
schema of its own.

Concurrency: a thread-safe connection pool (psycopg_pool) shared by all threads of a process;
after a fork the child opens its own pool and never touches its parent's connections. Every write
is one short transaction; a batch is written in (source, key) order, so concurrent writers lock
rows in the same order and cannot deadlock one another; a deadlock or serialization failure that
happens anyway (say, with a concurrent partition delete) is retried with backoff.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

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

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SEARCH_CONFIG = "s3_ingest_search"

# ts_rank weights in the order {D, C, B, A}: text is C, key B, title A (5:2:1, as in sqlite.py).
RANK_WEIGHTS = (0.1, 0.2, 0.4, 1.0)
# 1: divide the rank by 1 + log(document length), so a long text does not win by volume alone.
RANK_NORMALIZATION = 1

SNIPPET_WORDS = 12
SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_ELLIPSIS = "[", "]", "…"
# ts_headline parses its whole input: it gets at most this much of a document's text.
SNIPPET_SOURCE_CHARS = 100_000
_HEADLINE_OPTIONS = (
    f"StartSel={SNIPPET_OPEN}, StopSel={SNIPPET_CLOSE}, MaxWords={SNIPPET_WORDS}, "
    f"MinWords={SNIPPET_WORDS - 1}, ShortWord=0, MaxFragments=1, "
    f'FragmentDelimiter="{SNIPPET_ELLIPSIS}"'
)

# The search vector: title and key in full (a title is bounded here all the same), the text in
# chunks of _VECTOR_CHUNK_CHARS (cut at whitespace) until the tsvector would pass
# _VECTOR_BUDGET_BYTES (PostgreSQL refuses a tsvector of 1 MB or more).
_VECTOR_TITLE_CHARS = 10_000
_VECTOR_CHUNK_CHARS = 100_000
_VECTOR_BUDGET_BYTES = 900_000

# Query words beyond this many are dropped: a tsquery nests one level per operator (tens of
# thousands of terms exhaust the server's stack), and ts_headline's cost grows with the square of
# the number of terms (1,000 terms: ~0.5 s per hit).
MAX_QUERY_TERMS = 256

# Writes that fail on a deadlock or a serialization failure are retried this many times.
_WRITE_RETRIES = 5
_RETRY_BACKOFF_S = 0.05

T = TypeVar("T")

# The ASCII punctuation PostgreSQL's default text search parser may glue into one token (file
# paths, URLs, e-mail addresses, hyphenated words, numbers with signs or decimals, XML tags and
# entities). The remaining seven - " \ ^ ` { | } - are always separators to it.
_GLUE = "!#$%&'()*+,-./:;<=>?@[]_~"
# For snippets each of them is mapped to a control character (a separator to the parser, and
# never a word character in any locale) and back afterwards; control characters already in the
# text become spaces.
_CONTROLS = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_SNIPPET_CODES = _CONTROLS[: len(_GLUE)]
_SNIPPET_FROM = _GLUE + _CONTROLS
_SNIPPET_TO = _SNIPPET_CODES + " " * len(_CONTROLS)
assert len(_SNIPPET_CODES) == len(_GLUE) and not set(_SNIPPET_CODES) & set("\t\n\r")

# Query side: every ASCII punctuation character and every control character is a separator.
_QUERY_SEPARATORS = str.maketrans(
    {c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + _CONTROLS + "\x00"}
)


# A batch travels by COPY into a session-private staging table (C-accelerated, streamed: no
# statement size limit whatever the documents hold), then lands with one INSERT ... SELECT ...
# ON CONFLICT in (source, key) order. JSON is staged as text and cast on the way.
_STAGING_TYPES = {
    "key": 'text COLLATE "C"',
    "size": "bigint",
    "last_modified": "timestamptz",
    "indexed_at": "timestamptz",
}
_STAGING_DDL = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS s3_ingest_staging ("
    + ", ".join(f"{c} {_STAGING_TYPES.get(c, 'text')}" for c in COLUMNS)
    + ") ON COMMIT DELETE ROWS"
)
_STAGING_COPY = f"COPY s3_ingest_staging ({', '.join(COLUMNS)}) FROM STDIN"
_UPSERT_SQL = (
    f"INSERT INTO documents ({', '.join(COLUMNS)}) "
    "SELECT "
    + ", ".join(f"{c}::jsonb" if c in ("metadata", "tags") else c for c in COLUMNS)
    + ' FROM s3_ingest_staging ORDER BY source COLLATE "C", key '
    "ON CONFLICT (source, key) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATABLE)
)


def _schema_v1(schema: str) -> tuple[str, ...]:
    """The DDL of schema version 1 (`schema` is the quoted schema the objects are created in)."""
    config = f"{schema}.{SEARCH_CONFIG}"
    blanks = " " * len(_GLUE)
    return (
        # No StopWords: every word is searchable, "and" and "not" included (as in FTS5).
        (
            f"CREATE TEXT SEARCH DICTIONARY {schema}.s3_ingest_english_stem"
            " (TEMPLATE = snowball, Language = english)"
        ),
        f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = simple)",
        # Its word mappings (unaccent when available, then the stemmer) are set by
        # PostgresIndex._ensure_schema.
        f"""
        CREATE FUNCTION {schema}.s3_ingest_search_vector(title text, key text, body text)
        RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
        DECLARE
            vector tsvector;
            part tsvector;
            chunk text;
            total integer := coalesce(length(body), 0);
            start integer := 1;
            cut integer;
        BEGIN
            vector := setweight(to_tsvector('{config}'::regconfig,
                                translate(left(coalesce(title, ''), {_VECTOR_TITLE_CHARS}),
                                          $glue${_GLUE}$glue$, '{blanks}')), 'A')
                   || setweight(to_tsvector('{config}'::regconfig,
                                translate(coalesce(key, ''), $glue${_GLUE}$glue$, '{blanks}')),
                                'B');
            WHILE start <= total LOOP
                chunk := substr(body, start, {_VECTOR_CHUNK_CHARS});
                IF start + {_VECTOR_CHUNK_CHARS} <= total THEN
                    -- Cut after the chunk's last whitespace, so no word is split in two.
                    cut := length(chunk) - coalesce(
                        nullif(strpos(reverse(translate(chunk, E'\\t\\n\\r', '   ')), ' '), 0),
                        1) + 1;
                    chunk := left(chunk, cut);
                END IF;
                part := setweight(to_tsvector('{config}'::regconfig,
                                  translate(chunk, $glue${_GLUE}$glue$, '{blanks}')), 'C');
                EXIT WHEN pg_column_size(vector) + pg_column_size(part) > {_VECTOR_BUDGET_BYTES};
                vector := vector || part;
                start := start + length(chunk);
            END LOOP;
            RETURN vector;
        END
        $fn$
        """,
        f"""
        CREATE TABLE {schema}.documents (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            source        text NOT NULL,
            bucket        text NOT NULL,
            key           text COLLATE "C" NOT NULL,  -- byte order = code point order = S3's
            rel_path      text NOT NULL,
            partition     text NOT NULL,
            size          bigint NOT NULL,
            etag          text NOT NULL,
            last_modified timestamptz NOT NULL,
            content_type  text,
            version_id    text,
            storage_class text,
            metadata      jsonb NOT NULL DEFAULT '{{}}',
            tags          jsonb NOT NULL DEFAULT '{{}}',
            title         text,
            text          text,
            status        text NOT NULL,
            reason        text,
            indexed_at    timestamptz NOT NULL,
            search_vector tsvector GENERATED ALWAYS AS
                ({schema}.s3_ingest_search_vector(title, key, text)) STORED,
            UNIQUE (source, key)
        )
        """,
        f"CREATE INDEX documents_source_partition ON {schema}.documents (source, partition)",
        f"CREATE INDEX documents_search ON {schema}.documents USING gin (search_vector)",
        f"""
        CREATE TABLE {schema}.failures (
            source    text NOT NULL,
            key       text COLLATE "C" NOT NULL,
            partition text NOT NULL,
            reason    text NOT NULL,
            failed_at timestamptz NOT NULL,
            UNIQUE (source, key)
        )
        """,
        f"CREATE INDEX failures_source_partition ON {schema}.failures (source, partition)",
    )


class PostgresIndex(DocumentIndex):
    """A `DocumentIndex` in a PostgreSQL database (tables created on first use).

    `max_connections` bounds the pool (one connection per concurrently working thread; a run
    mostly uses one). `connect_timeout_s` bounds each connection attempt, unless the URL sets
    ``connect_timeout`` itself.
    """

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
        self.url = url
        self.min_connections = int(min_connections)
        self.max_connections = max(int(max_connections), self.min_connections, 1)
        self.connect_timeout_s = float(connect_timeout_s)
        self.pool_timeout_s = float(pool_timeout_s)
        self.unaccent: bool | None = None  # known once the schema is in place
        self._lock = threading.Lock()
        self._pool_instance: ConnectionPool | None = None
        self._abandoned: list[object] = []  # a forked child's inherited pools: never touched
        self._schema_ready = False
        self._closed = False
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"PostgresIndex({_redact(self.url)!r})"

    def __enter__(self) -> PostgresIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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
        if self._pid != os.getpid():
            # Forked: a libpq connection must never be used from two processes. Keep the
            # parent's pool referenced (so nothing ever closes it from here) and start afresh.
            with self._lock:
                if self._pid != os.getpid():
                    if self._pool_instance is not None:
                        self._abandoned.append(self._pool_instance)
                    self._pool_instance = None
                    self._pid = os.getpid()
        pool = self._pool_instance
        if pool is not None:
            return pool
        import psycopg
        from psycopg_pool import ConnectionPool

        with self._lock:
            if self._closed:
                raise psycopg.ProgrammingError(f"{self!r} is closed")
            if self._pool_instance is None:
                if not self._schema_ready:
                    self._ensure_schema()
                    self._schema_ready = True
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

    def _ensure_schema(self) -> None:
        """Create or migrate the schema, under a transaction-level advisory lock.

        A dedicated connection (not the pool) so that an unreachable server fails here at once
        with libpq's own message rather than as a pool timeout.
        """
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
                quoted = sql.Identifier(schema[0]).as_string(conn)
                version = self._schema_version(conn)
                if version > SCHEMA_VERSION:
                    raise RuntimeError(
                        f"{self!r} has index schema version {version}; this code only knows "
                        f"versions up to {SCHEMA_VERSION}"
                    )
                if version < 1:
                    unaccent = _create_unaccent(conn)
                    self.unaccent = unaccent is not None
                    for statement in _schema_v1(quoted):
                        conn.execute(statement)
                    dictionaries = (
                        f"{unaccent}, " if unaccent else ""
                    ) + f"{quoted}.s3_ingest_english_stem"
                    conn.execute(
                        f"ALTER TEXT SEARCH CONFIGURATION {quoted}.{SEARCH_CONFIG} ALTER MAPPING "
                        f"FOR asciiword, word, asciihword, hword, hword_asciipart, hword_part "
                        f"WITH {dictionaries}"
                    )
                    conn.execute(
                        f"ALTER TEXT SEARCH CONFIGURATION {quoted}.{SEARCH_CONFIG} ALTER MAPPING "
                        "FOR numword, numhword, hword_numpart WITH "
                        + (f"{unaccent}, simple" if unaccent else "simple")
                    )
                # Later versions: `if version < 2: ...` here, each step inside this transaction.
                if version < SCHEMA_VERSION:
                    conn.execute(
                        f"CREATE TABLE IF NOT EXISTS {quoted}.s3_ingest_schema_version ("
                        "version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                    conn.execute(
                        f"INSERT INTO {quoted}.s3_ingest_schema_version (version) VALUES (%s)",
                        (SCHEMA_VERSION,),
                    )
                if self.unaccent is None:
                    self.unaccent = _config_uses_unaccent(conn)

    @staticmethod
    def _schema_version(conn: psycopg.Connection) -> int:
        exists = conn.execute(
            "SELECT to_regclass('s3_ingest_schema_version') IS NOT NULL"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = conn.execute("SELECT max(version) FROM s3_ingest_schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool_instance = self._pool_instance, None
            if pool is None or self._pid != os.getpid():
                return  # a forked child never touches its parent's connections
        pool.close()

    # -------------------------------------------------------------------------------- helpers

    def _write(self, work: Callable[[psycopg.Connection], T]) -> T:
        """Run `work` in one transaction; roll back on any error; retry deadlocks."""
        import psycopg.errors

        pool = self._pool()
        for attempt in range(_WRITE_RETRIES + 1):
            try:
                with pool.connection() as conn, conn.transaction():
                    return work(conn)
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == _WRITE_RETRIES:
                    raise
            time.sleep(_RETRY_BACKOFF_S * (2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _read(self, work: Callable[[psycopg.Connection], T]) -> T:
        with self._pool().connection() as conn:
            return work(conn)

    # ------------------------------------------------------------------------------- writes

    def upsert(self, documents: Iterable[Document]) -> int:
        batch = list(documents)
        if not batch:
            return 0

        def work(conn: psycopg.Connection) -> int:
            indexed_at = datetime.now(timezone.utc)
            # Rows are built inside the transaction: a document that cannot be stored raises
            # and the whole batch rolls back. The last of several documents with one key wins;
            # (source, key) order makes every writer take its row locks in the same order.
            rows: dict[tuple[str, str], tuple[object, ...]] = {}
            for doc in batch:
                row = _document_row(doc, indexed_at)
                rows[(row[0], row[2])] = row  # type: ignore[index]
            with conn.cursor() as cursor:
                cursor.execute(_STAGING_DDL)
                with cursor.copy(_STAGING_COPY) as copy:
                    for k in sorted(rows):
                        copy.write_row(rows[k])
                cursor.execute(_UPSERT_SQL)
            return len(batch)

        return self._write(work)

    def delete(self, source: str, keys: Iterable[str]) -> int:
        unique = sorted({_clean(key) for key in keys})
        if not unique:
            return 0

        def work(conn: psycopg.Connection) -> int:
            cursor = conn.execute(
                "DELETE FROM documents WHERE source = %s AND key = ANY(%s::text[])",
                (_clean(source), unique),
            )
            return cursor.rowcount

        return self._write(work)

    def delete_source(self, source: str, partition: str | None = None) -> int:
        where, params = _where(source=source, partition=partition)

        def work(conn: psycopg.Connection) -> int:
            return conn.execute(f"DELETE FROM documents AS d {where}", params).rowcount

        return self._write(work)

    # -------------------------------------------------------------------------------- reads

    def manifest(self, source: str, partition: str | None = None) -> dict[str, ManifestEntry]:
        where, params = _where(source=source, partition=partition)
        return self._manifest(where, params)

    def manifest_range(
        self, source: str, after: str | None, upto: str | None, partition: str | None = None
    ) -> dict[str, ManifestEntry]:
        # key is COLLATE "C": byte order of UTF-8, i.e. code point order, i.e. S3's order.
        clauses, params = ["d.source = %s"], [_clean(source)]
        if after is not None:
            clauses.append("d.key > %s")
            params.append(_clean(after))
        if upto is not None:
            clauses.append("d.key <= %s")
            params.append(_clean(upto))
        if partition is not None:
            clauses.append("d.partition = %s")
            params.append(_clean(partition))
        return self._manifest(f"WHERE {' AND '.join(clauses)}", params)

    def _manifest(self, where: str, params: list[Any]) -> dict[str, ManifestEntry]:
        sql = f"SELECT key, etag, size, last_modified, version_id FROM documents AS d {where}"
        entry = ManifestEntry

        def work(conn: psycopg.Connection) -> dict[str, ManifestEntry]:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return {
                    key: entry(key, etag, size, _utc(last_modified), version_id)
                    for key, etag, size, last_modified, version_id in cursor
                }

        return self._read(work)

    def entries(self, source: str, keys: Iterable[str]) -> dict[str, ManifestEntry]:
        wanted = sorted({_clean(key) for key in keys})
        if not wanted:
            return {}
        return self._manifest(
            "WHERE d.source = %s AND d.key = ANY(%s::text[])", [_clean(source), wanted]
        )

    def partitions(self, source: str) -> dict[str, int]:
        sql = "SELECT partition, count(*) FROM documents WHERE source = %s GROUP BY partition"
        return self._read(lambda conn: dict(conn.execute(sql, (_clean(source),)).fetchall()))

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
        source, partition = _clean(source), _clean(partition)
        now = datetime.now(timezone.utc)
        latest = {_clean(key): _clean(reason) for key, reason in failures}
        rows = [(source, key, partition, latest[key], now) for key in sorted(latest)]
        keys = None if only_keys is None else sorted({_clean(key) for key in only_keys})

        exists = "SELECT 1 FROM failures WHERE source = %s AND partition = %s LIMIT 1"
        had_failures = self._read(lambda c: c.execute(exists, (source, partition)).fetchone())
        if not rows and had_failures is None:
            return  # nothing failed now or before: a clean re-run writes nothing at all

        def work(conn: psycopg.Connection) -> None:
            if keys is None:
                conn.execute(
                    "DELETE FROM failures WHERE source = %s AND partition = %s",
                    (source, partition),
                )
            elif keys:
                conn.execute(
                    "DELETE FROM failures WHERE source = %s AND key = ANY(%s::text[])",
                    (source, keys),
                )
            if rows:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO failures (source, key, partition, reason, failed_at) "
                        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (source, key) DO UPDATE SET "
                        "partition = EXCLUDED.partition, reason = EXCLUDED.reason, "
                        "failed_at = EXCLUDED.failed_at",
                        rows,
                    )

        self._write(work)

    def failures(self, source: str | None = None) -> list[FailureRecord]:
        where, params = _where(source=source)
        sql = (
            "SELECT source, key, partition, reason, failed_at FROM failures AS d "
            f'{where} ORDER BY source COLLATE "C", key'
        )

        def work(conn: psycopg.Connection) -> list[FailureRecord]:
            return [
                FailureRecord(src, key, part, reason, _utc(at))
                for src, key, part, reason, at in conn.execute(sql, params)
            ]

        return self._read(work)

    def count(self, source: str | None = None, partition: str | None = None) -> int:
        where, params = _where(source=source, partition=partition)
        sql = f"SELECT count(*) FROM documents AS d {where}"
        row = self._read(lambda conn: conn.execute(sql, params).fetchone())
        return int(row[0]) if row else 0

    def counts_by_status(self, source: str | None = None) -> dict[str, int]:
        where, params = _where(source=source)
        sql = (
            f"SELECT status, count(*) FROM documents AS d {where} "
            'GROUP BY status ORDER BY status COLLATE "C"'
        )
        return self._read(lambda conn: dict(conn.execute(sql, params).fetchall()))

    def get(self, source: str, key: str) -> Document | None:
        sql = f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE source = %s AND key = %s"
        row = self._read(lambda conn: conn.execute(sql, (_clean(source), _clean(key))).fetchone())
        return None if row is None else _row_document(row)

    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 10
    ) -> list[SearchHit]:
        tsquery = ts_query(query)
        if tsquery is None or limit <= 0:
            return []
        filters = filters or SearchFilters()
        given = [filters.source, filters.partition, filters.key_prefix, filters.content_type]
        given += [text for item in filters.tags.items() for text in item]
        if not all(_encodable(value) for value in given if isinstance(value, str)):
            return []  # a lone surrogate: no stored (valid UTF-8) value can equal it
        clauses: list[str] = []
        params: dict[str, object] = {
            "config": SEARCH_CONFIG,
            "query": tsquery,
            "weights": list(RANK_WEIGHTS),
            "normalization": RANK_NORMALIZATION,
            "limit": int(limit),
            "glue": _GLUE,
            "blanks": " " * len(_GLUE),
            "snippet_from": _SNIPPET_FROM,
            "snippet_to": _SNIPPET_TO,
            "codes": _SNIPPET_CODES,
            "options": _HEADLINE_OPTIONS,
            "source_chars": SNIPPET_SOURCE_CHARS,
            "edge_chars": 64,
            "open": SNIPPET_OPEN,
            "close": SNIPPET_CLOSE,
        }
        if filters.source is not None:
            clauses.append("d.source = %(source)s")
            params["source"] = _clean(filters.source)
        if filters.partition is not None:
            clauses.append("d.partition = %(partition)s")
            params["partition"] = _clean(filters.partition)
        if filters.key_prefix:
            # A plain prefix comparison: no LIKE, so '%' and '_' in keys mean themselves, and
            # keys stay case-sensitive.
            clauses.append("starts_with(d.key, %(key_prefix)s)")
            params["key_prefix"] = _clean(filters.key_prefix)
        if filters.content_type:
            clauses.append("lower(btrim(split_part(d.content_type, ';', 1))) = %(mime)s")
            params["mime"] = _clean(filters.content_type).split(";", 1)[0].strip().lower()
        if filters.tags:
            # Containment: every given tag, keys matched exactly (dots, spaces, quotes and all).
            clauses.append("d.tags @> %(tags)s::jsonb")
            params["tags"] = _json(filters.tags)
        where = "".join(f" AND {clause}" for clause in clauses)
        # Rank every match, keep the best `limit`, and only then build their snippets.
        # Snippet source: the text when it has any; else the title if it matched, else the key.
        # Its gluing punctuation is swapped for control characters (so the parser splits there,
        # as the search vector does) and swapped back in the headline; at_start/at_end tell
        # whether the fragment reaches the ends of its source, i.e. where to put ellipses.
        sql = f"""
            WITH q AS (SELECT to_tsquery(%(config)s::regconfig, %(query)s) AS query),
            top AS (
                SELECT d.id, ts_rank(%(weights)s::float4[], d.search_vector, q.query,
                                     %(normalization)s) AS score
                FROM documents AS d, q
                WHERE d.search_vector @@ q.query{where}
                ORDER BY score DESC, d.id
                LIMIT %(limit)s
            )
            SELECT d.source, d.bucket, d.key, d.title, top.score,
                   translate(
                       CASE WHEN e.at_start THEN e.head ELSE '' END || h.headline
                       || CASE WHEN e.at_end THEN e.tail ELSE '' END,
                       %(codes)s, %(glue)s),
                   e.at_start, e.at_end,
                   d.content_type, d.tags, d.size, d.last_modified
            FROM top JOIN documents AS d ON d.id = top.id CROSS JOIN q
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN d.text ~ '[^[:space:]]' THEN
                        translate(left(d.text, %(source_chars)s), %(snippet_from)s, %(snippet_to)s)
                    WHEN d.title IS NOT NULL
                         AND to_tsvector(%(config)s::regconfig,
                                         translate(d.title, %(glue)s, %(blanks)s)) @@ q.query THEN
                        translate(d.title, %(snippet_from)s, %(snippet_to)s)
                    ELSE translate(d.key, %(snippet_from)s, %(snippet_to)s)
                END AS body,
                coalesce(d.text ~ '[^[:space:]]' AND length(d.text) > %(source_chars)s, false)
                    AS truncated
                OFFSET 0  -- a fence: computed once, not inlined into every reference
            ) AS s
            CROSS JOIN LATERAL (
                SELECT ts_headline(%(config)s::regconfig, s.body, q.query, %(options)s) AS headline
                OFFSET 0
            ) AS h0
            CROSS JOIN LATERAL (
                SELECT h0.headline,
                       strpos(s.body, replace(replace(h0.headline, %(open)s, ''), %(close)s, ''))
                           AS at,
                       length(replace(replace(h0.headline, %(open)s, ''), %(close)s, '')) AS len
                OFFSET 0
            ) AS h
            CROSS JOIN LATERAL (
                SELECT CASE WHEN h.at > 0 THEN left(s.body, h.at - 1) END AS head,
                       CASE WHEN h.at > 0 THEN substr(s.body, h.at + h.len) END AS tail
            ) AS ht
            -- The headline starts and ends on words: what lies before or after it in its source
            -- is shown too when it holds no word (punctuation, spaces); otherwise an ellipsis
            -- marks the cut, as FTS5's snippet() does.
            CROSS JOIN LATERAL (
                SELECT ht.head, ht.tail,
                       coalesce(length(ht.head) <= %(edge_chars)s
                                AND length(to_tsvector(%(config)s::regconfig, ht.head)) = 0,
                                false) AS at_start,
                       coalesce(NOT s.truncated AND length(ht.tail) <= %(edge_chars)s
                                AND length(to_tsvector(%(config)s::regconfig, ht.tail)) = 0,
                                false) AS at_end
            ) AS e
            ORDER BY top.score DESC, d.id
        """
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        hits = []
        for (
            source,
            bucket,
            key,
            title,
            score,
            headline,
            at_start,
            at_end,
            content_type,
            tags,
            size,
            last_modified,
        ) in rows:
            fragment = (headline or "").strip()
            if fragment:
                fragment = (
                    ("" if at_start else SNIPPET_ELLIPSIS)
                    + fragment
                    + ("" if at_end else SNIPPET_ELLIPSIS)
                )
            hits.append(
                SearchHit(
                    source=source,
                    bucket=bucket,
                    key=key,
                    title=title,
                    score=float(score),
                    snippet=fragment,
                    content_type=content_type,
                    tags=dict(tags),
                    size=size,
                    last_modified=_utc(last_modified),
                )
            )
        return hits


# ------------------------------------------------------------------------------ query parsing


def ts_query(query: str) -> str | None:
    """Turn free text typed by a human into a safe `to_tsquery` input, or None if nothing is
    searchable.

    Parts are found exactly as `s3_ingest.core.index.sqlite.fts_query` finds them (words,
    "quoted phrases" - an unbalanced quote runs to the end - and a trailing ``*`` for a prefix),
    and ANDed; the words of a part must be adjacent (``<->``), as FTS5 treats a word that its
    tokenizer splits (``foo-bar``) as a phrase. Every ASCII punctuation and control character
    becomes a separator, and each remaining word is single-quoted, so operators typed by the user
    (``& | ! <-> : * ( )``) and quotes or backslashes can never reach the tsquery syntax: the
    result always parses. Words the dictionaries drop simply vanish from the query.
    """
    if not query:
        return None
    if not _encodable(query):  # lone surrogates (say, undecodable bytes of a command line)
        query = query.encode("utf-8", "replace").decode("utf-8")
    parts: list[str] = []
    budget = MAX_QUERY_TERMS
    for phrase, phrase_star, word in QUERY_TOKEN.findall(query.replace("\x00", " ")):
        if word:
            text, prefix = word.rstrip("*"), word.endswith("*")
        else:
            text, prefix = phrase, bool(phrase_star)
        if not any(ch.isalnum() for ch in text):
            continue
        words = text.translate(_QUERY_SEPARATORS).split()[:budget]
        if not words:
            continue
        budget -= len(words)
        terms = [f"'{w}'" for w in words]
        if prefix:
            terms[-1] += ":*"
        part = terms[0] if len(terms) == 1 else "(" + " <-> ".join(terms) + ")"
        if part not in parts:  # "a a" is "a": ANDing a part twice only costs time
            parts.append(part)
        if budget <= 0:
            break
    return " & ".join(parts) if parts else None


# ------------------------------------------------------------------------------------ helpers


def _configure_connection(conn: psycopg.Connection) -> None:
    """Every connection: UTC session time zone, and server notices (such as a query word that
    is dropped as unindexable) kept out of the logs."""
    conn.add_notice_handler(lambda diagnostic: None)
    conn.execute("SET TIME ZONE 'UTC'")
    if not conn.autocommit:
        conn.commit()


def _create_unaccent(conn: psycopg.Connection) -> str | None:
    """Create the unaccent extension if possible; its dictionary's qualified name, or None."""
    import psycopg

    try:
        with conn.transaction():  # a savepoint: a refusal must not abort the schema creation
            conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except psycopg.Error as error:
        log.warning(
            "PostgreSQL index: the unaccent extension is not available (%s); searches will "
            "not fold accents (\"resume\" will not find \"résumé\"). Ask a database owner to "
            "run CREATE EXTENSION unaccent before the index is first used.",
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
        )
        return None
    from psycopg import sql

    row = conn.execute(
        "SELECT n.nspname FROM pg_ts_dict AS d JOIN pg_namespace AS n ON n.oid = d.dictnamespace "
        "JOIN pg_extension AS e ON e.extnamespace = n.oid AND e.extname = 'unaccent' "
        "WHERE d.dictname = 'unaccent' LIMIT 1"
    ).fetchone()
    if row is None:
        log.warning(
            "PostgreSQL index: the unaccent extension has no unaccent dictionary; searches will "
            "not fold accents."
        )
        return None
    return f"{sql.Identifier(row[0]).as_string(conn)}.unaccent"


def _config_uses_unaccent(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict "
        f"WHERE m.mapcfg = '{SEARCH_CONFIG}'::regconfig AND d.dictname = 'unaccent')"
    ).fetchone()
    return bool(row and row[0])


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


def _clean(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL characters: they are dropped (other values pass as they
    are, for the database to refuse if they do not fit)."""
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _clean_json(value: object) -> object:
    """NUL-free JSON values (jsonb rejects \\u0000), keys included."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, Mapping):
        return {_clean_json(k): _clean_json(v) for k, v in value.items()}  # type: ignore[misc]
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def _json(value: Mapping[str, object]) -> str:
    if not value:
        return "{}"
    return json.dumps(_clean_json(dict(value)), ensure_ascii=False, sort_keys=True)


def _utc(value: datetime) -> datetime:
    """Naive datetimes are taken to be UTC (what S3 reports); aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value if value.tzinfo is timezone.utc else value.astimezone(timezone.utc)


def _where(**equals: str | None) -> tuple[str, list[str]]:
    """`WHERE d.col = %s AND ...` for the given non-None values (column names are ours)."""
    clauses = [f"d.{column} = %s" for column, value in equals.items() if value is not None]
    params = [_clean(value) for value in equals.values() if value is not None]
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _document_row(doc: Document, indexed_at: datetime) -> tuple[object, ...]:
    if not isinstance(doc.last_modified, datetime):
        raise TypeError(f"{doc.key!r}: last_modified must be a datetime")
    return (
        _clean(doc.source),
        _clean(doc.bucket),
        _clean(doc.key),
        _clean(doc.rel_path),
        _clean(doc.partition),
        doc.size,
        _clean(doc.etag),
        _utc(doc.last_modified),
        _clean(doc.content_type),
        _clean(doc.version_id),
        _clean(doc.storage_class),
        _json(doc.metadata),
        _json(doc.tags),
        _clean(doc.title),
        _clean(doc.text),
        _clean(doc.status),
        _clean(doc.reason),
        indexed_at,
    )


def _row_document(row: tuple[Any, ...]) -> Document:
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
        source=source,
        bucket=bucket,
        key=key,
        rel_path=rel_path,
        partition=partition,
        size=size,
        etag=etag,
        last_modified=_utc(last_modified),
        content_type=content_type,
        version_id=version_id,
        storage_class=storage_class,
        metadata=dict(metadata),
        tags=dict(tags),
        title=title,
        text=text,
        status=status,
        reason=reason,
    )

