"""The tables every backend shares, written once, and the migrations that bring a database to
`SCHEMA_VERSION`.

A backend supplies only what its SQL spells differently (column types), where it records the
version (SQLite: ``PRAGMA user_version``; PostgreSQL: the ``s3_ingest_schema_version`` table), and
the full-text structures of its search (an FTS5 table and its triggers; a tsvector column, its
function and text search configuration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# Version 4 is release 0.2.0's: every structure added since 0.1.0 (schema 3) comes in one step.
SCHEMA_VERSION = 4


@dataclass(frozen=True, slots=True)
class ColumnTypes:
    row_id: str  # the surrogate key the full-text index refers to
    text: str
    key: str  # must sort in code point order: the order of S3 listings and manifest ranges
    integer: str
    time: str
    json: str
    vector: str = "BLOB"  # an embedding: float32 bytes (sqlite-vec's format) or real[]
    blob: str = "BLOB"  # raw bytes (issue 19: a vector's sign-bit code)


# (column, kind in ColumnTypes, NOT NULL): the documents table, in columns.COLUMNS order.
_DOCUMENT_COLUMNS = (
    ("source", "text", True),
    ("bucket", "text", True),
    ("key", "key", True),
    ("rel_path", "text", True),
    ("partition", "text", True),
    ("size", "integer", True),
    ("etag", "text", True),
    ("last_modified", "time", True),
    ("content_type", "text", False),
    ("version_id", "text", False),
    ("storage_class", "text", False),
    ("metadata", "json", True),
    ("tags", "json", True),
    ("title", "text", False),
    ("text", "text", False),
    ("status", "text", True),
    ("reason", "text", False),
    ("indexed_at", "time", True),
)
_FAILURE_COLUMNS = (
    ("source", "text", True),
    ("key", "key", True),
    ("partition", "text", True),
    ("reason", "text", True),
    ("failed_at", "time", True),
)


# Version 2: the chunks of each document, with their embeddings (core/index/chunk_store.py).
# `doc_hash` is the hash of the document text they were cut from; `text_hash` that of what was
# embedded; `model` and `dimension` name the vector's model, so two models are never mixed.
_CHUNK_COLUMNS = (
    ("source", "text", True),
    ("key", "key", True),
    ("partition", "text", True),
    ("position", "integer", True),
    ("heading", "text", False),
    ("page", "integer", False),
    ("text", "text", True),
    ("text_hash", "text", True),
    ("doc_hash", "text", True),
    ("model", "text", False),
    ("dimension", "integer", False),
    ("embedding", "vector", False),
)


@dataclass(frozen=True, slots=True)
class SearchSchema:
    """A backend's full-text structures: DDL run before the shared tables (what a generated
    column calls), extra documents columns, and DDL run after them (indexes, triggers)."""

    before: Sequence[str] = ()
    columns: Sequence[str] = ()
    after: Sequence[str] = ()


class SchemaOwner(Protocol):
    """What a backend tells the migrations."""

    column_types: ColumnTypes

    def schema_version(self, conn: Any) -> int: ...

    def record_schema_version(self, conn: Any, version: int) -> None: ...

    def search_schema_v1(self, conn: Any, prefix: str) -> SearchSchema: ...

    def search_schema_v2(self, conn: Any, prefix: str) -> SearchSchema: ...

    def vector_search_v4(self, conn: Any, prefix: str) -> None: ...


def _column(types: ColumnTypes, name: str, kind: str, not_null: bool) -> str:
    default = " DEFAULT '{}'" if kind == "json" else ""
    return f"{name} {getattr(types, kind)}{' NOT NULL' if not_null else ''}{default}"


def tables_v1(types: ColumnTypes, prefix: str, extra_columns: Sequence[str] = ()) -> list[str]:
    """The shared DDL of version 1; `prefix` qualifies table names (a quoted schema and a dot)."""
    documents = [f"id {types.row_id}"]
    documents += [_column(types, *spec) for spec in _DOCUMENT_COLUMNS]
    documents += [*extra_columns, "UNIQUE (source, key)"]
    failures = [_column(types, *spec) for spec in _FAILURE_COLUMNS] + ["UNIQUE (source, key)"]
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}documents ({', '.join(documents)})",
        # Manifests, counts and partition deletes all go by (source, partition).
        "CREATE INDEX IF NOT EXISTS documents_source_partition "
        f"ON {prefix}documents (source, partition)",
        # Objects the last run of their partition could not fetch, for users to query later.
        f"CREATE TABLE IF NOT EXISTS {prefix}failures ({', '.join(failures)})",
        "CREATE INDEX IF NOT EXISTS failures_source_partition "
        f"ON {prefix}failures (source, partition)",
    ]


def tables_v2(types: ColumnTypes, prefix: str, extra_columns: Sequence[str] = ()) -> list[str]:
    """The chunks table of version 2."""
    chunks = [f"id {types.row_id}"]
    chunks += [_column(types, *spec) for spec in _CHUNK_COLUMNS]
    chunks += [*extra_columns, "UNIQUE (source, key, position)"]
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}chunks ({', '.join(chunks)})",
        "CREATE INDEX IF NOT EXISTS chunks_source_partition "
        f"ON {prefix}chunks (source, partition, key)",
    ]


def tables_v3(types: ColumnTypes, prefix: str) -> list[str]:
    """Version 3: `chunks_staged`, the chunks a running chunks run has embedded but not yet
    published (chunk_stage.py), tagged with the run's token. No full-text or vector structures:
    nothing searches it, and rows reach the searched `chunks` only by INSERT ... SELECT."""
    staged = [_column(types, *spec) for spec in (("token", "text", True), *_CHUNK_COLUMNS)]
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}chunks_staged ({', '.join(staged)})",
        # The publishing transaction goes by token; vector reuse and replacing a crashed
        # run's rows go by document.
        f"CREATE INDEX IF NOT EXISTS chunks_staged_token ON {prefix}chunks_staged (token, key)",
        f"CREATE INDEX IF NOT EXISTS chunks_staged_key ON {prefix}chunks_staged (source, key)",
    ]


def _detected_type_v4(conn: Any, types: ColumnTypes, prefix: str) -> list[str]:
    """Version 4 (issue 20): `detected_type`, the media type the extraction found in the bytes
    (core/extraction/media_types.py), beside `content_type`, the S3 header as stored. Search's
    content-type filter reads it; rows written before it have NULL and fall back to the
    header. Plain ADD COLUMN: both SQLite and PostgreSQL add a nullable column in place (and
    SQLite has no ADD COLUMN IF NOT EXISTS, hence the look first)."""
    described = conn.execute(f"SELECT * FROM {prefix}documents LIMIT 0").description
    if "detected_type" in [column[0] for column in described]:
        return []
    return [f"ALTER TABLE {prefix}documents ADD COLUMN detected_type {types.text}"]


def _chunks_behind_v4(types: ColumnTypes, prefix: str) -> list[str]:
    """Version 4 (issue 19): `chunks_behind`, the documents with text and no chunks in step with
    it (chunk_coverage.py), so search and `status` count them without reading the documents.
    Filled once from what the index holds: every document with text and no chunks."""
    behind = [_column(types, *spec) for spec in (("source", "text", True), ("key", "key", True),
                                                 ("partition", "text", True))]
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}chunks_behind ({', '.join(behind)}, "
        "UNIQUE (source, key))",
        "CREATE INDEX IF NOT EXISTS chunks_behind_partition "
        f"ON {prefix}chunks_behind (source, partition)",
        f"INSERT INTO {prefix}chunks_behind (source, key, partition) "
        f"SELECT d.source, d.key, d.partition FROM {prefix}documents AS d "
        "WHERE d.text IS NOT NULL AND trim(substr(d.text, 1, 200)) <> '' AND NOT EXISTS "
        f"(SELECT 1 FROM {prefix}chunks AS c WHERE c.source = d.source AND c.key = d.key) "
        "ON CONFLICT DO NOTHING",
    ]


def _chunk_codes_v4(types: ColumnTypes, prefix: str) -> list[str]:
    """Version 4 (issue 19): `code`, the sign bits of a chunk's vector, written with it (staged
    and published alike) for a backend whose vector search scans codes before it compares
    vectors (SQLite: sqlite_codes.py). A backend that does not use it leaves it NULL."""
    return [
        *(f"ALTER TABLE {prefix}{table} ADD COLUMN code {types.blob}"
          for table in ("chunks", "chunks_staged")),
        # Which models an index holds, answered without reading every chunk (chunk_store.py).
        f"CREATE INDEX IF NOT EXISTS chunks_model ON {prefix}chunks (model)",
    ]


def tables_v4(conn: Any, types: ColumnTypes, prefix: str) -> list[str]:
    """Version 4 (release 0.2.0): chunks behind their documents, vectors' sign-bit codes and
    the detected media type (and, run after these by `migrate`, the documents' principals:
    principals.py)."""
    return [*_chunks_behind_v4(types, prefix), *_chunk_codes_v4(types, prefix),
            *_detected_type_v4(conn, types, prefix)]


def migrate(conn: Any, owner: SchemaOwner, prefix: str = "") -> None:
    """Bring the database to SCHEMA_VERSION; the caller holds one transaction around it, so a
    migration lands whole or not at all."""
    version = owner.schema_version(conn)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"{owner!r} has index schema version {version}; this code only knows versions up "
            f"to {SCHEMA_VERSION}"
        )
    if version < 1:
        search = owner.search_schema_v1(conn, prefix)
        tables = tables_v1(owner.column_types, prefix, search.columns)
        for statement in (*search.before, *tables, *search.after):
            conn.execute(statement)
    if version < 2:
        search = owner.search_schema_v2(conn, prefix)
        tables = tables_v2(owner.column_types, prefix, search.columns)
        for statement in (*search.before, *tables, *search.after):
            conn.execute(statement)
    if version < 3:
        for statement in tables_v3(owner.column_types, prefix):
            conn.execute(statement)
    if version < 4:
        for statement in tables_v4(conn, owner.column_types, prefix):
            conn.execute(statement)
        owner.vector_search_v4(conn, prefix)
        # Issue 24: who may see each document (principals.py).
        from s3_ingest.core.index.principals import schema_v4

        for statement in schema_v4(conn, owner.column_types, prefix):
            conn.execute(statement)
    # Later versions: `if version < 5: ...` here, each step inside the caller's transaction.
    if version < SCHEMA_VERSION:
        owner.record_schema_version(conn, SCHEMA_VERSION)
