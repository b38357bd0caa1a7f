"""A chunks run is incremental by content hash, deletes the chunks of deleted documents, and
never mixes two models' vectors. Over both index backends."""

import sqlite3

import pytest

from s3_ingest.core.retrieval import Retriever, SearchError
from s3_ingest.core.retrieval.chunk_run import chunk_partition
from s3_ingest_tests.core.index.conftest import (  # noqa: F401 - fixtures
    backend, index_url, make_index, postgres_module_url)
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder, doc

LONG = " ".join(f"Paragraph {i} tells of kestrels, harbours and trucks number {i}." * 3
                for i in range(60))


@pytest.fixture
def index(make_index):
    ix = make_index()
    ix.upsert([
        doc("p/a.md", "# Alpha\nKestrels hover over the dunes.\n# Beta\nOwls hunt at night."),
        doc("p/long.txt", LONG),
        doc("p/image.png", None),
        doc("q/other.txt", "Another partition entirely.", partition="q/"),
    ])
    return ix


def test_first_run_embeds_every_chunk_once(index):
    embedder = HashingEmbedder()
    report = chunk_partition(index, "docs", "p/", embedder)
    assert report.documents == 2
    assert report.written == index.chunk_count("docs", "p/") > 3
    assert report.embedded == len(embedder.embedded) == report.written
    assert report.reused == report.deleted == 0
    assert index.chunk_count("docs", "q/") == 0  # another partition is another run
    assert index.chunk_models() == {"test/hashing": report.written}


def test_unchanged_documents_are_not_embedded_again(index):
    first = chunk_partition(index, "docs", "p/", HashingEmbedder())
    embedder = HashingEmbedder()
    again = chunk_partition(index, "docs", "p/", embedder)
    assert embedder.calls == [] or embedder.embedded == []
    assert (again.written, again.embedded, again.reused) == (0, 0, first.written)


def test_a_changed_document_re_embeds_only_its_changed_chunks(index):
    chunk_partition(index, "docs", "p/", HashingEmbedder())
    index.upsert([doc("p/a.md", "# Alpha\nKestrels hover over the dunes.\n# Beta\nOwls sleep.")])
    embedder = HashingEmbedder()
    report = chunk_partition(index, "docs", "p/", embedder)
    assert embedder.embedded == ["Beta\nOwls sleep."]
    assert (report.written, report.embedded) == (2, 1)
    hits = Retriever(index, embedder).search("owls sleep", "keyword", chunks=True)
    assert [(h.key, h.heading, h.text) for h in hits] == [("p/a.md", "Beta", "Owls sleep.")]


def test_deleted_documents_take_their_chunks_with_them(index):
    chunk_partition(index, "docs", "p/", HashingEmbedder())
    before = index.chunk_count("docs", "p/")
    index.delete("docs", ["p/long.txt"])
    report = chunk_partition(index, "docs", "p/", HashingEmbedder())
    assert report.documents_deleted == ["p/long.txt"]
    assert index.chunk_count("docs", "p/") == before - report.deleted == 2


def test_a_failed_write_leaves_the_old_chunks(index, monkeypatch):
    chunk_partition(index, "docs", "p/", HashingEmbedder())
    before = index.chunk_states("docs", "p/")
    index.delete("docs", ["p/long.txt"])
    index.upsert([doc("p/a.md", "# Alpha\nChanged text.")])

    class Broken(HashingEmbedder):
        def embed(self, texts):
            raise RuntimeError("embedder down")

    with pytest.raises(RuntimeError):
        chunk_partition(index, "docs", "p/", Broken())
    assert index.chunk_states("docs", "p/") == before  # neither replaced nor deleted


def test_a_model_change_re_embeds_everything_with_full_and_never_mixes(index):
    if index.vector_search_unavailable:
        pytest.skip(f"{index!r}: {index.vector_search_unavailable}")
    chunk_partition(index, "docs", "p/", HashingEmbedder("model/one"))
    other = HashingEmbedder("model/two")
    with pytest.raises(SearchError, match="model/one"):
        Retriever(index, other).search("kestrels", "semantic")
    report = chunk_partition(index, "docs", "p/", other, full=True)
    assert report.embedded == report.written == index.chunk_count("docs", "p/")
    assert index.chunk_models() == {"model/two": report.written}
    assert Retriever(index, other).search("kestrels", "semantic")


def test_a_model_change_without_full_still_replaces_the_old_vectors(index):
    chunk_partition(index, "docs", "p/", HashingEmbedder("model/one"))
    report = chunk_partition(index, "docs", "p/", HashingEmbedder("model/two"))
    assert report.embedded == report.written > 0
    assert set(index.chunk_models()) == {"model/two"}


def test_a_removed_partition_takes_its_chunks_along(index):
    chunk_partition(index, "docs", "p/", HashingEmbedder())
    index.upsert([doc("q/more.md", "Kestrels again.", partition="q/")])
    chunk_partition(index, "docs", "q/", HashingEmbedder())
    assert index.delete_source("docs", "p/") == 3  # documents, as before
    assert index.chunk_count("docs", "p/") == 0 and index.chunk_count("docs", "q/") > 0
    index.delete_source("docs")
    assert index.chunk_count() == 0


def test_a_version_1_index_gains_chunks_and_keeps_its_documents(tmp_path):
    from s3_ingest.core.index import open_index

    path = str(tmp_path / "old.db")
    with open_index(path) as ix:
        ix.upsert([doc("p/a.md", "# Alpha\nKestrels hover over the dunes.")])
    old = sqlite3.connect(path)  # what version 1 left: no chunks tables
    for statement in ("DROP TRIGGER chunks_fts_insert", "DROP TRIGGER chunks_fts_delete",
                      "DROP TABLE chunks_fts", "DROP TABLE chunks", "DROP TABLE chunks_staged",
                      "PRAGMA user_version = 1"):
        old.execute(statement)
    old.commit()
    old.close()
    with open_index(path) as ix:
        assert ix.count() == 1 and ix.chunk_count() == 0
        assert chunk_partition(ix, "docs", "p/", HashingEmbedder()).written == 1
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 4  # issue 24
