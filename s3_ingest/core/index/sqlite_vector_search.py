"""How SQLite ranks chunks by vector past a few thousand of them (issue 19): sign-bit codes
scanned in memory pick candidates (code_scan.py), and SQL ranks the candidates that pass the
search's filters by their exact cosine distance.

No short results: when fewer than `depth` candidates pass the filters (a selective filter), the
candidates grow eightfold until they do, or until they would pass `max_candidates`; then the
search compares every chunk that passes the filters, exactly, as it did before codes existed.
A small index (below `min_chunks`) is always searched exactly: a scan of it costs less than the
codes would save.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from s3_ingest.core.index.base import SearchFilters
from s3_ingest.core.index.sqlite_chunks import candidate_statement


@dataclass(frozen=True, slots=True)
class VectorSearchSettings:
    # Below this many codes of the model, every vector is compared (about 25 ms at 10,000).
    min_chunks: int = 10_000
    # Candidates compared exactly, at least (bench/retrieval.py --only latency: recall@10
    # against the exact ranking, at 100,000 and 1,000,000 chunks).
    candidates: int = 600
    # The most candidates before the search compares every chunk that passes its filters.
    max_candidates: int = 128_000
    # Candidates per chunk of the ranking's depth (100 by default).
    per_depth: int = 6
    # Codes shortlisted by Hamming distance per candidate, for the finer estimate to choose
    # the candidates from (code_scan.py). At a million chunks, recall@10 against exact:
    # 600 from 4,000 0.958, from 20,000 0.988; 1,000 by Hamming distance alone 0.84.
    shortlist: int = 32


def vector_candidates(index: Any, conn: Any, filters: SearchFilters, vector: bytes, model: str,
                      depth: int) -> str | None:
    """The vector ranking's chunks as a JSON array of ids (the best `depth` that pass
    `filters`, or every chunk when fewer pass), or None to compare every chunk exactly."""
    settings: VectorSearchSettings = index.vector_search
    wanted = max(settings.candidates, settings.per_depth * depth)
    while True:
        ids, total = index._vectors.nearest(conn, model, vector, wanted,
                                            wanted * settings.shortlist, settings.min_chunks)
        if total < settings.min_chunks:
            return None
        sql, params = candidate_statement(
            filters, vector=vector, model=model, candidates=json.dumps(ids), depth=depth
        )
        ranked = [row[0] for row in conn.execute(sql, params)]
        if len(ranked) >= depth or len(ids) >= total:
            return json.dumps(ranked)
        wanted *= 8
        if wanted > settings.max_candidates:
            return None
