"""Schema version 4 on SQLite (issue 19): every embedded chunk's sign-bit code, in a narrow
table that SQLite's vector search scans instead of the float32 vectors (code_scan.py).

The code is computed in Python when a chunk is written (`chunks.code`, beside its vector, in the
same row and so the same transaction) and copied by triggers into `chunk_codes`, so every path
that inserts or deletes chunks - a chunks run's publish, a partition or source removed by
housekeeping - keeps it in step without knowing it exists, and on the stock `sqlite3` module,
which cannot load sqlite-vec. `chunk_codes.seq` only grows (AUTOINCREMENT): a reader that holds
the codes up to some seq loads only what came after. Deletions are counted in
`chunk_codes_deleted`, so a reader knows how many of the codes it holds may be gone.
"""

from __future__ import annotations

from typing import Any

CODES_SCHEMA_V4 = (
    """
    CREATE TABLE IF NOT EXISTS chunk_codes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id INTEGER NOT NULL,
        model TEXT NOT NULL, code BLOB NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS chunk_codes_chunk ON chunk_codes (chunk_id)",
    "CREATE TABLE IF NOT EXISTS chunk_codes_deleted (n INTEGER NOT NULL)",
    "INSERT INTO chunk_codes_deleted (n) SELECT 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM chunk_codes_deleted)",
    """
    CREATE TRIGGER IF NOT EXISTS chunk_codes_insert AFTER INSERT ON chunks
    WHEN new.code IS NOT NULL AND new.model IS NOT NULL BEGIN
        INSERT INTO chunk_codes (chunk_id, model, code) VALUES (new.id, new.model, new.code);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS chunk_codes_delete AFTER DELETE ON chunks
    WHEN old.code IS NOT NULL BEGIN
        DELETE FROM chunk_codes WHERE chunk_id = old.id;
        UPDATE chunk_codes_deleted SET n = n + 1;
    END
    """,
)

_BACKFILL_PAGE = 5_000


def migrate_codes_v4(conn: Any) -> None:
    """Create the codes' structures and give the vectors already stored (published and staged)
    their codes, inside the caller's migration transaction."""
    from s3_ingest.core.index.vectors import sign_code

    for statement in CODES_SCHEMA_V4:
        conn.execute(statement)
    for table in ("chunks", "chunks_staged"):
        after = -1
        while True:
            rows = conn.execute(
                f"SELECT rowid, embedding FROM {table} WHERE rowid > ? AND embedding IS NOT NULL "
                "AND code IS NULL ORDER BY rowid LIMIT ?",
                (after, _BACKFILL_PAGE),
            ).fetchall()
            if not rows:
                break
            conn.executemany(
                f"UPDATE {table} SET code = ? WHERE rowid = ?",
                [(sign_code(bytes(blob)), rowid) for rowid, blob in rows],
            )
            after = rows[-1][0]
    conn.execute(
        "INSERT INTO chunk_codes (chunk_id, model, code) SELECT id, model, code FROM chunks "
        "WHERE code IS NOT NULL AND model IS NOT NULL AND id NOT IN "
        "(SELECT chunk_id FROM chunk_codes) ORDER BY id"
    )
