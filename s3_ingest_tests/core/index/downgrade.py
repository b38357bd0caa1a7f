"""Turn a current index back into what schema version 3 (release 0.1.0) left, without version
4's structures, so tests can check that opening it migrates it forward."""

from __future__ import annotations

import sqlite3

_SQLITE_V4 = (
    "DROP TRIGGER chunk_codes_insert", "DROP TRIGGER chunk_codes_delete",
    "DROP TABLE chunk_codes", "DROP TABLE chunk_codes_deleted",
    "ALTER TABLE chunks DROP COLUMN code", "ALTER TABLE chunks_staged DROP COLUMN code",
    "DROP TABLE chunks_behind", "ALTER TABLE documents DROP COLUMN detected_type",
    "DROP TRIGGER documents_principals", "DROP TABLE acl_rules", "DROP TABLE acl_state",
    "ALTER TABLE documents DROP COLUMN principals",
)


def downgrade_to_version_3(url: str, backend: str, *, version: int = 3) -> None:
    if backend == "sqlite":
        conn = sqlite3.connect(url)
        for statement in _SQLITE_V4:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE chunks DROP COLUMN code")
        conn.execute("ALTER TABLE chunks_staged DROP COLUMN code")
        conn.execute("DROP TABLE chunks_behind")
        conn.execute("ALTER TABLE documents DROP COLUMN detected_type")
        conn.execute("DROP TRIGGER documents_principals ON documents")
        conn.execute("DROP FUNCTION s3_ingest_document_principals()")
        for table in ("acl_rules", "acl_state"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("ALTER TABLE documents DROP COLUMN principals")
        conn.execute("DELETE FROM s3_ingest_schema_version")
        conn.execute("INSERT INTO s3_ingest_schema_version (version) VALUES (%s)", (version,))
