"""`assert_fts_in_sync`: the full-text index of either backend matches its documents table."""

from __future__ import annotations

from s3_ingest.core.index import DocumentIndex
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.core.index.psycopg_support import PostgresIndex, psycopg


def assert_fts_in_sync(index: DocumentIndex) -> None:
    """The full-text index matches the documents table: FTS5's own integrity check (SQLite);
    every stored search vector equal to one computed afresh (PostgreSQL)."""
    if isinstance(index, SqliteIndex):
        conn = index._connection()
        conn.execute(
            "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)"
        )
        return
    assert PostgresIndex is not None and isinstance(index, PostgresIndex)
    with psycopg.connect(index.url) as conn:
        stale = conn.execute(
            "SELECT count(*) FROM documents WHERE search_vector IS DISTINCT FROM "
            "s3_ingest_search_vector(title, key, text)"
        ).fetchone()
    assert stale == (0,)
