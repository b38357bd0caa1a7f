"""A chunks run publishes a partition's chunks in one transaction at its end: readers see the
old chunks until then, a run that fails changes nothing (the deleted documents' chunks stay
too), and the next run completes it, reusing what the failed one embedded. Over both index
backends, with batches smaller than the partition so the run has several."""

import sqlite3

import pytest

from s3_ingest.core.index import open_index
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.retrieval.chunk_run import chunk_partition
from s3_ingest_tests.core.index.conftest import (  # noqa: F401 - fixtures
    backend, fresh_postgres_url, index_url, make_index, postgres_module_url)
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder, doc

KEYS = [f"p/d{i}.md" for i in range(5)]
BATCH = 2  # five changed documents: batches of 2, 2 and 1, so three embedder calls


def old_text(i: int) -> str:
    return f"# Old\nKestrels circle the harbour number {i}."


def new_text(i: int) -> str:
    return f"# New\nHerons wade along the estuary number {i}."


@pytest.fixture
def index(make_index):
    """Five documents and one more to be deleted, chunked once; then the five change and the
    one goes, so the next run has three batches to write and one document's chunks to delete."""
    ix = make_index()
    ix.upsert([doc(k, old_text(i)) for i, k in enumerate(KEYS)] + [doc("p/gone.md", "Kestrels.")])
    chunk_partition(ix, "docs", "p/", HashingEmbedder(), batch_documents=BATCH)
    ix.upsert([doc(k, new_text(i)) for i, k in enumerate(KEYS)])
    ix.delete("docs", ["p/gone.md"])
    return ix


def snapshot(index) -> list[tuple]:
    return list(index.partition_chunks("docs", "p/"))


def found(index, word: str) -> list[str]:
    return sorted(row[2] for row in index.search_chunks(word, None, None, limit=100))


class FailsOnCall(HashingEmbedder):
    def __init__(self, failing_call: int):
        super().__init__()
        self.failing_call = failing_call

    def embed(self, texts):
        if len(self.calls) + 1 == self.failing_call:
            raise RuntimeError("embedder down")
        return super().embed(texts)


def test_a_run_failing_on_its_last_batch_changes_nothing_and_the_next_completes_it(index):
    before = snapshot(index)
    assert {row[0] for row in before} == {*KEYS, "p/gone.md"}
    failing = FailsOnCall(3)
    with pytest.raises(RuntimeError, match="embedder down"):
        chunk_partition(index, "docs", "p/", failing, batch_documents=BATCH)
    assert len(failing.calls) == 2  # two batches were embedded (and staged) before it failed
    assert snapshot(index) == before  # none replaced, the deleted document's chunks still there
    assert found(index, "herons") == [] and found(index, "kestrels") == KEYS
    assert index.has_staged_chunks("docs", "p/")

    embedder = HashingEmbedder()
    report = chunk_partition(index, "docs", "p/", embedder, batch_documents=BATCH)
    # What the failed run embedded is not embedded again: only the last document's text is.
    assert embedder.embedded == ["New\nHerons wade along the estuary number 4."]
    assert (report.written, report.embedded, report.documents_deleted) == (5, 1, ["p/gone.md"])
    assert [(row[0], row[4]) for row in snapshot(index)] == [
        (k, f"Herons wade along the estuary number {i}.") for i, k in enumerate(KEYS)]
    assert found(index, "herons") == KEYS and found(index, "kestrels") == []
    assert not index.has_staged_chunks("docs", "p/")
    _assert_chunk_fts_in_sync(index)


def test_a_reader_during_the_run_sees_only_the_old_chunks(index, make_index):
    reader = make_index()  # its own connections, as a search from another process would have
    # The documents asset writes meanwhile: to SQLite without waiting for a lock, so a run
    # that held the write lock while embedding would fail this.
    writer = SqliteIndex(index.path, busy_timeout_s=0) if isinstance(index, SqliteIndex) \
        else make_index()
    before = snapshot(reader)
    seen: list[tuple] = []

    class Watched(HashingEmbedder):
        def embed(self, texts):
            # Called once per batch, after the batches before it were staged.
            seen.append((snapshot(reader), found(reader, "herons"), found(reader, "kestrels")))
            writer.upsert([doc(f"q/{len(seen)}.md", "Meanwhile.", partition="q/")])
            return super().embed(texts)

    try:
        chunk_partition(index, "docs", "p/", Watched(), batch_documents=BATCH)
    finally:
        if isinstance(writer, SqliteIndex):
            writer.close()
    assert len(seen) == 3 and reader.count("docs", "q/") == 3
    assert seen == [(before, [], KEYS)] * 3  # search leaves out chunks of deleted documents
    assert found(reader, "herons") == KEYS and found(reader, "kestrels") == []
    assert reader.chunk_count("docs", "p/") == len(KEYS)


def test_stale_staged_rows_of_documents_gone_since_are_cleared_by_the_next_run(index):
    with pytest.raises(RuntimeError):
        chunk_partition(index, "docs", "p/", FailsOnCall(3), batch_documents=BATCH)
    index.delete("docs", ["p/d0.md"])  # staged by the failed run, never staged again
    chunk_partition(index, "docs", "p/", HashingEmbedder(), batch_documents=BATCH)
    assert not index.has_staged_chunks("docs", "p/")
    assert sorted({row[0] for row in snapshot(index)}) == KEYS[1:]


def test_a_removed_partition_takes_its_staged_chunks_along(index):
    with pytest.raises(RuntimeError):
        chunk_partition(index, "docs", "p/", FailsOnCall(2), batch_documents=BATCH)
    assert index.has_staged_chunks("docs", "p/")
    index.delete_source("docs", "p/")
    assert not index.has_staged_chunks("docs", "p/") and index.chunk_count() == 0


def test_a_version_2_index_gains_the_stage_and_keeps_its_chunks(backend, tmp_path, request):
    url = str(tmp_path / "v2.db") if backend == "sqlite" else request.getfixturevalue(
        "fresh_postgres_url")
    with open_index(url) as ix:
        ix.upsert([doc("p/a.md", old_text(0))])
        chunk_partition(ix, "docs", "p/", HashingEmbedder())
        before = snapshot(ix)
    _downgrade_to_version_2(url, backend)
    with open_index(url) as ix:
        assert snapshot(ix) == before and not ix.has_staged_chunks("docs", "p/")
        ix.upsert([doc("p/a.md", new_text(0))])
        assert chunk_partition(ix, "docs", "p/", HashingEmbedder()).written == 1
        assert found(ix, "herons") == ["p/a.md"]
    if backend == "sqlite":
        assert sqlite3.connect(url).execute("PRAGMA user_version").fetchone()[0] == 4  # issue 24


def _downgrade_to_version_2(url: str, backend: str) -> None:
    """What version 2 left: no stage, and the version it recorded."""
    if backend == "sqlite":
        conn = sqlite3.connect(url)
        conn.execute("DROP TABLE chunks_staged")
        conn.execute("PRAGMA user_version = 2")
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE chunks_staged")
        conn.execute("DELETE FROM s3_ingest_schema_version")
        conn.execute("INSERT INTO s3_ingest_schema_version (version) VALUES (2)")


def _assert_chunk_fts_in_sync(index) -> None:
    """SQLite: FTS5's own check that chunks_fts matches the chunks rows moved in by INSERT ...
    SELECT. PostgreSQL's tsvector is a generated column, so it cannot drift."""
    if isinstance(index, SqliteIndex):
        index._connection().execute(
            "INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
