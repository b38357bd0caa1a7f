"""The index backends - SQLite/FTS5 and PostgreSQL - held to one set of expectations: storage
round-trips, search, filters, safety, concurrency.

Tests taking `index`, `make_index` or `index_url` run once per backend (see conftest.py: the
PostgreSQL runs skip without $S3_INGEST_TEST_POSTGRES_URL). Tests taking `tmp_path` only are
about what only the SQLite file has (WAL, reopening the file, its locking); tests taking
`fresh_postgres_url` are about PostgreSQL only (schema creation, many writers at once).
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from s3_ingest.core.documents import Document
from s3_ingest.core.index import DocumentIndex, open_index
from s3_ingest.core.index.base import ManifestEntry, SearchFilters
from s3_ingest.core.index.sqlite import SqliteIndex, fts_query
from s3_ingest_tests.postgres import empty_index_tables

try:
    import psycopg

    from s3_ingest.core.index import postgres as postgres_module
    from s3_ingest.core.index.postgres import PostgresIndex, ts_query
except ImportError:  # pragma: no cover - PostgreSQL support not installed
    psycopg = None  # type: ignore[assignment]
    PostgresIndex = None  # type: ignore[assignment,misc]

T0 = datetime(2024, 5, 17, 8, 30, 15, 123456, tzinfo=timezone.utc)

# What an upsert of a document the backend cannot store may raise.
STORE_ERRORS: tuple[type[BaseException], ...] = (TypeError, OverflowError, sqlite3.IntegrityError)
if psycopg is not None:
    STORE_ERRORS += (psycopg.DataError, psycopg.IntegrityError)

needs_psycopg = pytest.mark.skipif(psycopg is None, reason="psycopg is not installed")


def make_doc(key: str, **fields: object) -> Document:
    values: dict[str, object] = {
        "source": "docs",
        "bucket": "bucket-a",
        "key": key,
        "rel_path": key.split("/", 1)[-1],
        "partition": "p1",
        "size": 100,
        "etag": f'"etag-{key}"',
        "last_modified": T0,
        "content_type": "text/plain",
        "title": None,
        "text": f"plain body of {key}",
    }
    values.update(fields)
    return Document(**values)  # type: ignore[arg-type]


@pytest.fixture
def postgres_index(postgres_module_url: str):
    """An empty PostgreSQL index (for tests about what only PostgreSQL does)."""
    empty_index_tables(postgres_module_url)
    ix = PostgresIndex(postgres_module_url)
    yield ix
    ix.close()


def keys(hits) -> list[str]:
    return [hit.key for hit in hits]


# ------------------------------------------------------------------------------------ storage


def test_file_and_parent_directories_are_created_and_wal_is_on(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "index.db"
    ix = SqliteIndex(str(path))
    assert ix.count() == 0
    assert path.exists()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 3
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
    _assert_fts_in_sync(index)


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
    _assert_fts_in_sync(index)


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
    _assert_fts_in_sync(index)


def test_manifest(index: DocumentIndex) -> None:
    later = T0 + timedelta(days=1)
    index.upsert(
        [
            make_doc("a", partition="p1", etag="e1", size=1),
            make_doc("b", partition="p2", etag="e2", size=2, last_modified=later, version_id="v9"),
            make_doc("c", source="other"),
        ]
    )
    assert index.manifest("docs") == {
        "a": ManifestEntry(key="a", etag="e1", size=1, last_modified=T0, version_id=None),
        "b": ManifestEntry(key="b", etag="e2", size=2, last_modified=later, version_id="v9"),
    }
    assert list(index.manifest("docs", partition="p2")) == ["b"]
    assert index.manifest("nobody") == {}
    entry = index.manifest("docs")["a"]
    assert entry.last_modified.tzinfo is not None


def test_the_manifest_knows_an_archive_stored_without_its_text(index: DocumentIndex) -> None:
    index.upsert([
        make_doc("cold", status="metadata_only", text=None, storage_class="GLACIER",
                 reason="archived (GLACIER): restore the object to index its text"),
        make_doc("image", status="metadata_only", text=None, reason="unsupported type: .png"),
        make_doc("read", storage_class="GLACIER"),  # its text was read from a restored copy
    ])
    manifest = index.manifest("docs")
    assert [k for k, entry in sorted(manifest.items()) if entry.archived] == ["cold"]
    assert [k for k, e in index.entries("docs", ["cold", "read"]).items() if e.archived] == [
        "cold"]


def test_manifest_range_follows_s3_key_order(index: DocumentIndex) -> None:
    """(after, upto] in code point order - S3's listing order - not a locale's collation."""
    names = ["A", "a", "a/b", "a-b", "a_b", "b", "b/z", "b/é", "ü", "€", "😀"]
    index.upsert([make_doc(k, partition="low" if k < "b" else "high") for k in names])
    index.upsert([make_doc("b/y", source="other")])
    ordered = sorted(names)  # Python compares code points, as S3 (UTF-8 bytes) does

    def in_range(after, upto, partition=None) -> list[str]:
        return sorted(index.manifest_range("docs", after, upto, partition))

    assert in_range(None, None) == ordered
    assert in_range("a", "b") == [k for k in ordered if "a" < k <= "b"]
    assert in_range("b", None) == ["b/z", "b/é", "ü", "€", "😀"]
    assert in_range(None, "a-b") == ["A", "a", "a-b"]
    assert in_range("b/z", "ü") == ["b/é", "ü"]
    assert in_range(None, None, "low") == sorted(k for k in names if k < "b")
    assert in_range("a", None, "high") == sorted(k for k in names if k >= "b")
    assert in_range("😀", None) == []
    entry = index.manifest_range("docs", "b/z", "b/é")["b/é"]
    assert entry == ManifestEntry("b/é", '"etag-b/é"', 100, T0)


def test_entries_of_given_keys(index: DocumentIndex) -> None:
    index.upsert([make_doc(k, size=len(k)) for k in ("a", "b/é", "c")])
    index.upsert([make_doc("b/é", source="other")])
    got = index.entries("docs", ["b/é", "c", "missing", "c"])
    assert got == {
        "b/é": ManifestEntry("b/é", '"etag-b/é"', 3, T0),
        "c": ManifestEntry("c", '"etag-c"', 1, T0),
    }
    assert index.entries("docs", []) == {}
    many = [f"k{n}" for n in range(1200)]
    index.upsert([make_doc(k) for k in many])
    assert len(index.entries("docs", many + ["missing"])) == 1200


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


def test_record_failures_replaces_a_partitions_records(index: DocumentIndex) -> None:
    index.record_failures("docs", "p1", [("a", "timeout"), ("b", "access denied")])
    index.record_failures("docs", "p2", [("c", "gone")])
    index.record_failures("other", "p1", [("a", "elsewhere")])
    records = index.failures("docs")
    assert [(r.key, r.partition, r.reason) for r in records] == [
        ("a", "p1", "timeout"),
        ("b", "p1", "access denied"),
        ("c", "p2", "gone"),
    ]
    assert all(r.source == "docs" and r.failed_at.tzinfo is not None for r in records)
    assert abs(records[0].failed_at - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert [(r.source, r.key) for r in index.failures()] == [
        ("docs", "a"), ("docs", "b"), ("docs", "c"), ("other", "a")
    ]
    # A later run of p1: only b failed, with a new reason; a is gone, p2 untouched.
    index.record_failures("docs", "p1", [("b", "throttled")])
    assert [(r.key, r.reason) for r in index.failures("docs")] == [
        ("b", "throttled"), ("c", "gone")
    ]
    # A key moving to another partition keeps one record.
    index.record_failures("docs", "p3", [("c", "moved")])
    assert [(r.key, r.partition) for r in index.failures("docs")] == [("b", "p1"), ("c", "p3")]
    # A clean run clears the partition.
    index.record_failures("docs", "p1", [])
    assert [r.key for r in index.failures("docs")] == ["c"]
    assert index.failures("nobody") == []


def test_record_failures_of_only_some_keys(index: DocumentIndex) -> None:
    index.record_failures("docs", "p1", [("a", "timeout"), ("b", "denied"), ("c", "gone")])
    # A run that looked at a and b only: a is fine now, b failed again, c is left alone.
    index.record_failures("docs", "p1", [("b", "denied again")], only_keys=["a", "b"])
    assert [(r.key, r.reason) for r in index.failures("docs")] == [
        ("b", "denied again"), ("c", "gone")
    ]
    index.record_failures("docs", "p1", [], only_keys=["b"])
    assert [r.key for r in index.failures("docs")] == ["c"]


def test_record_failures_writes_nothing_when_nothing_failed_now_or_before(
    index: DocumentIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[object] = []
    real_write = index._write  # type: ignore[attr-defined]

    def spy(work):
        writes.append(work)
        return real_write(work)

    monkeypatch.setattr(index, "_write", spy)
    index.record_failures("docs", "p1", [])
    index.record_failures("docs", "p1", iter(()))
    assert writes == []
    index.record_failures("docs", "p1", [("a", "boom")])
    assert len(writes) == 1
    index.record_failures("docs", "p2", [])  # p2 never failed
    assert len(writes) == 1
    index.record_failures("docs", "p1", [])  # p1 did: its records are cleared
    assert len(writes) == 2
    assert index.failures() == []


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
    _assert_fts_in_sync(index)


# ------------------------------------------------------------------------------------- search


def test_title_match_outranks_body_match_and_snippets_highlight(index: DocumentIndex) -> None:
    filler = " ".join(f"word{i}" for i in range(40))
    index.upsert(
        [
            make_doc("body", title="Unrelated", text=f"{filler} the budget for next year {filler}"),
            make_doc("titled", title="Budget", text=f"Plans. {filler}"),
            make_doc("none", title="Nothing", text="nothing here"),
        ]
    )
    hits = index.search("budget")
    assert keys(hits) == ["titled", "body"]
    assert hits[0].score > hits[1].score
    body_hit = hits[1]
    assert "[budget]" in body_hit.snippet
    assert "…" in body_hit.snippet
    assert len(body_hit.snippet.split()) <= 14  # ~12 tokens plus ellipses
    # The title-only hit falls back to the start of the text.
    assert hits[0].snippet.startswith("Plans. word0")
    assert "[" not in hits[0].snippet
    assert hits[0].title == "Budget"
    assert hits[0].bucket == "bucket-a"
    assert hits[0].last_modified == T0


def test_key_match_ranks_between_title_and_text(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("notes/misc.txt", title="Misc", text="the quarterly numbers, again"),
            make_doc("quarterly/report.txt", title="Report", text="numbers"),
            make_doc("misc/summary.txt", title="Quarterly summary", text="numbers"),
        ]
    )
    assert keys(index.search("quarterly")) == [
        "misc/summary.txt", "quarterly/report.txt", "notes/misc.txt"
    ]


def test_snippet_keeps_punctuation_and_marks_cut_text(index: DocumentIndex) -> None:
    text = (
        "Intro words here. " * 10
        + "See https://wiki.example.com/ops/runbook-v2.html or mail ops@example.com (x-ray). "
        + "Outro words there. " * 10
    )
    index.upsert([make_doc("a", text=text)])
    (hit,) = index.search("runbook")
    assert "[runbook]-v2.html" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    (hit,) = index.search("ops example")
    assert "[" in hit.snippet and "…" in hit.snippet
    index.upsert([make_doc("short", text="a [bracketed] word & 100% <b>bold</b>")])
    (hit,) = index.search("bracketed")
    assert hit.snippet == "a [[bracketed]] word & 100% <b>bold</b>"


def test_hit_fields_and_snippet_for_document_without_text(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc(
                "images/ocelot.png",
                title=None,
                text=None,
                status="metadata_only",
                content_type="image/png",
                tags={"k": "v"},
                size=7,
            )
        ]
    )
    (hit,) = index.search("ocelot")
    assert hit.snippet == "images/[ocelot].png"
    assert hit.tags == {"k": "v"}
    assert hit.content_type == "image/png"
    assert hit.size == 7
    assert hit.source == "docs"
    assert hit.title is None


def test_snippet_of_a_matching_title_when_there_is_no_text(index: DocumentIndex) -> None:
    index.upsert([make_doc("x/scan.png", title="Warehouse floor plan", text="")])
    (hit,) = index.search("floor")
    assert hit.snippet == "Warehouse [floor] plan"


def test_limit(index: DocumentIndex) -> None:
    index.upsert([make_doc(f"k{i}", text="lemur") for i in range(20)])
    assert len(index.search("lemur", limit=5)) == 5
    assert len(index.search("lemur", limit=50)) == 20
    assert index.search("lemur", limit=0) == []


def test_words_are_anded_and_phrases_kept(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a", text="the quick brown fox"),
            make_doc("b", text="the brown quick fox"),
            make_doc("c", text="the quick cat"),
        ]
    )
    assert sorted(keys(index.search("quick fox"))) == ["a", "b"]
    assert keys(index.search('"quick brown"')) == ["a"]
    assert keys(index.search('"quick brown" fox')) == ["a"]
    assert keys(index.search("cat quick")) == ["c"]


def test_prefix_query(index: DocumentIndex) -> None:
    index.upsert([make_doc("a", text="reconciliation report"), make_doc("b", text="recon")])
    assert sorted(keys(index.search("reconcil*"))) == ["a"]
    assert sorted(keys(index.search("reco*"))) == ["a", "b"]
    assert sorted(keys(index.search('"reconciliation rep"*'))) == ["a"]


def test_diacritics_and_case_are_folded(index: DocumentIndex) -> None:
    if getattr(index, "unaccent", True) is False:  # pragma: no cover - depends on the server
        pytest.skip("the PostgreSQL server has no unaccent extension")
    index.upsert([make_doc("cv", title="Mon Résumé", text="Curriculum of Zoë Ångström")])
    assert keys(index.search("resume")) == ["cv"]
    assert keys(index.search("RÉSUMÉ")) == ["cv"]
    assert keys(index.search("zoe angstrom")) == ["cv"]


def test_stemming(index: DocumentIndex) -> None:
    index.upsert([make_doc("a", text="she was running reports")])
    assert keys(index.search("run report")) == ["a"]


def test_punctuation_in_terms_is_searchable(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("cpp", text="modern C++ templates"),
            make_doc("dash", text="the foo-bar module"),
            make_doc("colon", text="see a:b for details"),
        ]
    )
    assert keys(index.search("C++ templates")) == ["cpp"]
    assert keys(index.search("foo-bar")) == ["dash"]
    assert keys(index.search("a:b")) == ["colon"]


def test_parts_of_keys_urls_and_addresses_are_searchable(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("reports/2024/q1-summary.pdf", text=None),
            make_doc("mail", text="write to jane.doe@example.com today"),
            make_doc("link", text="docs at https://wiki.example.org/team/on_call.html"),
            make_doc("numbers", text="version 3.14.1 costs -5 or +7 at 10:30"),
        ]
    )
    assert keys(index.search("summary")) == ["reports/2024/q1-summary.pdf"]
    assert keys(index.search("q1 2024")) == ["reports/2024/q1-summary.pdf"]
    assert keys(index.search("jane")) == ["mail"]
    assert sorted(keys(index.search("example"))) == ["link", "mail"]
    assert keys(index.search("on_call")) == ["link"]
    assert keys(index.search("call wiki")) == ["link"]
    assert keys(index.search("14")) == ["numbers"]
    assert keys(index.search("5 7")) == ["numbers"]
    assert keys(index.search('"3.14.1"')) == ["numbers"]


HOSTILE = [
    "C++",
    '"unbalanced',
    'unbalanced"',
    '"',
    '""',
    "AND",
    "OR",
    "NOT",
    "a AND",
    "NOT a",
    "NEAR(",
    "NEAR(a b)",
    "*",
    "**",
    "a*b*",
    "-x",
    "^x",
    "+",
    "(",
    ")",
    "{a b}: c",
    "title:",
    "text:foo",
    "a:b",
    "foo-bar",
    "'",
    "%_",
    "\\",
    "\x00",
    "x\x00y",
    "",
    "   ",
    "\t\n",
    ";DROP TABLE documents;--",
    "☃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a" * 2000,
    # tsquery syntax (PostgreSQL)
    "a & b",
    "!a",
    "a | b",
    "a <-> b",
    "a <2> b",
    "a:*",
    "a:AB",
    "'a' & 'b'",
    "''",
    "'\\'",
    "(a & (b | !c))",
    "foo:* & !bar",
    "<->",
    "&",
    "|||",
    "a" * 3000,  # longer than a PostgreSQL lexeme may be
    "€ ² ½ ‰",  # alphanumeric to Python, nothing to the text search parser
    "\x01\x02\x7f",
    "%(query)s %s {} $1",
    "x" * 50 + "\ud800",  # a lone surrogate: not encodable as UTF-8
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(index: DocumentIndex, backend: str, query: str) -> None:
    index.upsert([make_doc("a", text="x foo bar a b c++ near and or not")])
    hits = index.search(query)
    assert isinstance(hits, list)
    hits = index.search(query, SearchFilters(source="docs", key_prefix=query, tags={query: query},
                                             content_type=query, partition=query))
    assert isinstance(hits, list)
    assert index.count() == 1  # and nothing was dropped


def test_huge_queries_never_raise(index: DocumentIndex) -> None:
    """Tens of thousands of terms: more than a tsquery can nest (PostgreSQL) - no error."""
    index.upsert([make_doc("a", text="w1 w2 w3")])
    words = [f"w{i}" for i in range(20_000)]
    assert index.search(" ".join(words)) == []
    assert index.search('"' + " ".join(words) + '"') == []
    assert index.search(" ".join(["w1"] * 3_000)) != []  # (SQLite: 20,000 take seconds)
    assert keys(index.search("w3 w1 w2")) == ["a"]


@pytest.mark.parametrize("query", ["", "   ", "*", '"', '""', "--", "\x00"])
def test_queries_with_nothing_to_search_return_no_hits(index: DocumentIndex, query: str) -> None:
    index.upsert([make_doc("a", text="anything")])
    assert index.search(query) == []


def test_operator_words_are_plain_words(index: DocumentIndex) -> None:
    index.upsert([make_doc("a", text="black and white"), make_doc("b", text="black white")])
    assert keys(index.search("and")) == ["a"]
    # A leading "-" is not a NOT operator: both documents match.
    assert sorted(keys(index.search("-white black"))) == ["a", "b"]
    assert sorted(keys(index.search("!white | black"))) == ["a", "b"]
    assert keys(index.search("the")) == []  # a word like any other, in no document


def test_fts_query_quotes_everything() -> None:
    assert (
        fts_query('C++ "quick brown" fox* NEAR(')
        == '"C++" AND "quick brown" AND "fox"* AND "NEAR("'
    )
    assert fts_query("   ") is None
    assert fts_query('"a ""b"') is not None


@needs_psycopg
def test_ts_query_quotes_every_word() -> None:
    assert (
        ts_query('C++ "quick brown" fox* NEAR( a:b')
        == "'C' & ('quick' <-> 'brown') & 'fox':* & 'NEAR' & ('a' <-> 'b')"
    )
    assert ts_query('"reconciliation rep"*') == "('reconciliation' <-> 'rep':*)"
    assert ts_query("it's & !x | y <-> z") == "('it' <-> 's') & 'x' & 'y' & 'z'"
    assert ts_query("\\' '\\") is None
    for nothing in ("", "   ", "*", '"', '""', "--", "\x00", "&|!"):
        assert ts_query(nothing) is None
    many = ts_query(" ".join(f"w{i}" for i in range(5000)))
    assert many is not None and many.count("'w") == postgres_module.MAX_QUERY_TERMS
    assert ts_query("w1 " * 5000) == "'w1'"
    assert ts_query("x\ud800y") == "('x' <-> 'y')"


# ------------------------------------------------------------------------------------ filters


def test_filter_source_and_partition(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a", text="heron", partition="p1"),
            make_doc("b", text="heron", partition="p2"),
            make_doc("c", text="heron", source="other", partition="p1"),
        ]
    )
    assert sorted(keys(index.search("heron", SearchFilters(source="docs")))) == ["a", "b"]
    assert sorted(keys(index.search("heron", SearchFilters(partition="p1")))) == ["a", "c"]
    assert keys(index.search("heron", SearchFilters(source="docs", partition="p2"))) == ["b"]
    assert index.search("heron", SearchFilters(source="nobody")) == []


def test_filter_key_prefix_treats_wildcards_literally(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("data/100%_done/a.txt", text="ibis"),
            make_doc("data/100xydone/b.txt", text="ibis"),  # would match an unescaped LIKE
            make_doc("data/100%_donut/c.txt", text="ibis"),
            make_doc("Data/100%_done/d.txt", text="ibis"),  # prefixes are case-sensitive
            make_doc("other/e.txt", text="ibis"),
        ]
    )

    def prefixed(prefix: str) -> list[str]:
        return sorted(keys(index.search("ibis", SearchFilters(key_prefix=prefix))))

    assert prefixed("data/100%_done/") == ["data/100%_done/a.txt"]
    assert prefixed("data/100%_") == ["data/100%_done/a.txt", "data/100%_donut/c.txt"]
    assert prefixed("data/") == [
        "data/100%_done/a.txt",
        "data/100%_donut/c.txt",
        "data/100xydone/b.txt",
    ]
    assert prefixed("%") == []
    assert prefixed("_") == []
    assert prefixed("data\\") == []
    assert len(prefixed("")) == 5


def test_filter_tags(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a", text="okapi", tags={"team.name": "search", "env": "prod"}),
            make_doc("b", text="okapi", tags={"team.name": "other", "env": "prod"}),
            make_doc("c", text="okapi", tags={"team": "search"}),
            make_doc("d", text="okapi", tags={'owner "x" y': "me", "with space": "ok"}),
            make_doc("e", text="okapi"),
        ]
    )

    def with_tags(tags: dict[str, str]) -> list[str]:
        return sorted(keys(index.search("okapi", SearchFilters(tags=tags))))

    assert with_tags({"team.name": "search"}) == ["a"]
    assert with_tags({"env": "prod"}) == ["a", "b"]
    assert with_tags({"env": "prod", "team.name": "other"}) == ["b"]
    assert with_tags({"env": "prod", "team.name": "nobody"}) == []
    assert with_tags({"team": "search"}) == ["c"]
    assert with_tags({'owner "x" y': "me"}) == ["d"]
    assert with_tags({"with space": "ok"}) == ["d"]
    assert with_tags({"$.env": "prod"}) == []
    assert with_tags({"env": "PROD"}) == []
    assert len(with_tags({})) == 5


def test_filter_content_type_ignores_parameters_and_case(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("html", text="gecko", content_type="text/html; charset=utf-8"),
            make_doc("html2", text="gecko", content_type="Text/HTML"),
            make_doc("plain", text="gecko", content_type="text/plain;charset=us-ascii"),
            make_doc("none", text="gecko", content_type=None),
        ]
    )

    def typed(content_type: str) -> list[str]:
        return sorted(keys(index.search("gecko", SearchFilters(content_type=content_type))))

    assert typed("text/html") == ["html", "html2"]
    assert typed("text/html; charset=latin-1") == ["html", "html2"]
    assert typed("text/plain") == ["plain"]
    assert typed("application/pdf") == []
    # Stored as given.
    got = index.get("docs", "html")
    assert got is not None and got.content_type == "text/html; charset=utf-8"


# -------------------------------------------------------------------------------- concurrency


def _write_keys(path: str, prefix: str, batches: int, per_batch: int, start=None) -> None:
    ix = SqliteIndex(path)
    try:
        ix.count()  # opened, schema in place
        if start is not None:
            start.wait(timeout=60)  # all writers begin together
        for b in range(batches):
            ix.upsert(
                [
                    make_doc(f"{prefix}/{b}/{i}", text=f"capybara {prefix} {b} {i}")
                    for i in range(per_batch)
                ]
            )
            # Reads interleaved with the other writers' transactions.
            ix.count()
    finally:
        ix.close()


def test_threads_writing_concurrently_lose_nothing(make_index) -> None:
    shared = make_index()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            start.wait(timeout=30)
            for b in range(25):
                shared.upsert([make_doc(f"t{n}/{b}/{i}", text="capybara") for i in range(10)])
                shared.search("capybara", limit=3)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert shared.count() == 4 * 25 * 10
    assert len(shared.manifest("docs")) == 1000
    _assert_fts_in_sync(shared)


def test_processes_writing_concurrently_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "index.db")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(3)
    procs = [
        ctx.Process(target=_write_keys, args=(path, f"proc{n}", 30, 20, start)) for n in range(2)
    ]
    for p in procs:
        p.start()
    # This process writes too, at the same time.
    _write_keys(path, "parent", 10, 20, start)
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    ix = SqliteIndex(path)
    try:
        assert ix.count() == 2 * 30 * 20 + 10 * 20
        manifest = ix.manifest("docs")
        assert {k for k in manifest if k.startswith("proc0/")} == {
            f"proc0/{b}/{i}" for b in range(30) for i in range(20)
        }
        assert len(ix.search("capybara proc1", limit=10_000)) == 30 * 20
        _assert_fts_in_sync(ix)
    finally:
        ix.close()


# ---------------------------------------------------------------------------------- PostgreSQL

SHARED_KEYS = [f"shared/{i:03d}" for i in range(60)]
PG_BATCHES, PG_OWN_PER_BATCH = 12, 15


def _pg_writer(url: str, name: str, seed: int, start: Any = None) -> None:
    """Upserts batches that mix the writer's own partition with keys every writer also writes,
    each batch shuffled differently: unsorted, such batches deadlock against one another.
    Deadlock retries are off here, so a deadlock fails the writer instead of being absorbed."""
    postgres_module._WRITE_RETRIES = 0
    rng = random.Random(seed)
    ix = PostgresIndex(url)
    try:
        ix.count()
        if start is not None:
            start.wait(timeout=60)
        for b in range(PG_BATCHES):
            own = [
                make_doc(f"{name}/{b}/{i}", partition=name, text=f"capybara {name}")
                for i in range(PG_OWN_PER_BATCH)
            ]
            shared = [
                make_doc(key, partition="shared", text=f"shared by {name} batch {b}")
                for key in rng.sample(SHARED_KEYS, 40)
            ]
            batch = own + shared
            rng.shuffle(batch)
            ix.upsert(batch)
            ix.manifest("docs", partition=name)
            if b % 4 == 3:
                ix.delete("docs", [d.key for d in own[:2]])
                ix.record_failures("docs", name, [(d.key, "gone") for d in own[:2]])
    finally:
        ix.close()


@needs_psycopg
@pytest.mark.postgres
def test_postgres_parallel_writers_never_deadlock_and_lose_nothing(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_postgres_url
    monkeypatch.setattr(postgres_module, "_WRITE_RETRIES", 0)
    PostgresIndex(url).close()  # schema in place before the clock starts
    deadlocks_before = _pg_deadlocks(url)
    ctx = multiprocessing.get_context("spawn")
    threads_n, procs_n = 4, 2
    start_procs = ctx.Barrier(procs_n + 1)
    procs = [
        ctx.Process(target=_pg_writer, args=(url, f"proc{n}", 100 + n, start_procs))
        for n in range(procs_n)
    ]
    for p in procs:
        p.start()
    errors: list[BaseException] = []
    start_threads = threading.Barrier(threads_n)

    def thread_writer(n: int) -> None:
        try:
            _pg_writer(url, f"thread{n}", n, start_threads)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=thread_writer, args=(n,)) for n in range(threads_n)]
    start_procs.wait(timeout=120)  # the processes are up: everyone starts now
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for p in procs:
        p.join(timeout=120)
    assert errors == []
    assert [p.exitcode for p in procs] == [0] * procs_n

    writers = [f"thread{n}" for n in range(threads_n)] + [f"proc{n}" for n in range(procs_n)]
    deleted_per_writer = (PG_BATCHES // 4) * 2
    ix = PostgresIndex(url)
    try:
        partitions = ix.partitions("docs")
        for name in writers:
            assert partitions[name] == PG_BATCHES * PG_OWN_PER_BATCH - deleted_per_writer, name
            manifest = ix.manifest("docs", partition=name)
            assert f"{name}/0/2" in manifest and f"{name}/3/0" not in manifest
        assert len(ix.failures("docs")) == len(writers) * 2
        shared = ix.manifest("docs", partition="shared")
        assert set(shared) <= set(SHARED_KEYS) and len(shared) >= 40
        assert ix.count() == sum(partitions.values())
        assert len(ix.search("capybara", limit=10_000)) == ix.count() - len(shared)
        _assert_fts_in_sync(ix)
    finally:
        ix.close()
    assert _pg_deadlocks(url) == deadlocks_before


@needs_psycopg
@pytest.mark.postgres
def test_postgres_schema_version_is_recorded(fresh_postgres_url: str) -> None:
    ix = open_index(fresh_postgres_url)
    try:
        assert isinstance(ix, PostgresIndex)
        assert ix.count() == 0
        with psycopg.connect(fresh_postgres_url) as conn:
            versions = conn.execute("SELECT version FROM s3_ingest_schema_version").fetchall()
            assert versions == [(postgres_module.SCHEMA_VERSION,)] == [(3,)]
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            }
            assert {"documents", "failures", "s3_ingest_schema_version"} <= tables
            indexes = {
                row[0]
                for row in conn.execute(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = 'documents'"
                )
            }
            assert any("USING gin (search_vector)" in i for i in indexes)
            assert any("(source, key)" in i and "UNIQUE" in i for i in indexes)
            generated = conn.execute(
                "SELECT attgenerated FROM pg_attribute "
                "WHERE attrelid = 'documents'::regclass AND attname = 'search_vector'"
            ).fetchone()
            assert generated == ("s",)
            key_collation = conn.execute(
                "SELECT collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                "WHERE attrelid = 'documents'::regclass AND attname = 'key'"
            ).fetchone()
            assert key_collation == ("C",)
            uses_unaccent = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_ts_config_map m "
                "JOIN pg_ts_dict d ON d.oid = m.mapdict "
                "WHERE m.mapcfg = 's3_ingest_search'::regconfig AND d.dictname = 'unaccent')"
            ).fetchone()
            has_unaccent = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent')"
            ).fetchone()
            assert uses_unaccent == has_unaccent == (ix.unaccent,)
    finally:
        ix.close()
    # Opening again migrates nothing.
    again = PostgresIndex(fresh_postgres_url)
    try:
        again.upsert([make_doc("a")])
        with psycopg.connect(fresh_postgres_url) as conn:
            assert conn.execute("SELECT count(*) FROM s3_ingest_schema_version").fetchone() == (1,)
    finally:
        again.close()


@needs_psycopg
@pytest.mark.postgres
def test_postgres_a_newer_schema_is_refused(fresh_postgres_url: str) -> None:
    PostgresIndex(fresh_postgres_url).close()
    ix = PostgresIndex(fresh_postgres_url)
    ix.count()
    ix.close()
    with psycopg.connect(fresh_postgres_url) as conn:
        conn.execute("INSERT INTO s3_ingest_schema_version (version) VALUES (99)")
    newer = PostgresIndex(fresh_postgres_url)
    with pytest.raises(RuntimeError, match="schema version 99"):
        newer.count()
    newer.close()


@needs_psycopg
@pytest.mark.postgres
def test_postgres_concurrent_first_use_creates_the_schema_once(fresh_postgres_url: str) -> None:
    """Several instances opening the same new database at the same moment: the advisory lock
    lets one create the schema; the others wait, then find it in place."""
    n = 6
    start = threading.Barrier(n)
    errors: list[BaseException] = []
    indexes = [PostgresIndex(fresh_postgres_url) for _ in range(n)]

    def first_use(i: int) -> None:
        try:
            start.wait(timeout=30)
            indexes[i].upsert([make_doc(f"k{i}", text="quokka")])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        assert indexes[0].count() == n
        assert len(indexes[-1].search("quokka", limit=100)) == n
        with psycopg.connect(fresh_postgres_url) as conn:
            assert conn.execute("SELECT version FROM s3_ingest_schema_version").fetchall() == [(3,)]
    finally:
        for ix in indexes:
            ix.close()


@needs_psycopg
@pytest.mark.postgres
def test_postgres_open_index_schemes_and_closed_index(fresh_postgres_url: str) -> None:
    short = "postgres://" + fresh_postgres_url.split("://", 1)[1]
    for url in (fresh_postgres_url, short):
        ix = open_index(url)
        assert isinstance(ix, PostgresIndex)
        ix.upsert([make_doc("a")])
        assert ix.count() == 1
        ix.close()
        with pytest.raises(psycopg.ProgrammingError, match="closed"):
            ix.count()


@needs_psycopg
def test_postgres_repr_hides_the_password() -> None:
    ix = PostgresIndex("postgresql://user:s3cret@db.example:5432/index")
    assert "s3cret" not in repr(ix) and "user:***@db.example:5432" in repr(ix)


@needs_psycopg
def test_postgres_unreachable_server_fails_fast() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ix = PostgresIndex(f"postgresql://nobody@127.0.0.1:{port}/nothing", connect_timeout_s=2)
    with pytest.raises(psycopg.OperationalError):
        ix.count()
    ix.close()


@pytest.mark.postgres
def test_postgres_nul_characters_are_dropped(postgres_index: DocumentIndex) -> None:
    index = postgres_index
    doc = make_doc(
        "a\x00b",
        title="ti\x00tle",
        text="nul\x00ls in text",
        metadata={"k\x00": "v\x00"},
        tags={"t": "x\x00y"},
        reason="r\x00",
    )
    index.upsert([doc])
    got = index.get("docs", "ab")
    assert got is not None
    assert (got.key, got.title, got.text) == ("ab", "title", "nulls in text")
    assert got.metadata == {"k": "v"} and got.tags == {"t": "xy"} and got.reason == "r"
    assert index.get("docs", "a\x00b") == got
    assert keys(index.search("nulls")) == ["ab"]
    assert keys(index.search("nulls", SearchFilters(tags={"t": "x\x00y"}))) == ["ab"]
    index.record_failures("docs", "p1", [("a\x00b", "bo\x00om")])
    assert [(r.key, r.reason) for r in index.failures()] == [("ab", "boom")]
    assert index.delete("docs", ["a\x00b"]) == 1


@pytest.mark.postgres
def test_postgres_long_texts_are_searchable_beyond_the_first_chunk(
    postgres_index: DocumentIndex,
) -> None:
    """A tsvector holds at most 1 MB: text is indexed chunk by chunk, words are never cut at
    chunk boundaries, and a text of unique tokens too large for one vector is still stored."""
    index = postgres_index
    chunk = postgres_module._VECTOR_CHUNK_CHARS
    prose = ("lorem ipsum dolor sit amet consectetur " * (3 * chunk // 39 + 10)) + "finalword"
    assert len(prose) > 3 * chunk
    # A word straddling the first chunk boundary.
    straddle = "x" * (chunk - 4) + " boundaryword " + "y" * 100
    unique = " ".join(f"{n:x}zq" for n in range(300_000))  # ~2.4 MB of distinct tokens
    index.upsert(
        [
            make_doc("prose", text=prose),
            make_doc("straddle", text=straddle),
            make_doc("unique", text=unique + " tailword"),
        ]
    )
    assert keys(index.search("finalword")) == ["prose"]
    assert keys(index.search("boundaryword")) == ["straddle"]
    assert keys(index.search("0zq")) == ["unique"]  # the start is indexed
    assert index.search("tailword") == []  # past the 1 MB budget: stored, not searchable
    got = index.get("docs", "unique")
    assert got is not None and got.text is not None and got.text.endswith("tailword")
    (hit,) = index.search("finalword")
    assert hit.snippet.startswith("lorem ipsum") and "[" not in hit.snippet  # beyond the excerpt


# -------------------------------------------------------------------------------------- scale


def test_manifest_of_100k_rows(index: DocumentIndex) -> None:
    total, batch = 100_000, 5_000
    for start in range(0, total, batch):
        index.upsert(
            Document(
                source="big",
                bucket="b",
                key=f"k/{n:06d}",
                rel_path=f"{n:06d}",
                partition="even" if n % 2 == 0 else "odd",
                size=n,
                etag=f"e{n}",
                last_modified=T0 + timedelta(seconds=n),
            )
            for n in range(start, start + batch)
        )
    manifest = index.manifest("big")
    assert len(manifest) == total
    assert manifest["k/054321"] == ManifestEntry(
        key="k/054321", etag="e54321", size=54321, last_modified=T0 + timedelta(seconds=54321)
    )
    assert len(index.manifest("big", partition="odd")) == total // 2
    assert index.count("big") == total


# ------------------------------------------------------------------------------------ helpers


def _assert_fts_in_sync(index: DocumentIndex) -> None:
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


def _pg_deadlocks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


def test_write_retries_beyond_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    ix = SqliteIndex(str(path), busy_timeout_s=0.05)
    ix.upsert([make_doc("first")])
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("UPDATE documents SET etag = 'x' WHERE key = 'first'")
    # Readers are not blocked by a writer in WAL mode, and do not see its uncommitted work.
    assert ix.count() == 1
    assert ix.manifest("docs")["first"].etag == make_doc("first").etag
    timer = threading.Timer(0.3, lambda: blocker.execute("COMMIT"))
    timer.start()
    try:
        # SQLite itself gives up after 50 ms; the retries with backoff outlast the lock.
        assert ix.upsert([make_doc("second")]) == 1
    finally:
        timer.join()
        blocker.close()
    assert ix.count() == 2
    ix.close()


def test_write_gives_up_when_the_lock_is_never_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from s3_ingest.core.index import sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "_LOCK_BACKOFF_S", 0.001)
    path = tmp_path / "index.db"
    ix = SqliteIndex(str(path), busy_timeout_s=0.01)
    ix.count()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            ix.upsert([make_doc("a")])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert ix.upsert([make_doc("a")]) == 1  # usable again once the lock is gone
    ix.close()

