"""The latency phase of bench/retrieval.py (issue 19): search latency and recall@10 against the
exact ranking, over an index of generated chunks.

Vectors: 384 dimensions (all-MiniLM-L6-v2's), with the structure of a corpus rather than random
noise - topics, each with 20 subtopics; a chunk is 0.2 topic + 0.2 subtopic + 0.6 its own
(variances), so chunks of one subtopic have cosine ~0.4, of one topic ~0.2, others ~0. A query is
drawn the same way (a question about some subtopic). Text: 60 made-up words per chunk, drawn
Zipf-like, so a two-word keyword query matches a realistic share of chunks.

The index is built through the chunks run's own write path - staged in batches, published in one
transaction - so the codes, FTS and vectors are written as a real run writes them.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

PER_DOC = 4
TOPIC, SUB = 0.2, 0.2  # variance shares: chunks of a subtopic have cosine ~0.4, of a topic ~0.2
SUBTOPICS = 20
DIMENSION = 384
MODES = ("keyword", "semantic", "hybrid")


def _unit(np: Any, rows: Any) -> Any:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class Corpus:
    def __init__(self, chunks: int, seed: int = 11, mean: float = 0.0) -> None:
        import numpy as np

        self.np, self.rng, self.mean_share = np, np.random.default_rng(seed), mean
        # A direction every vector leans toward: real sentence embeddings share one
        # (all-MiniLM-L6-v2 on the quality set: the mean unit vector has norm 0.32).
        self.mean = _unit(np, self.rng.standard_normal((1, DIMENSION)))[0]
        self.topics = max(20, chunks // (SUBTOPICS * 50))  # about 50 chunks per subtopic
        self.topic = _unit(np, self.rng.standard_normal((self.topics, DIMENSION)))
        self.sub = _unit(np, self.rng.standard_normal((self.topics * SUBTOPICS, DIMENSION)))

    def vectors(self, n: int) -> Any:
        np, rng = self.np, self.rng
        sub = rng.integers(0, len(self.sub), n)
        own = _unit(np, rng.standard_normal((n, DIMENSION)))
        v = (TOPIC**0.5 * self.topic[sub // SUBTOPICS] + SUB**0.5 * self.sub[sub]
             + self.mean_share**0.5 * self.mean + (1 - TOPIC - SUB - self.mean_share)**0.5 * own)
        return _unit(np, v).astype("<f4")


def build(index: Any, chunks: int, words: list[str], zipf: list[float], document: Any) -> dict:
    from s3_ingest.core.index.chunk_stage import ChunkRow

    rng, corpus, model = random.Random(11), Corpus(chunks), "bench/structured-384"
    began = time.perf_counter()
    if index.chunk_count() == chunks:  # kept from an earlier run (--keep): the same corpus
        return {"build_seconds": 0.0, "stage_seconds": 0.0, "model": model, "corpus": corpus,
                "reused": True}
    docs, batch_docs = chunks // PER_DOC, 10_000
    for start in range(0, docs, batch_docs):
        batch = range(start, min(docs, start + batch_docs))
        index.upsert(document(f"p/{n:06d}.md", "x") for n in batch)
        vectors = corpus.vectors(len(batch) * PER_DOC)
        text = rng.choices(words, zipf, k=len(batch) * PER_DOC * 60)
        rows = {}
        for i, n in enumerate(batch):
            key, first = f"p/{n:06d}.md", i * PER_DOC
            rows[key] = [ChunkRow(key, p, None, None,
                                  " ".join(text[(first + p) * 60:(first + p + 1) * 60]),
                                  f"{n}-{p}", "d", model, DIMENSION,
                                  vectors[first + p].tobytes()) for p in range(PER_DOC)]
        index.stage_chunks("bench-build", "bench", "p/", rows)
    staged = time.perf_counter() - began
    index.publish_staged_chunks("bench-build", "bench", "p/")  # one transaction, as a run does
    return {"build_seconds": time.perf_counter() - began, "stage_seconds": staged,
            "model": model, "corpus": corpus}


def _ids(rows: list[tuple[Any, ...]]) -> list[tuple[str, int]]:
    return [(row[2], row[4]) for row in rows]


def exact_rows(index: Any, model: str, keyword: list[str],
               vectors: list[bytes]) -> dict[str, list[list[tuple[str, int]]]]:
    """Each query's exact top 10, semantic and hybrid: its vector ranking computed over every
    stored vector with NumPy, handed to the same fused statement a search runs."""
    import json

    import numpy as np

    from s3_ingest.core.index.base import SearchFilters
    from s3_ingest.core.index.sqlite_chunks import fused_statement
    from s3_ingest.core.index.sqlite_fts import encodable, fts_query

    conn, ids, blocks, after = index._vectors.get(), [], [], -1
    while True:
        rows = list(conn.execute("SELECT id, embedding FROM chunks WHERE id > ? AND +model = ? "
                                 "ORDER BY id LIMIT 100000", (after, model)))
        if not rows:
            break
        ids.append(np.array([r[0] for r in rows]))
        blocks.append(np.frombuffer(b"".join(r[1] for r in rows), "<f4").reshape(len(rows), -1))
        after = rows[-1][0]
    id_of, x = np.concatenate(ids), np.concatenate(blocks)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    found: dict[str, list[list[tuple[str, int]]]] = {"semantic": [], "hybrid": []}
    for q, v in zip(keyword, vectors):
        score = x @ np.frombuffer(v, "<f4")
        top = np.argpartition(-score, 100)[:100]
        top = top[np.lexsort((id_of[top], -score[top]))]
        for mode in found:
            sql, params = fused_statement(
                SearchFilters(), match=fts_query(encodable(q)) if mode == "hybrid" else None,
                vector=v, model=model, depth=100, limit=10, rrf_k=60,
                candidates=json.dumps(id_of[top].tolist()))
            found[mode].append(_ids(list(conn.execute(sql, params))))
    return found


def measure(index: Any, built: dict, words: list[str], queries: int) -> dict[str, Any]:
    """p50/p95 wall and CPU ms per mode, recall@10 of semantic and hybrid against the exact
    ranking, and a selective filter's result count and latency."""
    from s3_ingest.core.index.base import SearchFilters
    from s3_ingest.core.index.sqlite_vector_search import VectorSearchSettings

    rng, model = random.Random(5), built["model"]
    vectors = [v.tobytes() for v in built["corpus"].vectors(queries)]
    keyword = [" ".join(rng.sample(words[50:500], 2)) for _ in range(queries)]
    search = lambda mode, q, v, **kw: index.search_chunks(  # noqa: E731
        q if mode != "semantic" else None, v if mode != "keyword" else None, model,
        limit=kw.pop("limit", 10), **kw)
    timings: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    found: dict[str, list[list]] = {m: [] for m in MODES}
    t = time.perf_counter()
    search("semantic", None, vectors[0])
    first_ms = (time.perf_counter() - t) * 1000  # the process loads the codes: a cold start
    for repeat in range(2):  # the first pass warms the page cache
        for q, v in zip(keyword, vectors):
            for mode in MODES:
                t, c = time.perf_counter(), time.process_time()
                rows = search(mode, q, v)
                if repeat:
                    timings[mode].append((time.perf_counter() - t) * 1000)
                    cpu[mode].append((time.process_time() - c) * 1000)
                    found[mode].append(_ids(rows))
    approximate = index.vector_search
    # The exact ranking, by NumPy over every stored vector, fused by the index's own statement
    # (an exact SQL scan costs ~20 s per query at a million); checked against the exact SQL
    # scan on the first queries.
    judged = min(queries, 20)
    exact = exact_rows(index, model, keyword[:judged], vectors[:judged])
    index.vector_search = VectorSearchSettings(min_chunks=10**12)  # every vector compared
    exact_ms: list[float] = []
    agrees = True
    for i in range(1 if index.chunk_count() > 200_000 else 3):
        t = time.perf_counter()
        agrees &= _ids(search("hybrid", keyword[i], vectors[i])) == exact["hybrid"][i]
        exact_ms.append((time.perf_counter() - t) * 1000)
    recall = {mode: sum(len(set(e) & set(f)) for e, f in zip(exact[mode], found[mode]))
              / sum(len(e) for e in exact[mode]) for mode in exact}
    # A filter that passes ~0.1% of chunks: the candidates run short, grow, and the search ends
    # in an exact scan of what passes; it must still return its 10.
    prefix = "p/" + "0" * max(1, len(f"{index.chunk_count() // PER_DOC:06d}") - 3)
    filtered_ms, filtered_counts = [], []
    for mode, exactly in (("semantic", False), ("semantic", True)):
        index.vector_search = VectorSearchSettings(min_chunks=10**12) if exactly else approximate
        t = time.perf_counter()
        rows = search(mode, keyword[0], vectors[0], filters=SearchFilters(key_prefix=prefix))
        filtered_ms.append((time.perf_counter() - t) * 1000)
        filtered_counts.append(_ids(rows))
    index.vector_search = approximate
    pct = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]  # noqa: E731
    return {
        "ms": {m: {"p50": pct(t, 0.5), "p95": pct(t, 0.95)} for m, t in timings.items()},
        "cpu_ms": {m: {"p50": pct(t, 0.5), "p95": pct(t, 0.95)} for m, t in cpu.items()},
        "recall@10": recall, "recall_queries": judged, "first_search_ms": first_ms,
        "numpy_exact_agrees_with_sql": agrees,
        "exact_ms_p50": pct(exact_ms, 0.5),
        "filtered": {"prefix": prefix, "results": len(filtered_counts[0]),
                     "same_as_exact": filtered_counts[0] == filtered_counts[1],
                     "ms": filtered_ms[0], "exact_ms": filtered_ms[1]},
    }


def code_step_recall(chunks: int, queries: int = 20) -> dict[str, float]:
    """The approximate step alone (code_scan.py, the product's settings), in memory, on vectors
    shaped like the model's own (a shared mean direction, 0.1 of the variance: the mean unit
    vector's norm is ~0.32, as all-MiniLM-L6-v2's on the quality set): recall@10 and @100 of
    its candidates, ranked exactly, against an exact ranking of every vector."""
    from s3_ingest.core.index.code_scan import CodeScan
    from s3_ingest.core.index.sqlite_vector_search import VectorSearchSettings

    corpus, settings = Corpus(chunks, seed=3, mean=0.1), VectorSearchSettings()
    np = corpus.np
    x = np.concatenate([corpus.vectors(min(100_000, chunks - start))
                        for start in range(0, chunks, 100_000)])
    codes = np.packbits(x > 0, axis=1).view("<u8")
    scan = CodeScan("bench")
    scan.ids, scan.words = np.arange(chunks), [codes[:, i].copy() for i in range(codes.shape[1])]
    wanted = max(settings.candidates, settings.per_depth * 100)
    r10 = r100 = 0.0
    for q in corpus.vectors(queries):
        score = x @ q
        exact = np.argpartition(-score, 100)[:100]
        exact = exact[np.argsort(-score[exact])]
        found = np.array(scan.nearest(q.tobytes(), wanted, wanted * settings.shortlist))
        found = found[np.argsort(-(x[found] @ q))][:100]
        r10 += len(set(exact[:10]) & set(found[:10])) / 10 / queries
        r100 += len(set(exact) & set(found)) / 100 / queries
    return {"recall@10": r10, "recall@100": r100,
            "mean_norm": float(np.linalg.norm(x[:10_000].mean(axis=0)))}


def phase(args: Any, folder: Path, words: list[str], zipf: list[float], document: Any,
          rss_mb: Any) -> dict[str, Any]:
    from s3_ingest.core.index import open_index

    with open_index(str(folder / f"latency-{args.chunks}.db")) as index:
        if args.quick:  # small: the approximate path must run all the same
            from s3_ingest.core.index.sqlite_vector_search import VectorSearchSettings

            index.vector_search = VectorSearchSettings(min_chunks=0, candidates=200)
        built = build(index, args.chunks, words, zipf, document)
        t = time.perf_counter()
        result = measure(index, built, words, args.queries)
        chunks = index.chunk_count()
    result["model_shaped"] = code_step_recall(args.chunks)
    size = sum(p.stat().st_size for p in folder.glob(f"latency-{args.chunks}.db*"))
    return {"chunks": chunks, "build_seconds": built["build_seconds"],
            "stage_seconds": built["stage_seconds"], "measure_seconds": time.perf_counter() - t,
            "index_bytes": size, **result, "peak_rss_mb": rss_mb()}
