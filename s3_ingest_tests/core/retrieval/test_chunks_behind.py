"""Issue 19: chunks are never read behind their documents. A documents write that changes a
document's text takes the chunks cut from the old text out of search in the same transaction
(keeping their vectors for the next chunks run to reuse); the index counts what is behind; a
search finds such documents - and metadata-only ones - by keyword in every mode, and says
what is behind. Over both index backends."""

import pytest

from s3_ingest.core.retrieval import Retriever
from s3_ingest.core.retrieval.chunk_run import chunk_partition
from s3_ingest_tests.core.index.conftest import (  # noqa: F401 - fixtures
    backend, fresh_postgres_url, index_url, make_index, postgres_module_url)
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder, doc

POLICY = "# Remote work\nOffice staff may work from home {n} days a week.\n\n## Laptops\n" \
         "Every remote worker gets a company laptop."


@pytest.fixture
def index(make_index):
    ix = make_index()
    ix.upsert([doc("p/remote.md", POLICY.format(n="three")),
               doc("p/pay.md", "# Pay\nWages arrive on the 25th."),
               doc("p/[broken-report].pdf", None)])
    chunk_partition(ix, "docs", "p/", HashingEmbedder())
    return ix


def keys(hits):
    return [h.key for h in hits]


def test_a_changed_text_takes_its_old_chunks_out_of_search_at_once(index):
    assert index.documents_behind() == 0 and index.partitions_behind("docs") == {}
    index.upsert([doc("p/remote.md", POLICY.format(n="four")),
                  doc("p/new.md", "# Reorganisation\nThe depots merge.")])
    index.delete("docs", ["p/pay.md"])
    # Nothing the chunks table gives search was cut from text the documents no longer have.
    assert set(index.chunk_states("docs", "p/")) == {"p/pay.md"}  # deleted: joins drop it
    assert index.documents_behind("docs") == 2
    assert index.partitions_behind("docs") == {"p/": 2}

    retriever = Retriever(index, HashingEmbedder())
    results = retriever.run("four days", "keyword")
    assert keys(results.hits) == ["p/remote.md"] and results.hits[0].chunk is None
    assert results.behind == 2 and "`s3-ingest sync`" in results.note
    if not index.vector_search_unavailable:
        for mode in ("semantic", "hybrid"):
            found = retriever.run("three days", mode, limit=20).hits
            assert not any("three days" in (h.snippet or "") for h in found), mode
            assert "p/new.md" in keys(retriever.search("reorganisation", mode)), mode

    # The next chunks run reuses the vectors of the passages that did not change.
    embedder = HashingEmbedder()
    report = chunk_partition(index, "docs", "p/", embedder)
    assert report.documents_deleted == ["p/pay.md"]
    assert report.reused == 1 and report.embedded == 2  # the laptop passage kept its vector
    assert index.documents_behind() == 0 and index.partitions_behind("docs") == {}
    assert not index.has_staged_chunks("docs", "p/")
    hit = retriever.run("four days", "keyword").hits[0]
    assert hit.key == "p/remote.md" and "four days" in hit.chunk.text


def test_a_text_that_goes_takes_its_chunks_along(index):
    index.upsert([doc("p/remote.md", None)])  # now metadata-only
    assert "p/remote.md" not in index.chunk_states("docs", "p/")
    assert index.documents_behind() == 0  # nothing to cut: not behind


def test_metadata_only_documents_are_found_by_key_and_title_in_every_mode(index):
    retriever = Retriever(index, HashingEmbedder())
    modes = ["keyword"] + ([] if index.vector_search_unavailable else ["semantic", "hybrid"])
    for mode in modes:
        for query in ("broken-report", "broken report"):
            hits = retriever.run(query, mode).hits  # type: ignore[arg-type]
            assert "p/[broken-report].pdf" in keys(hits), (mode, query)


def test_a_document_written_during_a_chunks_run_is_left_behind_not_stale(index):
    index.upsert([doc("p/remote.md", POLICY.format(n="four"))])

    class WritesMeanwhile(HashingEmbedder):
        def embed(self, texts):
            # The documents asset rewrites the policy while its old text is being embedded.
            index.upsert([doc("p/remote.md", POLICY.format(n="five"))])
            return super().embed(texts)

    chunk_partition(index, "docs", "p/", WritesMeanwhile())
    # The chunks cut from "four" are not published for a document that now says "five".
    assert "p/remote.md" not in index.chunk_states("docs", "p/")
    assert index.documents_behind() == 1
    chunk_partition(index, "docs", "p/", HashingEmbedder())
    assert index.documents_behind() == 0
    texts = [row[4] for row in index.partition_chunks("docs", "p/") if row[0] == "p/remote.md"]
    assert any("five days" in text for text in texts)


def test_a_version_3_index_learns_what_is_behind_when_it_opens(backend, tmp_path, request):
    import sqlite3

    from s3_ingest.core.index import open_index

    url = str(tmp_path / "v3.db") if backend == "sqlite" else request.getfixturevalue(
        "fresh_postgres_url")
    with open_index(url) as ix:
        ix.upsert([doc("p/a.md", "# A\nKestrels."), doc("p/b.md", "# B\nOwls."),
                   doc("p/c.pdf", None)])
        chunk_partition(ix, "docs", "p/", HashingEmbedder())
        ix.upsert([doc("q/new.md", "# New\nHerons.", partition="q/")])
    from s3_ingest_tests.core.index.downgrade import downgrade_to_version_3

    downgrade_to_version_3(url, backend)  # what version 3 left: no markers
    with open_index(url) as ix:
        assert ix.documents_behind() == 1 and ix.partitions_behind("docs") == {"q/": 1}
