"""How PostgreSQL indexes text for search: a generated ``search_vector tsvector`` column of
``documents`` (title weighted 'A', key 'B', text 'C') with a GIN index, computed by the function
``s3_ingest_search_vector(title, key, text)`` with the text search configuration
``s3_ingest_search`` - so the full-text index can never drift from the rows.

* **Tokens.** FTS5's unicode61 tokenizer splits on every non-alphanumeric character; PostgreSQL's
  default parser instead keeps ``reports/q1-summary.pdf`` as one ``file`` token, ``a@b.com`` as
  one ``email``, ``-5`` as a signed ``int``, ``<b>`` as a ``tag`` ... so keys would not be
  searchable by their parts. Before parsing, the 25 ASCII punctuation characters that the parser
  ever glues into a token are turned into separators (``translate``), on the document side (in the
  generated column), on the query side and for snippets (postgres_search.py).
* **Dictionary.** Neither ``simple`` (no stemming: "run" would not find "running") nor
  ``english`` (its stop-word list drops "and", "not", "the": a query for them finds nothing, and
  FTS5 finds them) matches FTS5's ``porter unicode61 remove_diacritics 2``. The configuration
  ``s3_ingest_search`` is a copy of ``simple`` whose word mappings are ``unaccent`` (folds
  "résumé" to "resume"; skipped, with a warning, when the extension cannot be created) followed by
  a Snowball English stemmer *without* a stop-word list. Case is folded by both.
* **Size.** A tsvector holds at most 1 MB, so the text of a document is indexed in chunks until
  that budget is spent (prose of several MB fits - its vocabulary saturates - but a multi-MB file
  of unique identifiers is searchable only in its first part); positions beyond 16,383 are
  clamped, so *phrase* queries deep into very long texts may miss.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from s3_ingest.core.index.schema import SearchSchema

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

SEARCH_CONFIG = "s3_ingest_search"

# The search vector: title and key in full (a title is bounded here all the same), the text in
# chunks of _VECTOR_CHUNK_CHARS (cut at whitespace) until the tsvector would pass
# _VECTOR_BUDGET_BYTES (PostgreSQL refuses a tsvector of 1 MB or more).
_VECTOR_TITLE_CHARS = 10_000
_VECTOR_CHUNK_CHARS = 100_000
_VECTOR_BUDGET_BYTES = 900_000

# The ASCII punctuation PostgreSQL's default text search parser may glue into one token (file
# paths, URLs, e-mail addresses, hyphenated words, numbers with signs or decimals, XML tags and
# entities). The remaining seven - " \ ^ ` { | } - are always separators to it.
GLUE = "!#$%&'()*+,-./:;<=>?@[]_~"


def text_search_schema_v1(conn: psycopg.Connection, prefix: str) -> tuple[SearchSchema, bool]:
    """The text search structures of schema version 1 (`prefix`: the quoted schema and a dot),
    and whether they fold accents (the unaccent extension could be created)."""
    config = f"{prefix}{SEARCH_CONFIG}"
    blanks = " " * len(GLUE)
    unaccent = _create_unaccent(conn)
    words = (f"{unaccent}, " if unaccent else "") + f"{prefix}s3_ingest_english_stem"
    before = (
        # No StopWords: every word is searchable, "and" and "not" included (as in FTS5).
        (
            f"CREATE TEXT SEARCH DICTIONARY {prefix}s3_ingest_english_stem"
            " (TEMPLATE = snowball, Language = english)"
        ),
        f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = simple)",
        f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING "
        f"FOR asciiword, word, asciihword, hword, hword_asciipart, hword_part WITH {words}",
        f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING "
        "FOR numword, numhword, hword_numpart WITH "
        + (f"{unaccent}, simple" if unaccent else "simple"),
        f"""
        CREATE FUNCTION {prefix}s3_ingest_search_vector(title text, key text, body text)
        RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
        DECLARE
            vector tsvector;
            part tsvector;
            chunk text;
            total integer := coalesce(length(body), 0);
            start integer := 1;
            cut integer;
        BEGIN
            vector := setweight(to_tsvector('{config}'::regconfig,
                                translate(left(coalesce(title, ''), {_VECTOR_TITLE_CHARS}),
                                          $glue${GLUE}$glue$, '{blanks}')), 'A')
                   || setweight(to_tsvector('{config}'::regconfig,
                                translate(coalesce(key, ''), $glue${GLUE}$glue$, '{blanks}')),
                                'B');
            WHILE start <= total LOOP
                chunk := substr(body, start, {_VECTOR_CHUNK_CHARS});
                IF start + {_VECTOR_CHUNK_CHARS} <= total THEN
                    -- Cut after the chunk's last whitespace, so no word is split in two.
                    cut := length(chunk) - coalesce(
                        nullif(strpos(reverse(translate(chunk, E'\\t\\n\\r', '   ')), ' '), 0),
                        1) + 1;
                    chunk := left(chunk, cut);
                END IF;
                part := setweight(to_tsvector('{config}'::regconfig,
                                  translate(chunk, $glue${GLUE}$glue$, '{blanks}')), 'C');
                EXIT WHEN pg_column_size(vector) + pg_column_size(part) > {_VECTOR_BUDGET_BYTES};
                vector := vector || part;
                start := start + length(chunk);
            END LOOP;
            RETURN vector;
        END
        $fn$
        """,
    )
    column = (
        "search_vector tsvector GENERATED ALWAYS AS "
        f"({prefix}s3_ingest_search_vector(title, key, text)) STORED"
    )
    gin = (
        f"CREATE INDEX IF NOT EXISTS documents_search ON {prefix}documents "
        "USING gin (search_vector)"
    )
    return SearchSchema(before=before, columns=(column,), after=(gin,)), unaccent is not None


def _create_unaccent(conn: psycopg.Connection) -> str | None:
    """Create the unaccent extension if possible; its dictionary's qualified name, or None."""
    import psycopg

    try:
        with conn.transaction():  # a savepoint: a refusal must not abort the schema creation
            conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except psycopg.Error as error:
        log.warning(
            "PostgreSQL index: the unaccent extension is not available (%s); searches will "
            "not fold accents (\"resume\" will not find \"résumé\"). Ask a database owner to "
            "run CREATE EXTENSION unaccent before the index is first used.",
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
        )
        return None
    from psycopg import sql

    row = conn.execute(
        "SELECT n.nspname FROM pg_ts_dict AS d JOIN pg_namespace AS n ON n.oid = d.dictnamespace "
        "JOIN pg_extension AS e ON e.extnamespace = n.oid AND e.extname = 'unaccent' "
        "WHERE d.dictname = 'unaccent' LIMIT 1"
    ).fetchone()
    if row is None:
        log.warning(
            "PostgreSQL index: the unaccent extension has no unaccent dictionary; searches will "
            "not fold accents."
        )
        return None
    return f"{sql.Identifier(row[0]).as_string(conn)}.unaccent"


def config_uses_unaccent(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict "
        f"WHERE m.mapcfg = '{SEARCH_CONFIG}'::regconfig AND d.dictname = 'unaccent')"
    ).fetchone()
    return bool(row and row[0])
