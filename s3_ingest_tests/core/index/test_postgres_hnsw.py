"""Issue 19 on PostgreSQL: pgvector's HNSW index answers unfiltered vector rankings; a filtered
one still returns its k. Runs where the server has pgvector; skips, saying why, where not."""

import numpy as np
import pytest

from s3_ingest.core.index import SearchFilters, open_index
from s3_ingest.core.index.postgres_vectors import uses_hnsw
from s3_ingest_tests.core.index.conftest import fresh_postgres_url  # noqa: F401 - fixture
from s3_ingest_tests.core.index.test_vector_search import MODEL, Vectors, publish
from s3_ingest_tests.core.retrieval.fakes import doc


@pytest.fixture
def index(fresh_postgres_url):  # noqa: F811
    ix = open_index(fresh_postgres_url)
    ix.count()
    if ix.vector_search_unavailable:
        ix.close()
        pytest.skip(f"no pgvector on this server, so no HNSW to test: "
                    f"{ix.vector_search_unavailable}")
    keys = [f"p/{'team' if n % 25 == 0 else 'all'}/{n:03d}.md" for n in range(100)]
    ix.upsert(doc(key, "x") for key in keys)
    gen = Vectors()
    publish(ix, keys, gen.draw(len(keys) * 4))
    ix.queries = [v.tobytes() for v in gen.draw(5)]
    yield ix
    ix.close()


def test_the_hnsw_index_exists_and_answers_unfiltered_rankings(index):
    assert index._read(lambda conn: uses_hnsw(conn, 384))
    for vector in index.queries:
        rows = index.search_chunks(None, vector, MODEL, limit=10)
        assert len(rows) == 10
        v = np.frombuffer(vector, dtype="<f4")
        stored = {(key, pos): np.frombuffer(e, dtype="<f4")
                  for key, pos, *_, e in index.partition_chunks("docs", "p/")}
        exact = sorted(stored, key=lambda k: -float(stored[k] @ v))[:10]
        found = [(row[2], row[4]) for row in rows]
        assert len(set(found) & set(exact)) >= 9  # approximate, on 400 vectors all but exact


def test_a_filtered_ranking_still_returns_k(index):
    rows = index.search_chunks(None, index.queries[0], MODEL,
                               SearchFilters(key_prefix="p/team/"), limit=10)
    assert len(rows) == 10 and all(row[2].startswith("p/team/") for row in rows)
