"""How SQLite searches chunks: FTS5 over their heading and text (kept in step by triggers, the
text stored once), and vectors compared by sqlite-vec - both in one SQL statement that fuses
the two rankings with reciprocal rank fusion, where the data lives.

The stock `sqlite3` module of many Pythons cannot load extensions, so chunk searches run on an
APSW connection (APSW bundles a current SQLite that can) with sqlite-vec's loadable module from
its PyPI wheel; writes stay on the index's own connections. Both are the same file in WAL mode.
"""

from __future__ import annotations

from typing import Any

from s3_ingest.core.index.base import SearchFilters
from s3_ingest.core.index.sqlite_fts import _TOKENIZER, encodable

CHUNK_FTS_SCHEMA = (
    f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
        heading, text, content = 'chunks', content_rowid = 'id', tokenize = '{_TOKENIZER}'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts (rowid, heading, text) VALUES (new.id, new.heading, new.text);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts (chunks_fts, rowid, heading, text)
        VALUES ('delete', old.id, old.heading, old.text);
    END
    """,
)

# bm25 weights for (heading, text): a heading names what the passage is about.
_CHUNK_BM25 = "bm25(chunks_fts, 2.0, 1.0)"
_CHUNK_RANK = "bm25(2.0, 1.0)"  # the same, as FTS5's rank function
_JOIN_DOCUMENT = "JOIN documents AS d ON d.source = c.source AND d.key = c.key"
# The filter reads the detected type (schema version 4), else - a row written before it - the
# MIME part of the S3 header.
_MIME_SQL = (
    "coalesce(d.detected_type, lower(trim(CASE WHEN instr(d.content_type, ';') > 0 "
    "THEN substr(d.content_type, 1, instr(d.content_type, ';') - 1) "
    "ELSE d.content_type END)))"
)
# What a chunk hit carries, in chunk_hit's order (search.py).
HIT_COLUMNS = (
    "c.source, d.bucket, c.key, d.title, c.position, c.heading, c.page, c.text, "
    "d.content_type, d.tags, d.size, d.last_modified"
)


def filter_clauses(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
    """The same filters as document search, on the chunk's document `d`, as named params."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for column in ("source", "partition"):
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"d.{column} = :f_{column}")
            params[f"f_{column}"] = encodable(value)
    if filters.key_prefix:
        prefix = encodable(filters.key_prefix)
        clauses.append("substr(d.key, 1, :f_prefix_len) = :f_prefix")
        params |= {"f_prefix_len": len(prefix), "f_prefix": prefix}
    if filters.content_type:
        clauses.append(f"{_MIME_SQL} = :f_mime")
        params["f_mime"] = encodable(filters.content_type).split(";", 1)[0].strip().lower()
    for number, (tag_key, tag_value) in enumerate(filters.tags.items()):
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(d.tags) AS t "
            f"WHERE t.key = :f_tk{number} AND t.value = :f_tv{number})"
        )
        params |= {f"f_tk{number}": encodable(tag_key), f"f_tv{number}": encodable(tag_value)}
    if filters.access is not None:  # issue 24: inside each ranking, before its LIMIT
        from s3_ingest.core.index.principals import sqlite_clause, sqlite_params

        clauses.append(sqlite_clause(":f_allowed", ":f_denied", ":f_unlisted"))
        params |= dict(zip(("f_allowed", "f_denied", "f_unlisted"), sqlite_params(filters.access)))
    return clauses, params


def fused_statement(
    filters: SearchFilters,
    *,
    match: str | None,
    vector: bytes | None,
    model: str | None,
    depth: int,
    limit: int,
    rrf_k: int,
    candidates: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """One SELECT of the best `limit` chunks: each ranking given (keyword when `match`, vector
    when `vector`) takes its best `depth` chunks, and a chunk scores the sum of 1 / (rrf_k +
    rank) over the rankings it is in. Returns HIT_COLUMNS, the score, and each ranking's rank.
    `candidates` (a JSON array of chunk ids) limits the vector ranking to those chunks."""
    clauses, params = filter_clauses(filters)
    where = "".join(f" AND {clause}" for clause in clauses)
    among = "" if candidates is None else f" AND c.id IN {_CANDIDATE_IDS}"
    # The documents join is what filters need; without filters the rankings skip it (a lookup
    # per ranked chunk), and the final select's join still drops chunks whose document is gone.
    join = _JOIN_DOCUMENT if clauses else ""
    params |= {"depth": int(depth), "limit": int(limit), "rrf_k": int(rrf_k)}
    rankings = []
    if match is not None and not clauses:
        # Unfiltered: FTS5 ranks by itself (its `rank`, bm25 with these weights) and keeps
        # only the best `depth`, never looking a match up in `chunks` (issue 19: at a million
        # chunks two common words match thousands).
        rankings.append(f"""
            SELECT id, 'keyword' AS kind, row_number() OVER (ORDER BY s, id) AS r FROM (
                SELECT rowid AS id, rank AS s FROM chunks_fts
                WHERE chunks_fts MATCH :match AND rank MATCH '{_CHUNK_RANK}'
                ORDER BY rank LIMIT :depth)""")
        params["match"] = match
    elif match is not None:
        # bm25() works only in the query that holds the MATCH, not in a window: rank inside,
        # number outside.
        rankings.append(f"""
            SELECT id, 'keyword' AS kind, row_number() OVER (ORDER BY s, id) AS r FROM (
                SELECT c.id AS id, {_CHUNK_BM25} AS s
                FROM chunks_fts JOIN chunks AS c ON c.id = chunks_fts.rowid {join}
                WHERE chunks_fts MATCH :match{where}
                ORDER BY s LIMIT :depth)""")
        params["match"] = match
    if vector is not None:
        rankings.append(f"""
            SELECT id, 'semantic' AS kind, row_number() OVER (ORDER BY s, id) AS r FROM (
                SELECT c.id AS id, vec_distance_cosine(c.embedding, :vector) AS s
                FROM chunks AS c {join}
                WHERE +c.model = :model AND c.embedding IS NOT NULL{among}{where}
                ORDER BY s LIMIT :depth)""")
        params |= {"vector": vector, "model": model}
        if candidates is not None:
            params["candidates"] = candidates
    if not rankings:
        raise ValueError("a search needs a keyword query, a query vector or both")
    ranked = " UNION ALL ".join(f"SELECT * FROM ({sql})" for sql in rankings)
    sql = f"""
        WITH ranked AS ({ranked}),
        fused AS (
            SELECT id, sum(1.0 / (:rrf_k + r)) AS score,
                   min(CASE WHEN kind = 'keyword' THEN r END) AS keyword_rank,
                   min(CASE WHEN kind = 'semantic' THEN r END) AS semantic_rank
            FROM ranked GROUP BY id
        )
        SELECT {HIT_COLUMNS}, f.score, f.keyword_rank, f.semantic_rank, d.detected_type
        FROM fused AS f JOIN chunks AS c ON c.id = f.id {_JOIN_DOCUMENT}
        ORDER BY f.score DESC, c.source, c.key, c.position
        LIMIT :limit
    """
    return sql, params


# Issue 19: the chunks an approximate step picked, as a JSON array bound once (no SQL length
# limit on how many). Vector rankings say `+c.model`: looked up by id or scanned in table
# order, never through the chunks_model index (one more seek per chunk).
_CANDIDATE_IDS = "(SELECT value FROM json_each(:candidates))"


def candidate_statement(filters: SearchFilters, *, vector: bytes, model: str, candidates: str,
                        depth: int) -> tuple[str, dict[str, Any]]:
    """The ids of the best `depth` chunks among `candidates` that pass `filters`, by exact
    cosine distance to `vector`: the vector ranking of a search whose candidates came from
    the coarse scan (code_scan.py). Fewer than `depth` rows means the candidates ran short."""
    clauses, params = filter_clauses(filters)
    where = "".join(f" AND {clause}" for clause in clauses)
    join = _JOIN_DOCUMENT if clauses else ""
    sql = f"""
        SELECT c.id FROM chunks AS c {join}
        WHERE c.id IN {_CANDIDATE_IDS} AND +c.model = :model AND c.embedding IS NOT NULL{where}
        ORDER BY vec_distance_cosine(c.embedding, :vector), c.id LIMIT :depth
    """
    return sql, params | {"candidates": candidates, "vector": vector, "model": model,
                          "depth": int(depth)}
