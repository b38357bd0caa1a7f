"""Which documents' chunks are in step with their text (issue 19): a mix-in of `ChunkStore`.

Search must never read chunks cut from text a document no longer has. The documents' own write
keeps that true: in the transaction that changes a document's text (or takes it away), the
chunks cut from the old text leave `chunks` - the searched table - for `chunks_staged`, where
the next chunks run finds their vectors to reuse by text hash (chunk_stage.py) and clears
them. So a document's chunks are either in step with its text or absent, whatever path wrote
the document (a sensor run, `s3-ingest sync --no-chunks`, a launch from the asset's page).

A document with text but no chunks is "behind": searched by keyword on its document row until
a chunks run cuts it (core/retrieval/uncovered.py), counted by `status` and by search's notice
(from markers, below: no count reads the documents), and run again by the next
`s3-ingest sync`. Chunks of a deleted document never reach a result (every chunk search
joins its document) and go with the next chunks run of their partition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from s3_ingest.core.index.chunk_stage import CHUNK_FIELDS

# The token superseded chunks are staged under: no run publishes it; a run of the partition
# reuses its vectors and its publishing transaction clears it.
SUPERSEDED = "superseded"
# A marker counts while its document exists: markers of deleted documents need no upkeep.
_LIVE = ("FROM chunks_behind AS b JOIN documents AS d ON d.source = b.source "
         "AND d.key = b.key")


class ChunkCoverage:
    """Mixed into ChunkStore: uses SqlIndex's `_read`, `_sql`, `_chunks` and `values`.

    What is behind is kept as a marker per document (`chunks_behind`, schema v4), set by the
    documents' write and cleared by the chunks run that publishes the partition, so counting
    it reads the markers, never the documents' texts."""

    _read: Any
    _sql: Any
    _chunks: Any
    values: Any
    _vector_value: Any

    def _supersede_chunks(self, conn: Any, documents: Iterable[tuple[str, str, str, str]]
                          ) -> None:
        """Inside a documents write: (source, key, partition, doc_hash of the new text - ''
        for none) -> chunks cut from other text move to the stage, and a document with text
        and no chunks left is marked behind."""
        rows = list(documents)
        if not rows:
            return
        where = "WHERE source = ? AND key = ? AND doc_hash <> ?"
        move = self._sql(f"INSERT INTO chunks_staged (token, {CHUNK_FIELDS}) "
                         f"SELECT ?, {CHUNK_FIELDS} FROM chunks {where}")
        drop = self._sql(f"DELETE FROM chunks {where}")
        unmark = self._sql("DELETE FROM chunks_behind WHERE source = ? AND key = ?")
        mark = self._sql(
            "INSERT INTO chunks_behind (source, key, partition) SELECT ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM chunks WHERE source = ? AND key = ?) ON CONFLICT DO NOTHING")
        conn.cursor().executemany(move, [(SUPERSEDED, s, k, h) for s, k, _, h in rows])
        conn.cursor().executemany(drop, [(s, k, h) for s, k, _, h in rows])
        conn.cursor().executemany(unmark, [(s, k) for s, k, _, _ in rows])
        conn.cursor().executemany(mark, [(s, k, p, s, k) for s, k, p, h in rows if h])

    def documents_behind(self, source: str | None = None) -> int:
        """Documents with text and no chunks in step with it."""
        where = " WHERE b.source = ?" if source is not None else ""
        sql = self._sql(f"SELECT count(*) {_LIVE}{where}")
        params = [self.values.text(source)] if source is not None else []
        row = self._read(lambda c: c.execute(sql, params).fetchone())
        return int(row[0]) if row else 0

    def partitions_behind(self, source: str) -> dict[str, int]:
        """partition -> documents behind, and partitions holding chunks of deleted documents
        (0 documents): what a chunks run would change."""
        text = self.values.text(source)
        behind_sql = self._sql(
            f"SELECT b.partition, count(*) {_LIVE} WHERE b.source = ? GROUP BY b.partition")
        # A lookup per document with chunks, not per chunk: the keys come off the
        # (source, partition, key) index.
        orphan_sql = self._sql(
            "SELECT DISTINCT c.partition FROM (SELECT DISTINCT source, partition, key FROM "
            "chunks WHERE source = ?) AS c WHERE NOT EXISTS "
            "(SELECT 1 FROM documents AS d WHERE d.source = c.source AND d.key = c.key)")
        behind = {p: int(n) for p, n in
                  self._read(lambda c: c.execute(behind_sql, (text,)).fetchall())}
        for (partition,) in self._read(lambda c: c.execute(orphan_sql, (text,)).fetchall()):
            behind.setdefault(partition, 0)
        return behind

    def behind_versions(self, source: str) -> dict[str, str]:
        """partition -> a digest of the versions (key, etag, last-modified) of its documents
        behind: what a catch-up chunks run is asked for, so its run key changes with them."""
        sql = self._sql(f"SELECT b.partition, d.key, d.etag, d.last_modified {_LIVE} "
                        "WHERE b.source = ? ORDER BY b.partition, d.key")
        rows = self._read(lambda c: c.execute(sql, (self.values.text(source),)).fetchall())
        hashers: dict[str, Any] = {}
        for partition, key, etag, modified in rows:
            hasher = hashers.setdefault(partition, hashlib.sha256())
            hasher.update(f"{key}\0{etag} {modified}\n".encode("utf-8", "surrogatepass"))
        return {partition: h.hexdigest()[:16] for partition, h in hashers.items()}

    def keys_with_chunks(self, source: str, keys: Iterable[str]) -> set[str]:
        unique = sorted({self.values.text(k) for k in keys})
        found: set[str] = set()
        for marks, part in self._chunks(unique):
            sql = self._sql(f"SELECT DISTINCT key FROM chunks WHERE source = ? AND key IN {marks}")
            params = [self.values.text(source), *part]
            found |= {k for (k,) in self._read(lambda c: c.execute(sql, params).fetchall())}
        return found

    def chunk_embeddings(self, source: str, keys: Iterable[str], model: str
                         ) -> dict[tuple[str, int], bytes]:
        """(key, position) -> vector of `model` for the chunks of these documents: what a
        search checks its semantic hits' similarity with."""
        unique = sorted({self.values.text(k) for k in keys})
        vectors: dict[tuple[str, int], bytes] = {}
        for marks, part in self._chunks(unique):
            sql = self._sql("SELECT key, position, embedding FROM chunks WHERE source = ? "
                            f"AND model = ? AND key IN {marks}")
            params = [self.values.text(source), model, *part]
            for key, position, stored in self._read(lambda c: c.execute(sql, params).fetchall()):
                if (vector := self._vector_value(stored)) is not None:
                    vectors[(key, int(position))] = vector
        return vectors
