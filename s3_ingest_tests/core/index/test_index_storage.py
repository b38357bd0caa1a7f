"""Storing documents on both backends: opening the index, round-trips of every field, upserts,
deletions, counts, reopening, and a failed batch rolled back whole."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from s3_ingest.core.documents import Document
from s3_ingest.core.index import DocumentIndex, open_index
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.core.index.documents import keys, make_doc
from s3_ingest_tests.core.index.fts_sync import assert_fts_in_sync
from s3_ingest_tests.core.index.psycopg_support import psycopg

# What an upsert of a document the backend cannot store may raise.
STORE_ERRORS: tuple[type[BaseException], ...] = (TypeError, OverflowError, sqlite3.IntegrityError)
if psycopg is not None:
    STORE_ERRORS += (psycopg.DataError, psycopg.IntegrityError)


def test_file_and_parent_directories_are_created_and_wal_is_on(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "index.db"
    ix = SqliteIndex(str(path))
    assert ix.count() == 0
    assert path.exists()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 4  # 4: issue 24
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert {"documents", "documents_fts", "documents_source_partition"} <= tables
    finally:
        raw.close()
    conn = ix._connection()
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    ix.close()


def test_open_index_accepts_sqlite_url(tmp_path: Path) -> None:
    ix = open_index(f"sqlite:///{tmp_path / 'via-url.db'}")
    try:
        assert isinstance(ix, SqliteIndex)
        ix.upsert([make_doc("a")])
        assert (tmp_path / "via-url.db").exists()
    finally:
        ix.close()


def test_open_index_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="unsupported index URL scheme: mysql://"):
        open_index("mysql://localhost/db")


def test_get_round_trips_every_field(index: DocumentIndex) -> None:
    doc = Document(
        source="docs",
        bucket="bucket-a",
        key="reports/2024/q1 résumé.pdf",
        rel_path="2024/q1 résumé.pdf",
        partition="2024",
        size=123_456_789_012,
        etag='"abc-3"',
        last_modified=datetime(2024, 3, 1, 14, 0, 1, 42, tzinfo=timezone(timedelta(hours=2))),
        content_type="application/pdf",
        version_id="v-123",
        storage_class="GLACIER_IR",
        metadata={"author": "Zoë", "x-amz-meta": "1"},
        tags={"team.name": "search", "with space": "yes"},
        title="Q1 résumé",
        text="Some text\nwith lines ✓",
        status="metadata_only",
        reason="unsupported type",
    )
    assert index.upsert([doc]) == 1
    got = index.get("docs", doc.key)
    assert got == doc
    assert got is not None and got.last_modified.utcoffset() == timedelta(0)
    assert got.last_modified == datetime(2024, 3, 1, 12, 0, 1, 42, tzinfo=timezone.utc)
    assert index.get("docs", "missing") is None
    assert index.get("other-source", doc.key) is None


def test_datetimes_round_trip_to_the_microsecond_in_utc(index: DocumentIndex) -> None:
    """The manifest is compared with S3 listings: every microsecond must come back, tz-aware."""
    moments = {
        "aware-utc": datetime(2024, 1, 2, 3, 4, 5, 999_999, tzinfo=timezone.utc),
        "aware-offset": datetime(2023, 12, 31, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=-7))),
        "naive": datetime(2024, 6, 1, 12, 0, 0, 500_000),  # naive: taken to be UTC, as S3's
        "epoch": datetime(1970, 1, 1, tzinfo=timezone.utc),
    }
    index.upsert([make_doc(key, last_modified=moment) for key, moment in moments.items()])
    manifest = index.manifest("docs")
    for key, moment in moments.items():
        expected = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        got = manifest[key].last_modified
        assert got == expected, key
        assert got.utcoffset() == timedelta(0) and got.tzinfo is not None, key
        assert got.microsecond == expected.astimezone(timezone.utc).microsecond, key
        fetched = index.get("docs", key)
        assert fetched is not None and fetched.last_modified == expected
    (hit,) = index.search("naive")
    assert hit.last_modified == moments["naive"].replace(tzinfo=timezone.utc)


def test_upsert_is_idempotent_and_replaces_text(index: DocumentIndex) -> None:
    index.upsert([make_doc("a", text="the old aardvark text")])
    index.upsert([make_doc("a", text="the new zebra text", etag='"v2"')])
    assert index.count() == 1
    assert keys(index.search("zebra")) == ["a"]
    assert index.search("aardvark") == []
    got = index.get("docs", "a")
    assert got is not None and got.etag == '"v2"'
    # Same document again, unchanged: still one row, still searchable.
    index.upsert([make_doc("a", text="the new zebra text", etag='"v2"')] * 2)
    assert index.count() == 1
    assert keys(index.search("zebra")) == ["a"]
    assert_fts_in_sync(index)


def test_the_last_of_duplicate_keys_in_a_batch_wins(index: DocumentIndex) -> None:
    assert index.upsert([make_doc("a", text="first tapir"), make_doc("a", text="last okapi")]) == 2
    assert index.count() == 1
    got = index.get("docs", "a")
    assert got is not None and got.text == "last okapi"
    assert index.search("tapir") == []


def test_same_key_in_two_sources_is_two_documents(index: DocumentIndex) -> None:
    index.upsert([make_doc("a"), make_doc("a", source="other")])
    assert index.count() == 2
    assert index.count("docs") == 1
    assert index.count("other") == 1


def test_delete(index: DocumentIndex) -> None:
    index.upsert([make_doc(k, text=f"walrus {k}") for k in ("a", "b", "c")])
    index.upsert([make_doc("a", source="other", text="walrus elsewhere")])
    assert index.delete("docs", ["a", "c", "never-there", "c"]) == 2
    assert index.get("docs", "a") is None
    assert index.get("docs", "b") is not None
    assert index.get("other", "a") is not None
    assert sorted(keys(index.search("walrus"))) == ["a", "b"]  # b, and the other source's a
    assert index.delete("docs", []) == 0
    assert_fts_in_sync(index)


def test_delete_source_partition_only(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a", partition="p1", text="gnu"),
            make_doc("b", partition="p1", text="gnu"),
            make_doc("c", partition="p2", text="gnu"),
            make_doc("d", partition="p1", source="other", text="gnu"),
        ]
    )
    assert index.delete_source("docs", partition="p1") == 2
    assert index.count("docs") == 1
    assert index.get("docs", "c") is not None
    assert index.count("other") == 1
    assert sorted(keys(index.search("gnu"))) == ["c", "d"]
    assert index.delete_source("docs") == 1
    assert index.count() == 1
    assert_fts_in_sync(index)


def test_counts(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a"),
            make_doc("b"),
            make_doc("c", status="metadata_only", reason="binary"),
            make_doc("d", status="failed", reason="boom"),
            make_doc("e", source="other", partition="p2"),
        ]
    )
    assert index.counts_by_status() == {"indexed": 3, "metadata_only": 1, "failed": 1}
    assert list(index.counts_by_status()) == ["failed", "indexed", "metadata_only"]
    assert index.counts_by_status("docs") == {"indexed": 2, "metadata_only": 1, "failed": 1}
    assert index.counts_by_status("nobody") == {}
    assert index.count() == 5
    assert index.count("docs") == 4
    assert index.count("other", "p2") == 1
    assert index.count("other", "p1") == 0
    assert index.count(partition="p1") == 4


def test_partitions_and_sources(index: DocumentIndex) -> None:
    assert index.sources() == {}
    assert index.partitions("docs") == {}
    index.upsert(
        [
            make_doc("a", partition="p1"),
            make_doc("b", partition="p1"),
            make_doc("c", partition="p2"),
            make_doc("d", partition="p1", source="other"),
        ]
    )
    assert index.partitions("docs") == {"p1": 2, "p2": 1}
    assert index.partitions("other") == {"p1": 1}
    assert index.sources() == {"docs": 3, "other": 1}


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = str(tmp_path / "index.db")
    ix = SqliteIndex(path)
    ix.upsert([make_doc("a", text="persistent platypus")])
    ix.close()
    with pytest.raises(sqlite3.ProgrammingError):
        ix.count()
    again = SqliteIndex(path)
    try:
        assert again.count() == 1
        assert keys(again.search("platypus")) == ["a"]
        assert again.get("docs", "a") == make_doc("a", text="persistent platypus")
    finally:
        again.close()


def test_a_second_instance_sees_the_same_index(make_index: Callable[[], DocumentIndex]) -> None:
    first = make_index()
    first.upsert([make_doc("a", text="persistent platypus")])
    first.close()
    again = make_index()
    assert again.count() == 1
    assert keys(again.search("platypus")) == ["a"]
    assert again.get("docs", "a") == make_doc("a", text="persistent platypus")


@pytest.mark.parametrize(
    "bad",
    [
        {"metadata": {"not-json": object()}},  # fails while building the row
        {"size": 2**80},  # fails while binding (SQLite) or in the database (bigint)
        {"source": None},  # fails in the database (NOT NULL)
    ],
    ids=["unserialisable-metadata", "oversized-int", "not-null"],
)
def test_failed_batch_rolls_back_entirely(index: DocumentIndex, bad: dict[str, object]) -> None:
    index.upsert([make_doc("existing", text="original wombat")])
    batch = [
        make_doc("existing", text="changed koala"),
        make_doc("new-1", text="koala one"),
        make_doc("broken", **bad),
        make_doc("new-2", text="koala two"),
    ]
    with pytest.raises(STORE_ERRORS):
        index.upsert(batch)
    assert index.count() == 1
    assert index.get("docs", "new-1") is None
    assert index.get("docs", "broken") is None
    got = index.get("docs", "existing")
    assert got is not None and got.text == "original wombat"
    assert index.search("koala") == []
    assert keys(index.search("wombat")) == ["existing"]
    # The connection is not left inside a transaction: the next batch works.
    assert index.upsert([make_doc("after", text="after koala")]) == 1
    assert keys(index.search("koala")) == ["after"]
    assert_fts_in_sync(index)
