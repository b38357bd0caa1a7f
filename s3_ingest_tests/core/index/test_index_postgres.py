"""What only the PostgreSQL backend does: its schema (created once, versioned), its URLs and
connections, NUL characters, and texts longer than one search vector."""

from __future__ import annotations

import threading

import pytest

from s3_ingest.core.index import DocumentIndex, open_index
from s3_ingest.core.index.base import SearchFilters
from s3_ingest_tests.core.index.documents import keys, make_doc
from s3_ingest_tests.core.index.psycopg_support import (
    PostgresIndex,
    needs_psycopg,
    postgres_module,
    psycopg,
)


@needs_psycopg
@pytest.mark.postgres
def test_postgres_schema_version_is_recorded(fresh_postgres_url: str) -> None:
    ix = open_index(fresh_postgres_url)
    try:
        assert isinstance(ix, PostgresIndex)
        assert ix.count() == 0
        with psycopg.connect(fresh_postgres_url) as conn:
            versions = conn.execute("SELECT version FROM s3_ingest_schema_version").fetchall()
            assert versions == [(postgres_module.SCHEMA_VERSION,)] == [(4,)]  # 4: issue 24
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
            assert conn.execute("SELECT version FROM s3_ingest_schema_version").fetchall() == [(4,)]  # issue 24
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
