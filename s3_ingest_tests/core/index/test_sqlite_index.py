"""The SQLite/FTS5 index backend: storage round-trips, search, filters, safety, concurrency."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from s3_ingest.core.documents import Document
from s3_ingest.core.index import open_index
from s3_ingest.core.index.base import ManifestEntry, SearchFilters
from s3_ingest.core.index.sqlite import SqliteIndex, fts_query

T0 = datetime(2024, 5, 17, 8, 30, 15, 123456, tzinfo=timezone.utc)


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
def index(tmp_path: Path):
    ix = SqliteIndex(str(tmp_path / "index.db"))
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
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
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


def test_get_round_trips_every_field(index: SqliteIndex) -> None:
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


def test_upsert_is_idempotent_and_replaces_text(index: SqliteIndex) -> None:
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


def test_same_key_in_two_sources_is_two_documents(index: SqliteIndex) -> None:
    index.upsert([make_doc("a"), make_doc("a", source="other")])
    assert index.count() == 2
    assert index.count("docs") == 1
    assert index.count("other") == 1


def test_delete(index: SqliteIndex) -> None:
    index.upsert([make_doc(k, text=f"walrus {k}") for k in ("a", "b", "c")])
    index.upsert([make_doc("a", source="other", text="walrus elsewhere")])
    assert index.delete("docs", ["a", "c", "never-there"]) == 2
    assert index.get("docs", "a") is None
    assert index.get("docs", "b") is not None
    assert index.get("other", "a") is not None
    assert sorted(keys(index.search("walrus"))) == ["a", "b"]  # b, and the other source's a
    assert index.delete("docs", []) == 0
    _assert_fts_in_sync(index)


def test_delete_source_partition_only(index: SqliteIndex) -> None:
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


def test_manifest(index: SqliteIndex) -> None:
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


def test_counts(index: SqliteIndex) -> None:
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


@pytest.mark.parametrize(
    "bad",
    [
        {"metadata": {"not-json": object()}},  # fails while building the row
        {"size": 2**80},  # fails while binding (too large for an SQLite INTEGER)
        {"source": None},  # fails in SQLite (NOT NULL)
    ],
    ids=["unserialisable-metadata", "oversized-int", "not-null"],
)
def test_failed_batch_rolls_back_entirely(index: SqliteIndex, bad: dict[str, object]) -> None:
    index.upsert([make_doc("existing", text="original wombat")])
    batch = [
        make_doc("existing", text="changed koala"),
        make_doc("new-1", text="koala one"),
        make_doc("broken", **bad),
        make_doc("new-2", text="koala two"),
    ]
    with pytest.raises((TypeError, OverflowError, sqlite3.IntegrityError)):
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


def test_title_match_outranks_body_match_and_snippets_highlight(index: SqliteIndex) -> None:
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


def test_hit_fields_and_snippet_for_document_without_text(index: SqliteIndex) -> None:
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


def test_limit(index: SqliteIndex) -> None:
    index.upsert([make_doc(f"k{i}", text="lemur") for i in range(20)])
    assert len(index.search("lemur", limit=5)) == 5
    assert len(index.search("lemur", limit=50)) == 20
    assert index.search("lemur", limit=0) == []


def test_words_are_anded_and_phrases_kept(index: SqliteIndex) -> None:
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


def test_prefix_query(index: SqliteIndex) -> None:
    index.upsert([make_doc("a", text="reconciliation report"), make_doc("b", text="recon")])
    assert sorted(keys(index.search("reconcil*"))) == ["a"]
    assert sorted(keys(index.search("reco*"))) == ["a", "b"]


def test_diacritics_and_case_are_folded(index: SqliteIndex) -> None:
    index.upsert([make_doc("cv", title="Mon Résumé", text="Curriculum of Zoë Ångström")])
    assert keys(index.search("resume")) == ["cv"]
    assert keys(index.search("RÉSUMÉ")) == ["cv"]
    assert keys(index.search("zoe angstrom")) == ["cv"]


def test_stemming(index: SqliteIndex) -> None:
    index.upsert([make_doc("a", text="she was running reports")])
    assert keys(index.search("run report")) == ["a"]


def test_punctuation_in_terms_is_searchable(index: SqliteIndex) -> None:
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
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(index: SqliteIndex, query: str) -> None:
    index.upsert([make_doc("a", text="x foo bar a b c++ near and or not")])
    hits = index.search(query)
    assert isinstance(hits, list)
    hits = index.search(query, SearchFilters(source="docs", key_prefix=query, tags={query: query}))
    assert isinstance(hits, list)
    assert index.count() == 1  # and nothing was dropped


@pytest.mark.parametrize("query", ["", "   ", "*", '"', '""', "--", "\x00"])
def test_queries_with_nothing_to_search_return_no_hits(index: SqliteIndex, query: str) -> None:
    index.upsert([make_doc("a", text="anything")])
    assert index.search(query) == []


def test_operator_words_are_plain_words(index: SqliteIndex) -> None:
    index.upsert([make_doc("a", text="black and white"), make_doc("b", text="black white")])
    assert keys(index.search("and")) == ["a"]
    # A leading "-" is not a NOT operator: both documents match.
    assert sorted(keys(index.search("-white black"))) == ["a", "b"]


def test_fts_query_quotes_everything() -> None:
    assert (
        fts_query('C++ "quick brown" fox* NEAR(')
        == '"C++" AND "quick brown" AND "fox"* AND "NEAR("'
    )
    assert fts_query("   ") is None
    assert fts_query('"a ""b"') is not None


# ------------------------------------------------------------------------------------ filters


def test_filter_source_and_partition(index: SqliteIndex) -> None:
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


def test_filter_key_prefix_treats_wildcards_literally(index: SqliteIndex) -> None:
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
    assert len(prefixed("")) == 5


def test_filter_tags(index: SqliteIndex) -> None:
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
    assert len(with_tags({})) == 5


def test_filter_content_type_ignores_parameters_and_case(index: SqliteIndex) -> None:
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


def test_threads_writing_concurrently_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "index.db")
    shared = SqliteIndex(path)
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
    shared.close()


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


# -------------------------------------------------------------------------------------- scale


def test_manifest_of_100k_rows(index: SqliteIndex) -> None:
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


def _assert_fts_in_sync(index: SqliteIndex) -> None:
    """FTS5's own check that the external-content index matches the documents table."""
    conn = index._connection()
    conn.execute("INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)")


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
