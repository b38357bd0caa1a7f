"""How PostgreSQL searches chunks: a generated tsvector over heading and text (the documents'
function and configuration), and - where the pgvector extension is installed - vectors compared
with its cosine distance operator; the two rankings fused with reciprocal rank fusion in one
statement, as SQLite does.

Vectors are stored as real[] whether or not pgvector exists, so installing it later needs no
re-embedding: the search casts them (`embedding::vector`). Where pgvector is missing, the
index says so (`vector_search_unavailable`) and semantic search is refused, never faked.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from s3_ingest.core.index.base import SearchFilters
from s3_ingest.core.index.postgres_text_search import SEARCH_CONFIG
from s3_ingest.core.index.schema import SearchSchema

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

NO_PGVECTOR = (
    "the pgvector extension is not installed on this PostgreSQL server (install e.g. "
    "postgresql-15-pgvector, then reopen the index): semantic search is off and hybrid search "
    "falls back to keyword"
)


def chunk_search_schema_v2(prefix: str) -> SearchSchema:
    column = (
        "search_vector tsvector GENERATED ALWAYS AS "
        f"({prefix}s3_ingest_search_vector(heading, '', text)) STORED"
    )
    gin = f"CREATE INDEX IF NOT EXISTS chunks_search ON {prefix}chunks USING gin (search_vector)"
    return SearchSchema(columns=(column,), after=(gin,))


def enable_pgvector(conn: psycopg.Connection) -> bool:
    """Create the extension when the server has it; whether vector search is possible."""
    row = conn.execute(
        "SELECT installed_version IS NOT NULL, true FROM pg_available_extensions "
        "WHERE name = 'vector'"
    ).fetchone()
    if row is None:
        return False
    if row[0]:
        return True
    try:
        with conn.transaction():  # a savepoint: a refusal must not abort the migration
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        return True
    except Exception as exc:  # psycopg.Error: insufficient privilege and the like
        log.warning("could not create the pgvector extension: %s", type(exc).__name__)
        return False


def fused_statement(
    filters: SearchFilters,
    *,
    tsquery: str | None,
    vector: list[float] | None,
    model: str | None,
    depth: int,
    limit: int,
    rrf_k: int,
    values: Any,
    candidates: list[int] | None = None,
) -> tuple[str, dict[str, Any]]:
    """`candidates` (chunk ids, issue 19: the HNSW index's answer) limits the vector ranking
    to those chunks."""
    clauses: list[str] = []
    params: dict[str, Any] = {"depth": depth, "limit": limit, "rrf_k": rrf_k,
                              "config": SEARCH_CONFIG}
    for column in ("source", "partition"):
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"d.{column} = %(f_{column})s")
            params[f"f_{column}"] = values.text(value)
    if filters.key_prefix:
        clauses.append("starts_with(d.key, %(f_prefix)s)")
        params["f_prefix"] = values.text(filters.key_prefix)
    if filters.content_type:
        # The detected type (schema version 4), else - older rows - the S3 header's MIME part.
        clauses.append("coalesce(d.detected_type, lower(trim(split_part(d.content_type, ';', "
                       "1)))) = %(f_mime)s")
        params["f_mime"] = values.text(filters.content_type).split(";", 1)[0].strip().lower()
    if filters.tags:
        clauses.append("d.tags @> %(f_tags)s::jsonb")
        params["f_tags"] = values.json(filters.tags)
    if filters.access is not None:  # issue 24: inside each ranking, before its LIMIT
        from s3_ingest.core.index.principals import postgres_clause, postgres_params

        clauses.append(postgres_clause("f_access"))
        params |= postgres_params(filters.access, "f_access")
    where = "".join(f" AND {clause}" for clause in clauses)
    join = "JOIN documents AS d ON d.source = c.source AND d.key = c.key"
    among = "" if candidates is None else " AND c.id = ANY(%(candidates)s)"
    rankings = []
    if tsquery is not None:
        rankings.append(f"""
            SELECT c.id, 'keyword' AS kind, row_number() OVER (
                ORDER BY ts_rank(c.search_vector, to_tsquery(%(config)s::regconfig, %(query)s))
                DESC, c.id) AS r
            FROM chunks AS c {join}
            WHERE c.search_vector @@ to_tsquery(%(config)s::regconfig, %(query)s){where}
            ORDER BY r LIMIT %(depth)s""")
        params["query"] = tsquery
    if vector is not None:
        rankings.append(f"""
            SELECT c.id, 'semantic' AS kind, row_number() OVER (
                ORDER BY c.embedding::vector <=> %(vector)s::vector, c.id) AS r
            FROM chunks AS c {join}
            WHERE c.model = %(model)s AND c.embedding IS NOT NULL{among}{where}
            ORDER BY r LIMIT %(depth)s""")
        params |= {"vector": "[" + ",".join(map(repr, vector)) + "]", "model": model}
        if candidates is not None:
            params["candidates"] = candidates
    ranked = " UNION ALL ".join(f"({sql})" for sql in rankings)
    sql = f"""
        WITH ranked AS ({ranked}),
        fused AS (
            SELECT id, sum(1.0 / (%(rrf_k)s + r)) AS score,
                   min(CASE WHEN kind = 'keyword' THEN r END) AS keyword_rank,
                   min(CASE WHEN kind = 'semantic' THEN r END) AS semantic_rank
            FROM ranked GROUP BY id
        )
        SELECT c.source, d.bucket, c.key, d.title, c.position, c.heading, c.page, c.text,
               d.content_type, d.tags, d.size, d.last_modified,
               f.score, f.keyword_rank, f.semantic_rank, d.detected_type
        FROM fused AS f JOIN chunks AS c ON c.id = f.id {join}
        ORDER BY f.score DESC, c.source, c.key, c.position
        LIMIT %(limit)s
    """
    return sql, params
