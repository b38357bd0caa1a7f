"""PostgreSQL's vector search at scale (issue 19): pgvector's HNSW index, where the extension is.

Vectors stay `real[]` (postgres_chunks.py), so one HNSW index per common embedding size is an
expression index on `embedding::vector(n)`, partial to the chunks of that dimension; chunks of
other sizes are compared exactly. The indexes are made when the schema is ensured and pgvector
is there (also after it is installed later: reopen the index; the first build over existing
chunks takes a while). PostgreSQL maintains them in the same transactions as the chunks.

An unfiltered vector ranking asks the HNSW index for its `depth` nearest chunks; a filtered one
compares every chunk that passes the filters exactly (an HNSW scan filters after it finds
neighbours, and would come back short), and so does one whose HNSW answer comes back short (the
index holds another model's vectors too).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# all-MiniLM-L6-v2 and bge-small (384), CLIP (512), bge-base and nomic (768), bge-large (1024),
# OpenAI's text-embedding-3-small (1536); pgvector indexes up to 2,000 dimensions.
HNSW_DIMENSIONS = (384, 512, 768, 1024, 1536)
# Candidates the HNSW scan keeps (pgvector's default is 40): at least the ranking's depth.
EF_SEARCH = 200


def ensure_hnsw(conn: Any, prefix: str) -> None:
    """The HNSW indexes, inside the caller's schema transaction (pgvector is installed)."""
    for n in HNSW_DIMENSIONS:
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS chunks_embedding_hnsw_{n} ON {prefix}chunks "
            f"USING hnsw ((embedding::vector({n})) vector_cosine_ops) WHERE dimension = {n}"
        )


def _ranking_sql(n: int) -> str:
    # No model condition: the HNSW scan filters after it finds neighbours anyway, and with one
    # the planner may rank a rare model's rows through the chunks_model index instead.
    return (f"SELECT id, model FROM chunks WHERE dimension = {int(n)} "
            f"ORDER BY embedding::vector({int(n)}) <=> %(vector)s::vector({int(n)}) "
            "LIMIT %(limit)s")


def _literal(vector: list[float]) -> str:
    return "[" + ",".join(map(repr, vector)) + "]"


def hnsw_ranking(conn: Any, vector: list[float], model: str, depth: int) -> list[int] | None:
    """The ids of the `depth` chunks of `model` nearest `vector` by the HNSW index, or None
    when the index cannot answer it whole (no index for the size, or too few of `model`
    among what it found: the index holds another model's vectors too)."""
    n = len(vector)
    if n not in HNSW_DIMENSIONS:
        return None
    conn.execute(f"SET hnsw.ef_search = {max(EF_SEARCH, int(depth))}")
    rows = conn.execute(_ranking_sql(n), {"vector": _literal(vector), "limit": depth}).fetchall()
    ids = [row[0] for row in rows if row[1] == model]
    return ids if len(ids) >= depth else None


def uses_hnsw(conn: Any, vector_length: int) -> bool:
    """Whether the HNSW index answers hnsw_ranking's statement (what the tests check): its plan
    with sequential scans priced out, since on a small table PostgreSQL rightly compares every
    row, and on a large one picks the index."""
    n = int(vector_length)
    conn.execute("SET enable_seqscan = off")
    try:
        plan = conn.execute("EXPLAIN " + _ranking_sql(n),
                            {"vector": _literal([0.1] * n), "limit": 10}).fetchall()
    finally:
        conn.execute("RESET enable_seqscan")
    return any(f"chunks_embedding_hnsw_{n}" in row[0] for row in plan)
