"""SQLite's vector search past its exact threshold (issue 19): sign-bit codes scanned in memory
pick candidates, SQL ranks them exactly - same answers as an exact scan, filters applied before
ranking (a selective filter still returns its k), codes written in the chunks' transactions."""

import sqlite3
import threading

import numpy as np
import pytest

from s3_ingest.core.index import SearchFilters, open_index
from s3_ingest.core.index.chunk_stage import ChunkRow
from s3_ingest.core.index.code_scan import CodeScan
from s3_ingest.core.index.sqlite_vector_search import VectorSearchSettings
from s3_ingest.core.index.vectors import sign_code
from s3_ingest_tests.core.retrieval.fakes import doc

MODEL, DIM, PER_DOC = "test/structured", 384, 4
EXACT = VectorSearchSettings(min_chunks=10**12)
APPROXIMATE = VectorSearchSettings(min_chunks=0, candidates=300, per_depth=3)


def unit(rows):
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype("<f4")


class Vectors:
    """Topics and subtopics, as bench/retrieval_latency.py draws them, at test size."""

    def __init__(self, seed=3, topics=10):
        self.rng = np.random.default_rng(seed)
        self.topic = unit(self.rng.standard_normal((topics, DIM)))
        self.sub = unit(self.rng.standard_normal((topics * 10, DIM)))

    def draw(self, n):
        sub = self.rng.integers(0, len(self.sub), n)
        own = unit(self.rng.standard_normal((n, DIM)))
        return unit(0.55 * self.topic[sub // 10] + 0.55 * self.sub[sub] + 0.63 * own)


def rows_for(keys, vectors):
    return {key: [ChunkRow(key, p, None, None, f"chunk {p} of {key}", f"{key}-{p}", "d", MODEL,
                           DIM, vectors[i * PER_DOC + p].tobytes()) for p in range(PER_DOC)]
            for i, key in enumerate(keys)}


def publish(index, keys, vectors, partition="p/"):
    index.stage_chunks("t", "docs", partition, rows_for(keys, vectors))
    index.publish_staged_chunks("t", "docs", partition)


@pytest.fixture
def index(tmp_path):
    ix = open_index(str(tmp_path / "index.db"))
    keys = [f"p/{'team' if n % 100 == 0 else 'all'}/{n:04d}.md" for n in range(750)]
    ix.upsert(doc(key, "x", tags={"team": "a" if n % 100 == 0 else "b"})
              for n, key in enumerate(keys))
    gen = Vectors()
    publish(ix, keys, gen.draw(len(keys) * PER_DOC))
    ix.queries = [v.tobytes() for v in gen.draw(20)]
    yield ix
    ix.close()


def ranked(index, vector, settings, filters=None, limit=10, query=None):
    index.vector_search = settings
    rows = index.search_chunks(query, vector, MODEL, filters, limit=limit)
    return [(row[2], row[4]) for row in rows]


def test_approximate_search_answers_as_the_exact_scan_does(index, monkeypatch):
    picked = []  # how many candidates each search's code scan handed to SQL
    nearest = index._vectors.nearest

    def spy(*args):
        ids, total = nearest(*args)
        picked.append(len(ids))
        return ids, total

    monkeypatch.setattr(index._vectors, "nearest", spy)
    same = total = 0
    for vector in index.queries:
        exact = ranked(index, vector, EXACT)
        assert picked.pop() == 0  # below min_chunks: every vector compared
        approximate = ranked(index, vector, APPROXIMATE)
        assert picked.pop() == 300  # 300 of 3,000 chunks compared exactly
        same += len(set(exact) & set(approximate))
        total += len(exact)
        assert len(approximate) == 10
    assert same / total >= 0.98
    hybrid = ranked(index, index.queries[0], APPROXIMATE, query="chunk")
    assert hybrid == ranked(index, index.queries[0], EXACT, query="chunk")


def test_a_selective_filter_still_returns_k_and_the_exact_answer(index):
    # 8 documents (32 chunks of 3,000) pass: 300 candidates hold ~3 of them, so the search
    # grows its candidates and ends in an exact scan of what passes.
    for filters in (SearchFilters(key_prefix="p/team/"), SearchFilters(tags={"team": "a"})):
        for vector in index.queries[:5]:
            approximate = ranked(index, vector, APPROXIMATE, filters, limit=10)
            assert len(approximate) == 10
            assert all(key.startswith("p/team/") for key, _ in approximate)
            assert approximate == ranked(index, vector, EXACT, filters, limit=10)


def test_chunks_published_after_the_codes_loaded_are_found(index):
    ranked(index, index.queries[0], APPROXIMATE)  # loads the codes into this process
    target = np.frombuffer(index.queries[1], dtype="<f4")
    index.upsert([doc("q/new.md", "x", partition="q/")])
    fresh = np.repeat(target[None, :], PER_DOC, axis=0)
    publish(index, ["q/new.md"], fresh, partition="q/")
    assert ranked(index, index.queries[1], APPROXIMATE)[0][0] == "q/new.md"
    index.delete_source("docs", "q/")
    assert "q/new.md" not in {k for k, _ in ranked(index, index.queries[1], APPROXIMATE)}


def codes_and_vectors(index):
    conn = index._connection()
    codes = conn.execute("SELECT count(*) FROM chunk_codes").fetchone()[0]
    vectors = conn.execute("SELECT count(*) FROM chunks WHERE embedding IS NOT NULL").fetchone()
    return codes, vectors[0]


def test_codes_are_written_and_deleted_in_the_chunks_transactions(index):
    assert codes_and_vectors(index) == (3000, 3000)
    conn = index._connection()
    wrong = conn.execute(
        "SELECT count(*) FROM chunk_codes AS k JOIN chunks AS c ON c.id = k.chunk_id "
        "WHERE k.code != c.code").fetchone()[0]
    assert wrong == 0
    index.stage_chunks("t2", "docs", "p/", rows_for(["p/all/0001.md"], Vectors(9).draw(4)))

    def failing(conn):  # a publish that dies half-way: nothing of it lands, codes included
        conn.execute("DELETE FROM chunks WHERE key = 'p/all/0001.md'")
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        index._write(failing)
    assert codes_and_vectors(index) == (3000, 3000)
    index.publish_staged_chunks("t2", "docs", "p/")
    assert codes_and_vectors(index) == (3000, 3000)
    index.delete_source("docs", "p/")  # housekeeping's path, not the chunks run's
    assert codes_and_vectors(index) == (0, 0)


def test_a_version_3_index_gets_codes_for_the_vectors_it_holds(index):
    from s3_ingest_tests.core.index.downgrade import downgrade_to_version_3

    path, queries = str(index.path), index.queries
    expected = [ranked(index, v, EXACT) for v in queries[:3]]
    index.close()
    downgrade_to_version_3(path, "sqlite")
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3
    with open_index(path) as reopened:
        assert codes_and_vectors(reopened) == (3000, 3000)
        assert [ranked(reopened, v, APPROXIMATE) for v in queries[:3]] == expected


def test_the_code_scan_shortlists_by_hamming_distance_then_keeps_the_best_estimates():
    rng = np.random.default_rng(1)
    vectors = unit(rng.standard_normal((500, DIM)))
    codes = [sign_code(v.tobytes()) for v in vectors]
    assert len(codes[0]) == 48

    table = sqlite3.connect(":memory:")  # what refresh reads: the codes' tables
    table.execute("CREATE TABLE chunk_codes (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                  "chunk_id INTEGER, model TEXT, code BLOB)")
    table.execute("CREATE TABLE chunk_codes_deleted (n INTEGER)")
    table.execute("INSERT INTO chunk_codes_deleted VALUES (0)")
    table.executemany("INSERT INTO chunk_codes (chunk_id, model, code) VALUES (?, ?, ?)",
                      [(n + 1, MODEL, code) for n, code in enumerate(codes)])
    scan = CodeScan(MODEL)
    scan.refresh(table)
    assert len(scan) == 500
    query = sign_code(vectors[7].tobytes())
    bits = lambda c: np.unpackbits(np.frombuffer(c, np.uint8))  # noqa: E731
    distance = [int((bits(c) != bits(query)).sum()) for c in codes]
    # The shortlist: the 60 nearest by Hamming distance (ties at the cutoff cut anywhere).
    shortlisted = scan.ids[scan._hamming(np.frombuffer(query, "<u8"), 60)].tolist()
    cutoff = sorted(distance)[59]
    assert len(shortlisted) == 60 and all(distance[i - 1] <= cutoff for i in shortlisted)
    assert {i + 1 for i, d in enumerate(distance) if d < cutoff} <= set(shortlisted)
    # Of those, the 20 whose set bits sum the most of the query's components.
    query_vector = vectors[7] + 0.3 * unit(rng.standard_normal((1, DIM)))[0]
    query_vector = (query_vector / np.linalg.norm(query_vector)).astype("<f4")
    shortlisted = scan.ids[scan._hamming(np.frombuffer(sign_code(query_vector.tobytes()),
                                                       "<u8"), 60)].tolist()
    nearest = scan.nearest(query_vector.tobytes(), 20, 60)
    estimate = {i: float(bits(codes[i - 1]).astype(np.float32) @ query_vector)
                for i in shortlisted}
    best = sorted(shortlisted, key=lambda i: -estimate[i])
    assert len(nearest) == 20 and 8 in nearest and set(nearest) <= set(shortlisted)
    assert min(estimate[i] for i in nearest) >= estimate[best[19]] - 1e-4


def test_which_models_an_index_holds_is_answered_from_an_index(index):
    assert index.has_chunks() and index.chunk_model_names() == [MODEL]
    other = [ChunkRow("p/all/0001.md", 0, None, None, "x", "h", "d", "other/model", DIM,
                      Vectors(5).draw(1)[0].tobytes())]
    index.stage_chunks("t3", "docs", "p/", {"p/all/0001.md": other})
    index.publish_staged_chunks("t3", "docs", "p/")
    assert index.chunk_model_names() == ["other/model", MODEL]
    plan = " ".join(str(row) for row in index._connection().execute(
        "EXPLAIN QUERY PLAN SELECT min(model) FROM chunks WHERE model > 'a'"))
    assert "chunks_model" in plan  # a seek, not a read of every chunk
    index.delete_source("docs")
    assert not index.has_chunks() and index.chunk_model_names() == []


def test_warming_loads_the_codes_before_the_first_search(index, monkeypatch):
    index.warm_vector_search(MODEL)
    for thread in [t for t in threading.enumerate() if t.name == f"codes {MODEL}"]:
        thread.join(timeout=60)
    assert len(index._vectors._scans[MODEL]) == 3000  # loaded, with no search run
    loads = []
    monkeypatch.setattr(CodeScan, "_load", lambda self, conn, after: loads.append(after))
    index.vector_search = APPROXIMATE
    assert len(index.search_chunks(None, index.queries[0], MODEL, limit=10)) == 10
    assert loads == []  # the search found them loaded and in step
