"""How SQLite searches: an FTS5 external-content table over (title, text, key), kept in step with
``documents`` by triggers (the text is stored once), queried with MATCH, ranked by bm25 and
excerpted with snippet()."""

from __future__ import annotations

from typing import Any

from s3_ingest.core.index.base import SearchFilters
from s3_ingest.core.index.query_words import query_parts

# Ranking: bm25 weights for the FTS columns (title, text, key). A title match says much more
# about what a document is than one word somewhere in its body; the key (path) sits in between.
BM25_WEIGHTS = (5.0, 1.0, 2.0)
_RANK_FUNCTION = "bm25({:.1f}, {:.1f}, {:.1f})".format(*BM25_WEIGHTS)

SNIPPET_TOKENS = 12
SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_ELLIPSIS = "[", "]", "…"

# Tokenizer choice: 'porter unicode61 remove_diacritics 2'.
# * unicode61 splits on Unicode separators/punctuation and case-folds every script, so keys like
#   "reports/2024/q1-summary.pdf" are searchable by their parts;
# * remove_diacritics 2 folds accents (including on characters with several combining marks), so
#   "resume" finds "résumé" - people rarely type the accents;
# * porter stems English words on top ("running" finds "run", "reports" finds "report"). The
#   corpus is mostly English prose, and for free text typed by humans recall matters more than
#   the rare false friend the stemmer conflates. Snippets still show the original words.
_TOKENIZER = "porter unicode61 remove_diacritics 2"

FTS_SCHEMA_V1 = (
    f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
        title, text, key,
        content = 'documents',
        content_rowid = 'id',
        tokenize = '{_TOKENIZER}'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS documents_fts_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts (rowid, title, text, key)
        VALUES (new.id, new.title, new.text, new.key);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts (documents_fts, rowid, title, text, key)
        VALUES ('delete', old.id, old.title, old.text, old.key);
    END
    """,
    # Re-upserting an unchanged document (the common case on a re-run) leaves the FTS index alone.
    """
    CREATE TRIGGER IF NOT EXISTS documents_fts_update AFTER UPDATE ON documents
    WHEN old.title IS NOT new.title OR old.text IS NOT new.text OR old.key IS NOT new.key
         OR old.id IS NOT new.id
    BEGIN
        INSERT INTO documents_fts (documents_fts, rowid, title, text, key)
        VALUES ('delete', old.id, old.title, old.text, old.key);
        INSERT INTO documents_fts (rowid, title, text, key)
        VALUES (new.id, new.title, new.text, new.key);
    END
    """,
)

# The MIME part of a stored content type: "Text/HTML; charset=utf-8" -> "text/html".
# The filter reads the detected type (schema version 4), else - a row written before it - the
# MIME part of the S3 header.
_MIME_SQL = (
    "coalesce(d.detected_type, lower(trim(CASE WHEN instr(d.content_type, ';') > 0 "
    "THEN substr(d.content_type, 1, instr(d.content_type, ';') - 1) "
    "ELSE d.content_type END)))"
)

# Module constants, not user values.
_SNIPPET_ARGS = f"'{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '{SNIPPET_ELLIPSIS}', {SNIPPET_TOKENS}"


def fts_query(query: str) -> str | None:
    """Turn free text typed by a human into a safe FTS5 query, or None if nothing is searchable.

    Every word and every "quoted phrase" becomes an FTS5 string (quoted, so operators such as
    AND/OR/NOT/NEAR, column filters `a:b`, `-`, `^`, `(`, `+` lose their meaning), and the parts
    are ANDed. Punctuation inside a part is left to the tokenizer (`foo-bar` is the phrase
    "foo bar", `C++` is "c"). A trailing `*` on a word or phrase makes it a prefix query.
    Parts with nothing the tokenizer would index (`*`, `--`) are dropped.
    """
    if not query:
        return None
    parts: list[str] = []
    for text, prefix in query_parts(query):
        parts.append('"' + text.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " AND ".join(parts) if parts else None


def encodable(text: str) -> str:
    """Typed text may hold lone surrogates (from a terminal or a bad decode); SQLite takes only
    valid UTF-8, and no stored text holds one, so they can only fail to match."""
    return text.encode("utf-8", "replace").decode("utf-8")


def search_statement(
    match: str, filters: SearchFilters, limit: int
) -> tuple[str, list[Any]]:
    """The SELECT of the best `limit` hits of an FTS5 `match`, and its parameters."""
    clauses = ["documents_fts MATCH ?", "documents_fts.rank MATCH ?"]
    params: list[Any] = [match, _RANK_FUNCTION]
    for column in ("source", "partition"):
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"d.{column} = ?")
            params.append(encodable(value))
    if filters.key_prefix:
        # A plain prefix comparison: no LIKE, so '%' and '_' in keys mean themselves, and
        # keys stay case-sensitive (LIKE folds ASCII case).
        prefix = encodable(filters.key_prefix)
        clauses.append("substr(d.key, 1, ?) = ?")
        params += [len(prefix), prefix]
    if filters.content_type:
        clauses.append(f"{_MIME_SQL} = ?")
        params.append(encodable(filters.content_type).split(";", 1)[0].strip().lower())
    for tag_key, tag_value in filters.tags.items():
        # json_each rather than a JSON path: tag keys may hold dots, spaces or quotes.
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(d.tags) AS t WHERE t.key = ? AND t.value = ?)"
        )
        params += [encodable(tag_key), encodable(tag_value)]
    if filters.access is not None:  # issue 24: before ranking, so no hit is cut afterwards
        from s3_ingest.core.index.principals import sqlite_qmark

        clause, values = sqlite_qmark(filters.access)
        clauses.append(clause)
        params += values
    params.append(int(limit))
    # snippet() on the text column picks the best fragment of the body; when only the
    # title/key matched, it returns the start of the text. Documents without text (metadata
    # only) fall back to a snippet of whichever column matched.
    sql = f"""
        SELECT d.source, d.bucket, d.key, d.title, -documents_fts.rank,
               coalesce(nullif(snippet(documents_fts, 1, {_SNIPPET_ARGS}), ''),
                        snippet(documents_fts, -1, {_SNIPPET_ARGS}), ''),
               d.content_type, d.tags, d.size, d.last_modified, d.detected_type
        FROM documents_fts JOIN documents AS d ON d.id = documents_fts.rowid
        WHERE {' AND '.join(clauses)}
        ORDER BY documents_fts.rank
        LIMIT ?
    """
    return sql, params
