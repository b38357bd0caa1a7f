"""An index written by release v0.1.0 (fixtures/, made by build_fixtures.py with that release)
opens with this code, is migrated in place to SCHEMA_VERSION, and keeps every document, chunk
and vector - in SQLite and in PostgreSQL (restored from a pg_dump of v0.1.0's schema)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from s3_ingest.core.index.schema import SCHEMA_VERSION
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.postgres import fresh_database

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V010_SCHEMA = 3
DOCUMENTS = {"readme.md", "handbook/expenses.md", "handbook/vacation.md", "reports/q1.txt",
             "reports/2019-audit.txt"}
CONTENT = ("SELECT d.key, d.text, d.status, d.reason, d.etag, c.position, c.text, c.embedding "
           "FROM documents d LEFT JOIN chunks c ON c.source = d.source AND c.key = d.key "
           "ORDER BY d.key, c.position")


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Embeddings as bytes whatever the driver returned (BLOB or real[])."""
    return [(*row[:-1], bytes(row[-1]) if isinstance(row[-1], (bytes, memoryview))
             else tuple(row[-1]) if row[-1] is not None else None) for row in rows]


def _check(index: Any, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    assert set(index.manifest("docs")) == DOCUMENTS
    assert after == before  # every document, chunk and vector, byte for byte
    assert sum(1 for row in after if row[-1] is not None) == 4  # the chunks' vectors
    assert [hit.key for hit in index.search("paid leave")] == ["handbook/vacation.md"]
    audit = index.get("docs", "reports/2019-audit.txt")
    assert audit.status == "metadata_only" and audit.reason.startswith("archived")


def test_a_v010_sqlite_index_is_migrated_in_place_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    shutil.copy(FIXTURES / "v0.1.0-index.db", path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == V010_SCHEMA
        before = _rows(conn.execute(CONTENT).fetchall())
    assert len(before) == 5  # 4 documents with one chunk each, and the archived one

    index = SqliteIndex(str(path))
    try:
        after = index._read(lambda conn: _rows(conn.execute(CONTENT).fetchall()))
        _check(index, before, after)
        assert index._read(lambda c: c.execute("PRAGMA user_version").fetchone()[0]) \
            == SCHEMA_VERSION
    finally:
        index.close()
    # The migrated file opens again as it is.
    reopened = SqliteIndex(str(path))
    try:
        assert reopened.count("docs") == len(DOCUMENTS)
    finally:
        reopened.close()


@pytest.mark.postgres
def test_a_v010_postgres_index_is_migrated_in_place_and_keeps_everything() -> None:
    from s3_ingest.core.index.postgres import PostgresIndex

    with fresh_database() as url:
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-f", str(FIXTURES / "v0.1.0-postgres.sql")],
                       check=True, capture_output=True, text=True)
        import psycopg

        with psycopg.connect(url) as conn:
            version = "SELECT max(version) FROM s3_ingest_schema_version"
            assert conn.execute(version).fetchone()[0] == V010_SCHEMA
            before = _rows(conn.execute(CONTENT).fetchall())
        assert len(before) == 5
        index = PostgresIndex(url)
        try:
            after = index._read(lambda conn: _rows(conn.execute(CONTENT).fetchall()))
            _check(index, before, after)
            assert index._read(lambda c: c.execute(version).fetchone()[0]) == SCHEMA_VERSION
        finally:
            index.close()
