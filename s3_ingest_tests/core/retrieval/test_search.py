"""Search by words, by meaning and both, through the Python API, with the real offline model.

The corpus is made so that the answer to each question shares no word with it."""

import pytest

from s3_ingest.core.index import SearchFilters
from s3_ingest.core.index.postgres_chunks import NO_PGVECTOR
from s3_ingest.core.retrieval import ChunkHit, DocumentHit, Retriever, SearchError
from s3_ingest.core.retrieval.chunk_run import chunk_partition
from s3_ingest.core.retrieval.local_minilm import LocalMiniLM
from s3_ingest_tests.core.index.conftest import (  # noqa: F401 - fixtures
    backend, index_url, make_index, postgres_module_url)
from s3_ingest_tests.core.retrieval.fakes import doc

CORPUS = {
    "hr/vacation.md": "# Employee vacation policy\nEvery employee gets 28 paid holidays a year."
                      "\n## Booking\nRequest days off in the HR portal two weeks ahead.",
    "hr/remote.md": "# Remote work\nOffice staff may work from home three days a week.",
    "fin/invoices.md": "# Invoices\nSupplier invoices are paid within 30 days by transfer.",
    "ops/trucks.md": "# Fleet\nTrucks are serviced every 40,000 kilometres at the depot.",
}


@pytest.fixture(scope="module")
def minilm():
    return LocalMiniLM()


@pytest.fixture
def index(make_index, minilm):
    ix = make_index()
    ix.upsert([doc(key, text, partition=key.split("/")[0] + "/",
                   tags={"team": key.split("/")[0]}) for key, text in CORPUS.items()])
    return ix


def chunked(index, minilm):
    for partition in ("hr/", "fin/", "ops/"):
        chunk_partition(index, "docs", partition, minilm)
    return Retriever(index, minilm)


def keys(hits):
    return [h.key for h in hits]


def test_before_chunks_exist_search_is_keyword_over_documents(index, minilm):
    retriever = Retriever(index, minilm)
    assert retriever.default_mode() == "keyword"
    assert keys(retriever.search("supplier invoices")) == ["fin/invoices.md"]
    with pytest.raises(SearchError, match="no chunks yet"):
        retriever.search("supplier invoices", "hybrid")


def test_hybrid_finds_what_shares_no_word_with_the_query(index, minilm):
    retriever = chunked(index, minilm)
    assert retriever.default_mode() == "hybrid"
    if index.vector_search_unavailable:
        pytest.skip(f"{index!r}: {index.vector_search_unavailable}")
    assert retriever.search("staff leave rules", "keyword") == []
    results = retriever.run("staff leave rules", limit=2)
    assert results.mode == "hybrid"
    assert keys(results.hits)[0] == "hr/vacation.md"
    best = results.hits[0]
    assert isinstance(best, DocumentHit) and best.chunk.heading.startswith("Employee vacation")
    assert keys(retriever.search("when is the lorry maintained", "semantic"))[0] == "ops/trucks.md"


def test_fusion_puts_what_both_rankings_agree_on_first(index, minilm):
    retriever = chunked(index, minilm)
    if index.vector_search_unavailable:
        pytest.skip(f"{index!r}: {index.vector_search_unavailable}")
    hits = retriever.search("staff work from home", "hybrid", chunks=True)
    assert isinstance(hits[0], ChunkHit)
    assert hits[0].key == "hr/remote.md"
    assert hits[0].keyword_rank == 1 and hits[0].semantic_rank == 1
    assert hits[0].score == pytest.approx(2 / 61)
    assert all(h.score <= hits[0].score for h in hits)
    only_semantic = [h for h in hits if h.keyword_rank is None]
    assert only_semantic and all(h.score == pytest.approx(1 / (60 + h.semantic_rank))
                                 for h in only_semantic)


def test_filters_apply_to_every_mode(index, minilm):
    retriever = chunked(index, minilm)
    modes = ["keyword"] if index.vector_search_unavailable else ["keyword", "semantic", "hybrid"]
    for mode in modes:
        hits = retriever.search("policy rules days", mode, SearchFilters(tags={"team": "fin"}))
        assert set(keys(hits)) <= {"fin/invoices.md"}, mode
        hits = retriever.search("days", mode, SearchFilters(key_prefix="hr/"), chunks=True)
        assert hits and all(h.key.startswith("hr/") for h in hits), mode


def test_without_pgvector_hybrid_falls_back_to_keyword_and_says_so(index, minilm):
    retriever = chunked(index, minilm)
    if not index.vector_search_unavailable:
        # What a PostgreSQL server without the extension makes the index say (its detection
        # is tested at load, test_chunks_asset.py); here: what search does about it.
        index.vector_search_unavailable = NO_PGVECTOR
    results = retriever.run("supplier invoices", "hybrid")
    assert results.mode == "keyword" and "pgvector" in results.note
    assert keys(results.hits) == ["fin/invoices.md"]
    with pytest.raises(SearchError, match="pgvector"):
        retriever.search("supplier invoices", "semantic")
