"""How PostgreSQL searches (the search vector itself is postgres_text_search.py): a tsquery
parsed from typed text like FTS5 queries are, matched against the GIN-indexed search vector, ranked
with ts_rank, and excerpted with ts_headline so that snippets look like FTS5's snippet().

* **Ranking.** ``ts_rank`` with weights A=1.0 (title), B=0.4 (key), C=0.2 (text): the same 5:2:1
  ratio as the SQLite backend's bm25 weights; higher is better, like the SQLite scores.
* **Snippets.** ``ts_headline`` (one fragment of about 12 words, ``[``/``]`` around matches,
  ``…`` where text was cut), from the text, else from the title or key that matched. Snippets are
  taken from the first `SNIPPET_SOURCE_CHARS` characters of the text.
* **Queries** are parsed like `s3_ingest.core.index.sqlite_fts.fts_query`: words and "quoted
  phrases" ANDed, a trailing ``*`` for a prefix, operators typed by the user are plain words. The
  tsquery is assembled from quoted, punctuation-free terms, so no input can make ``to_tsquery``
  raise; a query keeps its first `MAX_QUERY_TERMS` words.
"""

from __future__ import annotations

from typing import Any

from s3_ingest.core.index.base import SearchFilters, SearchHit
from s3_ingest.core.index.postgres_text_search import GLUE, SEARCH_CONFIG
from s3_ingest.core.index.query_words import query_parts
from s3_ingest.core.index.rows import Values, search_hit

# ts_rank weights in the order {D, C, B, A}: text is C, key B, title A (5:2:1, as in sqlite_fts.py).
RANK_WEIGHTS = (0.1, 0.2, 0.4, 1.0)
# 1: divide the rank by 1 + log(document length), so a long text does not win by volume alone.
RANK_NORMALIZATION = 1

SNIPPET_WORDS = 12
SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_ELLIPSIS = "[", "]", "…"
# ts_headline parses its whole input: it gets at most this much of a document's text.
SNIPPET_SOURCE_CHARS = 100_000
_HEADLINE_OPTIONS = (
    f"StartSel={SNIPPET_OPEN}, StopSel={SNIPPET_CLOSE}, MaxWords={SNIPPET_WORDS}, "
    f"MinWords={SNIPPET_WORDS - 1}, ShortWord=0, MaxFragments=1, "
    f'FragmentDelimiter="{SNIPPET_ELLIPSIS}"'
)

# Query words beyond this many are dropped: a tsquery nests one level per operator (tens of
# thousands of terms exhaust the server's stack), and ts_headline's cost grows with the square of
# the number of terms (1,000 terms: ~0.5 s per hit).
MAX_QUERY_TERMS = 256

# For snippets each of them is mapped to a control character (a separator to the parser, and
# never a word character in any locale) and back afterwards; control characters already in the
# text become spaces.
_CONTROLS = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_SNIPPET_CODES = _CONTROLS[: len(GLUE)]
_SNIPPET_FROM = GLUE + _CONTROLS
_SNIPPET_TO = _SNIPPET_CODES + " " * len(_CONTROLS)
assert len(_SNIPPET_CODES) == len(GLUE) and not set(_SNIPPET_CODES) & set("\t\n\r")

# Query side: every ASCII punctuation character and every control character is a separator.
_QUERY_SEPARATORS = str.maketrans(
    {c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + _CONTROLS + "\x00"}
)


def search_statement(
    tsquery: str, filters: SearchFilters, limit: int, values: Values
) -> tuple[str, dict[str, Any]] | None:
    """The SELECT of the best `limit` hits of `tsquery` with their snippets, and its parameters;
    None when a filter cannot match anything."""
    given = [filters.source, filters.partition, filters.key_prefix, filters.content_type]
    given += [text for item in filters.tags.items() for text in item]
    if not all(_encodable(value) for value in given if isinstance(value, str)):
        return None  # a lone surrogate: no stored (valid UTF-8) value can equal it
    clauses: list[str] = []
    params: dict[str, object] = {
        "config": SEARCH_CONFIG,
        "query": tsquery,
        "weights": list(RANK_WEIGHTS),
        "normalization": RANK_NORMALIZATION,
        "limit": int(limit),
        "glue": GLUE,
        "blanks": " " * len(GLUE),
        "snippet_from": _SNIPPET_FROM,
        "snippet_to": _SNIPPET_TO,
        "codes": _SNIPPET_CODES,
        "options": _HEADLINE_OPTIONS,
        "source_chars": SNIPPET_SOURCE_CHARS,
        "edge_chars": 64,
        "open": SNIPPET_OPEN,
        "close": SNIPPET_CLOSE,
    }
    if filters.source is not None:
        clauses.append("d.source = %(source)s")
        params["source"] = values.text(filters.source)
    if filters.partition is not None:
        clauses.append("d.partition = %(partition)s")
        params["partition"] = values.text(filters.partition)
    if filters.key_prefix:
        # A plain prefix comparison: no LIKE, so '%' and '_' in keys mean themselves, and
        # keys stay case-sensitive.
        clauses.append("starts_with(d.key, %(key_prefix)s)")
        params["key_prefix"] = values.text(filters.key_prefix)
    if filters.content_type:
        # The detected type (schema version 4), else - older rows - the S3 header's MIME part.
        clauses.append("coalesce(d.detected_type, lower(btrim(split_part(d.content_type, ';', "
                       "1)))) = %(mime)s")
        params["mime"] = values.text(filters.content_type).split(";", 1)[0].strip().lower()
    if filters.tags:
        # Containment: every given tag, keys matched exactly (dots, spaces, quotes and all).
        clauses.append("d.tags @> %(tags)s::jsonb")
        params["tags"] = values.json(filters.tags)
    if filters.access is not None:  # issue 24: before ranking, so no hit is cut afterwards
        from s3_ingest.core.index.principals import postgres_clause, postgres_params

        clauses.append(postgres_clause("access"))
        params |= postgres_params(filters.access, "access")
    where = "".join(f" AND {clause}" for clause in clauses)
    # Rank every match, keep the best `limit`, and only then build their snippets.
    # Snippet source: the text when it has any; else the title if it matched, else the key.
    # Its gluing punctuation is swapped for control characters (so the parser splits there,
    # as the search vector does) and swapped back in the headline; at_start/at_end tell
    # whether the fragment reaches the ends of its source, i.e. where to put ellipses.
    sql = f"""
        WITH q AS (SELECT to_tsquery(%(config)s::regconfig, %(query)s) AS query),
        top AS (
            SELECT d.id, ts_rank(%(weights)s::float4[], d.search_vector, q.query,
                                 %(normalization)s) AS score
            FROM documents AS d, q
            WHERE d.search_vector @@ q.query{where}
            ORDER BY score DESC, d.id
            LIMIT %(limit)s
        )
        SELECT d.source, d.bucket, d.key, d.title, top.score,
               translate(
                   CASE WHEN e.at_start THEN e.head ELSE '' END || h.headline
                   || CASE WHEN e.at_end THEN e.tail ELSE '' END,
                   %(codes)s, %(glue)s),
               e.at_start, e.at_end,
               d.content_type, d.tags, d.size, d.last_modified, d.detected_type
        FROM top JOIN documents AS d ON d.id = top.id CROSS JOIN q
        CROSS JOIN LATERAL (
            SELECT CASE
                WHEN d.text ~ '[^[:space:]]' THEN
                    translate(left(d.text, %(source_chars)s), %(snippet_from)s, %(snippet_to)s)
                WHEN d.title IS NOT NULL
                     AND to_tsvector(%(config)s::regconfig,
                                     translate(d.title, %(glue)s, %(blanks)s)) @@ q.query THEN
                    translate(d.title, %(snippet_from)s, %(snippet_to)s)
                ELSE translate(d.key, %(snippet_from)s, %(snippet_to)s)
            END AS body,
            coalesce(d.text ~ '[^[:space:]]' AND length(d.text) > %(source_chars)s, false)
                AS truncated
            OFFSET 0  -- a fence: computed once, not inlined into every reference
        ) AS s
        CROSS JOIN LATERAL (
            SELECT ts_headline(%(config)s::regconfig, s.body, q.query, %(options)s) AS headline
            OFFSET 0
        ) AS h0
        CROSS JOIN LATERAL (
            SELECT h0.headline,
                   strpos(s.body, replace(replace(h0.headline, %(open)s, ''), %(close)s, ''))
                       AS at,
                   length(replace(replace(h0.headline, %(open)s, ''), %(close)s, '')) AS len
            OFFSET 0
        ) AS h
        CROSS JOIN LATERAL (
            SELECT CASE WHEN h.at > 0 THEN left(s.body, h.at - 1) END AS head,
                   CASE WHEN h.at > 0 THEN substr(s.body, h.at + h.len) END AS tail
        ) AS ht
        -- The headline starts and ends on words: what lies before or after it in its source
        -- is shown too when it holds no word (punctuation, spaces); otherwise an ellipsis
        -- marks the cut, as FTS5's snippet() does.
        CROSS JOIN LATERAL (
            SELECT ht.head, ht.tail,
                   coalesce(length(ht.head) <= %(edge_chars)s
                            AND length(to_tsvector(%(config)s::regconfig, ht.head)) = 0,
                            false) AS at_start,
                   coalesce(NOT s.truncated AND length(ht.tail) <= %(edge_chars)s
                            AND length(to_tsvector(%(config)s::regconfig, ht.tail)) = 0,
                            false) AS at_end
        ) AS e
        ORDER BY top.score DESC, d.id
    """
    return sql, params


def search_hits(rows: list[tuple[Any, ...]], values: Values) -> list[SearchHit]:
    hits = []
    for row in rows:
        headline, at_start, at_end = row[5:8]
        fragment = (headline or "").strip()
        if fragment:
            fragment = (
                ("" if at_start else SNIPPET_ELLIPSIS)
                + fragment
                + ("" if at_end else SNIPPET_ELLIPSIS)
            )
        hits.append(search_hit((*row[:5], fragment, *row[8:]), values))
    return hits


def ts_query(query: str) -> str | None:
    """Turn free text typed by a human into a safe `to_tsquery` input, or None if nothing is
    searchable.

    Parts are found exactly as `s3_ingest.core.index.sqlite_fts.fts_query` finds them (words,
    "quoted phrases" - an unbalanced quote runs to the end - and a trailing ``*`` for a prefix),
    and ANDed; the words of a part must be adjacent (``<->``), as FTS5 treats a word that its
    tokenizer splits (``foo-bar``) as a phrase. Every ASCII punctuation and control character
    becomes a separator, and each remaining word is single-quoted, so operators typed by the user
    (``& | ! <-> : * ( )``) and quotes or backslashes can never reach the tsquery syntax: the
    result always parses. Words the dictionaries drop simply vanish from the query.
    """
    if not query:
        return None
    if not _encodable(query):  # lone surrogates (say, undecodable bytes of a command line)
        query = query.encode("utf-8", "replace").decode("utf-8")
    parts: list[str] = []
    budget = MAX_QUERY_TERMS
    for text, prefix in query_parts(query):
        words = text.translate(_QUERY_SEPARATORS).split()[:budget]
        if not words:
            continue
        budget -= len(words)
        terms = [f"'{w}'" for w in words]
        if prefix:
            terms[-1] += ":*"
        part = terms[0] if len(terms) == 1 else "(" + " <-> ".join(terms) + ")"
        if part not in parts:  # "a a" is "a": ANDing a part twice only costs time
            parts.append(part)
        if budget <= 0:
            break
    return " & ".join(parts) if parts else None


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
