"""The server's index is read-only: the SQLite file is opened with mode=ro, PostgreSQL sessions
refuse writes, and opening creates or migrates nothing."""

from __future__ import annotations

import sqlite3

import pytest

from s3_ingest.core.index import SearchFilters, is_postgres_url
from s3_ingest.core.index.readonly import IndexNotReady, open_index_read_only
from s3_ingest_tests.serve.corpus import build_index, document


def test_the_read_only_index_searches_but_refuses_writes(serve_url):
    build_index(serve_url)
    index = open_index_read_only(serve_url)
    try:
        assert len(index.search("kestrel", SearchFilters(), 5)) == 5
        assert index.get("docs", "other/doc00.txt") is not None
        if is_postgres_url(serve_url):
            import psycopg

            refused = psycopg.errors.ReadOnlySqlTransaction
        else:
            refused = sqlite3.OperationalError
        with pytest.raises(refused, match="read-only|readonly"):
            index.upsert([document("new.txt", "kestrel")])
        assert index.count() == 20
    finally:
        index.close()


def test_opening_a_missing_sqlite_index_creates_nothing(tmp_path):
    path = tmp_path / "nothing" / "index.db"
    index = open_index_read_only(str(path))
    with pytest.raises(IndexNotReady, match="run `s3-ingest sync` first"):
        index.count()
    assert not path.parent.exists()


def test_an_index_at_another_schema_version_is_not_served(tmp_path):
    path = tmp_path / "index.db"
    build_index(str(path))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 3")
    index = open_index_read_only(str(path))
    with pytest.raises(IndexNotReady, match="schema version 3"):
        index.count()
