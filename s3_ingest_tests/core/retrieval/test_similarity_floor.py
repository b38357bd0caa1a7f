"""The semantic side's similarity floor (issue 19): what is below it is no semantic match;
hybrid keeps the keyword side; the floor comes from the call, the environment or the default."""

import pytest

from s3_ingest.core.retrieval import Retriever, SearchError
from s3_ingest.core.retrieval.chunk_run import chunk_partition
from s3_ingest.core.retrieval.similarity_floor import DEFAULT_MIN_SIMILARITY, MIN_SIMILARITY_ENV
from s3_ingest_tests.core.index.conftest import (  # noqa: F401 - fixtures
    backend, index_url, make_index, postgres_module_url)
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder as _Hashing
from s3_ingest_tests.core.retrieval.fakes import doc


def HashingEmbedder():  # noqa: N802 - wide enough that no two of these words collide
    return _Hashing(dimension=512)


@pytest.fixture
def index(make_index):
    ix = make_index()
    ix.upsert([doc("p/owls.md", "# Owls\nOwls hunt at night."),
               doc("p/ships.md", "# Ships\nShips dock in the harbour.")])
    chunk_partition(ix, "docs", "p/", HashingEmbedder())
    if ix.vector_search_unavailable:
        pytest.skip(f"{ix!r}: {ix.vector_search_unavailable}")
    return ix


def test_below_the_floor_is_no_semantic_match(index):
    # The hashing embedder: "owls hunt" shares words with one chunk (cosine 0.80), none with
    # the other (0.0).
    loose = Retriever(index, HashingEmbedder(), min_similarity=-1.0)
    assert {h.key for h in loose.search("owls hunt", "semantic")} == {"p/owls.md", "p/ships.md"}
    strict = Retriever(index, HashingEmbedder(), min_similarity=0.5)
    assert [h.key for h in strict.search("owls hunt", "semantic")] == ["p/owls.md"]
    assert Retriever(index, HashingEmbedder(), min_similarity=0.99).search(
        "owls hunt", "semantic") == []
    # Hybrid keeps what the keyword side found, with its keyword rank alone.
    [hit] = Retriever(index, HashingEmbedder(), min_similarity=0.99).search(
        "ships", "hybrid", chunks=True)
    assert (hit.key, hit.keyword_rank, hit.semantic_rank) == ("p/ships.md", 1, None)
    assert hit.score == pytest.approx(1 / 61)


def test_the_floor_comes_from_the_call_the_environment_or_the_default(index, monkeypatch):
    monkeypatch.delenv(MIN_SIMILARITY_ENV, raising=False)
    assert Retriever(index, HashingEmbedder()).min_similarity == DEFAULT_MIN_SIMILARITY
    monkeypatch.setenv(MIN_SIMILARITY_ENV, "0.4")
    assert Retriever(index, HashingEmbedder()).min_similarity == 0.4
    assert Retriever(index, HashingEmbedder(), min_similarity=0.1).min_similarity == 0.1
    monkeypatch.setenv(MIN_SIMILARITY_ENV, "high")
    with pytest.raises(SearchError, match=f"{MIN_SIMILARITY_ENV}='high': give a number"):
        Retriever(index, HashingEmbedder())
    with pytest.raises(SearchError, match="no cosine"):
        Retriever(index, HashingEmbedder(), min_similarity=1.5)
